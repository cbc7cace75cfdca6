"""Tracing JAX code: `jax.make_jaxpr` at concrete sizes, read back into trees with size names.

JAX already traces: `make_jaxpr` runs the function on abstract arrays and records its
primitives (`dot_general`, `add`, `reduce_sum`, `broadcast_in_dim`, ...). We run it at
concrete sizes — each size name a distinct prime that divides no integer size, so any axis
length factors back into size names uniquely — and interpret the program with the same
whole-array operations as numpy code (`arrays`). Library functions that compile to
factorisations (`jnp.linalg.inv` is an LU solve) are recognised by name and checked to be
the library's own program (same jaxpr text as the library function's at the same shapes)
before they are read as `inv`, `det`, ...; anything else named like them is interpreted
primitive by primitive. Whatever the arguments do not reach is evaluated (constants such as
`jnp.eye(n)`) and must be a constant the language can write.

A size used as a number (`jnp.mean`, `x.shape[0]`) leaves no trace in the program, only a
number, and Python code may branch on a size; so the function is traced twice, at small and
at larger primes, and the two trees must be the same. JAX is optional: it is imported on first use.
Imports: `arrays`, `tracing` (locations, `call`), `errors`, `syntax`, `sizes`; jax.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from . import arrays as A
from . import syntax as S
from .arrays import Array, Dims, Unsupported
from .errors import TraceError
from .sizes import Size
from .tracing import at_location, call, innermost_user_frame, is_library, located


def _jax() -> Any:
    try:
        import jax
    except ImportError:  # pragma: no cover - the function itself imported jax
        raise TraceError("the function uses JAX, but jax is not installed (pip install 'rewrite[jax]')") from None
    return jax


@dataclass(frozen=True)
class Poison:
    """A value that is not traced (the sign from `slogdet`); using it stops the trace."""

    why: str


Value = Array | np.ndarray | Poison


# ---------------------------------------------------------------------------
# Sizes


def _primes(start: int, count: int, allowed: Callable[[int], bool]) -> list[int]:
    out, k = [], start
    while len(out) < count:
        if all(k % p for p in range(2, int(k ** 0.5) + 1)) and allowed(k):
            out.append(k)
        k += 1
    return out


def _assignments(inputs: Mapping[str, Dims]) -> list[dict[str, int]]:
    """Two assignments of distinct primes to the size names: small ones (2, 3, 5, ...) and
    larger ones (from 11), none dividing an integer size, so that a length factors into
    names and one integer uniquely, and code that branches on a size (`if n > 3`) or uses
    it as a number likely traces differently at the two."""
    names = sorted({a for dims in inputs.values() for d in dims for a in d.atoms})
    if not names:  # every size an integer: a size used as a number is that number
        return [{}]
    integers = {d.coeff for dims in inputs.values() for d in dims}
    allowed = lambda p: all(c % p for c in integers)  # noqa: E731
    small = _primes(2, len(names), allowed)
    large = _primes(11, len(names), lambda p: allowed(p) and p not in small)
    return [dict(zip(names, small)), dict(zip(names, reversed(large)))]


def _length(size: Size, primes: Mapping[str, int]) -> int:
    out = size.coeff
    for atom in size.atoms:
        out *= primes[atom]
    return out


def _decoder(primes: Mapping[str, int]) -> Callable[[int], Size]:
    def decode(length: int) -> Size:
        atoms, rest = [], int(length)
        for name, p in primes.items():
            while rest % p == 0 and rest > 0:
                atoms.append(name)
                rest //= p
        return Size(rest, tuple(sorted(atoms)))

    return decode


# ---------------------------------------------------------------------------
# Entry


def trace_jax(f: Callable, inputs: Mapping[str, Dims], fixed: Mapping[str, Any], what: str) -> Array:
    """The tree the JAX function `f` computes (see `tracing.trace_numpy` for the contract)."""
    runs = [_trace_at(f, inputs, fixed, what, primes) for primes in _assignments(inputs)]
    first = runs[0]
    if any(r != first for r in runs[1:]):
        raise _definition(f, f"{what} computes something that depends on the sizes themselves (a size used as a "
                             "number: jnp.mean, len(x), x.shape[0] / ..., or a constant of the size's length); "
                             "the language has no sizes as values")
    return first


def _x64(jax: Any) -> Any:
    """Double precision while tracing: float literals (0.1) keep their decimal value."""
    enable = getattr(jax, "enable_x64", None)
    if enable is None:  # pragma: no cover - older JAX
        from jax.experimental import enable_x64 as enable
    return enable(True)


def _definition(f: Callable, message: str) -> TraceError:
    code = getattr(getattr(f, "__wrapped__", f), "__code__", None)
    return at_location(message, code.co_filename, code.co_firstlineno) if code else TraceError(message)


def _trace_at(f: Callable, inputs: Mapping[str, Dims], fixed: Mapping[str, Any], what: str,
              primes: Mapping[str, int]) -> Array:
    jax = _jax()
    names = list(inputs)

    def run(*arrays: Any) -> Any:
        return call(f, {**fixed, **dict(zip(names, arrays))})

    structs = [jax.ShapeDtypeStruct(tuple(_length(d, primes) for d in inputs[n]), np.float64) for n in names]
    with _x64(jax):
        try:
            closed = jax.make_jaxpr(run)(*structs)
        except TraceError:
            raise
        except Exception as e:  # JAX's own errors: data-dependent control flow, bad shapes, ...
            raise _jax_failure(e, what) from None
        if len(closed.jaxpr.outvars) != 1:
            raise _definition(f, f"{what} returns {len(closed.jaxpr.outvars)} arrays; a traced function returns "
                                 "one array or number")
        interpreter = _Interpreter(_decoder(primes))
        args = [Array(S.Var(n), inputs[n]) for n in names]
        (out,) = interpreter.closed(closed, args)
    if isinstance(out, Poison):
        raise _definition(f, out.why)
    if isinstance(out, np.ndarray):
        try:
            return A.constant(out, _decoder(primes))
        except Unsupported as e:
            raise _definition(f, f"{what} returns {e}") from None
    return out


def _jax_failure(e: Exception, what: str) -> TraceError:
    """JAX refused to trace: say why in our words, at the user's line."""
    kind = type(e).__name__
    first = str(e).strip().split("\n")[0]
    if "Concretization" in kind or "TracerBool" in kind:
        message = ("a traced value used as a truth value or a concrete number (`if`, `while`, `and`, `or`, "
                   "float(), a comparison): control flow that depends on the values cannot be traced")
    elif "TracerIntegerConversion" in kind or "TracerArrayConversion" in kind:
        message = f"a traced value converted to an integer or a concrete array ({first})"
    else:
        message = f"{what} raised {kind}: {first}"
    return located(message, innermost_user_frame(e.__traceback__))


# ---------------------------------------------------------------------------
# The interpreter

# Library functions that JAX compiles to programs we do not read primitive by primitive:
# name of the jit -> (the library function, how to read it).
_LIBRARY: dict[str, tuple[Callable[[Any], Callable], Callable[..., list[Value]]]] = {
    "inv": (lambda jnp: jnp.linalg.inv, lambda a: [A.inverse(a)]),
    "solve": (lambda jnp: jnp.linalg.solve, lambda a, b: [A.solve(a, b)]),
    "det": (lambda jnp: jnp.linalg.det, lambda a: [A.det(a)]),
    "slogdet": (lambda jnp: jnp.linalg.slogdet,
                lambda a: [Poison("the sign of jnp.linalg.slogdet is not traced (use its logabsdet: logdet in the "
                                  "language, where the determinant is positive)"), A.logdet(a)]),
    "norm": (lambda jnp: jnp.linalg.norm, lambda a: [A.norm(a)]),
    "trace": (lambda jnp: jnp.trace, lambda a: [A.trace(a)]),
    "_diag": (lambda jnp: jnp.diag, lambda a: [A.diag(a)]),
    "kron": (lambda jnp: jnp.kron, lambda a, b: [A.kron(a, b)]),
}

# Primitives whose names say little to a user, and what they come from.
_FRIENDLY = {
    "gather": "indexing (gather)", "dynamic_slice": "indexing (dynamic_slice)", "slice": "indexing (slice)",
    "scatter": "indexed assignment (scatter)", "scatter-add": "indexed assignment (scatter-add)",
    "dynamic_update_slice": "indexed assignment", "select_n": "jnp.where / a selection by a condition",
    "cond": "lax.cond (control flow)", "while": "a loop (lax.while_loop / fori_loop)", "scan": "lax.scan",
    "reduce_max": "jnp.max", "reduce_min": "jnp.min", "argmax": "jnp.argmax", "argmin": "jnp.argmin",
    "stop_gradient": "lax.stop_gradient (its derivative is not the derivative of its value)",
    "concatenate": "jnp.concatenate", "sort": "jnp.sort", "cumsum": "jnp.cumsum",
    **{p: f"the comparison {op} of traced values (control flow and masks that depend on the values)"
       for p, op in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<="), ("eq", "=="), ("ne", "!="))},
}


@functools.lru_cache(maxsize=256)
def _library_text(name: str, avals: tuple[tuple[tuple[int, ...], str], ...]) -> str | None:
    """The inner program of the library function `name` at these shapes, as text."""
    jax = _jax()
    import jax.numpy as jnp

    function = _LIBRARY[name][0](jnp)
    structs = [jax.ShapeDtypeStruct(shape, np.dtype(dtype)) for shape, dtype in avals]
    try:
        outer = jax.make_jaxpr(function)(*structs)
    except Exception:
        return None
    eqns = outer.jaxpr.eqns
    if len(eqns) != 1 or eqns[0].primitive.name not in ("jit", "pjit") or eqns[0].params.get("name") != name:
        return None
    return str(eqns[0].params["jaxpr"])


class _Interpreter:
    def __init__(self, decode: Callable[[int], Size]) -> None:
        self.decode = decode

    # -- programs -------------------------------------------------------------------

    def closed(self, closed: Any, args: list[Value]) -> list[Value]:
        return self.jaxpr(closed.jaxpr, [np.asarray(c) for c in closed.consts], args)

    def jaxpr(self, jaxpr: Any, consts: list[Any], args: list[Value]) -> list[Value]:
        try:
            from jax.extend.core import Literal
        except ImportError:  # pragma: no cover - older JAX
            from jax.core import Literal

        env: dict[Any, Value] = {}

        def read(v: Any) -> Value:
            return np.asarray(v.val) if isinstance(v, Literal) else env[v]

        for v, c in zip(jaxpr.constvars, consts):
            env[v] = c
        for v, a in zip(jaxpr.invars, args):
            env[v] = a
        for eqn in jaxpr.eqns:
            ins = [read(v) for v in eqn.invars]
            try:
                outs = self.eqn(eqn, ins)
            except Unsupported as e:
                raise self._located(str(e), eqn) from None
            except TraceError as e:
                if e.file is not None:
                    raise
                raise self._located(e.message, eqn) from None  # inside a library function: its caller's line
            for v, o in zip(eqn.outvars, outs):
                if type(v).__name__ != "DropVar":
                    env[v] = o
        return [read(v) for v in jaxpr.outvars]

    def _located(self, message: str, eqn: Any) -> TraceError:
        frame = None
        try:
            from jax._src import source_info_util

            frame = next((fr for fr in source_info_util.user_frames(eqn.source_info.traceback)
                          if not is_library(fr.file_name)), None)
        except Exception:  # pragma: no cover - JAX internals moved
            frame = None
        if frame is None:
            return TraceError(message)
        return at_location(message, frame.file_name, frame.start_line, (frame.start_column or 0) + 1)

    # -- one equation ---------------------------------------------------------------

    def eqn(self, eqn: Any, ins: list[Value]) -> list[Value]:
        name = eqn.primitive.name
        if all(isinstance(x, np.ndarray) for x in ins):
            return self._fold(eqn, ins)
        for x in ins:
            if isinstance(x, Poison):
                raise Unsupported(x.why)
        params = eqn.params
        if name in ("jit", "pjit"):
            return self._jit(eqn, ins)
        if name in ("custom_jvp_call", "custom_vjp_call", "custom_vjp_call_jaxpr"):
            inner = params.get("call_jaxpr") or params.get("fun_jaxpr")
            if inner is None:
                raise Unsupported(f"the JAX primitive {name}")
            return self.closed(inner, ins)
        handler = _PRIMITIVES.get(name)
        if handler is None:
            raise Unsupported(f"{_FRIENDLY.get(name, 'the JAX primitive ' + name)} is not supported")
        arrays = [self.value(x) for x in ins]
        out = handler(self, eqn, *arrays)
        return out if isinstance(out, list) else [out]

    def value(self, x: Value) -> Array:
        if isinstance(x, Array):
            return x
        assert isinstance(x, np.ndarray)
        return A.constant(x, self.decode)

    def _fold(self, eqn: Any, ins: list[np.ndarray]) -> list[Value]:
        """An equation the arguments do not reach: evaluate it."""
        try:
            bound = eqn.primitive.get_bind_params(eqn.params)
            subfuns, params = bound if isinstance(bound, tuple) else ((), bound)  # older JAX: a pair
            out = eqn.primitive.bind(*subfuns, *ins, **params)
        except Exception as e:
            raise Unsupported(f"evaluating the constant {eqn.primitive.name} failed ({type(e).__name__})") from None
        outs = out if eqn.primitive.multiple_results else [out]
        return [np.asarray(o) for o in outs]

    def _jit(self, eqn: Any, ins: list[Value]) -> list[Value]:
        name = eqn.params.get("name")
        inner = eqn.params["jaxpr"]
        if name in _LIBRARY:
            avals = tuple((tuple(v.aval.shape), str(v.aval.dtype)) for v in eqn.invars)
            if _library_text(name, avals) == str(inner):
                return _LIBRARY[name][1](*(self.value(x) for x in ins))
        return self.closed(inner, ins)

    def dims(self, shape: tuple[int, ...]) -> Dims:
        return tuple(self.decode(k) for k in shape)


# ---------------------------------------------------------------------------
# Primitives


def _out_dims(it: _Interpreter, eqn: Any) -> Dims:
    return it.dims(tuple(eqn.outvars[0].aval.shape))


def _elementwise(op: str) -> Callable[..., Array]:
    def apply(it: _Interpreter, eqn: Any, a: Array, b: Array) -> Array:
        return A.binary(op, a, b, broadcast=True)

    return apply


def _function(fn: str, label: str) -> Callable[..., Array]:
    def apply(it: _Interpreter, eqn: Any, a: Array) -> Array:
        return A.function(fn, a, label)

    return apply


def _integer_pow(it: _Interpreter, eqn: Any, a: Array) -> Array:
    return A.power(a, A.number(int(eqn.params["y"])))


def _pow(it: _Interpreter, eqn: Any, a: Array, b: Array) -> Array:
    return A.power(a, b)


def _log1p(it: _Interpreter, eqn: Any, a: Array) -> Array:
    return A.function("log", A.binary("+", A.number(1), a), "jnp.log1p")


def _expm1(it: _Interpreter, eqn: Any, a: Array) -> Array:
    return A.binary("-", A.function("exp", a, "jnp.expm1"), A.number(1))


def _max(it: _Interpreter, eqn: Any, a: Array, b: Array) -> Array:
    for x, zero in ((a, b), (b, a)):
        if not zero.dims and A._literal(zero.expr) == 0 or zero.expr == A.zeros(zero.dims):
            return A.relu(x, "jnp.maximum(x, 0) / jax.nn.relu")
    raise Unsupported("jnp.maximum of two arrays is not supported")


def _reduce_sum(it: _Interpreter, eqn: Any, a: Array) -> Array:
    axes = tuple(eqn.params["axes"])
    if not axes:
        return a
    if sorted(axes) == list(range(a.ndim)):
        return A.total(a)
    raise Unsupported(f"a sum over the axis {axes[0] if len(axes) == 1 else axes} (only sums over the whole array "
                      "are traced)")


def _transpose(it: _Interpreter, eqn: Any, a: Array) -> Array:
    permutation = tuple(eqn.params["permutation"])
    if permutation == tuple(range(a.ndim)):
        return a
    if permutation == (1, 0):
        return A.transpose(a)
    raise Unsupported(f"a transpose of {a.ndim} axes")


def _dot_general(it: _Interpreter, eqn: Any, a: Array, b: Array) -> Array:
    """A contraction of at most one axis of each operand, without batch axes: `@`, `.dot`,
    `jnp.outer` (no contraction), read as products of the language."""
    (left, right), (left_batch, right_batch) = eqn.params["dimension_numbers"]
    left, right = tuple(left), tuple(right)
    if left_batch or right_batch or a.ndim > 2 or b.ndim > 2:
        raise Unsupported("a batched or higher-dimensional dot product (jnp.einsum / matmul of stacks)")
    if not left and not right:
        if not a.dims or not b.dims:
            return A.binary("*", a, b)
        if a.ndim == 1 and b.ndim == 1:
            return A.outer(a, b)
        raise Unsupported("a tensor product of matrices")
    if len(left) != 1 or len(right) != 1:
        raise Unsupported("a contraction over several axes")
    (i,), (j,) = left, right
    # as a matrix L whose columns are contracted, and R whose rows are
    if a.ndim == 1:
        lhs, free_left = A.transposed(a.expr), ()
    else:
        lhs, free_left = (a.expr, (a.dims[0],)) if i == 1 else (A.transposed(a.expr), (a.dims[1],))
    if b.ndim == 1:
        rhs, free_right = b.expr, ()
    else:
        rhs, free_right = (b.expr, (b.dims[1],)) if j == 0 else (A.transposed(b.expr), (b.dims[0],))
    if a.dims[i] != b.dims[j]:
        raise Unsupported(f"a dot product of sizes {a.dims[i]} and {b.dims[j]}")
    if free_right and not free_left:  # a row: written as its transpose, a column
        return Array(S.Mul(A.transposed(rhs), A.transposed(lhs)), free_right)
    return Array(S.Mul(lhs, rhs), free_left + free_right)


def _broadcast_in_dim(it: _Interpreter, eqn: Any, a: Array) -> Array:
    target = _out_dims(it, eqn)
    where = tuple(eqn.params["broadcast_dimensions"])
    if len(target) > 2:
        raise Unsupported(f"an array of {len(target)} axes")
    if not a.dims:
        return A.broadcast_to(a, target)
    # first the same entries with the new axes of size 1, then repeated along them
    expanded = tuple(a.dims[where.index(k)] if k in where else Size() for k in range(len(target)))
    return A.broadcast_to(A.reshape(a, expanded), target)


def _reshape(it: _Interpreter, eqn: Any, a: Array) -> Array:
    if eqn.params.get("dimensions") not in (None, ()):
        raise Unsupported("a reshape with a permutation")
    return A.reshape(a, _out_dims(it, eqn))


def _squeeze(it: _Interpreter, eqn: Any, a: Array) -> Array:
    return A.reshape(a, _out_dims(it, eqn))


def _convert(it: _Interpreter, eqn: Any, a: Array) -> Array:
    if not np.issubdtype(np.dtype(eqn.params["new_dtype"]), np.floating):
        raise Unsupported(f"a conversion to {eqn.params['new_dtype']}")
    return a


def _same(it: _Interpreter, eqn: Any, a: Array) -> Array:
    return a


_PRIMITIVES: dict[str, Callable[..., Array | list[Value]]] = {
    "add": _elementwise("+"), "add_any": _elementwise("+"), "sub": _elementwise("-"),
    "mul": _elementwise("*"), "div": _elementwise("/"),
    "neg": lambda it, eqn, a: A.negative(a),
    "exp": _function("exp", "jnp.exp"), "log": _function("log", "jnp.log"), "sqrt": _function("sqrt", "jnp.sqrt"),
    "tanh": _function("tanh", "jnp.tanh"), "logistic": _function("sigmoid", "jax.nn.sigmoid"),
    "abs": _function("abs", "jnp.abs"), "sign": _function("sign", "jnp.sign"),
    "log1p": _log1p, "expm1": _expm1,
    "integer_pow": _integer_pow, "pow": _pow, "square": lambda it, eqn, a: A.power(a, A.number(2)),
    "rsqrt": lambda it, eqn, a: A.power(a, A.number(-0.5)),
    "max": _max,
    "reduce_sum": _reduce_sum, "transpose": _transpose, "dot_general": _dot_general,
    "broadcast_in_dim": _broadcast_in_dim, "reshape": _reshape, "squeeze": _squeeze,
    "expand_dims": _reshape,
    "convert_element_type": _convert, "copy": _same, "copy_p": _same,
}
