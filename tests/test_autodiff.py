"""Every gradient, Jacobian and Hessian claimed in proofs/, against autograd.

The claimed right side is evaluated by a translator written here from the syntax tree to
autograd's numpy, independently of rewrite/numeric.py (which is what the checker's own
spot-check trusts), and compared with autograd's reverse-mode derivative of the left side
at the same random point; so is every gradient `derive` proves for a random expression.
The proof files' own tests say the claims are proved, so a mismatch here is a soundness
bug: a wrong rule that the kernel replayed and that the numeric spot-check let through.
autograd is a test extra; without it the module is skipped.
"""

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st

autograd = pytest.importorskip("autograd")
import autograd.numpy as anp  # noqa: E402 -- only once autograd is known to be installed
from autograd.tracer import getval  # noqa: E402

from rewrite import derive  # noqa: E402
from rewrite import document as doc  # noqa: E402
from rewrite import syntax as S  # noqa: E402
from rewrite.parse import parse_decl, parse_file  # noqa: E402
from rewrite.shapes import elaborate_statement, env_from_decls  # noqa: E402
from rewrite.sizes import SCALAR, Env
from rewrite.strategies import well_shaped  # noqa: E402

PROOFS = sorted((Path(__file__).resolve().parents[1] / "proofs").glob("*.proof"))
# Both sides are exact up to rounding (reverse mode against a closed form) on draws whose
# condition numbers are at most 4: the worst of 60 draws of every claim was 2e-15 of the
# larger entry, and the known mistakes of proofs/ differ by 0.09 or more.
TOLERANCE = 1e-9


class OutOfDomain(ArithmeticError):
    """log, sqrt, logdet or a fractional power of a value outside its domain, or a
    singular matrix inverted: the claim says nothing there."""


# Refutes this comparison cannot see, each for its reason (strict: each must still fail here).
UNSEEN = {
    "nonsmooth.proof::perceptron_all": "false only where an entry is 0, which random draws never hit",
    "nonsmooth.proof::relu_grad_relu": "false only where an entry is 0, which random draws never hit",
    "reach_hypotheses.proof::lp_barrier_sign": "needs b - A x > 0, which these draws do not solve for",
    "reach_hypotheses.proof::lp_barrier_hess_sq": "needs b - A x > 0, which these draws do not solve for",
    "reach_jacobians.proof::grad_det_VtAV_sym": "Vᵀ Q V is singular at the sizes this test draws (V wide)",
}


def statements(kind: str) -> list:
    """The derivative statements of proofs/ of this kind, elaborated, as test parameters."""
    out = []
    for path in PROOFS:
        pf = parse_file(path)
        env = env_from_decls(pf.decls)
        for stmt in pf.statements:
            if stmt.kind == kind and isinstance(stmt.lhs, S.Call) and stmt.lhs.fn in S.DERIVATIVES:
                lhs, rhs, _ = elaborate_statement(stmt, env)
                i = f"{path.name}::{stmt.name}"
                marks = [pytest.mark.xfail(strict=True, reason=UNSEEN[i])] if i in UNSEEN else []
                out.append(pytest.param(lhs, rhs, env, id=i, marks=marks))
    return out


# ---------------------------------------------------------------------------
# The translator: an elaborated tree to a 2-D autograd array (scalars are 1×1)


def dim(d: S.Dim, sizes: dict[str, int]) -> int:
    return math.prod(sizes[f] if isinstance(f, str) else f for f in d.factors)


def evaluate(e: S.Expr, values: dict, sizes: dict[str, int]):
    """`e` at `values` (arrays or autograd boxes of them) and dimension `sizes`."""
    ev = lambda t: evaluate(t, values, sizes)  # noqa: E731
    if isinstance(e, S.Var):
        return values[e.name]
    if isinstance(e, S.Num):
        return anp.array([[float(e.value)]])
    if isinstance(e, S.Identity):
        return anp.eye(dim(e.size, sizes))
    if isinstance(e, (S.Ones, S.Zeros)):
        shape = (dim(e.rows, sizes), dim(e.cols, sizes) if e.cols else 1)
        return anp.ones(shape) if isinstance(e, S.Ones) else anp.zeros(shape)
    if isinstance(e, S.Neg):
        return -ev(e.arg)
    if isinstance(e, S.Transpose):
        return anp.transpose(ev(e.arg))
    if isinstance(e, S.Inverse):
        return anp.linalg.inv(nonsingular(ev(e.arg)))
    if isinstance(e, S.Power):
        return power(ev(e.arg), e.exponent)
    if isinstance(e, S.SizeOf):
        return anp.array([[float(dim(e.size, sizes))]])
    if isinstance(e, S.SizePower):
        k = int(round(float(getval(ev(e.exponent))[0, 0])))
        base = ev(e.arg)
        return base**k if k >= 0 else (1 / base) ** -k
    if isinstance(e, S.Call) and e.fn == "grad":  # a nested gradient, by autograd itself
        f, x = e.args
        return autograd.grad(lambda v: evaluate(f, {**values, x.name: v}, sizes)[0, 0])(values[x.name])
    if isinstance(e, S.Call):
        return call(e.fn, [ev(a) for a in e.args])
    a, b = ev(e.left), ev(e.right)
    if isinstance(e, S.Mul):
        return a * b if 1 in (a.size, b.size) else anp.dot(a, b)  # a 1×1 operand scales
    if isinstance(e, S.Kron):
        return anp.kron(a, b)
    if isinstance(e, S.Div):
        return a / b
    if isinstance(e, S.Frob):
        return anp.reshape(anp.sum(same(a, b) * b), (1, 1))
    elementwise = {S.Add: anp.add, S.Sub: anp.subtract, S.Hadamard: anp.multiply, S.HadamardDiv: anp.divide}
    return elementwise[type(e)](same(a, b), b)


def same(a, b):
    """numpy would broadcast a 1×1 array against a matrix; the language never does."""
    if a.shape != b.shape:
        raise ValueError(f"elementwise operation on shapes {a.shape} and {b.shape}")
    return a


def positive(a, what: str):
    if np.any(getval(a) <= 0):
        raise OutOfDomain(what)
    return a


def nonsingular(a):
    """Drawn matrices have condition numbers ≤ 4, products of them ≤ 4ᵏ; a singular one
    (M Mᵀ for a wide Mᵀ) comes out of rounding near 1e16. (autograd differentiates det
    through the inverse, so det needs this too.)"""
    if np.linalg.cond(getval(a)) > 1e8:
        raise OutOfDomain("a singular matrix")
    return a


def power(a, p):
    if a.size == 1:
        return positive(a, "fractional power")**float(p) if p.denominator != 1 else a**int(p)
    out = anp.eye(a.shape[0])
    for _ in range(int(p)):  # autograd has no derivative for matrix_power
        out = anp.dot(out, a)
    return out


def logdet(a):
    sign, log_abs = anp.linalg.slogdet(nonsingular(a))
    if getval(sign) <= 0:
        raise OutOfDomain("logdet")
    return log_abs


SCALAR_VALUED = {
    "tr": anp.trace, "det": lambda a: anp.linalg.det(nonsingular(a)), "logdet": logdet, "sum": anp.sum,
    "norm": lambda a: anp.sqrt(anp.sum(a * a)), "norm2": lambda a: anp.sum(a * a),
}
def diag(a):
    """A column's diagonal matrix, a square matrix's diagonal as a column, a 1×1 itself."""
    if a.shape == (1, 1):
        return a
    return anp.diag(anp.ravel(a)) if a.shape[1] == 1 else anp.reshape(anp.diag(a), (-1, 1))


def pinv(a):
    """The drawn matrices have full rank: the pseudo-inverse is a one-sided inverse."""
    at = anp.transpose(a)
    return anp.dot(anp.linalg.inv(anp.dot(at, a)), at) if a.shape[0] >= a.shape[1] \
        else anp.dot(at, anp.linalg.inv(anp.dot(a, at)))


MATRIX_VALUED = {
    "diag": diag, "pinv": pinv,
    "abs": anp.abs, "sign": lambda a: np.sign(getval(a)), "relu": lambda a: anp.maximum(a, 0.0),
    "step": lambda a: (getval(a) > 0) * 1.0,
    "vec": lambda a: anp.reshape(anp.transpose(a), (-1, 1)),  # columns stacked
    "exp": anp.exp, "tanh": anp.tanh, "sigmoid": lambda a: 1 / (1 + anp.exp(-a)),
    "log": lambda a: anp.log(positive(a, "log")), "sqrt": lambda a: anp.sqrt(positive(a, "sqrt")),
}


def call(fn: str, args: list):
    if fn in SCALAR_VALUED:
        return anp.reshape(SCALAR_VALUED[fn](*args), (1, 1))
    return MATRIX_VALUED[fn](*args)  # d, grad, jac and hess only occur at the top of a claim


# ---------------------------------------------------------------------------
# Derivatives by autograd, in the language's layouts


def by_vec(j, rows: int, x_shape: tuple[int, int]):
    """autograd's Jacobian of an output with `rows` entries with respect to an r×c input,
    as the `rows`×(r c) matrix whose columns follow vec(X) (column-major)."""
    r, c = x_shape
    return anp.reshape(anp.transpose(anp.reshape(j, (rows, r, c)), (0, 2, 1)), (rows, r * c))


def autodiff(derivative: S.Call, values: dict, sizes: dict[str, int]):
    """`grad(f, X)`, `jac(y, x)` or `hess(f, x)` at `values`, by autograd, in the layouts of
    LANGUAGE.md: a gradient has X's shape; a Jacobian has a row per entry of y and a column
    per entry of vec(X); a Hessian is the Jacobian of the gradient."""
    kind, (f, x) = derivative.fn, derivative.args
    name = x.args[0].name if isinstance(x, S.Call) else x.name  # jac(y, vec(X)) or a name
    at = values[name]
    fun = lambda v: evaluate(f, {**values, name: v}, sizes)  # noqa: E731
    if kind in ("grad", "symgrad"):
        g = autograd.grad(lambda v: fun(v)[0, 0])(at)
        return (g + g.T) / 2 if kind == "symgrad" else g
    if kind == "hess":  # rows and columns both in vec(X)'s (column-major) order
        r, c = at.shape
        return anp.reshape(anp.transpose(autograd.hessian(lambda v: fun(v)[0, 0])(at), (1, 0, 3, 2)), (r * c, r * c))
    return by_vec(autograd.jacobian(fun)(at), fun(at).size, at.shape)


def determined_part(g, props: frozenset[str]):
    """The part of a gradient G that `d(f) = G : d(X)` pins down: all of it for a free X; for
    a symmetric X, whose d(X) is symmetric, only the symmetric part."""
    if props & {"diagonal", "orthogonal"}:
        raise NotImplementedError(f"no comparison written yet for a variable that is {', '.join(props)}")
    return g  # a symmetric X moves in every direction too (docs/SEMANTICS.md): all of G is pinned


# ---------------------------------------------------------------------------
# Values honouring the declared properties


def matrix(r: int, c: int, props: frozenset[str], rng: np.random.Generator, positive_entries: bool):
    """Full rank and condition number ≤ 4 (singular values in [0.5, 2]); with
    `positive_entries` (for log, sqrt, logdet), entries in [0.5, 2] and, if square, a
    positive determinant."""
    if positive_entries:
        if props & {"diagonal", "orthogonal"}:
            raise NotImplementedError(f"no positive draw written yet for a matrix that is {', '.join(props)}")
        a = rng.uniform(0.5, 2.0, (r, c))
        if r == c:
            a = a + 2 * r * np.eye(r)  # diagonally dominant with a positive diagonal: det > 0
            a = (a + a.T) / 2 if props & {"symmetric", "spd"} else a
        return a
    k = min(r, c)
    signs = np.ones(k) if "spd" in props else rng.choice([-1.0, 1.0], k)
    sigma = rng.uniform(0.5, 2.0, k) * signs
    u = np.linalg.qr(rng.standard_normal((r, k)))[0]
    if props & {"symmetric", "spd"}:
        return (u * sigma) @ u.T
    if "diagonal" in props:
        return np.diag(sigma)
    if "orthogonal" in props:
        return u
    return (u * sigma) @ np.linalg.qr(rng.standard_normal((c, k)))[0].T


def draw(env: Env, names: frozenset[str], sizes: dict[str, int], seed: int, positive_entries: bool) -> dict:
    rng = np.random.default_rng(seed)
    out = {}
    for name in sorted(names):
        info = env[name]
        r, c = (dim(s.to_dim(), sizes) for s in (info.shape.rows, info.shape.cols))
        out[name] = matrix(r, c, info.props, rng, positive_entries)
    return out


def dimension_names(env: Env, *trees: S.Expr) -> list[str]:
    """The sizes to draw: those of the names used, and those written in the trees (`I(n)`)."""
    names = set()
    for tree in trees:
        for _, t in S.subterms(tree):
            if isinstance(t, S.Var):
                shape = env[t.name].shape
                names.update(shape.rows.atoms, shape.cols.atoms)
            names.update(f for _, v in t.payload() if isinstance(v, S.Dim) for f in v.factors if isinstance(f, str))
    return sorted(names)


# ---------------------------------------------------------------------------


def difference(lhs: S.Call, rhs: S.Expr, env: Env, sizes: dict[str, int], seed: int) -> float | None:
    """max |claimed - autograd|, relative to autograd's largest entry (or 1), at one draw;
    None if the sizes admit no point where both sides are defined."""
    for positive_entries in (False, True):  # redraw with positive entries for log, sqrt, logdet
        values = draw(env, S.free_names(lhs) | S.free_names(rhs), sizes, seed, positive_entries)
        try:
            want, got = autodiff(lhs, values, sizes), evaluate(rhs, values, sizes)
            break
        except OutOfDomain:
            continue
    else:
        return None
    x = lhs.args[1]
    if lhs.fn == "grad":
        want, got = (determined_part(g, env[x.name].props) for g in (want, got))
    assert got.shape == want.shape
    return float(np.abs(got - want).max() / max(1.0, np.abs(want).max()))


@pytest.mark.filterwarnings("ignore:Output seems independent of input")  # Hessians of linear functions
@pytest.mark.parametrize("lhs, rhs, env", statements("claim"))
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_claimed_derivative_matches_autograd(lhs: S.Call, rhs: S.Expr, env: Env, data) -> None:
    sizes = data.draw(st.fixed_dictionaries({n: st.integers(1, 4) for n in dimension_names(env, lhs, rhs)}), "sizes")
    found = difference(lhs, rhs, env, sizes, data.draw(st.integers(0, 2**32 - 1), "seed"))
    assume(found is not None)  # logdet(M Mᵀ) of a tall M, say: hypothesis draws other sizes
    assert found <= TOLERANCE


@pytest.mark.parametrize("lhs, rhs, env", statements("refute"))
def test_refuted_derivative_differs_from_autograd(lhs: S.Call, rhs: S.Expr, env: Env) -> None:
    """The known mistakes of proofs/ are caught the same way (so the comparison can fail):
    sizes all different and ≥ 2, so that no transposition or factor hides."""
    sizes = {n: k for k, n in enumerate(dimension_names(env, lhs, rhs), start=2)}
    found = difference(lhs, rhs, env, sizes, seed=0)
    assert found is not None and found > 1e3 * TOLERANCE


FUZZ_LETS = ("A : Mat(m, n)", "x : Vec(n)", "b : Vec(m)", "X : Mat(n, n) invertible", "S : Mat(n, n) symmetric",
             "s : Scalar")
FUZZ_ENV = env_from_decls([parse_decl(t) for t in FUZZ_LETS])


# No shrinking: each example runs a search, and shrinking a failure would run hundreds. The
# shared checker, built by the first `derive`, raises the recursion limit: hypothesis warns.
@pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")
@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(data=st.data())
def test_derived_gradient_of_a_random_expression_matches_autograd(data) -> None:
    """`derive` beyond the examples: a gradient it proves for a random scalar expression is
    the one autograd computes."""
    f = data.draw(well_shaped(FUZZ_ENV, SCALAR, max_depth=2), "f")
    names = sorted(S.free_names(f))
    assume(names)
    x = S.Var(data.draw(st.sampled_from(names), "wrt"))
    gradient, proof = derive(f, x, let=FUZZ_LETS, timeout=0.5)
    assume(proof)
    lhs, rhs, _ = elaborate_statement(doc.Statement("claim", "derived", S.Call("grad", (f, x)), gradient), FUZZ_ENV)
    sizes = data.draw(st.fixed_dictionaries({"m": st.integers(1, 4), "n": st.integers(1, 4)}), "sizes")
    found = difference(lhs, rhs, FUZZ_ENV, sizes, data.draw(st.integers(0, 2**32 - 1), "seed"))
    assert found is not None and found <= TOLERANCE
