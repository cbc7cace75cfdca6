"""Derivations from real certificates (made here by the checker), in the three styles;
`rewrite explain`; and what notebooks call (`_repr_latex_`, `_repr_markdown_`)."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rewrite import cli, kernel, rules, sexpr
from rewrite import syntax as S
from rewrite.certificate import declaration
from rewrite.check import Checker
from rewrite.compiled import write_rule
from rewrite.parse import parse_expr
from rewrite.printing import show
from rewrite.render import FORMATS, Derivation, derivation, explain, is_bookkeeping, statement
from rewrite.ruletext import rule_from_text
from rewrite.shapes import elaborate, env_from_decls

LEAST_SQUARES = Path(__file__).resolve().parents[1] / "proofs" / "least_squares.proof"
MISTAKES = LEAST_SQUARES.with_name("mistakes.proof")

PROOFS = """
let A : Mat(m, n)
let M : Mat(n, n)
let x, a : Vec(n)
let b : Vec(m)
claim grad_x:  d/dx ‖A x - b‖² = 2 Aᵀ (A x - b)
claim grad_quad: d/dx xᵀ M x = (M + Mᵀ) x
claim jac_lin: jac(A x, x) = A
claim hess_lin: hess(aᵀ x, x) = zeros(n, n)
refute wrong: (M x)ᵀ = xᵀ M
"""


@pytest.fixture(scope="module")
def results():
    return {r.name: r for r in Checker().check_text(PROOFS, "t.proof")}


@pytest.fixture(scope="module")
def certs(results):
    proved = {n: r.certificate for n, r in results.items() if r.outcome == "proved"}
    assert {"grad_x", "grad_quad", "jac_lin", "hess_lin"} <= set(proved), results
    return proved


# ---------------------------------------------------------------------------
# Which rules are bookkeeping: read from the text, whatever the rule is called


@pytest.mark.parametrize("text", [
    "add-comm : A + B = B + A",
    "add-assoc : (A + B) + C = A + (B + C)",
    "mul-assoc : (A B) C = A (B C)",
    "frob-comm : A : B = B : A",
    "had-comm : A ⊙ B = B ⊙ A",
    "scale-comm : A s => s A",
    "shuffle : (A + B) + C = (C + A) + B",  # a name no list would know
])
def test_reordering_rules_are_bookkeeping(text):
    assert is_bookkeeping(rule_from_text(text).compiled())


@pytest.mark.parametrize("text", [
    "tr-cyclic : tr(A B) = tr(B A)",  # reorders, but under tr: the operands differ
    "tp-mul : (A B)ᵀ => Bᵀ Aᵀ",
    "frob-tp : A : B = Aᵀ : Bᵀ",
    "add-self : A + A => 2 A",
    "add-zero : A + Z => A if Z zero",
    "dist-left : A (B + C) => A B + A C",
    "mixed : A + B C = C B + A",  # the operands must be the same, not just the letters
    "spd-symmetric : S is symmetric if S spd",
])
def test_other_rules_are_not(text):
    assert not is_bookkeeping(rule_from_text(text).compiled())


# ---------------------------------------------------------------------------
# The derivation follows the certificate


def _folded_correctly(cert: dict, d: Derivation) -> None:
    """Every line ends on a term of the chain, in order; the steps between two lines are
    either one step or a run of bookkeeping, and the line cites exactly their rules."""
    env = dict(kernel.read_decl(t) for t in cert["declarations"])
    gradient = sexpr.term(sexpr.read(cert["gradient"])) if "gradient" in cert else None
    goals = kernel.goals_of(*statement(cert), env, gradient)
    for goal, steps, chain in zip(goals, cert["chains"], d.chains):
        terms = [goal.start] + [sexpr.term(sexpr.read(s["term"])) for s in steps]
        assert chain.lines[0].term == terms[0] and chain.lines[-1].term == terms[-1]
        k = 0
        for line in chain.lines[1:]:
            run = []
            while terms[k] != line.term or not run:
                run.append(steps[k])
                k += 1
            names = [s["rule"] for s in run]
            if len(run) > 1:
                assert all(n == "linear" or is_bookkeeping(kernel.read_rule(cert["rules"][n])) for n in names), names
            assert [n for n, _ in line.rules] == list(dict.fromkeys(names))
        assert k == len(steps)


@pytest.mark.parametrize("name", ["grad_x", "grad_quad", "jac_lin", "hess_lin"])
def test_lines_follow_the_chain(certs, name):
    _folded_correctly(certs[name], derivation(certs[name]))


def _shuffle() -> dict:
    """A certificate written by hand (and checked by the kernel): one step, a run of
    reordering below the `:`, and a rule used right to left."""
    compiled = rules.load().compiled
    env = env_from_decls([rule_decl("let A, B, C, X : Mat(m, n)")])

    def term(text: str) -> str:
        return sexpr.show(elaborate(parse_expr(text), env)[0])

    steps = [("tp-tp", "=>", [1, 1], "X : ((A + B) + C)"), ("add-comm", "=>", [1, 0], "X : ((B + A) + C)"),
             ("add-assoc", "=>", [1], "X : (B + (A + C))"), ("add-comm", "=>", [1, 1], "X : (B + (C + A))"),
             ("neg-neg", "<=", [1, 1, 1], "X : (B + (C + -(-A)))")]
    cert = {
        "format": kernel.FORMAT, "name": "shuffle",
        "statement": f"(= {term('X : ((A + B) + Cᵀᵀ)')} {term('X : (B + (C + -(-A)))')})",
        "declarations": [declaration(n, i) for n, i in env.items()],
        "rules": {n: write_rule(compiled[n]) for n in ("tp-tp", "add-assoc", "add-comm", "neg-neg")},
        "chains": [[{"rule": r, "dir": way, "at": at, "term": term(t)} for r, way, at, t in steps]],
    }
    kernel.check_certificate(cert, compiled)
    return cert


def rule_decl(text: str):
    from rewrite.parse import parse_decl

    return parse_decl(text)


def test_bookkeeping_runs_are_folded():
    cert = _shuffle()
    d = derivation(cert)
    _folded_correctly(cert, d)
    start, real, run, back = d.chains[0].lines
    assert real.rules == (("tp-tp", True),) and real.at == (1, 1)
    assert run.rules == (("add-comm", True), ("add-assoc", True))
    assert run.at == (1,)  # the deepest place above every step of the run
    assert back.rules == (("neg-neg", False),)
    assert d.render("text").splitlines()[3:] == [
        "  = X : (A + B + ⟦C⟧)         tp-tp",
        "  = X : ⟦B + (C + A)⟧         add-comm, add-assoc",
        "  = X : (B + (C + ⟦-(-A)⟧))   neg-neg ←",
        "",
        "←: the rule used right to left",
    ]
    latex = d.render("latex")
    assert "X : \\underline{\\left(B + \\left(C + A\\right)\\right)}" in latex
    assert "&& \\text{neg-neg} \\leftarrow \\\\" not in latex  # the last row ends the environment
    assert latex.splitlines()[-2].endswith("&& \\text{neg-neg} \\leftarrow")


def _step_lines(text: str) -> list[tuple[str, str]]:
    """(marked term, rules) of each `  = …` line of the text style."""
    out = []
    for line in text.splitlines():
        if line.startswith("  = "):
            term, rules = re.split(r" {3,}", line[4:].rstrip(), maxsplit=1)
            out.append((term, rules))
    return out


def test_text_marks_the_rewritten_part(certs):
    cert = certs["grad_x"]
    d = derivation(cert)
    lines = d.chains[0].lines[1:]
    shown = _step_lines(d.render("text"))
    assert len(shown) == len(lines)
    marked = 0
    for (text, cited), line in zip(shown, lines):
        assert cited.split(", ")[0].split(" ")[0] == line.rules[0][0]
        if "⟦" not in text:
            assert parse_expr(text) == line.term and not line.at
            continue
        marked += 1
        before, rest = text.split("⟦")
        part, after = rest.split("⟧")
        assert parse_expr(part) == S.at_path(line.term, line.at)
        assert parse_expr(f"{before}({part}){after}") == line.term
    assert marked


def test_gradient_reads_like_the_notes(certs):
    text = explain(certs["grad_x"])
    body = [line for line in text.splitlines() if line]
    assert body[0] == "grad_x: d/dx ‖A x - b‖² = 2 Aᵀ (A x - b)"
    assert body[1] == "d(‖A x - b‖²)"
    last_step = _step_lines(text)[-1][0].replace("⟦", "(").replace("⟧", ")")
    assert parse_expr(last_step) == parse_expr("2 Aᵀ (A x - b) : d(x)")
    assert "so ∇_x ‖A x - b‖² = 2 Aᵀ (A x - b)" in body
    backwards = any(s["dir"] == "<=" for s in certs["grad_x"]["chains"][0])
    assert (body[-1] == "←: the rule used right to left") == backwards


def test_jacobian_and_hessian_conclusions(certs):
    jac = explain(certs["jac_lin"])
    assert jac.splitlines()[2] == "d(A x)" and "so jac(A x, x) = A" in jac
    hess = derivation(certs["hess_lin"])
    assert [c.conclusion.kind for c in hess.chains] == ["grad", "hess"]
    text = hess.render("text")
    assert "so ∇_x aᵀ x = " in text and "so ∇²_x aᵀ x = zeros(n, n)" in text
    assert text.index("∇_x") < text.index("∇²_x")


def test_equation_has_no_conclusion():
    d = derivation(_shuffle())
    assert d.chains[0].conclusion is None and "so " not in d.render("text")


# ---------------------------------------------------------------------------
# Markdown and LaTeX


def test_markdown_table(certs):
    cert = certs["grad_x"]
    md = explain(cert, "markdown")
    rows = [r for r in md.splitlines() if r.startswith("|")]
    lines = derivation(cert).chains[0].lines
    assert len(rows) == 2 + len(lines) + 1  # header, rule, the lines, the conclusion
    assert md.startswith("**grad\\_x**: ")  # `_` escaped
    assert rows[2] == "| | d(‖A x - b‖²) | |"
    assert rows[-1] == "| so | ∇\\_x ‖A x - b‖² = 2 Aᵀ (A x - b) | |"
    assert sum("<b>" in r for r in rows) == sum(bool(line.at) for line in lines)
    assert all(r.count("|") - r.count("\\|") == 4 for r in rows)


def _balanced(latex: str) -> bool:
    stack = []
    for token in re.findall(r"\\left(?![a-z])|\\right(?![a-z])|\\begin\{[a-z*]+\}|\\end\{[a-z*]+\}|(?<!\\)[{}]", latex):
        if token in ("{", "\\left") or token.startswith("\\begin"):
            stack.append(token)
        else:
            want = {"}": "{", "\\right": "\\left"}.get(token, token.replace("end", "begin"))
            if not stack or stack.pop() != want:
                return False
    return not stack


def test_latex_rows_and_annotations(certs):
    cert = certs["grad_x"]
    latex = explain(cert, "latex")
    assert _balanced(latex)
    body = latex.split("\\begin{align*}\n")[1].split("\n\\end{align*}")[0]
    rows = body.split(" \\\\\n")
    steps = derivation(cert).chains[0].lines[1:]
    assert len(rows) == len(steps) + 1
    assert rows[0].startswith("\\mathrm{d}\\left(\\left\\|A x - b\\right\\|_F^2\\right) &= ")
    assert all("&= " in r for r in rows)
    assert all(re.search(r"&& \\text\{[a-z0-9-]+\}", r) for r in rows[:-1])
    assert rows[-1] == "\\text{so}\\quad \\nabla_{x} \\left\\|A x - b\\right\\|_F^2 &= 2 A^{\\top} \\left(A x - b\\right)"
    assert "\\underline{" in body


def test_latex_compiles(certs, tmp_path):
    """Every derivation here in one document; compiled where TeX is installed."""
    parts = [explain(c, "latex") for c in certs.values()]
    assert all(_balanced(p) for p in parts)
    if not shutil.which("pdflatex"):
        pytest.skip("no pdflatex: checked for balance only")
    doc = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n" + "\n".join(parts) + "\n\\end{document}\n"
    (tmp_path / "d.tex").write_text(doc, encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "d.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "d.pdf").stat().st_size > 0


def test_unknown_style_is_refused(certs):
    with pytest.raises(ValueError, match="unknown format"):
        explain(certs["grad_x"], "html")


# ---------------------------------------------------------------------------
# rewrite explain


@pytest.mark.parametrize("style", FORMATS)
def test_cli_explain(style, capsys):
    assert cli.main(["explain", f"{LEAST_SQUARES}::grad_x", "--format", style]) == 0
    out = capsys.readouterr().out
    assert {"text": "so ∇_x ‖A x - b‖²", "markdown": "| so | ∇\\_x", "latex": "\\nabla_{x}"}[style] in out


def test_cli_explain_of_a_certificate_file(certs, tmp_path, capsys):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(certs["jac_lin"]), encoding="utf-8")
    assert cli.main(["explain", str(path)]) == 0
    assert capsys.readouterr().out.strip() == explain(certs["jac_lin"])


@pytest.mark.parametrize("target, status, says", [
    (f"{MISTAKES}::trace_of_product", 1, "not proved"),
    (f"{LEAST_SQUARES}::nothing", 2, "has no statement 'nothing'"),
    (str(LEAST_SQUARES), 2, "expected FILE::NAME"),
    ("no/such.proof::x", 2, "No such file"),
])
def test_cli_explain_without_a_proof(target, status, says, capsys):
    assert cli.main(["explain", target]) == status
    assert says in capsys.readouterr().err


# ---------------------------------------------------------------------------
# Notebooks


def test_expression_repr_latex():
    e = parse_expr("d/dx ‖A x - b‖²")
    assert e._repr_latex_() == f"${show(e, 'latex')}$"
    assert parse_expr("Aᵀ")._repr_latex_() == "$A^{\\top}$"


def test_derivation_reprs(certs):
    d = derivation(certs["hess_lin"])
    assert d._repr_markdown_() == d.render("markdown")
    latex = d._repr_latex_()
    assert latex.startswith("$$\\begin{aligned}\n") and latex.endswith("\n\\end{aligned}$$")
    assert _balanced(latex[2:-2]) and "\\\\[1ex]" in latex  # two chains, spaced
    assert str(d) == d.render("text")


def test_result_reprs(results):
    proved, false = results["grad_x"], results["wrong"]
    assert proved._repr_markdown_().startswith("✓ **proved** claim `t.proof::grad_x` (")
    assert proved._repr_latex_().startswith("$\\frac{\\partial}{\\partial x}")
    assert "\\text{(proved, " in proved._repr_latex_()
    md = false._repr_markdown_()
    assert md.startswith("✓ **false** refute `t.proof::wrong`") and "```\nsizes " in md
    assert false._repr_latex_() is None  # a result without a proof does not carry its statement


def test_notebook_display(results, certs):
    """What IPython's display machinery (Jupyter's) picks up from each object."""
    formatters = pytest.importorskip("IPython.core.formatters")
    fmt = formatters.DisplayFormatter()
    for obj in (parse_expr("A : B"), derivation(certs["grad_x"]), results["grad_x"]):
        data, _ = fmt.format(obj)
        assert {"text/plain", "text/latex"} <= set(data)
        assert data["text/latex"] == obj._repr_latex_()
    data, _ = fmt.format(results["wrong"])
    assert "text/latex" not in data and data["text/markdown"] == results["wrong"]._repr_markdown_()
