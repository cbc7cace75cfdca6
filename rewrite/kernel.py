"""The trusted kernel: replays a certificate, step by step, and alone may say `proved`.

A certificate is a chain of terms; each comes from the one before by one rule instance at
one position (forwards or backwards), or by a `linear` step: both sub-terms have the same
linear normal form (sums are associative and commutative; numerals add and multiply and
move out of multilinear operators). For a rule step the kernel matches the rule's side
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
from .ruletext import RuleText, rule_from_text
from .shapes import Env, Size, Unifier, check_statement, env_from_decls, infer

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


# ---------------------------------------------------------------------------
# The linear normal form


def linear_form(e: S.Expr, env: Env) -> frozenset:
    """`e` as a set of (monomial key, coefficient) pairs; equal sets mean equal values."""
    return frozenset(_lin(e, env).items())


_ONE = ("1",)
_MULTILINEAR = (S.Mul, S.Frob, S.Kron, S.Hadamard)
_LINEAR_CALLS = ("tr", "sum", "vec", "diag", "d", "grad", "jac", "hess")  # linear in the first argument


def _lin(e: S.Expr, env: Env) -> dict:
    if isinstance(e, S.Num):
        return {_ONE: e.value} if e.value else {}
    if isinstance(e, S.Zeros):
        return {}
    if isinstance(e, (S.Add, S.Sub)):
        out = dict(_lin(e.left, env))
        for k, c in _lin(e.right, env).items():
            out[k] = out.get(k, 0) + (c if isinstance(e, S.Add) else -c)
        return {k: c for k, c in out.items() if c}
    if isinstance(e, S.Neg):
        return {k: -c for k, c in _lin(e.arg, env).items()}
    if isinstance(e, _MULTILINEAR):
        (ka, ca), (kb, cb) = _term(e.left, env), _term(e.right, env)
        if not ca or not cb:
            return {}
        if isinstance(e, S.Mul) and ka == _ONE:
            return {kb: ca * cb}
        if isinstance(e, S.Mul) and kb == _ONE:
            return {ka: ca * cb}
        return {(type(e).__name__, ka, kb): ca * cb}
    if isinstance(e, S.Div) and isinstance(e.right, S.Num) and e.right.value:
        return {k: c / e.right.value for k, c in _lin(e.left, env).items()}
    if isinstance(e, (S.Div, S.HadamardDiv, S.Transpose)) or (isinstance(e, S.Call) and e.fn in _LINEAR_CALLS):
        first, *rest = e.children()
        k, c = _term(first, env)
        if not c:
            return {}
        return {(_head(e), k, *(_canon(r, env) for r in rest)): c}
    return {(_head(e), _size_key(e), *(_canon(r, env) for r in e.children())): Fraction(1)}


def _term(e: S.Expr, env: Env) -> tuple:
    """`e` as one coefficient times one key (a sum becomes one key, its content pulled out)."""
    form = _lin(e, env)
    if not form:
        return None, 0
    if len(form) == 1:
        ((k, c),) = form.items()
        return k, c
    content = min(form.items(), key=lambda kc: repr(kc[0]))[1]
    return ("sum", frozenset((k, c / content) for k, c in form.items())), content


def _canon(e: S.Expr, env: Env) -> tuple:
    """The key of a non-linear operator's argument; a zero keeps its shape."""
    form = _lin(e, env)
    if not form:
        return ("zero", str(infer(e, env)))
    return ("sum", frozenset(form.items()))


def _size_key(e: S.Expr) -> tuple:
    if isinstance(e, S.Var):
        return ("var", e.name)
    if isinstance(e, S.Identity):
        return (Size.from_dim(e.size),) if e.size else ()
    if isinstance(e, S.Ones):
        return (Size.from_dim(e.rows), Size.from_dim(e.cols) if e.cols else Size())
    return ()


# ---------------------------------------------------------------------------
# The checker


class Kernel:
    """Replays chains under one set of declarations, one set of constants, and trusted rules."""

    def __init__(self, trusted: dict[str, str], env: Env, constants: frozenset[str]) -> None:
        self.env = env
        self.constants = constants
        self._texts = trusted
        self._rules: dict[str, _Rule] = {}
        self._props: list[_Rule] | None = None

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
    def holds(self, cond: str, t: S.Expr, seen: frozenset = frozenset()) -> bool:
        if cond in ("square", "scalar", "vector"):
            s = infer(t, self.env)
            return {"square": s.is_square, "scalar": s.is_scalar, "vector": s.cols.is_one}[cond]
        if cond == "zero":
            return not linear_form(t, self.env)
        if cond == "const":
            return all(n in self.constants for n in S.free_names(t)) and not any(
                isinstance(u, S.Call) and u.fn in ("d", "grad", "jac", "hess") for _, u in S.subterms(t))
        if isinstance(t, S.Var) and t.name in self.env and cond in self.env[t.name].props:
            return True
        if (cond, t) in seen:
            return False
        for r in self._property_rules():
            if r.text.prop == cond:
                m = self._instance(r, (t,))
                if m is not None and self._conditions(r, m, seen | {(cond, t)}):
                    return True
        return False

    def _conditions(self, r: _Rule, sub: dict[str, S.Expr], seen: frozenset = frozenset()) -> bool:
        return all(self.holds(c, sub[v], seen) for v, c in r.text.conditions)

    def _instance(self, r: _Rule, terms: tuple[S.Expr, ...]) -> dict[str, S.Expr] | None:
        """The match of the rule's sides against `terms`, if the sizes fit the rule."""
        sub: dict[str, S.Expr] = {}
        sizes = Unifier()
        try:
            if not all(_match(p, t, sub, sizes) for p, t in zip(r.sides, terms)):
                return None
            for v, info in r.env.items():
                if v in sub:
                    s = infer(sub[v], self.env)
                    sizes.unify(info.shape.rows, s.rows)
                    sizes.unify(info.shape.cols, s.cols)
        except RewriteError:
            return None
        return sub

    # -- one step ---------------------------------------------------------------
    def step(self, k: int, before: S.Expr, name: str, forward: bool, at: S.Path, after: S.Expr) -> None:
        where = f"step {k} ({name} {'⇒' if forward else '⇐'}) at {list(at)}"
        try:
            old, new = S.at_path(before, at), S.at_path(after, at)
        except IndexError:
            raise CheckError(f"{where}: there is no subterm at that position") from None
        if S.replace_at(before, at, new) != after:
            raise CheckError(f"{where}: the step changes the term outside the position")
        if infer(old, self.env) != infer(new, self.env):
            raise CheckError(f"{where}: {show(old)} and {show(new)} have different shapes")
        if name == LINEAR:
            if linear_form(old, self.env) != linear_form(new, self.env):
                raise CheckError(f"{where}: {show(old)} and {show(new)} are not equal as linear combinations")
            return
        r = self.rule(name)
        if r.text.rhs is None:
            raise CheckError(f"{where}: '{name}' is a property rule, not an equation")
        pattern, result = (r.sides[0], r.sides[1]) if forward else (r.sides[1], r.sides[0])
        if self._instance(_Rule(r.text, (pattern,), r.env), (old,)) is None:
            raise CheckError(f"{where}: {show(old)} does not match {show(pattern)}")
        sub = self._instance(_Rule(r.text, (pattern, result), r.env), (old, new))
        if sub is None:
            raise CheckError(f"{where}: expected an instance of {show(result)}, found {show(new)}")
        for v, c in r.text.conditions:
            if not self.holds(c, sub[v]):
                raise CheckError(f"{where}: the condition '{v} {c}' does not hold for {v} = {show(sub[v])}")

    def replay(self, start: S.Expr, goal: S.Expr, steps: list[tuple[str, bool, S.Path, S.Expr]]) -> Theorem:
        """Check that `steps` lead from `start` to `goal`; the theorem is `start = goal`."""
        shape = infer(start, self.env)
        current = start
        for k, (name, forward, at, after) in enumerate(steps, 1):
            try:
                self.step(k, current, name, forward, tuple(at), after)
                if infer(after, self.env) != shape:
                    raise CheckError(f"step {k}: the term changed shape")
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
    """What a chain must connect to prove a statement, and which names are constant.

    `d/dX f = G` is proved as `d(f) = G : d(X)` and `jac(y, x) = J` as `d(y) = J d(x)`,
    every other declared name constant; an equation without derivatives as itself,
    with the names declared `const` constant.
    """

    start: S.Expr
    end: S.Expr
    constants: frozenset[str]


def _has_derivative(e: S.Expr) -> bool:
    return any(isinstance(s, S.Call) and s.fn in _DERIVATIVES for _, s in S.subterms(e))


def _is_property(text: str) -> bool:
    return rule_from_text(text).prop is not None


def goal_of(lhs: S.Expr, rhs: S.Expr, env: Env) -> Goal | None:
    """The goal of an elaborated statement; None if the kernel knows no way to prove it."""
    for a, b in ((lhs, rhs), (rhs, lhs)):
        if isinstance(a, S.Call) and a.fn in ("grad", "jac") and not _has_derivative(b):
            f, x = a.args
            if _has_derivative(f) or any(isinstance(s, S.Call) and s.fn == "d" for _, s in S.subterms(f)):
                return None
            constants = frozenset(env) - {x.name}  # type: ignore[attr-defined]
            dx = S.Call("d", (x,))
            end = S.Frob(b, dx) if a.fn == "grad" else S.Mul(b, dx)
            return Goal(S.Call("d", (f,)), end, constants)
    if _has_derivative(lhs) or _has_derivative(rhs):
        return None
    return Goal(lhs, rhs, frozenset(n for n, info in env.items() if "const" in info.props))


def check_certificate(cert: dict, trusted: dict[str, str]) -> Theorem:
    """Replay a certificate against the trusted rule texts; the theorem is its statement."""
    try:
        if cert.get("format") != FORMAT:
            raise CheckError(f"not a certificate of format {FORMAT}")
        env = env_from_decls([parse_decl(t) for t in cert["declarations"]])
        left, right = parse_equation(cert["statement"])
        lhs, rhs, _ = check_statement(S.Statement("claim", "certificate", left, right), env)
        goal = goal_of(lhs, rhs, env)
        if goal is None:
            raise CheckError("the statement has no goal the kernel can check")
        cited = cert["rules"]
        for name, text in cited.items():
            if name not in trusted:
                raise CheckError(f"unknown rule '{name}'")
            if " ".join(text.split()) != trusted[name]:
                raise CheckError(f"rule '{name}' differs from the rule files: {text!r}")
        steps = []
        for k, s in enumerate(cert["steps"], 1):
            if s["rule"] != LINEAR and s["rule"] not in cited:
                raise CheckError(f"step {k} cites '{s['rule']}', which the certificate does not list")
            if s["dir"] not in ("=>", "<="):
                raise CheckError(f"step {k}: direction must be '=>' or '<=', got {s['dir']!r}")
            steps.append((s["rule"], s["dir"] == "=>", tuple(int(i) for i in s["at"]), parse_expr(s["term"])))
        trusted_cited = {n: trusted[n] for n in cited} | {n: t for n, t in trusted.items() if _is_property(t)}
        inner = Kernel(trusted_cited, env, goal.constants).replay(goal.start, goal.end, steps)
    except CheckError:
        raise
    except (RewriteError, KeyError, TypeError, ValueError) as e:
        raise CheckError(f"malformed certificate: {e}") from None
    return Theorem(_KEY, lhs, rhs, env, inner.rules, inner.steps)
