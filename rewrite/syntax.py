"""The syntax tree: plain, immutable, hashable values, shared by every stage.

Everything downstream (shapes, numbers, the e-graph encoding, the kernel) reads these
classes, so they carry no behaviour beyond construction checks and traversal helpers.
Source positions ride along in `at` but take no part in equality or hashing, so
`parse(print(e)) == e` compares meaning, not layout. Imports: standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from fractions import Fraction
from functools import lru_cache
from typing import Iterator, Union


@dataclass(frozen=True)
class Pos:
    """A 1-based line and column in a source text (file name added when reported)."""

    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.line}:{self.col}"


def _at() -> Pos | None:
    return field(default=None, compare=False, hash=False, repr=False, kw_only=True)


# ---------------------------------------------------------------------------
# Dimensions as written: `m`, `3`, `m n` (a product; order as written).
# Canonical forms and arithmetic live in `shapes`.


@dataclass(frozen=True)
class Dim:
    """A size expression as written: a product of names and positive integers."""

    factors: tuple[Union[str, int], ...]

    def __post_init__(self) -> None:
        if not self.factors:
            raise ValueError("a dimension needs at least one factor")
        for f in self.factors:
            if isinstance(f, bool) or not isinstance(f, (str, int)):
                raise TypeError(f"bad dimension factor {f!r}")
            if isinstance(f, int) and f < 1:
                raise ValueError(f"dimension factor must be positive, got {f}")

    @staticmethod
    def of(*factors: Union[str, int]) -> "Dim":
        return Dim(tuple(factors))


# ---------------------------------------------------------------------------
# Expressions


class Expr:
    """Base of all expression nodes. Subclasses are frozen dataclasses."""

    __slots__ = ()

    def children(self) -> tuple["Expr", ...]:
        """Expression children in field order (the arguments of a `Call` spliced in)."""
        kids, spliced, _ = layout(type(self))
        out = tuple(getattr(self, f) for f in kids)
        return out + getattr(self, "args") if spliced else out

    def with_children(self, new: tuple["Expr", ...]) -> "Expr":
        """The same node with its expression children replaced, in `children()` order."""
        kids, spliced, payload = layout(type(self))
        kwargs = {f: getattr(self, f) for f in payload}
        kwargs.update(zip(kids, new))
        if spliced:
            kwargs["args"] = tuple(new[len(kids):])
        return type(self)(**kwargs, at=self.at)  # type: ignore[call-arg]

    def payload(self) -> tuple:
        """The non-child fields as (name, value) pairs (a `Call` also records its arity)."""
        _, spliced, payload = layout(type(self))
        out = tuple((f, getattr(self, f)) for f in payload)
        return out + (("args", len(getattr(self, "args"))),) if spliced else out


@lru_cache(maxsize=None)
def layout(cls: type) -> tuple[tuple[str, ...], bool, tuple[str, ...]]:
    """For a node class: its expression-child fields, whether `args` is spliced after them,
    and its other (payload) fields. Read from the annotations, once per class."""
    kids, payload, spliced = [], [], False
    for f in fields(cls):
        if f.name == "at":
            continue
        if f.name == "args":
            spliced = True
        elif "Expr" in str(f.type):
            kids.append(f.name)
        else:
            payload.append(f.name)
    return tuple(kids), spliced, tuple(payload)


@dataclass(frozen=True)
class Var(Expr):
    """A declared name (in proof files) or a pattern variable (in rule files)."""

    name: str
    at: Pos | None = _at()


@dataclass(frozen=True)
class Num(Expr):
    """A non-negative rational literal (`2`, `0.5`, `1/2`); negation is `Neg`."""

    value: Fraction
    at: Pos | None = _at()

    def __post_init__(self) -> None:
        if not isinstance(self.value, Fraction):
            object.__setattr__(self, "value", Fraction(self.value))
        if self.value < 0:
            raise ValueError("Num holds non-negative values; write Neg(Num(...))")


@dataclass(frozen=True)
class Identity(Expr):
    """`I` (size inferred, `size is None`) or `I(n)`."""

    size: Dim | None = None
    at: Pos | None = _at()


@dataclass(frozen=True)
class Ones(Expr):
    """`ones(n)` (a column, `cols is None`), `ones(m, n)`, or bare `ones` (`rows is None`:
    the all-ones matrix of the size the context gives it)."""

    rows: Dim | None = None
    cols: Dim | None = None
    at: Pos | None = _at()


@dataclass(frozen=True)
class SizeOf(Expr):
    """A size used as a number (`n`, `m n`): a positive integer scalar, the size's value at
    the point. Written as the size's name; a rule binds it from the shapes it matches."""

    size: Dim
    at: Pos | None = _at()


@dataclass(frozen=True)
class Zeros(Expr):
    """`zeros(n)` or `zeros(m, n)`; a `0` in matrix position is elaborated to this."""

    rows: Dim
    cols: Dim | None = None
    at: Pos | None = _at()


@dataclass(frozen=True)
class Neg(Expr):
    arg: Expr
    at: Pos | None = _at()


@dataclass(frozen=True)
class Transpose(Expr):
    arg: Expr
    at: Pos | None = _at()


@dataclass(frozen=True)
class Inverse(Expr):
    """`A⁻¹`, `A^-1`, `inv(A)`; `A⁻ᵀ` is `Transpose(Inverse(A))`."""

    arg: Expr
    at: Pos | None = _at()


@dataclass(frozen=True)
class Power(Expr):
    """`A²`, `A^3`, `s^0.5`, `s⁻²`: integer power ≥ 0 of a square matrix, any power of a scalar."""

    arg: Expr
    exponent: Fraction
    at: Pos | None = _at()

    def __post_init__(self) -> None:
        if not isinstance(self.exponent, Fraction):
            object.__setattr__(self, "exponent", Fraction(self.exponent))
        if self.exponent == -1:
            raise ValueError("a power of -1 is written Inverse")


@dataclass(frozen=True)
class SizePower(Expr):
    """`c^n`, `c^(n - 1)`: a scalar to an integer exponent built from sizes and integers
    (`sizes.integral`); a negative power is that of 1/c (1/0 = 0)."""

    arg: Expr
    exponent: Expr
    at: Pos | None = _at()


@dataclass(frozen=True)
class _Binary(Expr):
    left: Expr
    right: Expr
    at: Pos | None = _at()


@dataclass(frozen=True)
class Add(_Binary):
    pass


@dataclass(frozen=True)
class Sub(_Binary):
    pass


@dataclass(frozen=True)
class Mul(_Binary):
    """Matrix product (juxtaposition, `⋅`, `*`, `@`); scaling when an operand is 1×1."""


@dataclass(frozen=True)
class Hadamard(_Binary):
    """Elementwise product `⊙`, `.*`."""


@dataclass(frozen=True)
class HadamardDiv(_Binary):
    """Elementwise division `⊘`, `./`."""


@dataclass(frozen=True)
class Kron(_Binary):
    """Kronecker product `⊗`, `kron(A, B)`."""


@dataclass(frozen=True)
class Div(_Binary):
    """Division by a scalar, `E / s`."""


@dataclass(frozen=True)
class Frob(_Binary):
    """Frobenius inner product `A : B` = tr(Aᵀ B)."""


# Functions written `name(args)`: each declared once, here (issue 16). Every other table of
# functions (the grammar's names, reserved words, shape rules here, in `shapes` and in the
# e-graph, LaTeX, the API, numpy's implementations in `numeric`) is derived from this one or
# keyed by the same names, and `tests/test_functions.py` checks that each knows every name.
# `d` is the differential; `grad`, `jac`, `hess` are the derivative forms (`d/dX f`, `∂f/∂X`,
# `grad(f, X)` all become `Call("grad", (f, X))`).


@dataclass(frozen=True)
class Function:
    """A function's arity, shape rule, LaTeX form, where it is smooth, and its value where
    the usual definition does not apply (docs/SEMANTICS.md)."""

    arity: int
    shape: str  # elementwise, same, scalar, square-scalar, diag, vec, transpose, grad, jac or hess
    latex: str
    smooth: str = ""  # "": wherever its argument is; "never"; or words, one of which its argument
    #                   (its value, for "value:") must have where it is smooth
    total: str = ""
    kink: bool = False  # not smooth where an entry of its argument is 0: derivative claims hold
    #                     where none is, which a statement assumes of it inside a derivative


FUNCTION = {
    "tr": Function(1, "square-scalar", r"\operatorname{tr}"),
    "det": Function(1, "square-scalar", r"\det"),
    "logdet": Function(1, "square-scalar", r"\log\det", "invertible", "log|det A|, 0 if A is singular"),
    "norm": Function(1, "scalar", r"\operatorname{norm}", "value:invertible", "sqrt(A : A)"),
    "norm2": Function(1, "scalar", r"\operatorname{norm2}", "", "A : A"),
    "sum": Function(1, "scalar", r"\operatorname{sum}"),
    "diag": Function(1, "diag", r"\operatorname{diag}", "", "a vector's diagonal matrix; a square matrix's diagonal"),
    "vec": Function(1, "vec", r"\operatorname{vec}"),
    "exp": Function(1, "elementwise", r"\exp"),
    "log": Function(1, "elementwise", r"\log", "nonzero", "log|a|, log 0 = 0"),
    "sqrt": Function(1, "elementwise", r"\sqrt", "positive", "0 for a ≤ 0"),
    "sigmoid": Function(1, "elementwise", r"\sigma"),
    "tanh": Function(1, "elementwise", r"\tanh"),
    "abs": Function(1, "elementwise", r"\operatorname{abs}", "nonzero", "|a|", True),
    "sign": Function(1, "elementwise", r"\operatorname{sign}", "nonzero", "1, 0, -1 (sign(0) = 0)", True),
    "relu": Function(1, "elementwise", r"\operatorname{relu}", "nonzero", "max(a, 0)", True),
    "step": Function(1, "elementwise", r"\operatorname{step}", "nonzero", "1 for a > 0, else 0 (step(0) = 0)", True),
    "pinv": Function(1, "transpose", r"\operatorname{pinv}", "fullcolrank fullrowrank", "Moore–Penrose; pinv(0) = 0"),
    "d": Function(1, "same", r"\mathrm{d}"),
    "grad": Function(2, "grad", r"\nabla"),
    "jac": Function(2, "jac", r"\operatorname{jac}"),
    "hess": Function(2, "hess", r"\operatorname{hess}"),
    "symgrad": Function(2, "grad", r"\nabla^{\mathrm{sym}}"),  # (∇f + ∇fᵀ) / 2, S square
}

FUNCTIONS: dict[str, int] = {name: f.arity for name, f in FUNCTION.items()}
DERIVATIVES = frozenset({"grad", "jac", "hess", "symgrad"})  # symgrad(f, S) = (∇f + ∇fᵀ) / 2


@dataclass(frozen=True)
class Call(Expr):
    fn: str
    args: tuple[Expr, ...]
    at: Pos | None = _at()

    def __post_init__(self) -> None:
        if self.fn not in FUNCTIONS:
            raise ValueError(f"unknown function {self.fn!r}")
        if len(self.args) != FUNCTIONS[self.fn]:
            raise ValueError(f"{self.fn} takes {FUNCTIONS[self.fn]} argument(s), got {len(self.args)}")
        if self.fn in DERIVATIVES and not _is_variable(self.args[1], self.fn):
            raise ValueError(f"{self.fn} differentiates with respect to a declared name")


def _is_variable(x: Expr, fn: str) -> bool:
    """What a derivative may be taken with respect to: a name, or for `jac` also `vec(X)`."""
    if fn == "jac" and isinstance(x, Call) and x.fn == "vec":
        x = x.args[0]
    return isinstance(x, Var)


# ---------------------------------------------------------------------------
# Properties a declaration may state (what a file holds is in `document`)

PROPERTIES = ("symmetric", "spd", "invertible", "orthogonal", "diagonal", "positive", "const", "fullcolrank",
              "fullrowrank")

# ---------------------------------------------------------------------------
# Traversal

Path = tuple[int, ...]


def subterms(e: Expr, path: Path = ()) -> Iterator[tuple[Path, Expr]]:
    """Every subterm with its position (child indices from the root), pre-order."""
    yield path, e
    for i, c in enumerate(e.children()):
        yield from subterms(c, path + (i,))


def at_path(e: Expr, path: Path) -> Expr:
    """The subterm at `path`; raises IndexError if there is none."""
    for i in path:
        kids = e.children()
        if not 0 <= i < len(kids):
            raise IndexError(f"no child {i}")
        e = kids[i]
    return e


def replace_at(e: Expr, path: Path, new: Expr) -> Expr:
    """`e` with the subterm at `path` replaced by `new`."""
    if not path:
        return new
    kids = list(e.children())
    i = path[0]
    if not 0 <= i < len(kids):
        raise IndexError(f"no child {i}")
    kids[i] = replace_at(kids[i], path[1:], new)
    return e.with_children(tuple(kids))


def head(e: Expr) -> tuple:
    """The operator at the root with what it carries but sizes (`I(n)` and `I(m)` have the
    same head): what matching compares before it looks at the children."""
    return (type(e).__name__,) + tuple(v for _, v in e.payload() if v is not None and not isinstance(v, Dim))


def free_names(e: Expr) -> frozenset[str]:
    """Names of the variables in `e` (the second argument of grad/jac/hess included)."""
    return frozenset(s.name for _, s in subterms(e) if isinstance(s, Var))


def size(e: Expr) -> int:
    return sum(1 for _ in subterms(e))


def _cached_hash(self: Expr) -> int:
    """Structural hash, computed once: trees are hashed often (interning, caches) and
    never change."""
    try:
        return self.__dict__["_hash"]
    except KeyError:
        h = hash((type(self).__name__, self.payload(), self.children()))
        object.__setattr__(self, "_hash", h)
        return h


def _state_without_hash(self: Expr) -> dict:
    """Pickled trees leave the cached hash behind: string hashes differ between processes."""
    return {k: v for k, v in self.__dict__.items() if k != "_hash"}


for _cls in (Var, Num, Identity, SizeOf, SizePower, Ones, Zeros, Neg, Transpose, Inverse, Power, Add, Sub, Mul, Hadamard,
             HadamardDiv, Kron, Div, Frob, Call):
    _cls.__hash__ = _cached_hash  # type: ignore[method-assign]
    _cls.__getstate__ = _state_without_hash  # type: ignore[attr-defined]
