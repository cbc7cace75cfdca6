"""Tests for the random-direction probes of `rewrite.numeric` (`_projected`): a derivative
claim judged along a few directions instead of entry by entry.

The probes may only ever say that a draw agrees; these tests check that they say it only
when the entrywise comparison would (a wrong entry, small or next to large right ones, or
where the claimed side is exactly 0, is still found, at the same entry, with the same
counterexample), and that they are actually taken (fewer evaluations).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rewrite import numeric as N
from rewrite import syntax as S
from rewrite.sizes import Env, Shape, Size, VarInfo

V, T = S.Var, S.Transpose


def call(fn: str, *args: S.Expr) -> S.Expr:
    return S.Call(fn, args)


def mul(*factors: S.Expr) -> S.Expr:
    out = factors[0]
    for f in factors[1:]:
        out = S.Mul(out, f)
    return out


def info(name: str, rows: str | int, cols: str | int, *props: str) -> VarInfo:
    return VarInfo(name, Shape(Size.of(rows), Size.of(cols)), frozenset(props))


def env_of(*infos: VarInfo) -> Env:
    return Env({i.name: i for i in infos})


X, W, A, x, b, G = V("X"), V("W"), V("A"), V("x"), V("b"), V("G")

# (derivative side, the variable it differentiates, a scalar/vector function of it); the
# claimed side is a variable G whose value the test sets to the entrywise truth, perturbed.
FORMS = {
    "grad of a linear trace": lambda: call("grad", call("tr", mul(T(W), X)), X),
    "grad of logdet": lambda: call("grad", call("logdet", X), X),
    "grad of a quadratic": lambda: call("grad", call("norm2", S.Sub(mul(X, x), b)), X),
    "symgrad of a trace": lambda: call("symgrad", call("tr", mul(W, X, X)), X),
    "jac of a linear map": lambda: call("jac", mul(W, x), x),
    "jac of exp": lambda: call("jac", call("exp", mul(W, x)), x),
    "jac of vec": lambda: call("jac", call("vec", mul(W, X)), call("vec", X)),
    "hess of a quadratic trace": lambda: call("hess", call("tr", mul(T(X), W, X)), X),
    "hess of a logdet": lambda: call("hess", call("logdet", X), X),
}


def _draw(rng: np.random.Generator, n: int, spread: float) -> dict[str, np.ndarray]:
    """X well conditioned, W with entries over `spread` orders of magnitude (so that the
    derivative has small entries next to large ones), x, b."""
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return {
        "X": q * rng.uniform(0.5, 2.0, n) @ q.T if n > 1 else np.array([[1.3]]),
        "W": rng.standard_normal((n, n)) * 10.0 ** rng.uniform(-spread, spread, (n, n)),
        "x": rng.standard_normal((n, 1)),
        "b": rng.standard_normal((n, 1)),
    }


def _truth(lhs: S.Expr, values: dict[str, np.ndarray], sizes: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """The derivative side entry by entry (the evaluator's own way), with its scale."""
    return N.evaluate_scaled(lhs, values, sizes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(form=st.sampled_from(sorted(FORMS)), n=st.integers(2, 5), seed=st.integers(0, 2**32 - 1),
       spread=st.sampled_from([0.0, 3.0, 6.0]), small=st.floats(0.0, 1.0), where=st.integers(0, 10**6),
       at_zero=st.booleans())
def test_one_wrong_entry_is_never_agreed_by_the_probes(form, n, seed, spread, small, where, at_zero):
    """A true derivative claim with one entry of the claimed side changed by `rel` of that
    entry's scale (or, at an exact 0 of the truth, by `rel` of the smallest nonzero scale)
    is false, at that entry, whatever the other entries are: the probes do not say it agrees,
    and the draw is then judged entry by entry. `rel` goes down to 100 times the tolerance
    (1e-6 for a gradient, 1e-4 for a Hessian, whose entries are finite differences)."""
    rng = np.random.default_rng(seed)
    values, sizes = _draw(rng, n, spread), {}
    lhs = FORMS[form]()
    rel = (100 * N.tolerance(1 if "hess" in form else 0)) ** small
    truth, scale = _truth(lhs, values, sizes)
    assume(np.isfinite(truth).all() and np.isfinite(scale).all())  # exp(W x) with W up to 1e6
    scale = np.abs(scale)
    # exp(W x) with W up to 1e6 can underflow to exact zeros everywhere: no scale to bump by
    assume((scale > 0).any())
    zeros = np.flatnonzero(scale.ravel() == 0)
    if at_zero and zeros.size:
        k = int(zeros[where % zeros.size])
        bump = rel * float(scale[scale > 0].min())
    else:
        k = where % truth.size
        bump = rel * float(scale.flat[k]) if scale.flat[k] > 0 else rel * float(scale.max())
    claimed = truth.copy()
    claimed.flat[k] += bump
    values["G"] = claimed
    trace = N._Trace()
    assert N._projected(lhs, G, values, sizes, {}, trace, seed, "") is None
    assert trace.probes == 0
    judged = N._judge(lhs, G, values, sizes, {}, (), N._Trace(), seed)
    assert isinstance(judged, N.Counterexample)
    assert judged.rel_diff > judged.tolerance
    assert np.ravel_multi_index(judged.entry, truth.shape) == k


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(form=st.sampled_from(sorted(FORMS)), n=st.integers(3, 5), seed=st.integers(0, 2**32 - 1))
def test_the_probes_agree_with_the_truth_and_are_cheaper(form, n, seed):
    """With the claimed side the entrywise truth itself, the probes judge the draw (the
    smallest scale of the truth permitting) with PROBES derivatives instead of one per entry."""
    rng = np.random.default_rng(seed)
    values, sizes = _draw(rng, n, 0.0), {}
    lhs = FORMS[form]()
    values["G"] = _truth(lhs, values, sizes)[0]
    trace = N._Trace()
    judged = N._projected(lhs, G, values, sizes, {}, trace, seed, "")
    scale = np.abs(_truth(lhs, values, sizes)[1])
    if (scale == 0).all():
        assert judged is None
        return
    if judged is None:
        # only where T (set by the smallest nonzero entry) is below a probe's noise, which
        # grows with the sum of the entries: a 25×25 Hessian with an entry at 1e-3 of the
        # largest is judged entry by entry, one whose entries are within 5× of each other not
        magnitudes = np.abs(values["G"])
        assert magnitudes[magnitudes > 0].min() < 0.2 * magnitudes.max()
        return
    assert judged.rel_diff <= judged.tolerance
    assert trace.probes == N.PROBES


def _count_derivatives(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    along = N._Evaluator._along

    def counted(self, e, d):
        calls[0] += 1
        return along(self, e, d)

    monkeypatch.setattr(N._Evaluator, "_along", counted)
    return calls


ENV = env_of(info("X", "n", "n", "invertible"), info("W", "n", "n"), info("A", "m", "n"), info("x", "n", 1),
             info("b", "m", 1))
CLAIMS = {
    "grad_det": (call("grad", call("det", X), X), mul(call("det", X), T(S.Inverse(X)))),
    "grad_least_squares": (call("grad", call("norm2", S.Sub(mul(A, x), b)), A),
                           mul(S.Num(2), S.Sub(mul(A, x), b), T(x))),
    "jac_vec": (call("jac", call("vec", mul(W, X)), call("vec", X)),
                S.Kron(S.Identity(S.Dim.of("n")), W)),
    "hess_trace": (call("hess", call("tr", mul(T(X), W, X)), X),
                   S.Kron(S.Identity(S.Dim.of("n")), S.Add(W, T(W)))),
}
WRONG = {
    "grad_det": (call("grad", call("det", X), X), mul(call("det", X), S.Inverse(X))),
    "grad_least_squares": (call("grad", call("norm2", S.Sub(mul(A, x), b)), A), mul(S.Sub(mul(A, x), b), T(x))),
    "jac_vec": (call("jac", call("vec", mul(W, X)), call("vec", X)), S.Kron(W, S.Identity(S.Dim.of("n")))),
    "hess_trace": (call("hess", call("tr", mul(T(X), W, X)), X),
                   S.Kron(S.Add(W, T(W)), S.Identity(S.Dim.of("n")))),
}


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_the_probes_are_taken_and_change_no_verdict(name, monkeypatch):
    """The same verdict, draws and largest difference's order with and without the probes,
    with at most a third of the directional derivatives (a Hessian: far fewer)."""
    calls = _count_derivatives(monkeypatch)
    fast = N.compare(*CLAIMS[name], ENV)
    with_probes = calls[0]
    monkeypatch.setattr(N, "_projected", lambda *a: None)
    calls[0] = 0
    slow = N.compare(*CLAIMS[name], ENV)
    assert fast.agrees is slow.agrees is True
    assert fast.draws == slow.draws == 6
    assert fast.max_rel_diff < 1e-3 * N.tolerance(1)
    assert 0 < with_probes <= calls[0] / 3


@pytest.mark.parametrize("name", sorted(WRONG))
def test_a_false_claim_keeps_its_counterexample(name, monkeypatch):
    """A probe that differs hands the draw to the entrywise comparison: the counterexample,
    its entry and its message are those without probes."""
    fast = N.compare(*WRONG[name], ENV)
    monkeypatch.setattr(N, "_projected", lambda *a: None)
    slow = N.compare(*WRONG[name], ENV)
    assert fast.agrees is slow.agrees is False
    assert fast.counterexample.describe() == slow.counterexample.describe()
    assert fast.counterexample.entry == slow.counterexample.entry
    assert fast.draws == slow.draws


def test_a_claimed_side_of_zeros_is_judged_entry_by_entry():
    """An exact 0 everywhere leaves the probes no scale to measure against."""
    env = env_of(info("a", "n", 1), info("x", "n", 1))
    lhs = call("hess", mul(T(V("a")), x), x)
    values = {"a": np.array([[1.0], [2.0], [-1.0]]), "x": np.array([[0.5], [1.5], [2.0]])}
    trace = N._Trace()
    assert N._projected(lhs, S.Zeros(S.Dim.of(3), S.Dim.of(3)), values, {}, {}, trace, 0, "") is None
    assert N.compare(lhs, S.Zeros(S.Dim.of("n"), S.Dim.of("n")), env).agrees is True
