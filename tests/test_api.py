"""The Python face: builders make the parser's trees, and `prove`/`simplify` answer as the
checker does (one shared checker for the whole process)."""

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings

import rewrite
from rewrite import api, check, kernel, rules
from rewrite import syntax as S
from rewrite.api import (
    Mat,
    NotProved,
    Proof,
    Scalar,
    Term,
    Vec,
    d,
    det,
    diag,
    exp,
    eye,
    frob,
    grad,
    hadamard,
    hess,
    inv,
    jac,
    kron,
    log,
    logdet,
    norm,
    norm2,
    ones,
    prove,
    sigmoid,
    simplify,
    sqrt,
    tanh,
    tr,
    vec,
    zeros,
)
from rewrite.api import sum as sum_
from rewrite.errors import ParseError, RewriteError, ShapeError
from rewrite.parse import parse_decl, parse_expr, parse_text
from rewrite.printing import show
from rewrite.shapes import env_from_decls, infer
from rewrite.strategies import well_shaped

A, B = Mat("A", "m", "n"), Mat("B", "n", "m")
X, Y = Mat("X", "n", "n", "invertible"), Mat("Y", "n", "n")
Σ = Mat("Σ", "n", "n", "spd")
x, y, b = Vec("x", "n"), Vec("y", "n"), Vec("b", "m")
s = Scalar("s")

BUILT = [
    (A @ x - b, "A x - b"),
    (A * x - b, "A x - b"),
    (A.T, "Aᵀ"),
    (tr(A @ B), "tr(A B)"),
    (2 * A, "2 A"),
    (A * 2, "A * 2"),
    (-2 * A, "-2 A"),
    (0.1 * A, "0.1 A"),
    (Fraction(1, 3) * A, "1/3 A"),
    (s * A, "s A"),
    (-A, "-A"),
    (A / 2, "A / 2"),
    (A / s, "A / s"),
    (1 / s, "1 / s"),
    (1 - s, "1 - s"),
    (s + 1, "s + 1"),
    (X ** 2, "X²"),
    (X ** 0, "X^0"),
    (X ** -1, "X⁻¹"),
    (X.I, "X⁻¹"),
    (inv(X), "inv(X)"),
    (X.I.T, "X⁻ᵀ"),
    (s ** 0.5, "s^0.5"),
    (norm2(A @ x - b), "‖A x - b‖²"),
    (norm(A), "‖A‖"),
    (frob(A, A), "A : A"),
    (hadamard(x, y), "x ⊙ y"),
    (kron(A, B), "A ⊗ B"),
    (det(X), "det(X)"),
    (logdet(Σ), "logdet(Σ)"),
    (sum_(A), "sum(A)"),
    (diag(x), "diag(x)"),
    (vec(A), "vec(A)"),
    (exp(A), "exp(A)"),
    (log(A), "log(A)"),
    (sqrt(A), "sqrt(A)"),
    (sigmoid(x), "sigmoid(x)"),
    (tanh(x), "tanh(x)"),
    (d(X.I), "d(X⁻¹)"),
    (grad(norm2(A @ x - b), x), "d/dx ‖A x - b‖²"),
    (grad(logdet(Σ), Σ), "grad(logdet(Σ), Σ)"),
    (jac(A @ x, x), "jac(A x, x)"),
    (jac(vec(A @ Y), vec(Y)), "jac(vec(A Y), vec(Y))"),
    (hess(x.T @ Y @ x, x), "hess(xᵀ Y x, x)"),
    (ones("n") - x, "ones(n) - x"),
    (ones("m", "n") + A, "ones(m, n) + A"),
    (zeros("n", "n") + Y, "zeros(n, n) + Y"),
    (eye("n") + X, "I(n) + X"),
    (eye(3), "I(3)"),
]


@pytest.mark.parametrize("term, text", BUILT, ids=[t for _, t in BUILT])
def test_builders_build_the_parsers_trees(term, text):
    assert term.expr == parse_expr(text)
    assert str(term) == repr(term) == show(parse_expr(text))


def test_terms_carry_the_declarations_they_use():
    term = A @ x - b
    want = env_from_decls(parse_text("let A : Mat(m, n)\nlet x : Vec(n)\nlet b : Vec(m)").decls)
    assert {decl.names[0] for decl in term.decls} == {"A", "x", "b"}
    assert dict(term.env) == dict(want)
    assert term.shape == infer(term.expr, want)
    assert eye("n").decls == () and (2 * eye("n")).decls == ()


@pytest.mark.parametrize("term, text", [
    (Mat("S", "n", "n", "spd"), "S : Mat(n, n) spd"),
    (Mat("K", "m n", 3), "K : Mat(m n, 3)"),
    (Vec("w₁", "k", "const"), "w₁ : Vec(k) const"),
    (Scalar("λ"), "λ : Scalar"),
])
def test_declarations_read_like_let_lines(term, text):
    (decl,) = term.decls
    assert decl == parse_decl(text)


@pytest.mark.parametrize("make, error, words", [
    (lambda: Mat("tr", "n", "n"), ParseError, "reserved"),
    (lambda: Mat("A, B", "n", "n"), ParseError, "single name"),
    (lambda: Mat("A²", "n", "n"), ParseError, "A²"),
    (lambda: Mat("P", "m", "n", "spd"), ShapeError, "square"),
    (lambda: Mat("P", "n", "n", "lovely"), RewriteError, "lovely"),
    (lambda: Vec("v", 0), RewriteError, "v"),
    (lambda: Vec("v", 2.5), TypeError, "2.5"),
])
def test_bad_declarations_raise(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_one_name_declared_twice_differently_is_a_shape_error():
    Z = Mat("Z", "n", "n")
    assert (Z + Mat("Z", "n", "n")).decls == Z.decls
    with pytest.raises(ShapeError, match="'Z' is declared twice"):
        Mat("Z", "n", "n") + Mat("Z", "n", "n", "symmetric")
    with pytest.raises(ShapeError, match="'x' is declared twice"):
        Vec("x", "m") + A @ x


def test_shape_errors_are_raised_where_the_term_is_built():
    with pytest.raises(ShapeError, match=r"cannot multiply A \(m×n\) by b \(m×1\)"):
        A @ b
    with pytest.raises(ShapeError, match=r"write ones\(n\) - x"):
        1 - x
    with pytest.raises(ShapeError, match="divisor must be 1×1"):
        A / x
    with pytest.raises(ShapeError, match="square"):
        tr(A)


def test_operands_must_be_terms_or_numbers():
    with pytest.raises(TypeError):
        A + "x"
    with pytest.raises(TypeError):
        True * A
    with pytest.raises(TypeError, match="declared name"):
        grad(norm2(x), x.T)
    with pytest.raises(TypeError, match="declared name"):
        grad(norm2(A), vec(A))
    with pytest.raises(ValueError, match="finite"):
        float("nan") * A


# ---------------------------------------------------------------------------
# Random well-shaped trees, rebuilt with the builders

NAMED = {t.expr.name: t for t in (
    Mat("A", "n", "n"), Mat("B", "n", "n"), Mat("C", "n", "n"), Mat("X", "n", "n", "invertible"),
    Mat("P", "m", "n"), Vec("x", "n"), Vec("y", "n"), Scalar("s"), Scalar("t"))}
ENV = env_from_decls([decl for t in NAMED.values() for decl in t.decls])
BINARY = {S.Add: lambda a, b: a + b, S.Sub: lambda a, b: a - b, S.Mul: lambda a, b: a @ b,
          S.Div: lambda a, b: a / b, S.Hadamard: hadamard, S.Frob: frob, S.Kron: kron}


def rebuild(e: S.Expr) -> Term:
    """The builder calls a user would write for `e` (numbers as number terms, so that
    Python does not fold `2 * 3`)."""
    match e:
        case S.Var(name):
            return NAMED[name]
        case S.Num():
            return Term(e)
        case S.Identity(size):
            return eye(" ".join(map(str, size.factors)))
        case S.Ones(rows, cols):
            return ones(*(" ".join(map(str, dim.factors)) for dim in (rows, cols) if dim is not None))
        case S.Neg(a):
            return -rebuild(a)
        case S.Transpose(a):
            return rebuild(a).T
        case S.Inverse(a):
            return rebuild(a).I
        case S.Power(a, k):
            return rebuild(a) ** int(k)
        case S.Call(fn, (a,)):
            return getattr(api, fn)(rebuild(a))
    return BINARY[type(e)](rebuild(e.left), rebuild(e.right))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(well_shaped(ENV))
def test_builders_rebuild_any_well_shaped_tree(e):
    term = rebuild(e)
    assert term.expr == e
    assert term.shape == infer(e, ENV)
    assert {decl.names[0] for decl in term.decls} == S.free_names(e)
    assert parse_expr(str(term)) == e


# ---------------------------------------------------------------------------
# prove and simplify


def test_prove_returns_a_checked_proof():
    proof = prove(grad(norm2(A @ x - b), x), 2 * A.T @ (A @ x - b))
    assert isinstance(proof, Proof) and proof.ok and proof
    assert proof.outcome == "proved" and proof.counterexample is None
    assert proof.statement == "d/dx ‖A x - b‖² = 2 Aᵀ (A x - b)"
    assert isinstance(proof.steps, int) and proof.steps > 0 and proof.seconds > 0
    theorem = kernel.check_certificate(proof.certificate, rules.load().compiled)
    assert theorem.steps == proof.steps


def test_a_false_claim_is_unknown_with_its_counterexample():
    answer = prove(grad(norm2(A @ x - b), x), A.T @ (A @ x - b))
    assert isinstance(answer, NotProved) and not answer.ok and not answer
    assert answer.outcome == "false" and answer.certificate is None
    assert set(answer.counterexample) >= {"sizes", "seed", "values"}
    assert "seed" in answer.message


def test_an_unprovable_true_claim_is_unknown_without_counterexample():
    answer = prove(tanh(s), 2 * sigmoid(2 * s) - 1)  # true, but no rule relates tanh and sigmoid
    assert isinstance(answer, NotProved) and answer.outcome == "unknown"
    assert answer.counterexample is None and answer.message


def test_prove_reads_strings_declared_by_let():
    assert prove("tr(A B)", "tr(B A)", let=["A: Mat(m, n)", "let B: Mat(n, m)"]).ok
    assert prove("(Pᵀ)ᵀ", "P", let="P: Mat(m, k)").ok
    assert prove((A @ B).T, "Bᵀ Aᵀ").ok  # a string may use the names of the other side


def test_prove_raises_on_bad_input():
    with pytest.raises(ShapeError, match="cannot multiply"):
        prove("A b", "b", let=["A: Mat(m, n)", "b: Vec(m)"])
    with pytest.raises(ShapeError, match="not declared"):
        prove("Q", "Q")
    with pytest.raises(ParseError):
        prove("A +", "A", let="A: Mat(n, n)")
    with pytest.raises(ShapeError, match="declared twice"):
        prove(A, A, let="A: Mat(n, n)")


def test_the_seed_picks_the_draws():
    wrong = (grad(norm2(A @ x - b), x), A.T @ (A @ x - b))
    first, again, other = prove(*wrong, seed=0), prove(*wrong, seed=0), prove(*wrong, seed=100)
    assert first.counterexample == again.counterexample
    assert first.counterexample["seed"] < 100 <= other.counterexample["seed"]


def test_the_timeout_bounds_the_search():
    claim = (tanh(s), 2 * sigmoid(2 * s) - 1)  # beyond the rules: the search runs until it stops
    assert "time limit (1e-06 s)" in prove(*claim, timeout=1e-6).message
    assert "time limit" not in prove(*claim, timeout=30).message


def test_simplify_a_term():
    simpler, proof = simplify((A.T @ b.T.T).T.T + 0 * A.T @ b)
    assert isinstance(simpler, Term) and simpler.expr == parse_expr("Aᵀ b")
    assert {decl.names[0] for decl in simpler.decls} == {"A", "b"}
    assert proof.ok and kernel.check_certificate(proof.certificate, rules.load().compiled)


def test_simplify_a_string():
    simpler, proof = simplify("(Pᵀ)ᵀ", let="P: Mat(m, k)")
    assert simpler == parse_expr("P") and proof.ok
    with pytest.raises(ShapeError):
        simplify("P x", let=["P: Mat(m, k)", "x: Vec(m)"])


def test_one_checker_serves_every_call(monkeypatch):
    loads = []
    real = rules.load
    monkeypatch.setattr(check.rules, "load", lambda *a, **k: loads.append(a) or real(*a, **k))
    api._shared.cache_clear()
    prove(A.T.T, A, seed=1, timeout=1.0)
    prove(A.T.T, A, seed=2, timeout=3.0)
    simplify(A.T.T)
    assert len(loads) == 1


def test_the_package_exports():
    for name in ["Mat", "Vec", "Scalar", "Term", "prove", "simplify", "Proof", "NotProved", "tr", "grad", "eye"]:
        assert getattr(rewrite, name) is getattr(api, name)
    assert rewrite.check_file is api.check_file is check.check_file
    assert rewrite.parse_expr is parse_expr
    for error in (rewrite.ParseError, rewrite.ShapeError, rewrite.RuleError, rewrite.CheckError):
        assert issubclass(error, rewrite.RewriteError)
    assert "sum" not in rewrite.__all__ and rewrite.sum is sum_
    assert all(hasattr(rewrite, name) for name in rewrite.__all__)


def test_the_issue_16_builders():
    """abs (Python's own or `abs_`), sign, relu, step, pinv and diag of a square matrix."""
    assert show(abs(x).expr) == "abs(x)" and api.abs_(x).expr == abs(x).expr
    assert show((api.sign(x) + api.relu(x) - api.step(x)).expr) == "sign(x) + relu(x) - step(x)"
    assert prove(grad(sum_(abs(x)), x), api.sign(x))
    assert prove(grad(b.T @ api.relu(A @ x), x), A.T @ hadamard(b, api.step(A @ x)))
    assert prove(grad(sum_(abs(x)), x), ones("n")).outcome == "false"
    F = Mat("F", "m", "n", "fullcolrank")
    assert prove(api.pinv(F) @ F, eye("n"))
    assert prove(api.pinv(A) @ A, eye("n")).outcome == "false"
    assert prove(tr(Y), ones("n").T @ diag(Y))
