"""Sizes, shapes and declarations, and the kernel's shape check of an elaborated term.

A size is a positive integer times a multiset of names (`3 m n`); `m n` and `n m` are the
same size. In a rule's patterns, names starting with `?` are size variables; here they are
names like any other. This is the trusted half of shape checking: it answers "what shape
is this fully sized term, if any" tersely. Elaboration (the size of a bare `I`), size
unification and the messages a user reads live in `shapes`.
Imports: `syntax`, `errors` (standard library otherwise); the kernel imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping

from . import syntax as S
from .errors import ShapeError


@dataclass(frozen=True, order=True)
class Size:
    """A canonical size: `coeff` times the product of `atoms` (sorted, with repetition)."""

    coeff: int = 1
    atoms: tuple[str, ...] = ()

    @staticmethod
    def of(*factors: str | int) -> "Size":
        coeff, atoms = 1, []
        for f in factors:
            if isinstance(f, int):
                coeff *= f
            else:
                atoms.append(f)
        return Size(coeff, tuple(sorted(atoms)))

    @staticmethod
    def from_dim(d: S.Dim) -> "Size":
        return Size.of(*d.factors)

    def to_dim(self) -> S.Dim:
        factors: list[str | int] = list(self.atoms)
        if self.coeff != 1 or not factors:
            factors.insert(0, self.coeff)
        return S.Dim(tuple(factors))

    def __mul__(self, other: "Size") -> "Size":
        return Size(self.coeff * other.coeff, tuple(sorted(self.atoms + other.atoms)))

    @property
    def is_one(self) -> bool:
        return self.coeff == 1 and not self.atoms

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(a for a in self.atoms if a.startswith("?"))

    def __str__(self) -> str:
        parts = ([str(self.coeff)] if self.coeff != 1 or not self.atoms else []) + list(self.atoms)
        text = " ".join(parts)
        return f"({text})" if len(parts) > 1 else text


ONE = Size()


@dataclass(frozen=True)
class Shape:
    rows: Size
    cols: Size

    @property
    def is_scalar(self) -> bool:
        return self.rows.is_one and self.cols.is_one

    @property
    def is_square(self) -> bool:
        return self.rows == self.cols

    def transposed(self) -> "Shape":
        return Shape(self.cols, self.rows)

    def __str__(self) -> str:
        return f"{self.rows}×{self.cols}"


SCALAR = Shape(ONE, ONE)


@dataclass(frozen=True)
class VarInfo:
    """What a declaration says about one name."""

    name: str
    shape: Shape
    props: frozenset[str] = frozenset()
    kind: str = "Mat"  # "Mat" | "Vec" | "Scalar", as declared


class Env(Mapping[str, VarInfo]):
    """The declarations in scope: name -> VarInfo, in declaration order."""

    def __init__(self, infos: Mapping[str, VarInfo] | None = None) -> None:
        self._infos: dict[str, VarInfo] = dict(infos or {})

    def __getitem__(self, name: str) -> VarInfo:
        return self._infos[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)

    def __hash__(self) -> int:
        return hash(tuple(self._infos.items()))

    @property
    def dims(self) -> frozenset[str]:
        """The size names of the declarations (the numeric check draws them)."""
        return frozenset(a for v in self._infos.values() for s in (v.shape.rows, v.shape.cols) for a in s.atoms)


# Properties a declaration may state, the ones that need a square matrix, and what each implies.
PROPERTIES = S.PROPERTIES
NEEDS_SQUARE = frozenset({"spd", "invertible", "orthogonal", "symmetric"})
SQUARE = NEEDS_SQUARE | {"square"}  # the words (properties or conditions) that make a matrix square
_FULL = frozenset({"invertible", "fullcolrank", "fullrowrank"})
IMPLIES = {"spd": _FULL | {"symmetric"}, "orthogonal": _FULL, "invertible": _FULL}


def filled(cls: type, shape: Shape, **kw: object) -> S.Expr:
    """`zeros` or `ones` of a shape, as elaboration writes them (a column's width left out)."""
    return cls(shape.rows.to_dim(), None if shape.cols.is_one else shape.cols.to_dim(), **kw)


def zero(shape: Shape) -> S.Expr:
    """The zero of a shape: the number 0 for 1×1, else `zeros`."""
    return S.Num(0) if shape.is_scalar else filled(S.Zeros, shape)


def closed_props(props: frozenset[str]) -> frozenset[str]:
    """Declared properties closed under what they imply (spd ⇒ symmetric, invertible, …)."""
    return frozenset(props).union(*(IMPLIES.get(p, ()) for p in props))


def _size(d: S.Dim | None) -> Size:
    if d is None:
        raise ShapeError("a size is missing (the term is not elaborated)")
    return Size.from_dim(d)


_SAME = (S.Add, S.Sub, S.Hadamard, S.HadamardDiv)


def shape_of(e: S.Expr, env: Mapping[str, VarInfo], cache: dict | None = None) -> Shape:
    """The shape of an elaborated term (every `I`, `ones`, `zeros` sized), or `ShapeError`."""
    if cache is not None and e in cache:
        return cache[e]
    s = _shape(e, env, cache)
    if cache is not None:
        cache[e] = s
    return s


def _shape(e: S.Expr, env: Mapping[str, VarInfo], cache: dict | None) -> Shape:
    kids = [shape_of(k, env, cache) for k in e.children()]
    if isinstance(e, S.Var):
        if e.name not in env:
            raise ShapeError(f"'{e.name}' is not declared")
        return env[e.name].shape
    if isinstance(e, (S.Num, S.SizeOf)):
        return SCALAR
    if isinstance(e, S.SizePower):
        _need(kids[0].is_scalar and integral(e.exponent), "c^k needs a scalar c and an integer k made of sizes")
        return SCALAR
    if isinstance(e, S.Identity):
        return Shape(_size(e.size), _size(e.size))
    if isinstance(e, (S.Ones, S.Zeros)):
        return Shape(_size(e.rows), ONE if e.cols is None else _size(e.cols))
    if isinstance(e, (S.Neg, S.Transpose, S.Inverse, S.Power)):
        (a,) = kids
        if isinstance(e, S.Transpose):
            return a.transposed()
        if isinstance(e, S.Inverse) or isinstance(e, S.Power) and not a.is_scalar:
            _need(a.is_square, "an inverse or a power needs a square matrix")
            if isinstance(e, S.Power):
                _need(e.exponent.denominator == 1 and e.exponent >= 0,
                      "a matrix power needs a non-negative integer exponent")
        return a
    if isinstance(e, S.Call):
        return _call(e.fn, kids)
    a, b = kids
    if isinstance(e, _SAME):
        _need(a == b, f"operands of {type(e).__name__} have shapes {a} and {b}")
        return a
    if isinstance(e, S.Frob):
        _need(a == b, f"operands of : have shapes {a} and {b}")
        return SCALAR
    if isinstance(e, S.Div):
        _need(b.is_scalar, "the divisor must be 1×1")
        return a
    if isinstance(e, S.Kron):
        return Shape(a.rows * b.rows, a.cols * b.cols)
    if isinstance(e, S.Mul):
        if a.is_scalar:
            return b
        if b.is_scalar:
            return a
        _need(a.cols == b.rows, f"cannot multiply {a} by {b}")
        return Shape(a.rows, b.cols)
    raise ShapeError(f"not a term: {type(e).__name__}")


def _call(fn: str, kids: list[Shape]) -> Shape:
    """A function's shape by its rule in `syntax.FUNCTION`."""
    s, rule = kids[0], S.FUNCTION[fn].shape
    if rule in ("elementwise", "same"):
        return s
    if rule in ("scalar", "square-scalar"):
        _need(rule == "scalar" or s.is_square, f"{fn} needs a square matrix")
        return SCALAR
    if rule == "diag":  # a vector's diagonal matrix, a square matrix's diagonal (1×1: itself)
        _need(s.cols.is_one or s.is_square, "diag needs a column vector or a square matrix")
        return Shape(s.rows, s.rows if s.cols.is_one else ONE)
    if rule == "vec":
        return Shape(s.rows * s.cols, ONE)
    if rule == "transpose":
        return s.transposed()
    x = kids[1]
    if rule == "grad":
        _need(s.is_scalar, f"{fn} needs a scalar")  # a non-square symgrad: its (g + gᵀ) / 2 goal fails
        return x
    if rule == "jac":
        _need(s.cols.is_one and x.cols.is_one, "jac needs column vectors")
        return Shape(s.rows, x.rows)
    _need(rule == "hess" and s.is_scalar, f"{fn} needs a scalar")
    return Shape(x.rows * x.cols, x.rows * x.cols)  # jac(vec(∇f), vec(X))


def integral(e: S.Expr) -> bool:
    """Whether `e` is an integer at every point: sizes and integers under `-`, `+`, `·`."""
    if isinstance(e, (S.SizeOf, S.Num)):
        return not isinstance(e, S.Num) or e.value.denominator == 1
    return isinstance(e, (S.Neg, S.Add, S.Sub, S.Mul)) and all(map(integral, e.children()))


def _need(ok: bool, message: str) -> None:
    if not ok:
        raise ShapeError(message)

