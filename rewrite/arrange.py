"""A derived formula rearranged for speed, by the ring laws alone.

The form `rewrite grad` presents is written for people: `2 Aᵀ A x` reads left to right,
but computed that way it costs a matrix-matrix product where two matrix-vector products
do. `arrange` rewrites a formula into one that is cheap to compute at given sizes:

- each product chain is associated by its cost (the classic matrix-chain dynamic
  programme), at the sizes given (default: every size 1000, so matrix-vector products
  come first);
- scalar factors (numerals, 1×1 terms, divisions by 1×1 terms) are gathered into one
  coefficient and applied where the data is smallest;
- a product is distributed over a sum when forming the sum costs more than the extra
  product (`(A + Aᵀ) x` becomes `A x + Aᵀ x`);
- transposes are pushed through sums and products to the leaves, where the emitted
  code folds them into the products (`Aᵀ x` is `A.T @ x`, a view, not a copy).

Every change is a law the kernel's `linear` step assumes (associativity, distributivity,
1×1 factors commuting, transposes reversing products), so the result is proved equal to
the input by the ordinary prover; `emit` asks it to, and falls back to the input if not.
Inverses, determinants, elementwise functions and the like are left as they are (their
arguments are arranged in turn).
Imports: `syntax`, `sizes`.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import reduce
from typing import Mapping

from . import syntax as S
from .sizes import ONE, SCALAR, Env, Shape, Size, filled

# The size every dimension name gets unless told otherwise: large and equal, so that
# the cost of a chain is decided by where its vectors are.
DEFAULT_SIZE = 1000
# A chain longer than this is associated left to right (the programme is cubic).
MAX_CHAIN = 40
# Memory traffic, in multiply-adds per element made: a new array is written and read
# again, while a product streams over its operands once (counted one per element read).
# The weight lets the cost model see that `(A + Aᵀ) x` (a pass that makes n² elements,
# then a product) costs more than `A x + Aᵀ x`, though both count about 2n² multiply-adds.
TRAFFIC = 4


def arrange(e: S.Expr, env: Env, sizes: Mapping[str, int] | None = None) -> S.Expr:
    """`e` (elaborated: every `I`, `ones`, `zeros` sized) rearranged to be cheap to compute
    at `sizes` (dimension name → value; names not given get `DEFAULT_SIZE`)."""
    return Arranger(env, sizes).arrange(e)


def cost(e: S.Expr, env: Env, sizes: Mapping[str, int] | None = None) -> int:
    """The cost model's estimate for computing `e` once, each distinct subterm once."""
    return Arranger(env, sizes).cost(e)


class Arranger:
    def __init__(self, env: Env, sizes: Mapping[str, int] | None = None) -> None:
        self.env = env
        self.sizes = dict(sizes or {})
        self._shapes: dict[S.Expr, Shape] = {}

    # -- shapes ------------------------------------------------------------------------

    def shape(self, e: S.Expr) -> Shape:
        """The symbolic shape, by the rules of `shapes` (a product with a 1×1 operand is
        scaling); `e` is elaborated and well-shaped, so no unification is needed."""
        s = self._shapes.get(e)
        if s is None:
            s = self._shapes[e] = self._shape(e)
        return s

    def _shape(self, e: S.Expr) -> Shape:
        match e:
            case S.Var(name):
                return self.env[name].shape
            case S.Num() | S.SizeOf() | S.SizePower():
                return SCALAR
            case S.Identity(size):
                k = Size.from_dim(size)  # type: ignore[arg-type]
                return Shape(k, k)
            case S.Ones(rows, cols) | S.Zeros(rows, cols):
                return Shape(Size.from_dim(rows), Size.from_dim(cols) if cols is not None else ONE)  # type: ignore[arg-type]
            case S.Transpose(a):
                return self.shape(a).transposed()
            case S.Neg(a) | S.Inverse(a) | S.Power(a, _):
                return self.shape(a)
            case S.Mul(a, b):
                sa, sb = self.shape(a), self.shape(b)
                if sa.is_scalar:
                    return sb
                if sb.is_scalar:
                    return sa
                return Shape(sa.rows, sb.cols)
            case S.Kron(a, b):
                sa, sb = self.shape(a), self.shape(b)
                return Shape(sa.rows * sb.rows, sa.cols * sb.cols)
            case S.Frob():
                return SCALAR
            case S.Add(a, _) | S.Sub(a, _) | S.Hadamard(a, _) | S.HadamardDiv(a, _) | S.Div(a, _):
                return self.shape(a)
            case S.Call(fn, (a, *_)):
                s = self.shape(a)
                if fn in ("tr", "det", "logdet", "norm", "norm2", "sum"):
                    return SCALAR
                if fn == "diag":
                    return Shape(s.rows, s.rows if s.cols.is_one else ONE)
                if fn == "vec":
                    return Shape(s.rows * s.cols, ONE)
                return s
        raise ValueError(f"cannot arrange {e!r}")

    def value(self, size: Size) -> int:
        return size.coeff * math.prod(self.sizes.get(a, DEFAULT_SIZE) for a in size.atoms)

    def dims(self, e: S.Expr) -> tuple[int, int]:
        s = self.shape(e)
        return self.value(s.rows), self.value(s.cols)

    def entries(self, e: S.Expr) -> int:
        r, c = self.dims(e)
        return r * c

    # -- cost --------------------------------------------------------------------------

    def cost(self, e: S.Expr) -> int:
        """Multiply-adds plus `TRAFFIC` per element made, each distinct subterm once
        (the emitted code computes a repeated subterm once)."""
        seen: set[S.Expr] = set()

        def walk(t: S.Expr) -> int:
            if t in seen:
                return 0
            seen.add(t)
            return self.node_cost(t) + sum(walk(k) for k in t.children())

        return walk(e)

    def node_cost(self, e: S.Expr) -> int:
        match e:
            case S.Var() | S.Num() | S.Transpose():
                return 0
            case S.Mul(a, b):
                if self.shape(a).is_scalar or self.shape(b).is_scalar:
                    return TRAFFIC * self.entries(e)
                (p, q), (_, r) = self.dims(a), self.dims(b)
                return self.product_cost(a, b, p, q, r)
            case S.Inverse(a) | S.Call("det" | "logdet", (a,)):
                n = self.dims(a)[0]
                return n**3
            case S.Power(a, k) if not self.shape(a).is_scalar:
                n = self.dims(a)[0]
                return max(int(k) - 1, 1) * n**3
            case S.Frob(a, _) | S.Call("tr" | "sum" | "norm" | "norm2", (a,)):
                return TRAFFIC * self.entries(a)
        return TRAFFIC * self.entries(e)

    def product_cost(self, a: S.Expr, b: S.Expr, p: int, q: int, r: int) -> int:
        """A `p×q` times `q×r` product: a diagonal operand scales rows or columns."""
        if _is_diag(a) or _is_diag(b):
            return TRAFFIC * p * r
        return p * q * r + p * q + q * r + TRAFFIC * p * r

    # -- transposes --------------------------------------------------------------------

    def transposed(self, e: S.Expr) -> S.Expr:
        """`eᵀ` with the transpose pushed through negations, scalings and products (laws
        of the kernel's normal form), so that product chains flatten; elsewhere it stays
        on the node (a sum keeps its transpose: `(x - μ)ᵀ` shares `x - μ` with the rest)."""
        if self.shape(e).is_scalar:
            return self.push(e)
        match e:
            case S.Transpose(a):
                return self.push(a)
            case S.Neg(a):
                return S.Neg(self.transposed(a))
            case S.Div(a, s):
                return S.Div(self.transposed(a), self.push(s))
            case S.Mul(a, b):
                if self.shape(a).is_scalar:
                    return S.Mul(self.push(a), self.transposed(b))
                if self.shape(b).is_scalar:
                    return S.Mul(self.transposed(a), self.push(b))
                return S.Mul(self.transposed(b), self.transposed(a))
            case S.Identity() | S.Zeros():
                if isinstance(e, S.Zeros):
                    s = self.shape(e)
                    return filled(S.Zeros, s.transposed())
                return e
        return S.Transpose(self.push(e))

    def push(self, e: S.Expr) -> S.Expr:
        """`e` with every transpose pushed as far as `transposed` goes."""
        if isinstance(e, S.Transpose):
            return self.transposed(e.arg)
        kids = e.children()
        return e.with_children(tuple(self.push(k) for k in kids)) if kids else e

    # -- arranging ---------------------------------------------------------------------

    def arrange(self, e: S.Expr) -> S.Expr:
        return self._arrange(self.push(e))

    def _arrange(self, e: S.Expr) -> S.Expr:
        if isinstance(e, (S.Mul, S.Div)) or (isinstance(e, S.Neg) and isinstance(e.arg, (S.Mul, S.Div))):
            return self._product(e)
        if isinstance(e, S.Neg) and isinstance(e.arg, S.Neg):
            return self._arrange(e.arg.arg)
        kids = e.children()
        return e.with_children(tuple(self._arrange(k) for k in kids)) if kids else e

    def _product(self, e: S.Expr) -> S.Expr:
        """A product chain: its scalar parts gathered, its matrix factors associated by
        cost, products distributed over sums where cheaper, the coefficient applied at
        the smallest intermediate."""
        chain = _Chain()
        self._collect(e, chain)
        if not chain.factors and chain.identities and not self.shape(e).is_scalar:
            chain.factors.append(chain.identities[0])  # `λ I`: the identity is all there is
        factors = [self._arrange(f) for f in chain.factors]
        scalars = [self._arrange(s) for s in chain.scalars]
        dens = [self._arrange(d) for d in chain.dens]
        if not factors:
            return self._coefficient(chain.coeff, scalars, dens) or S.Num(1)
        tree = self._distribute(self._associate(factors))
        if chain.coeff == -1 and not scalars and not dens:
            return self._apply(tree, S.Neg)
        coefficient = self._coefficient(chain.coeff, scalars, dens)
        if coefficient is None:
            return tree
        if isinstance(coefficient, S.Div) and coefficient.left == S.Num(1):
            return self._apply(tree, lambda t: S.Div(t, coefficient.right))
        return self._apply(tree, lambda t: S.Mul(coefficient, t))

    def _collect(self, e: S.Expr, chain: _Chain) -> None:
        """Split `e` into numeral, 1×1 factors, 1×1 divisors and matrix factors in order."""
        match e:
            case S.Neg(a):
                chain.coeff = -chain.coeff
                self._collect(a, chain)
            case S.Num(q):
                chain.coeff *= q
            case S.Div(a, S.Num(q)) if q:
                chain.coeff /= q
                self._collect(a, chain)
            case S.Div(a, d):
                self._scalar(d, chain, divide=True)
                self._collect(a, chain)
            case S.Mul(a, b) if self.shape(a).is_scalar:
                self._scalar(a, chain)
                self._collect(b, chain)
            case S.Mul(a, b) if self.shape(b).is_scalar:
                self._collect(a, chain)
                self._scalar(b, chain)
            case S.Mul(a, b):
                self._collect(a, chain)
                self._collect(b, chain)
            case S.Identity():
                chain.identities.append(e)
            case S.Power(a, k) if not self.shape(a).is_scalar and 2 <= k <= 4:
                for _ in range(int(k)):
                    self._collect(a, chain)
            case _ if self.shape(e).is_scalar:
                self._scalar(e, chain)
            case _:
                chain.factors.append(e)

    def _scalar(self, e: S.Expr, chain: _Chain, divide: bool = False) -> None:
        """A 1×1 factor: numerals and signs join the coefficient, products of 1×1 terms
        are split, anything else is one scalar (or divisor)."""
        match e:
            case S.Num(q) if not divide:
                chain.coeff *= q
            case S.Num(q) if q:
                chain.coeff /= q
            case S.Neg(a):
                chain.coeff = -chain.coeff
                self._scalar(a, chain, divide)
            case S.Mul(a, b) if self.shape(a).is_scalar and self.shape(b).is_scalar:
                self._scalar(a, chain, divide)
                self._scalar(b, chain, divide)
            case S.Div(a, S.Num(q)) if q and not divide:
                chain.coeff /= q
                self._scalar(a, chain)
            case _:
                (chain.dens if divide else chain.scalars).append(e)

    def _coefficient(self, coeff: Fraction, scalars: list[S.Expr], dens: list[S.Expr]) -> S.Expr | None:
        """One 1×1 term for `coeff · Π scalars / Π dens` (None when it is 1); a sign
        rides on the numeral, or on the first scalar when the numeral is -1."""
        if coeff == -1 and scalars:
            parts = [S.Neg(scalars[0])] + scalars[1:]
        else:
            parts = ([] if coeff == 1 else [_number(coeff)]) + scalars
        out = _product_of(parts)
        if dens:
            out = S.Div(out or S.Num(1), _product_of(dens))  # type: ignore[arg-type]
        return out

    def _associate(self, factors: list[S.Expr]) -> S.Expr:
        """The cheapest association of the product of `factors` (matrix-chain DP)."""
        n = len(factors)
        if n == 1:
            return factors[0]
        if n > MAX_CHAIN:
            out = factors[0]
            for f in factors[1:]:
                out = S.Mul(out, f)
            return out
        dims = [self.dims(f) for f in factors]
        best: dict[tuple[int, int], tuple[int, int]] = {(i, i): (0, -1) for i in range(n)}
        for length in range(2, n + 1):
            for i in range(n - length + 1):
                j = i + length - 1
                options = []
                for s in range(i, j):
                    left = factors[i] if s == i else None
                    right = factors[j] if s + 1 == j else None
                    step = self._step_cost(left, right, dims[i][0], dims[s][1], dims[j][1])
                    options.append((best[i, s][0] + best[s + 1, j][0] + step, s))
                best[i, j] = min(options)

        def build(i: int, j: int) -> S.Expr:
            if i == j:
                return factors[i]
            s = best[i, j][1]
            return S.Mul(build(i, s), build(s + 1, j))

        return build(0, n - 1)

    def _step_cost(self, left: S.Expr | None, right: S.Expr | None, p: int, q: int, r: int) -> int:
        """The product of two sub-chains; a sub-chain that is one `diag` scales."""
        return self.product_cost(left if left is not None else S.Num(1), right if right is not None else S.Num(1),
                                 p, q, r)

    def _distribute(self, e: S.Expr) -> S.Expr:
        """Products over sums, bottom-up, wherever the cost model says it is cheaper."""
        if not isinstance(e, S.Mul):
            return e
        e = S.Mul(self._distribute(e.left), self._distribute(e.right))
        for side in (0, 1):
            total = (e.left, e.right)[side]
            if not isinstance(total, (S.Add, S.Sub)) or self.shape(total).is_scalar:
                continue
            other = (e.left, e.right)[1 - side]
            parts = [S.Mul(p, other) if side == 0 else S.Mul(other, p) for p in (total.left, total.right)]
            spread = type(total)(self._product(parts[0]), self._product(parts[1]))
            if self.cost(spread) < self.cost(e):
                return spread
        return e

    def _apply(self, tree: S.Expr, op) -> S.Expr:
        """`op` (a scaling or a sign) applied to the smallest intermediate of the product
        tree: the root on ties, never an inverse or a `diag`, which the emitted code
        applies to the other operand of their product."""
        candidates: list[tuple[int, int, S.Path]] = []
        for order, (path, t) in enumerate(_product_nodes(tree)):
            if isinstance(t, S.Mul) or not _solved(t):
                candidates.append((self.entries(t), order, path))
        if not candidates:
            if _is_diag(tree):  # diag is linear: c diag(v) = diag(c v), n entries scaled, not n²
                return S.Call("diag", (op(tree.args[0]),))  # type: ignore[attr-defined]
            return op(tree)
        _, _, path = min(candidates)
        return S.replace_at(tree, path, op(S.at_path(tree, path)))


class _Chain:
    def __init__(self) -> None:
        self.coeff = Fraction(1)
        self.scalars: list[S.Expr] = []
        self.dens: list[S.Expr] = []
        self.factors: list[S.Expr] = []
        self.identities: list[S.Expr] = []


def _product_nodes(tree: S.Expr, path: S.Path = ()):
    """The nodes of a product tree (its `Mul`s and their non-`Mul` operands), root first."""
    yield path, tree
    if isinstance(tree, S.Mul):
        yield from _product_nodes(tree.left, path + (0,))
        yield from _product_nodes(tree.right, path + (1,))


def _solved(e: S.Expr) -> bool:
    """An inverse (or its transpose) or a `diag`: the emitted code applies these to the
    other operand of the product, so a coefficient must not land on them."""
    if isinstance(e, S.Transpose):
        e = e.arg
    return isinstance(e, S.Inverse) or _is_diag(e)


def _is_diag(e: S.Expr) -> bool:
    return isinstance(e, S.Call) and e.fn == "diag"


def _number(q: Fraction) -> S.Expr:
    return S.Num(q) if q >= 0 else S.Neg(S.Num(-q))


def _product_of(parts: list[S.Expr]) -> S.Expr | None:
    return reduce(S.Mul, parts) if parts else None
