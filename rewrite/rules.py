"""The rule base: `rules/*.rules` read, compiled, shape-checked and numerically checked at load.

A rule that does not shape-check, or that the numbers contradict in the total semantics
(docs/SEMANTICS.md) — at random points or at degenerate ones (zero, singular and
rank-deficient matrices, zero shifts, non-positive entries) where its conditions hold —
refuses to load with a message naming its file, line, the point and both sides' values: a
wrong rule must never reach the search, because the kernel trusts the rule base (it cannot
run numbers). The compiled form the kernel reads is written next to the rule files
(`compiled.sexp`, with the digest of the texts it came from) whenever it is stale, so
`rewrite verify` reads rules without a parser.
Each file is a rule set named after it (`trace`, `inverse`, …). Nothing here names a rule.

Validating 400 rules numerically takes seconds, so a start-up does not repeat it: a loaded
rule base is kept in the user's cache directory (`caches`) under a key made of the folder, the digest of its rule
texts and the digest of this package's code, and a later load with the same key reads it
instead of parsing and validating again. A rule folder is thus validated once per digest
(and the test suite validates the shipped one with `cache=False`); a changed rule file or
a changed checker is a new key, and a load that refuses a rule writes nothing.
Imports: `syntax`, `caches`, `ruletext`, `compiled`, `kernel`, `shapes`, `sizes`, `numeric`, `errors` — never egglog.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path

from . import syntax as S
from .caches import cache_file
from .compiled import FILE, digest_of, header, rules_dir, write_rule
from .compiled import write as write_compiled
from .errors import RewriteError, RuleError
from .kernel import Rule, read_rule
from .ruletext import RuleText, read_rules
from .shapes import Unifier
from .sizes import SCALAR, SQUARE, Env, Size, VarInfo, filled


@dataclass(frozen=True)
class RuleBase:
    rules: tuple[RuleText, ...]
    rulesets: tuple[str, ...]  # per rule: the file it came from (its stem)
    digest: str  # sha256 of the rule files' texts, for certificates

    @property
    def texts(self) -> dict[str, str]:
        return {r.name: r.text for r in self.rules}

    @cached_property
    def compiled(self) -> dict[str, Rule]:
        """What the kernel trusts, rule by rule."""
        return {r.name: r.compiled() for r in self.rules}

    @cached_property
    def properties(self) -> list[Rule]:
        return [r.compiled() for r in self.rules if r.prop is not None]

    def only(self, names: set[str]) -> "RuleBase":
        keep = [i for i, r in enumerate(self.rules) if r.name in names or r.prop]
        return replace(self, rules=tuple(self.rules[i] for i in keep), rulesets=tuple(self.rulesets[i] for i in keep))


@lru_cache(maxsize=4)
def load(directory: str | None = None, *, check: bool = True, cache: bool = True) -> RuleBase:
    """Every rule of every `*.rules` file in `directory` (default: the project's `rules/`).
    With `cache`, a rule base this folder's texts and this code loaded before (validated,
    if `check`) is read from the cache directory instead."""
    folder = Path(directory) if directory else rules_dir()
    files = sorted(folder.glob("*.rules"))
    if not files:
        raise RuleError(f"no rule files (*.rules) in {folder}")
    key = _key(folder) if cache else None
    if key is not None:
        base = _read_cached(key, folder, check)
        if base is not None:
            return base
    rules: list[RuleText] = []
    sets: list[str] = []
    seen: dict[str, str] = {}
    for f in files:
        for rule in read_rules(f.read_text(encoding="utf-8"), file=str(f)):
            if rule.name in seen:
                raise RuleError(f"rule '{rule.name}' is defined twice (also in {seen[rule.name]})", file=str(f))
            seen[rule.name] = f.name
            if check:
                validate(rule, file=str(f))
            rules.append(rule)
            sets.append(f.stem)
    base = RuleBase(tuple(rules), tuple(sets), digest_of(folder))
    lines = []
    for rule, ruleset in zip(base.rules, base.rulesets):
        try:
            line = write_rule(rule.compiled())
            again = read_rule(line)
        except RewriteError as e:
            raise RuleError(f"rule '{rule.name}' does not shape-check: {e.message}", file=str(folder / ruleset)
                            + ".rules", pos=rule.at) from None
        if again != rule.compiled():  # the kernel must read back exactly what was compiled
            raise RuleError(f"rule '{rule.name}' does not survive compilation", pos=rule.at)
        lines.append(f"{line} ; {ruleset}.rules:{rule.at.line if rule.at else 0}")
    write_compiled(folder, base.digest, lines)
    if key is not None:
        _write_cached(key, base, check)
    return base


# ---------------------------------------------------------------------------
# The cache of loaded rule bases

@lru_cache(maxsize=1)
def code_digest() -> str:
    """The digest of this package's code and grammar (every version's code differs): a
    cached rule base is only as good as the parser, shape checker and numbers that loaded it."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for f in sorted([*here.glob("*.py"), *here.glob("*.lark")]):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def _key(folder: Path) -> str | None:
    try:
        text = f"{folder.resolve()}\0{digest_of(folder)}\0{code_digest()}"
    except OSError:
        return None
    return hashlib.sha256(text.encode()).hexdigest()


_FORMAT = 1  # the cache file's layout; a new layout is a new file name
_KEEP = 8  # cached rule bases kept (one per rule folder and code version)


def _read_cached(key: str, folder: Path, check: bool) -> RuleBase | None:
    """The rule base loaded before under `key` — if it was validated (when `check` asks for
    it) and `compiled.sexp` is still the one written from it; otherwise None."""
    path = cache_file(f"rules-{_FORMAT}-{key}.pickle")
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            entry = pickle.load(f)
        with open(folder / FILE, encoding="utf-8") as f:
            first = f.readline().rstrip("\n")
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key or not isinstance(entry.get("base"), RuleBase):
        return None
    base = entry["base"]
    if (check and not entry.get("validated")) or first != header(base.digest):
        return None
    return base


def _write_cached(key: str, base: RuleBase, validated: bool) -> None:
    """Keep `base` (with its compiled rules) for the next start; a cache that cannot be
    written costs only time."""
    path = cache_file(f"rules-{_FORMAT}-{key}.pickle")
    if path is None:
        return
    _ = base.compiled, base.properties  # computed now, so they are kept with it
    try:
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps({"key": key, "validated": validated, "base": base}, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
        # every code or rule change is a new key: keep the newest few, not every one
        kept = sorted(path.parent.glob(f"rules-{_FORMAT}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[_KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def validate(rule: RuleText, *, file: str | None = None, seed: int = 0, draws: int = 8) -> None:
    """Shape-check a rule and test it in the total semantics where its conditions hold, on
    `draws` random matrices and at degenerate points (zero, rank-deficient and singular
    matrices, zero shifts, non-positive entries: `numeric.check_rule`); raise `RuleError`
    if it is wrong. A property rule (`A B is invertible if …`) is tested the same way:
    where its conditions hold, its conclusion must (`numeric.check_property`).

    Rules about `d(·)` are tested only at random points: at a degenerate one the derivative
    is the convention's (0 where a side is not differentiable), which the numbers cannot
    evaluate, and a rule with `d` states `smooth` for what it differentiates (the kernel
    discharges that only where the arguments are inside their domains)."""
    from . import numeric  # numpy: loaded only when rules are validated

    try:
        sides, env = rule.patterns()
    except RewriteError as e:
        raise RuleError(f"rule '{rule.name}' does not shape-check: {e.message}", file=file, pos=rule.at) from None
    env, sizes = _drawable(rule, env)
    zero = {t.name for c, t in rule.conditions if c == "zero" and isinstance(t, S.Var)}
    conditions = [(c, _zero_out(_resolve_sizes(t, sizes), zero, env)) for c, t in rule.compiled().conditions
                  if not (c == "zero" and isinstance(t, S.Var))]
    if rule.rhs is None:  # a property rule: its conclusion must hold wherever its conditions do
        assert rule.prop is not None
        try:
            # half the random draws: a property's value is one term, and its degenerate
            # points (the term itself made singular or zero) are where it fails
            wrong = numeric.check_property(_zero_out(_resolve_sizes(sides[0], sizes), zero, env), rule.prop, env,
                                           conditions, seed=seed, draws=draws // 2)
        except (ValueError, ArithmeticError) as e:
            raise RuleError(f"rule '{rule.name}' cannot be evaluated: {e}", file=file, pos=rule.at) from None
        if wrong:
            raise RuleError(f"rule '{rule.name}' is false: {wrong}", file=file, pos=rule.at)
        return
    lhs, rhs = (_zero_out(_resolve_sizes(s, sizes), zero, env) for s in sides)
    varying = [v for v in env if ("const" not in env[v].props)]
    differentiates = any(isinstance(t, S.Call) and t.fn in ("d", *S.DERIVATIVES)
                         for side in (lhs, rhs) for _, t in S.subterms(side))
    try:
        verdict = numeric.check_rule(lhs, rhs, env, conditions, seed=seed, draws=draws, directions_for=varying,
                                     degenerate=not differentiates)
    except (ValueError, ArithmeticError) as e:
        raise RuleError(f"rule '{rule.name}' cannot be evaluated: {e}", file=file, pos=rule.at) from None
    if verdict.agrees is False:
        assert verdict.counterexample is not None
        raise RuleError(f"rule '{rule.name}' is false: {verdict.counterexample.describe()}", file=file, pos=rule.at)


def _drawable(rule: RuleText, env: Env) -> tuple[Env, Unifier]:
    """The pattern environment with the rule's conditions made into shapes and properties
    (and the size equations those conditions imposed)."""
    u = Unifier()
    for c, t in rule.conditions:
        if not isinstance(t, S.Var):
            continue
        s = env[t.name].shape
        if c in SQUARE:
            u.unify(s.rows, s.cols)
        elif c == "scalar":
            u.unify(s.rows, Size())
            u.unify(s.cols, Size())
        elif c == "vector":
            u.unify(s.cols, Size())
        elif c == "row":
            u.unify(s.rows, Size())
    infos = {}
    for name, info in env.items():
        props = frozenset(c for c, t in rule.conditions if t == S.Var(name) and c in S.PROPERTIES)
        if "spd" in props:
            props |= {"symmetric", "invertible"}
        if "orthogonal" in props:
            props |= {"invertible"}
        infos[name] = VarInfo(name, u.resolve_shape(info.shape), props)
    return Env(infos), u


def _resolve_sizes(e: S.Expr, u: Unifier) -> S.Expr:
    """`e` with the sizes written in it (of `I`, `zeros`, `ones`) resolved by `u`."""
    def dim(d: S.Dim | None) -> S.Dim | None:
        return None if d is None else u.resolve(Size.from_dim(d)).to_dim()

    if isinstance(e, (S.Identity, S.SizeOf)):
        return type(e)(dim(e.size))
    if isinstance(e, (S.Ones, S.Zeros)):
        return type(e)(dim(e.rows), dim(e.cols))  # type: ignore[arg-type]
    kids = e.children()
    return e.with_children(tuple(_resolve_sizes(k, u) for k in kids)) if kids else e


def _zero_out(e: S.Expr, names: set[str], env: Env) -> S.Expr:
    if isinstance(e, S.Var) and e.name in names:
        s = env[e.name].shape
        if s == SCALAR:
            return S.Num(0)
        return filled(S.Zeros, s)
    kids = e.children()
    return e.with_children(tuple(_zero_out(k, names, env) for k in kids)) if kids else e
