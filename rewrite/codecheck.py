"""Checking the code people run: a loss and its hand-written gradient, as Python functions.

`check_gradient(f, g, wrt=..., shapes=...)` traces both functions (numpy through
`tracing`, JAX through `tracing_jax`), states `d/dwrt f(…) = g(…)` in the language, and
checks it with `prove` — the same checker, the same outcomes, the same certificate — so
nothing here decides anything: it only turns code into a statement. The answer carries the
statement as a proof file (`source`), so the claim can be kept next to the code.

`shapes` declares each argument: `("m", "n")` a matrix, `("n",)` a 1-D array (a column
vector, `Vec(n)`), `()` a scalar; integers are sizes too. `properties` adds the
language's properties (`{"S": ("spd",)}`). Arguments not in `shapes` keep their defaults
(a learning rate, a regularisation weight).
Imports: `api`, `arrays`, `tracing`, `tracing_jax` (only for JAX code), `errors`, `parse`, `printing`, `shapes`, `syntax`, `document`, `budget`, `sizes`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from . import document as doc
from . import syntax as S
from .api import NotProved, Proof, Term, prove
from .arrays import Array, Dims, shape_text
from .budget import DEFAULT_SECONDS
from .errors import RewriteError, ShapeError, TraceError
from .parse import parse_decl
from .printing import show
from .shapes import elaborate_statement, env_from_decls
from .sizes import Size
from .tracing import UsesJax, at_location, trace_numpy

Shapes = Mapping[str, Iterable[int | str]]
Properties = Mapping[str, Iterable[str] | str]


@dataclass(frozen=True)
class TracedProof(Proof):
    """A `Proof` of a traced claim; `source` is the claim as a proof file."""

    source: str = ""


@dataclass(frozen=True)
class TracedNotProved(NotProved):
    """An `NotProved` for a traced claim (`false`, `unknown`, ...); `source` as in `TracedProof`."""

    source: str = ""


# ---------------------------------------------------------------------------
# Declarations from `shapes` and `properties`


def _type_text(name: str, shape: Any) -> str:
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Iterable):
        raise TraceError(f"shapes['{name}'] is {shape!r}: give a tuple of sizes, e.g. ('m', 'n'), ('n',) or ()")
    sizes = tuple(shape)
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, (int, str)) or (isinstance(size, int) and size < 1):
            raise TraceError(f"shapes['{name}'] has the size {size!r}: a size is a name or a positive integer")
    if len(sizes) > 2:
        raise TraceError(f"shapes['{name}'] has {len(sizes)} axes: scalars, vectors and matrices are traced")
    return ("Scalar", "Vec({})", "Mat({}, {})")[len(sizes)].format(*sizes)


def declarations(shapes: Shapes, properties: Properties | None) -> tuple[tuple[doc.Decl, ...], dict[str, Dims]]:
    """One declaration per argument, read as a `let` line is (so names, sizes and properties
    are those of the language), and the numpy shape of each argument."""
    properties = dict(properties or {})
    unknown = sorted(set(properties) - set(shapes))
    if unknown:
        raise TraceError(f"properties name {', '.join(unknown)}, which shapes does not declare")
    decls, dims = [], {}
    for name, shape in shapes.items():
        props = properties.get(name, ())
        props = (props,) if isinstance(props, str) else tuple(props)
        text = " ".join((f"{name} : {_type_text(name, shape)}", *props))
        try:
            decl = parse_decl(text)
            if decl.names != (name,):
                raise TraceError(f"'{name}' is not a single name")
        except RewriteError as e:
            raise type(e)(f"in the declaration '{text}' (from shapes and properties): {e.message}") from None
        decls.append(decl)
        t = decl.type
        sizes = (Size.from_dim(t.rows), Size.from_dim(t.cols))
        dims[name] = sizes[: {"Scalar": 0, "Vec": 1, "Mat": 2}[t.kind]]
    env_from_decls(decls)  # properties that need a square matrix, reserved names, ...
    return tuple(decls), dims


# ---------------------------------------------------------------------------
# Tracing one function


def _label(f: Callable) -> str:
    name = getattr(f, "__name__", None) or type(f).__name__
    return "the lambda" if name == "<lambda>" else name


def _definition(f: Callable, message: str) -> TraceError:
    code = getattr(inspect.unwrap(f), "__code__", None)
    if code is None:
        return TraceError(message)
    return at_location(message, code.co_filename, code.co_firstlineno)


def _arguments(f: Callable, dims: Mapping[str, Dims]) -> tuple[dict[str, Dims], dict[str, Any]]:
    """Which declared names `f` takes (traced), and the defaults of the arguments it takes
    that are not declared (kept as they are)."""
    try:
        params = inspect.signature(f).parameters
    except (TypeError, ValueError):
        raise TraceError(f"cannot read the arguments of {_label(f)}") from None
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    inputs, fixed = {}, {}
    for p in params.values():
        if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        if p.name in dims:
            inputs[p.name] = dims[p.name]
        elif p.default is not inspect.Parameter.empty:
            fixed[p.name] = p.default
        else:
            raise _definition(f, f"the argument '{p.name}' of {_label(f)} has no shape: add it to shapes")
    if takes_any:
        inputs.update({k: v for k, v in dims.items() if k not in params})
    return inputs, fixed


def _trace(f: Callable, dims: Mapping[str, Dims]) -> Array:
    inputs, fixed = _arguments(f, dims)
    what = _label(f)
    try:
        return trace_numpy(f, inputs, fixed, what)
    except UsesJax:
        from .tracing_jax import trace_jax

        return trace_jax(f, inputs, fixed, what)


def _check_names(dims: Mapping[str, Dims], *functions: Callable) -> None:
    """Every declared name is an argument of one of the functions (a typo is an error)."""
    taken: set[str] = set()
    for f in functions:
        try:
            params = inspect.signature(f).parameters.values()
        except (TypeError, ValueError):
            return
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
            return
        taken |= {p.name for p in params}
    extra = sorted(set(dims) - taken)
    if extra:
        raise TraceError(f"shapes declares {', '.join(extra)}, which "
                         f"{' and '.join(_label(f) for f in functions)} do not take")


def trace(f: Callable, shapes: Shapes, properties: Properties | None = None) -> Term:
    """The expression `f` computes, as a `Term` of the language (print it to see what was
    traced; give it to `prove`). Raises `TraceError` for code that cannot be traced."""
    decls, _ = declarations(shapes, properties)
    return Term(trace_array(f, shapes, properties).expr, decls)


def trace_array(f: Callable, shapes: Shapes, properties: Properties | None = None) -> Array:
    """The traced tree together with the numpy shape of `f`'s result (in size names)."""
    _, dims = declarations(shapes, properties)
    _check_names(dims, f)
    return _trace(f, dims)


# ---------------------------------------------------------------------------
# Claims


def _matrix_shape(dims: Dims) -> tuple[Size, Size]:
    """The language's shape of a numpy shape: a 1-D array is a column, a scalar is 1×1."""
    one = Size()
    return (dims + (one, one))[:2] if len(dims) < 2 else (dims[0], dims[1])


def _source(decls: tuple[doc.Decl, ...], stmt: doc.Statement) -> str:
    used = S.free_names(stmt.lhs) | S.free_names(stmt.rhs)
    lines = [show(d) for d in decls if d.names[0] in used]
    return "\n".join(lines + [show(stmt)]) + "\n"


def _answer(answer: Proof | NotProved, source: str) -> TracedProof | TracedNotProved:
    kind = TracedProof if isinstance(answer, Proof) else TracedNotProved
    return kind(answer.statement, answer.outcome, answer.steps, answer.message, answer.certificate,
                answer.counterexample, answer.seconds, source=source)


def _shape_mismatch(stmt: doc.Statement, decls: tuple[doc.Decl, ...], fallback: str) -> TracedNotProved:
    """A claim whose sides cannot be equal because their shapes differ: `false`, with the
    shape checker's message (it hints at a missing transpose)."""
    try:
        elaborate_statement(stmt, env_from_decls(decls))
        message = fallback
    except ShapeError as e:
        message = e.message
    return TracedNotProved(f"{show(stmt.lhs)} = {show(stmt.rhs)}", "false", message=message,
                         source=_source(decls, stmt))


def _checked(stmt: doc.Statement, decls: tuple[doc.Decl, ...], timeout: float) -> TracedProof | TracedNotProved:
    answer = prove(Term(stmt.lhs, decls), Term(stmt.rhs, decls), timeout=timeout)
    return _answer(answer, _source(decls, stmt))


def _statement_name(f: Callable, suffix: str) -> str:
    name = getattr(f, "__name__", "")
    base = name if name.isidentifier() and name.isascii() and not name.startswith("_") else "f"
    return f"{base}_{suffix}"


def check_gradient(f: Callable, g: Callable, *, wrt: str, shapes: Shapes, properties: Properties | None = None,
                   timeout: float = DEFAULT_SECONDS) -> TracedProof | TracedNotProved:
    """Check that `g` computes the gradient of the scalar `f` with respect to the argument
    `wrt` (both take the same arguments): `d/dwrt f(…) = g(…)`, proved, refuted or unknown
    exactly as `prove` would say. A `g` whose result has another shape than `wrt` is
    `false` (with the shape checker's message)."""
    decls, dims = declarations(shapes, properties)
    if wrt not in dims:
        raise TraceError(f"wrt='{wrt}' is not declared in shapes")
    _check_names(dims, f, g)
    loss, gradient = _trace(f, dims), _trace(g, dims)
    if loss.dims:
        raise _definition(f, f"{_label(f)} returns an array of shape {shape_text(loss.dims)}; "
                             "check_gradient needs a scalar (a loss)")
    stmt = doc.Statement("claim", _statement_name(f, f"grad_{wrt}"),
                       S.Call("grad", (loss.expr, S.Var(wrt))), gradient.expr)
    if _matrix_shape(gradient.dims) != _matrix_shape(dims[wrt]):
        return _shape_mismatch(stmt, decls, f"{_label(g)} returns an array of shape {shape_text(gradient.dims)}, "
                                            f"but {wrt} has the shape {shape_text(dims[wrt])}")
    return _checked(stmt, decls, timeout)


def check_equal(f: Callable, g: Callable, *, shapes: Shapes, properties: Properties | None = None,
                timeout: float = DEFAULT_SECONDS) -> TracedProof | TracedNotProved:
    """Check that `f` and `g` compute the same array for all sizes and values (a 1-D array
    and the `(n, 1)` column with the same entries count as the same vector)."""
    decls, dims = declarations(shapes, properties)
    _check_names(dims, f, g)
    left, right = _trace(f, dims), _trace(g, dims)
    stmt = doc.Statement("claim", _statement_name(f, "equal"), left.expr, right.expr)
    if _matrix_shape(left.dims) != _matrix_shape(right.dims):
        return _shape_mismatch(stmt, decls, f"{_label(f)} returns an array of shape {shape_text(left.dims)}, "
                                            f"{_label(g)} one of shape {shape_text(right.dims)}")
    return _checked(stmt, decls, timeout)
