"""The Python face of the language: builders for terms, and `prove` / `simplify`.

`Mat("A", "m", "n")`, `Vec("x", "n")` and `Scalar("s")` declare names and return `Term`s
whose operators build the very `syntax` trees the parser builds from text (`A @ x - b` is
the tree of `A x - b`), so a statement built in Python is checked by the same code as one
read from a file. A `Term` carries the declarations it uses; combining terms merges them,
and one name declared with two different types is a `ShapeError`. Each operation is
shape-checked as it is built, so a mismatch is reported at the line of Python that makes it.

`prove` and `simplify` share one `Checker` per process: the rule base is loaded and
validated, and the egglog program built, once.
Imports: `syntax`, `document`, `parse`, `printing`, `shapes`, `sizes`, `check`, `result`, `render`,
`budget`, `errors`, `emit` (on first use, for `Derivation.emit`).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any, Callable, Iterable, Union

from . import document as doc
from . import render
from . import syntax as S
from .budget import DEFAULT_SECONDS, Budget
from .check import Checker, Settings, check_file
from .errors import ParseError, RewriteError, ShapeError
from .parse import parse_decl, parse_expr
from .printing import show
from .result import Outcome, Result
from .shapes import elaborate, elaborate_statement, env_from_decls, infer
from .sizes import Env, Shape

Number = Union[int, float, Fraction]
Operand = Union["Term", Number]


@dataclass(frozen=True)
class Term:
    """A syntax tree together with the declarations of the names in it (one per name)."""

    expr: S.Expr
    decls: tuple[doc.Decl, ...] = ()
    shape: Shape = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.shape is None:
            object.__setattr__(self, "shape", infer(self.expr, self.env))

    @property
    def env(self) -> Env:
        return env_from_decls(self.decls)

    def __str__(self) -> str:
        return show(self.expr)

    __repr__ = __str__

    # Python's operators, each building the node the parser builds for the written form.
    def __add__(self, other: Operand) -> Term:
        return _infix(S.Add, self, other)

    def __radd__(self, other: Operand) -> Term:
        return _infix(S.Add, other, self)

    def __sub__(self, other: Operand) -> Term:
        return _infix(S.Sub, self, other)

    def __rsub__(self, other: Operand) -> Term:
        return _infix(S.Sub, other, self)

    def __mul__(self, other: Operand) -> Term:
        return _infix(S.Mul, self, other)

    def __rmul__(self, other: Operand) -> Term:
        return _infix(S.Mul, other, self)

    __matmul__, __rmatmul__ = __mul__, __rmul__

    def __truediv__(self, other: Operand) -> Term:
        return _infix(S.Div, self, other)

    def __rtruediv__(self, other: Operand) -> Term:
        return _infix(S.Div, other, self)

    def __neg__(self) -> Term:
        return _node(S.Neg, self)

    def __abs__(self) -> Term:
        """`abs(A)`: the language's elementwise absolute value."""
        return _call("abs", self)

    def __pow__(self, exponent: Number | Term) -> Term:
        """`A ** 2` is `A²`; `A ** -1` is `A⁻¹` (the tree has no power -1: it is `Inverse`);
        `c ** size("n")`, `c ** (size("n") - 1)` is a size power `c^n`."""
        if isinstance(exponent, Term):
            return _node(S.SizePower, self, exponent)
        q = _fraction(exponent)
        if q == -1:
            return _node(S.Inverse, self)
        return Term(S.Power(self.expr, q), self.decls)

    @property
    def T(self) -> Term:
        return _node(S.Transpose, self)

    @property
    def I(self) -> Term:  # noqa: E743 -- `A.I` is the inverse, as in numpy's matrix class
        return _node(S.Inverse, self)


# ---------------------------------------------------------------------------
# Declarations


def _declare(name: str, type_text: str, props: tuple[str, ...]) -> Term:
    """Read the declaration as a `let` line would be read, so the builders accept exactly
    the names, sizes and properties the language does (and reject the rest the same way)."""
    text = " ".join((f"{name} : {type_text}", *props))
    try:
        decl = parse_decl(text)
        if decl.names != (name,):
            raise ParseError(f"'{name}' is not a single name")
        env_from_decls([decl])
    except RewriteError as e:
        raise type(e)(f"in the declaration '{text}': {e.message}") from None
    return Term(S.Var(name), (decl,))


def _dim(size: int | str) -> str:
    if isinstance(size, bool) or not isinstance(size, (int, str)):
        raise TypeError(f"a size is a name, a positive integer, or a product such as 'm n'; got {size!r}")
    return str(size)


def Mat(name: str, rows: int | str, cols: int | str, *props: str) -> Term:
    """A declared matrix: `Mat("S", "n", "n", "spd")` is `let S : Mat(n, n) spd`."""
    return _declare(name, f"Mat({_dim(rows)}, {_dim(cols)})", props)


def Vec(name: str, n: int | str, *props: str) -> Term:
    """A declared column vector: `Vec("x", "n")` is `let x : Vec(n)`."""
    return _declare(name, f"Vec({_dim(n)})", props)


def Scalar(name: str, *props: str) -> Term:
    """A declared scalar: `Scalar("s")` is `let s : Scalar`."""
    return _declare(name, "Scalar", props)


def _merge(groups: Iterable[Iterable[doc.Decl]]) -> tuple[doc.Decl, ...]:
    """One declaration per name, first one kept; the same name with another shape or other
    properties is an error (declarations of several names are split into one per name)."""
    out: dict[str, doc.Decl] = {}
    for group in groups:
        for decl in group:
            for name in decl.names:
                single = doc.Decl((name,), decl.type, decl.props, at=decl.at)
                if name not in out:
                    out[name] = single
                    continue
                old, new = env_from_decls([out[name]])[name], env_from_decls([single])[name]
                if (old.shape, old.props) != (new.shape, new.props):
                    raise ShapeError(f"'{name}' is declared twice: '{show(out[name])}' and '{show(single)}'")
    return tuple(out.values())


# ---------------------------------------------------------------------------
# Building nodes


def _fraction(x: Number) -> Fraction:
    """Floats are read as the decimal they print as (0.1 is 1/10, not a binary fraction)."""
    if isinstance(x, bool) or not isinstance(x, (int, float, Fraction)):
        raise TypeError(f"expected a number, got {x!r}")
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"numbers must be finite, got {x}")
        return Fraction(repr(x))
    return Fraction(x)


def _term(x: Any) -> Term:
    if isinstance(x, Term):
        return x
    q = _fraction(x)
    return Term(S.Num(q) if q >= 0 else S.Neg(S.Num(-q)))


def _node(cls: type, *operands: Any) -> Term:
    """`cls` applied to the operands' trees; shapes are checked now (`infer` in `Term`)."""
    terms = [_term(x) for x in operands]
    return Term(cls(*(t.expr for t in terms)), _merge(t.decls for t in terms))


def _infix(cls: type, a: Any, b: Any) -> Term:
    """An operator's node, or NotImplemented for an operand that is no term or number (so
    that Python tries the other operand, then raises its usual TypeError)."""
    if not all(isinstance(x, (Term, int, float, Fraction)) and not isinstance(x, bool) for x in (a, b)):
        return NotImplemented
    return _node(cls, a, b)


def _call(fn: str, *operands: Operand) -> Term:
    terms = [_term(x) for x in operands]
    return Term(S.Call(fn, tuple(t.expr for t in terms)), _merge(t.decls for t in terms))


def _function(fn: str) -> Callable[[Operand], Term]:
    def apply(arg: Operand) -> Term:
        return _call(fn, arg)

    apply.__name__ = apply.__qualname__ = fn
    apply.__doc__ = f"`{fn}(E)`, as in the language."
    return apply


tr = _function("tr")
det = _function("det")
logdet = _function("logdet")
norm = _function("norm")
norm2 = _function("norm2")
sum = _function("sum")  # noqa: A001 -- the language's name; shadows the builtin in this module only
diag = _function("diag")
vec = _function("vec")
exp = _function("exp")
log = _function("log")
sqrt = _function("sqrt")
sigmoid = _function("sigmoid")
tanh = _function("tanh")
abs_ = _function("abs")  # also `abs(X)` for a Term (`Term.__abs__`)
sign = _function("sign")
relu = _function("relu")
step = _function("step")
pinv = _function("pinv")
d = _function("d")


def inv(a: Operand) -> Term:
    return _node(S.Inverse, a)


def hadamard(a: Operand, b: Operand) -> Term:
    """`A ⊙ B`."""
    return _node(S.Hadamard, a, b)


def kron(a: Operand, b: Operand) -> Term:
    """`A ⊗ B`."""
    return _node(S.Kron, a, b)


def frob(a: Operand, b: Operand) -> Term:
    """`A : B`, the Frobenius inner product."""
    return _node(S.Frob, a, b)


def _variable(x: Term, fn: str) -> Term:
    """The variable of a derivative: a declared name, or for `jac` also `vec(X)`."""
    e = x.expr if isinstance(x, Term) else None
    if fn == "jac" and isinstance(e, S.Call) and e.fn == "vec":
        e = e.args[0]
    if not isinstance(e, S.Var):
        raise TypeError(f"{fn} differentiates with respect to a declared name, not {x}")
    return x


def grad(f: Operand, x: Term) -> Term:
    """`d/dX f`: the gradient, with the shape of `X`."""
    return _call("grad", f, _variable(x, "grad"))


def jac(y: Operand, x: Term) -> Term:
    """`jac(y, x)`: the Jacobian, numerator layout."""
    return _call("jac", y, _variable(x, "jac"))


def hess(f: Operand, x: Term) -> Term:
    """`hess(f, x)`: the Hessian (for a matrix `X`, `jac(vec(d/dX f), vec(X))`)."""
    return _call("hess", f, _variable(x, "hess"))


def symgrad(f: Operand, s: Term) -> Term:
    """`symgrad(f, S)`: the gradient on symmetric matrices, `(∇f + ∇fᵀ) / 2`."""
    return _call("symgrad", f, _variable(s, "symgrad"))


def ones(rows: int | str, cols: int | str | None = None) -> Term:
    """`ones(n)` (a column) or `ones(m, n)`."""
    return Term(parse_expr(f"ones({_dim(rows)})" if cols is None else f"ones({_dim(rows)}, {_dim(cols)})"))


def zeros(rows: int | str, cols: int | str | None = None) -> Term:
    """`zeros(n)` or `zeros(m, n)`."""
    return Term(parse_expr(f"zeros({_dim(rows)})" if cols is None else f"zeros({_dim(rows)}, {_dim(cols)})"))


def size(n: int | str) -> Term:
    """A size as a number: `size("n")` is `n`, a positive integer scalar (`tr(eye("n")) = size("n")`)."""
    return Term(S.SizeOf(parse_decl(f"x : Vec({_dim(n)})").type.rows))  # the size as a declaration reads it


def eye(n: int | str) -> Term:
    """`I(n)`, the n×n identity."""
    return Term(parse_expr(f"I({_dim(n)})"))


# ---------------------------------------------------------------------------
# Proving


@dataclass(frozen=True)
class _Answer:
    """What the checker said about `statement`. Truthy only when proved, so that
    `assert prove(a, b)` means what it says."""

    statement: str
    outcome: Outcome
    steps: int | None = None
    message: str | None = None
    certificate: dict[str, Any] | None = field(default=None, repr=False)
    counterexample: dict[str, Any] | None = field(default=None, repr=False)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome == "proved"

    def __bool__(self) -> bool:
        return self.ok

    def explain(self, format: str = "text") -> str:
        """The derivation a person would write (`format`: "text", "markdown" or "latex"),
        or why there is none."""
        if self.certificate is None:
            return f"{self.statement}: {self.outcome}" + (f"\n{self.message}" if self.message else "")
        return render.explain(self.certificate, format)

    def _repr_markdown_(self) -> str:
        if self.certificate is None:
            return f"**{self.outcome}**: {self.statement}" + (f"\n\n```\n{self.message}\n```" if self.message else "")
        return render.explain(self.certificate, "markdown")

    def _repr_latex_(self) -> str | None:
        return render.explain(self.certificate, "latex") if self.certificate is not None else None


class Proof(_Answer):
    """A proof the kernel replayed and the numbers agree with; `certificate` holds it."""


class NotProved(_Answer):
    """No proof: `outcome` says why — `false` (with a `counterexample`), `unknown` (not
    found within the budget), `unsound` (a proof the numbers contradict), or `error`."""


def _answer(r: Result, statement: str) -> Proof | NotProved:
    kind = Proof if r.outcome == "proved" else NotProved
    return kind(statement, r.outcome, r.steps, r.message, r.certificate, r.counterexample, r.seconds)


@lru_cache(maxsize=1)
def _shared() -> Checker:
    return Checker()


def _checker(seed: int, timeout: float) -> Checker:
    """The shared checker under other settings: a shallow copy shares the rule base and the
    prover (whose egglog program is built on first use, and whose first search is the slow
    one) and changes nothing that is shared."""
    view = copy.copy(_shared())
    view.settings = Settings(seed=seed, budget=Budget(seconds=timeout))
    return view


def _declarations(let: str | Iterable[str], *sides: Any) -> tuple[doc.Decl, ...]:
    lets = (let,) if isinstance(let, str) else tuple(let)
    parsed = [parse_decl(text, file="let") for text in lets]
    return _merge([parsed] + [s.decls for s in sides if isinstance(s, Term)])


def _tree(side: Term | str | S.Expr, file: str) -> S.Expr:
    if isinstance(side, Term):
        return side.expr
    if isinstance(side, str):
        return parse_expr(side, file=file)
    if isinstance(side, S.Expr):
        return side
    return _term(side).expr


def prove(lhs: Term | str, rhs: Term | str, *, let: str | Iterable[str] = (), timeout: float = DEFAULT_SECONDS,
          seed: int = 0) -> Proof | NotProved:
    """Check `lhs = rhs`: a `Proof` when the kernel accepts a certificate, else `NotProved`.

    Strings are read as expressions; their names are declared by `let`
    (`let=["A: Mat(m, n)", "x: Vec(n)"]`), which may also add properties to `Term`s'
    names if it repeats them consistently. Bad input raises (`ParseError`, `ShapeError`).
    """
    decls = _declarations(let, lhs, rhs)
    env = env_from_decls(decls)
    stmt = doc.Statement("claim", "prove", _tree(lhs, "<lhs>"), _tree(rhs, "<rhs>"))
    elaborate_statement(stmt, env)
    r = _checker(seed, timeout).check_statement(stmt, env)
    return _answer(r, f"{show(stmt.lhs)} = {show(stmt.rhs)}")


def simplify(expr: Term | str, *, let: str | Iterable[str] = (), timeout: float = DEFAULT_SECONDS
             ) -> tuple[Term | S.Expr, Proof | NotProved]:
    """The cheapest equal expression the search finds, and the proof of `expr = result`
    (a `Term` for a `Term`, a syntax tree otherwise). Without a proof, `expr` itself."""
    decls = _declarations(let, expr)
    env = env_from_decls(decls)
    tree = _tree(expr, "<expr>")
    elaborate(tree, env)
    simpler, r = _checker(0, timeout).simplify(tree, env)
    answer = _answer(r, f"{show(tree)} = {show(simpler)}")
    if not isinstance(expr, Term):
        return simpler, answer
    used = S.free_names(simpler)
    return Term(simpler, tuple(d for d in decls if d.names[0] in used)), answer


class Derivation(tuple):
    """What `derive` returns: the pair `(result, proof)` (unpack it as a tuple), which
    can also write the result as code: `to_python(backend)` is the text of a module
    computing it (numpy, jax or torch), `compile(backend)` that module's function, and
    `emit(backend)` both with the certificates of what the code computes (`rewrite.emit`)."""

    def __new__(cls, found: Any, answer: Proof | NotProved, context: tuple) -> Derivation:
        self = super().__new__(cls, (found, answer))
        self._context = context
        return self

    def emit(self, backend: str = "numpy", *, name: str = "grad", value: bool = False, with_check: bool = False,
             sizes: dict[str, int] | None = None):
        from .emit import emit

        found, answer = self
        if found is None:
            raise RewriteError(f"nothing to emit: {answer.statement} is {answer.outcome}"
                               + (f" ({answer.message})" if answer.message else ""))
        checker, f, x, kind, env, order = self._context
        if kind not in ("grad", "jac", "hess"):  # not a symgrad, a differential, a matrix function's Jacobian
            raise RewriteError(f"no code is emitted for {answer.statement} (only for grad, jac and hess as asked)")
        tree = found.expr if isinstance(found, Term) else found
        return emit(checker, f, x, kind, env, tree, answer, backend=backend, name=name, value=value,
                    with_check=with_check, sizes=sizes, order=order)

    def to_python(self, backend: str = "numpy", **options: Any) -> str:
        """The source of a module defining the function (options as for `emit`)."""
        return self.emit(backend, **options).source

    def compile(self, backend: str = "numpy", **options: Any) -> Callable[..., Any]:
        """The emitted function, ready to call (jitted for JAX)."""
        return self.emit(backend, **options).compile()


def derive(f: Term | str, wrt: Term | str, *, kind: str = "grad", let: str | Iterable[str] = (),
           timeout: float = DEFAULT_SECONDS) -> Derivation:
    """The gradient (`kind="grad"`), Jacobian (`"jac"`) or Hessian (`"hess"`) of `f` with
    respect to `wrt` (`"differential"` is `d(f)` in terms of `d(wrt)`, every other name
    constant; a matrix-valued `f` takes `kind="jac"` with `vec(f)` and `vec(wrt)`), in the form a person writes, and the proof of `kind(f, wrt) = result`
    (a `Term` for a `Term`, a syntax tree otherwise; None without a proof). `wrt` is a
    declared name, or for `jac` also `vec(X)`; bad input raises, as for `prove`. The pair
    also writes the result as code: `derive(...).to_python("numpy")`, `.compile("jax")`."""
    if kind not in S.DERIVATIVES | {"differential"}:
        raise ValueError(f"kind is one of {', '.join(sorted(S.DERIVATIVES | {'differential'}))}, not {kind!r}")
    decls = _declarations(let, f, wrt)
    env = env_from_decls(decls)
    tree, x = _tree(f, "<expr>"), _tree(wrt, "<wrt>")
    _, shape = elaborate(tree, env)  # ShapeError for an undeclared name, ...
    if kind == "differential":
        S.Call("grad", (S.Num(0), x))  # ValueError unless `wrt` is a name
        derivative: S.Expr = S.Call("d", (tree,))
    else:
        derivative = S.Call(kind, (tree, x))  # ValueError unless `wrt` is a name (or vec(X) for jac)
    elaborate(derivative, env)  # ShapeError for an undeclared name, a non-square hess, ...
    checker = _checker(0, timeout)
    found, r = checker.derive(tree, x, env, kind)
    answer = _answer(r, f"{show(derivative)} = {show(found) if found is not None else '?'}")
    context = (checker, tree, x, kind if r.name == kind else f"{kind} answered as {r.name}", env, list(env))
    if found is None or not isinstance(f, Term):
        return Derivation(found, answer, context)
    used = S.free_names(found)
    mine = tuple(d for d in decls if d.names[0] in used)
    try:
        return Derivation(Term(found, mine), answer, context)
    except ShapeError:  # sized by the statement: `I ⊗ A` alone does not say which I
        sized = elaborate_statement(doc.Statement("claim", kind, derivative, found), env)[1]
        return Derivation(Term(sized, mine), answer, context)


# `sum` is left out of `import *`, which would shadow the builtin; import it by name.
__all__ = [
    "Term", "Mat", "Vec", "Scalar",
    "tr", "det", "logdet", "inv", "norm", "norm2", "diag", "vec", "exp", "log", "sqrt",
    "sigmoid", "tanh", "abs_", "sign", "relu", "step", "pinv", "d", "grad", "jac", "hess", "symgrad", "hadamard",
    "kron", "frob", "ones", "zeros", "eye", "size",
    "prove", "simplify", "derive", "Derivation", "Proof", "NotProved", "check_file",
]
