"""Tests for `rewrite.numeric`: draws, evaluation, derivatives, and the comparison verdict.

Trees are built from `rewrite.syntax` directly, already elaborated (sizes on every `I`).
"""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rewrite import numeric as N
from rewrite import syntax as S
from rewrite.sizes import Env, Shape, Size, VarInfo
from rewrite.strategies import well_shaped

V, T, Inv, Neg, Num = S.Var, S.Transpose, S.Inverse, S.Neg, S.Num
ONE = Size.of()


def mul(*factors: S.Expr) -> S.Expr:
    out = factors[0]
    for f in factors[1:]:
        out = S.Mul(out, f)
    return out


def call(fn: str, *args: S.Expr) -> S.Expr:
    return S.Call(fn, args)


def d(e: S.Expr) -> S.Expr:
    return call("d", e)


def info(name: str, rows: str | int, cols: str | int, *props: str) -> VarInfo:
    return VarInfo(name, Shape(Size.of(rows), Size.of(cols)), frozenset(props))


def env_of(*infos: VarInfo) -> Env:
    return Env({i.name: i for i in infos})


def agrees(lhs: S.Expr, rhs: S.Expr, env: Env, **kw) -> bool | None:
    return N.compare(lhs, rhs, env, **kw).agrees


# The environment of LANGUAGE.md's "Examples that must work".
EXAMPLES = env_of(
    info("A", "n", "n"),
    info("B", "n", "n"),
    info("X", "n", "n", "invertible"),
    info("S", "n", "n", "spd"),
    info("x", "n", 1),
    info("y", "n", 1),
    info("s", 1, 1),
)
A, B, X, Sm, x, y = V("A"), V("B"), V("X"), V("S"), V("x"), V("y")

CLAIMS = {
    "frob_trace": (S.Frob(A, B), call("tr", mul(T(A), B))),
    "trace_cyclic": (call("tr", mul(A, B, X)), call("tr", mul(X, A, B))),
    "transpose_mul": (T(mul(A, B)), mul(T(B), T(A))),
    "inner_swap": (mul(T(x), y), mul(T(y), x)),
    "d_inverse": (d(Inv(X)), Neg(mul(Inv(X), d(X), Inv(X)))),
    "grad_logdet": (call("grad", call("logdet", Sm), Sm), Inv(Sm)),
    "grad_det": (call("grad", call("det", X), X), mul(call("det", X), T(Inv(X)))),
    "grad_frob": (call("grad", call("norm", A), A), S.Div(A, call("norm", A))),
    "grad_quad": (call("grad", mul(T(x), A, x), x), mul(S.Add(A, T(A)), x)),
    "hess_quad": (call("hess", mul(T(x), A, x), x), S.Add(A, T(A))),
    "jac_linear": (call("jac", mul(A, x), x), A),
}
REFUTES = {
    "trace_swap": (call("tr", mul(A, B, X)), call("tr", mul(B, A, X))),
    "transpose_bad": (T(mul(A, B)), mul(T(A), T(B))),
    "grad_det_untransposed": (call("grad", call("det", X), X), mul(call("det", X), Inv(X))),
    "d_inverse_order": (d(Inv(X)), Neg(mul(Inv(X), Inv(X), d(X)))),
    "hess_quad_half": (call("hess", mul(T(x), A, x), x), A),
}


@pytest.mark.parametrize("name", CLAIMS)
def test_language_claims_agree(name):
    verdict = N.compare(*CLAIMS[name], EXAMPLES)
    assert verdict.agrees is True, verdict
    assert verdict.draws == 6


@pytest.mark.parametrize("name", REFUTES)
def test_language_refutes_are_refuted(name):
    verdict = N.compare(*REFUTES[name], EXAMPLES)
    assert verdict.agrees is False
    assert verdict.counterexample.rel_diff > 1e-3


LEAST_SQUARES = env_of(info("A", "m", "n"), info("x", "n", 1), info("b", "m", 1))
RESIDUAL = S.Sub(mul(A, x), V("b"))


def test_least_squares_gradients():
    loss = call("norm2", RESIDUAL)
    assert agrees(call("grad", loss, x), mul(Num(2), T(A), RESIDUAL), LEAST_SQUARES)
    assert agrees(call("grad", loss, A), mul(Num(2), RESIDUAL, T(x)), LEAST_SQUARES)
    assert agrees(call("grad", loss, x), mul(T(A), RESIDUAL), LEAST_SQUARES) is False


def test_jacobian_of_a_non_square_map():
    assert agrees(call("jac", mul(A, x), x), A, LEAST_SQUARES)
    exp_ax = call("exp", mul(A, x))
    assert agrees(call("jac", exp_ax, x), mul(call("diag", exp_ax), A), LEAST_SQUARES)


def test_vec_and_kron_follow_column_stacking():
    env = env_of(info("A", "m", "n"), info("X", "n", "p"), info("B", "p", "q"))
    A_, X_, B_ = V("A"), V("X"), V("B")
    lhs = call("vec", mul(A_, X_, B_))
    assert agrees(lhs, mul(S.Kron(T(B_), A_), call("vec", X_)), env)
    # (A ⊗ Bᵀ) is (m q)×(n p) too, so this shape-checks; only the numbers tell.
    assert agrees(lhs, mul(S.Kron(A_, T(B_)), call("vec", X_)), env) is False


# ---------------------------------------------------------------------------
# Derivatives beyond one complex step: nested `d`, derivatives of derivatives.


def test_second_and_third_differentials_of_the_inverse():
    Xi, dX = Inv(X), d(X)
    assert agrees(d(d(Xi)), mul(Num(2), Xi, dX, Xi, dX, Xi), EXAMPLES)
    assert agrees(d(d(Xi)), mul(Xi, dX, Xi, dX, Xi), EXAMPLES) is False
    assert agrees(d(d(d(Xi))), Neg(mul(Num(6), Xi, dX, Xi, dX, Xi, dX, Xi)), EXAMPLES)


def test_gradient_of_a_differential():
    # d(logdet X) = tr(X⁻¹ dX); its gradient in X (dX fixed) is -(X⁻¹ dX X⁻¹)ᵀ.
    lhs = call("grad", d(call("logdet", X)), X)
    assert agrees(lhs, Neg(T(mul(Inv(X), d(X), Inv(X)))), EXAMPLES)
    assert agrees(lhs, Neg(mul(Inv(X), d(X), Inv(X))), EXAMPLES) is False


def test_differential_of_a_gradient_moves_every_variable():
    lhs = d(call("grad", mul(T(x), A, x), x))
    rhs = S.Add(mul(S.Add(d(A), T(d(A))), x), mul(S.Add(A, T(A)), d(x)))
    assert agrees(lhs, rhs, EXAMPLES)
    assert agrees(lhs, mul(S.Add(A, T(A)), d(x)), EXAMPLES) is False
    assert agrees(lhs, mul(S.Add(A, T(A)), d(x)), EXAMPLES, directions_for=["x"])


def test_const_names_do_not_move():
    env = env_of(info("A", "m", "n", "const"), info("x", "n", 1))
    assert agrees(d(mul(A, x)), mul(A, d(x)), env)
    assert agrees(d(A), S.Zeros(S.Dim.of("m"), S.Dim.of("n")), env)


def test_measured_finite_difference_accuracy_is_far_inside_the_tolerances():
    """Backs the numbers quoted in numeric.py, relative to the propagated error scale:
    complex steps exact to rounding (measured 8e-17), 5e-13 after one level of differences,
    3e-12 after two, against tolerances of 1e-8, 1e-6, 1e-4; while the same derivatives
    with a wrong coefficient differ by 2e-4 and 8e-3 of the scale, far above them."""
    assert N.compare(*CLAIMS["grad_det"], EXAMPLES, draws=12).max_rel_diff < 1e-13
    Xi, dX = Inv(X), d(X)
    one = N.compare(d(d(Xi)), mul(Num(2), Xi, dX, Xi, dX, Xi), EXAMPLES, draws=12)
    two = N.compare(d(d(d(Xi))), Neg(mul(Num(6), Xi, dX, Xi, dX, Xi, dX, Xi)), EXAMPLES, draws=12)
    assert one.agrees and one.max_rel_diff < 1e-3 * N.tolerance(1)
    assert two.agrees and two.max_rel_diff < 1e-3 * N.tolerance(2)
    wrong_one = N.compare(d(d(Xi)), mul(Xi, dX, Xi, dX, Xi), EXAMPLES, draws=12)
    wrong_two = N.compare(d(d(d(Xi))), Neg(mul(Num(5), Xi, dX, Xi, dX, Xi, dX, Xi)), EXAMPLES, draws=12)
    assert wrong_one.agrees is False and wrong_one.counterexample.rel_diff > 10 * N.tolerance(1)
    assert wrong_two.agrees is False and wrong_two.counterexample.rel_diff > 10 * N.tolerance(2)


# ---------------------------------------------------------------------------
# Evaluation semantics


def test_evaluation_semantics():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    b = np.array([[0.5, -1.0], [2.0, 1.0]])
    s = np.array([[3.0]])
    values = {"A": a, "B": b, "s": s}
    ev = lambda e: N.evaluate(e, values, {"n": 2})  # noqa: E731
    np.testing.assert_array_equal(ev(mul(V("s"), A)), 3 * a)
    np.testing.assert_array_equal(ev(mul(A, V("s"))), 3 * a)
    np.testing.assert_array_equal(ev(call("vec", A)), [[1.0], [3.0], [2.0], [4.0]])
    np.testing.assert_array_equal(ev(S.Kron(A, B)), np.kron(a, b))
    np.testing.assert_array_equal(ev(S.Frob(A, B)), [[np.sum(a * b)]])
    np.testing.assert_array_equal(ev(S.HadamardDiv(A, B)), a / b)
    np.testing.assert_array_equal(ev(S.Power(A, 3)), a @ a @ a)
    np.testing.assert_allclose(ev(S.Power(V("s"), Fraction(1, 2))), [[np.sqrt(3)]])
    np.testing.assert_allclose(ev(S.Power(V("s"), -2)), [[1 / 9]])
    np.testing.assert_array_equal(ev(mul(S.Identity(S.Dim.of("n")), A)), a)
    np.testing.assert_array_equal(ev(S.Ones(S.Dim.of(2, "n"))), np.ones((4, 1)))
    np.testing.assert_array_equal(ev(call("diag", S.Ones(S.Dim.of("n")))), np.eye(2))
    np.testing.assert_allclose(ev(call("norm", A)), [[np.sqrt(30)]])
    np.testing.assert_allclose(ev(call("sigmoid", V("s"))), [[1 / (1 + np.exp(-3))]])


def test_complex_values_are_not_conjugated():
    a = np.array([[1 + 2j, 0.5j], [3.0, -1j]])
    b = np.array([[2 - 1j, 1.0], [1j, 4.0]])
    values = {"A": a, "B": b}
    np.testing.assert_array_equal(N.evaluate(T(A), values, {}), a.T)
    np.testing.assert_array_equal(N.evaluate(S.Frob(A, B), values, {}), [[np.sum(a * b)]])
    np.testing.assert_allclose(N.evaluate(call("norm2", A), values, {}), [[np.sum(a * a)]])


def test_differentials_of_variables():
    rng = np.random.default_rng(1)
    values = {"X": rng.standard_normal((3, 3))}
    v = rng.standard_normal((3, 3))
    np.testing.assert_allclose(N.evaluate(d(X), values, {}, directions={"X": v}), v)
    np.testing.assert_array_equal(N.evaluate(d(d(X)), values, {}, directions={"X": v}), np.zeros((3, 3)))
    # Without directions every name is constant.
    np.testing.assert_array_equal(N.evaluate(d(Inv(X)), values, {}), np.zeros((3, 3)))


def test_bad_trees_are_value_errors():
    values = {"A": np.array([[1.0, -1.0]]), "X": np.zeros((2, 2))}
    with pytest.raises(ValueError):
        N.evaluate(S.Add(A, X), values, {})  # numpy would broadcast; the language does not
    with pytest.raises(ValueError):
        N.evaluate(mul(X, S.Identity()), values, {})  # not elaborated


# ---------------------------------------------------------------------------
# The total semantics (docs/SEMANTICS.md): every term has a value


def test_partial_operations_have_their_conventional_values():
    values = {
        "A": np.array([[1.0, -1.0], [0.0, 2.0]]),
        "X": np.array([[1.0, 2.0], [2.0, 4.0]]),  # singular
        "s": np.zeros((1, 1)),
        "t": np.array([[-4.0]]),
    }
    ev = lambda e: N.evaluate(e, values, {})  # noqa: E731
    s, t = V("s"), V("t")
    np.testing.assert_array_equal(ev(S.Div(A, s)), np.zeros((2, 2)))  # x / 0 = 0
    np.testing.assert_array_equal(ev(S.HadamardDiv(X, A)), [[1.0, -2.0], [0.0, 2.0]])  # an entry / 0 is 0
    np.testing.assert_array_equal(ev(Inv(X)), np.zeros((2, 2)))  # the inverse of a singular matrix
    np.testing.assert_array_equal(ev(Inv(s)), [[0.0]])
    np.testing.assert_array_equal(ev(S.Power(s, Fraction(-2))), [[0.0]])  # negative powers of 0
    np.testing.assert_array_equal(ev(S.Power(X, Fraction(-2))), np.zeros((2, 2)))
    np.testing.assert_array_equal(ev(S.Power(t, Fraction(1, 2))), [[0.0]])  # non-integer powers of x ≤ 0
    np.testing.assert_array_equal(ev(S.Power(s, Fraction(3, 2))), [[0.0]])
    np.testing.assert_allclose(ev(call("log", A)), [[0.0, 0.0], [0.0, np.log(2.0)]])  # log|x|, log 0 = 0
    np.testing.assert_allclose(ev(call("sqrt", A)), [[1.0, 0.0], [0.0, np.sqrt(2.0)]])  # sqrt of x ≤ 0 is 0
    np.testing.assert_array_equal(ev(call("logdet", X)), [[0.0]])  # log|det| of a singular matrix
    np.testing.assert_allclose(ev(call("logdet", A)), [[np.log(2.0)]])
    np.testing.assert_allclose(ev(call("logdet", mul(A, X))), [[0.0]])  # a singular product
    np.testing.assert_array_equal(ev(call("norm", S.Sub(A, A))), [[0.0]])  # norm(0) = 0


def test_logdet_is_log_abs_det_for_either_sign():
    a = np.array([[0.0, 1.0], [3.0, 0.0]])  # det -3
    np.testing.assert_allclose(N.evaluate(call("logdet", A), {"A": a}, {}), [[np.log(3.0)]])
    env = env_of(info("A", "n", "n"))
    # grad log|det A| = A⁻ᵀ for either sign, by complex step through slogdet
    assert agrees(call("grad", call("logdet", A), A), T(Inv(A)), env, hypotheses=[("invertible", A)])


def test_no_derivative_where_a_convention_applies():
    zero = {"X": np.zeros((2, 2)), "x": np.array([[0.0], [1.0]])}
    dirs = {"X": np.eye(2), "x": np.ones((2, 1))}
    for e in (Inv(X), call("logdet", X), call("log", x), call("sqrt", x), S.HadamardDiv(x, x), call("norm", X)):
        with pytest.raises(N.DomainError, match="convention"):
            N.evaluate(d(e), zero, {}, directions=dirs)
        N.evaluate(e, zero, {})  # the value is there


def test_near_singular_is_undecidable_and_far_singular_is_singular():
    """Between the condition bounds 1e6 and 1e12 the draw cannot tell: neither the inverse
    nor 0 is trusted."""
    for eps, expected in ((1e-3, "inverse"), (1e-9, "undecidable"), (1e-14, "zero")):
        x = np.diag([1.0, eps])
        if expected == "undecidable":
            with pytest.raises(N.Undecidable):
                N.evaluate(Inv(X), {"X": x}, {})
        else:
            out = N.evaluate(Inv(X), {"X": x}, {})
            np.testing.assert_allclose(out, np.diag([1.0, 1 / eps]) if expected == "inverse" else np.zeros((2, 2)))
    # a singular compound, up to round-off: Xᵀ X for a wide X (rank 2 of 3)
    wide = {"X": np.arange(6.0).reshape(2, 3) + 1}
    np.testing.assert_array_equal(N.evaluate(Inv(mul(T(X), X)), wide, {}), np.zeros((3, 3)))
    # a divisor is zero on its own scale: (s - s) is 0, and so is 1e-17 of an O(1) sum
    ss = {"s": np.array([[0.1]]), "t": np.array([[0.2]])}
    assert N.evaluate(S.Div(Num(1), S.Sub(S.Add(V("s"), V("t")), S.Add(V("t"), V("s")))), ss, {})[0, 0] == 0
    # while a tiny divisor that is tiny on its own scale is not
    tiny = {"s": np.array([[1e-200]])}
    np.testing.assert_allclose(N.evaluate(S.Div(Num(1), V("s")), tiny, {}), [[1e200]])


# ---------------------------------------------------------------------------
# Domains: positive redraws, and giving up honestly


POSITIVE = env_of(info("x", "n", 1), info("y", "n", 1), info("X", "n", "n"))


def test_restricted_domains_are_redrawn_positive():
    log = lambda e: call("log", e)  # noqa: E731
    positive = lambda *es: [("positive", e) for e in es]  # noqa: E731
    sq = S.Hadamard(call("sqrt", x), call("sqrt", x))
    assert agrees(sq, x, POSITIVE) is False  # sqrt is 0 on negative entries
    assert agrees(sq, x, POSITIVE, hypotheses=positive(x))  # the general draws fail, positive ones hold
    assert agrees(log(S.Hadamard(x, y)), S.Add(log(x), log(y)), POSITIVE, hypotheses=positive(S.Hadamard(x, y), x, y))
    # logdet of a general (non-symmetric) X: positive draws keep it non-symmetric.
    assert agrees(call("grad", call("logdet", X), X), T(Inv(X)), POSITIVE)
    assert agrees(call("grad", call("logdet", X), X), Inv(X), POSITIVE) is False
    assert agrees(S.Power(call("sum", x), Fraction(1, 2)), call("sqrt", call("sum", x)), POSITIVE)


def test_no_positive_redraw_when_the_general_draw_works():
    assert agrees(call("sqrt", S.Hadamard(x, x)), x, POSITIVE, hypotheses=[("positive", S.Hadamard(x, x))]) is False


def test_a_statement_says_nothing_where_its_hypotheses_fail():
    minus_exp = Neg(call("exp", x))
    assert agrees(call("log", minus_exp), x, POSITIVE)  # log|-eˣ| = x in the total semantics
    verdict = N.compare(call("log", minus_exp), x, POSITIVE, hypotheses=[("positive", minus_exp)])
    assert verdict.agrees is None and verdict.draws == 0
    assert "-exp(x) is not positive" in verdict.reason
    never = S.Sub(X, X)
    verdict = N.compare(Inv(never), S.Identity(S.Dim.of("n")), POSITIVE, hypotheses=[("invertible", never)])
    assert verdict.agrees is None and "is not invertible" in verdict.reason
    assert agrees(Inv(never), S.Identity(S.Dim.of("n")), POSITIVE) is False  # without it, 0 ≠ I


@pytest.mark.parametrize("word, holds, fails", [
    ("invertible", np.eye(2), np.array([[1.0, 2.0], [2.0, 4.0]])),
    ("invertible", np.array([[3.0]]), np.zeros((1, 1))),
    ("nonzero", np.array([[1.0, -2.0]]), np.array([[1.0, 0.0]])),
    ("positive", np.array([[1.0, 2.0]]), np.array([[1.0, -2.0]])),
    ("positive", np.array([[1e-300]]), np.zeros((1, 1))),  # tiny but positive on its own scale
    ("symmetric", np.array([[1.0, 2.0], [2.0, 3.0]]), np.array([[1.0, 2.0], [0.0, 3.0]])),
    ("spd", np.array([[2.0, 1.0], [1.0, 2.0]]), np.array([[1.0, 2.0], [2.0, 1.0]])),
    ("orthogonal", np.array([[0.0, 1.0], [-1.0, 0.0]]), np.array([[1.0, 1.0], [0.0, 1.0]])),
    ("diagonal", np.diag([1.0, 2.0]), np.array([[1.0, 1e-3], [0.0, 1.0]])),
    ("square", np.eye(2), np.ones((2, 1))),
])
def test_hypothesis_words_are_judged_on_the_values(word, holds, fails):
    assert N.holds(word, holds, np.abs(holds))
    assert not N.holds(word, fails, np.abs(fails))


def test_a_declared_positive_name_is_drawn_positive_and_moves_anywhere():
    env = env_of(info("P", "n", "m", "positive"), info("M", "n", "m"))
    rng = np.random.default_rng(3)
    values = N.draw_values(env, {"n": 3, "m": 4}, rng)
    assert (values["P"] > 0).all() and (values["M"] < 0).any()
    dirs = N.draw_directions(env, values, ["P"], rng)
    assert (dirs["P"] < 0).any()
    P = V("P")
    assert agrees(call("exp", call("log", P)), P, env)
    assert agrees(call("exp", call("log", V("M"))), V("M"), env) is False


# ---------------------------------------------------------------------------
# Sizes: non-square and one-sized draws both happen


def test_false_only_at_size_one_is_found():
    n = S.Dim.of("n")
    env = env_of(info("v", "n", 1))
    assert agrees(call("det", S.Ones(n, n)), Num(0), env) is False


def test_false_only_when_non_square_is_found():
    env = env_of(info("A", "m", "n"))
    assert agrees(call("det", mul(T(A), A)), call("det", mul(A, T(A))), env) is False


@given(seed=st.integers(0, 10**6), names=st.sets(st.sampled_from("abcdefgh"), min_size=1))
def test_every_six_draws_cover_distinct_and_one_sizes(seed, names):
    draws = [N.draw_sizes(names, np.random.default_rng(s), s) for s in range(seed, seed + 6)]
    assert all(set(sizes) == names and all(1 <= v <= 6 for v in sizes.values()) for sizes in draws)
    assert any(1 in sizes.values() for sizes in draws)
    wide = [s for s in draws if min(s.values()) >= 2]
    assert wide
    assert len(names) > 5 or any(len(set(s.values())) == len(s) for s in wide)


def test_sizes_evaluate_as_products():
    assert N.size_value(Size.of(2, "m", "n", "n"), {"m": 3, "n": 5}) == 150
    assert N.size_value(ONE, {}) == 1


# ---------------------------------------------------------------------------
# Draws honour the declared properties


PROPS = [
    (),
    ("symmetric",),
    ("spd",),
    ("orthogonal",),
    ("invertible",),
    ("diagonal",),
    ("symmetric", "orthogonal"),
    ("spd", "diagonal"),
    ("const",),
]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**6), n=st.integers(1, 6), c=st.integers(1, 6),
    props=st.sampled_from(PROPS), positive=st.booleans(),
)
def test_draws_have_their_properties(seed, n, c, props, positive):
    square = bool(set(props) - {"diagonal", "const"})
    env = env_of(info("M", "n", "n" if square else "c", *props))
    rng = np.random.default_rng(seed)
    m = N.draw_values(env, {"n": n, "c": c}, rng, positive=positive)["M"]
    dm = N.draw_directions(env, {"M": m}, ["M"], rng)["M"]
    assert m.shape == dm.shape == (n, n if square else c)
    assert np.all(np.abs(m) <= 4)
    if m.shape[0] == m.shape[1] or "diagonal" in props:
        assert np.linalg.cond(m) < 20  # well-conditioned: full rank, moderate inverse
    if "symmetric" in props or "spd" in props:
        np.testing.assert_array_equal(m, m.T)  # exactly: the prover uses Sᵀ = S
        np.testing.assert_array_equal(dm, dm.T)
    if "spd" in props:
        assert np.linalg.eigvalsh(m).min() > 0
    if "orthogonal" in props:
        np.testing.assert_allclose(m.T @ m, np.eye(n), atol=1e-12)
        np.testing.assert_allclose(m.T @ dm + dm.T @ m, 0, atol=1e-12)  # tangent: d(Mᵀ M) = 0
    if "diagonal" in props:
        assert np.all(m[~np.eye(*m.shape, dtype=bool)] == 0)
        assert np.all(dm[~np.eye(*m.shape, dtype=bool)] == 0)
    if positive and "orthogonal" not in props:
        assert np.all(m[np.eye(*m.shape, dtype=bool)] > 0)
        assert "diagonal" in props or np.all(m > 0)
    if positive and m.shape[0] == m.shape[1]:
        assert np.linalg.det(m) > 0


def test_general_draws_are_neither_symmetric_nor_positive():
    env = env_of(info("M", "n", "n"), info("v", "n", 1))
    values = N.draw_values(env, {"n": 4}, np.random.default_rng(0))
    assert not np.allclose(values["M"], values["M"].T)
    assert (values["v"] < 0).any() or (values["M"] < 0).any()


def test_a_property_that_holds_only_to_rounding_is_no_disagreement():
    """A symmetric orthogonal Q with equal signs is ±I up to rounding: its off-diagonal
    entries are 1e-16, and so would be their scale if it were |Q|; Q Q = I must hold on
    every draw, while Q = I must not."""
    env = env_of(info("Q", "n", "n", "orthogonal", "symmetric"))
    Q, n = V("Q"), S.Dim.of("n")
    for seed in range(0, 60, 6):
        assert agrees(mul(Q, Q), S.Identity(n), env, seed=seed)
        assert agrees(mul(T(Q), Q), S.Identity(n), env, seed=seed)
    assert agrees(Q, S.Identity(n), env) is False


# ---------------------------------------------------------------------------
# Random products: wrong ones are refuted, right ones never are

DIMS = st.sampled_from(["m", "n", "p", "q"])


def chain_env(dims: list[str]) -> tuple[Env, list[S.Expr]]:
    infos = [info(f"F{i}", dims[i], dims[i + 1]) for i in range(len(dims) - 1)]
    return env_of(*infos), [V(i.name) for i in infos]


@st.composite
def chains(draw, min_factors=1):
    k = draw(st.integers(min_factors, 4))
    return draw(st.lists(DIMS, min_size=k + 1, max_size=k + 1))


@settings(max_examples=40, deadline=None)
@given(dims=chains(min_factors=3), data=st.data(), seed=st.integers(0, 10**6))
def test_swapping_two_non_square_factors_is_refuted(dims, data, seed):
    i = data.draw(st.integers(0, len(dims) - 4))
    j = data.draw(st.integers(i + 2, len(dims) - 2))
    rows, cols = data.draw(st.lists(DIMS, min_size=2, max_size=2, unique=True))
    dims[i] = dims[j] = rows
    dims[i + 1] = dims[j + 1] = cols
    env, fs = chain_env(dims)
    swapped = list(fs)
    swapped[i], swapped[j] = fs[j], fs[i]
    assert agrees(mul(*fs), mul(*swapped), env, seed=seed) is False


@settings(max_examples=40, deadline=None)
@given(dims=chains(), data=st.data(), seed=st.integers(0, 10**6))
def test_dropping_a_transpose_is_refuted(dims, data, seed):
    i = data.draw(st.integers(0, len(dims) - 2))
    dims[i + 1] = dims[i]
    env, fs = chain_env(dims)
    reversed_ = [f if k == i else T(f) for k, f in enumerate(fs)][::-1]
    assert agrees(T(mul(*fs)), mul(*reversed_), env, seed=seed) is False


@settings(max_examples=40, deadline=None)
@given(dims=chains(), seed=st.integers(0, 10**6))
def test_true_product_identities_are_never_refuted(dims, seed):
    env, fs = chain_env(dims)
    assert agrees(T(mul(*fs)), mul(*[T(f) for f in reversed(fs)]), env, seed=seed)
    dims[-1] = dims[0]
    env, fs = chain_env(dims)
    rotated = fs[1:] + fs[:1]
    assert agrees(call("tr", mul(*fs)), call("tr", mul(*rotated)), env, seed=seed)
    assert agrees(S.Frob(fs[0], fs[0]), call("norm2", fs[0]), env, seed=seed)


# ---------------------------------------------------------------------------
# Round-off is never a disagreement


def test_zero_results_are_judged_against_the_intermediates():
    env = env_of(
        info("A", "m", "n"), info("B", "n", "p"), info("C", "p", "q"), info("X", "n", "n", "invertible")
    )
    A_, B_, C_ = V("A"), V("B"), V("C")
    zeros = lambda r, c: S.Zeros(S.Dim.of(r), S.Dim.of(c))  # noqa: E731
    n = S.Dim.of("n")
    assert agrees(S.Sub(A_, A_), zeros("m", "n"), env)
    assert agrees(S.Sub(mul(mul(A_, B_), C_), mul(A_, mul(B_, C_))), zeros("m", "q"), env)
    assert agrees(S.Sub(mul(X, Inv(X)), S.Identity(n)), zeros("n", "n"), env)
    assert agrees(S.Add(d(Inv(X)), mul(Inv(X), d(X), Inv(X))), zeros("n", "n"), env)
    assert agrees(S.Sub(mul(X, Inv(X)), S.Identity(n)), S.Identity(n), env) is False


# ---------------------------------------------------------------------------
# Counterexamples are reproducible and readable


def test_counterexample_reproduces_from_its_seed():
    env = env_of(info("A", "n", "n"), info("B", "n", "n"))
    lhs, rhs = mul(A, B), mul(B, A)
    first = N.compare(lhs, rhs, env, seed=1).counterexample  # seed 1 draws n = 1: they agree
    assert first.seed == 2
    again = N.compare(lhs, rhs, env, seed=first.seed, draws=1)
    assert again.agrees is False and again.draws == 1
    cx = again.counterexample
    assert cx.sizes == first.sizes and cx.rel_diff == first.rel_diff
    np.testing.assert_array_equal(cx.lhs, first.lhs)
    np.testing.assert_array_equal(cx.rhs, first.rhs)
    for name in ("A", "B"):
        np.testing.assert_array_equal(cx.values[name], first.values[name])
        np.testing.assert_array_equal(cx.directions[name], first.directions[name])


def test_describe_names_sizes_seed_and_both_sides():
    cx = N.compare(*REFUTES["trace_swap"], EXAMPLES).counterexample
    text = cx.describe()
    assert f"n={cx.sizes['n']}" in text and f"seed {cx.seed}" in text
    assert "relative difference" in text
    assert f"{cx.lhs[0, 0]:.6g}" in text and f"{cx.rhs[0, 0]:.6g}" in text


def test_verdict_counts_only_evaluated_draws():
    verdict = N.compare(A, A, EXAMPLES, draws=3)
    assert verdict == N.Verdict(True, None, 0.0, 3)


# ---------------------------------------------------------------------------
# The scale: each side against the error scale of its own terms (issue 12, item 4)

TINY = Num(Fraction(1, 10**9))
WIDE = env_of(info("A", 2, 3), info("B", 3, 2), info("c", 1, 1), info("x", "n", 1))


def test_a_false_identity_times_1e_9_is_still_false():
    verdict = N.compare(mul(TINY, x), mul(Num(Fraction(2, 10**9)), x), WIDE)
    assert verdict.agrees is False and verdict.counterexample.rel_diff > 0.1  # |x - 2x| / (|x| + 2|x|) = 1/3
    # B (A B + (c - c) I)⁻¹ A has rank 2 of 3: not I(3), at any scale
    A_, B_, c = V("A"), V("B"), V("c")
    shifted = S.Add(mul(A_, B_), mul(S.Sub(c, c), S.Identity(S.Dim.of(2))))
    for factor in (Num(1), TINY, Num(Fraction(1, 10**30))):
        lhs, rhs = mul(factor, mul(B_, Inv(shifted), A_)), mul(factor, S.Identity(S.Dim.of(3)))
        verdict = N.compare(lhs, rhs, WIDE, hypotheses=[("invertible", shifted)])
        assert verdict.agrees is False, factor
        assert verdict.counterexample.rel_diff > 1e-3


CANCEL = env_of(info("A", "m", "n"), info("B", "m", "n"), info("C", "n", "n"), info("x", "n", 1))
C_, Bm = V("C"), V("B")


def zeros(r: str, c: str | int) -> S.Expr:
    return S.Zeros(S.Dim.of(r), S.Dim.of(c) if c != 1 else None)


def long_sum(terms: list[S.Expr]) -> S.Expr:
    out = terms[0]
    for t in terms[1:]:
        out = S.Add(out, t)
    return out


GRAM = S.Add(mul(T(C_), C_), S.Identity(S.Dim.of("n")))  # CᵀC + I: well conditioned, never singular
CANCELLING = {
    "x - x": (S.Sub(x, x), zeros("n", 1)),
    "(A+B)ᵀ - Aᵀ - Bᵀ": (S.Sub(S.Sub(T(S.Add(A, Bm)), T(A)), T(Bm)), zeros("n", "m")),
    "a long sum, in two orders": (
        long_sum([mul(Num(Fraction(k, 7)), A if k % 2 else Bm) for k in range(1, 41)]),
        long_sum([mul(Num(Fraction(k, 7)), A if k % 2 else Bm) for k in range(40, 0, -1)])),
    "a long sum minus itself": (
        S.Sub(long_sum([mul(Num(Fraction(k, 3)), call("exp", A)) for k in range(1, 31)]),
              long_sum([mul(Num(Fraction(k, 3)), call("exp", A)) for k in range(30, 0, -1)])), zeros("m", "n")),
    "an inverse of a compound": (mul(Inv(GRAM), GRAM), S.Identity(S.Dim.of("n"))),
    "push-through": (mul(Inv(S.Add(S.Identity(S.Dim.of("m")), mul(A, T(A)))), A),
                     mul(A, Inv(S.Add(S.Identity(S.Dim.of("n")), mul(T(A), A))))),
    "a complex step through an inverse": (
        d(Inv(GRAM)), Neg(mul(Inv(GRAM), S.Add(mul(T(d(C_)), C_), mul(T(C_), d(C_))), Inv(GRAM)))),
    "a difference of derivatives": (S.Sub(d(call("det", GRAM)), d(call("det", GRAM))), Num(0)),
    "nested differences": (d(d(call("logdet", GRAM))),
                           S.Sub(call("tr", mul(Inv(GRAM), d(d(GRAM)))),
                                 call("tr", mul(Inv(GRAM), d(GRAM), Inv(GRAM), d(GRAM))))),
}


@pytest.mark.parametrize("name", CANCELLING)
def test_true_identities_with_heavy_cancellation_are_never_false(name):
    lhs, rhs = CANCELLING[name]
    for factor in (None, TINY):
        l, r = (lhs, rhs) if factor is None else (mul(factor, lhs), mul(factor, rhs))
        verdict = N.compare(l, r, CANCEL, draws=12)
        assert verdict.agrees is True, (name, factor, verdict.counterexample and verdict.counterexample.describe())
        # measured worst: 5e-16 of the scale without differences (tolerance 1e-8), 5e-14 after
        # a level of them (tolerance 1e-6)
        assert verdict.max_rel_diff < 1e-3 * N.tolerance(1 if name == "nested differences" else 0)


SHAPED_ENV = env_of(info("A", "n", "n"), info("B", "n", "n"), info("C", "n", "m"), info("X", "n", "n", "invertible"),
                    info("x", "n", 1), info("s", 1, 1))
SHAPED = sorted({i.shape for i in SHAPED_ENV.values()}, key=str)


def _shaped(data, depth: int = 3) -> tuple[S.Expr, S.Expr, S.Expr]:
    shape = data.draw(st.sampled_from(SHAPED), "shape")
    e = data.draw(well_shaped(SHAPED_ENV, shape, max_depth=depth), "e")
    z = data.draw(well_shaped(SHAPED_ENV, shape, max_depth=2), "z")
    k = S.Identity(shape.rows.to_dim()) if shape.rows == shape.cols else \
        S.Ones(shape.rows.to_dim(), None if shape.cols.is_one else shape.cols.to_dim())
    return e, z, k


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), seed=st.integers(0, 10**6))
def test_random_true_identities_are_never_false_at_any_scale(data, seed):
    """`e = (e + z) - z`, times 1 and 1e-9, and `d(e) = d(e + z) - d(z)` (complex steps),
    for random well-shaped e and z: cancellation is judged against the scale of z."""
    e, z, _ = _shaped(data)
    for lhs, rhs in [(e, S.Sub(S.Add(e, z), z)), (mul(TINY, e), mul(TINY, S.Sub(S.Add(e, z), z))),
                     (d(e), S.Sub(d(S.Add(e, z)), d(z)))]:
        verdict = N.compare(lhs, rhs, SHAPED_ENV, seed=seed, draws=3)
        assert verdict.agrees is not False, verdict.counterexample.describe()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), seed=st.integers(0, 10**6))
def test_random_second_differentials_are_never_false(data, seed):
    e, z, _ = _shaped(data, depth=2)
    verdict = N.compare(d(d(e)), S.Sub(d(d(S.Add(e, z))), d(d(z))), SHAPED_ENV, seed=seed, draws=2)
    assert verdict.agrees is not False, verdict.counterexample.describe()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), seed=st.integers(0, 10**6), tiny=st.sampled_from([9, 30, 100]))
def test_a_false_identity_stays_false_times_a_tiny_factor(data, seed, tiny):
    """`e = e + (3/4) K` (K = I or ones) is false wherever it is evaluated; so it is times
    1e-9, 1e-30 and 1e-100 (the scales shrink with the values)."""
    e, _, k = _shaped(data)
    wrong = S.Add(e, mul(Num(Fraction(3, 4)), k))
    factor = Num(Fraction(1, 10**tiny))
    assert N.compare(e, wrong, SHAPED_ENV, seed=seed, draws=3).agrees is False
    assert N.compare(mul(factor, e), mul(factor, wrong), SHAPED_ENV, seed=seed, draws=3).agrees is False


# ---------------------------------------------------------------------------
# A time limit, and any seed


BIG = env_of(info("x", 100, 1), info("A", 100, 100))
HESS = (call("hess", S.Add(mul(T(x), A, x), call("sum", call("exp", x))), x),
        S.Add(S.Add(A, T(A)), call("diag", call("exp", x))))


def test_the_numeric_check_ends_within_its_time_limit():
    """A Hessian over 100 entries: 100 columns of finite differences, each of 4 gradients of
    100 complex steps (without a limit it ran for minutes). The fastest of three runs, as a
    stall from another process is not an overrun."""
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        verdict = N.compare(*HESS, BIG, seconds=0.3)
        runs.append(time.perf_counter() - start)
        assert verdict.agrees is None and verdict.reason == "the numeric check ran out of time (0.3 s)"
        if runs[-1] <= 1.0:
            break
    assert min(runs) <= 1.0, runs  # the deadline is checked at every directional derivative


def test_no_time_limit_and_a_generous_one_give_the_same_verdict():
    lhs, rhs = CLAIMS["hess_quad"]
    assert N.compare(lhs, rhs, EXAMPLES, seconds=60) == N.compare(lhs, rhs, EXAMPLES)
    assert N.compare(lhs, rhs, EXAMPLES, seconds=0).agrees is None


@pytest.mark.parametrize("seed", [-1, -(10**30), 2**64 - 1, 10**30])
def test_any_integer_is_a_seed(seed):
    verdict = N.compare(*REFUTES["trace_swap"], EXAMPLES, seed=seed, draws=6)
    assert verdict.agrees is False
    again = N.compare(*REFUTES["trace_swap"], EXAMPLES, seed=verdict.counterexample.seed, draws=1)
    assert again.counterexample.rel_diff == verdict.counterexample.rel_diff
    assert N.compare(*CLAIMS["trace_cyclic"], EXAMPLES, seed=seed).agrees is True


# ---------------------------------------------------------------------------
# Issue 16: abs, sign, relu, step, pinv, diag of a square matrix, rank properties


def test_kinked_functions_have_their_conventional_values_at_zero():
    v = np.array([[-2.0, 0.0, 3.0]])
    expected = {"abs": [2, 0, 3], "sign": [-1, 0, 1], "relu": [0, 0, 3], "step": [0, 0, 1]}
    for fn, want in expected.items():
        assert N.evaluate(call(fn, V("v")), {"v": v}, {}).tolist() == [want], fn


def test_no_derivative_at_a_kink_but_one_away_from_it():
    at_kink, away = {"x": np.array([[0.0], [1.0]])}, {"x": np.array([[-0.5], [1.0]])}
    dirs = {"x": np.ones((2, 1))}
    expected = {"abs": [[-1], [1]], "relu": [[0], [1]], "sign": [[0], [0]], "step": [[0], [0]]}
    for fn, want in expected.items():
        with pytest.raises(N.DomainError, match="convention"):
            N.evaluate(d(call(fn, x)), at_kink, {}, directions=dirs)
        assert np.allclose(N.evaluate(d(call(fn, x)), away, {}, directions=dirs), want), fn


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 5), st.integers(0, 2**32 - 1))
def test_pinv_is_numpys_pseudo_inverse_at_every_rank(rows, cols, rank, seed):
    rng = np.random.default_rng(seed)
    rank = min(rank, rows, cols)
    m = rng.standard_normal((rows, rank)) @ rng.standard_normal((rank, cols))
    got = N.evaluate(call("pinv", V("M")), {"M": m}, {})
    assert got.shape == (cols, rows)
    assert np.allclose(got, np.linalg.pinv(m), atol=1e-9)


def test_pinv_has_a_derivative_at_full_rank_only():
    tall, dirs = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]), {"M": np.ones((3, 2))}
    got = N.evaluate(d(call("pinv", V("M"))), {"M": tall}, {}, directions=dirs)
    h = 1e-6  # central difference of numpy's pinv
    fd = (np.linalg.pinv(tall + h * dirs["M"]) - np.linalg.pinv(tall - h * dirs["M"])) / (2 * h)
    assert np.allclose(got, fd, atol=1e-6)
    with pytest.raises(N.DomainError, match="convention"):
        N.evaluate(d(call("pinv", V("M"))), {"M": np.outer([1.0, 2, 3], [1.0, 1])}, {}, directions=dirs)


def test_diag_reads_the_shape():
    m = np.arange(9.0).reshape(3, 3)
    assert N.evaluate(call("diag", V("M")), {"M": m}, {}).tolist() == [[0.0], [4.0], [8.0]]
    assert np.array_equal(N.evaluate(call("diag", x), {"x": np.array([[1.0], [2.0]])}, {}), np.diag([1.0, 2.0]))
    assert N.evaluate(call("diag", V("s")), {"s": np.array([[5.0]])}, {}).tolist() == [[5.0]]
    with pytest.raises(ValueError, match="square"):
        N.evaluate(call("diag", V("M")), {"M": np.ones((2, 3))}, {})


@pytest.mark.parametrize("word, wide_ok", [("fullcolrank", False), ("fullrowrank", True)])
def test_rank_properties_shape_the_draws_and_are_judged(word, wide_ok):
    env = env_of(info("M", "m", "n", word))
    for seed in range(9):
        rng = np.random.default_rng(seed)
        sizes = N.draw_sizes(env.dims, rng, seed, env)
        m = N.draw_values(env, sizes, rng)["M"]
        assert (m.shape[0] <= m.shape[1]) if wide_ok else (m.shape[0] >= m.shape[1]), sizes
        assert N.holds(word, m, np.abs(m))
    low = np.outer([1.0, 2.0, 3.0], [1.0, 1.0])
    assert not N.holds(word, low, np.abs(low)) and N.refuted(word, low, np.abs(low))
    wrong_shape = np.ones((2, 3)) if not wide_ok else np.ones((3, 2))
    assert N.refuted(word, wrong_shape, wrong_shape)
