"""Numbers: random instances, evaluation in the total semantics, and numeric comparison of two sides.

This is the independent reference the prover is checked against, and the only source of
`false`: it draws concrete sizes and values that honour the declared properties, evaluates
*elaborated* trees (every `I` has a size, matrix zeros are `Zeros`) in the total semantics
of docs/SEMANTICS.md (`x/0 = 0`, the inverse of a singular matrix is 0, `log` is `log|x|`
with `log 0 = 0`, …), and compares the two sides of an equation at points where the
statement's hypotheses hold. It is evidence, never proof. It must never call a true
identity false because of round-off, must not let square or all-one sizes hide a false
one, and must not let a small overall factor hide one either: every value carries an
error scale, propagated through the operations that made it, and the sides are compared
on that scale. Rules are validated here as well, at random and at degenerate points.
The only module that imports numpy. Imports: `syntax`, `sizes`, `printing`; never egglog
or the kernel.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Callable, Iterable, Iterator, Mapping

import numpy as np

from . import syntax as S
from .printing import show
from .sizes import NEEDS_SQUARE, Env, Size, VarInfo

Array = np.ndarray
Pair = tuple[Array, Array]  # a value and its error scale, same shape

# ---------------------------------------------------------------------------
# Error scales
#
# Alongside every value v the evaluator carries a scale S ≥ |v| (entrywise) that bounds the
# rounding error of v in units of the machine epsilon: the computed v differs from the
# exact one by at most about c·eps·S, c a small constant growing with the number of
# operations. It is a running error bound in the style of forward error analysis:
#   leaves            S = |v|        (names, numerals, I, ones; exact zeros have S = 0)
#   a ± b             S_a + S_b
#   a b, a ⊙ b, a ⊗ b S_a S_b        (the same product of the non-negative scales)
#   s A (1×1 s)       S_s S_A
#   tr, sum, vec, ᵀ   the same map applied to S
#   a⁻¹ (matrix)      |a⁻¹| S_a |a⁻¹| + ‖a⁻¹‖₂² ‖S_a‖   (δ(a⁻¹) = -a⁻¹ δa a⁻¹ entry by
#                                         entry; the inversion itself is normwise stable)
#   1/t (entrywise)   |1/t| + |1/t²| S_t
#   f(a) elementwise  |f(a)| + |f'(a)| S_a   (exp, log, sqrt, σ, tanh, powers)
#   det a             |det a| + ‖cof a‖ ‖S_a‖  (δ det = cof : δa; LU is normwise stable)
#   logdet a          |logdet a| + ‖a⁻¹‖ ‖S_a‖ (δ logdet = tr(a⁻¹ δa))
#   norm a            ‖S_a‖              (|δ‖a‖| ≤ ‖δa‖)
# (‖·‖ is the Frobenius norm, ≥ the 2-norm.)
# Each rule keeps S ≥ |v|. A result that should be 0 (x - x, (A+B)ᵀ - Aᵀ - Bᵀ) is judged
# against the S of the terms whose rounding produced it, and a result scaled by 1e-9 has
# its S scaled by 1e-9 too, so `1e-9 x = 2e-9 x` is as false as `x = 2 x`.
#
# Complex steps: inside a complex step v = v₀ + i·h·v₁ carries its derivative v₁, and S is
# complex as well, S₀ + i·h·S₁ with S₁ the error scale of the derivative part. The rules
# above, applied in complex arithmetic to the componentwise magnitudes |Re| + i|Im| (see
# `_mag`), are dual-number rules: Im(S_a S_b) = h(S₁_a S₀_b + S₀_a S₁_b), which bounds the
# rounding of (a b)' = a' b + a b' as S₀ bounds that of a b. So a derivative by complex step
# comes out with its own scale, Im S / h.
#
# Finite differences: the difference quotient of values with scales S(±h), S(±2h) gets the
# scale reach·(8(S(h) + S(-h)) + S(2h) + S(-2h))/12 — the magnitude of the function around
# the point, per unit of the direction — and a tolerance that grows per level (below): the
# quotient loses the digits that 1/h amplifies.

# Complex step: Im f(x + i·h·v) / h = f'(x)·v + O(h²) involves no subtraction, so any h far
# below sqrt(eps) ≈ 1e-8 is exact to rounding. 1e-20 is that, and h·|v| stays far above the
# underflow threshold (1e-308) for the O(1) values drawn here.
COMPLEX_STEP = 1e-20

# Finite differences use the 4-point central stencil
#   f' ≈ (8 (f(h) - f(-h)) - (f(2h) - f(-2h))) / 12h,
# with truncation error ≈ h⁴·|f⁽⁵⁾|/30 and rounding error ≈ 1.5·eps·S_f/h. The draws keep
# values O(1) and inverses O(1) (singular values in [0.5, 2]), and the step is relative to
# the direction's largest entry, so h = 5e-4 gives truncation ≈ 2e-15·|f⁽⁵⁾| and rounding
# ≈ 3e3·eps·S_f. An error in an inner derivative is amplified by ≈ 1.5/h = 3e3 per level of
# nesting; a 2-point stencil would need h ≈ 6e-6 for its best error (≈ 4e-11) and one
# level up would amplify that to ≈ 7e-6, hence 4 points.
DIFFERENCE_STEP = 5e-4

# A draw disagrees when some entry has |L - R| > tolerance · (S_L + S_R). Exact algebra and
# complex steps are accurate to c·eps·S with c ≲ 1e2 for the expressions checked here
# (measured: below 5e-16 of the scale, heavy cancellation included), so 1e-8 leaves seven
# orders of margin; a wrong identity differs by a sizeable part of its own scale (measured
# 1e-3 to 1 on the examples of tests/test_numeric.py; the comparison is entrywise, so a
# wrong entry next to large correct ones still counts). Each level of finite differences
# amplifies the rounding by ≈ 3e3 relative to its scale; the tolerance grows by 1e2 per
# level: measured worst cases stay 1e6 inside after one level (5e-13 against 1e-6) and 3e7
# after two (3e-12 against 1e-4), while a wrong derivative still differs by 2e-4 and 8e-3
# of the scale, 1e2 above them.
EXACT_TOLERANCE = 1e-8
TOLERANCE_GROWTH_PER_DIFFERENCE_LEVEL = 1e2

# Below ~2e-308 floats underflow and lose their relative accuracy; a complex step divides
# imaginary parts by h = 1e-20, so a derivative below ~1e-288 comes out as 0 or noise. A
# difference this small is no disagreement, whatever the scales (a false identity times
# 1e-100 is still found; times 1e-290 it is not).
UNDERFLOW = 1e-280

# Each level of finite differences costs 4 evaluations of the level below (4ᵏ in all) and
# loses two orders of accuracy: beyond 3 levels a draw is neither fast nor trustworthy.
MAX_DIFFERENCE_LEVELS = 3

# Deciding whether a quantity is 0 (a divisor, an entry under log, a matrix to invert):
# with |v| ≤ ZERO·S the value is zero up to its own rounding — the exact value is 0 on
# every draw where this happens (random values are never that small otherwise) — and the
# total convention applies; with |v| ≥ CLEAR·S it is clearly not zero, and dividing by it
# loses at most log10(1/CLEAR) = 6 of 16 digits, still above the tolerance; in between the
# draw cannot tell, and is skipped (`Undecidable`), never judged. For a matrix the measure
# is σ_min / ‖S‖_F (≤ 1/condition number): singular at ≤ 1e-12, invertible at ≥ 1e-6.
ZERO = 1e-12
CLEAR = 1e-6
MAX_CONDITION = 1 / CLEAR  # the largest condition number of an inverse that is evaluated


def tolerance(difference_levels: int) -> float:
    """The relative difference above which a draw disagrees, given how many levels of
    finite differences the evaluation nested (0: only exact algebra and complex steps)."""
    return EXACT_TOLERANCE * TOLERANCE_GROWTH_PER_DIFFERENCE_LEVEL**difference_levels


# The largest matrix evaluated: sizes written as numbers (`Mat(100000, 100000)`), and
# Kronecker chains (n^k × n^k), would otherwise take minutes and gigabytes; a gradient
# with respect to it takes one evaluation per entry.
MAX_ENTRIES = 10_000

# Cofactors of a matrix too close to singular to go through its inverse are computed from
# minors: n² determinants, so only up to this size.
MAX_MINORS = 8


def _room_for(rows: int, cols: int) -> tuple[int, int]:
    _room(rows, cols)
    return rows, cols


def _room(rows: int, cols: int) -> None:
    if rows * cols > MAX_ENTRIES:
        raise DomainError(f"a {rows}×{cols} matrix is too large to evaluate (more than {MAX_ENTRIES:,} entries)")


class DomainError(ArithmeticError):
    """The draw cannot be judged: a derivative is asked at a point where a total
    convention applies (a zero divisor, a singular inverse, a log of 0), a value is too
    close to such a point to tell (`Undecidable`), or a matrix is too large. Not a
    disagreement: `compare` redraws with positive values, then gives up on the draw."""


class Undecidable(DomainError):
    """A divisor, an entry or a matrix is neither clearly 0 (singular) nor clearly not."""


class _OutOfTime(Exception):
    """The numeric check's time limit passed (turned into a verdict by `compare`)."""


def _rng(seed: int) -> np.random.Generator:
    """Any integer is a seed (numpy takes only non-negative ones): seeds are read modulo
    2⁶⁴, so the seeds 0 … 2⁶⁴-1 keep their draws and -1 is 2⁶⁴-1."""
    return np.random.default_rng(seed % 2**64)


# ---------------------------------------------------------------------------
# Sizes


def size_value(size: Size, sizes: Mapping[str, int]) -> int:
    """A symbolic size at concrete dimension values."""
    return size.coeff * math.prod(sizes[a] for a in size.atoms)


def draw_sizes(dims: Iterable[str], rng: np.random.Generator, draw: int, env: Env | None = None) -> dict[str, int]:
    """Concrete values for the dimension names; `draw` picks the regime, so consecutive
    draws of a statement cycle through all three. Sizes stay ≤ 6 (products ≤ 36) to keep
    evaluation fast and conditioning sane. With `env`, a `fullcolrank` name gets at least
    as many rows as columns and a `fullrowrank` one at least as many columns as rows
    (redrawn in the same regime until they do, a few times; the caller's hypotheses
    skip a draw that still does not)."""
    for _ in range(20):
        sizes = _draw_sizes(dims, rng, draw)
        if env is None or all(_rank_possible(info, sizes) for info in env.values()):
            break
    return sizes


def _rank_possible(info: VarInfo, sizes: Mapping[str, int]) -> bool:
    rows, cols = size_value(info.shape.rows, sizes), size_value(info.shape.cols, sizes)
    return ("fullcolrank" not in info.props or rows >= cols) and ("fullrowrank" not in info.props or rows <= cols)


def _draw_sizes(dims: Iterable[str], rng: np.random.Generator, draw: int) -> dict[str, int]:
    names = sorted(set(dims))  # sorted: set order depends on the process's hash seed
    k = len(names)
    regime = draw % 3
    if regime == 0:
        # All different and ≥ 2: every shape declared non-square really is non-square.
        pool = np.arange(2, 6 if k <= 4 else 7)
        picks = rng.choice(pool, size=k, replace=k > len(pool))
    elif regime == 1:
        # Some 1s: vectors become scalars, matrices become vectors; many wrong identities
        # only show there (and many true ones only hold because of the general case).
        picks = np.where(rng.random(k) < 0.5, 1, rng.integers(2, 5, size=k))
        if k and not (picks == 1).any():
            picks[rng.integers(k)] = 1
    else:
        picks = rng.integers(1, 6, size=k)
    return {name: int(p) for name, p in zip(names, picks)}


# ---------------------------------------------------------------------------
# Values and directions


def draw_values(
    env: Env, sizes: Mapping[str, int], rng: np.random.Generator, *, positive: bool = False,
    orientation: int | None = None,
) -> dict[str, Array]:
    """A 2-D float array for every declared name, honouring its properties.

    Matrices are built as U·diag(σ)·Vᵀ with orthonormal U, V and σ in [0.5, 2], so every
    draw has full rank and condition number ≤ 4 whatever its shape. A name declared
    `positive`, and with `positive` every name, has positive entries, and every square
    matrix then has a positive determinant (for `log`, `sqrt`, `logdet`, non-integer
    powers); orthogonal matrices cannot have positive entries and only get det = +1.
    Otherwise an orthogonal matrix has det = +1 for an even `orientation`, -1 for an odd
    one, and either at random without one (so that consecutive draws of a statement see
    both: `det(Q) = 1` is false).
    """
    return {
        name: _matrix(
            size_value(info.shape.rows, sizes),
            size_value(info.shape.cols, sizes),
            info.props,
            rng,
            positive or "positive" in info.props,
            orientation,
        )
        for name, info in env.items()
    }


def _matrix(r: int, c: int, props: frozenset[str], rng: np.random.Generator, positive: bool,
            orientation: int | None = None) -> Array:
    _room(r, c)
    if positive and "orthogonal" not in props:
        return _positive_matrix(r, c, props, rng)
    k = min(r, c)
    if "diagonal" in props:
        left, right = np.eye(r, k), np.eye(k, c)
    elif props & {"symmetric", "spd"}:
        left = _orthonormal(r, r, rng)
        right = left.T
    else:
        # The singular vectors of a Gaussian matrix are Haar-distributed: one SVD gives
        # both orthonormal factors (two QRs cost four times as much).
        left, _, right = np.linalg.svd(rng.standard_normal((r, c)), full_matrices=False)
    sigma = np.ones(k) if "orthogonal" in props else rng.uniform(0.5, 2.0, k)
    signs = np.ones(k) if "spd" in props else _signs(k, rng)
    want = 1 if positive else None if orientation is None or "orthogonal" not in props else (-1) ** orientation
    if want is not None and r == c and np.linalg.det(left @ right) * np.prod(signs) * want < 0:
        signs[0] = -signs[0]
    m = (left * (sigma * signs)) @ right
    # a symmetric property must hold exactly (Sᵀ = S is what the prover uses), not to rounding
    return (m + m.T) / 2 if props & {"symmetric", "spd"} else m


def _signs(k: int, rng: np.random.Generator) -> Array:
    """k random ±1 (as `rng.choice([-1, 1], k)`, at a tenth of its cost)."""
    return np.where(rng.random(k) < 0.5, -1.0, 1.0)


def _orthonormal(n: int, k: int, rng: np.random.Generator) -> Array:
    """n×k with orthonormal columns, Haar-distributed (QR with the signs of R fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((n, k)))
    return q * np.sign(np.diag(r))


def _positive_matrix(r: int, c: int, props: frozenset[str], rng: np.random.Generator) -> Array:
    if "diagonal" in props:
        return np.eye(r, c) * rng.uniform(0.5, 2.0, (r, c))
    a = rng.uniform(0.5, 2.0, (r, c))
    if r != c:
        return a
    # Off-diagonal row sums are < 2(r-1) < 2r, so adding 2r·I makes the matrix strictly
    # diagonally dominant with a positive diagonal: every eigenvalue has a positive real
    # part, hence det > 0, and symmetrising keeps that (spd). Dividing by r keeps it O(1).
    a = (a + 2 * r * np.eye(r)) / r
    return (a + a.T) / 2 if props & {"symmetric", "spd"} else a


def draw_directions(
    env: Env, values: Mapping[str, Array], names: Iterable[str], rng: np.random.Generator
) -> dict[str, Array]:
    """A direction `d(X)` for each name in `names`, tangent to what its properties say.

    Properties hold along the whole path, and the prover uses that (`Sᵀ = S` makes
    `d(S)ᵀ = d(S)` by congruence), so d(S) is symmetric for symmetric S, diagonal for
    diagonal D, and Q·K with K skew for orthogonal Q (from Qᵀ Q = I). Open properties
    (`invertible`, `positive`) hold near the point whatever the direction: no restriction.
    """
    return {name: _tangent(values[name], env[name].props, rng) for name in names}


def _tangent(m: Array, props: frozenset[str], rng: np.random.Generator) -> Array:
    g = rng.standard_normal(m.shape)
    if "orthogonal" in props:
        if "diagonal" in props:
            return np.zeros_like(m)  # diagonal orthogonal matrices (±1 entries) are isolated
        skew = (g - g.T) / 2
        # A symmetric orthogonal Q moves as e^{tK} Q e^{-tK}, which stays symmetric.
        return skew @ m - m @ skew if props & {"symmetric", "spd"} else m @ skew
    if "diagonal" in props:
        return g * np.eye(*m.shape)
    if props & {"symmetric", "spd"}:
        return (g + g.T) / 2
    return g


# ---------------------------------------------------------------------------
# Evaluation


def evaluate(
    e: S.Expr,
    values: Mapping[str, Array],
    sizes: Mapping[str, int],
    *,
    directions: Mapping[str, Array] | None = None,
) -> Array:
    """The value of an elaborated expression in the total semantics, always 2-D (real or
    complex, like `values`).

    `d(E)` differentiates along `directions` (a name without a direction is constant);
    `grad`, `jac` and `hess` differentiate with respect to their variable alone. Raises
    `DomainError` when a derivative is asked where a total convention applies or a value
    is too close to such a point to tell, ValueError on a tree that is not elaborated or
    whose shapes do not fit.
    """
    return evaluate_scaled(e, values, sizes, directions=directions)[0]


def evaluate_scaled(
    e: S.Expr,
    values: Mapping[str, Array],
    sizes: Mapping[str, int],
    *,
    directions: Mapping[str, Array] | None = None,
) -> Pair:
    """The value and its error scale (see the top of this module)."""
    return _traced(e, values, sizes, directions or {}, _Trace())


@dataclass
class _Trace:
    """What an evaluation shares across its nested evaluators: how deeply finite
    differences nested, and when the time is up."""

    difference_levels: int = 0
    probes: int = 0  # random directions along which a derivative claim was judged (`_projected`)
    deadline: float | None = None
    # Names whose drawn value has a property only up to rounding (orthogonal: Qᵀ Q = I to
    # within eps), with the scale that rounding is relative to; see `_floors`.
    floors: Mapping[str, float] = field(default_factory=dict)

    def tick(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise _OutOfTime


def _traced(
    e: S.Expr, values: Mapping[str, Array], sizes: Mapping[str, int], directions: Mapping[str, Array],
    trace: _Trace,
) -> Pair:
    with np.errstate(all="ignore"):
        return _Evaluator(values, sizes, directions, trace)(e)


def _mag(a: Array) -> Array:
    """|a| for real arrays; |Re a| + i|Im a| for complex ones (the magnitudes of a value
    and of its derivative part inside a complex step, kept apart)."""
    if np.iscomplexobj(a):
        return np.abs(a.real) + 1j * np.abs(a.imag)
    return np.abs(a)


class _Evaluator:
    def __init__(
        self,
        values: Mapping[str, Array],
        sizes: Mapping[str, int],
        directions: Mapping[str, Array],
        trace: _Trace,
        *,
        stepping: bool = False,
        level: int = 0,
    ) -> None:
        self.values = values
        self.sizes = sizes
        self.directions = directions
        self.trace = trace
        self.stepping = stepping  # inside a complex step
        self.level = level  # inside this many levels of finite differences
        self._scales: dict[str, Array] = {}

    def __call__(self, e: S.Expr) -> Pair:
        return self._node(e)

    def _convention(self, what: str) -> None:
        """A total convention applies here: a value, but no derivative (the function is
        not differentiable there, or is only by the convention's own reading)."""
        if self.stepping or self.level:
            raise DomainError(f"{what}: no derivative is evaluated where a total convention applies")

    def _node(self, e: S.Expr) -> Pair:
        match e:
            case S.Var(name):
                if name not in self._scales:
                    self._scales[name] = _mag(self.values[name]) + self.trace.floors.get(name, 0.0)
                return self.values[name], self._scales[name]
            # the most frequent nodes first (a match tries its cases in order)
            case S.Mul(a, b):
                (va, sa), (vb, sb) = self(a), self(b)
                return _product(va, vb), _product(sa, sb)
            case S.Call(fn, (a,)) if fn in _FUNCTIONS:
                return _FUNCTIONS[fn](self, *self(a))
            case S.Num(value):
                try:
                    x = np.array([[float(value)]])
                except OverflowError:
                    raise DomainError("a numeral is beyond floating point") from None
                return x, np.abs(x)
            case S.Identity(size):
                x = np.eye(*_room_for(self._dim(size), self._dim(size)))
                return x, x
            case S.SizeOf(size):  # a size as a number: its drawn value
                x = np.array([[float(self._dim(size))]])
                return x, x
            case S.SizePower(a, k):
                (v, s), (kv, _) = self(a), self(k)
                _scalar(v, "^")
                return self._power(v, s, Fraction(int(round(kv.real[0, 0]))))
            case S.Ones(rows, cols):
                x = np.ones(_room_for(self._dim(rows), self._dim(cols) if cols else 1))
                return x, x
            case S.Zeros(rows, cols):
                x = np.zeros(_room_for(self._dim(rows), self._dim(cols) if cols else 1))
                return x, x
            case S.Neg(a):
                v, s = self(a)
                return -v, s
            case S.Transpose(a):
                v, s = self(a)
                return v.T, s.T
            case S.Inverse(a):
                return self._inverse(*self(a))
            case S.Power(a, p):
                return self._power(*self(a), p)
            case S.Add(a, b):
                (va, sa), (vb, sb) = self(a), self(b)
                _same_shape(va, vb, "+")
                return va + vb, sa + sb
            case S.Sub(a, b):
                (va, sa), (vb, sb) = self(a), self(b)
                _same_shape(va, vb, "-")
                return va - vb, sa + sb
            case S.Hadamard(a, b):
                (va, sa), (vb, sb) = self(a), self(b)
                _same_shape(va, vb, "⊙")
                return va * vb, sa * sb
            case S.HadamardDiv(a, b):
                (va, sa), (vb, sb) = self(a), self(b)
                _same_shape(va, vb, "⊘")
                u, su = self._reciprocal(vb, sb, "⊘")
                return va * u, sa * su
            case S.Kron(a, b):
                (va, sa), (vb, sb) = self(a), self(b)
                _room(va.shape[0] * vb.shape[0], va.shape[1] * vb.shape[1])
                return np.kron(va, vb), np.kron(sa, sb)
            case S.Div(a, b):
                (va, sa), (vb, sb) = self(a), self(b)
                _scalar(vb, "/")
                u, su = self._reciprocal(vb, sb, "/")
                return va * u[0, 0], sa * su[0, 0]
            case S.Frob(a, b):
                (va, sa), (vb, sb) = self(a), self(b)
                _same_shape(va, vb, ":")
                return _one(np.sum(va * vb)), _one(np.sum(sa * sb))
            case S.Call("d", (a,)):
                return self._along(a, self.directions)
            case S.Call("grad", (f, S.Var(x))):
                return self._grad(f, x)
            case S.Call("symgrad", (f, S.Var(x))):  # (∇f + ∇fᵀ) / 2
                g, s = self._grad(f, x)
                return (g + g.T) / 2, (s + s.T) / 2
            case S.Call("jac", (y, S.Var(x))):
                return self._jac(y, x)
            case S.Call("jac", (y, S.Call("vec", (S.Var(x),)))):
                return self._jac(y, x, vectorised=True)
            case S.Call("hess", (f, S.Var(x))):  # jac(vec(∇f), vec(X)); for a column x, jac(∇f, x)
                return self._jac(S.Call("vec", (S.Call("grad", (f, S.Var(x))),)), x, vectorised=True)
        raise ValueError(f"cannot evaluate {e!r}")

    def _dim(self, d: S.Dim | None) -> int:
        if d is None:
            raise ValueError("cannot evaluate `I` without a size: elaborate the tree first")
        return math.prod(self.sizes[f] if isinstance(f, str) else f for f in d.factors)

    # -- partial operations, made total ----------------------------------------------

    def _reciprocal(self, v: Array, s: Array, what: str) -> Pair:
        """1/v entrywise, with 1/0 = 0."""
        zero = _zero_entries(v, s, what)
        if zero.any():
            self._convention(f"a division by 0 in {what}")
            u = np.where(zero, 0, 1 / np.where(zero, 1, v))
        else:
            u = 1 / v
        return u, _mag(u) + _mag(u * u) * s  # 0 where u is the convention's 0

    def _inverse(self, v: Array, s: Array) -> Pair:
        """The inverse, 0 for a singular matrix (1/s for 1×1, 1/0 = 0)."""
        _square(v, "inverse")
        if v.shape == (1, 1):
            return self._reciprocal(v, s, "an inverse")
        if not v.size:
            return v, s
        # |x| S |x| is the first-order effect of the argument's errors entry by entry; the
        # inversion itself (SVD, LU) is only normwise stable, so every entry also gets its
        # normwise error ‖x‖₂² ‖S‖ (an entry that is 0 in exact arithmetic comes out as
        # ±1e-16 of the matrix, whatever the entries around it). ‖x‖₂ = 1/σ_min; inside a
        # complex step the Frobenius norms of value and derivative parts stand in for it.
        if np.iscomplexobj(v):
            if _singularity(v, s) <= ZERO:
                self._convention("the inverse of a singular matrix")
            x = np.linalg.inv(v)  # analytic, as the complex step needs
            m = _mag(x)
            return x, m @ s @ m + _fro(m) ** 2 * _fro(s) * np.ones_like(s)
        u, sigma, vt = _svd(v)
        rho = _rho(sigma, s)
        if rho <= ZERO:
            self._convention("the inverse of a singular matrix")
            return np.zeros_like(v), np.zeros_like(s)
        if rho < CLEAR:
            raise Undecidable(_NEAR_SINGULAR)
        x = (vt.T / sigma) @ u.T
        m = np.abs(x)
        return x, m @ s @ m + _fro(s) / sigma[-1] ** 2

    def _pinv(self, v: Array, s: Array) -> Pair:
        """The Moore–Penrose pseudo-inverse (numpy's `pinv`), singular values that are 0 up
        to rounding dropped. Inside a complex step only where the rank is full, by the
        analytic (Aᵀ A)⁻¹ Aᵀ or Aᵀ (A Aᵀ)⁻¹: elsewhere the rank can drop nearby."""
        if v.shape == (1, 1):
            return self._reciprocal(v, s, "pinv")
        if not v.size:
            return v.T, s.T
        scale = float(np.sqrt(np.sum(s.real**2)))
        try:
            u, sigma, vt = np.linalg.svd(v.real, full_matrices=False)
        except np.linalg.LinAlgError as err:
            raise DomainError(f"no singular values ({err})") from err
        kept = sigma > ZERO * scale
        if ((sigma > ZERO * scale) & (sigma < CLEAR * scale)).any():
            raise Undecidable("a singular value under pinv is too close to 0 to tell the rank")
        if not kept.all():
            self._convention("the pseudo-inverse of a rank-deficient matrix")
        if np.iscomplexobj(v):
            r, c = v.shape
            x = np.linalg.inv(v.T @ v) @ v.T if r >= c else v.T @ np.linalg.inv(v @ v.T)
        else:
            x = (vt[kept].T / sigma[kept]) @ u[:, kept].T
        m = _mag(x)
        low = float(sigma[kept][-1]) if kept.any() else 1.0
        return x, m @ s @ m + _fro(s) / low**2 * np.ones_like(x.real)

    def _power(self, v: Array, s: Array, p: Fraction) -> Pair:
        if p.denominator != 1:
            if v.shape != (1, 1):
                raise ValueError(f"a matrix power needs an integer exponent, got {p}")
            return self._root(v, s, p, "a non-integer power")
        k = int(p)
        if k < 0:
            v, s = self._inverse(v, s)  # (1/s)^k, so 0 at s = 0; (A⁻¹)^k, so 0 for singular A
            k = -k
        if v.shape == (1, 1):
            return v**k, s**k
        _square(v, "a matrix power")
        return np.linalg.matrix_power(v, k), np.linalg.matrix_power(s, k)

    def _root(self, v: Array, s: Array, q: Fraction | float, what: str) -> Pair:
        """v^q entrywise for a non-integer q (sqrt: q = 1/2), 0 for entries ≤ 0."""
        m, sc = v.real, s.real
        zero = np.abs(m) <= ZERO * sc
        positive = ~zero & (m >= CLEAR * sc)
        negative = ~zero & (m <= -CLEAR * sc)
        if not (zero | positive | negative).all():
            raise Undecidable(f"an entry under {what} is too close to 0 to tell its sign")
        q = float(q)
        if positive.all():
            r = v**q
            return r, _mag(r) + _mag(q * r / v) * s
        self._convention(f"{what} of an entry ≤ 0")
        safe = np.where(positive, v, 1)
        r = np.where(positive, safe**q, 0)
        return r, np.where(positive, _mag(r) + _mag(q * r / safe) * s, 0)

    def _log(self, v: Array, s: Array) -> Pair:
        """log|v| entrywise, log 0 = 0 (analytic near every entry ≠ 0, for complex steps)."""
        zero = _zero_entries(v, s, "log")
        if zero.any():
            self._convention("the log of 0")
        safe = np.where(zero, 1, np.where(v.real < 0, -v, v))
        r = np.where(zero, 0, np.log(safe))
        return r, np.where(zero, 0, _mag(r) + _mag(1 / safe) * s)

    def _det(self, v: Array, s: Array) -> Pair:
        _square(v, "det")
        d = np.linalg.det(v)
        # δ det = cof : δv; normwise (‖cof‖ ‖S‖), as LU's rounding is (fill-in perturbs
        # the entries that are 0 as well)
        return _one(d), _one(_mag(d) + _fro(_mag(self._cofactors(v, s))) * _fro(s))

    def _cofactors(self, v: Array, s: Array) -> Array:
        """The cofactor matrix (δ det = cof : δv), analytic for complex steps."""
        n = v.shape[0]
        if n == 1:
            return np.ones_like(v)
        if n == 2:
            return np.array([[v[1, 1], -v[1, 0]], [-v[0, 1], v[0, 0]]])
        if n == 3:
            r0, r1, r2 = v
            return np.array([np.cross(r1, r2), np.cross(r2, r0), np.cross(r0, r1)])
        if _singularity(v, s) >= CLEAR:
            return np.linalg.det(v) * np.linalg.inv(v).T
        if n > MAX_MINORS:
            raise Undecidable(f"the determinant of a nearly singular {n}×{n} matrix is not evaluated")
        keep = [np.arange(n) != i for i in range(n)]
        return np.array([[(-1) ** (i + j) * np.linalg.det(v[keep[i]][:, keep[j]]) for j in range(n)]
                         for i in range(n)])

    def _logdet(self, v: Array, s: Array) -> Pair:
        """log|det v|, 0 for a singular v."""
        _square(v, "logdet")
        rho = _singularity(v, s)
        if rho <= ZERO:
            self._convention("the logdet of a singular matrix")
            return np.zeros((1, 1)), np.zeros((1, 1))
        if rho < CLEAR:
            raise Undecidable(_NEAR_SINGULAR)
        # slogdet keeps a complex step's tiny phase exactly: log det = log(sign) + log|det|;
        # dividing the sign by ±1 makes it log|det| for either sign of the determinant.
        sign, log_abs = np.linalg.slogdet(v)
        r = np.log(sign / (1.0 if sign.real > 0 else -1.0)) + log_abs
        return _one(r), _one(_mag(r) + _fro(_mag(np.linalg.inv(v))) * _fro(s))  # δ = tr(v⁻¹ δv)

    def _norm(self, v: Array, s: Array) -> Pair:
        """sqrt(v : v), with the scale ‖S‖ (|δ‖v‖| ≤ ‖δv‖)."""
        n = np.sqrt(np.sum(v * v))
        if not np.iscomplexobj(v):
            return _one(n), _one(np.sqrt(np.sum(s * s)))
        s0 = float(np.sqrt(np.sum(s.real**2)))
        if abs(n.real) <= ZERO * s0:
            self._convention("the norm at 0")
        # derivative part: (v : v')/‖v‖, whose rounding is ≤ ‖S'‖ + 2‖S‖‖v'‖/‖v‖
        s1 = float(np.sqrt(np.sum(s.imag**2))) + 2 * s0 * float(np.sqrt(np.sum(v.imag**2))) / abs(n.real)
        return _one(n), _one(s0 + 1j * s1)

    # -- derivatives -------------------------------------------------------------------

    def _along(self, e: S.Expr, along: Mapping[str, Array]) -> Pair:
        """d/dt of e at values + t·along, t = 0; `d`s inside e keep using self.directions,
        so `d(d(E))` is the second derivative along the same directions."""
        self.trace.tick()
        # Steps are relative to the direction's largest entry, so h·along stays h-sized.
        reach = max([1.0] + [float(np.abs(v).max()) for v in along.values() if v.size])
        if not _has_derivative(e) and all(np.isrealobj(v) for v in self.values.values()):
            # Every operation evaluated here is analytic, so the complex step applies. Not
            # through a nested derivative (it takes imaginary parts, which are not
            # analytic), nor on complex values (another step is already in flight).
            h = COMPLEX_STEP / reach
            v, s = self._shifted(along, 1j * h, stepping=True, level=self.level)(e)
            return v.imag / h, s.imag / h
        h = DIFFERENCE_STEP / reach
        level = self.level + 1
        if level > MAX_DIFFERENCE_LEVELS:
            raise DomainError(f"derivatives nested more than {MAX_DIFFERENCE_LEVELS} deep are not evaluated")
        self.trace.difference_levels = max(self.trace.difference_levels, level)

        def f(t: float) -> Pair:
            self.trace.tick()
            return self._shifted(along, t, stepping=False, level=level)(e)

        (a, sa), (b, sb), (c, sc), (d, sd) = f(h), f(-h), f(2 * h), f(-2 * h)
        value = (8 * (a - b) - (c - d)) / (12 * h)
        return value, reach * (8 * (sa + sb) + (sc + sd)) / 12

    def _shifted(self, along: Mapping[str, Array], t: complex, *, stepping: bool, level: int) -> "_Evaluator":
        values = {k: v + t * along[k] if k in along else v for k, v in self.values.items()}
        return _Evaluator(values, self.sizes, self.directions, self.trace, stepping=stepping, level=level)

    def _grad(self, f: S.Expr, x: str) -> Pair:
        shape = self.values[x].shape
        entries = [self._along(f, {x: _unit(shape, index)}) for index in np.ndindex(shape)]
        if entries[0][0].shape != (1, 1):
            raise ValueError(f"grad needs a scalar, got a {entries[0][0].shape} expression")
        return (np.array([v[0, 0] for v, _ in entries]).reshape(shape),
                np.array([s[0, 0] for _, s in entries]).reshape(shape))

    def _jac(self, y: S.Expr, x: str, vectorised: bool = False) -> Pair:
        """Columns are derivatives along each entry of x, or of vec(X) (column-major)."""
        shape = self.values[x].shape
        if shape[1] != 1 and not vectorised:
            raise ValueError(f"jac differentiates with respect to a vector, {x} is {shape}")
        entries = [(i, j) for j in range(shape[1]) for i in range(shape[0])]
        columns = [self._along(y, {x: _unit(shape, index)}) for index in entries]
        if columns[0][0].shape[1] != 1:
            raise ValueError(f"jac needs a vector, got a {columns[0][0].shape} expression")
        return np.hstack([v for v, _ in columns]), np.hstack([s for _, s in columns])


_NEAR_SINGULAR = "a matrix is too close to singular to tell (condition number between 1e6 and 1e12)"


@lru_cache(maxsize=4096)  # asked at every directional derivative, of the same few terms
def _has_derivative(e: S.Expr) -> bool:
    return any(isinstance(s, S.Call) and s.fn in ("d", *S.DERIVATIVES) for _, s in S.subterms(e))


def _unit(shape: tuple[int, ...], index: tuple[int, ...]) -> Array:
    u = np.zeros(shape)
    u[index] = 1.0
    return u


# ---------------------------------------------------------------------------
# Operations: shape checks where numpy would silently broadcast; zero tests on the scale


def _same_shape(a: Array, b: Array, op: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"operands of {op} have shapes {a.shape} and {b.shape}")


def _square(a: Array, op: str) -> Array:
    if a.shape[0] != a.shape[1]:
        raise ValueError(f"{op} needs a square matrix, got {a.shape}")
    return a


def _scalar(a: Array, op: str) -> complex:
    if a.shape != (1, 1):
        raise ValueError(f"{op} needs a scalar, got {a.shape}")
    return a[0, 0]


def _product(a: Array, b: Array) -> Array:
    """The matrix product, or scaling when an operand is 1×1 (the two agree where both apply)."""
    _room(a.shape[0], b.shape[1])
    if a.shape[1] == b.shape[0]:
        return a @ b
    if a.shape == (1, 1):
        return a[0, 0] * b
    if b.shape == (1, 1):
        return a * b[0, 0]
    raise ValueError(f"cannot multiply {a.shape} by {b.shape}")


def _one(value: complex) -> Array:
    return np.array([[value]])


def _fro(m: Array) -> complex:
    """‖Re m‖_F + i‖Im m‖_F: a norm of the value part and one of the derivative part (for
    a real m, ‖m‖_F), so that products of such norms are dual-number bounds as well."""
    if np.iscomplexobj(m):
        return float(np.sqrt(np.sum(m.real**2))) + 1j * float(np.sqrt(np.sum(m.imag**2)))
    return float(np.sqrt(np.sum(m**2)))


def _zero_entries(v: Array, s: Array, what: str) -> Array:
    """Which entries are 0 (up to their rounding); raises `Undecidable` if some entry is
    neither clearly 0 nor clearly not."""
    m, sc = np.abs(v.real), s.real
    zero = m <= ZERO * sc
    if not (zero | (m >= CLEAR * sc)).all():
        raise Undecidable(f"an entry under {what} is too close to 0 to tell")
    return zero


def _svd(v: Array) -> tuple[Array, Array, Array]:
    try:
        return np.linalg.svd(v)
    except np.linalg.LinAlgError as err:  # not finite
        raise DomainError(f"no singular values ({err})") from err


def _rho(sigma: Array, s: Array) -> float:
    """How far from singular: σ_min relative to the matrix's error scale (≤ 1/cond)."""
    scale = float(np.sqrt(np.sum(s.real**2)))
    return float(sigma[-1]) / scale if scale > 0 else 0.0


def _singularity(v: Array, s: Array) -> float:
    if not v.size:
        return 1.0
    try:
        sigma = np.linalg.svd(v.real, compute_uv=False)
    except np.linalg.LinAlgError as err:
        raise DomainError(f"no singular values ({err})") from err
    return _rho(sigma, s)


def _diag(x: Array) -> Array:
    """np.diag: a vector's diagonal matrix, a square matrix's diagonal as a column."""
    if x.shape[1] == 1:
        return np.diag(x[:, 0])
    if x.shape[0] != x.shape[1]:
        raise ValueError(f"diag needs a vector or a square matrix, got {x.shape}")
    return np.diag(x).reshape(-1, 1)


def _exp(ev: _Evaluator, v: Array, s: Array) -> Pair:
    r = np.exp(v)
    return r, _mag(r) * (1 + s)


def _sigmoid(ev: _Evaluator, v: Array, s: Array) -> Pair:
    r = 1 / (1 + np.exp(-v))
    return r, _mag(r) + _mag(r * (1 - r)) * s


def _tanh(ev: _Evaluator, v: Array, s: Array) -> Pair:
    r = np.tanh(v)
    return r, _mag(r) + _mag(1 - r * r) * s


def _kinks(ev: _Evaluator, v: Array, s: Array, what: str) -> Array:
    """The zero entries, where abs, sign, relu and step have their kink or jump: a value
    there by the convention, but no derivative (derivative claims are checked away from them)."""
    zero = _zero_entries(v, s, what)
    if zero.any():
        ev._convention(f"{what} at 0")
    return zero


def _abs(ev: _Evaluator, v: Array, s: Array) -> Pair:
    zero = _kinks(ev, v, s, "abs")
    return np.where(zero, 0.0, v * np.sign(v.real)), s  # ±v: analytic away from 0, for complex steps


def _sign(ev: _Evaluator, v: Array, s: Array) -> Pair:
    r = np.where(_kinks(ev, v, s, "sign"), 0.0, np.sign(v.real))  # sign(0) = 0
    return r, np.abs(r)


def _relu(ev: _Evaluator, v: Array, s: Array) -> Pair:
    off = _kinks(ev, v, s, "relu") | (v.real < 0)
    return np.where(off, 0.0, v), np.where(off, 0.0, s)


def _step(ev: _Evaluator, v: Array, s: Array) -> Pair:
    r = np.where(_kinks(ev, v, s, "step") | (v.real < 0), 0.0, 1.0)  # step(0) = 0; its derivative part is 0
    return r, r


def _trace(ev: _Evaluator, v: Array, s: Array) -> Pair:
    _square(v, "tr")
    return _one(np.trace(v)), _one(np.trace(s))


_FUNCTIONS: dict[str, Callable[..., Pair]] = {
    "tr": _trace,
    "det": _Evaluator._det,
    "logdet": _Evaluator._logdet,
    "norm": _Evaluator._norm,
    # The analytic forms (no abs, no conjugate) keep the complex step valid.
    "norm2": lambda ev, v, s: (_one(np.sum(v * v)), _one(np.sum(s * s))),
    "sum": lambda ev, v, s: (_one(np.sum(v)), _one(np.sum(s))),
    "diag": lambda ev, v, s: (_diag(v), _diag(s)),
    "vec": lambda ev, v, s: (v.reshape(-1, 1, order="F"), s.reshape(-1, 1, order="F")),
    "exp": _exp,
    "log": _Evaluator._log,
    "sqrt": lambda ev, v, s: ev._root(v, s, 0.5, "sqrt"),
    "sigmoid": _sigmoid,
    "tanh": _tanh,
    "abs": _abs,
    "sign": _sign,
    "relu": _relu,
    "step": _step,
    "pinv": _Evaluator._pinv,
}


# ---------------------------------------------------------------------------
# Conditions: does a (word, term) hypothesis hold at a draw?

# Words that say nothing about a value (the search's steering, smoothness, constancy).
NOT_NUMERIC = frozenset({"smooth", "const", "differential", "nondifferential"})


def holds(word: str, v: Array, s: Array) -> bool:
    """Whether `word` clearly holds of a value with error scale `s`: a draw where it does
    not, or cannot be told, is skipped (the statement or rule says nothing there)."""
    rows, cols = v.shape
    v, s = v.real, s.real
    if word in NOT_NUMERIC:
        return True
    if word == "square":
        return rows == cols
    if word == "scalar":
        return (rows, cols) == (1, 1)
    if word == "nonscalar":
        return (rows, cols) != (1, 1)
    if word == "vector":
        return cols == 1
    if word == "row":
        return rows == 1
    if word == "nonzero":
        return bool((np.abs(v) >= CLEAR * s).all()) and bool((np.abs(v) > 0).all())
    if word == "positive":
        return bool((v >= CLEAR * s).all()) and bool((v > 0).all())
    if word == "zero":
        return bool((np.abs(v) <= EXACT_TOLERANCE * s).all())
    if word == "diagonal":
        off = ~np.eye(rows, cols, dtype=bool)
        return bool((np.abs(v[off]) <= EXACT_TOLERANCE * s[off]).all())
    if word in ("fullcolrank", "fullrowrank"):
        return (rows >= cols if word == "fullcolrank" else rows <= cols) and _singularity(v, s) >= CLEAR
    if rows != cols:
        return False
    if word == "invertible":
        if (rows, cols) == (1, 1):
            return abs(v[0, 0]) >= CLEAR * s[0, 0] and v[0, 0] != 0
        return _singularity(v, s) >= CLEAR
    symmetric = bool((np.abs(v - v.T) <= EXACT_TOLERANCE * (s + s.T)).all())
    if word == "symmetric":
        return symmetric
    if word == "spd":
        lowest = float(np.linalg.eigvalsh((v + v.T) / 2).min())
        return symmetric and lowest > 0 and lowest >= CLEAR * float(np.sqrt(np.sum(s**2)))
    if word == "orthogonal":
        return bool((np.abs(v.T @ v - np.eye(rows)) <= EXACT_TOLERANCE * (s.T @ s + np.eye(rows))).all())
    raise ValueError(f"unknown condition word '{word}'")


def _floors(env: Env) -> dict[str, float]:
    """Leaf scales beyond |v| for drawn values whose declared property holds only up to
    rounding. A symmetric draw is symmetrised exactly, a diagonal or positive one is exact,
    but an orthogonal one is a product of orthonormal factors: Qᵀ Q = I to within eps of 1
    (its entries' bound), also where Q's own entry is tiny (Q = ±I up to rounding, say)."""
    return {name: 1.0 for name, info in env.items() if "orthogonal" in info.props}


def _failed(
    hypotheses: Iterable[tuple[str, S.Expr]], values: Mapping[str, Array], sizes: Mapping[str, int],
    directions: Mapping[str, Array], trace: _Trace,
) -> str:
    """The first hypothesis that does not clearly hold at the draw, as a reason ("" if all do)."""
    for word, term in hypotheses:
        if word in NOT_NUMERIC:
            continue
        try:
            v, s = _traced(term, values, sizes, directions, trace)
        except DomainError as err:
            return f"cannot tell whether {show(term)} is {word} ({err})"
        if not (np.isfinite(v).all() and np.isfinite(s).all()) or not holds(word, v, s):
            return f"{show(term)} is not {word} at the draw"
    return ""


# ---------------------------------------------------------------------------
# Comparison


@dataclass(frozen=True, eq=False)
class Counterexample:
    """One evaluated draw; a counterexample when `rel_diff > tolerance`.

    `seed` reproduces it: `compare(lhs, rhs, env, seed=seed, draws=1)` draws the same
    sizes, values and directions. A degenerate point of a rule's validation says which
    (`point`) instead.
    """

    sizes: dict[str, int]
    seed: int
    rel_diff: float
    tolerance: float
    lhs: Array
    rhs: Array
    values: dict[str, Array]
    directions: dict[str, Array]
    point: str = ""
    entry: tuple[int, int] = (0, 0)  # where the relative difference is largest

    def describe(self) -> str:
        sizes = ", ".join(f"{k}={v}" for k, v in self.sizes.items()) or "none"
        i, j = self.entry
        where = "" if self.lhs.shape == (1, 1) else (
            f" at entry ({i + 1}, {j + 1}): {self.lhs[i, j].real:.6g} on the left, "
            f"{self.rhs[i, j].real:.6g} on the right")
        return "\n".join(
            ([f"at the degenerate point {self.point}"] if self.point else [])
            + [
                f"sizes {sizes}; seed {self.seed}",
                f"largest relative difference {self.rel_diff:.3g}{where} (tolerance {self.tolerance:.0e})",
                f"left side  {_show(self.lhs)}",
                f"right side {_show(self.rhs)}",
            ]
        )


def _show(a: Array) -> str:
    """Entries to 4 significant digits (so 1e-9 x shows as 1e-09, not 0); round-off below
    1e-12 of the largest entry shows as 0."""
    if a.size > 16:
        return f"({a.shape[0]}×{a.shape[1]}, not shown)"
    a = a.real
    top = float(np.abs(a).max()) if a.size else 0.0
    a = np.where(np.abs(a) <= 1e-12 * top, 0.0, a)
    if a.shape == (1, 1):
        return f"{a[0, 0]:.6g}"
    text = np.array2string(a[:, 0] if a.shape[1] == 1 else a, formatter={"float_kind": lambda v: f"{v:.4g}"})
    return text.replace("\n", "") + ("ᵀ" if a.shape[1] == 1 else "")


@dataclass(frozen=True)
class Verdict:
    """`agrees` is None when no draw could be evaluated or the time ran out, and `reason`
    says why; `draws` counts the draws evaluated (up to and including a counterexample)."""

    agrees: bool | None
    counterexample: Counterexample | None
    max_rel_diff: float
    draws: int
    reason: str = ""


def compare(
    lhs: S.Expr,
    rhs: S.Expr,
    env: Env,
    *,
    seed: int = 0,
    draws: int = 6,
    directions_for: Iterable[str] | None = None,
    hypotheses: Iterable[tuple[str, S.Expr]] = (),
    seconds: float | None = None,
) -> Verdict:
    """Compare two elaborated sides on `draws` random draws, seeds `seed`, `seed + 1`, ….

    Each draw has fresh sizes, values and directions (for every name not declared
    `const`, or exactly the names in `directions_for`). A draw where a hypothesis (a
    (word, term) pair, as `kernel.assumptions` gives them) does not clearly hold, or where
    a side cannot be evaluated, is redrawn with positive values; a draw that still fails,
    or whose sides are not finite, is skipped, never counted as a disagreement. Stops at
    the first counterexample, or when `seconds` have passed (then `agrees` is None).
    """
    env, dims = _drawn(env, lhs, rhs)
    if directions_for is None:
        varying = tuple(name for name, info in env.items() if "const" not in info.props)
    else:
        varying = tuple(directions_for)
    varying = tuple(name for name in varying if name in env)
    # a declared `positive` is drawn so, but an impossible combination (positive and
    # orthogonal) must not be evaluated as if it held
    hypotheses = tuple(hypotheses) + tuple(("positive", S.Var(n)) for n, i in env.items() if "positive" in i.props)
    trace = _Trace(deadline=None if seconds is None else time.monotonic() + seconds, floors=_floors(env))
    worst, evaluated, reason = 0.0, 0, "no draws were requested"
    try:
        for draw_seed in range(seed, seed + draws):
            trace.tick()
            sample = _sample(lhs, rhs, env, dims, varying, draw_seed, hypotheses, trace)
            if isinstance(sample, str):
                reason = sample
                continue
            evaluated += 1
            worst = max(worst, sample.rel_diff)
            if sample.rel_diff > sample.tolerance:
                return Verdict(False, sample, worst, evaluated)
    except _OutOfTime:
        return Verdict(None, None, worst if evaluated else math.nan, evaluated,
                       f"the numeric check ran out of time ({seconds:g} s)")
    if not evaluated:
        return Verdict(None, None, math.nan, 0, f"no draw could be evaluated: {reason}")
    return Verdict(True, None, worst, evaluated)


def _sample(
    lhs: S.Expr, rhs: S.Expr, env: Env, dims: frozenset[str], varying: tuple[str, ...], seed: int,
    hypotheses: tuple[tuple[str, S.Expr], ...], trace: _Trace,
) -> Counterexample | str:
    """Evaluate one draw, or say why it could not be."""
    rng = _rng(seed)
    sizes = draw_sizes(dims, rng, seed, env)
    reason = ""
    for positive in (False, True):
        try:
            values = draw_values(env, sizes, rng, positive=positive, orientation=seed // 3)
        except DomainError as err:
            return str(err)
        attempt: dict[str, Array] | None = values
        while attempt is not None:
            directions = draw_directions(env, attempt, varying, rng)
            judged = _judge(lhs, rhs, attempt, sizes, directions, hypotheses, trace, seed)
            if isinstance(judged, Counterexample):
                return judged
            reason = judged
            # solved for an affine hypothesis only when the plain draw did not do
            attempt = _solved_for(hypotheses, values, sizes, env, rng) if attempt is values else None
    return f"{reason} (also with positive draws)"


def _solved_for(
    hypotheses: Iterable[tuple[str, S.Expr]], values: dict[str, Array], sizes: Mapping[str, int], env: Env,
    rng: np.random.Generator,
) -> dict[str, Array] | None:
    """The draw with a free name solved for from a hypothesis `v - T positive` (or
    `v + T`, `T + v`): v := T + a positive draw, so that `b - A x > 0` holds for the log
    barrier of a linear program, which random draws almost never meet. Only a name with no
    declared property, not occurring in T and not solved for already, is changed; None if
    no hypothesis is of that form. The hypotheses are still checked on the result."""
    out, solved = dict(values), set()
    for word, term in hypotheses:
        if word != "positive" or not isinstance(term, (S.Add, S.Sub)):
            continue
        for v, rest, sign in ((term.left, term.right, -1 if isinstance(term, S.Sub) else 1),
                              *(((term.right, term.left, 1),) if isinstance(term, S.Add) else ())):
            if not isinstance(v, S.Var) or v.name not in env or env[v.name].props or v.name in solved \
                    or any(isinstance(t, S.Var) and t.name in solved | {v.name} for _, t in S.subterms(rest)):
                continue
            try:
                t = evaluate(rest, out, sizes)
            except (DomainError, ValueError):
                continue
            if t.shape != out[v.name].shape:
                continue
            # v + sign·T > 0 with v = -sign·T + p, p > 0
            out[v.name] = -sign * t + (0.5 + rng.random(t.shape))
            solved.add(v.name)
            break
    return out if solved else None


def _judge(
    lhs: S.Expr, rhs: S.Expr, values: dict[str, Array], sizes: dict[str, int], directions: dict[str, Array],
    hypotheses: Iterable[tuple[str, S.Expr]], trace: _Trace, seed: int, point: str = "",
) -> Counterexample | str:
    """Both sides at one point where the hypotheses hold, compared on their scales; or why not."""
    failed = _failed(hypotheses, values, sizes, directions, _Trace(deadline=trace.deadline, floors=trace.floors))
    if failed:
        return failed
    projected = _projected(lhs, rhs, values, sizes, directions, trace, seed, point)
    if projected is not None:
        return projected
    trace.difference_levels = 0
    try:
        left, left_scale = _traced(lhs, values, sizes, directions, trace)
        right, right_scale = _traced(rhs, values, sizes, directions, trace)
    except DomainError as err:
        return str(err)
    if not all(np.isfinite(a).all() for a in (left, right, left_scale, right_scale)):
        return "a side is not finite"
    if left.shape != right.shape:
        raise ValueError(f"the sides have shapes {left.shape} and {right.shape} at sizes {sizes}")
    diff = np.abs(left - right)
    scale = np.abs(left_scale) + np.abs(right_scale)
    # scale ≥ |left| + |right| ≥ diff wherever no finite difference was taken
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(diff > UNDERFLOW, diff / scale, 0.0)
    entry = np.unravel_index(int(np.argmax(rel)), rel.shape) if rel.size else (0, 0)
    rel_diff = float(rel[entry]) if rel.size else 0.0
    return Counterexample(sizes, seed, rel_diff, tolerance(trace.difference_levels), left.real, right.real,
                          values, directions, point, (int(entry[0]), int(entry[1])))


# ---------------------------------------------------------------------------
# Derivative claims along random directions
#
# A side that is a derivative at the top — grad(f, X), symgrad(f, X), jac(y, x), jac(y, vec(X)),
# hess(f, X) — is a linear map of the direction (bilinear for hess): entrywise it takes one
# evaluation of f per entry of X (and hess, through finite differences of the gradient,
# 4·(rc)² of them). Along a random direction V the claim `D = R` says D[V] = R[V]: one
# directional derivative against a projection of the other side, ⟨R, V⟩ for a gradient,
# R vec(V) for a Jacobian, vec(U)ᵀ R vec(V) for a Hessian. This only ever says that a draw
# agrees: where a probe differs, or cannot tell, the draw is evaluated entry by entry as
# before, so a counterexample, its entry and its message are the entrywise ones.
#
# Why a probe that agrees is as good as the entrywise comparison. Let Δ = D − R, and T =
# tol·(the smallest nonzero scale of R). If an entry where R has a nonzero scale disagrees,
# |Δ_e| > tol·(S_L,e + S_R,e) ≥ tol·S_R,e ≥ T. A probe agrees when |Δ[V] + ν| ≤ T, ν its
# rounding, |ν| ≤ N = PROBE_NOISE·tol·(scale of D[V] + scale of R[V]), and is used only when
# N ≤ T/2, so it agrees only if |Δ[V]| ≤ 1.5 T. The entries of V are a random sign times a
# uniform number in [1, 2]: given the others, Δ[V] = V_e Δ_e + r is within 1.5 T of 0 for V_e
# in an interval of length 3T/|Δ_e|, which has probability ≤ min(1/2, 1.5 T/|Δ_e|) (density
# ≤ 1/2, and an interval shorter than 2 meets only one of ±[1, 2]). For the bilinear probe of
# a Hessian, conditioning twice gives ≤ 2·sqrt(1.5 T/|Δ_e|). A false claim differs by 1e-3 to
# 1 of its scale, so |Δ_e| ≥ 1e5 T: a probe misses it with probability ≤ 1.5e-5 (1e-2 for a
# Hessian), and PROBES of them must all miss, on every draw. A wrong entry next to large
# right ones is no different: T is set by the smallest scale of R and the entry's difference
# is measured against it; only N grows with the sum, and when N > T/2 the draw goes entrywise.
# The one difference from the entrywise comparison: where R is exactly 0 (scale 0: the
# zeros of I ⊗ A, of a diagonal), the entrywise test asks the derivative's entry to be 0 up
# to its own rounding, a probe up to 1.5 T, 1e-8 of R's smallest nonzero scale; a derivative
# of the O(1) values drawn that is nonzero there is not that small. An R that is 0
# everywhere is judged entry by entry.
PROBES = 2
PROBE_NOISE = 1e-5  # rounding of a probe, relative to its scale, in units of the tolerance:
# measured rounding stays below 5e-16 of the scale with exact algebra and complex steps
# (tolerance 1e-8: N is 1e-13, 200 times that), 5e-13 after one level of differences (1e-11)


def _projected(
    lhs: S.Expr, rhs: S.Expr, values: dict[str, Array], sizes: dict[str, int], directions: dict[str, Array],
    trace: _Trace, seed: int, point: str,
) -> Counterexample | None:
    """The draw judged along random directions, when one side is a derivative at the top and
    every probe clearly agrees; None when the entrywise evaluation must decide."""
    for d_side, r_side in ((lhs, rhs), (rhs, lhs)):
        form = _probe_form(d_side, values)
        if form is not None:
            break
    else:
        return None
    kind, f, x = form
    shape = values[x].shape
    entries = shape[0] * shape[1]
    if entries <= PROBES or kind == "symgrad" and shape[0] != shape[1]:
        return None  # no cheaper than entry by entry (or a shape error, reported there)
    rng = _rng_probe(seed)
    trace.difference_levels = 0
    try:
        with np.errstate(all="ignore"):
            r, sr = _Evaluator(values, sizes, directions, trace)(r_side)
            sr = np.abs(sr)
            if not (sr > 0).any():
                return None  # an exact 0 on the other side: only entry by entry
            low = float(sr[sr > 0].min())
            worst = 0.0
            for _ in range(PROBES):
                v = _probe_direction(shape, rng)
                if kind == "hess":
                    u = _probe_direction(shape, rng)
                    ev = _Evaluator(values, sizes, {x: u}, trace)
                    dv, sd = ev._along(S.Call("d", (f,)), {x: v})
                    if dv.shape != (1, 1) or r.shape != (entries, entries):
                        return None
                    uf, vf = u.reshape(-1, 1, order="F"), v.reshape(-1, 1, order="F")
                    pv, sp = uf.T @ r @ vf, np.abs(uf).T @ sr @ np.abs(vf)
                else:
                    ev = _Evaluator(values, sizes, directions, trace)
                    along = (v + v.T) / 2 if kind == "symgrad" else v
                    dv, sd = ev._along(f, {x: along})
                    if kind == "jac":
                        vf = v.reshape(-1, 1, order="F")
                        if dv.shape[1] != 1 or r.shape != (dv.shape[0], entries):
                            return None
                        pv, sp = r @ vf, sr @ np.abs(vf)
                    else:
                        if dv.shape != (1, 1) or r.shape != shape:
                            return None
                        pv, sp = _one(np.sum(r * v)), _one(np.sum(sr * np.abs(v)))
                tol = tolerance(trace.difference_levels)
                scale = np.abs(sd) + sp
                diff = np.abs(dv - pv)
                if not (np.isfinite(diff).all() and np.isfinite(scale).all()):
                    return None
                threshold = tol * low
                if (PROBE_NOISE * tol * scale > threshold / 2).any() or (diff > threshold).any():
                    return None  # cannot tell, or differs: entry by entry
                with np.errstate(divide="ignore", invalid="ignore"):
                    worst = max(worst, float(np.where(diff > UNDERFLOW, diff / scale, 0.0).max()))
    except (DomainError, ValueError, np.linalg.LinAlgError):
        return None
    trace.probes += PROBES
    return Counterexample(sizes, seed, worst, tol, dv.real, pv.real, values, directions, point)


def _probe_form(e: S.Expr, values: Mapping[str, Array]) -> tuple[str, S.Expr, str] | None:
    """(kind, differentiated term, variable) of a derivative at the top that probes can judge."""
    match e:
        case S.Call("grad" | "symgrad" as kind, (f, S.Var(x))) if x in values:
            return kind, f, x
        case S.Call("jac", (y, S.Var(x))) if x in values and values[x].shape[1] == 1:
            return "jac", y, x
        case S.Call("jac", (y, S.Call("vec", (S.Var(x),)))) if x in values:
            return "jac", y, x
        case S.Call("hess", (f, S.Var(x))) if x in values and not _has_derivative(f):
            # the probe's inner derivative is a `d` along U: f must have no `d` of its own
            return "hess", f, x
    return None


def _rng_probe(seed: int) -> np.random.Generator:
    """The probes' own stream, so that the draw's sizes, values and directions (and so its
    seed's counterexample) are the same with and without them."""
    return np.random.default_rng([seed % 2**64, 0x70726F6265])


def _probe_direction(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
    """Entries ±[1, 2]: a random sign times a uniform magnitude, bounded away from 0 (see above)."""
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0) * rng.uniform(1.0, 2.0, shape)


def _dims_in(e: S.Expr) -> frozenset[str]:
    """Dimension names written in the tree (`I(k)`, `ones(p)`), beyond the declarations."""
    written: list[S.Dim | None] = []
    for _, s in S.subterms(e):
        if isinstance(s, (S.Identity, S.SizeOf)):
            written.append(s.size)
        elif isinstance(s, (S.Ones, S.Zeros)):
            written += [s.rows, s.cols]
    return frozenset(f for d in written if d is not None for f in d.factors if isinstance(f, str))


def singular_at(m: S.Expr, env: Env, *, seed: int = 0, draws: int = 6) -> dict[str, int] | None:
    """Sizes at which the square matrix `m` (a compound term such as `x xᵀ`) comes out
    singular on a random draw, or None. A derivative written with `m⁻¹` (that of
    `det(m)`) is only a formula where `m` is invertible; `x xᵀ` never is for n ≥ 2."""
    env, dims = _drawn(env, m)
    for draw_seed in range(seed, seed + draws):
        rng = _rng(draw_seed)
        sizes = draw_sizes(dims, rng, draw_seed, env)
        try:
            value, scale = evaluate_scaled(m, draw_values(env, sizes, rng, orientation=draw_seed // 3), sizes)
        except DomainError:
            continue
        if not holds("invertible", value, scale):  # singular as the numeric check sees it
            return sizes
    return None


def _drawn(env: Env, *exprs: S.Expr) -> tuple[Env, frozenset[str]]:
    """The declarations the expressions use (only those are drawn), and every dimension
    name to draw, the declared ones and those written in the trees (`I(k)`)."""
    used = frozenset().union(*map(S.free_names, exprs))
    env = Env({name: info for name, info in env.items() if name in used})
    return env, env.dims.union(*map(_dims_in, exprs))


# ---------------------------------------------------------------------------
# Rules: random draws, then degenerate points


def check_rule(
    lhs: S.Expr,
    rhs: S.Expr,
    env: Env,
    conditions: Iterable[tuple[str, S.Expr]] = (),
    *,
    seed: int = 0,
    draws: int = 8,
    directions_for: Iterable[str] | None = None,
    degenerate: bool = True,
) -> Verdict:
    """Test a rule `lhs = rhs` (pattern variables declared in `env`) where its conditions
    hold: on `draws` random draws, then — with `degenerate` — at degenerate points.

    A rule is admitted only if it holds everywhere in the total semantics under its
    conditions, and random draws never land where a convention applies (a singular
    inverse, a zero divisor, a log of 0). Every other operation is continuous, so an
    identity of continuous sides that holds at random points holds everywhere; the
    degenerate points are tried only for rules whose sides contain an operation with a
    convention (`_targets`): each variable at 0, of lower rank and with zero or
    non-positive entries, and each argument of such an operation made singular (or 0, or
    with a zero entry) by solving for a variable in it or scaling one.
    """
    conditions = tuple((w, t) for w, t in conditions if w not in NOT_NUMERIC)
    verdict = compare(lhs, rhs, env, seed=seed, draws=draws, directions_for=directions_for, hypotheses=conditions)
    if verdict.agrees is False or not degenerate:
        return verdict
    targets = _targets(lhs, rhs)
    if not targets:
        return verdict
    with np.errstate(all="ignore"):
        return _at_degenerate_points(lhs, rhs, env, conditions, seed, verdict, targets)


def _at_degenerate_points(
    lhs: S.Expr, rhs: S.Expr, env: Env, conditions: tuple[tuple[str, S.Expr], ...], seed: int, verdict: Verdict,
    targets: list[tuple[S.Expr, str]],
) -> Verdict:
    env, dims = _drawn(env, lhs, rhs)
    worst, evaluated = verdict.max_rel_diff if verdict.draws else 0.0, verdict.draws
    for draw_seed in (seed, seed + 1):
        rng = _rng(draw_seed)
        sizes = draw_sizes(dims, rng, 0, env)  # all sizes different and ≥ 2: non-square stays non-square
        try:
            base = draw_values(env, sizes, rng, orientation=draw_seed)
        except DomainError:
            continue
        for point, values in _degenerate_points(env, sizes, base, targets, rng):
            judged = _judge(lhs, rhs, values, sizes, {}, conditions, _Trace(floors=_floors(env)), draw_seed, point)
            if isinstance(judged, str):
                continue
            evaluated += 1
            worst = max(worst, judged.rel_diff)
            if judged.rel_diff > judged.tolerance:
                return Verdict(False, judged, worst, evaluated)
    return Verdict(verdict.agrees, None, worst, evaluated, verdict.reason)


def refuted(word: str, v: Array, s: Array) -> bool:
    """Whether `word` clearly fails of a value with error scale `s` (the converse of
    `holds` with the margins the other way: what cannot be told refutes nothing)."""
    rows, cols = v.shape
    v, s = v.real, s.real
    if word in NEEDS_SQUARE and rows != cols:
        return True
    if word in ("fullcolrank", "fullrowrank"):
        return (rows < cols if word == "fullcolrank" else rows > cols) or _singularity(v, s) <= ZERO
    if word == "invertible":
        if (rows, cols) == (1, 1):
            return abs(v[0, 0]) <= ZERO * s[0, 0]
        return _singularity(v, s) <= ZERO
    if word == "nonzero":
        return bool((np.abs(v) <= ZERO * s).any())
    if word == "positive":
        return bool(((np.abs(v) <= ZERO * s) | (v <= -CLEAR * s)).any())
    if word == "diagonal":
        off = ~np.eye(rows, cols, dtype=bool)
        return bool((np.abs(v[off]) > CLEAR * s[off]).any())
    asymmetric = bool((np.abs(v - v.T) > CLEAR * (s + s.T)).any()) if rows == cols else True
    if word == "symmetric":
        return asymmetric
    if word == "spd":
        lowest = float(np.linalg.eigvalsh((v + v.T) / 2).min())
        return asymmetric or lowest <= ZERO * float(np.sqrt(np.sum(s**2)))
    if word == "orthogonal":
        return bool((np.abs(v.T @ v - np.eye(rows)) > CLEAR * (s.T @ s + np.eye(rows))).any())
    return False


def check_property(
    term: S.Expr, word: str, env: Env, conditions: Iterable[tuple[str, S.Expr]] = (), *, seed: int = 0,
    draws: int = 8,
) -> str | None:
    """Test a property rule `term is word if conditions`: at random points and at the
    degenerate ones of `check_rule` (with `term` itself made singular, or given a zero
    entry, when that is what `word` excludes), wherever the conditions clearly hold,
    `term` must not clearly fail `word`. Returns what went wrong, or None."""
    with np.errstate(all="ignore"):
        return _property_counterexample(term, word, env, tuple((w, t) for w, t in conditions if w not in NOT_NUMERIC),
                                        seed, draws)


def _property_counterexample(
    term: S.Expr, word: str, env: Env, conditions: tuple[tuple[str, S.Expr], ...], seed: int, draws: int
) -> str | None:
    env, dims = _drawn(env, term)

    floors = _floors(env)

    def wrong(values: dict[str, Array], sizes: dict[str, int], draw_seed: int, point: str) -> str | None:
        if _failed(conditions, values, sizes, {}, _Trace(floors=floors)):
            return None
        try:
            v, s = _traced(term, values, sizes, {}, _Trace(floors=floors))
        except DomainError:
            return None
        if not (np.isfinite(v).all() and np.isfinite(s).all()) or not refuted(word, v, s):
            return None
        sizes_ = ", ".join(f"{k}={n}" for k, n in sizes.items()) or "none"
        at = f"at the degenerate point {point}\n" if point else ""
        return f"{at}sizes {sizes_}; seed {draw_seed}\n{show(_unsized(term))} is not {word}: {_show(v)}"

    for draw_seed in range(seed, seed + draws):
        rng = _rng(draw_seed)
        sizes = draw_sizes(dims, rng, draw_seed, env)
        for positive in (False, True):
            try:
                values = draw_values(env, sizes, rng, positive=positive, orientation=draw_seed // 3)
            except DomainError:
                continue
            found = wrong(values, sizes, draw_seed, "")
            if found:
                return found
    kind = {"invertible": _MATRIX, "fullcolrank": _MATRIX, "fullrowrank": _MATRIX, "nonzero": _ENTRIES,
            "positive": _ENTRIES}.get(word)
    targets = _targets(term, term) + ([(term, kind)] if kind else [])
    for draw_seed in (seed, seed + 1):
        rng = _rng(draw_seed)
        sizes = draw_sizes(dims, rng, 0, env)
        try:
            base = draw_values(env, sizes, rng, orientation=draw_seed)
        except DomainError:
            continue
        for point, values in _degenerate_points(env, sizes, base, targets, rng):
            found = wrong(values, sizes, draw_seed, point)
            if found:
                return found
    return None


# What a degenerate point must make singular (a matrix), zero (a scalar) or give a zero
# entry (elementwise): the arguments of the operations whose total convention is
# discontinuous, or, for sqrt and non-integer powers, piecewise.
_MATRIX, _SCALAR, _ENTRIES = "singular", "zero", "with a zero entry"
_KINKED = tuple(n for n, f in S.FUNCTION.items() if f.kink)
_RANKED = ("logdet", "pinv")  # their conventions apply where the argument loses rank  # their conventions apply at zero entries


def _targets(lhs: S.Expr, rhs: S.Expr) -> list[tuple[S.Expr, str]]:
    out: list[tuple[S.Expr, str]] = []
    for side in (lhs, rhs):
        for _, t in S.subterms(side):
            if isinstance(t, S.Inverse) or isinstance(t, S.Call) and t.fn in _RANKED \
                    or isinstance(t, S.Power) and t.exponent < 0 and t.exponent.denominator == 1:
                found = (t.children()[0], _MATRIX)
            elif isinstance(t, S.Call) and t.fn in ("log", "sqrt", *_KINKED) or isinstance(t, S.Power) \
                    and t.exponent.denominator != 1:
                found = (t.children()[0], _ENTRIES)
            elif isinstance(t, S.Div):
                found = (t.right, _SCALAR)
            elif isinstance(t, S.HadamardDiv):
                found = (t.right, _ENTRIES)
            else:
                continue
            if found not in out:
                out.append(found)
    return out


def _degenerate_points(
    env: Env, sizes: dict[str, int], base: dict[str, Array], targets: list[tuple[S.Expr, str]],
    rng: np.random.Generator,
) -> Iterator[tuple[str, dict[str, Array]]]:
    """(description, values) for each degenerate point: `base` with one variable changed."""
    seen: set[str] = set()

    def point(name: str, value: Array | None, description: str) -> Iterator[tuple[str, dict[str, Array]]]:
        if value is not None and description not in seen and np.isfinite(value).all():
            seen.add(description)
            yield description, {**base, name: value}

    for name, info in env.items():
        for value, description in _variable_points(base[name], info.props, rng):
            yield from point(name, value, f"{name} {description}")
    for target, kind in targets:
        if isinstance(target, (S.Var, S.Num, S.Identity, S.Ones, S.Zeros)):
            continue  # a variable alone is covered above
        try:
            value0 = evaluate(target, base, sizes)
        except (DomainError, ValueError):
            continue
        if value0.shape == (1, 1):
            kind = _SCALAR
        for name in sorted(S.free_names(target)):
            for value, description in _solved(target, name, kind, base, sizes, rng):
                yield from point(name, value, f"{description}, so that {show(_unsized(target))} is {kind}")


def _variable_points(value: Array, props: frozenset[str], rng: np.random.Generator) -> Iterator[tuple[Array, str]]:
    """A variable at 0, of lower rank, with zero entries, with entries ≤ 0 — each as its
    properties allow (a symmetric one stays symmetric, a positive one positive)."""
    r, c = value.shape
    fixed = props & {"spd", "orthogonal", "invertible", "fullcolrank", "fullrowrank"}
    if not fixed and "positive" not in props:
        yield np.zeros_like(value), "= 0"
    k = min(r, c)
    if not fixed and k >= 2:
        for rank in sorted({1, k - 1}):
            yield _low_rank(r, c, rank, props, rng), f"of rank {rank}"
    if props & {"positive", "spd", "orthogonal"} or value.size == 1:
        return
    allowed = np.eye(r, c, dtype=bool) if "diagonal" in props else np.ones((r, c), dtype=bool)
    mask = (rng.random(value.shape) < 0.5) & allowed
    if not mask.any():
        where = np.flatnonzero(allowed)
        mask.flat[where[int(rng.integers(where.size))]] = True
    if "symmetric" in props:
        mask |= mask.T
    yield np.where(mask, 0.0, value), "with zero entries"
    yield np.where(mask, 0.0, -np.abs(value)), "with entries ≤ 0"


def _low_rank(r: int, c: int, rank: int, props: frozenset[str], rng: np.random.Generator) -> Array:
    sigma = rng.uniform(0.5, 2.0, rank) * _signs(rank, rng)
    if "diagonal" in props:
        k = min(r, c)
        out = np.zeros((r, c))
        chosen = rng.choice(k, rank, replace=False)
        out[chosen, chosen] = sigma
        return out
    if "positive" in props:
        return rng.uniform(0.5, 2.0, (r, rank)) @ rng.uniform(0.5, 2.0, (rank, c)) / rank
    if "symmetric" in props and r == c:
        u = _orthonormal(r, rank, rng)
        return (u * sigma) @ u.T
    return (_orthonormal(r, rank, rng) * sigma) @ _orthonormal(c, rank, rng).T


def _solved(
    target: S.Expr, name: str, kind: str, base: dict[str, Array], sizes: dict[str, int], rng: np.random.Generator
) -> Iterator[tuple[Array, str]]:
    """Values of `name` that make `target` degenerate (singular, zero, or with a zero
    entry), the others staying at `base`: by solving for it where it is a summand
    (`A + B` with `B = -A + R`, R of low rank; `I + A` with `A = -I + R`), and by scaling
    it where `target` is affine in it (`I + λ A B`, `A B + λ s I`, `1 + λ yᵀ A⁻¹ x`)."""
    yield from _by_summand(target, name, kind, base, sizes, rng)
    yield from _by_scaling(target, name, kind, base, sizes, rng)


def _summands(e: S.Expr, sign: int = 1) -> list[tuple[int, S.Expr]]:
    if isinstance(e, S.Add):
        return _summands(e.left, sign) + _summands(e.right, sign)
    if isinstance(e, S.Sub):
        return _summands(e.left, sign) + _summands(e.right, -sign)
    if isinstance(e, S.Neg):
        return _summands(e.arg, -sign)
    return [(sign, e)]


def _by_summand(
    target: S.Expr, name: str, kind: str, base: dict[str, Array], sizes: dict[str, int], rng: np.random.Generator
) -> Iterator[tuple[Array, str]]:
    """target = sign·P + rest (P the variable or its inverse) made equal to a degenerate R:
    P = sign·(R - rest)."""
    parts = _summands(target)
    mine = [i for i, (_, t) in enumerate(parts) if name in S.free_names(t)]
    if len(parts) < 2 or len(mine) != 1:
        return
    sign, term = parts[mine[0]]
    if term == S.Var(name):
        solve, how = (lambda m: m), name
    elif term == S.Inverse(S.Var(name)) and kind == _MATRIX:
        solve, how = _plain_inverse, f"{name}⁻¹"
    else:
        return
    try:
        rest = sum(sg * evaluate(t, base, sizes) for i, (sg, t) in enumerate(parts) if i != mine[0])
        whole = evaluate(target, base, sizes)
    except (DomainError, ValueError):
        return
    rest = np.asarray(rest, dtype=float)
    if kind == _ENTRIES:
        keep = rng.random(rest.shape) < 0.5
        keep.flat[int(rng.integers(keep.size))] = False
        residues = [(np.where(keep, whole, 0.0), " in some entries")]
    else:
        residues = [(np.zeros_like(rest), "")]
        if kind == _MATRIX and rest.shape[0] >= 2:
            residues.append((_low_rank(*rest.shape, 1, frozenset(), rng), " + a rank-1 matrix"))
    others = [(-sign * sg, t) for i, (sg, t) in enumerate(parts) if i != mine[0]]
    for residue, what in residues:
        value = solve(sign * (residue - rest))
        if value is not None:
            yield value, f"{how} = {show(_signed_sum(others))}{what}"


def _signed_sum(terms: list[tuple[int, S.Expr]]) -> S.Expr:
    """Σ ±t as a tree (for messages), sizes of `I`, `ones` and `zeros` left out."""
    out: S.Expr | None = None
    for sign, t in terms:
        t = _unsized(t)
        out = (t if sign > 0 else S.Neg(t)) if out is None else (S.Add(out, t) if sign > 0 else S.Sub(out, t))
    assert out is not None
    return out


def _unsized(e: S.Expr) -> S.Expr:
    if isinstance(e, S.Identity):
        return S.Identity()
    if isinstance(e, S.Ones):
        return S.Ones()
    kids = e.children()
    return e.with_children(tuple(_unsized(k) for k in kids)) if kids else e


def _plain_inverse(m: Array) -> Array | None:
    try:
        if np.linalg.cond(m) > MAX_CONDITION:
            return None
        return np.linalg.inv(m)
    except np.linalg.LinAlgError:
        return None


def _by_scaling(
    target: S.Expr, name: str, kind: str, base: dict[str, Array], sizes: dict[str, int], rng: np.random.Generator
) -> Iterator[tuple[Array, str]]:
    """target(λ P) = T0 + λ T1 when target is affine in P: λ a (real) root of det, of the
    scalar, or of one entry."""
    def at(scale: float) -> Pair:
        return evaluate_scaled(target, {**base, name: scale * base[name]}, sizes)

    try:
        (t0, s0), (t1, s1), (tm, sm) = at(0.0), at(1.0), at(-1.0)
        if not all(np.isfinite(a).all() for a in (t0, s0, t1, s1, tm, sm)):
            return
        slope = t1 - t0
        if not (np.abs(tm - (t0 - slope)) <= EXACT_TOLERANCE * (s0 + s1 + sm)).all():
            return  # not affine in the variable
        roots: list[float] = []
        if kind == _MATRIX:
            if not holds("invertible", t0, s0):
                return
            mu = np.linalg.eigvals(np.linalg.solve(t0, slope))
            big = float(np.abs(mu).max(initial=0.0))
            roots = [-1 / m.real for m in mu if abs(m.imag) <= 1e-9 * big and abs(m) > 1e-6 * big]
        else:
            usable = np.flatnonzero(np.abs(slope) > CLEAR * (s0 + s1))
            if usable.size:
                i = int(usable[int(rng.integers(usable.size))])
                roots = [-t0.flat[i] / slope.flat[i]]
    except (DomainError, ValueError, np.linalg.LinAlgError):
        return
    roots = [r for r in roots if r != 0]  # 0 is the variable at 0, tried already
    if roots:
        lam = roots[int(rng.integers(len(roots)))]
        yield lam * base[name], f"{name} scaled by {lam:.4g}"
