"""The statement's hypotheses, read in full: a 1×1 divisor's factors, and draws that meet
an affine `positive` hypothesis (issue 15). Each test fails if the mechanism is removed:
without the split, the cosine gradient is not proved; without the solved draw, the log
barrier's numeric check cannot run, so a wrong barrier gradient would not come out false."""

from __future__ import annotations

from rewrite import numeric
from rewrite import syntax as S
from rewrite.api import prove
from rewrite.kernel import assumptions
from rewrite.parse import parse_text
from rewrite.shapes import env_from_decls

LP = ["A: Mat(m, n)", "b: Vec(m)", "x: Vec(n)"]


def _env(text: str):
    return env_from_decls(parse_text(text).decls)


def test_a_product_divisor_assumes_each_factor_nonzero():
    env = _env("let x, y : Vec(n)")
    x, y = S.Var("x"), S.Var("y")
    nx, ny = S.Call("norm", (x,)), S.Call("norm", (y,))
    e = S.Div(y, S.Mul(nx, S.Power(ny, 3)))
    got = {t for w, t in assumptions(e, e, env) if w == "invertible"}
    assert {nx, ny, S.Power(ny, 3), S.Mul(nx, S.Power(ny, 3))} <= got
    # a 1×1 product of non-1×1 factors is not split: xᵀ y ≠ 0 says nothing of x alone
    e2 = S.Div(y, S.Mul(S.Transpose(x), y))
    assert {t for _, t in assumptions(e2, e2, env)} == {S.Mul(S.Transpose(x), y)}


def test_cosine_gradient_is_proved_under_its_hypotheses():
    r = prove("d/dx xᵀ y / (‖x‖ ‖y‖)", "y / (‖x‖ ‖y‖) - (xᵀ y) x / (‖x‖^3 ‖y‖)", let=["x, y: Vec(n)"])
    assert r.outcome == "proved", r.explain()


def test_log_barrier_is_checked_at_points_inside_the_domain():
    right = prove("d/dx -sum(log(b - A x))", "Aᵀ (ones(m) ⊘ (b - A x))", let=LP)
    assert right.outcome == "proved", right.explain()
    wrong = prove("d/dx -sum(log(b - A x))", "-Aᵀ (ones(m) ⊘ (b - A x))", let=LP)
    assert wrong.outcome == "false", wrong.explain()


def test_solved_draw_meets_the_hypothesis_and_leaves_declared_names_alone():
    import numpy as np

    env = _env("let A : Mat(m, n)\nlet b : Vec(m)\nlet x : Vec(n)\nlet c : Vec(m) positive")
    term = S.Sub(S.Var("b"), S.Mul(S.Var("A"), S.Var("x")))
    rng = np.random.default_rng(0)
    sizes = {"m": 4, "n": 3}
    values = numeric.draw_values(env, sizes, rng)
    solved = numeric._solved_for((("positive", term),), values, sizes, env, rng)
    assert solved is not None
    assert (numeric.evaluate(term, solved, sizes).real > 0).all()
    assert all((solved[k] == values[k]).all() for k in ("A", "x", "c"))
    # a declared name (here `c`, declared positive) is never solved for
    assert numeric._solved_for((("positive", S.Sub(S.Var("c"), S.Var("b"))),), values, sizes, env, rng) is None
