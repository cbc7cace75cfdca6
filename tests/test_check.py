"""The checker end to end: the examples of LANGUAGE.md, the proofs/ corpus, errors with
locations, reproducible counterexamples, the JSON record, and bad input of every kind
turned into `error` results rather than exceptions."""

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rewrite import numeric, rules
from rewrite.budget import Budget
from rewrite.check import Checker, Settings
from rewrite.parse import parse_file, parse_text
from rewrite.result import OUTCOMES
from rewrite.shapes import elaborate_statement, env_from_decls

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = (ROOT / "docs" / "LANGUAGE.md").read_text(encoding="utf-8")
PROOFS = sorted((ROOT / "proofs").glob("*.proof"))


@pytest.fixture(scope="module")
def checker():
    return Checker(Settings())


@pytest.fixture(scope="module")
def quick():
    """For inputs that are mostly garbage: a search budget too small to take long."""
    return Checker(Settings(budget=Budget(seconds=0.3, iterations=4)))


# ---------------------------------------------------------------------------
# LANGUAGE.md: its examples parse, shape-check, and the numbers agree with each one


def example_files():
    """The code blocks of LANGUAGE.md that are whole proof files (declarations and statements)."""
    blocks = re.findall(r"```\n(.*?)```", LANGUAGE, re.S)
    return [b for b in blocks if re.search(r"^let ", b, re.M) and re.search(r"^(claim|refute) ", b, re.M)]


def example_statements():
    out = []
    for i, block in enumerate(example_files()):
        pf = parse_text(block, f"LANGUAGE.md block {i}")
        out += [pytest.param(pf, s, id=s.name) for s in pf.statements]
    return out


# Examples given inline in the prose of LANGUAGE.md, each as a statement with declarations.
INLINE = """
let A, B : Mat(m, n)
let C : Mat(n, k)
let G : Mat(m, k)
let P : Mat(n, n) invertible
let M : Mat(n, n)
let F : Mat(n, k)
let x, b : Vec(n)
let W₁ : Mat(n, n)
let x₂ : Vec(n)
let s : Scalar
let c : Scalar const
claim identity_from_other_side:   P P⁻¹ = I
claim frobenius_binds_loosely:    G : B⋅C = tr(Gᵀ (B C))
claim norm_bars_nest:             ‖A‖² + 2 (A : B) + ‖B‖² = ‖A + B‖²
claim prefix_takes_the_whole_sum: d/dx xᵀ M x + bᵀ x = (M + Mᵀ) x + b
claim inverse_transpose:          P⁻ᵀ = (P^-1)^T
claim ascii_spellings:            A^T .* A^T = (A ⊙ A)'
claim subscripts_in_names:        W₁ x₂ = W₁ * x₂
claim partial_notation:           ∂(xᵀ b)/∂x = b
claim power_of_scalar:            s^2 = s s
claim power_of_matrix:            M² = M M
claim explicit_identity:          I(n) M = M
claim ones_sum:                   sum(x) = ones(n)ᵀ x
claim const_differential:         d(c x) = c d(x)
claim juxtaposition_is_product:   A⋅C = A*C
claim jacobian_of_linear_map:     jac(M x, x) = M
claim matrix_by_matrix_jacobian:  jac(vec(M F), vec(F)) = I(k) ⊗ M
refute no_commuting:              M P = P M
"""
INLINE_FILE = parse_text(INLINE, "LANGUAGE.md prose")
INLINE_CASES = [pytest.param(INLINE_FILE, s, id=s.name) for s in INLINE_FILE.statements]


@pytest.mark.parametrize("pf, stmt", example_statements() + INLINE_CASES)
def test_language_examples_shape_check_and_the_numbers_agree(pf, stmt):
    env = env_from_decls(pf.decls)
    lhs, rhs, _ = elaborate_statement(stmt, env)
    verdict = numeric.compare(lhs, rhs, env)
    assert verdict.agrees is (stmt.kind == "claim"), verdict.reason or verdict.counterexample.describe()


def test_language_examples_are_found():
    names = [p.values[1].name for p in example_statements()]
    assert {"grad_x", "missing_factor", "hess_quad", "transpose_bad"} <= set(names)


@pytest.mark.parametrize("statement, words", [
    ("claim bad: d/dx ‖A b - x‖² = 2 Aᵀ (A x - b)", "cannot multiply A (m×n) by b (m×1)"),
    ("claim bad: 1 - x = x", "write ones(n) - x"),
    ("refute bad: d/dA norm2(A x - b) = 2 x (A x - b)ᵀ",
     "claimed gradient is n×m but A is m×n (gradients here use the shape of A; did you mean the transpose?)"),
    ("claim bad: A = Aᵀ", "sides have different shapes"),
    ("claim bad: Z = A", "'Z' is not declared"),
])
def test_a_shape_error_is_an_error_result_with_location_and_name(checker, statement, words, tmp_path):
    path = tmp_path / "least_squares.proof"
    path.write_text(f"let A : Mat(m, n)\nlet x : Vec(n)\nlet b : Vec(m)\n\n\n{statement}\nclaim ok: (Aᵀ)ᵀ = A\n",
                    encoding="utf-8")
    bad, ok = checker.check_file(path)
    assert (bad.name, bad.outcome, bad.passed, bad.line) == ("bad", "error", False, 6)
    assert re.match(rf"{re.escape(str(path))}:6:\d+: ", bad.message), bad.message
    assert words in bad.message and bad.message.endswith(f"(in {statement.split()[0]} bad)")
    assert ok.outcome == "proved"  # the rest of the file is still checked


def test_the_shape_error_column_points_into_the_offending_product(checker, tmp_path):
    path = tmp_path / "f.proof"
    line = "claim bad:  d/dx ‖A b - x‖² = 2 Aᵀ (A x - b)"
    path.write_text(f"let A : Mat(m, n)\nlet x : Vec(n)\nlet b : Vec(m)\n{line}\n", encoding="utf-8")
    (r,) = checker.check_file(path)
    col = int(re.match(rf"{re.escape(str(path))}:4:(\d+):", r.message).group(1))
    assert line.index("A b") + 1 <= col <= line.index("A b") + 3


# ---------------------------------------------------------------------------
# proofs/: every claim proved, every refute false, each statement its own case

def corpus():
    return [pytest.param(path, s.name, s.kind, id=f"{path.name}::{s.name}")
            for path in PROOFS for s in parse_file(path).statements]


@pytest.mark.parametrize("path, name, kind", corpus())
def test_proofs_corpus(proof_result, path, name, kind):
    """What the plugin's item judges (proved or false), and what backs it: a certificate
    whose chains are the steps counted, or a counterexample (the corpus is checked once per
    session: `proof_result`)."""
    r = proof_result(path, name)
    assert r.kind == kind
    assert r.outcome == ("proved" if kind == "claim" else "false"), f"{path.name}::{name}: {r.outcome}: {r.message}"
    assert r.passed
    if kind == "claim":
        chains = r.certificate["chains"] + [c for lemma in r.certificate.get("lemmas", []) for c in lemma["chains"]]
        assert r.certificate is not None and r.steps == sum(len(c) for c in chains)
    else:
        assert r.counterexample is not None


def test_the_corpus_has_claims_and_refutes():
    kinds = {p.values[2] for p in corpus()}
    assert kinds == {"claim", "refute"} and len(corpus()) >= 50


# ---------------------------------------------------------------------------
# Files that cannot be read or parsed


def test_a_file_that_does_not_parse_is_one_error_and_the_checker_goes_on(checker, tmp_path):
    bad = tmp_path / "bad.proof"
    bad.write_text("let A : Mat(n, n)\nclaim fine: A = A\nclaim broken: (A = A\n", encoding="utf-8")
    (r,) = checker.check_file(bad)
    assert (r.file, r.name, r.outcome, r.passed, r.line) == (str(bad), "<file>", "error", False, 3)
    assert r.message.startswith(f"{bad}:3:")
    good = tmp_path / "good.proof"
    good.write_text("let A : Mat(n, n)\nclaim fine: (Aᵀ)ᵀ = A\n", encoding="utf-8")
    assert [r.outcome for r in checker.check_file(good)] == ["proved"]


def test_a_missing_file_is_an_error_result(checker, tmp_path):
    (r,) = checker.check_file(tmp_path / "nowhere.proof")
    assert r.outcome == "error" and "cannot read" in r.message and "nowhere.proof" in r.message


def test_a_file_that_is_not_utf8_is_an_error_with_its_position(checker, tmp_path):
    path = tmp_path / "latin1.proof"
    path.write_bytes("let A : Mat(n, n)\nclaim é: A = A\n".encode("latin-1"))
    (r,) = checker.check_file(path)
    assert r.outcome == "error" and r.message.startswith(f"{path}:2:7:") and "UTF-8" in r.message


MALFORMED = [
    ("claim a: (A B = A B", 2),
    ("claim a: A B) = A B", 2),
    ("claim a: ‖A = A", 2),
    ("claim a: tr(A, B) = A", 2),
    ("claim a: kron(A) = A", 2),
    ("claim a: grad(tr(A)) = A", 2),
    ("claim a: d/dA = A", 2),
    ("claim a: A", 2),
    ("claim a: A = B = A", 2),
    ("claim: A = A", 2),
    ("prove a: A = A", 2),
    ("let B : Mat(n)", 2),
    ("let tr : Mat(n, n)", 2),
    ("let C : Mat(m, n) spd", 2),
    ("let A : Vec(n)", 2),
    ("claim a: Q = A", 2),
    ("claim a: foo(A) = A", 2),
    ("claim a: det(b) = 1", 2),
    ("claim a: d/dQ tr(A) = A", 2),
    ("claim a: hess(A, b) = A", 2),
]


@pytest.mark.parametrize("line, line_no", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_statements_are_located_errors(quick, line, line_no, tmp_path):
    path = tmp_path / "m.proof"
    path.write_text(f"let A, B : Mat(n, n)\n{line}\nlet b : Vec(n)\nclaim z: b = b\n", encoding="utf-8")
    results = quick.check_file(path)
    errors = [r for r in results if r.outcome == "error"]
    assert errors, [(r.name, r.outcome) for r in results]
    assert re.match(rf"{re.escape(str(path))}:{line_no}:\d+: ", errors[0].message), errors[0].message
    assert errors[0].line == line_no


def test_duplicate_statement_names_are_an_error(quick):
    results = quick.check_text("let A : Mat(n, n)\nclaim a: A = A\nclaim a: Aᵀᵀ = A\n", "dup.proof")
    assert any(r.outcome == "error" and "dup.proof:3:" in r.message for r in results)


TOKENS = ["let", "claim", "refute", "A", "B", "x", "s", "n", "m", "a", ":", ",", "Mat(n, n)", "Mat(m, n)", "Vec(n)",
          "Scalar", "spd", "invertible", "=", "(", ")", "ᵀ", "'", "⁻¹", "^-1", "²", "+", "-", "*", "⊙", "⊗", "/",
          "‖", "tr(", "det(", "d(", "d/dx", "d/dA", "grad(", "jac(", "hess(", "vec(", "I", "0", "1/2", "2",
          "ones(n)", "#", "\\\n", "\n", " ", "  ", "\t", "\u00a0", "∂"]


@st.composite
def token_soup(draw):
    return "".join(draw(st.lists(st.sampled_from(TOKENS), max_size=40)))


def assert_clean(results, path):
    """Every result is a well-formed record; every error names the file it is about."""
    for r in results:
        assert r.outcome in OUTCOMES and r.kind in ("claim", "refute")
        json.dumps(r.to_json())
        if r.outcome == "error":
            assert r.message and r.message.startswith(str(path)), r.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_random_bytes_never_raise(quick, tmp_path, data):
    path = tmp_path / "random.proof"
    path.write_bytes(data)
    assert_clean(quick.check_file(path), path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(token_soup())
def test_random_token_soup_never_raises(quick, text):
    assert_clean(quick.check_text(text, "soup.proof"), "soup.proof")


def cut_cases():
    """Each statement of proofs/, with the file's declarations: something to cut short."""
    out = []
    for path in PROOFS:
        lines = path.read_text(encoding="utf-8").splitlines()
        lets = [l for l in lines if l.startswith("let ")]
        out += [("\n".join(lets), l) for l in lines if l.startswith(("claim ", "refute "))]
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(cut_cases()), st.data())
def test_statements_cut_short_never_raise(quick, case, data):
    lets, line = case
    cut = data.draw(st.integers(0, len(line) - 1), label="cut")
    results = quick.check_text(f"{lets}\n{line[:cut]}", "cut.proof")
    for r in results:
        assert r.outcome in OUTCOMES
        assert r.outcome != "error" or re.match(r"cut\.proof:\d+:\d+: ", r.message), r.message


# ---------------------------------------------------------------------------
# Counterexamples: reproducible from the seed they report

WRONG = "let A : Mat(m, n)\nlet x : Vec(n)\nlet b : Vec(m)\nrefute missing_factor: d/dx ‖A x - b‖² = Aᵀ (A x - b)\n"


@settings(max_examples=8, deadline=None)  # each false statement also runs a probe search
@given(st.integers(0, 2**31))
def test_the_same_seed_gives_the_same_counterexample_and_the_reported_seed_reproduces_it(seed):
    first, again = (Checker(Settings(seed=seed)).check_text(WRONG)[0] for _ in range(2))
    assert first.outcome == "false" and first.counterexample == again.counterexample
    cx = first.counterexample
    assert seed <= cx["seed"] < seed + Settings().draws
    pf = parse_text(WRONG)
    env = env_from_decls(pf.decls)
    lhs, rhs, _ = elaborate_statement(pf.statements[0], env)
    verdict = numeric.compare(lhs, rhs, env, seed=cx["seed"], draws=1)
    assert verdict.agrees is False
    assert verdict.counterexample.sizes == cx["sizes"]
    assert {k: v.real.tolist() for k, v in verdict.counterexample.values.items()} == cx["values"]


def test_different_seeds_draw_different_values():
    a, b = (Checker(Settings(seed=s)).check_text(WRONG)[0].counterexample for s in (0, 1000))
    assert a["values"] != b["values"]


# ---------------------------------------------------------------------------
# The JSON record

FIELDS = {"file": str, "name": str, "kind": str, "outcome": str, "passed": bool, "seconds": float}
OPTIONAL = {"steps": int, "message": str, "counterexample": dict}


def test_json_fields_for_each_outcome(checker, tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "transpose.rules").write_text((Path(rules.rules_dir()) / "transpose.rules").read_text(encoding="utf-8"))
    narrow = Checker(Settings(rules_dir=str(folder)))  # no determinant rules: unknown
    text = ("let A, B : Mat(n, n)\nclaim proved: (A B)ᵀ = Bᵀ Aᵀ\nclaim false: (A B)ᵀ = Aᵀ Bᵀ\n"
            "refute refuted: (A B)ᵀ = Aᵀ Bᵀ\nclaim unknown: det(A B) = det(A) det(B)\nclaim error: A = x\n")
    results = {r.name: r for r in narrow.check_text(text, "j.proof")}
    assert {n: r.outcome for n, r in results.items()} == \
        {"proved": "proved", "false": "false", "refuted": "false", "unknown": "unknown", "error": "error"}
    for r in results.values():
        record = json.loads(json.dumps(r.to_json()))
        for key, kind in FIELDS.items():
            assert isinstance(record[key], kind), (key, record)
        for key, kind in OPTIONAL.items():
            assert record[key] is None or isinstance(record[key], kind), (key, record)
        assert record["kind"] in ("claim", "refute") and record["outcome"] in OUTCOMES
        assert record["file"] == "j.proof" and record["name"] == r.name
    assert results["proved"].to_json()["steps"] >= 1 and results["proved"].to_json()["counterexample"] is None
    assert results["false"].to_json()["counterexample"]["sizes"] and results["false"].to_json()["steps"] is None
    assert [results[n].to_json()["passed"] for n in ("proved", "false", "refuted", "unknown", "error")] == \
        [True, False, True, False, False]
    assert all(results[n].to_json()["message"] for n in ("false", "unknown", "error"))


# ---------------------------------------------------------------------------
# Soundness: a proof the numbers contradict is reported as such


def test_a_proof_the_numbers_contradict_is_unsound_not_false(tmp_path, monkeypatch):
    """LANGUAGE.md: "A proof that the numeric check contradicts is a soundness bug: report it
    loudly as its own outcome (`unsound`)". A wrong rule let past the loader's numeric check
    makes such a proof; neither the claim nor the refute may pass. The probe of a refuted
    statement rewrites one way and asks the kernel (the e-graph's rules at false goals are
    tests/test_adversary.py's), so the planted rule is a one-way rule."""
    for f in Path(rules.rules_dir()).glob("*.rules"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "planted.rules").write_text("tr-gone : tr(A B C) => 0\n", encoding="utf-8")
    monkeypatch.setattr(rules, "validate", lambda *args, **kwargs: None)
    checker = Checker(Settings(rules_dir=str(tmp_path)))
    assert "tr-gone" in checker.rulebase.texts
    text = "let A, B, C : Mat(n, n)\nclaim c: tr(A B C) = 0\nrefute r: tr(A B C) = 0\n"
    results = checker.check_text(text)
    assert [(r.outcome, r.passed) for r in results] == [("unsound", False), ("unsound", False)]


# ---------------------------------------------------------------------------
# Issue 12: the numbers judge each side on its own scale, and end within the budget

SCALED = """let x : Vec(n)
let A : Mat(2, 3)
let B : Mat(3, 2)
let c : Scalar
refute tiny: 0.000000001 x = 0.000000002 x
claim ps_small: 0.000000001 (B (A B + (c - c) I)⁻¹ A) = 0.000000001 I
claim ps_small_assumed: B (A B + (c - c) I)⁻¹ A = I
"""


def test_a_false_identity_times_1e_9_is_false_not_unknown_nor_proved(checker):
    tiny, small, assumed = checker.check_text(SCALED, "scaled.proof")
    assert tiny.outcome == "false" and tiny.passed
    assert small.outcome == "false", small.message
    assert assumed.outcome == "false", assumed.message
    # the hypothesis the statement brings in is listed: the numbers checked where it holds
    assert any(a.startswith("A B + (c - c) I") and a.endswith(" invertible") for a in small.assumptions)


HESS_100 = """let x : Vec(100)
let A : Mat(100, 100)
claim h: hess(xᵀ A x + sum(exp(x)), x) = A + Aᵀ + diag(exp(x))
"""


def test_the_numbers_end_within_the_budget():
    """One Hessian over a 100-entry vector took the numeric check > 15 minutes: now the
    numbers stop at the budget, and the whole check ends within a few budgets (the fastest
    of three runs, as in test_soundness)."""
    budget = Budget(seconds=0.5)
    checker = Checker(Settings(budget=budget))
    runs = []
    for _ in range(3):
        [result] = checker.check_text(HESS_100, "hess.proof")
        runs.append(result.seconds)
        assert result.outcome != "proved"
        assert "the numeric check ran out of time (0.25 s)" in result.message  # half the search's limit
        if result.seconds <= 4 * budget.seconds:
            break
    assert min(runs) <= 4 * budget.seconds, runs  # the numbers' budget, the search's, and the rest


@pytest.mark.parametrize("seed", [-1, 2**64 + 5])
def test_any_seed_gives_a_result_not_a_traceback(seed):
    [result] = Checker(Settings(seed=seed)).check_text("let A, B : Mat(n, n)\nrefute r: A B = B A\n", "s.proof")
    assert result.outcome == "false"
