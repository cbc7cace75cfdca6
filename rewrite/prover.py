"""The search: equality saturation, then a chain of rule steps explaining what it found.

`prove` runs the e-graph on both sides of a goal. When the sides meet (or when the cheapest
terms of both sides agree as linear combinations, which the kernel's `linear` step checks),
the logged firings are replayed into a proof-producing congruence closure, which explains
the equality as a chain of single steps. The chain is a candidate: only the kernel decides.
Imports: `egraph` (the one egglog module), `explain`, `kernel` (for `linear_form`), `syntax`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

from . import syntax as S
from .egraph import Budget, Computed, Fired, Pattern, Program, RunReport, Search
from .explain import Closure, Instance, Step, TermBank, flatten
from .kernel import LINEAR, linear_form
from .shapes import Env, Size



@dataclass
class ChainStep:
    """One certificate step: rule name (or `linear`), direction, position, the whole term after."""

    rule: str
    forward: bool
    at: S.Path
    term: S.Expr


@dataclass
class Outcome:
    proved: bool
    report: RunReport
    steps: list[ChainStep] = field(default_factory=list)
    reason: str = ""
    seconds: float = 0.0


def _instantiate(bank: TermBank, e: S.Expr, terms: dict[str, int], sizes: dict[str, Size]) -> int:
    """A pattern with its variables replaced (terms for pattern variables, sizes for `?`
    sizes), interned: the id of the ground instance."""
    if isinstance(e, S.Var):
        return terms[e.name]

    def dim(d: S.Dim | None) -> Size | None:
        if d is None:
            return None
        out = Size(Size.from_dim(d).coeff)
        for a in Size.from_dim(d).atoms:
            out = out * (sizes[a] if a.startswith("?") else Size.of(a))
        return out

    if isinstance(e, S.Identity):
        return bank.node(S.Identity, (("size", dim(e.size).to_dim()),), ())  # type: ignore[union-attr]
    if isinstance(e, (S.Ones, S.Zeros)):
        rows, cols = dim(e.rows), dim(e.cols)
        payload = (("rows", rows.to_dim()), ("cols", None if cols is None or cols.is_one else cols.to_dim()))  # type: ignore[union-attr]
        return bank.node(type(e), payload, ())
    return bank.node(type(e), e.payload(), tuple(_instantiate(bank, k, terms, sizes) for k in e.children()))


def _arith_instance(op: str, a: Fraction, b: Fraction) -> tuple[S.Expr, S.Expr]:
    x, y = S.Num(a), S.Num(b)
    if op == "Neg":
        return S.Neg(x), S.Num(a)
    node = {"Add": S.Add, "Sub": S.Sub, "Mul": S.Mul, "Div": S.Div}[op](x, y)
    value = {"Add": a + b, "Sub": a - b, "Mul": a * b, "Div": a / b if b else Fraction(0)}[op]
    return node, (S.Num(value) if value >= 0 else S.Neg(S.Num(-value)))


class Explainer:
    """Rebuilds the e-graph's equalities from its firings, with reasons, as they arrive."""

    def __init__(self, program: Program, bank: TermBank) -> None:
        self.program = program
        self.bank = bank
        self.closure = Closure(bank)

    def add_round(self, fired: list[Fired], computed: list[Computed]) -> None:
        for f in fired:
            p = self.program.patterns[f.rule]
            lhs, rhs = p.sides if f.forward else p.sides[::-1]
            a = _instantiate(self.bank, lhs, f.terms, f.sizes)
            b = _instantiate(self.bank, rhs, f.terms, f.sizes)
            self.closure.assert_equal(Instance(a, b, (p.name, f.forward)))
        for c in computed:
            x, y = _arith_instance(c.op, c.a, c.b)
            self.closure.assert_equal(Instance(self.bank.intern(x), self.bank.intern(y), (LINEAR, True)))

    def chain(self, a: S.Expr, b: S.Expr) -> list[ChainStep] | None:
        ia, ib = self.bank.intern(a), self.bank.intern(b)
        self.closure.add(ia)
        self.closure.add(ib)
        if not self.closure.equal(ia, ib):
            return None
        return [_certificate_step(st, term) for st, term in flatten(self.bank, ia, self.closure.explain(ia, ib))]

def _certificate_step(st: Step, term: S.Expr) -> ChainStep:
    name, fired_forward = st.instance.reason  # type: ignore[misc]
    return ChainStep(name, st.forward == fired_forward if name != LINEAR else True, st.path, term)


def prove(program: Program, env: Env, lhs: S.Expr, rhs: S.Expr, *, constants: frozenset[str] = frozenset(),
          budget: Budget = Budget()) -> Outcome:
    """Search for a chain from `lhs` to `rhs` (both elaborated); never raises on a budget."""
    start = time.perf_counter()
    explainer = Explainer(program, TermBank())
    with Search(program, env, constants, explainer.bank) as search:
        search.add("lhs", lhs)
        search.add("rhs", rhs)
        report = search.run(budget, goal=("lhs", "rhs"), on_round=explainer.add_round)
        if report.stop == "equal":
            steps = explainer.chain(lhs, rhs)
        else:
            steps = _meet_linear(explainer, env, lhs, search.extract("lhs"), rhs, search.extract("rhs"))
    seconds = time.perf_counter() - start
    if steps is None:
        reason = {"saturated": "the rules connect no more terms (saturated)",
                  "iterations": f"iteration limit ({budget.iterations}) reached",
                  "nodes": f"e-graph size limit ({budget.nodes} nodes) reached",
                  "time": f"time limit ({budget.seconds:g} s) reached",
                  "equal": "the e-graph found the sides equal, but no explanation was rebuilt"}[report.stop]
        return Outcome(False, report, reason=reason, seconds=seconds)
    return Outcome(True, report, steps, seconds=seconds)


def _meet_linear(ex: Explainer, env: Env, lhs: S.Expr, l: S.Expr, rhs: S.Expr, r: S.Expr) -> list[ChainStep] | None:
    """Both sides' cheapest forms `l`, `r`, if they agree as linear combinations: lhs → l ≡ r ← rhs."""
    if linear_form(l, env) != linear_form(r, env):
        return None
    first, last = ex.chain(lhs, l), ex.chain(r, rhs)
    if first is None or last is None:
        return None
    return first + [ChainStep(LINEAR, True, (), r)] + last


def program_for(rulebase) -> Program:
    """The egglog program of a rule base: equations become logged rewrites, property rules
    become derivations of the relations side conditions query."""
    rewrites, properties = [], []
    for rule, ruleset in zip(rulebase.rules, rulebase.rulesets):
        sides, env = rule.patterns()
        p = Pattern(rule.name, sides, env, rule.conditions, rule.oneway, rule.prop)
        if rule.prop:
            properties.append(p)
        else:
            rewrites.append((p, ruleset))
    return Program(rewrites, properties)


def simplify(program: Program, env: Env, e: S.Expr, *, constants: frozenset[str] = frozenset(),
             budget: Budget = Budget()) -> tuple[S.Expr, Outcome]:
    """The cheapest term the search finds equal to `e` (cost model: `egraph.COSTS`), with
    the chain from `e` to it."""
    start = time.perf_counter()
    explainer = Explainer(program, TermBank())
    with Search(program, env, constants, explainer.bank) as search:
        search.add("lhs", e)
        report = search.run(budget, on_round=explainer.add_round)
        best = search.extract("lhs")
    steps = explainer.chain(e, best)
    seconds = time.perf_counter() - start
    if steps is None:
        return e, Outcome(False, report, reason="no explanation was rebuilt", seconds=seconds)
    return best, Outcome(True, report, steps, seconds=seconds)
