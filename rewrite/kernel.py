"""The trusted kernel: replays a certificate step by step; only it makes a `Theorem`.

A theorem is `H ⊢ l = r` in the total semantics of `docs/SEMANTICS.md`: `H` is the
declarations' properties and the statement's own definedness assumptions (what it inverts,
divides by, takes the log of), read off the statement here, never off a certificate. Each
step rewrites one position by one rule instance (either direction), or is a `linear` step
(both subterms have the same normal form, `normal`). A rule's conditions are discharged
only from `H`, the non-zero numerals and the property rules; inside a derivative only open
conditions of smooth terms (they hold near the point, as a rewrite there needs).
Anything it cannot confirm is a `CheckError`.
Imports: `syntax`, `sexpr`, `sizes`, `normal`, `errors`; the standard library otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Mapping, NamedTuple

from . import sexpr
from . import syntax as S
from .errors import BudgetError, RewriteError
from .normal import Normaliser
from .sizes import NEEDS_SQUARE, ONE, Env, Shape, Size, VarInfo, closed_props, filled, shape_of

LINEAR = "linear"  # the built-in step
FORMAT = "rewrite-certificate/2"


class CheckError(RewriteError):
    """A certificate (or a rule) the kernel does not accept."""


_KEY = object()


class Theorem:
    """`hypotheses ⊢ lhs = rhs` under `env`, checked from the rules named in `rules`."""

    __slots__ = ("lhs", "rhs", "env", "hypotheses", "rules", "steps")

    def __init__(self, key: object, lhs: S.Expr, rhs: S.Expr, env: Env, hypotheses: tuple, rules: tuple[str, ...],
                 steps: int) -> None:
        if key is not _KEY:
            raise TypeError("only the kernel makes theorems")
        for name, value in zip(self.__slots__, (lhs, rhs, env, hypotheses, rules, steps)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a theorem cannot change")

    def __repr__(self) -> str:
        return f"Theorem({sexpr.show(self.lhs)} = {sexpr.show(self.rhs)}; {self.steps} steps)"


# ---------------------------------------------------------------------------
# Rules

SHAPE_WORDS = {"square": lambda s: s.is_square, "scalar": lambda s: s.is_scalar,
               "nonscalar": lambda s: not s.is_scalar, "vector": lambda s: s.cols.is_one,
               "row": lambda s: s.rows.is_one}
OPEN = ("invertible", "nonzero", "positive", "fullcolrank", "fullrowrank")  # hold near a point of a smooth term where they hold
CLOSED = ("symmetric", "spd", "orthogonal", "diagonal")
WORDS = tuple(SHAPE_WORDS) + OPEN + CLOSED + ("smooth", "zero", "const", "differential", "nondifferential")
DERIVATIVES = ("d", "grad", "jac", "hess", "symgrad")


@dataclass(frozen=True)
class Rule:
    """A compiled rule: sides (one for a property rule), pattern variables' shapes (sizes
    may be `?` variables), and conditions as (word, term) pairs."""

    name: str
    sides: tuple[S.Expr, ...]
    prop: str | None
    shapes: tuple[tuple[str, Shape], ...]
    conditions: tuple[tuple[str, S.Expr], ...]

    @property
    def env(self) -> Env:
        return Env({v: VarInfo(v, s) for v, s in self.shapes})


def read_rule(text: str | sexpr.SExpr) -> Rule:
    """`(rule NAME (= L R) (vars (A ?r ?c) …) (if (WORD TERM) …))`, or `(is WORD T)` for a
    property rule; refused unless both sides are well shaped alike under the vars' shapes."""
    x = sexpr.read(text) if isinstance(text, str) else text
    try:
        head, name, (kind, *parts), (vtag, *vs), (itag, *cs) = x
        _expect(head == "rule" and vtag == "vars" and itag == "if" and isinstance(name, str) and len(parts) == 2)
        shapes = tuple((v, Shape(_size(r), _size(c))) for v, r, c in vs)
        _expect(all(isinstance(v, str) for v, _ in shapes) and len({v for v, _ in shapes}) == len(shapes))
        conditions = tuple((w, sexpr.term(t)) for w, t in cs)
        if kind == "=":
            sides, prop = (sexpr.term(parts[0]), sexpr.term(parts[1])), None
        else:
            _expect(kind == "is" and parts[0] in OPEN + CLOSED)
            sides, prop = (sexpr.term(parts[1]),), parts[0]
    except (ValueError, TypeError, AttributeError, IndexError, RewriteError):
        raise CheckError(f"malformed rule: {sexpr.write(x)[:200]}") from None
    rule = Rule(name, sides, prop, shapes, conditions)
    env = rule.env
    names = set().union(*(S.free_names(t) for t in sides + tuple(t for _, t in conditions)))
    if not names <= set(env) or any(w not in WORDS for w, _ in conditions):
        raise CheckError(f"rule '{name}': an unknown pattern variable or condition word")
    try:
        shapes_ = [shape_of(s, env) for s in sides + tuple(t for _, t in conditions)]
    except RewriteError as e:
        raise CheckError(f"rule '{name}' is not well shaped: {e.message}") from None
    if prop is None and shapes_[0] != shapes_[1]:
        raise CheckError(f"rule '{name}': its sides have shapes {shapes_[0]} and {shapes_[1]}")
    return rule


def _expect(ok: bool) -> None:
    if not ok:
        raise ValueError("malformed")


def read_rulebase(text: str) -> dict[str, Rule]:
    """The compiled rule base: one `(rule …)` per line; `;` starts a comment."""
    out: dict[str, Rule] = {}
    for line in text.splitlines():
        line = line.split(";", 1)[0].strip()
        if line:
            rule = read_rule(line)
            if rule.name in out:
                raise CheckError(f"rule '{rule.name}' is defined twice")
            out[rule.name] = rule
    return out


def _size(atom: sexpr.SExpr) -> Size:
    return Size.from_dim(sexpr.dim(atom))


# ---------------------------------------------------------------------------
# Matching and instantiating patterns

def _dims(e: S.Expr) -> tuple[Size, ...]:
    if isinstance(e, (S.Identity, S.SizeOf)):
        return (Size.from_dim(e.size),) if e.size else ()
    if isinstance(e, (S.Ones, S.Zeros)):
        return (Size.from_dim(e.rows), ONE if e.cols is None else Size.from_dim(e.cols)) if e.rows else ()
    return ()


def _match(p: S.Expr, t: S.Expr, sub: dict[str, S.Expr], sizes: list[tuple[Size, Size]]) -> bool:
    if isinstance(p, S.Var):
        return sub.setdefault(p.name, t) == t
    if type(p) is not type(t):
        return False
    if dims := _dims(p):
        found = _dims(t)
        sizes.extend(zip(dims, found))
        return len(dims) == len(found)
    return p.payload() == t.payload() and all(_match(a, b, sub, sizes) for a, b in zip(p.children(), t.children()))


def _solve(pairs: list[tuple[Size, Size]]) -> dict[str, Size] | None:
    """Values of the `?` size variables with `pattern = concrete` for every pair, or None."""
    bound: dict[str, Size] = {}
    while pairs:
        rest = []
        for p, c in pairs:
            p = resolve(p, bound)
            if p.coeff == 1 and len(p.atoms) == 1 and p.atoms[0].startswith("?"):
                bound[p.atoms[0]] = c  # a lone variable (the general case below, made short)
                continue
            free = p.variables
            if not free:
                if p != c:
                    return None
            elif len(free) == 1 and p.atoms.count(free[0]) == 1:
                others = [a for a in p.atoms if a != free[0]]
                left = list(c.atoms)
                for a in others:
                    if a not in left:
                        return None
                    left.remove(a)
                if c.coeff % p.coeff:
                    return None
                bound[free[0]] = Size(c.coeff // p.coeff, tuple(left))
            else:
                rest.append((p, c))
        if len(rest) == len(pairs):
            return None  # underdetermined: refuse rather than guess
        pairs = rest
    return bound


def resolve(s: Size, bound: Mapping[str, Size]) -> Size:
    """A size with its `?` variables replaced by their values (those unbound left as they are)."""
    if not any(a in bound for a in s.atoms):
        return s
    out = Size(s.coeff)
    for a in s.atoms:
        out = out * bound.get(a, Size(1, (a,)))
    return out


def instantiate(p: S.Expr, sub: Mapping[str, S.Expr], sizes: Mapping[str, Size]) -> S.Expr:
    """A pattern with its variables replaced: terms for pattern variables, sizes for `?`
    sizes (a `KeyError` if one is unbound)."""
    if isinstance(p, S.Var):
        return sub[p.name]
    dims = _dims(p)
    if dims:
        ds = [resolve(d, sizes) for d in dims]
        if any(d.variables for d in ds):
            raise KeyError("an unbound size")
        if isinstance(p, (S.Identity, S.SizeOf)):
            return type(p)(ds[0].to_dim())
        return filled(type(p), Shape(*ds))
    kids = p.children()
    return p.with_children(tuple(instantiate(k, sub, sizes) for k in kids)) if kids else p


# ---------------------------------------------------------------------------
# Facts about terms, under one statement's hypotheses

def _has(e: S.Expr, fns: tuple[str, ...]) -> bool:
    return any(isinstance(s, S.Call) and s.fn in fns for _, s in S.subterms(e))


class Context:
    """What holds under one goal: declarations, constant names, hypotheses, rules. Its
    caches only remember answers; nothing it says depends on the order of questions,
    except that a cyclic question is answered "not known"."""

    def __init__(self, env: Env, constants: frozenset[str], hypotheses: tuple[tuple[str, S.Expr], ...],
                 rules: Mapping[str, Rule], properties: list[Rule]) -> None:
        self.env, self.constants, self.hypotheses = env, constants, hypotheses
        self.rules, self.properties = rules, properties
        self._shapes: dict = {}
        self.plain = Normaliser(env, shapes=self._shapes)  # uses no fact: equal everywhere
        self.full = Normaliser(env, facts=self, shapes=self._shapes)  # cancels what H makes non-zero
        self._memo: dict = {}
        self._asking: set = set()
        self._hyps = {(w, self.key(t)) for w, t in hypotheses}

    def shape(self, t: S.Expr) -> Shape:
        return shape_of(t, self.env, self._shapes)

    def key(self, t: S.Expr) -> tuple:
        """A term up to the identities that hold everywhere."""
        try:
            return self.shape(t), self.plain(t)
        except BudgetError:
            return ("too large", t)

    def const(self, t: S.Expr) -> bool:
        return S.free_names(t) <= self.constants and not _has(t, DERIVATIVES)

    def instance(self, r: Rule, terms: tuple[S.Expr, ...]) -> tuple[dict[str, S.Expr], dict[str, Size]] | None:
        """The match of the rule's sides against `terms`, if every size fits the rule."""
        sub: dict[str, S.Expr] = {}
        pairs: list[tuple[Size, Size]] = []
        if not all(_match(p, t, sub, pairs) for p, t in zip(r.sides, terms)):
            return None
        try:
            for v, shape in r.shapes:
                if v in sub:
                    s = self.shape(sub[v])
                    pairs += [(shape.rows, s.rows), (shape.cols, s.cols)]
        except RewriteError:
            return None
        sizes = _solve(pairs)
        return None if sizes is None else (sub, sizes)

    def conditions(self, r: Rule, sub: dict, sizes: dict, inside: bool = False) -> str | None:
        """The first condition of `r` that does not hold for the match, as text, or None."""
        for word, pattern in r.conditions:
            try:
                t = instantiate(pattern, sub, sizes)
                ok = self.holds(word, t, inside)
            except (KeyError, RewriteError):
                ok = False
            if not ok:
                return f"{sexpr.show(pattern)} {word}"
        return None

    def holds(self, word: str, t: S.Expr, inside: bool = False) -> bool:
        """Whether `t` has the property `word` at every point where the hypotheses hold
        (and, `inside` a derivative, near it)."""
        q = (word, t, inside)
        if q in self._memo:
            return self._memo[q]
        if q in self._asking:
            return False  # a cycle: not known this way
        self._asking.add(q)
        try:
            answer = self._holds(word, t, inside)
        except (RewriteError, RecursionError):
            answer = False
        finally:
            self._asking.discard(q)
        self._memo[q] = answer
        return answer

    def _holds(self, word: str, t: S.Expr, inside: bool) -> bool:
        if word in SHAPE_WORDS:
            return SHAPE_WORDS[word](self.shape(t))
        if word == "const":
            return self.const(t)
        if word in ("differential", "nondifferential"):
            return _has(t, ("d",)) == (word == "differential")
        if word == "smooth":
            return self.smooth(t)
        if word == "zero":
            near = not inside or self.smooth(t)
            return not (self.full(t) if near else self.plain(t))
        if inside and word in OPEN:
            return self.smooth(t) and self.holds(word, t)  # true at the point, and continuous
        if isinstance(t, S.Var) and t.name in self.env and word in self.env[t.name].props:
            if not (inside and word in CLOSED and t.name not in self.constants):
                return True
        if isinstance(t, S.Num):
            return word in OPEN and t.value != 0
        if isinstance(t, S.SizeOf):
            return word in OPEN  # a size is a positive integer
        if word in OPEN and (word, self.key(t)) in self._hyps:
            return True
        for r in self.properties:
            if r.prop == word:
                m = self.instance(r, (t,))
                if m is not None and self.conditions(r, *m, inside) is None:
                    return True
        return False

    def smooth(self, t: S.Expr) -> bool:
        """Whether `t` is infinitely differentiable near every point where the hypotheses
        hold (`docs/SEMANTICS.md`, "Smooth terms")."""
        q = ("smooth", t, False)
        if q not in self._memo:
            self._memo[q] = self.const(t) or self._smooth(t)
        return self._memo[q]

    def _smooth(self, t: S.Expr) -> bool:
        if not all(self.smooth(k) for k in t.children()):
            return False
        if isinstance(t, S.Inverse) or isinstance(t, S.Call) and t.fn == "logdet":
            return self.holds("invertible", t.children()[0])
        if isinstance(t, S.Div):
            return self.holds("invertible", t.right)
        if isinstance(t, S.HadamardDiv):
            return self.holds("nonzero", t.right)
        if isinstance(t, S.Power) and t.exponent < 0 or isinstance(t, S.SizePower) and not isinstance(t.exponent, S.SizeOf):
            return self.holds("invertible", t.arg)
        if isinstance(t, S.Power) and t.exponent.denominator != 1:
            return self.holds("positive", t.arg)
        if isinstance(t, S.Call) and S.FUNCTION[t.fn].smooth:  # where the table says it is smooth
            of, _, words = S.FUNCTION[t.fn].smooth.rpartition(":")
            return any(self.holds(w, t if of else t.args[0]) for w in words.split() if w != "never")
        return True

    # the normal form asks these when it cancels (`normal.Normaliser`)
    def nonzero(self, t: S.Expr) -> bool:
        return self.holds("invertible" if self.shape(t).is_scalar else "nonzero", t)

    def invertible(self, t: S.Expr) -> bool:
        return self.holds("invertible", t)

    # -- one step --------------------------------------------------------------------
    def step(self, k: int, before: S.Expr, name: str, forward: bool, at: S.Path, after: S.Expr) -> None:
        where = f"step {k} ({name} {'⇒' if forward else '⇐'}) at {list(at)}"
        try:
            old, new = S.at_path(before, at), S.at_path(after, at)
        except IndexError:
            raise CheckError(f"{where}: there is no subterm at that position") from None
        if S.replace_at(before, at, new) != after:
            raise CheckError(f"{where}: the step changes the term outside the position")
        if self.shape(old) != self.shape(new):
            raise CheckError(f"{where}: {sexpr.show(old)} and {sexpr.show(new)} have different shapes")
        inside = _inside_derivative(before, at)
        if name == LINEAR:
            near = not inside or self.smooth(old) and self.smooth(new)
            if not (self.full if near else self.plain).equal(old, new):
                raise CheckError(f"{where}: {sexpr.show(old)} and {sexpr.show(new)} do not have the same normal "
                                 "form" + ("" if near else " without hypotheses (inside a derivative, not smooth)"))
            return
        r = self.rules.get(name)
        if r is None:
            raise CheckError(f"{where}: unknown rule '{name}'")
        if r.prop is not None:
            raise CheckError(f"{where}: '{name}' is a property rule, not an equation")
        pattern, result = r.sides if forward else r.sides[::-1]
        if self.instance(Rule(r.name, (pattern,), None, r.shapes, ()), (old,)) is None:
            raise CheckError(f"{where}: {sexpr.show(old)} does not match {sexpr.show(pattern)}")
        m = self.instance(Rule(r.name, (pattern, result), None, r.shapes, ()), (old, new))
        if m is None:
            raise CheckError(f"{where}: expected an instance of {sexpr.show(result)}, found {sexpr.show(new)}")
        failed = self.conditions(r, *m, inside)
        if failed is not None:
            note = " (inside a derivative: only open conditions of smooth terms)" if inside else ""
            raise CheckError(f"{where}: the condition '{failed}' is not known to hold{note}")

    def replay(self, start: S.Expr, goal: S.Expr, steps: list["Step"]) -> int:
        """Check that `steps` lead from `start` to `goal`; the number of steps."""
        self.shape(start)
        current = start
        for k, (name, forward, at, after) in enumerate(steps, 1):
            try:
                self.step(k, current, name, forward, tuple(at), after)
            except CheckError:
                raise
            except RewriteError as e:
                raise CheckError(f"step {k} ({name}): {e.message}") from None
            current = after
        if current != goal:
            raise CheckError(f"the chain ends at {sexpr.show(current)}, not at the goal {sexpr.show(goal)}")
        return len(steps)


def _inside_derivative(term: S.Expr, at: S.Path) -> bool:
    """Whether position `at` lies inside `d(·)` or the function of `grad`/`jac`/`hess`."""
    for i in at:
        if isinstance(term, S.Call) and term.fn in DERIVATIVES:
            return True
        term = term.children()[i]
    return False


# ---------------------------------------------------------------------------
# Statements: hypotheses and goals

def assumptions(lhs: S.Expr, rhs: S.Expr, env: Env) -> tuple[tuple[str, S.Expr], ...]:
    """The definedness assumptions of a statement (`docs/SEMANTICS.md`): what it inverts
    or takes `logdet` of is invertible, what it divides by is invertible (1×1) or has no
    zero entry (`⊘`), what it takes `log`, `sqrt` or a non-integer power of is positive,
    what it takes `abs`, `sign`, `relu`, `step` of inside a derivative has no zero entry.
    An assumption about a term that is 0 everywhere could never hold: it is left out (such
    a term has its value in the total semantics)."""
    out: list[tuple[str, S.Expr]] = []
    for side in (lhs, rhs):
        for at, t in S.subterms(side):
            if isinstance(t, S.Call) and S.FUNCTION[t.fn].kink and _inside_derivative(side, at):
                out.append(("nonzero", t.args[0]))  # derivatives of abs, relu, … away from their kinks
            if isinstance(t, S.Inverse) or isinstance(t, S.Call) and t.fn == "logdet" \
                    or isinstance(t, S.Power) and t.exponent < 0 and t.exponent.denominator == 1:
                out.append(("invertible", t.children()[0]))
            elif isinstance(t, S.Div):
                out.extend(("invertible", f) for f in _scalar_factors(t.right, env))
            elif isinstance(t, S.HadamardDiv):
                out.append(("nonzero", t.right))
            elif isinstance(t, S.Call) and t.fn in ("log", "sqrt") or isinstance(t, S.Power) \
                    and t.exponent.denominator != 1:
                out.append(("positive", t.children()[0]))
    return tuple(sorted({h for h in out if _not_zero(h[1], env)}, key=lambda h: (h[0], sexpr.show(h[1]))))


@dataclass(frozen=True)
class Goal:
    """What one chain must connect, and which names are constant along it."""

    start: S.Expr
    end: S.Expr
    constants: frozenset[str]


def _wrt(x: S.Expr) -> str:
    return x.args[0].name if isinstance(x, S.Call) else x.name  # type: ignore[attr-defined]


def goals_of(lhs: S.Expr, rhs: S.Expr, env: Env, gradient: S.Expr | None = None) -> list[Goal] | None:
    """The chains that prove an elaborated statement; None if the kernel knows no way.

    `d/dX f = G` is proved as `d(f) = G : d(X)`, `jac(y, x) = J` as `d(y) = J d(x)`, every
    other declared name constant. `hess(f, x) = H` takes two chains through a gradient `g`
    the certificate names: `d(f) = g : d(x)` and `d(g) = H d(x)` (for a matrix `X`,
    `d(vec(g)) = H d(vec(X))`: `hess(f, X)` is `jac(vec(g), vec(X))`); `symgrad(f, S) = G`
    through `d(f) = g : d(S)` and `(g + gᵀ) / 2 = G`. An equation without derivatives is
    its own goal, with the names declared `const` constant.
    """
    for a, b in ((as_hessian(lhs), rhs), (as_hessian(rhs), lhs)):
        if isinstance(a, S.Call) and a.fn in DERIVATIVES[1:] and not _has(b, DERIVATIVES):
            f, x = a.args
            if _has(f, DERIVATIVES):
                return None
            constants = frozenset(env) - {_wrt(x)}
            dx = S.Call("d", (x,))
            if a.fn == "grad":
                return [Goal(S.Call("d", (f,)), S.Frob(b, dx), constants)]
            if a.fn == "jac":
                return [Goal(S.Call("d", (f,)), S.Mul(b, dx), constants)]
            if gradient is None or _has(gradient, DERIVATIVES) or not isinstance(x, S.Var):
                return None
            if a.fn == "symgrad":  # (g + gᵀ) / 2 of the gradient g
                return [Goal(S.Call("d", (f,)), S.Frob(gradient, dx), constants),
                        Goal(S.Div(S.Add(gradient, S.Transpose(gradient)), S.Num(2)), b, constants)]
            g, dv = gradient, dx  # a matrix X: hess(f, X) is jac(vec(g), vec(X))
            if not env[x.name].shape.cols.is_one:
                g, dv = S.Call("vec", (gradient,)), S.Call("d", (S.Call("vec", (x,)),))
            return [Goal(S.Call("d", (f,)), S.Frob(gradient, dx), constants),
                    Goal(S.Call("d", (g,)), S.Mul(b, dv), constants)]
    if _has(lhs, DERIVATIVES[1:]) or _has(rhs, DERIVATIVES[1:]):
        return None
    return [Goal(lhs, rhs, frozenset(n for n, info in env.items() if "const" in info.props))]


def as_hessian(t: S.Expr) -> S.Expr:
    """`jac(grad(f, x), x)` and `jac(vec(grad(f, X)), vec(X))` are `hess(f, x)` by its
    definition; any other term is itself."""
    if isinstance(t, S.Call) and t.fn == "jac":
        y, w = t.args
        y, w = (y.args[0], w.args[0]) if S.head(y) == S.head(w) == ("Call", "vec", 1) else (y, w)
        if isinstance(y, S.Call) and y.fn == "grad" and y.args[1] == w:
            return S.Call("hess", y.args)
    return t


class Step(NamedTuple):
    """One certificate step: a rule (or `linear`), which way, where, and the whole term after."""

    rule: str
    forward: bool
    at: S.Path
    term: S.Expr


class Lemma(NamedTuple):
    """A derivative proved equal to a term without derivatives (`jac(y, x) = J`, with its own
    chains), then put in its place in the statement wherever it is not inside a derivative."""

    lhs: S.Expr
    rhs: S.Expr
    chains: list
    gradient: S.Expr | None = None


def replace_derivative(t: S.Expr, d: S.Expr, g: S.Expr) -> S.Expr:
    """`t` with `d` replaced by `g` wherever it is not inside a derivative."""
    if t == d:
        return g
    if isinstance(t, S.Call) and t.fn in DERIVATIVES:  # inside a derivative: equal at the point is not enough
        return t
    kids = t.children()
    return t.with_children(tuple(replace_derivative(k, d, g) for k in kids)) if kids else t



def check_chains(lhs: S.Expr, rhs: S.Expr, env: Env, chains: list[list[Step]], cited: Mapping[str, Rule],
                 properties: list[Rule], gradient: S.Expr | None = None, lemmas: tuple[Lemma, ...] = ()) -> Theorem:
    """Replay the chains that prove the elaborated statement `lhs = rhs` from the rules
    `cited` (and the property rules), under the statement's hypotheses — and those of the
    lemmas, each checked first and then put in place of its derivative."""
    try:
        shapes = {}
        if shape_of(lhs, env, shapes) != shape_of(rhs, env, shapes):
            raise CheckError("the sides of the statement have different shapes")
        if gradient is not None:
            shape_of(gradient, env)
        hypotheses, left, right, count, used = assumptions(lhs, rhs, env), lhs, rhs, 0, set()
        for k, lemma in enumerate(lemmas, 1):
            if not (isinstance(lemma.lhs, S.Call) and lemma.lhs.fn in DERIVATIVES[1:]) or _has(lemma.rhs, DERIVATIVES):
                raise CheckError(f"lemma {k} must prove a derivative equal to a term without derivatives")
            theorem = check_chains(lemma.lhs, lemma.rhs, env, lemma.chains, cited, properties, lemma.gradient)
            replaced = tuple(replace_derivative(t, lemma.lhs, lemma.rhs) for t in (left, right))
            if replaced == (left, right):
                raise CheckError(f"lemma {k}: its derivative is not in the statement outside a derivative")
            left, right, count = *replaced, count + theorem.steps
            used.update(theorem.rules)
            hypotheses = tuple(sorted(set(hypotheses + theorem.hypotheses), key=lambda h: (h[0], sexpr.show(h[1]))))
        goals = goals_of(left, right, env, gradient)
        if goals is None:
            raise CheckError("the statement has no goal the kernel can check")
        if len(chains) != len(goals):
            raise CheckError(f"the statement needs {len(goals)} chain(s), the certificate has {len(chains)}")
        for goal, chain in zip(goals, chains):
            for k, (name, *_rest) in enumerate(chain, 1):
                if name != LINEAR and name not in cited:
                    raise CheckError(f"step {k} cites '{name}', which the certificate does not list")
            context = Context(env, goal.constants, hypotheses, cited, properties)
            count += context.replay(goal.start, goal.end, chain)
            used.update(name for name, *_ in chain)
    except CheckError:
        raise
    except RecursionError:
        raise CheckError("the terms are nested too deeply to check") from None
    except (RewriteError, KeyError, TypeError, ValueError, AttributeError) as e:
        raise CheckError(f"malformed certificate: {getattr(e, 'message', e)}") from None
    return Theorem(_KEY, lhs, rhs, env, hypotheses, tuple(sorted(used)), count)


def _scalar_factors(t: S.Expr, env: Env) -> list[S.Expr]:
    """A 1×1 divisor and, when it is a product or integer power of 1×1 factors, each factor:
    s t ≠ 0 means s ≠ 0 and t ≠ 0, and sᵏ ≠ 0 means s ≠ 0, so the statement's hypothesis
    already says so."""
    if isinstance(t, S.Power) and t.exponent > 0 and t.exponent.denominator == 1 or isinstance(t, S.Mul) \
            and shape_of(t.left, env).is_scalar and shape_of(t.right, env).is_scalar:
        return [t, *(f for k in t.children() for f in _scalar_factors(k, env))]
    return [t]


def _not_zero(t: S.Expr, env: Env) -> bool:
    try:
        return bool(Normaliser(env)(t))
    except BudgetError:
        return True


# ---------------------------------------------------------------------------
# Certificates (JSON, format in docs/certificates.md)

_REQUIRED = {"format", "statement", "declarations", "rules", "chains"}
_OPTIONAL = {"name", "file", "gradient", "assumptions", "rules_digest", "display", "lemmas"}
_STEP = {"rule", "dir", "at", "term"}


def _object(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise CheckError(f"the key '{k}' appears twice")
        out[k] = v
    return out


def read_json(text: str) -> object:
    """JSON without duplicate keys; nesting too deep for the parser is refused, not fatal."""
    try:
        return json.loads(text, object_pairs_hook=_object)
    except (ValueError, RecursionError) as e:
        raise CheckError(f"not valid JSON: {str(e)[:200]}") from None


def _keys(obj: object, required: set[str], optional: set[str], what: str) -> dict:
    if not isinstance(obj, dict):
        raise CheckError(f"{what} must be a JSON object")
    if not required <= obj.keys() <= required | optional:
        missing, unknown = sorted(required - obj.keys()), sorted(obj.keys() - required - optional)
        raise CheckError(f"{what}: " + "; ".join(filter(None, [missing and f"missing {', '.join(missing)}",
                                                                unknown and f"unknown {', '.join(unknown)}"])))
    return obj


def read_decl(text: str) -> tuple[str, VarInfo]:
    """`(let NAME Mat ROWS COLS PROP …)`, `(let NAME Vec N PROP …)`, `(let NAME Scalar PROP …)`."""
    x = sexpr.read(text)
    try:
        tag, name, kind, *rest = x
        n = {"Mat": 2, "Vec": 1, "Scalar": 0}[kind]
        dims, props = rest[:n], rest[n:]
        _expect(tag == "let" and isinstance(name, str) and sexpr.term(name) == S.Var(name) and len(dims) == n)
        _expect(all(isinstance(p, str) and p in S.PROPERTIES for p in props))
        rows, cols = (dims + ["1", "1"])[:2]
        shape = Shape(_size(rows), _size(cols))
    except (ValueError, TypeError, KeyError, RewriteError):
        raise CheckError(f"malformed declaration: {text[:200]}") from None
    if set(props) & NEEDS_SQUARE and not shape.is_square:
        raise CheckError(f"declaration of {name}: the property needs a square shape")
    return name, VarInfo(name, shape, closed_props(frozenset(props)), kind)


def read_certificate(cert: object, trusted: Mapping[str, Rule]) -> tuple:
    """The parts of a certificate the kernel reads, checked for form: statement sides,
    environment, chains, the rules it cites (each the trusted rule), and its gradient."""
    c = _keys(cert, _REQUIRED, _OPTIONAL, "the certificate")
    if c["format"] != FORMAT:
        raise CheckError(f"not a certificate of format {FORMAT}")
    infos = dict(read_decl(d) for d in _list(c["declarations"], "declarations"))
    if len(infos) != len(c["declarations"]):
        raise CheckError("a name is declared twice")
    if {n for n, i in infos.items() if i.shape.is_scalar} & Env(infos).dims:
        raise CheckError("a name is both a size and a declared scalar")
    cited = {}
    if not isinstance(c["rules"], dict):
        raise CheckError("rules must be a JSON object")
    for name, text in c["rules"].items():
        rule = read_rule(_string(text, f"rule '{name}'"))
        if rule.name != name or trusted.get(name) != rule:
            raise CheckError(f"rule '{name}' is not the trusted rule of that name")
        cited[name] = rule
    lemmas = tuple(read_lemma(x) for x in _list(c.get("lemmas", []), "lemmas"))
    lhs, rhs, chains, gradient = read_lemma(c, of_certificate=True)
    return lhs, rhs, Env(infos), chains, cited, gradient, c.get("assumptions"), lemmas


def read_lemma(c: dict, of_certificate: bool = False) -> Lemma:
    """A statement, its chains and its gradient (of a certificate, or one of its lemmas)."""
    if not of_certificate:
        c = _keys(c, {"statement", "chains"}, {"gradient"}, "a lemma")
    eq, *sides = sexpr.read(_string(c["statement"], "statement"))
    if eq != "=" or len(sides) != 2:
        raise CheckError("the statement must be (= LHS RHS)")
    gradient = sexpr.term(sexpr.read(_string(c["gradient"], "gradient"))) if "gradient" in c else None
    chains = []
    for chain in _list(c["chains"], "chains"):
        steps: list[Step] = []
        for k, s in enumerate(_list(chain, "a chain"), 1):
            s = _keys(s, _STEP, set(), f"step {k}")
            if s["dir"] not in ("=>", "<=") or not isinstance(s["rule"], str):
                raise CheckError(f"step {k}: direction must be '=>' or '<=', and the rule a name")
            at = _list(s["at"], f"step {k}: the position")
            if not all(type(i) is int and 0 <= i < 1 << 16 for i in at):
                raise CheckError(f"step {k}: a position is a list of child indices, got {at!r}")
            steps.append(Step(s["rule"], s["dir"] == "=>", tuple(at), sexpr.term(sexpr.read(_string(s["term"], "term")))))
        chains.append(steps)
    return Lemma(sexpr.term(sides[0]), sexpr.term(sides[1]), chains, gradient)


def _list(x: object, what: str) -> list:
    if not isinstance(x, list):
        raise CheckError(f"{what} must be a JSON list")
    return x


def _string(x: object, what: str) -> str:
    if not isinstance(x, str):
        raise CheckError(f"{what} must be a string")
    return x


def check_certificate(cert: str | dict, trusted: Mapping[str, Rule]) -> Theorem:
    """Replay a certificate (its JSON text, or the object already read) against the trusted
    rules; the theorem is its statement under its declarations and the statement's own
    assumptions, which the certificate must list exactly if it lists them."""
    try:
        data = read_json(cert) if isinstance(cert, str) else cert
        lhs, rhs, env, chains, cited, gradient, listed, lemmas = read_certificate(data, trusted)
        properties = [r for r in trusted.values() if r.prop is not None]
        theorem = check_chains(lhs, rhs, env, chains, cited, properties, gradient, lemmas)
    except CheckError:
        raise
    except RecursionError:
        raise CheckError("the terms are nested too deeply to check") from None
    except RewriteError as e:
        raise CheckError(f"malformed certificate: {e.message}") from None
    if listed is not None:
        mine = [f"({w} {sexpr.show(t)})" for w, t in theorem.hypotheses]
        if not isinstance(listed, list) or sorted(map(str, listed)) != sorted(mine):
            raise CheckError(f"the certificate lists assumptions {listed!r}; the statement's are {mine!r}")
    return theorem

