"""Sizes as numbers (issue 16): a declared size `n` used in an expression is a positive
integer scalar (`SizeOf`), also as an exponent (`c^n`, `c^(n - 1)`: `SizePower`); a rule
binds a size letter from the shapes it matches (`det(c A) = c^n det(A) if A : n×n`).

From the text a user writes to the kernel's verdict: parsing, elaboration and its located
errors, printing, the numbers, rule text, and the checker's outcomes.
"""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rewrite import numeric, rules, sexpr
from rewrite import syntax as S
from rewrite.check import Checker, Settings
from rewrite.compiled import write_rule
from rewrite.errors import ParseError, ShapeError
from rewrite.kernel import read_rule
from rewrite.parse import parse_expr, parse_text
from rewrite.printing import show
from rewrite.ruletext import parse_rule
from rewrite.shapes import elaborate, elaborate_statement, env_from_decls
from rewrite.sizes import SCALAR, Size

DECLS = "let A : Mat(n, n)\nlet W : Mat(m, n)\nlet c : Scalar\n"


def env_of(text: str = DECLS):
    return env_from_decls(parse_text(text).decls)


def elab(text: str, decls: str = DECLS) -> S.Expr:
    return elaborate(parse_expr(text), env_of(decls))[0]


def size(*factors) -> S.SizeOf:
    return S.SizeOf(S.Dim(tuple(factors)))


# ---------------------------------------------------------------------------
# Reading and elaborating


def test_a_size_name_elaborates_to_the_size_as_a_number():
    assert elab("n") == size("n")
    assert elab("tr(I(n)) + m n") == S.Add(S.Call("tr", (S.Identity(S.Dim.of("n")),)), S.Mul(size("m"), size("n")))


def test_a_size_exponent_parses_and_elaborates():
    assert elab("c^n") == S.SizePower(S.Var("c"), size("n"))
    assert elab("c^(n - 1)") == S.SizePower(S.Var("c"), S.Sub(size("n"), S.Num(1)))
    assert elab("det(A)^(m n)") == S.SizePower(S.Call("det", (S.Var("A"),)), S.Mul(size("m"), size("n")))
    # a numeral exponent stays an ordinary power
    assert elab("c^2") == S.Power(S.Var("c"), Fraction(2))


def test_a_name_both_a_size_and_a_variable_is_a_located_error():
    pf = parse_text("let A : Mat(n, n)\nlet n : Scalar\nclaim x: n = n\n")
    with pytest.raises(ShapeError) as e:
        env_from_decls(pf.decls, file="f.proof")
    assert "'n' is a size (of A) and cannot also be declared as a scalar" in e.value.message
    assert (e.value.line, e.value.col) == (2, 1)  # the declaration of the variable


def test_the_checker_reports_the_clash_at_the_declaration():
    [r] = Checker(Settings()).check_text("let n : Scalar\nlet x : Vec(n)\nclaim t: n = n\n", "f.proof")
    assert r.outcome == "error" and "f.proof:1:" in r.message and "is a size" in r.message


@pytest.mark.parametrize("text, words, col", [
    ("c^c", "the exponent c is not an integer made of sizes", 3),
    ("c^(n / 2)", "the exponent n / 2 is not an integer made of sizes", 6),  # at its operator
    ("c^(0.5 n)", "is not an integer made of sizes", 8),
    ("A^n", "c^k needs a scalar c, but A is n×n", 2),
])
def test_a_bad_size_power_is_a_located_error(text, words, col):
    with pytest.raises(ShapeError) as e:
        elab(text)
    assert words in e.value.message
    assert e.value.col == col


def test_an_undeclared_name_is_still_not_declared():
    with pytest.raises(ShapeError, match="'k' is not declared"):
        elab("c^k")


def test_printing_reads_back():
    for text in ("c^n", "c^(n - 1)", "(-1)^n det(A)", "det(A)^(m n)", "tr(I(n)) - n", "2^n"):
        e = elab(text)
        for notation in ("unicode", "ascii"):
            assert elab(show(e, notation)) == e, (text, notation)
    assert show(elab("c^(n - 1)"), "latex") == "{c}^{n - 1}"


def test_sexpr_round_trip():
    e = elab("(-1)^n c^(m n - 1) + m")
    assert sexpr.term(sexpr.read(sexpr.show(e))) == e
    assert sexpr.show(size("m", "n")) == "(size m*n)"


# ---------------------------------------------------------------------------
# The numbers


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.floats(-3, 3, allow_nan=False).filter(lambda v: abs(v) > 0.1))
def test_a_size_evaluates_to_its_drawn_value(n, m, cv):
    env = env_of()
    e = elab("c^(m n - 1) + m")
    values = {"A": np.eye(n), "W": np.ones((m, n)), "c": np.array([[cv]])}
    got = numeric.evaluate(e, values, {"n": n, "m": m})
    assert got[0, 0] == pytest.approx(cv ** (m * n - 1) + m)
    assert env.dims == {"m", "n"}


def test_a_negative_size_power_is_that_of_the_reciprocal_and_zero_at_zero():
    e = elab("c^(1 - n)")
    got = numeric.evaluate(e, {"A": np.eye(3), "W": np.ones((2, 3)), "c": np.array([[2.0]])}, {"n": 3, "m": 2})
    assert got[0, 0] == pytest.approx(0.25)
    got = numeric.evaluate(e, {"A": np.eye(3), "W": np.ones((2, 3)), "c": np.array([[0.0]])}, {"n": 3, "m": 2})
    assert got[0, 0] == 0


# ---------------------------------------------------------------------------
# Rules with size letters


def test_a_shape_clause_binds_a_size_letter():
    r = parse_rule("det-smul : det(c A) = c^n det(A)   if A : n×n")
    assert r.size_letters == {"n"} and r.variables == ("A", "c")
    compiled = r.compiled()
    assert dict(compiled.shapes)["A"].rows == Size(1, ("?size_n",))
    assert compiled.sides[1] == S.Mul(S.SizePower(S.Var("c"), size("?size_n")), S.Call("det", (S.Var("A"),)))
    assert read_rule(write_rule(compiled)) == compiled  # the kernel reads it back


def test_sizes_written_in_a_rule_are_size_letters():
    r = parse_rule("x : sum(ones(m, n)) => m n")
    assert r.size_letters == {"m", "n"} and r.variables == ()
    assert r.compiled().sides[1] == S.Mul(size("?size_m"), size("?size_n"))


@pytest.mark.parametrize("line", [
    "x : det(c A) = c det(A)   if A : n×n",
    "x : det(c A) = c^(n - 1) det(A)   if A : n×n",
    "x : det(A ⊗ B) = det(A)^p det(B)^q   if A : p×p, B : q×q",
    "x : logdet(c A) = n log(c) + logdet(A)   if A : n×n, c nonzero",  # false where A is singular
    "x : c^m c^n = c^(m n)   if m size, n size",
    "x : tr(I(n)) => n + 1",
])
def test_a_false_size_rule_refuses_to_load(line):
    with pytest.raises(Exception, match="is false"):
        rules.validate(parse_rule(line))


def test_a_shape_clause_on_an_unused_variable_is_an_error():
    with pytest.raises(ParseError, match="the shape clause names 'B'"):
        parse_rule("x : det(c A) = c^n det(A)   if A : n×n, B : n×n")


def test_the_shipped_size_rules_are_in_the_rule_base():
    compiled = rules.load().compiled
    for name in ("det-smul", "det-neg", "logdet-smul", "det-kron", "logdet-kron", "tr-id-size", "sum-ones-size",
                 "size-pow-succ", "size-pow-add"):
        assert name in compiled


# ---------------------------------------------------------------------------
# Outcomes


@pytest.fixture(scope="module")
def checker():
    return Checker(Settings())


@pytest.mark.parametrize("statement, outcome", [
    ("claim t: det(c A) = c^n det(A)", "proved"),
    ("claim t: det(-A) = (-1)^n det(A)", "proved"),
    ("claim t: tr(I(n)) = n", "proved"),
    ("claim t: sum(ones(m, n)) = m n", "proved"),
    ("refute t: det(c A) = c det(A)", "false"),
    ("refute t: tr(I(n)) = m", "false"),
    ("refute t: c^(n - 1) c = c^(n + 1)", "false"),
])
def test_outcomes(checker, statement, outcome):
    [r] = checker.check_text(DECLS + statement + "\n")
    assert r.outcome == outcome, r.message


def test_the_certificate_of_a_size_claim_verifies(checker):
    from rewrite.kernel import check_certificate
    [r] = checker.check_text(DECLS + "claim t: det(2 A) det(-A) = (-2)^n det(A)^2\n")
    if r.outcome != "proved":
        [r] = checker.check_text(DECLS + "claim t: det(2 A) = 2^n det(A)\n")
    assert r.outcome == "proved", r.message
    theorem = check_certificate(r.certificate, rules.load().compiled)
    assert any(isinstance(t, S.SizePower) for _, t in S.subterms(theorem.rhs))


def test_a_statement_elaborates_sizes_on_both_sides():
    pf = parse_text(DECLS + "claim t: tr(I(n)) = n\n")
    lhs, rhs, shape = elaborate_statement(pf.statements[0], env_of())
    assert rhs == size("n") and shape == SCALAR


# ---------------------------------------------------------------------------
# The API and the CLI


def test_the_api_builds_sizes_and_size_powers():
    from rewrite.api import Mat, Scalar, det, eye, prove, tr
    from rewrite.api import size as size_
    A, c = Mat("A", "n", "n"), Scalar("c")
    assert prove(det(c * A), c ** size_("n") * det(A)).outcome == "proved"
    assert prove(tr(eye("m n")), size_("m n")).outcome == "proved"
    assert prove(c ** (size_("n") - 1) * c, c ** size_("n")).outcome == "proved"
    assert prove(det(c * A), c * det(A)).outcome == "false"
    with pytest.raises(ShapeError, match="not an integer made of sizes"):
        c ** c


def test_the_cli_proves_a_size_claim(tmp_path, capsys):
    from rewrite import cli
    f = tmp_path / "s.proof"
    f.write_text("let A : Mat(n, n)\nclaim s: det(-A) = (-1)^n det(A)\nrefute t: det(-A) = -det(A)\n")
    assert cli.main(["check", str(f)]) == 0
    assert "2 passed, 0 failed" in capsys.readouterr().out


def test_a_size_also_declared_as_a_matrix_is_the_matrix_in_expressions(checker):
    # as in proofs/heldout_mistakes.proof: N is a matrix and the rows of Xd
    text = "let M, N : Mat(n, n) invertible\nlet Xd : Mat(N, p)\nrefute r: (M + N)⁻¹ = M⁻¹ + N⁻¹\n" \
           "claim c: (M N)⁻¹ = N⁻¹ M⁻¹\n"
    results = checker.check_text(text)
    assert [r.outcome for r in results] == ["false", "proved"], [r.message for r in results]
