"""Numbers: random instances, evaluation with derivatives, and numeric comparison of two sides.

This is the independent reference the prover is checked against, and the only source of
`false`: it draws concrete sizes and values that honour the declared properties, evaluates
*elaborated* trees (every `I` has a size, matrix zeros are `Zeros`), and compares the two
sides of an equation. It is evidence, never proof. It must never call a true identity false
because of round-off, and must not let square or all-one sizes hide a false one.
The only module that imports numpy. Imports: `syntax`, `shapes`, numpy; never egglog or
the kernel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterable, Mapping

import numpy as np

from . import syntax as S
from .sizes import Env, Size

Array = np.ndarray

# Complex step: Im f(x + i·h·v) / h = f'(x)·v + O(h²) involves no subtraction, so any h far
# below sqrt(eps) ≈ 1e-8 is exact to rounding. 1e-20 is that, and h·|v| stays far above the
# underflow threshold (1e-308) for the O(1) values drawn here.
COMPLEX_STEP = 1e-20

# Finite differences use the 4-point central stencil
#   f' ≈ (8 (f(h) - f(-h)) - (f(2h) - f(-2h))) / 12h,
# with truncation error ≈ h⁴·|f⁽⁵⁾|/30 and rounding error ≈ 1.5·eps·|f|/h. The draws keep
# values O(1) and inverses O(1) (singular values in [0.5, 2]), and the step is relative to
# the direction's largest entry, so h = 5e-4 gives truncation ≈ 2e-15·|f⁽⁵⁾| and rounding
# ≈ 7e-13·|f|. An error in an inner derivative is amplified by ≈ 1.5/h = 3e3 per level of
# nesting; a 2-point stencil would need h ≈ 6e-6 for its best error (≈ 4e-11) and one
# level up would amplify that to ≈ 7e-6, hence 4 points.
DIFFERENCE_STEP = 5e-4

# The relative difference of a draw is max|L - R| divided by the largest magnitude seen
# anywhere while evaluating either side (intermediates included, derivatives as
# derivatives), so a result that should be zero is judged against the quantities whose
# rounding produced it. On the well-conditioned draws below, exact algebra and complex
# steps agree to ~1e-13 of that scale; 1e-8 leaves five orders of margin. Each level of
# finite differences multiplies the error by up to 3e3 and the tolerance by 1e2: measured
# worst cases over 50 draws were ~2e-11 after one level (tolerance 1e-6) and ~2e-9 after
# two (1e-4), and tests/test_numeric.py keeps them 1e3 inside. A wrong identity differs by
# O(1) of the scale.
EXACT_TOLERANCE = 1e-8
TOLERANCE_GROWTH_PER_DIFFERENCE_LEVEL = 1e2


# Each level of finite differences costs 4 evaluations of the level below (4ᵏ in all) and
# loses two orders of accuracy: beyond 3 levels a draw is neither fast nor trustworthy.
MAX_DIFFERENCE_LEVELS = 3


def tolerance(difference_levels: int) -> float:
    """The relative difference above which a draw disagrees, given how many levels of
    finite differences the evaluation nested (0: only exact algebra and complex steps)."""
    return EXACT_TOLERANCE * TOLERANCE_GROWTH_PER_DIFFERENCE_LEVEL**difference_levels


# The largest matrix evaluated: sizes written as numbers (`Mat(100000, 100000)`), and
# Kronecker chains (n^k × n^k), would otherwise take minutes and gigabytes; a gradient
# with respect to it takes one evaluation per entry.
MAX_ENTRIES = 10_000


def _room_for(rows: int, cols: int) -> tuple[int, int]:
    _room(rows, cols)
    return rows, cols


def _room(rows: int, cols: int) -> None:
    if rows * cols > MAX_ENTRIES:
        raise DomainError(f"a {rows}×{cols} matrix is too large to evaluate (more than {MAX_ENTRIES:,} entries)")


class DomainError(ArithmeticError):
    """The values leave a function's domain: log or sqrt of a non-positive entry, logdet
    of a matrix without positive determinant, a singular inverse. Not a disagreement:
    `compare` redraws with positive values, then gives up on the draw."""


# ---------------------------------------------------------------------------
# Sizes


def size_value(size: Size, sizes: Mapping[str, int]) -> int:
    """A symbolic size at concrete dimension values."""
    return size.coeff * math.prod(sizes[a] for a in size.atoms)


def draw_sizes(dims: Iterable[str], rng: np.random.Generator, draw: int) -> dict[str, int]:
    """Concrete values for the dimension names; `draw` picks the regime, so consecutive
    draws of a statement cycle through all three. Sizes stay ≤ 6 (products ≤ 36) to keep
    evaluation fast and conditioning sane."""
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
    env: Env, sizes: Mapping[str, int], rng: np.random.Generator, *, positive: bool = False
) -> dict[str, Array]:
    """A 2-D float array for every declared name, honouring its properties.

    Matrices are built as L·diag(σ)·R with orthonormal L, R and σ in [0.5, 2], so every
    draw has full rank and condition number ≤ 4 whatever its shape. With `positive`, every
    entry is positive and every square matrix has a positive determinant (for `log`,
    `sqrt`, `logdet`, non-integer powers); orthogonal matrices cannot have positive
    entries and only get det = +1.
    """
    return {
        name: _matrix(
            size_value(info.shape.rows, sizes), size_value(info.shape.cols, sizes), info.props, rng, positive
        )
        for name, info in env.items()
    }


def _matrix(r: int, c: int, props: frozenset[str], rng: np.random.Generator, positive: bool) -> Array:
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
        left, right = _orthonormal(r, k, rng), _orthonormal(c, k, rng).T
    sigma = np.ones(k) if "orthogonal" in props else rng.uniform(0.5, 2.0, k)
    signs = np.ones(k) if "spd" in props else rng.choice([-1.0, 1.0], k)
    if positive and r == c and np.linalg.det(left @ right) * np.prod(signs) < 0:
        signs[0] = -signs[0]
    return (left * (sigma * signs)) @ right


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
    diagonal D, and Q·K with K skew for orthogonal Q (from Qᵀ Q = I).
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
    """The value of an elaborated expression, always 2-D (real or complex, like `values`).

    `d(E)` differentiates along `directions` (a name without a direction is constant);
    `grad`, `jac` and `hess` differentiate with respect to their variable alone. Raises
    `DomainError` when the values leave a function's domain, ValueError on a tree that is
    not elaborated or whose shapes do not fit.
    """
    return _traced(e, values, sizes, directions or {})[0]


@dataclass
class _Trace:
    """What an evaluation saw: the largest magnitude of any intermediate (the scale its
    round-off is relative to) and how deeply finite differences nested."""

    peak: float = 0.0
    difference_levels: int = 0


def _traced(
    e: S.Expr, values: Mapping[str, Array], sizes: Mapping[str, int], directions: Mapping[str, Array]
) -> tuple[Array, _Trace]:
    trace = _Trace()
    with np.errstate(all="ignore"):
        out = _Evaluator(values, sizes, directions, trace)(e)
    return out, trace


class _Evaluator:
    def __init__(
        self,
        values: Mapping[str, Array],
        sizes: Mapping[str, int],
        directions: Mapping[str, Array],
        trace: _Trace,
        *,
        inverse_step: float = 0.0,
        level: int = 0,
    ) -> None:
        self.values = values
        self.sizes = sizes
        self.directions = directions
        self.trace = trace
        # Inside a complex step, imaginary parts are h times derivatives; they are scaled
        # by 1/h when recorded so the scale sees derivatives, not h-sized numbers.
        self.inverse_step = inverse_step
        self.level = level

    def __call__(self, e: S.Expr) -> Array:
        out = self._node(e)
        if self.inverse_step:
            seen = max(np.abs(out.real).max(), np.abs(out.imag).max() * self.inverse_step)
        else:
            seen = np.abs(out).max()
        if seen > self.trace.peak:  # a nan compares False and is caught by the caller
            self.trace.peak = float(seen)
        return out

    def _node(self, e: S.Expr) -> Array:
        match e:
            case S.Var(name):
                return self.values[name]
            case S.Num(value):
                try:
                    return np.array([[float(value)]])
                except OverflowError:
                    raise DomainError("a numeral is beyond floating point") from None
            case S.Identity(size):
                return np.eye(*_room_for(self._dim(size), self._dim(size)))
            case S.Ones(rows, cols):
                return np.ones(_room_for(self._dim(rows), self._dim(cols) if cols else 1))
            case S.Zeros(rows, cols):
                return np.zeros(_room_for(self._dim(rows), self._dim(cols) if cols else 1))
            case S.Neg(a):
                return -self(a)
            case S.Transpose(a):
                return self(a).T
            case S.Inverse(a):
                return _inverse(_square(self(a), "inverse"))
            case S.Power(a, p):
                return _power(self(a), p)
            case S.Add(a, b):
                return np.add(*_same_shape(self(a), self(b), "+"))
            case S.Sub(a, b):
                return np.subtract(*_same_shape(self(a), self(b), "-"))
            case S.Mul(a, b):
                return _product(self(a), self(b))
            case S.Hadamard(a, b):
                return np.multiply(*_same_shape(self(a), self(b), "⊙"))
            case S.HadamardDiv(a, b):
                return np.divide(*_same_shape(self(a), self(b), "⊘"))
            case S.Kron(a, b):
                left, right = self(a), self(b)
                _room(left.shape[0] * right.shape[0], left.shape[1] * right.shape[1])
                return np.kron(left, right)
            case S.Div(a, b):
                return self(a) / _scalar(self(b), "/")
            case S.Frob(a, b):
                return np.array([[np.sum(np.multiply(*_same_shape(self(a), self(b), ":")))]])
            case S.Call("d", (a,)):
                return self._along(a, self.directions)
            case S.Call("grad", (f, S.Var(x))):
                return self._grad(f, x)
            case S.Call("jac", (y, S.Var(x))):
                return self._jac(y, x)
            case S.Call("jac", (y, S.Call("vec", (S.Var(x),)))):
                return self._jac(y, x, vectorised=True)
            case S.Call("hess", (f, x)):
                return self(S.Call("jac", (S.Call("grad", (f, x)), x)))
            case S.Call(fn, (a,)):
                return _FUNCTIONS[fn](self(a))
        raise ValueError(f"cannot evaluate {e!r}")

    def _dim(self, d: S.Dim | None) -> int:
        if d is None:
            raise ValueError("cannot evaluate `I` without a size: elaborate the tree first")
        return math.prod(self.sizes[f] if isinstance(f, str) else f for f in d.factors)

    # -- derivatives -------------------------------------------------------------------

    def _along(self, e: S.Expr, along: Mapping[str, Array]) -> Array:
        """d/dt of e at values + t·along, t = 0; `d`s inside e keep using self.directions,
        so `d(d(E))` is the second derivative along the same directions."""
        # Steps are relative to the direction's largest entry, so h·along stays h-sized.
        reach = max([1.0] + [float(np.abs(v).max()) for v in along.values()])
        if not _has_derivative(e) and all(np.isrealobj(v) for v in self.values.values()):
            # Every operation evaluated here is analytic, so the complex step applies. Not
            # through a nested derivative (it takes imaginary parts, which are not
            # analytic), nor on complex values (another step is already in flight).
            h = COMPLEX_STEP / reach
            return self._shifted(along, 1j * h, inverse_step=1 / h, level=self.level)(e).imag / h
        h = DIFFERENCE_STEP / reach
        level = self.level + 1
        if level > MAX_DIFFERENCE_LEVELS:
            raise DomainError(f"derivatives nested more than {MAX_DIFFERENCE_LEVELS} deep are not evaluated")
        self.trace.difference_levels = max(self.trace.difference_levels, level)

        def f(t: float) -> Array:
            return self._shifted(along, t, inverse_step=0.0, level=level)(e)

        return (8 * (f(h) - f(-h)) - (f(2 * h) - f(-2 * h))) / (12 * h)

    def _shifted(
        self, along: Mapping[str, Array], t: complex, *, inverse_step: float, level: int
    ) -> "_Evaluator":
        values = {k: v + t * along[k] if k in along else v for k, v in self.values.items()}
        return _Evaluator(
            values, self.sizes, self.directions, self.trace, inverse_step=inverse_step, level=level
        )

    def _grad(self, f: S.Expr, x: str) -> Array:
        shape = self.values[x].shape
        entries = [self._along(f, {x: _unit(shape, index)}) for index in np.ndindex(shape)]
        if entries[0].shape != (1, 1):
            raise ValueError(f"grad needs a scalar, got a {entries[0].shape} expression")
        return np.array([d[0, 0] for d in entries]).reshape(shape)

    def _jac(self, y: S.Expr, x: str, vectorised: bool = False) -> Array:
        """Columns are derivatives along each entry of x, or of vec(X) (column-major)."""
        shape = self.values[x].shape
        if shape[1] != 1 and not vectorised:
            raise ValueError(f"jac differentiates with respect to a vector, {x} is {shape}")
        entries = [(i, j) for j in range(shape[1]) for i in range(shape[0])]
        columns = [self._along(y, {x: _unit(shape, index)}) for index in entries]
        if columns[0].shape[1] != 1:
            raise ValueError(f"jac needs a vector, got a {columns[0].shape} expression")
        return np.hstack(columns)


def _has_derivative(e: S.Expr) -> bool:
    return any(isinstance(s, S.Call) and s.fn in ("d", *S.DERIVATIVES) for _, s in S.subterms(e))


def _unit(shape: tuple[int, ...], index: tuple[int, ...]) -> Array:
    u = np.zeros(shape)
    u[index] = 1.0
    return u


# ---------------------------------------------------------------------------
# Operations: shape checks where numpy would silently broadcast, domain checks where it
# would silently return nan or a complex branch.


def _same_shape(a: Array, b: Array, op: str) -> tuple[Array, Array]:
    if a.shape != b.shape:
        raise ValueError(f"operands of {op} have shapes {a.shape} and {b.shape}")
    return a, b


def _square(a: Array, op: str) -> Array:
    if a.shape[0] != a.shape[1]:
        raise ValueError(f"{op} needs a square matrix, got {a.shape}")
    return a


def _scalar(a: Array, op: str) -> complex:
    if a.shape != (1, 1):
        raise ValueError(f"{op} needs a scalar, got {a.shape}")
    return a[0, 0]


def _product(a: Array, b: Array) -> Array:
    _room(a.shape[0], b.shape[1])
    """The matrix product, or scaling when an operand is 1×1 (the two agree where both apply)."""
    if a.shape[1] == b.shape[0]:
        return a @ b
    if a.shape == (1, 1):
        return a[0, 0] * b
    if b.shape == (1, 1):
        return a * b[0, 0]
    raise ValueError(f"cannot multiply {a.shape} by {b.shape}")


def _linalg(fn: Callable[..., Array], *args: object) -> Array:
    try:
        return fn(*args)
    except np.linalg.LinAlgError as err:
        raise DomainError(f"singular matrix ({err})") from err


# Drawn matrices have condition numbers ≤ 4; a compound one far above this is singular
# (`Xᵀ X` for a wide X) up to round-off, and its float inverse is noise that would
# "refute" a true statement: the draw is outside the domain instead. At 1e6 the inverse
# keeps ~10 digits, above the comparison's tolerance.
MAX_CONDITION = 1e6


def _inverse(a: Array) -> Array:
    if a.size and np.linalg.cond(a) > MAX_CONDITION:
        raise DomainError("singular matrix (condition number above 1e6)")
    return _linalg(np.linalg.inv, a)


def _positive(a: Array, what: str) -> Array:
    if not np.all(a.real > 0):
        raise DomainError(f"{what} needs positive arguments")
    return a


def _power(a: Array, p: Fraction) -> Array:
    if a.shape == (1, 1):
        if p.denominator == 1:
            return a ** int(p)
        return _positive(a, "a non-integer power") ** float(p)
    if p.denominator != 1:
        raise ValueError(f"a matrix power needs an integer exponent, got {p}")
    if p < 0:
        return _linalg(np.linalg.matrix_power, _inverse(_square(a, "a matrix power")), -int(p))
    return _linalg(np.linalg.matrix_power, _square(a, "a matrix power"), int(p))


def _logdet(a: Array) -> Array:
    # slogdet keeps a complex step's tiny phase exactly: log det = log(sign) + log|det|.
    sign, log_abs = np.linalg.slogdet(_square(a, "logdet"))
    if not sign.real > 0:
        raise DomainError("logdet needs a positive determinant")
    return np.array([[np.log(sign) + log_abs]])


def _diag(x: Array) -> Array:
    if x.shape[1] != 1:
        raise ValueError(f"diag needs a vector, got {x.shape}")
    return np.diag(x[:, 0])


def _one(value: complex) -> Array:
    return np.array([[value]])


_FUNCTIONS: dict[str, Callable[[Array], Array]] = {
    "tr": lambda a: _one(np.trace(_square(a, "tr"))),
    "det": lambda a: _one(np.linalg.det(_square(a, "det"))),
    "logdet": _logdet,
    # The analytic forms (no abs, no conjugate) keep the complex step valid.
    "norm": lambda a: _one(np.sqrt(np.sum(a * a))),
    "norm2": lambda a: _one(np.sum(a * a)),
    "sum": lambda a: _one(np.sum(a)),
    "diag": _diag,
    "vec": lambda a: a.reshape(-1, 1, order="F"),
    "exp": np.exp,
    "log": lambda a: np.log(_positive(a, "log")),
    "sqrt": lambda a: np.sqrt(_positive(a, "sqrt")),
    "sigmoid": lambda a: 1 / (1 + np.exp(-a)),
    "tanh": np.tanh,
}


# ---------------------------------------------------------------------------
# Comparison


@dataclass(frozen=True, eq=False)
class Counterexample:
    """One evaluated draw; a counterexample when `rel_diff > tolerance`.

    `seed` reproduces it: `compare(lhs, rhs, env, seed=seed, draws=1)` draws the same
    sizes, values and directions.
    """

    sizes: dict[str, int]
    seed: int
    rel_diff: float
    tolerance: float
    lhs: Array
    rhs: Array
    values: dict[str, Array]
    directions: dict[str, Array]

    def describe(self) -> str:
        sizes = ", ".join(f"{k}={v}" for k, v in self.sizes.items()) or "none"
        return "\n".join(
            [
                f"sizes {sizes}; seed {self.seed}",
                f"largest relative difference {self.rel_diff:.3g} (tolerance {self.tolerance:.0e})",
                f"left side  {_show(self.lhs)}",
                f"right side {_show(self.rhs)}",
            ]
        )


def _show(a: Array) -> str:
    if a.size > 16:
        return f"({a.shape[0]}×{a.shape[1]}, not shown)"
    if a.shape == (1, 1):
        return f"{a[0, 0]:.6g}"
    if a.shape[1] == 1:
        return np.array2string(a[:, 0], precision=4, suppress_small=True) + "ᵀ"
    return np.array2string(a, precision=4, suppress_small=True).replace("\n", "")


@dataclass(frozen=True)
class Verdict:
    """`agrees` is None when no draw could be evaluated, and `reason` says why; `draws`
    counts the draws evaluated (up to and including a counterexample)."""

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
    `const`, or exactly the names in `directions_for`). A draw outside a function's
    domain is redrawn with positive values; a draw that still fails, or whose sides are
    not finite, is skipped, never counted as a disagreement. Stops at the first
    counterexample.
    """
    env, dims = _drawn(env, lhs, rhs)
    if directions_for is None:
        varying = tuple(name for name, info in env.items() if "const" not in info.props)
    else:
        varying = tuple(directions_for)
    varying = tuple(name for name in varying if name in env)
    worst, evaluated, reason = 0.0, 0, "no draws were requested"
    for draw_seed in range(seed, seed + draws):
        sample = _sample(lhs, rhs, env, dims, varying, draw_seed)
        if isinstance(sample, str):
            reason = sample
            continue
        evaluated += 1
        worst = max(worst, sample.rel_diff)
        if sample.rel_diff > sample.tolerance:
            return Verdict(False, sample, worst, evaluated)
    if not evaluated:
        return Verdict(None, None, math.nan, 0, f"no draw could be evaluated: {reason}")
    return Verdict(True, None, worst, evaluated)


def _sample(
    lhs: S.Expr, rhs: S.Expr, env: Env, dims: frozenset[str], varying: tuple[str, ...], seed: int
) -> Counterexample | str:
    """Evaluate one draw, or say why it could not be."""
    rng = np.random.default_rng(seed)
    sizes = draw_sizes(dims, rng, seed)
    reason = ""
    for positive in (False, True):
        try:
            values = draw_values(env, sizes, rng, positive=positive)
            directions = draw_directions(env, values, varying, rng)
            left, left_trace = _traced(lhs, values, sizes, directions)
            right, right_trace = _traced(rhs, values, sizes, directions)
        except DomainError as err:
            reason = str(err)
            continue
        if not (np.isfinite(left).all() and np.isfinite(right).all()):
            reason = "a side is not finite"
            continue
        if left.shape != right.shape:
            raise ValueError(f"the sides have shapes {left.shape} and {right.shape} at sizes {sizes}")
        diff = float(np.abs(left - right).max())
        # peak ≥ both sides' magnitudes, so diff > 0 implies peak > 0 and rel_diff ≤ 2.
        rel_diff = diff / max(left_trace.peak, right_trace.peak) if diff else 0.0
        levels = max(left_trace.difference_levels, right_trace.difference_levels)
        return Counterexample(sizes, seed, rel_diff, tolerance(levels), left, right, values, directions)
    return f"{reason} (also with positive draws)"


def _dims_in(e: S.Expr) -> frozenset[str]:
    """Dimension names written in the tree (`I(k)`, `ones(p)`), beyond the declarations."""
    written: list[S.Dim | None] = []
    for _, s in S.subterms(e):
        if isinstance(s, S.Identity):
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
        rng = np.random.default_rng(draw_seed)
        sizes = draw_sizes(dims, rng, draw_seed)
        try:
            value = evaluate(m, draw_values(env, sizes, rng), sizes)
        except DomainError:
            continue
        try:
            _inverse(value)  # singular as the numeric check sees it
        except DomainError:
            return sizes
    return None


def _drawn(env: Env, *exprs: S.Expr) -> tuple[Env, frozenset[str]]:
    """The declarations the expressions use (only those are drawn), and every dimension
    name to draw, the declared ones and those written in the trees (`I(k)`)."""
    used = frozenset().union(*map(S.free_names, exprs))
    env = Env({name: info for name, info in env.items() if name in used})
    return env, env.dims.union(*map(_dims_in, exprs))
