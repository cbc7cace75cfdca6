"""One rule line, read: `name : lhs = rhs if A invertible  # source`.

Shared by the rule loader (which also validates rules numerically) and the kernel (which
re-reads every rule it trusts from its text), so it must stay free of numpy and egglog.

Forms:
    name : lhs = rhs [if conds]     an identity, usable both ways
    name : lhs => rhs [if conds]    usable left to right only
    name : expr is prop [if conds]  a property rule (`A B is invertible if A invertible, B invertible`)
Conditions are `VAR WORD` pairs separated by commas, WORD one of `CONDITIONS`.
Pattern variables are single letters: upper-case ones matrices of any shape, lower-case
ones 1×1 (scalars) unless a condition says `vector` (a column of any length).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from functools import lru_cache

from . import syntax as S
from .errors import ParseError, RewriteError
from .parse import parse_expr
from .shapes import SCALAR, Env, Shape, Size, Unifier, VarInfo, _Inference

# shape conditions, the declarable properties, `zero` (equal to 0 by the kernel's normal
# form), and whether a term contains a differential (which only steers the search)
# `nonzero` (no zero entry) is what an elementwise division needs; no declaration says it,
# the rule base derives it (exp, sigmoid, …) and a statement's own ⊘ divisors have it
RULE_PROPERTIES = S.PROPERTIES + ("nonzero",)
CONDITIONS = ("square", "scalar", "nonscalar", "vector", "row", "zero", "differential", "nondifferential") + RULE_PROPERTIES

_HEAD = re.compile(r"\s*([A-Za-z][A-Za-z0-9_\-]*)\s*:\s*(.*)$", re.S)
_COND = re.compile(r"^\s*([A-Za-z])\s+([a-z]+)\s*$")


@dataclass(frozen=True)
class RuleText:
    name: str
    lhs: S.Expr
    rhs: S.Expr | None  # None for a property rule
    oneway: bool = False
    prop: str | None = None  # the property a property rule concludes
    conditions: tuple[tuple[str, str], ...] = ()
    text: str = ""  # the line without its comment, whitespace collapsed
    at: S.Pos | None = None

    @property
    def variables(self) -> tuple[str, ...]:
        names = set(S.free_names(self.lhs))
        if self.rhs is not None:
            names |= S.free_names(self.rhs)
        return tuple(sorted(names))

    def patterns(self) -> tuple[tuple[S.Expr, ...], Env]:
        """The sides elaborated, and the pattern variables' shapes (see `pattern_shapes`)."""
        return _patterns(self)


@lru_cache(maxsize=None)
def _patterns(rule: RuleText) -> tuple[tuple[S.Expr, ...], Env]:
    """Pattern variables get free sizes (`?A_r`×`?A_c`; lower-case: 1×1, or n×1 if `vector`).

    Both sides are inferred with one unifier, so the shapes carry what it takes for both to
    be well formed; then the two sides must have the same shape without narrowing any
    pattern variable further (`tr(A) = A` is refused, not read as a rule about 1×1 `A`) —
    only the implicit sizes of `I`, a matrix `0` or `ones` may take theirs from the other
    side. Those sizes are then written into the sides with the same `?` variables."""
    infos = {v: VarInfo(v, _pattern_shape(v, {c for w, c in rule.conditions if w == v})) for v in rule.variables}
    env = Env(infos)
    inf = _Inference(env, Unifier())
    sides = (rule.lhs,) if rule.rhs is None else (rule.lhs, rule.rhs)
    shapes = [inf.shape(s, (i,), zero_ok=True) for i, s in enumerate(sides)]
    if len(shapes) == 2 and not all(_agree(inf.u, x, y) for x, y in zip(*(
            (inf.u.resolve_shape(s).rows, inf.u.resolve_shape(s).cols) for s in shapes))):
        a, b = (inf.u.resolve_shape(s) for s in shapes)
        raise RewriteError(f"the sides have different shapes: {a} and {b}")
    out = list(sides)
    for path, node, shape in inf.holes:
        out[path[0]] = S.replace_at(out[path[0]], path[1:], inf._explicit(node, inf.u.resolve_shape(shape)))
    resolved = Env({v: VarInfo(v, inf.u.resolve_shape(i.shape)) for v, i in infos.items()})
    return tuple(out), resolved


_SQUARE = {"square", "invertible", "symmetric", "spd", "orthogonal"}


def _pattern_shape(v: str, conditions: set[str]) -> Shape:
    """Free sizes for a pattern variable, narrowed by its shape conditions. Lower-case
    letters are 1×1 unless they are a `vector` (or a `row`)."""
    rows, cols = Size(1, (f"?{v}_r",)), Size(1, (f"?{v}_c",))
    if v.islower() and not conditions & {"vector", "row"}:
        return SCALAR
    if conditions & {"vector", "scalar"}:
        cols = Size()
    if conditions & {"row", "scalar"}:
        rows = Size()
    if conditions & _SQUARE:
        cols = rows
    return Shape(rows, cols)


def _agree(u: Unifier, x: Size, y: Size) -> bool:
    """Equal sizes, or made equal by sizing an implicit `I`/`0`/`ones` (a `?N` variable;
    pattern variables' sizes are `?A_r`, `?A_c`)."""
    x, y = u.resolve(x), u.resolve(y)
    if x == y:
        return True
    for lone, other in ((x, y), (y, x)):
        if lone.coeff == 1 and len(lone.atoms) == 1 and "_" not in lone.atoms[0] \
                and lone.atoms[0].startswith("?") and lone.atoms[0] not in other.atoms:
            u.unify(lone, other)
            return True
    return False


@lru_cache(maxsize=None)
def rule_from_text(text: str) -> RuleText:
    """A rule read from its own text (as certificates and the kernel carry it), cached."""
    return parse_rule(text)


def parse_rule(line: str, *, file: str | None = None, line_no: int = 1) -> RuleText:
    """Read one rule; errors name the file and line."""
    pos = S.Pos(line_no, 1)
    body = line.split("#", 1)[0].strip()
    m = _HEAD.match(body)
    if not m:
        raise ParseError("expected a rule: 'name : lhs = rhs', 'name : lhs => rhs' or 'name : expr is property'",
                         file=file, pos=pos)
    name, rest = m.group(1), m.group(2)
    conditions: tuple[tuple[str, str], ...] = ()
    parts = re.split(r"\s+if\s+", rest)
    if len(parts) > 2:
        raise ParseError("a rule has at most one 'if'", file=file, pos=pos)
    if len(parts) == 2:
        rest = parts[0]
        conditions = tuple(_condition(c, file, pos) for c in re.split(r",|\band\b", parts[1]))
    try:
        if re.search(r"\sis\s+[a-z]+\s*$", rest):
            expr, prop = re.match(r"(.*)\sis\s+([a-z]+)\s*$", rest, re.S).groups()  # type: ignore[union-attr]
            if prop not in RULE_PROPERTIES or prop == "const":
                raise ParseError(f"unknown property '{prop}' in a property rule", file=file, pos=pos)
            rule = RuleText(name, parse_expr(expr.strip()), None, prop=prop, conditions=conditions)
        else:
            oneway = "=>" in rest
            sides = rest.split("=>" if oneway else "=")
            if len(sides) != 2:
                raise ParseError("expected exactly one '=' or '=>' between the two sides", file=file, pos=pos)
            rule = RuleText(name, parse_expr(sides[0].strip()), parse_expr(sides[1].strip()), oneway,
                            conditions=conditions)
    except RewriteError as e:
        raise ParseError(f"in rule '{name}': {e.message}", file=file, pos=pos) from None
    for v in rule.variables:
        if len(v) != 1:
            raise ParseError(f"in rule '{name}': pattern variables are single letters, not '{v}'", file=file, pos=pos)
    for v, _ in conditions:
        if v not in rule.variables:
            raise ParseError(f"in rule '{name}': the condition names '{v}', which the rule does not use",
                             file=file, pos=pos)
    return RuleText(rule.name, rule.lhs, rule.rhs, rule.oneway, rule.prop, rule.conditions, " ".join(body.split()), pos)


def _condition(text: str, file: str | None, pos: S.Pos) -> tuple[str, str]:
    m = _COND.match(text)
    if not m or m.group(2) not in CONDITIONS:
        raise ParseError(f"expected a condition 'X word' with word one of {', '.join(CONDITIONS)}, got '{text.strip()}'",
                         file=file, pos=pos)
    return m.group(1), m.group(2)


def read_rules(text: str, *, file: str | None = None) -> list[RuleText]:
    """Every rule of a rule file (blank lines and comment lines skipped)."""
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        if line.split("#", 1)[0].strip():
            out.append(parse_rule(line, file=file, line_no=i))
    return out


def rules_dir() -> Path:
    """The rule files shipped inside the package (an install), or next to it (a checkout)."""
    here = Path(__file__).resolve().parent
    shipped = here / "rules"
    return shipped if shipped.is_dir() else here.parent / "rules"


def trusted_texts(folder: Path | None = None) -> dict[str, str]:
    """Every rule of the rule files, name → text, read without checking them (that is
    `rules.load`'s job): what the kernel trusts when it replays a certificate."""
    folder = folder or rules_dir()
    return {r.name: r.text for f in sorted(folder.glob("*.rules"))
            for r in read_rules(f.read_text(encoding="utf-8"), file=str(f))}
