"""Whole-array operations with numpy's meaning, written as syntax trees: what both tracers share.

A traced value is an `Array`: the tree of the language that computes it, and its numpy
shape. The shape matters as much as the tree, because the same tree means different numpy
values: a 1-D array `(n,)` is the column `Vec(n)` of the language, a 2-D `(n, 1)` is too,
and numpy broadcasts the two against each other to an n×n matrix. Each function here takes
the numpy meaning of one operation and returns the tree with exactly that value, or raises
`Unsupported` saying why there is none — a trace is exact or it is refused, never close.
(The tracers turn `Unsupported` into a `TraceError` located at the user's line.)

Sizes are `shapes.Size` values (a name, an integer, or a product for `kron`); two sizes
are the same only when they are the same expression, because a trace must hold for all
sizes, not for the ones at hand.
Imports: `syntax`, `sizes`, numpy (for constant arrays).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np

from . import sizes
from . import syntax as S
from .sizes import ONE, Shape, Size

Dims = tuple[Size, ...]


class Unsupported(Exception):
    """An operation with no exact tree: the message says which and why."""


@dataclass(frozen=True)
class Array:
    """A traced value: `expr` computes it; `dims` is its numpy shape (at most 2-D)."""

    expr: S.Expr
    dims: Dims

    @property
    def ndim(self) -> int:
        return len(self.dims)


def shape_text(dims: Dims) -> str:
    """A numpy shape as numpy prints it, with size names: `(m, n)`, `(n,)`, `()`."""
    parts = [str(d).strip("()") for d in dims]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


# ---------------------------------------------------------------------------
# Small trees


def number(value: object) -> Array:
    """A Python or numpy number, read as the decimal it prints as (0.1 is 1/10)."""
    if isinstance(value, (bool, np.bool_)):
        raise Unsupported(f"the boolean {value!r} used as a number")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (np.integer, np.floating)):
        value = value.item()
    if isinstance(value, int):
        q = Fraction(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise Unsupported(f"the number {value} (not finite)")
        q = Fraction(repr(value))
    elif isinstance(value, Fraction):
        q = value
    else:
        raise Unsupported(f"a value of type {type(value).__name__}")
    return Array(numeral(q), ())


def numeral(q: Fraction) -> S.Expr:
    return S.Num(q) if q >= 0 else S.Neg(S.Num(-q))


def _literal(e: S.Expr) -> Fraction | None:
    """The value of a numeral tree (`2`, `-0.5`), None for anything else."""
    if isinstance(e, S.Num):
        return e.value
    if isinstance(e, S.Neg) and isinstance(e.arg, S.Num):
        return -e.arg.value
    return None


def transposed(e: S.Expr) -> S.Expr:
    """`eᵀ`, with `(Aᵀ)ᵀ` written `A` and `(A B)ᵀ` as `Bᵀ Aᵀ` when a factor is transposed
    (both are the same matrix; the trace then reads as a person writes it)."""
    if isinstance(e, S.Transpose):
        return e.arg
    if isinstance(e, S.Mul) and (isinstance(e.left, S.Transpose) or isinstance(e.right, S.Transpose)):
        return S.Mul(transposed(e.right), transposed(e.left))
    return S.Transpose(e)


def _dim(size: Size) -> S.Dim:
    return size.to_dim()


def ones(dims: Dims) -> S.Expr:
    """The all-ones array of numpy shape `dims` (1-D and `(n, 1)` are `ones(n)`)."""
    return S.Num(1) if not dims else sizes.filled(S.Ones, _shape(dims))


def zeros(dims: Dims) -> S.Expr:
    return S.Num(0) if not dims else sizes.filled(S.Zeros, _shape(dims))


def _shape(dims: Dims) -> Shape:
    return Shape(dims[0], dims[1] if len(dims) > 1 else ONE)


def eye(n: Size) -> Array:
    return Array(S.Identity(_dim(n)), (n, n))


def filled(s: S.Expr, dims: Dims) -> S.Expr:
    """Every entry the scalar `s`: `ones`, `zeros`, or `s ones`."""
    q = _literal(s)
    if q == 1:
        return ones(dims)
    if q == 0:
        return zeros(dims)
    return S.Mul(s, ones(dims))


def scaled(s: S.Expr, e: S.Expr) -> S.Expr:
    """`s e` for a scalar `s`; the scalar goes first (it commutes), a factor 1 is dropped."""
    return e if _literal(s) == 1 else S.Mul(s, e)


def constant(value: np.ndarray, size_of: Callable[[int], Size]) -> Array:
    """A concrete array (a closure's constant, `np.eye(3)`, a JAX literal) as a tree.

    Only arrays the language can write exactly: numbers, constant arrays (`c ones`,
    `zeros`) and multiples of the identity. Anything else is data the statement would not
    know; it has to be an argument with a shape.
    """
    value = np.asarray(value)
    if value.dtype == bool or not (np.issubdtype(value.dtype, np.integer) or np.issubdtype(value.dtype, np.floating)):
        raise Unsupported(f"a constant array of type {value.dtype}")
    if value.ndim == 0:
        return number(value.item())
    if value.ndim > 2:
        raise Unsupported(f"a constant {value.ndim}-D array (only scalars, vectors and matrices are traced)")
    if not np.all(np.isfinite(value)):
        raise Unsupported("a constant array with entries that are not finite")
    dims = tuple(size_of(int(k)) for k in value.shape)
    if value.size and np.all(value == value.flat[0]):
        return Array(filled(number(value.flat[0].item()).expr, dims), dims)
    if value.ndim == 2 and value.shape[0] == value.shape[1]:
        c = value[0, 0].item()
        if np.array_equal(value, c * np.eye(value.shape[0])):
            return Array(scaled(number(c).expr, S.Identity(_dim(dims[0]))), dims)
    raise Unsupported(f"a constant array of shape {value.shape} with varied entries "
                      "(the statement cannot name it: make it an argument and give its shape)")


# ---------------------------------------------------------------------------
# Elementwise arithmetic

_SAME_SHAPE = {"+": S.Add, "-": S.Sub, "*": S.Hadamard, "/": S.HadamardDiv}
_SCALARS = {"+": S.Add, "-": S.Sub, "*": S.Mul, "/": S.Div}


def binary(op: str, a: Array, b: Array, *, broadcast: bool = False) -> Array:
    """`a op b` for op in + - * /, elementwise as numpy computes it.

    Scalars combine with arrays, equal shapes combine entry by entry. Other broadcasting
    (numpy's `(n,)` against `(n, 1)` makes an n×n matrix) is refused unless `broadcast`
    (JAX's own programs broadcast size-1 axes explicitly; those are exact too).
    """
    out = _binary(op, a, b, broadcast)
    return Array(_sigmoid(out.expr), out.dims) if op == "/" else out


def _sigmoid(e: S.Expr) -> S.Expr:
    """numpy has no sigmoid; `1 / (1 + exp(-z))` is how numpy code writes it, and it is the
    language's definition of `sigmoid(z)` (the numbers compute it the same way), so it is
    written `sigmoid(z)` (`1 / (1 + exp(u))` is `sigmoid(-u)`)."""
    # the same shape throughout: 1 / (1 + exp(u)) of scalars, ones ⊘ (ones + exp(U)) of arrays
    # (`ones(n) / (1 + exp(s))` is a vector, not sigmoid(-s))
    if isinstance(e, S.Div):
        one = lambda t: _literal(t) == 1  # noqa: E731
    elif isinstance(e, S.HadamardDiv):
        one = lambda t: isinstance(t, S.Ones)  # noqa: E731
    else:
        return e
    if not one(e.left) or not isinstance(e.right, S.Add):
        return e
    for unit, exp in ((e.right.left, e.right.right), (e.right.right, e.right.left)):
        if one(unit) and isinstance(exp, S.Call) and exp.fn == "exp":
            (u,) = exp.args
            return S.Call("sigmoid", (u.arg if isinstance(u, S.Neg) else S.Neg(u),))
    return e


def _binary(op: str, a: Array, b: Array, broadcast: bool) -> Array:
    if not a.dims and not b.dims:
        return Array(_SCALARS[op](a.expr, b.expr), ())
    if not a.dims or not b.dims:
        return _with_scalar(op, a, b)
    if a.dims == b.dims:
        return Array(_SAME_SHAPE[op](a.expr, b.expr), a.dims)
    target = _broadcast_shape(a.dims, b.dims) if broadcast else None
    if target is None:
        raise Unsupported(f"broadcasting {shape_text(a.dims)} {op} {shape_text(b.dims)}: only scalars with arrays "
                          "and arrays of equal shapes are traced" + _broadcast_hint(a.dims, b.dims))
    if op == "*" and len(target) == 2 and a.dims == (target[0], ONE) and b.dims == (ONE, target[1]):
        return Array(S.Mul(a.expr, b.expr), target)  # a column times a row: the outer product
    return _binary(op, broadcast_to(a, target), broadcast_to(b, target), False)


def _broadcast_hint(a: Dims, b: Dims) -> str:
    if len(a) != len(b) and {len(a), len(b)} == {1, 2}:
        return " (numpy would make a matrix of a 1-D array and a 2-D column; make both 1-D or both 2-D)"
    return ""


def _with_scalar(op: str, a: Array, b: Array) -> Array:
    if not a.dims:  # scalar op array
        s, arr = a.expr, b
        trees = {"+": lambda: S.Add(filled(s, arr.dims), arr.expr) if _literal(s) != 0 else arr.expr,
                 "-": lambda: S.Sub(filled(s, arr.dims), arr.expr) if _literal(s) != 0 else S.Neg(arr.expr),
                 "*": lambda: scaled(s, arr.expr),
                 "/": lambda: S.HadamardDiv(filled(s, arr.dims), arr.expr)}
    else:  # array op scalar
        s, arr = b.expr, a
        trees = {"+": lambda: S.Add(arr.expr, filled(s, arr.dims)) if _literal(s) != 0 else arr.expr,
                 "-": lambda: S.Sub(arr.expr, filled(s, arr.dims)) if _literal(s) != 0 else arr.expr,
                 "*": lambda: scaled(s, arr.expr),
                 "/": lambda: arr.expr if _literal(s) == 1 else S.Div(arr.expr, s)}
    return Array(trees[op](), arr.dims)


def _broadcast_shape(a: Dims, b: Dims) -> Dims | None:
    """numpy's broadcast shape of two shapes of at most 2 axes, or None."""
    if len(a) != len(b):
        return None  # JAX programs broadcast ranks explicitly (broadcast_in_dim)
    out = []
    for x, y in zip(a, b):
        if x == y or y.is_one:
            out.append(x)
        elif x.is_one:
            out.append(y)
        else:
            return None
    return tuple(out)


def broadcast_to(a: Array, target: Dims) -> Array:
    """`a` repeated along its size-1 axes (and up from a scalar) to the shape `target`."""
    if a.dims == target:
        return a
    if len(target) > 2:
        raise Unsupported(f"an array of {len(target)} axes")
    if not a.dims or all(d.is_one for d in a.dims):
        return Array(filled(a.expr, target), target)
    if len(a.dims) != len(target):
        raise Unsupported(f"broadcasting {shape_text(a.dims)} to {shape_text(target)}")
    (r, c), (rows, cols) = a.dims, target
    if r == rows and c.is_one:  # a column repeated: x onesᵀ
        return Array(S.Mul(a.expr, S.Transpose(ones((cols,)))), target)
    if c == cols and r.is_one:  # a row repeated: ones x
        return Array(S.Mul(ones((rows,)), a.expr), target)
    raise Unsupported(f"broadcasting {shape_text(a.dims)} to {shape_text(target)}")


def negative(a: Array) -> Array:
    return Array(S.Neg(a.expr), a.dims)


def power(a: Array, exponent: Array) -> Array:
    """`a ** p` for a number p: a power of a scalar, an elementwise power of an array
    (integers as repeated ⊙, ±1/2 as square roots; the language has no other)."""
    p = _literal(exponent.expr) if not exponent.dims else None
    if p is None:
        raise Unsupported("a power whose exponent is not a number")
    if not a.dims:
        if p == 1:
            return a
        if p == 0:
            return Array(S.Num(1), ())
        return Array(S.Inverse(a.expr) if p == -1 else S.Power(a.expr, p), ())
    if p == 0:
        return Array(ones(a.dims), a.dims)
    magnitude = abs(p)
    if magnitude.denominator == 1:
        e = a.expr
        for _ in range(int(magnitude) - 1):
            e = S.Hadamard(e, a.expr)
    elif magnitude == Fraction(1, 2):
        e = S.Call("sqrt", (a.expr,))
    else:
        raise Unsupported(f"the elementwise power ** {p} of an array (integer powers and ** 0.5 are traced)")
    return Array(S.HadamardDiv(ones(a.dims), e) if p < 0 else e, a.dims)


def function(fn: str, a: Array, name: str) -> Array:
    """An elementwise function of the language (`exp`, `log`, ...); `name` is what the user
    called, for the message when the language has no such function yet."""
    if fn not in S.FUNCTIONS:
        raise Unsupported(f"{name} is not supported yet: the language has no {fn}")
    return Array(S.Call(fn, (a.expr,)), a.dims)


# ---------------------------------------------------------------------------
# Products and linear algebra


def transpose(a: Array) -> Array:
    """`.T`: reverses a matrix; a vector or a scalar is its own transpose in numpy."""
    if a.ndim < 2:
        return a
    return Array(transposed(a.expr), (a.dims[1], a.dims[0]))


def _fit(a: Dims, b: Dims, i: int, j: int, op: str) -> None:
    if a[i] != b[j]:
        raise Unsupported(f"{shape_text(a)} {op} {shape_text(b)}: the sizes {a[i]} and {b[j]} differ")


def matmul(a: Array, b: Array, op: str = "@") -> Array:
    """`a @ b` with numpy's rules for 1-D operands: a matrix times a 1-D array is a 1-D
    array, a 1-D array times a matrix is the row product (written `Bᵀ x`), two 1-D arrays
    give their inner product."""
    if not a.dims or not b.dims:
        raise Unsupported(f"{op} with a scalar operand (numpy refuses it; use *)")
    if a.ndim == 2 and b.ndim == 2:
        _fit(a.dims, b.dims, 1, 0, op)
        return Array(S.Mul(a.expr, b.expr), (a.dims[0], b.dims[1]))
    if a.ndim == 2:
        _fit(a.dims, b.dims, 1, 0, op)
        return Array(S.Mul(a.expr, b.expr), (a.dims[0],))
    if b.ndim == 2:
        _fit(a.dims, b.dims, 0, 0, op)
        return Array(S.Mul(transposed(b.expr), a.expr), (b.dims[1],))
    _fit(a.dims, b.dims, 0, 0, op)
    return Array(S.Mul(transposed(a.expr), b.expr), ())


def dot(a: Array, b: Array) -> Array:
    """`np.dot`: a product by a scalar, else the same as `@` (they agree up to 2-D)."""
    if not a.dims or not b.dims:
        return binary("*", a, b)
    return matmul(a, b, "np.dot")


def outer(a: Array, b: Array) -> Array:
    if a.ndim != 1 or b.ndim != 1:
        raise Unsupported("np.outer of arrays that are not 1-D (numpy flattens them first)")
    return Array(S.Mul(a.expr, transposed(b.expr)), (a.dims[0], b.dims[0]))


def kron(a: Array, b: Array) -> Array:
    if not a.dims or not b.dims:
        return binary("*", a, b)
    if a.ndim != b.ndim:
        raise Unsupported(f"np.kron of a {a.ndim}-D and a {b.ndim}-D array")
    return Array(S.Kron(a.expr, b.expr), tuple(x * y for x, y in zip(a.dims, b.dims)))


def _square(a: Array, what: str) -> Size:
    if a.ndim != 2:
        raise Unsupported(f"{what} of a {a.ndim}-D array (it needs a square matrix)")
    if a.dims[0] != a.dims[1]:
        raise Unsupported(f"{what} of a {shape_text(a.dims)} matrix (it needs a square one)")
    return a.dims[0]


def diag(a: Array) -> Array:
    """`np.diag`: a 1-D array makes a diagonal matrix; a square matrix gives its diagonal
    as a 1-D array, written `(A ⊙ I) ones(n)`."""
    if a.ndim == 1:
        return Array(S.Call("diag", (a.expr,)), (a.dims[0], a.dims[0]))
    n = _square(a, "np.diag")
    return Array(S.Mul(S.Hadamard(a.expr, S.Identity(_dim(n))), ones((n,))), (n,))


def trace(a: Array) -> Array:
    _square(a, "np.trace")
    return Array(S.Call("tr", (a.expr,)), ())


def total(a: Array) -> Array:
    """`np.sum` over every axis."""
    if not a.dims:
        return a
    return Array(S.Call("sum", (a.expr,)), ())


def inverse(a: Array) -> Array:
    _square(a, "np.linalg.inv")
    return Array(S.Inverse(a.expr), a.dims)


def pinv(a: Array) -> Array:
    """`np.linalg.pinv(A)` of a matrix: `pinv(A)`, the transposed shape."""
    if a.ndim != 2:
        raise Unsupported(f"np.linalg.pinv of a {a.ndim}-D array (it needs a matrix)")
    return Array(S.Call("pinv", (a.expr,)), (a.dims[1], a.dims[0]))


def solve(a: Array, b: Array) -> Array:
    """`np.linalg.solve(A, b)` is `A⁻¹ b` (b a 1-D array or a matrix)."""
    n = _square(a, "np.linalg.solve")
    if b.ndim not in (1, 2) or b.dims[0] != n:
        raise Unsupported(f"np.linalg.solve of {shape_text(a.dims)} and {shape_text(b.dims)}")
    return Array(S.Mul(S.Inverse(a.expr), b.expr), b.dims)


def det(a: Array) -> Array:
    _square(a, "np.linalg.det")
    return Array(S.Call("det", (a.expr,)), ())


def logdet(a: Array) -> Array:
    """The `logabsdet` of `slogdet`: `logdet(A)`, equal to it wherever det A > 0, which is
    the domain of the language's `logdet` (the sign is not traced)."""
    _square(a, "np.linalg.slogdet")
    return Array(S.Call("logdet", (a.expr,)), ())


def norm(a: Array) -> Array:
    """The 2-norm of a vector, the Frobenius norm of a matrix: `norm` in the language."""
    if not a.dims:
        raise Unsupported("the norm of a scalar (its absolute value)")
    return Array(S.Call("norm", (a.expr,)), ())


def relu(a: Array, name: str) -> Array:
    return function("relu", a, name)


def reshape(a: Array, target: Dims) -> Array:
    """A reshape that only adds or drops axes of size 1 (`(n,)` ↔ `(n, 1)` ↔ `(1, n)`):
    the same entries, the same tree up to a transpose. Anything else is refused."""
    if target == a.dims:
        return a
    if len(target) > 2:
        raise Unsupported(f"reshaping to {len(target)} axes")
    big = [d for d in a.dims if not d.is_one]
    new = [d for d in target if not d.is_one]
    if big != new or len(big) > 1:
        raise Unsupported(f"reshaping {shape_text(a.dims)} to {shape_text(target)}")
    if not big:
        return Array(a.expr, target)
    return Array(a.expr if _is_column(a.dims) == _is_column(target) else transposed(a.expr), target)


def _is_column(dims: Dims) -> bool:
    """Whether the one non-unit axis is the tree's rows (1-D arrays are columns)."""
    return len(dims) == 1 or dims[1].is_one
