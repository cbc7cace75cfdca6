"""One rule line, read and compiled: `name : lhs = rhs if A + B invertible  # source`.

Rule files are written in the user's notation; the kernel trusts their compiled form
(`kernel.Rule`: elaborated sides, pattern variables' shapes, conditions as (word, term)),
written to `rules/compiled.sexp` by `rules` so that `rewrite verify` needs no parser. The
compiled form is what is validated numerically and what the kernel replays.

Forms:
    name : lhs = rhs [if conds]     an identity, usable both ways
    name : lhs => rhs [if conds]    usable left to right only (by the search; proofs may cite it either way)
    name : expr is prop [if conds]  a property rule (`A B is invertible if A invertible, B invertible`)
Conditions are `TERM WORD` pairs separated by commas (`A invertible`, `A + B invertible`,
`x vector`), WORD one of `kernel.WORDS`. Pattern variables are single letters: upper-case
ones matrices of any shape, lower-case ones 1×1 (scalars) unless a condition says `vector`
(a column of any length) or `row`. A shape clause `A : n×n` (or `B : p q×1`) names the
sizes of a pattern variable with size letters; a size letter in a side is that size as a
number (`det(c A) = c^n det(A) if A : n×n`), bound when a match binds the shapes; `n size` makes
`n` a size letter without naming a shape (`c^(n - 1) c = c^n if n size`).
Imports: `syntax`, `parse`, `shapes`, `sizes`, `kernel`, `errors`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import syntax as S
from .errors import ParseError, RewriteError
from .kernel import CLOSED, OPEN, WORDS, Rule
from .parse import parse_expr
from .shapes import Unifier, _Inference
from .sizes import SCALAR, SQUARE, Env, Shape, Size, VarInfo

# the words a property rule may conclude
RULE_PROPERTIES = OPEN + CLOSED

_HEAD = re.compile(r"\s*([A-Za-z][A-Za-z0-9_\-]*)\s*:\s*(.*)$", re.S)
_COND = re.compile(r"^\s*(.+?)\s+([a-z]+)\s*$", re.S)
_LETTER = re.compile(r"^\s*([a-z])\s+size\s*$")  # `n size`: a size letter no shape names
_SIZED = re.compile(r"^\s*([A-Za-z])\s*:\s*([a-z0-9 ]+?)\s*×\s*([a-z0-9 ]+?)\s*$")


@dataclass(frozen=True)
class RuleText:
    name: str
    lhs: S.Expr
    rhs: S.Expr | None  # None for a property rule
    oneway: bool = False
    prop: str | None = None  # the property a property rule concludes
    conditions: tuple[tuple[str, S.Expr], ...] = ()  # (word, term)
    text: str = ""  # the line without its comment, whitespace collapsed
    at: S.Pos | None = None
    sized: tuple[tuple[str, S.Dim, S.Dim], ...] = ()  # shape clauses `A : n×n`: (var, rows, cols)

    @property
    def size_letters(self) -> frozenset[str]:
        """The names of sizes: in shape clauses, and in `I(n)`, `ones(m, n)`, `zeros(m, n)`."""
        dims = [d for _, r, c in self.sized for d in (r, c)]
        for t in self.sides + tuple(t for _, t in self.conditions):
            for _, e in S.subterms(t):
                dims += [d for _, d in e.payload() if isinstance(d, S.Dim)]
        return frozenset(f for d in dims for f in d.factors if isinstance(f, str))

    @property
    def variables(self) -> tuple[str, ...]:
        names = set(S.free_names(self.lhs))
        if self.rhs is not None:
            names |= S.free_names(self.rhs)
        return tuple(sorted(names - self.size_letters))

    @property
    def sides(self) -> tuple[S.Expr, ...]:
        return (self.lhs,) if self.rhs is None else (self.lhs, self.rhs)

    def compiled(self) -> Rule:
        """The rule as the kernel reads it (sides and condition terms elaborated)."""
        return _compile(self)

    def patterns(self) -> tuple[tuple[S.Expr, ...], Env]:
        """The elaborated sides, and the pattern variables' shapes."""
        r = _compile(self)
        return r.sides, r.env


@lru_cache(maxsize=None)
def _compile(rule: RuleText) -> Rule:
    """Pattern variables get free sizes (`?A_r`×`?A_c`; lower-case: 1×1, or n×1 if `vector`).

    Both sides and the condition terms are inferred with one unifier, so the shapes carry
    what it takes for all to be well formed; then the two sides must have the same shape
    without narrowing any pattern variable further (`tr(A) = A` is refused, not read as a
    rule about 1×1 `A`) — only the implicit sizes of `I`, a matrix `0` or `ones` may take
    theirs from the other side. Those sizes are written in with the same `?` variables."""
    on_var = {}
    for word, t in rule.conditions:
        if isinstance(t, S.Var):
            on_var.setdefault(t.name, set()).add(word)
    letters = {a: Size(1, (_size_atom(a),)) for a in rule.size_letters}
    given = {v: Shape(_letter_size(r, letters), _letter_size(c, letters)) for v, r, c in rule.sized if v}
    infos = {v: VarInfo(v, given.get(v) or _pattern_shape(v, on_var.get(v, set()))) for v in rule.variables}
    env = Env(infos)
    inf = _Inference(env, Unifier(), sizes=letters)
    trees = tuple(_rename_sizes(t, letters) for t in rule.sides + tuple(t for _, t in rule.conditions))
    shapes = [inf.shape(s, (i,), zero_ok=True) for i, s in enumerate(trees)]
    if rule.rhs is not None and not all(_agree(inf.u, x, y) for x, y in zip(*(
            (inf.u.resolve_shape(s).rows, inf.u.resolve_shape(s).cols) for s in shapes[:2]))):
        a, b = (inf.u.resolve_shape(s) for s in shapes[:2])
        raise RewriteError(f"the sides have different shapes: {a} and {b}")
    for (word, _), s in zip(rule.conditions, shapes[len(rule.sides):]):
        if word in SQUARE and not inf._unify(s.rows, s.cols):
            raise RewriteError(f"the condition '{word}' needs a square term")
    out = list(trees)
    for path, node, shape in inf.holes:
        out[path[0]] = S.replace_at(out[path[0]], path[1:], inf._explicit(node, inf.u.resolve_shape(shape)))
    shapes_ = tuple((v, inf.u.resolve_shape(i.shape)) for v, i in infos.items())
    conditions = tuple((w, t) for (w, _), t in zip(rule.conditions, out[len(rule.sides):]))
    return Rule(rule.name, tuple(out[:len(rule.sides)]), rule.prop, shapes_, conditions)


def _size_atom(letter: str) -> str:
    return f"?size_{letter}"  # with a `_`, as pattern variables' sizes: never an implicit size


def _letter_size(d: S.Dim, letters: dict[str, Size]) -> Size:
    out = Size()
    for f in d.factors:
        out = out * (letters[f] if isinstance(f, str) else Size(f))
    return out


def _rename_sizes(e: S.Expr, letters: dict[str, Size]) -> S.Expr:
    """Sizes written with size letters (`I(n)`, `ones(n)`) in terms of the `?` sizes."""
    def dim(d: S.Dim | None) -> S.Dim | None:
        return None if d is None else _letter_size(d, {**{str(f): Size.of(f) for f in d.factors}, **letters}).to_dim()

    if isinstance(e, (S.Identity, S.SizeOf)):
        return type(e)(dim(e.size), at=e.at)
    if isinstance(e, (S.Ones, S.Zeros)):
        return type(e)(dim(e.rows), dim(e.cols), at=e.at)  # type: ignore[arg-type]
    kids = e.children()
    return e.with_children(tuple(_rename_sizes(k, letters) for k in kids)) if kids else e


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
    if conditions & SQUARE:
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
    conditions: tuple[tuple[str, S.Expr], ...] = ()
    parts = re.split(r"\s+if\s+", rest)
    if len(parts) > 2:
        raise ParseError("a rule has at most one 'if'", file=file, pos=pos)
    sized: list[tuple[str, S.Dim, S.Dim]] = []
    if len(parts) == 2:
        rest = parts[0]
        clauses = _top_level_commas(parts[1])
        for c in clauses:
            m = _SIZED.match(c)
            if m:
                sized.append((m.group(1), *(S.Dim(tuple(int(f) if f.isdigit() else f for f in g.split()))
                                            for g in m.group(2, 3))))
            elif _LETTER.match(c):
                sized.append(("", S.Dim((_LETTER.match(c).group(1),)), S.Dim((1,))))  # type: ignore[union-attr]
        conditions = tuple(_condition(c, file, pos) for c in clauses if not (_SIZED.match(c) or _LETTER.match(c)))
    try:
        if re.search(r"\sis\s+[a-z]+\s*$", rest):
            expr, prop = re.match(r"(.*)\sis\s+([a-z]+)\s*$", rest, re.S).groups()  # type: ignore[union-attr]
            if prop not in RULE_PROPERTIES:
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
    rule = RuleText(rule.name, rule.lhs, rule.rhs, rule.oneway, rule.prop, rule.conditions, sized=tuple(sized))
    for letter in sorted(rule.size_letters):
        if len(letter) != 1 or not letter.islower():
            raise ParseError(f"in rule '{name}': size letters are single lower-case letters, not '{letter}'",
                             file=file, pos=pos)
    for v, _, _ in sized:
        if v and v not in rule.variables:
            raise ParseError(f"in rule '{name}': the shape clause names '{v}', which the rule does not use",
                             file=file, pos=pos)
    for v in rule.variables:
        if len(v) != 1:
            raise ParseError(f"in rule '{name}': pattern variables are single letters, not '{v}'", file=file, pos=pos)
    for _, t in conditions:
        for v in sorted(S.free_names(t) - set(rule.variables)):
            raise ParseError(f"in rule '{name}': the condition names '{v}', which the rule does not use",
                             file=file, pos=pos)
    return RuleText(rule.name, rule.lhs, rule.rhs, rule.oneway, rule.prop, rule.conditions, " ".join(body.split()), pos,
                    tuple(sized))


def _top_level_commas(text: str) -> list[str]:
    """The conditions, split at commas outside brackets (`kron(A, B) invertible, x vector`)."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += 1 if ch == "(" else -1 if ch == ")" else 0
        if ch == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    return out + [text[start:]]


def _condition(text: str, file: str | None, pos: S.Pos) -> tuple[str, S.Expr]:
    m = _COND.match(text)
    if not m or m.group(2) not in WORDS:
        raise ParseError(f"expected a condition 'TERM word' with word one of {', '.join(WORDS)}, got '{text.strip()}'",
                         file=file, pos=pos)
    return m.group(2), parse_expr(m.group(1))


def read_rules(text: str, *, file: str | None = None) -> list[RuleText]:
    """Every rule of a rule file (blank lines and comment lines skipped)."""
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        if line.split("#", 1)[0].strip():
            out.append(parse_rule(line, file=file, line_no=i))
    return out
