"""Matrix Hessians, Jacobians of matrix-valued functions and differentials (issue 16).

`hess(f, X)` for an m×n `X` is `jac(vec(∇f), vec(X))`, (m n)×(m n); a Jacobian of a
gradient written out is that Hessian; `rewrite grad F --wrt X` for a matrix-valued `F`
answers `jac(vec(F), vec(X))`, and `--differential` answers `d(F)` in terms of `d(X)`.
"""

import copy
import json

import numpy as np
import pytest

from rewrite import cli, numeric, rules
from rewrite import syntax as S
from rewrite.check import Checker, Settings
from rewrite.errors import ShapeError
from rewrite.kernel import CheckError, as_hessian, check_certificate
from rewrite.parse import parse_expr, parse_text
from rewrite.printing import show
from rewrite.shapes import elaborate, env_from_decls
from rewrite.sizes import Shape, Size

DECLS = "let X : Mat(m, n)\nlet A : Mat(m, m)\nlet B : Mat(n, n)\nlet x : Vec(n)\nlet b : Vec(m)\n"


@pytest.fixture(scope="module")
def env():
    return env_from_decls(parse_text(DECLS).decls)


@pytest.fixture(scope="module")
def checker():
    return Checker(Settings())


def test_a_matrix_hessian_is_mn_by_mn(env):
    _, shape = elaborate(parse_expr("hess(tr(Xᵀ A X), X)"), env)
    mn = Size(1, ("m", "n"))
    assert shape == Shape(mn, mn)


def test_hess_of_a_non_scalar_is_a_shape_error_not_a_kernel_rejection(checker):
    [r] = checker.check_text(DECLS + "claim h: hess(X x, X) = zeros(m n, m n)\n")
    assert r.outcome == "error" and "hess needs a scalar to differentiate" in r.message


def test_the_numbers_evaluate_a_matrix_hessian_as_the_jacobian_of_the_vec_gradient(env):
    rng = np.random.default_rng(1)
    values = {"X": rng.normal(size=(2, 3)), "A": rng.normal(size=(2, 2)), "B": rng.normal(size=(3, 3)),
              "x": rng.normal(size=(3, 1)), "b": rng.normal(size=(2, 1))}
    sizes = {"m": 2, "n": 3}
    h = numeric.evaluate(elaborate(parse_expr("hess(tr(Xᵀ A X), X)"), env)[0], values, sizes)
    a = values["A"]
    assert np.allclose(h, np.kron(np.eye(3), a + a.T))  # vec stacks columns
    assert not np.allclose(h, np.kron(a + a.T, np.eye(3)))  # the other Kronecker order


@pytest.mark.parametrize("statement, outcome", [
    ("claim h: hess(tr(Xᵀ A X), X) = I(n) ⊗ (A + Aᵀ)", "proved"),
    ("claim h: hess(‖X x - b‖², X) = 2 (x xᵀ) ⊗ I(m)", "proved"),
    ("claim h: hess(tr(X B Xᵀ), X) = (B + Bᵀ) ⊗ I(m)", "proved"),
    ("claim h: jac(vec(d/dX tr(Xᵀ A X)), vec(X)) = I(n) ⊗ (A + Aᵀ)", "proved"),
    ("claim h: jac(d/dx xᵀ B x, x) = B + Bᵀ", "proved"),
    ("refute h: hess(tr(Xᵀ A X), X) = (A + Aᵀ) ⊗ I(n)", "false"),
    ("refute h: hess(‖X x - b‖², X) = 2 I(m) ⊗ (x xᵀ)", "false"),
])
def test_outcomes(checker, statement, outcome):
    [r] = checker.check_text(DECLS + statement + "\n")
    assert r.outcome == outcome, r.message


def test_a_jacobian_of_a_gradient_is_a_hessian_only_with_the_same_variable():
    f = parse_expr("tr(Xᵀ A X)")
    X, W = S.Var("X"), S.Var("W")
    vec = lambda t: S.Call("vec", (t,))  # noqa: E731
    assert as_hessian(S.Call("jac", (vec(S.Call("grad", (f, X))), vec(X)))) == S.Call("hess", (f, X))
    other = S.Call("jac", (vec(S.Call("grad", (f, X))), vec(W)))
    assert as_hessian(other) == other
    half = S.Call("jac", (S.Call("grad", (f, X)), vec(X)))  # jac needs a column: not the Hessian's form
    assert as_hessian(half) == half


def test_the_kernel_rejects_a_matrix_hessian_certificate_for_the_swapped_kronecker(checker):
    [r] = checker.check_text(DECLS + "claim h: hess(tr(Xᵀ A X), X) = I(n) ⊗ (A + Aᵀ)\n")
    assert r.outcome == "proved"
    trusted = rules.load().compiled
    check_certificate(r.certificate, trusted)
    forged = copy.deepcopy(r.certificate)
    forged["statement"] = forged["statement"].replace("(kron (I n) (+ A (T A)))", "(kron (+ A (T A)) (I n))")
    forged.pop("assumptions", None)
    assert forged["statement"] != r.certificate["statement"]
    with pytest.raises(CheckError, match="not at the goal"):
        check_certificate(forged, trusted)
    # the vector form of the second goal (d(g) = H d(X)) is not the matrix Hessian's
    vector_goal = copy.deepcopy(r.certificate)
    vector_goal["chains"] = vector_goal["chains"][:1]
    with pytest.raises(CheckError, match="needs 2 chain"):
        check_certificate(vector_goal, trusted)


# ---------------------------------------------------------------------------
# Jacobians of matrix-valued functions and differentials


@pytest.mark.parametrize("expr, wrt, kind, answer", [
    ("inv(X)", "X", "differential", "-X⁻¹ d(X) X⁻¹"),
    ("X A X", "X", "differential", "d(X) A X + X A d(X)"),
    ("logdet(X)", "X", "differential", "X⁻ᵀ : d(X)"),
    ("inv(X)", "X", "grad", "-(X⁻ᵀ ⊗ X⁻¹)"),
    ("A X", "X", "grad", "I ⊗ A"),
    ("W x", "W", "grad", "xᵀ ⊗ I"),
    ("x xᵀ", "x", "grad", "x ⊗ I + I ⊗ x"),
])
def test_derive_a_differential_or_a_matrix_jacobian(checker, expr, wrt, kind, answer):
    env = env_from_decls(parse_text("let X, A : Mat(n, n)\nlet W : Mat(m, n)\nlet x : Vec(n)\n").decls)
    found, r = checker.derive(parse_expr(expr), S.Var(wrt), env, kind)
    assert r.outcome == "proved", r.message
    assert show(found) == answer
    theorem = check_certificate(r.certificate, rules.load().compiled)
    if kind == "differential":  # every other name was held constant, and the certificate says so
        assert all("const" in info.props for name, info in theorem.env.items() if name != wrt)
    else:
        assert theorem.lhs.fn == "jac"


def test_a_differential_that_the_rules_cannot_take_says_so(checker):
    env = env_from_decls(parse_text("let X : Mat(n, n)\nlet y : Vec(n)\n").decls)
    found, r = checker.derive(parse_expr("tr(hess(yᵀ X y, y))"), S.Var("X"), env, "differential")
    assert found is None and r.outcome == "unknown"
    assert r.message.startswith("not derived: d(hess(yᵀ X y, y)) remains")


def test_the_cli_differential(capsys):
    assert cli.main(["grad", "inv(X)", "--wrt", "X", "--differential", "--let", "X : Mat(n, n)"]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "-X⁻¹ d(X) X⁻¹"
    assert "proved" in out.err and "X invertible" in out.err
    assert cli.main(["grad", "inv(X)", "--wrt", "X", "--differential", "--hessian", "--let", "X : Mat(n, n)"]) == 2


def test_the_cli_jacobian_of_a_matrix_function_writes_its_certificate(tmp_path, capsys):
    cert = tmp_path / "c.json"
    assert cli.main(["grad", "inv(X)", "--wrt", "X", "--let", "X : Mat(n, n)", "--certificate", str(cert)]) == 0
    assert capsys.readouterr().out.strip() == "-(X⁻ᵀ ⊗ X⁻¹)"
    data = json.loads(cert.read_text())
    assert data["statement"].startswith("(= (jac (vec (inv X)) (vec X))")
    check_certificate(data, rules.load().compiled)


def test_the_api_derives_differentials_and_matrix_hessians():
    from rewrite.api import Mat, derive, inv, tr
    X, A = Mat("X", "n", "n"), Mat("A", "n", "n")
    g, proof = derive(inv(X), X, kind="differential")
    assert proof and str(g) == "-X⁻¹ d(X) X⁻¹" and proof.statement == "d(X⁻¹) = -X⁻¹ d(X) X⁻¹"
    h, proof = derive(tr(X.T @ A @ X), X, kind="hess")
    assert proof and str(h) == "I(n) ⊗ A + I(n) ⊗ Aᵀ"
    with pytest.raises(ShapeError, match="grad needs a scalar"):  # the API asks for jac(vec(F), vec(X)) itself
        derive(inv(X), X)
    with pytest.raises(ValueError, match="kind is one of"):
        derive(inv(X), X, kind="hessian")


def test_a_matrix_hessian_with_an_undeclared_variable_is_a_shape_error(env):
    with pytest.raises(ShapeError, match="not declared"):
        elaborate(parse_expr("hess(tr(Y), Y)"), env)


# ---------------------------------------------------------------------------
# symgrad: the gradient on symmetric matrices

SYM = "let S : Mat(n, n) spd\nlet A : Mat(n, n)\nlet x : Vec(n)\nlet W : Mat(m, n)\n"


@pytest.mark.parametrize("statement, outcome", [
    ("claim s: symgrad(logdet(S), S) = S⁻¹", "proved"),
    ("claim s: symgrad(tr(A S), S) = (A + Aᵀ) / 2", "proved"),
    ("claim s: symgrad(xᵀ S x, S) = x xᵀ", "proved"),
    ("claim s: symgrad(tr(S⁻¹ A), S) = -S⁻¹ (A + Aᵀ) S⁻¹ / 2", "proved"),
    ("refute s: symgrad(tr(A S), S) = A + Aᵀ - A ⊙ I", "false"),  # the Cookbook's G + Gᵀ - G ⊙ I
    ("refute s: symgrad(logdet(S), S) = 2 S⁻¹ - S⁻¹ ⊙ I", "false"),
    ("claim s: d/dS tr(A S) = Aᵀ", "proved"),  # d/dS keeps the entries independent
])
def test_symgrad_outcomes(checker, statement, outcome):
    [r] = checker.check_text(SYM + statement + "\n")
    assert r.outcome == outcome, r.message


def test_a_gradient_claim_equal_to_the_symmetric_gradient_gets_a_hint(checker):
    [r] = checker.check_text(SYM + "refute s: d/dS tr(A S) = (A + Aᵀ) / 2\n")
    assert r.outcome == "false"
    assert "hint: d/dS treats the entries of S as independent" in r.message
    assert "symgrad(tr(A S), S)" in r.message
    [r] = checker.check_text(SYM + "refute s: d/dS tr(A S) = A\n")  # wrong either way: no hint
    assert r.outcome == "false" and "hint" not in r.message
    [r] = checker.check_text("let A, M : Mat(n, n)\nrefute s: d/dM tr(A M) = (A + Aᵀ) / 2\n")  # M not symmetric
    assert "hint" not in r.message


def test_symgrad_needs_a_scalar_and_a_square_matrix(checker):
    [r] = checker.check_text(SYM + "claim s: symgrad(S, S) = S\n")
    assert r.outcome == "error" and "symgrad needs a scalar to differentiate" in r.message
    [r] = checker.check_text(SYM + "claim s: symgrad(tr(Wᵀ W), W) = W\n")
    assert r.outcome == "error" and "needs a square matrix" in r.message


def test_the_kernel_needs_both_symgrad_chains(checker):
    [r] = checker.check_text(SYM + "claim s: symgrad(tr(A S), S) = (A + Aᵀ) / 2\n")
    assert r.outcome == "proved"
    trusted = rules.load().compiled
    theorem = check_certificate(r.certificate, trusted)
    assert theorem.lhs.fn == "symgrad"
    one = copy.deepcopy(r.certificate)
    one["chains"] = one["chains"][:1]
    with pytest.raises(CheckError, match="needs 2 chain"):
        check_certificate(one, trusted)
    # the ordinary gradient's certificate relabelled as symgrad: the gradient is no symgrad
    [g] = checker.check_text(SYM + "claim g: d/dS tr(A S) = Aᵀ\n")
    forged = copy.deepcopy(g.certificate)
    forged["statement"] = forged["statement"].replace("(grad ", "(symgrad ")
    forged.pop("assumptions", None)
    with pytest.raises(CheckError):
        check_certificate(forged, trusted)


def test_the_numbers_evaluate_symgrad_as_the_symmetrised_gradient():
    env = env_from_decls(parse_text(SYM).decls)
    rng = np.random.default_rng(3)
    a = rng.normal(size=(3, 3))
    values = {"S": np.eye(3), "A": a, "x": np.ones((3, 1)), "W": np.ones((2, 3))}
    got = numeric.evaluate(elaborate(parse_expr("symgrad(tr(A S), S)"), env)[0], values, {"n": 3, "m": 2})
    assert np.allclose(got, (a + a.T) / 2)


def test_derive_and_the_api_give_symmetric_gradients(checker):
    from rewrite.api import Mat, derive, inv, logdet, prove, symgrad
    env = env_from_decls(parse_text(SYM).decls)
    found, r = checker.derive(parse_expr("logdet(S)"), S.Var("S"), env, "symgrad")
    assert r.outcome == "proved" and show(found) == "S⁻¹"
    Sm = Mat("S", "n", "n", "spd")
    assert prove(symgrad(logdet(Sm), Sm), inv(Sm))
    g, proof = derive(logdet(Sm), Sm, kind="symgrad")
    assert proof and str(g) == "S⁻¹"


# ---------------------------------------------------------------------------
# Derivatives nested inside expressions: lemmas

NEST = "let x, y : Vec(n)\nlet M : Mat(n, n)\n"


@pytest.mark.parametrize("statement, outcome", [
    ("claim u: jac(x / ‖x‖, x) x = zeros(n)", "proved"),
    ("claim t: tr(hess(xᵀ M x, x)) = 2 tr(M)", "proved"),
    ("claim g: yᵀ (d/dx xᵀ M x) = yᵀ (M + Mᵀ) x", "proved"),
    ("refute t: tr(hess(xᵀ M x, x)) = tr(M)", "false"),
])
def test_nested_outcomes(checker, statement, outcome):
    [r] = checker.check_text(NEST + statement + "\n")
    assert r.outcome == outcome, r.message


@pytest.fixture(scope="module")
def unit_certificate(checker):
    [r] = checker.check_text(NEST + "claim u: jac(x / ‖x‖, x) x = zeros(n)\n")
    assert r.outcome == "proved" and len(r.certificate["lemmas"]) == 1
    return r.certificate


def test_a_lemma_certificate_verifies(unit_certificate):
    theorem = check_certificate(unit_certificate, rules.load().compiled)
    assert isinstance(theorem.lhs, S.Mul) and theorem.lhs.left.fn == "jac"  # the statement as written
    # the lemma's own assumptions are the theorem's too, and listed
    assert "(invertible (norm x))" in unit_certificate["assumptions"]


@pytest.mark.parametrize("mutate, words", [
    # the lemma's derivative is not in the statement: its hypotheses cannot ride along
    (lambda c: c.update(statement="(= (* (jac (/ y (norm y)) y) y) (zeros n))"),
     "lemma 1: its derivative is not in the statement"),
    # a lemma that is not about a derivative
    (lambda c: c["lemmas"][0].update(statement="(= (* 2 x) (+ x x))", chains=[[]]), "lemma 1 must prove a derivative"),
    # a lemma chain that does not reach its statement
    (lambda c: c["lemmas"][0]["chains"][0].pop(), "not at the goal"),
    # a lemma with a key the kernel does not read
    (lambda c: c["lemmas"][0].update(note="trust me"), "a lemma: unknown note"),
    # without the lemma the statement has no goal
    (lambda c: c.pop("lemmas"), "no goal the kernel can check"),
])
def test_forged_lemmas_are_rejected(unit_certificate, mutate, words):
    forged = copy.deepcopy(unit_certificate)
    mutate(forged)
    forged.pop("assumptions", None)
    with pytest.raises(CheckError, match=words.replace("(", r"\(")):
        check_certificate(forged, rules.load().compiled)


def test_explain_shows_the_lemma_first(unit_certificate):
    from rewrite.render import derivation
    d = derivation(unit_certificate)
    assert len(d.chains) == 2
    assert d.chains[0].conclusion is not None and d.chains[0].conclusion.kind == "jac"
