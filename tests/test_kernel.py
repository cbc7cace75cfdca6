"""Attacks on the trusted kernel: everything `proved` rests on it, so it must reject every
forgery and stay small enough to audit.

- `tests/bad_certificates/*.json` are hand-made forgeries. Each is rejected for its own
  reason (`FORGERIES` lists words its message must contain, so a forgery that starts
  failing for some other reason is noticed), by the kernel and by `rewrite verify`.
- Real certificates, mutated in one token of one step: the kernel may accept a mutant only
  if its chain is still a proof, which the numbers check independently, term by term.
- The `linear` step, given random pairs of terms: what it accepts must be equal in value.
- Guards: what the kernel imports, that only the kernel makes `Theorem`s, and that
  `rewrite verify` runs with egglog unimportable.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from rewrite import cli, numeric, rules, sexpr
from rewrite import syntax as S
from rewrite.certificate import declaration, read
from rewrite.check import Checker, Settings
from rewrite.compiled import write_rule
from rewrite.errors import RewriteError
from rewrite.kernel import FORMAT, LINEAR, CheckError, Theorem, assumptions, check_certificate, goals_of, read_decl
from rewrite.parse import parse_decl, parse_file
from rewrite.shapes import env_from_decls, infer
from rewrite.sizes import Env, Shape
from rewrite.strategies import well_shaped

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "bad_certificates"

# forgery -> words its rejection message must contain
FORGERIES = {
    "unknown-rule": ["rule 'tr-rotate' is not the trusted rule"],
    "unlisted-rule": ["cites 'tr-cyclic'", "does not list"],
    "altered-rule-text": ["rule 'tr-cyclic' is not the trusted rule of that name"],
    "inv-mul-non-square": ["inverse or a power needs a square matrix"],
    "inv-mul-non-square-step": ["step 1 (inv-mul)", "inverse or a power needs a square matrix"],
    "inv-mul-not-invertible": ["step 1 (inv-mul", "condition 'A invertible' is not known to hold"],
    "s-div-s-not-invertible": ["step 2 (s-div-s", "condition 's invertible' is not known to hold"],
    "add-zero-not-zero": ["step 1 (add-zero", "condition 'Z zero' is not known to hold"],
    "d-const-on-variable": ["step 1 (d-const", "condition 'C const' is not known to hold"],
    "smuggled-gradient-assumption": ["step 2", "condition 's invertible' is not known to hold"],
    "gradient-with-differential": ["no goal the kernel can check"],
    "wrong-position": ["step 2", "does not match"],
    "position-outside-change": ["step 2", "changes the term outside the position"],
    "position-missing": ["step 2", "no subterm at that position"],
    "wrong-result": ["step 1", "expected an instance of (tr (* B A)), found (tr (* X (* B A)))"],
    "chain-stops-short": ["the chain ends at (tr (* X (* A B))), not at the goal (tr (* (* X A) B))"],
    "statement-differs": ["not at the goal (tr (* (* X B) A))"],
    "extra-chain": ["needs 1 chain(s), the certificate has 2"],
    "linear-not-linear": ["(+ (* 2 A) B) and (+ A (* 2 B)) do not have the same normal form"],
    "linear-changes-shape": ["(zeros n n) and (zeros k k) have different shapes"],
    "step-changes-shape": ["(* A B) and (* B A) have different shapes"],
    "property-rule-as-step": ["'prod-invertible' is a property rule"],
    "bad-dir": ["step 2", "direction must be '=>' or '<='"],
    "wrong-format-version": ["not a certificate of format"],
    "missing-chains": ["missing chains"],
    "not-an-object": ["must be a JSON object"],
    # issue 12: each uses a term with no value in the usual sense, brought in by a step
    "one-is-zero": ["step 3 (linear", "do not have the same normal form"],
    "identity-is-twice-itself": ["step 2 (inv-id-plus", "invertible' is not known to hold"],
    "push-shift-zero-shift": ["step 2 (push-shift", "(+ (* B A) (* s (I ?B_r))) invertible' is not known"],
    "push-shift-s-zero-shift": ["step 2 (push-shift-s", "'s invertible' is not known to hold"],
    "derivative-at-a-kink": ["step 2 (d-add", "'A smooth' is not known to hold"],
    # issue 16: relu is smooth only where its argument has no zero entry, and nothing says so here
    "derivative-through-relu": ["step 2 (d-sub", "'A smooth' is not known to hold"],
    "pinv-left-without-rank": ["step 1 (pinv-left", "'A fullcolrank' is not known to hold"],
    "exp-log-backwards": ["step 1 (exp-log", "'A positive' is not known to hold"],
    "assumption-smuggled-in-a-listing": ["lists assumptions []", "(invertible A)"],
    "duplicate-statement-key": ["the key 'statement' appears twice"],
    # issue 16: sizes as numbers
    "size-and-variable": ["a name is both a size and a declared scalar"],
    "size-is-one": ["(size n) and 1 do not have the same normal form"],
    "half-size-power": ["c^k needs a scalar c and an integer k made of sizes"],
    "det-smul-wrong-size": ["step 1 (det-smul", "expected an instance of (* (pow c (size ?size_n)) (det A))"],
    "size-pow-succ-off-by-one": ["step 1 (size-pow-succ", "does not match"],
    "zero-to-size-minus-one": ["(pow 0 (- (size n) 1)) and 0 do not have the same normal form"],
    # issue 15 (reach3): the push-through as inv-div-sum-s writes it needs a non-zero shift
    "push-shift-ws-r-zero-shift": ["step 2 (push-shift-ws-r", "'s invertible' is not known to hold"],
}


@pytest.fixture(scope="module")
def trusted() -> dict:
    return rules.load().compiled


def test_every_forgery_says_what_it_forges():
    assert sorted(p.stem for p in BAD.glob("*.json")) == sorted(FORGERIES)


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_forgery_is_rejected_for_its_reason(name, trusted):
    with pytest.raises(CheckError) as rejected:
        check_certificate(read(BAD / f"{name}.json"), trusted)
    for words in FORGERIES[name]:
        assert words in str(rejected.value)


def test_verify_rejects_every_forgery(capsys):
    paths = sorted(str(p) for p in BAD.glob("*.json"))
    assert cli.main(["verify", *paths]) == 1
    out = capsys.readouterr().out
    assert out.count("✗ rejected") == len(paths)
    assert f"0 passed, {len(paths)} failed" in out


# ---------------------------------------------------------------------------
# Mutations of real certificates

CLAIMS = {
    "language.proof": ("trace_cyclic", "grad_det", "grad_quad", "hess_quad"),
    "inverse.proof": ("inv_triple", "inv_sum_form"),
    "frobenius.proof": ("frob_expand",),
    "least_squares.proof": ("grad_x",),
}


@pytest.fixture(scope="module")
def real_certificates() -> dict[str, dict]:
    """Certificates of a few claims of proofs/ with chains of 2 to ~60 steps."""
    checker = Checker(Settings())
    out = {}
    for file, names in CLAIMS.items():
        pf = parse_file(ROOT / "proofs" / file)
        env = env_from_decls(pf.decls)
        for stmt in pf.statements:
            if stmt.name in names:
                result = checker.check_statement(stmt, env, pf)
                if result.certificate is not None:
                    out[f"{file}::{stmt.name}"] = result.certificate
    assert len(out) >= 4, f"too few claims of {CLAIMS} are proved to attack: {sorted(out)}"
    return out


def _env(cert: dict) -> Env:
    return Env(dict(read_decl(t) for t in cert["declarations"]))


def _term(text: str) -> S.Expr:
    return sexpr.term(sexpr.read(text))


def _statement(cert: dict) -> tuple[S.Expr, S.Expr]:
    _, lhs, rhs = sexpr.read(cert["statement"])
    return sexpr.term(lhs), sexpr.term(rhs)


def _goals(cert: dict) -> list:
    gradient = _term(cert["gradient"]) if "gradient" in cert else None
    return goals_of(*_statement(cert), _env(cert), gradient)


def _subterms(cert: dict) -> list[S.Expr]:
    terms = [g.start for g in _goals(cert)]
    terms += [_term(s["term"]) for chain in cert["chains"] for s in chain]
    return list(dict.fromkeys(t for term in terms for _, t in S.subterms(term)))


def _shape_or_none(e: S.Expr, env: Env):
    try:
        return infer(e, env)
    except RewriteError:  # a bare `I` has no shape of its own
        return None


MUTATIONS = ("rule", "dir", "at", "term", "fresh-term", "copy-term", "drop", "swap", "duplicate")


@st.composite
def mutants(draw, certs: dict[str, dict], trusted: dict) -> tuple[str, dict]:
    """One certificate with one token of one step changed (or one step dropped, moved, doubled)."""
    cert = copy.deepcopy(certs[draw(st.sampled_from(sorted(certs)))])
    chain = cert["chains"][draw(st.integers(0, len(cert["chains"]) - 1))]
    j, k = draw(st.permutations(range(len(chain))))[:2] if len(chain) > 1 else (0, 0)
    step = chain[j]
    kind = draw(st.sampled_from(MUTATIONS))
    if kind == "rule":
        equations = sorted(n for n, r in trusted.items() if r.prop is None) + [LINEAR]
        step["rule"] = draw(st.sampled_from(equations))
        if step["rule"] != LINEAR:
            cert["rules"][step["rule"]] = write_rule(trusted[step["rule"]])
    elif kind == "dir":
        step["dir"] = {"=>": "<=", "<=": "=>"}[step["dir"]]
    elif kind == "at":
        at = step["at"]
        i = draw(st.integers(0, len(at)))
        step["at"] = draw(st.sampled_from([at[:i], at[:i] + [0] + at[i:], at[:i] + [1] + at[i:]]
                                          + ([at[:i] + [at[i] ^ 1] + at[i + 1:]] if i < len(at) else [])))
    elif kind in ("term", "fresh-term"):
        env = _env(cert)
        term = _term(step["term"])
        path, old = draw(st.sampled_from(list(S.subterms(term))))
        shape = _shape_or_none(old, env)
        if kind == "fresh-term" and shape is not None:
            new = draw(_shaped(env, shape, 1))
        else:
            new = draw(st.sampled_from([t for t in _subterms(cert) if _shape_or_none(t, env) == shape] or [old]))
        step["term"] = sexpr.show(S.replace_at(term, path, new))
    elif kind == "copy-term":
        step["term"] = chain[k]["term"]
    elif kind == "drop":
        del chain[j]
    elif kind == "swap":
        chain[j], chain[k] = chain[k], chain[j]
    else:
        chain.insert(j, copy.deepcopy(step))
    return kind, cert


def _wrong_steps(cert: dict) -> list[str]:
    """Steps whose term the numbers tell apart from the start of their chain (each chain
    checked with the names its goal holds constant held constant, where the statement's
    hypotheses hold)."""
    env = _env(cert)
    hypotheses = assumptions(*_statement(cert), env)
    wrong = []
    for goal, chain in zip(_goals(cert), cert["chains"]):
        start = goal.start
        varying = [n for n in env if n not in goal.constants]
        for k, step in enumerate(chain, 1):
            term = _term(step["term"])
            verdict = numeric.compare(start, term, env, draws=2, directions_for=varying, hypotheses=hypotheses)
            if verdict.agrees is False:
                wrong.append(f"step {k} ({step['rule']} {step['dir']} at {step['at']}): {step['term']}")
    return wrong


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_mutant_is_rejected_unless_it_is_still_a_proof(data, real_certificates, trusted):
    kind, mutant = data.draw(mutants(real_certificates, trusted))
    if mutant in real_certificates.values():
        event("no change")
        return
    try:
        check_certificate(mutant, trusted)
    except CheckError:
        event(f"{kind}: rejected")
        return
    event(f"{kind}: accepted, still a proof")
    assert not _wrong_steps(mutant), (kind, json.dumps(mutant["chains"], ensure_ascii=False))


def test_the_real_certificates_pass(real_certificates, trusted):
    """The mutation test means something only if the originals are accepted and sound."""
    for cert in real_certificates.values():
        check_certificate(cert, trusted)
        assert not _wrong_steps(cert)


# ---------------------------------------------------------------------------
# The `linear` step on random pairs of terms

LINEAR_DECLS = ["let A, B : Mat(n, n)", "let C : Mat(n, m)", "let M : Mat(n, n) invertible",
                "let x, y : Vec(n)", "let s, t : Scalar"]
LINEAR_ENV = env_from_decls([parse_decl(t) for t in LINEAR_DECLS])
LINEAR_SHAPES = sorted({info.shape for info in LINEAR_ENV.values()}, key=str)
_BINARY = (S.Add, S.Sub, S.Mul, S.Hadamard, S.Kron, S.Frob, S.Div)


@lru_cache(maxsize=None)
def _shaped(env: Env, shape: Shape, depth: int) -> st.SearchStrategy[S.Expr]:
    """Made once per shape: building the strategy costs far more than drawing from it."""
    return well_shaped(env, shape, max_depth=depth)


@st.composite
def variants(draw, e: S.Expr) -> S.Expr:
    """`e` with one subterm changed: operands swapped, transposed, or redrawn."""
    path, old = draw(st.sampled_from(list(S.subterms(e))))
    shape = infer(old, LINEAR_ENV)
    choices = [S.Transpose(old), draw(_shaped(LINEAR_ENV, shape, 2))]
    if isinstance(old, _BINARY):
        choices.append(type(old)(old.right, old.left))
    same_shape = [c for c in choices if _shape_or_none(c, LINEAR_ENV) == shape]
    return S.replace_at(e, path, draw(st.sampled_from(same_shape)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_linear_step_accepts_only_equal_terms(data, trusted):
    e = data.draw(_shaped(LINEAR_ENV, data.draw(st.sampled_from(LINEAR_SHAPES)), 3))
    other = data.draw(variants(e))
    if other == e:
        event("no change")
        return
    cert = {"format": FORMAT, "statement": f"(= {sexpr.show(e)} {sexpr.show(other)})",
            "declarations": [declaration(n, i) for n, i in LINEAR_ENV.items()],
            "rules": {}, "chains": [[{"rule": LINEAR, "dir": "=>", "at": [], "term": sexpr.show(other)}]]}
    try:
        check_certificate(cert, trusted)
    except CheckError:
        event("rejected")
        return
    event("accepted")
    verdict = numeric.compare(e, other, LINEAR_ENV, draws=3, hypotheses=assumptions(e, other, LINEAR_ENV))
    assert verdict.agrees is not False, f"linear step accepted {sexpr.show(e)} = {sexpr.show(other)}"


# ---------------------------------------------------------------------------
# Guards

# The kernel's trust base: it and what it imports. `normal` is the `linear` step's normal
# form; `sexpr` reads certificate terms and rules; `sizes` checks shapes. No library at all.
TRUSTED_MODULES = {"rewrite." + m for m in ("kernel", "normal", "sexpr", "sizes", "syntax", "errors")}
TRUSTED_LIBRARIES: set[str] = set()
NEVER = {"egglog", "numpy", "lark", "rewrite.egraph", "rewrite.prover", "rewrite.explain", "rewrite.numeric",
         "rewrite.rules", "rewrite.check", "rewrite.parse", "rewrite.printing", "rewrite.shapes"}
# The audit target of issue 12: code lines (no blanks, comments or docstrings) of the base.
# issue 16: + the one table of functions (syntax.FUNCTION) and the rank words; issue 15: a 1×1
# divisor's factors; issue 16 part B: + sizes as numbers and size powers, matrix Hessians,
# symgrad, lemmas for nested derivatives; issue 14: a short path for a lone size variable, a term's sizes read once in `_match`.
TRUSTED_LINES = 1386


def _imports(module: str) -> set[str]:
    """Every module `module` imports, anywhere in its source (function-local imports too)."""
    tree = ast.parse((ROOT / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            out.add(node.module)
        elif isinstance(node, ast.ImportFrom):
            out |= {f"rewrite.{node.module}"} if node.module else {f"rewrite.{a.name}" for a in node.names}
    return out


def test_the_kernel_imports_no_search_and_no_numbers():
    seen, todo, outside = set(), ["rewrite.kernel"], set()
    while todo:
        module = todo.pop()
        seen.add(module)
        for imported in _imports(module):
            if imported.startswith("rewrite.") and imported not in seen:
                todo.append(imported)
            elif not imported.startswith("rewrite"):
                outside.add(imported.split(".")[0])
    assert not (seen | outside) & NEVER
    assert seen <= TRUSTED_MODULES, f"the kernel's trust base grew: {sorted(seen - TRUSTED_MODULES)}"
    assert outside <= set(sys.stdlib_module_names) | TRUSTED_LIBRARIES, sorted(outside)


def _last_name(node: ast.expr) -> str:
    """`Theorem` for `Theorem` and for `kernel.Theorem`."""
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def test_only_the_kernel_makes_theorems():
    offenders = []
    for path in sorted((ROOT / "rewrite").glob("*.py")):
        if path.name == "kernel.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _last_name(node.func) == "Theorem":
                offenders.append(f"{path.name}:{node.lineno} calls Theorem(...)")
            if isinstance(node, (ast.Name, ast.Attribute)) and _last_name(node) == "_KEY":
                offenders.append(f"{path.name}:{node.lineno} uses the kernel's key")
    assert not offenders


def test_a_theorem_cannot_be_made_outside_the_kernel():
    a = S.Var("A")
    with pytest.raises(TypeError, match="only the kernel"):
        Theorem(object(), a, a, Env(), (), (), 0)


BLOCK_EGGLOG = ("import runpy, sys; sys.modules['egglog'] = sys.modules['numpy'] = sys.modules['lark'] = None; "
                "sys.argv[0] = 'rewrite'; runpy.run_module('rewrite', run_name='__main__')")


def test_the_trusted_base_is_small():
    """Counted as `../shared/tools/trusted-lines.py` counts it: the code lines of the kernel
    module and everything it imports."""
    import io
    import tokenize

    def code_lines(path: Path) -> int:
        src = path.read_text(encoding="utf-8")
        doc = set()
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
                b = node.body[0]
                if isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant) and isinstance(b.value.value, str):
                    doc.update(range(b.lineno, b.end_lineno + 1))
        lines = set()
        skip = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
        for tok in tokenize.generate_tokens(io.StringIO(src).readline):
            if tok.type not in skip:
                lines.update(n for n in range(tok.start[0], tok.end[0] + 1) if n not in doc)
        return len(lines)

    total = sum(code_lines(ROOT / (m.replace(".", "/") + ".py")) for m in TRUSTED_MODULES)
    assert total <= TRUSTED_LINES, f"the trusted base has {total} code lines (at most {TRUSTED_LINES})"


def test_verify_runs_without_egglog_numpy_or_lark(real_certificates, tmp_path):
    paths = []
    for k, cert in enumerate(real_certificates.values()):
        paths.append(tmp_path / f"{k}.json")
        paths[-1].write_text(json.dumps(cert, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", BLOCK_EGGLOG, "verify", *map(str, paths)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(paths)} passed, 0 failed" in proc.stdout


# ---------------------------------------------------------------------------
# Issue 16: a derivative of abs, sign, relu or step assumes its argument has no zero entry


def test_kinks_inside_a_derivative_are_assumed_away_and_outside_are_not():
    env = env_from_decls(parse_file_text("let x : Vec(n)\nlet A : Mat(m, n)").decls)
    x, A = S.Var("x"), S.Var("A")
    inner = S.Mul(A, x)
    grad = S.Call("grad", (S.Call("sum", (S.Call("relu", (inner,)),)), x))
    assert assumptions(grad, S.Call("sign", (x,)), env) == (("nonzero", inner),)
    assert assumptions(S.Call("abs", (x,)), S.Hadamard(S.Call("sign", (x,)), x), env) == ()
    d_abs = S.Call("d", (S.Call("abs", (x,)),))
    assert assumptions(d_abs, S.Hadamard(S.Call("sign", (x,)), S.Call("d", (x,))), env) == (("nonzero", x),)


def parse_file_text(text):
    from rewrite.parse import parse_text

    return parse_text(text)


# Forgeries through the search (issue 16): false statements with the new functions, each
# false somewhere (most at random points, `sign(x) ⊙ sign(x) = ones` only where an entry is 0):
# none may come out proved.
FORGED_WITH_NEW_FUNCTIONS = """
let A : Mat(m, n)
let F : Mat(m, n) fullrowrank
let G : Mat(m, n) fullcolrank
let X : Mat(n, n)
let x : Vec(n)
let s : Scalar
claim f1: 1 = 0
claim f2: pinv(F) F = I
claim f3: G pinv(G) = I
claim f4: d(abs(s)) = d(s)
claim f5: d/dx sum(abs(x)) = ones(n)
claim f6: sign(x) ⊙ sign(x) = ones(n)
claim f7: d(sign(s)) = d(s)
claim f8: diag(diag(X)) = X
claim f9: relu(x) = x
claim f11: d/ds abs(s) = 1
claim f12: d/ds relu(s) - relu(-s) = step(s) + step(-s) - 1
claim f13: pinv(A) = Aᵀ
claim f14: step(s) + step(-s) = 1
claim f16: d/ds s abs(s) = 2 abs(s) + 1
"""


def test_no_forgery_with_the_new_functions_is_proved(tmp_path):
    path = tmp_path / "forged.proof"
    path.write_text(FORGED_WITH_NEW_FUNCTIONS, encoding="utf-8")
    results = Checker(Settings()).check_file(str(path))
    assert len(results) == 14
    assert not [r.name for r in results if r.outcome in ("proved", "unsound")]
    assert {r.name for r in results if r.outcome != "false"} <= {"f6", "f14"}  # false only at 0
