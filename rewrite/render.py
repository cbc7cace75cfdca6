"""Certificates as the derivations a person reads, and results as notebooks show them.

A certificate is written for the kernel: every single rule step, each with the whole term
after it. A reader wants what the notes would write: one line per step, the rule named and
the rewritten part marked, and runs of bookkeeping (re-bracketing, reordering a sum or a
product) folded into one line, because that is where certificates are long and say least.
Which rules are bookkeeping is read from their text, never from a list of names: both sides
are one operator, all the way down, over the same multiset of operands (`A + B = B + A`,
`(A B) C = A (B C)`); the kernel's own `linear` normalisation counts too.

Formats: "text" (Unicode, the default), "markdown" (a table), "latex" (an `align*`
environment; needs amsmath). A certificate's terms are s-expressions; its goals are
recomputed with the kernel's own `goals_of`, never read from it.
Imports: `syntax`, `sexpr`, `printing`, `kernel`, `sizes`, `result`, `errors`; never `check`, egglog or numpy.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from . import sexpr
from . import syntax as S
from .errors import RewriteError
from .kernel import LINEAR, Rule, goals_of, read_decl, read_rule, replace_derivative
from .printing import show
from .result import Result
from .sizes import Env

Format = Literal["text", "markdown", "latex"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "latex")
BACKWARDS = "←"  # after a rule used right to left
_LEGEND = f"{BACKWARDS}: the rule used right to left"

# Stands in for the marked part while the rest of the term is printed; no parser makes it.
_HOLE = S.Var("\ue000")


@dataclass(frozen=True)
class Line:
    """One line of a derivation: the term reached, the position of the part that changed
    (`()` when the whole term did), and the rules that got there as (name, forwards)."""

    term: S.Expr
    at: S.Path
    rules: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class Conclusion:
    """What a derivative claim reads off its last line: `d(f) = G : d(X)` gives
    `∇_X f = G` (kind "grad"), `d(y) = J d(x)` gives `jac(y, x) = J`, and a Hessian's
    second chain `d(g) = H d(x)` gives `∇²_x f = H` (kind "hess")."""

    kind: str
    function: S.Expr
    wrt: S.Expr
    value: S.Expr


@dataclass(frozen=True)
class Chain:
    """One chain of a certificate: `lines[0]` is where it starts (for a derivative,
    `d(f)`), each later line one step or one run of bookkeeping."""

    lines: tuple[Line, ...]
    conclusion: Conclusion | None = None


@dataclass(frozen=True)
class Derivation:
    """A certificate as a person reads it: one chain, or two for a Hessian (the gradient
    first, then its differential)."""

    name: str
    statement: str
    chains: tuple[Chain, ...]

    def render(self, format: Format = "text") -> str:
        if format not in FORMATS:
            raise ValueError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
        return {"text": _text, "markdown": _markdown, "latex": _latex}[format](self)

    def __str__(self) -> str:
        return self.render("text")

    def _repr_markdown_(self) -> str:
        return self.render("markdown")

    def _repr_latex_(self) -> str:
        # Notebooks typeset with MathJax or KaTeX, which take `aligned` inside `$$`.
        return f"$$\\begin{{aligned}}\n{_latex_body(self)}\n\\end{{aligned}}$$"


def explain(certificate: dict[str, Any], format: Format = "text") -> str:
    """The derivation a certificate records, as text in `format`."""
    return derivation(certificate).render(format)


def statement(certificate: dict[str, Any]) -> tuple[S.Expr, S.Expr]:
    """The two sides of a certificate's statement."""
    eq, *sides = sexpr.read(certificate["statement"])
    if eq != "=" or len(sides) != 2:
        raise RewriteError("a certificate's statement must be (= LHS RHS)")
    lhs, rhs = (sexpr.term(x) for x in sides)
    return lhs, rhs


def derivation(certificate: dict[str, Any]) -> Derivation:
    """Read a certificate (the JSON of `certificate.build`) into a `Derivation`; its goals
    are the kernel's, recomputed from the statement."""
    try:
        lhs, rhs = statement(certificate)
        env = Env(dict(read_decl(d) for d in certificate["declarations"]))
        gradient = sexpr.term(sexpr.read(certificate["gradient"])) if "gradient" in certificate else None
        before: tuple[Chain, ...] = ()  # the lemmas' chains, then the statement's with each lemma in place
        for lemma in certificate.get("lemmas", []):
            d, g = statement(lemma)
            before += derivation({**lemma, "declarations": certificate["declarations"],
                                  "rules": certificate["rules"]}).chains
            lhs, rhs = replace_derivative(lhs, d, g), replace_derivative(rhs, d, g)
        goals = goals_of(lhs, rhs, env, gradient)
        rules = {n: read_rule(t) for n, t in certificate["rules"].items()}
        steps = [[(sexpr.term(sexpr.read(s["term"])), tuple(s["at"]), s["rule"], s["dir"]) for s in chain]
                 for chain in certificate["chains"]]
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise RewriteError(f"not a certificate this version can explain: {e}") from None
    if goals is None or len(goals) != len(steps):
        raise RewriteError("the certificate's chains do not fit its statement")
    starts = [g.start for g in goals]
    conclusions = _conclusions(lhs, rhs, goals)
    chains = before + tuple(Chain(_lines(start, chain, rules), conclusion)
                            for start, chain, conclusion in zip(starts, steps, conclusions))
    shown = certificate.get("display", {}).get("statement") or f"{show(lhs)} = {show(rhs)}"
    return Derivation(certificate.get("name", "certificate"), shown, chains)


def _lines(start: S.Expr, steps: list[tuple], rules: dict[str, Rule]) -> tuple[Line, ...]:
    lines = [Line(start, (), ())]
    folding = False  # whether the last line is a run of bookkeeping that may go on
    for term, at, name, direction in steps:
        bookkeeping = name == LINEAR or (name in rules and is_bookkeeping(rules[name]))
        if bookkeeping and folding:
            last = lines[-1]
            cited = last.rules if (name, True) in last.rules else last.rules + ((name, True),)
            lines[-1] = Line(term, _common_prefix(last.at, at), cited)
        else:
            lines.append(Line(term, at, ((name, bookkeeping or direction == "=>"),)))
        folding = bookkeeping
    return tuple(lines)


@lru_cache(maxsize=None)
def is_bookkeeping(rule: Rule) -> bool:
    """Whether a rule only re-brackets or reorders: both sides have the same operator at
    the top and nothing else above their operands, and the operands are the same multiset
    (add-comm, mul-assoc, frob-comm, scale-comm; not tr-cyclic, whose operands differ)."""
    if rule.prop is not None:
        return False
    lhs, rhs = rule.sides
    if S.head(lhs) != S.head(rhs) or not lhs.children():
        return False
    head = S.head(lhs)
    return Counter(_operands(lhs, head)) == Counter(_operands(rhs, head))


def _operands(e: S.Expr, head: tuple) -> list[S.Expr]:
    """The maximal subterms of `e` whose operator is not `head`."""
    if S.head(e) != head:
        return [e]
    return [o for c in e.children() for o in _operands(c, head)]


def _common_prefix(a: S.Path, b: S.Path) -> S.Path:
    """The deepest position above both: steps below it leave everything above it alone,
    so it points at the same place in every term of a folded run."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _conclusions(lhs: S.Expr, rhs: S.Expr, goals: list) -> list[Conclusion | None]:
    """Per chain, what it concludes: nothing for an equation; for `d/dX f = G` (proved as
    `d(f) = G : d(X)`) and `jac(y, x) = J` the derivative; for `hess(f, x) = H` the
    gradient, then the Hessian. The value is the last line without its `: d(X)` or `d(x)`."""
    derivative = next((side for side in (lhs, rhs)
                       if isinstance(side, S.Call) and side.fn in ("grad", "jac", "hess")), None)
    if derivative is None:
        return [None] * len(goals)
    kinds = ["grad", "hess"] if derivative.fn == "hess" else [derivative.fn]
    f, wrt = goals[0].start.args[0], derivative.args[1]  # type: ignore[attr-defined]
    return [Conclusion(kind, f, wrt, goal.end.left)  # type: ignore[attr-defined]
            for kind, goal in zip(kinds, goals)]


# ---------------------------------------------------------------------------
# Marking the rewritten part


def _pieces(term: S.Expr, at: S.Path, notation: str) -> tuple[str, str, str]:
    """`term` printed in `notation` ("unicode" or "latex") as (before, part, after), where
    `part` is the subterm at `at` as it is printed in place (with its parentheses).

    The term is printed once as it is and once with a placeholder for the part; what the
    two texts share at the start and at the end is the context. (Printing the part alone
    would lose the parentheses and spacing its place gives it.)"""
    full = show(term, notation)
    if not at:
        return full, "", ""
    holed = show(S.replace_at(term, at, _HOLE), notation)
    p = 0
    while p < min(len(full), len(holed)) and full[p] == holed[p]:
        p += 1
    s = 0
    while s < min(len(full), len(holed)) - p and full[-1 - s] == holed[-1 - s]:
        s += 1
    before, part, after = full[:p], full[p:len(full) - s], full[len(full) - s:]
    stripped = part.strip()
    if not stripped:
        return full, "", ""
    lead = part[: len(part) - len(part.lstrip())]
    trail = part[len(part.rstrip()):]
    return before + lead, stripped, trail + after


def _unwrapped(part: str) -> str:
    """`(X)` → `X` when the two parentheses match each other (brackets will group it)."""
    if part.startswith("(") and part.endswith(")"):
        depth = 0
        for i, c in enumerate(part):
            depth += {"(": 1, ")": -1}.get(c, 0)
            if depth == 0 and i < len(part) - 1:
                return part
        return part[1:-1]
    return part


def _balanced_latex(text: str) -> bool:
    depth, sizes = 0, 0
    for token in re.findall(r"\\left(?![a-zA-Z])|\\right(?![a-zA-Z])|(?<!\\)[{}]", text):
        if token == "\\left":
            sizes += 1
        elif token == "\\right":
            sizes -= 1
        else:
            depth += 1 if token == "{" else -1
        if depth < 0 or sizes < 0:
            return False
    return depth == 0 and sizes == 0


def _marked_text(line: Line) -> str:
    before, part, after = _pieces(line.term, line.at, "unicode")
    return f"{before}⟦{_unwrapped(part)}⟧{after}" if part else before


def _marked_markdown(line: Line) -> str:
    # `<b>`, not `**`: a closing `**` between `)` and `ᵀ` is not right-flanking, and
    # Markdown would print the asterisks.
    before, part, after = _pieces(line.term, line.at, "unicode")
    if not part:
        return _md(before)
    return f"{_md(before)}<b>{_md(part)}</b>{_md(after)}"


def _marked_latex(line: Line) -> str:
    before, part, after = _pieces(line.term, line.at, "latex")
    if not part or not _balanced_latex(part):
        return show(line.term, "latex")
    return f"{before}\\underline{{{part}}}{after}"


# ---------------------------------------------------------------------------
# The three formats


def _derivative(c: Conclusion, notation: str) -> str:
    """`∇_X f`, `∇²_x f`, or the Jacobian as the language writes it (`jac(y, x)`); the
    function is bracketed when it would not read as one operand."""
    latex = notation == "latex"
    body, wrt = show(c.function, notation), show(c.wrt, notation)
    if isinstance(c.function, (S.Add, S.Sub, S.Frob, S.Neg)):
        body = f"\\left({body}\\right)" if latex else f"({body})"
    if c.kind == "jac":
        return f"\\frac{{\\partial}}{{\\partial {wrt}^{{\\top}}}} {body}" if latex else f"jac({show(c.function)}, {wrt})"
    if latex:
        return f"\\nabla{'^2' if c.kind == 'hess' else ''}_{{{wrt}}} {body}"
    return f"∇{'²' if c.kind == 'hess' else ''}_{wrt} {body}"


def _cited(line: Line) -> str:
    return ", ".join(n if forwards else f"{n} {BACKWARDS}" for n, forwards in line.rules)


def _has_backwards(d: Derivation) -> bool:
    return any(not forwards for c in d.chains for line in c.lines for _, forwards in line.rules)


def _text(d: Derivation) -> str:
    width = max((len(_marked_text(line)) for c in d.chains for line in c.lines[1:]), default=0)
    out = [f"{d.name}: {d.statement}"]
    for c in d.chains:
        first, *rest = c.lines
        out += ["", _marked_text(first)]
        out += [f"  = {_marked_text(line).ljust(width)}   {_cited(line)}" for line in rest]
        if c.conclusion:
            out.append(f"so {_derivative(c.conclusion, 'unicode')} = {show(c.conclusion.value)}")
    if _has_backwards(d):
        out += ["", _LEGEND]
    return "\n".join(out)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _markdown(d: Derivation) -> str:
    out = [f"**{_md(d.name)}**: {_md(d.statement)}", "", "| | | rule |", "|---|---|---|"]
    for c in d.chains:
        first, *rest = c.lines
        out.append(f"| | {_marked_markdown(first)} | |")
        out += [f"| = | {_marked_markdown(line)} | {_md(_cited(line))} |" for line in rest]
        if c.conclusion:
            out.append(f"| so | {_md(_derivative(c.conclusion, 'unicode'))} = {_md(show(c.conclusion.value))} | |")
    if _has_backwards(d):
        out += ["", _md(_LEGEND)]
    return "\n".join(out)


def _latex_text(text: str) -> str:
    """Rule names inside `\\text{}`: hyphens are fine, an underscore needs escaping."""
    return text.replace("_", "\\_")


def _latex_chain(c: Chain) -> list[str]:
    """The rows of one chain: the start and the first step share a row, as `d f &= …`."""
    first, *rest = c.lines
    rows = [] if rest else [_marked_latex(first)]
    for i, line in enumerate(rest):
        cited = ", ".join(f"\\text{{{_latex_text(n)}}}" + ("" if forwards else " \\leftarrow")
                          for n, forwards in line.rules)
        rows.append(f"{_marked_latex(first) if i == 0 else ''} &= {_marked_latex(line)} && {cited}")
    if c.conclusion:
        rows.append(f"\\text{{so}}\\quad {_derivative(c.conclusion, 'latex')} &= {show(c.conclusion.value, 'latex')}")
    return rows


def _latex_body(d: Derivation) -> str:
    """The rows of every chain, a little space between chains."""
    return " \\\\[1ex]\n".join(" \\\\\n".join(_latex_chain(c)) for c in d.chains)


def _latex(d: Derivation) -> str:
    return f"% {d.name}: {d.statement}\n\\begin{{align*}}\n{_latex_body(d)}\n\\end{{align*}}"


# ---------------------------------------------------------------------------
# Results in notebooks (`check.Result` delegates here)

_MARK = {True: "✓", False: "✗"}


def _steps(n: int) -> str:
    return f"{n} step" if n == 1 else f"{n} steps"


def result_markdown(r: Any) -> str:
    """One checked statement: its outcome line, then why it failed (or the counterexample
    that makes a refute pass) as a code block."""
    detail = f"{_steps(r.steps)}, " if r.steps is not None else ""
    head = f"{_MARK[r.passed]} **{r.outcome}** {r.kind} `{r.file}::{r.name}` ({detail}{r.seconds * 1000:.0f} ms)"
    if r.message and (not r.passed or r.outcome == "false"):
        return f"{head}\n\n```\n{r.message}\n```"
    return head


def result_latex(r: Any) -> str | None:
    """A proved claim typeset (its certificate states it); None for the others, whose
    statement a result does not carry, so notebooks fall back to the Markdown."""
    if not r.certificate:
        return None
    lhs, rhs = statement(r.certificate)
    return f"${show(lhs, 'latex')} = {show(rhs, 'latex')} \\quad \\text{{({r.outcome}, {_steps(r.steps)})}}$"


# Notebooks (Jupyter and the like) show a result through these.
Result._repr_markdown_ = result_markdown  # type: ignore[attr-defined]
Result._repr_latex_ = result_latex  # type: ignore[attr-defined]
