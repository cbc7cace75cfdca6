"""The trusted kernel: replays a certificate, step by step, and alone may say `proved`.

A certificate is a chain of terms; each comes from the one before by one rule instance at
one position (forwards or backwards), or by a `linear` step: both sub-terms have the same
normal form (`normal`: the ring laws, transposes of products, cyclic traces). For a rule step the kernel matches the rule's side
against the subterm, checks that the sizes fit the rule's shape constraints, that its side
conditions hold for the concrete subterms, and that the result is the other side under the
same match. Anything it cannot confirm is a `CheckError`; it never guesses.

Imports: the standard library, `syntax`, `parse`, `ruletext`, `shapes`, `printing`,
`errors`. Never egglog, numpy, or the search. `Theorem` objects come only from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from . import syntax as S
from .errors import RewriteError
from .printing import show
from .parse import parse_decl, parse_equation, parse_expr
from .normal import Normaliser, normal_form
from .ruletext import RuleText, rule_from_text
from .shapes import Env, Shape, Size, Unifier, check_statement, elaborate, env_from_decls, infer

LINEAR = "linear"  # the built-in normalisation step


class CheckError(RewriteError):
    """A certificate the kernel does not accept."""


_KEY = object()


class Theorem:
    """`lhs = rhs` under `env`, checked by the kernel from the rules named in `rules`."""

    __slots__ = ("lhs", "rhs", "env", "rules", "steps")

    def __init__(self, key: object, lhs: S.Expr, rhs: S.Expr, env: Env, rules: tuple[str, ...], steps: int) -> None:
        if key is not _KEY:
            raise TypeError("only the kernel makes theorems")
        self.lhs, self.rhs, self.env, self.rules, self.steps = lhs, rhs, env, rules, steps

    def __repr__(self) -> str:
        return f"Theorem({show(self.lhs)} = {show(self.rhs)}; {self.steps} steps)"


# ---------------------------------------------------------------------------
# Rules as the kernel reads them


@dataclass(frozen=True)
class _Rule:
    text: RuleText
    sides: tuple[S.Expr, ...]  # elaborated patterns (sizes of I/0 in terms of `?` variables)
    env: Env  # pattern variable -> shape with `?` sizes (resolved)


def _compile(rule: RuleText) -> _Rule:
    sides, env = rule.patterns()
    return _Rule(rule, sides, env)


# ---------------------------------------------------------------------------
# Matching


def _match(p: S.Expr, t: S.Expr, sub: dict[str, S.Expr], sizes: Unifier) -> bool:
    if isinstance(p, S.Var):
        if p.name in sub:
            return sub[p.name] == t
        sub[p.name] = t
        return True
    if type(p) is not type(t):
        return False
    if isinstance(p, (S.Identity, S.Ones, S.Zeros)):
        pd = (p.size,) if isinstance(p, S.Identity) else (p.rows, p.cols)
        td = (t.size,) if isinstance(t, S.Identity) else (t.rows, t.cols)  # type: ignore[attr-defined]
        for a, b in zip(pd, td):
            sizes.unify(Size.from_dim(a) if a else Size(), Size.from_dim(b) if b else Size())
        return True
    if _head(p) != _head(t):
        return False
    return all(_match(a, b, sub, sizes) for a, b in zip(p.children(), t.children()))


def _head(e: S.Expr) -> tuple:
    if isinstance(e, S.Num):
        return ("num", e.value)
    if isinstance(e, S.Power):
        return ("pow", e.exponent)
    if isinstance(e, S.Call):
        return ("call", e.fn)
    return (type(e).__name__,)


def linear_form(e: S.Expr, env: Env) -> frozenset:
    """The normal form the `linear` step compares (see `normal`)."""
    return normal_form(e, env)


# ---------------------------------------------------------------------------
# The checker

# Properties that constrain a neighbourhood (closed sets): not available for a varying
# name inside d(·). `invertible` is open: it holds near a point where it holds.
_CLOSED = frozenset({"symmetric", "spd", "orthogonal", "diagonal"})


def _under_d(r: _Rule) -> frozenset[str]:
    """The pattern variables that occur inside a `d(·)` of the rule."""
    return frozenset(v for side in r.sides for _, t in S.subterms(side) if isinstance(t, S.Call) and t.fn == "d"
                     for v in S.free_names(t))


def _inside_d(term: S.Expr, at: S.Path) -> bool:
    """Whether position `at` lies strictly inside a `d(·)` of `term`."""
    for i in at:
        if isinstance(term, S.Call) and term.fn == "d":
            return True
        term = term.children()[i]
    return False


def _divisors(term: S.Expr) -> list[tuple[bool, S.Expr]]:
    """What `term` divides by, and whether elementwise: the right of `/` and `⊘`, what is
    inverted or raised to a negative power."""
    out = []
    for _, t in S.subterms(term):
        if isinstance(t, (S.Div, S.HadamardDiv)):
            out.append((isinstance(t, S.HadamardDiv), t.right))
        elif isinstance(t, S.Inverse) or isinstance(t, S.Power) and t.exponent < 0:
            out.append((False, t.arg))
    return out


_SHAPE_CONDITIONS = {
    "square": lambda s: s.is_square,
    "scalar": lambda s: s.is_scalar,
    "nonscalar": lambda s: not s.is_scalar,
    "vector": lambda s: s.cols.is_one,
    "row": lambda s: s.rows.is_one,
}


class Kernel:
    """Replays chains under one set of declarations, one set of constants, and trusted rules."""

    def __init__(self, trusted: dict[str, str], env: Env, constants: frozenset[str],
                 assumed: frozenset[S.Expr] = frozenset()) -> None:
        self.env = env
        self.constants = constants
        self.normal = Normaliser(env)
        # an assumption that is zero by the normal form would make anything provable
        self.assumed = frozenset(f for f in map(self.normal, assumed) if f)
        self._shapes: dict[S.Expr, Shape] = {}
        self._texts = trusted
        self._rules: dict[str, _Rule] = {}
        self._props: list[_Rule] | None = None
        # what the statement being checked divides by: it is only asserted where these are
        # non-zero (set by `replay` from its two ends)
        self.divisors: frozenset = frozenset()
        self.nonzero: frozenset = frozenset()  # the statement's ⊘ divisors: no zero entry

    def _key(self, t: S.Expr) -> tuple:
        try:
            return self.shape(t), self.normal(t)
        except RewriteError:
            return ("too large", t)

    def _atoms(self, d: S.Expr) -> frozenset:
        """What a divisor's being non-zero rests on: the factors of a 1×1 product (`2 ‖x‖`
        is non-zero where ‖x‖ is), else the divisor as a whole."""
        try:
            p = self.normal.poly(d)
        except RewriteError:
            return frozenset({("too large", d)})
        if self.shape(d).is_scalar and len(p) == 1 and not next(iter(p))[1]:
            return frozenset(next(iter(p))[0])
        return frozenset({self._key(d)})

    def rule(self, name: str) -> _Rule:
        if name not in self._rules:
            if name not in self._texts:
                raise CheckError(f"unknown rule '{name}'")
            self._rules[name] = _compile(rule_from_text(self._texts[name]))
        return self._rules[name]

    def _property_rules(self) -> list[_Rule]:
        if self._props is None:
            self._props = [_compile(t) for t in map(rule_from_text, self._texts.values()) if t.prop]
        return self._props

    # -- side conditions ------------------------------------------------------
    def shape(self, t: S.Expr) -> Shape:
        s = self._shapes.get(t)
        if s is None:
            s = self._shapes[t] = infer(t, self.env)
        return s

    def holds(self, cond: str, t: S.Expr, seen: frozenset = frozenset(), inside_d: bool = False) -> bool:
        """Whether a side condition holds for `t`. Inside a differential `d(·)` a varying
        name has only its open properties (invertible): d(X) is any direction, so a
        property that constrains X's neighbourhood (symmetric, orthogonal, …) is not there
        to use — `d(Sᵀ)` is not `d(S)` for a gradient, even for symmetric S."""
        if cond in _SHAPE_CONDITIONS:
            return _SHAPE_CONDITIONS[cond](self.shape(t))
        if cond == "zero":
            try:
                return not self.normal(t)
            except RewriteError:
                return False
        if cond in ("differential", "nondifferential"):
            return _has(t, ("d",)) == (cond == "differential")
        if cond == "const":
            return all(n in self.constants for n in S.free_names(t)) and not _has(t, ("d",) + _DERIVATIVES)
        if isinstance(t, S.Var) and t.name in self.env and cond in self.env[t.name].props:
            if not (inside_d and cond in _CLOSED and t.name not in self.constants):
                return True
        if cond == "invertible" and (isinstance(t, S.Num) and t.value != 0 or self.normal(t) in self.assumed):
            return True
        if cond == "nonzero" and (self._key(t) in self.nonzero or self.shape(t).is_scalar
                                  and self.holds("invertible", t, seen, inside_d)):
            return True
        if (cond, t) in seen:
            return False
        for r in self._property_rules():
            if r.text.prop == cond:
                m = self.instance(r, (t,))
                if m is not None and self._conditions(r, m[0], seen | {(cond, t)}, inside_d):
                    return True
        return False

    def _conditions(self, r: _Rule, sub: dict[str, S.Expr], seen: frozenset = frozenset(),
                    inside_d: bool = False) -> bool:
        return all(self.holds(c, sub[v], seen, inside_d) for v, c in r.text.conditions)

    def instance(self, r: _Rule, terms: tuple[S.Expr, ...]) -> tuple[dict[str, S.Expr], Unifier] | None:
        """The match of the rule's sides against `terms`, if the sizes fit the rule: the
        pattern variables' terms, and the rule's size variables' values."""
        sub: dict[str, S.Expr] = {}
        sizes = Unifier()
        try:
            if not all(_match(p, t, sub, sizes) for p, t in zip(r.sides, terms)):
                return None
            for v, info in r.env.items():
                if v in sub:
                    s = self.shape(sub[v])
                    sizes.unify(info.shape.rows, s.rows)
                    sizes.unify(info.shape.cols, s.cols)
        except RewriteError:
            return None
        return sub, sizes

    # -- one step ---------------------------------------------------------------
    def step(self, k: int, before: S.Expr, name: str, forward: bool, at: S.Path, after: S.Expr) -> None:
        where = f"step {k} ({name} {'⇒' if forward else '⇐'}) at {list(at)}"
        try:
            old, new = S.at_path(before, at), S.at_path(after, at)
        except IndexError:
            raise CheckError(f"{where}: there is no subterm at that position") from None
        if S.replace_at(before, at, new) != after:
            raise CheckError(f"{where}: the step changes the term outside the position")
        if self.shape(old) != self.shape(new):
            raise CheckError(f"{where}: {show(old)} and {show(new)} have different shapes")
        if name == LINEAR:
            if not self.normal.equal(old, new):
                raise CheckError(f"{where}: {show(old)} and {show(new)} are not equal as linear combinations")
            # `s = s d / d` holds where d ≠ 0 only: a step may not divide by anything new
            # unless it is known to be non-zero (else `d` → 0 by a rule, and then anything)
            known = self.divisors.union(*(self._atoms(d) for _, d in _divisors(old)))
            for elementwise, d in _divisors(new):
                cond = "nonzero" if elementwise else "invertible"
                if not self._atoms(d) <= known and not self.holds(cond, d, inside_d=_inside_d(before, at)):
                    raise CheckError(f"{where}: divides by {show(d)}, which is not known to be non-zero")
            return
        r = self.rule(name)
        if r.text.rhs is None:
            raise CheckError(f"{where}: '{name}' is a property rule, not an equation")
        pattern, result = (r.sides[0], r.sides[1]) if forward else (r.sides[1], r.sides[0])
        if self.instance(_Rule(r.text, (pattern,), r.env), (old,)) is None:
            raise CheckError(f"{where}: {show(old)} does not match {show(pattern)}")
        m = self.instance(_Rule(r.text, (pattern, result), r.env), (old, new))
        if m is None:
            raise CheckError(f"{where}: expected an instance of {show(result)}, found {show(new)}")
        sub = m[0]
        inside_d = _inside_d(before, at)
        for v, c in r.text.conditions:
            if not self.holds(c, sub[v], inside_d=inside_d or v in _under_d(r)):
                inside = " (inside d(·), where a varying name keeps only its open properties)" if inside_d else ""
                raise CheckError(f"{where}: the condition '{v} {c}' does not hold for {v} = {show(sub[v])}{inside}")

    def replay(self, start: S.Expr, goal: S.Expr, steps: list[tuple[str, bool, S.Path, S.Expr]]) -> Theorem:
        """Check that `steps` lead from `start` to `goal`; the theorem is `start = goal`."""
        self.shape(start)  # the start is well formed (or this raises)
        ends = [d for side in (start, goal) for d in _divisors(side)]
        self.divisors = frozenset().union(*(self._atoms(d) for _, d in ends))
        self.nonzero = frozenset(self._key(d) for elementwise, d in ends if elementwise)
        current = start
        for k, (name, forward, at, after) in enumerate(steps, 1):
            try:
                # `step` checks the rewritten subterm keeps its shape: shapes compose, so the
                # whole term keeps its shape and stays well formed
                self.step(k, current, name, forward, tuple(at), after)
            except CheckError:
                raise
            except RewriteError as e:
                raise CheckError(f"step {k} ({name}): {e.message}") from None
            current = after
        if current != goal:
            raise CheckError(f"the chain ends at {show(current)}, not at the goal {show(goal)}")
        used = tuple(sorted({n for n, *_ in steps}))
        return Theorem(_KEY, start, goal, self.env, used, len(steps))


# ---------------------------------------------------------------------------
# Statements and certificates

FORMAT = "rewrite-certificate/1"
_DERIVATIVES = ("grad", "jac", "hess")


@dataclass(frozen=True)
class Goal:
    """What one chain must connect, which names are constant, which terms are assumed
    invertible: those the statement itself inverts (`X⁻¹`), takes `logdet` of or divides
    by, since the statement only has a meaning where they are invertible."""

    start: S.Expr
    end: S.Expr
    constants: frozenset[str]
    assumed: frozenset[S.Expr] = frozenset()


def _has(e: S.Expr, fns: tuple[str, ...]) -> bool:
    return any(isinstance(s, S.Call) and s.fn in fns for _, s in S.subterms(e))


def _is_property(text: str) -> bool:
    return rule_from_text(text).prop is not None


def _assumed(*sides: S.Expr) -> frozenset[S.Expr]:
    """The compound terms a statement inverts, takes `logdet` of, or divides by, and the
    scalar names it divides by (`x / c`: c ≠ 0 is written there). A declared matrix is
    invertible only if its declaration says so."""
    out = set()
    for side in sides:
        for _, t in S.subterms(side):
            if isinstance(t, S.Inverse) and not isinstance(t.arg, S.Var):
                out.add(t.arg)
            elif isinstance(t, S.Call) and t.fn == "logdet" and not isinstance(t.args[0], S.Var):
                out.add(t.args[0])
            elif isinstance(t, S.Div):
                out.add(t.right)
    return frozenset(out)


def _wrt(x: S.Expr) -> str:
    """The variable a derivative is taken with respect to (`x`, or `X` in `vec(X)`)."""
    return x.args[0].name if isinstance(x, S.Call) else x.name  # type: ignore[attr-defined]


def goals_of(lhs: S.Expr, rhs: S.Expr, env: Env, gradient: S.Expr | None = None) -> list[Goal] | None:
    """The chains that prove an elaborated statement; None if the kernel knows no way.

    `d/dX f = G` is proved as `d(f) = G : d(X)`, `jac(y, x) = J` as `d(y) = J d(x)`, every
    other declared name constant. `hess(f, x) = H` takes two chains through a gradient `g`
    the certificate names: `d(f) = g : d(x)` and `d(g) = H d(x)`. An equation without
    derivatives is its own goal, with the names declared `const` constant.
    """
    assumed = _assumed(lhs, rhs)  # never the certificate's gradient: it would let a certificate assume anything
    for a, b in ((lhs, rhs), (rhs, lhs)):
        if isinstance(a, S.Call) and a.fn in _DERIVATIVES and not _has(b, _DERIVATIVES + ("d",)):
            f, x = a.args
            if _has(f, _DERIVATIVES + ("d",)):
                return None
            constants = frozenset(env) - {_wrt(x)}
            dx = S.Call("d", (x,))
            if a.fn == "grad":
                return [Goal(S.Call("d", (f,)), S.Frob(b, dx), constants, assumed)]
            if a.fn == "jac":
                return [Goal(S.Call("d", (f,)), S.Mul(b, dx), constants, assumed)]
            if gradient is None or _has(gradient, _DERIVATIVES + ("d",)):
                return None
            return [Goal(S.Call("d", (f,)), S.Frob(gradient, dx), constants, assumed),
                    Goal(S.Call("d", (gradient,)), S.Mul(b, dx), constants, assumed)]
    if _has(lhs, _DERIVATIVES) or _has(rhs, _DERIVATIVES):
        return None
    return [Goal(lhs, rhs, frozenset(n for n, info in env.items() if "const" in info.props), assumed)]


Step = tuple[str, bool, S.Path, S.Expr]  # rule (or `linear`), forward?, position, whole term after


def check_certificate(cert: dict, trusted: dict[str, str]) -> Theorem:
    """Replay a certificate (JSON, as `certificate.py` writes it) against the trusted rule
    texts; the theorem is its statement."""
    try:
        if cert.get("format") != FORMAT:
            raise CheckError(f"not a certificate of format {FORMAT}")
        env = env_from_decls([parse_decl(t) for t in cert["declarations"]])
        left, right = parse_equation(cert["statement"])
        gradient = parse_expr(cert["gradient"]) if "gradient" in cert else None
        cited = cert["rules"]
        for name, text in cited.items():
            if name in trusted and " ".join(text.split()) != trusted[name]:
                raise CheckError(f"rule '{name}' differs from the rule files: {text!r}")
        chains = []
        for chain in cert["chains"]:
            steps: list[Step] = []
            for k, s in enumerate(chain, 1):
                if s["dir"] not in ("=>", "<="):
                    raise CheckError(f"step {k}: direction must be '=>' or '<=', got {s['dir']!r}")
                if not all(type(i) is int for i in s["at"]):
                    raise CheckError(f"step {k}: a position is a list of child indices, got {s['at']!r}")
                steps.append((s["rule"], s["dir"] == "=>", tuple(s["at"]), parse_expr(s["term"])))
            chains.append(steps)
        return check_chains(left, right, env, chains, set(cited), trusted, gradient)
    except CheckError:
        raise
    except (RewriteError, KeyError, TypeError, ValueError, AttributeError) as e:
        raise CheckError(f"malformed certificate: {e}") from None


def check_chains(left: S.Expr, right: S.Expr, env: Env, chains: list[list[Step]], cited: set[str],
                 trusted: dict[str, str], gradient: S.Expr | None = None) -> Theorem:
    """Replay the chains that prove `left = right` (as written; elaborated here), citing
    only the rules in `cited`, each of which must be trusted."""
    try:
        lhs, rhs, _ = check_statement(S.Statement("claim", "certificate", left, right), env)
        if gradient is not None:
            gradient, _ = elaborate(gradient, env)
        goals = goals_of(lhs, rhs, env, gradient)
        if goals is None:
            raise CheckError("the statement has no goal the kernel can check")
        if len(chains) != len(goals):
            raise CheckError(f"the statement needs {len(goals)} chain(s), the certificate has {len(chains)}")
        for name in cited:
            if name not in trusted:
                raise CheckError(f"unknown rule '{name}'")
        texts = {n: trusted[n] for n in cited} | {n: t for n, t in trusted.items() if _is_property(t)}
        used: set[str] = set()
        count = 0
        for goal, chain in zip(goals, chains):
            for k, (name, *_rest) in enumerate(chain, 1):
                if name != LINEAR and name not in cited:
                    raise CheckError(f"step {k} cites '{name}', which the certificate does not list")
            inner = Kernel(texts, env, goal.constants, goal.assumed).replay(goal.start, goal.end, chain)
            used.update(inner.rules)
            count += inner.steps
    except CheckError:
        raise
    except (RewriteError, KeyError, TypeError, ValueError, AttributeError) as e:
        raise CheckError(f"malformed certificate: {e}") from None
    except RecursionError:
        raise CheckError("the certificate's terms are nested too deeply to check") from None
    return Theorem(_KEY, lhs, rhs, env, tuple(sorted(used)), count)
