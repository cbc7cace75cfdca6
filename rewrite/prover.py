"""The search: rewrite one way, then equality saturation, then a chain.

A goal `start = end` is first brought to its one-way form on both sides by rewriting with
the `=>` rules (`rewriting`); if the kernel's normal form already agrees, that is the proof.
Otherwise both one-way forms go into the e-graph, which runs every rule in rounds. After each
round the cheapest term of each side is extracted and rewritten one way again; the search
stops when the sides meet in the e-graph or have the same normal form. The logged firings are replayed into
a proof-producing congruence closure (`explain`), which yields the e-graph's part of the
chain. The chain is a candidate: only the kernel decides.
Every search runs under the statement's hypotheses (`kernel.assumptions`), the facts its
rules' conditions may use. Imports: `egraph` (the one egglog module), `explain`, `rewriting`, `determinants`, `kernel`, `syntax`, `sizes`, `printing`, `errors`, `budget`, `terms`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache

from . import determinants
from . import syntax as S
from .budget import Budget
from .egraph import Computed, Fired, Pattern, Program, RunReport, Search, TooLarge
from .errors import BudgetError
from .explain import Closure, Instance, flatten
from .explain import Step as SearchStep
from .kernel import LINEAR, Context, Goal, Step, resolve
from .printing import show
from .rewriting import Rewriter, same_normal_form
from .sizes import Env, Size, zero
from .terms import TermBank


@dataclass
class SearchResult:
    proved: bool
    report: RunReport
    steps: list[Step] = field(default_factory=list)
    reason: str = ""
    seconds: float = 0.0


def _instantiate(bank: TermBank, e: S.Expr, terms: dict[str, int], sizes: dict[str, Size]) -> int:
    """`kernel.instantiate` over interned terms (pattern variables stand for term ids): the
    id of the ground instance. The explanation instantiates every firing; building trees
    first would cost more than the search."""
    if isinstance(e, S.Var):
        return terms[e.name]
    kind, payload, kids = _pattern_node(e)
    if kind is not None:
        return bank.node(kind, payload, tuple(_instantiate(bank, k, terms, sizes) for k in kids))

    def dim(d: S.Dim | None) -> Size | None:
        return None if d is None else resolve(Size.from_dim(d), sizes)

    if isinstance(e, (S.Identity, S.SizeOf)):
        return bank.node(type(e), (("size", dim(e.size).to_dim()),), ())  # type: ignore[union-attr]
    if isinstance(e, (S.Ones, S.Zeros)):
        rows, cols = dim(e.rows), dim(e.cols)
        payload = (("rows", rows.to_dim()), ("cols", None if cols is None or cols.is_one else cols.to_dim()))  # type: ignore[union-attr]
        return bank.node(type(e), payload, ())
    raise TypeError(f"not a sized node: {type(e).__name__}")


@lru_cache(maxsize=None)
def _pattern_node(e: S.Expr) -> tuple[type | None, tuple, tuple[S.Expr, ...]]:
    """A pattern node's type, payload and children, read once (the rules' patterns are
    instantiated at every firing); None for the nodes whose sizes are instantiated."""
    if isinstance(e, (S.Identity, S.SizeOf, S.Ones, S.Zeros)):
        return None, (), ()
    return type(e), e.payload(), e.children()


def _arith_instance(op: str, a: Fraction, b: Fraction) -> tuple[S.Expr, S.Expr]:
    x, y = S.Num(a), S.Num(b)
    if op == "Neg":
        return S.Neg(x), S.Num(a)
    node = {"Add": S.Add, "Sub": S.Sub, "Mul": S.Mul, "Div": S.Div}[op](x, y)
    value = {"Add": a + b, "Sub": a - b, "Mul": a * b, "Div": a / b if b else Fraction(0)}[op]
    return node, (S.Num(value) if value >= 0 else S.Neg(S.Num(-value)))


class Explainer:
    """Rebuilds the e-graph's equalities from its firings, with reasons.

    The rounds are kept as they arrive and rebuilt only when a chain is asked for: most
    searches that fail (every refuted statement's, most that run out of budget) never
    ask, and rebuilding was a third of their time."""

    def __init__(self, program: Program, bank: TermBank) -> None:
        self.program = program
        self.bank = bank
        self.closure = Closure(bank)
        self._rounds: list[tuple[list[Fired], list[Computed]]] = []

    def add_round(self, fired: list[Fired], computed: list[Computed]) -> None:
        self._rounds.append((fired, computed))

    def _rebuild(self) -> None:
        rounds, self._rounds = self._rounds, []
        for fired, computed in rounds:
            self._assert(fired, computed)

    def _assert(self, fired: list[Fired], computed: list[Computed]) -> None:
        for f in fired:
            p = self.program.patterns[f.rule]
            lhs, rhs = p.sides if f.forward else p.sides[::-1]
            a = _instantiate(self.bank, lhs, f.terms, f.sizes)
            b = _instantiate(self.bank, rhs, f.terms, f.sizes)
            self.closure.assert_equal(Instance(a, b, (p.name, f.forward)))
        for c in computed:
            x, y = _arith_instance(c.op, c.a, c.b)
            self.closure.assert_equal(Instance(self.bank.intern(x), self.bank.intern(y), (LINEAR, True)))

    def chain(self, a: S.Expr, b: S.Expr) -> list[Step] | None:
        self._rebuild()
        ia, ib = self.bank.intern(a), self.bank.intern(b)
        self.closure.add(ia)
        self.closure.add(ib)
        if not self.closure.equal(ia, ib):
            return None
        return [_certificate_step(st, term) for st, term in flatten(self.bank, ia, self.closure.explain(ia, ib))]

def _certificate_step(st: SearchStep, term: S.Expr) -> Step:
    name, fired_forward = st.instance.reason  # type: ignore[misc]
    return Step(name, st.forward == fired_forward if name != LINEAR else True, st.path, term)


_REASONS = {
    "saturated": "the rules connect no more terms (saturated)",
    "iterations": "iteration limit ({b.iterations}) reached",
    "nodes": "e-graph size limit ({b.nodes} nodes) reached",
    "firings": "rule-firing limit ({b.firings} in one round) reached",
    "time": "time limit ({b.seconds:g} s) reached",
    "equal": "the e-graph found the sides equal, but no explanation was rebuilt",
}
_ONE_WAY = RunReport("one-way form", 0, 0, 0.0)
_NO_ROUNDS = RunReport("iterations", 0, 0, 0.0)  # a budget of no rounds: one-way rewriting only, no e-graph


def _too_large(err: TooLarge, clock: float) -> SearchResult:
    return SearchResult(False, RunReport("too large", 0, 0, 0.0), reason=f"{err}: it cannot enter the e-graph",
                   seconds=time.perf_counter() - clock)


def reverse(start: S.Expr, steps: list[Step]) -> list[Step]:
    """The chain from the end of `steps` back to `start` (equality is symmetric)."""
    terms = [start] + [s.term for s in steps]
    return [Step(s.rule, not s.forward if s.rule != LINEAR else True, s.at, terms[i])
            for i, s in reversed(list(enumerate(steps)))]


def _linear(term: S.Expr) -> list[Step]:
    return [Step(LINEAR, True, (), term)]


class Prover:
    """The search over one rule base: the egglog program is loaded once, on first use."""

    def __init__(self, rulebase) -> None:
        self.rulebase = rulebase
        self.compiled = rulebase.compiled
        self.properties = rulebase.properties
        self.oneway = [r.name for r in rulebase.rules if r.oneway and r.rhs is not None]
        self._program: Program | None = None

    @property
    def program(self) -> Program:
        if self._program is None:
            self._program = program_for(self.rulebase)
        return self._program

    def warm(self) -> None:
        """Parse the rules and load the e-graph now: done once, it is on no search's budget
        (a 0.1 s probe would otherwise spend it all on the first statement)."""
        if self._program is None:
            self.program.egraph()

    def _stage(self, env: Env, constants: frozenset[str], hypotheses: tuple) -> tuple[Context, Rewriter]:
        context = Context(env, constants, hypotheses, self.compiled, self.properties)
        return context, Rewriter(context, self.oneway)

    @staticmethod
    def _reduce(rw: Rewriter, t: S.Expr, deadline: float | None = None) -> tuple[S.Expr, list[Step]]:
        """The one-way form of `t` and the steps to it; where rewriting does not finish (a
        loop among the `=>` rules, or the deadline), `t` as it is — and the rewriter keeps
        why, for the outcome's reason."""
        try:
            return rw.reduce(t, deadline)
        except BudgetError as e:
            rw.stopped = e.message
            return t, []

    def prove(self, env: Env, goal: Goal, hypotheses: tuple = (), budget: Budget = Budget()) -> SearchResult:
        """A chain from `goal.start` to `goal.end` (both elaborated), or why there is none."""
        clock = time.perf_counter()
        deadline = clock + budget.seconds
        kernel, rw = self._stage(env, goal.constants, hypotheses)
        s1, to_s1 = self._reduce(rw, goal.start, deadline)
        e1, to_e1 = self._reduce(rw, goal.end, deadline)
        back = reverse(goal.end, to_e1)
        if same_normal_form(kernel, s1, e1):
            steps = to_s1 + ([] if s1 == e1 else _linear(e1)) + back
            return SearchResult(True, _ONE_WAY, steps, seconds=time.perf_counter() - clock)
        if budget.iterations <= 0:
            return _not_found(_NO_ROUNDS, budget, rw, time.perf_counter() - clock)
        # the e-graph is loaded (egglog imported) only by a goal that needs it, off its budget
        warming = time.perf_counter()
        self.warm()
        warming = time.perf_counter() - warming
        clock, deadline = clock + warming, deadline + warming
        explainer = Explainer(self.program, TermBank())
        meet: list = []
        try:
            with Search(self.program, env, goal.constants, explainer.bank, hypotheses) as search:
                search.add("lhs", s1)
                search.add("rhs", e1)

                def normal_forms_meet() -> bool:
                    l, r = search.extract("lhs"), search.extract("rhs")
                    nl, to_nl = self._reduce(rw, l, deadline)
                    nr, to_nr = self._reduce(rw, r, deadline)
                    if not same_normal_form(kernel, nl, nr):
                        return False
                    meet[:] = [l, to_nl, nl, r, to_nr]
                    return True

                remaining = replace(budget, seconds=max(0.0, deadline - time.perf_counter()))
                report = search.run(remaining, goal=("lhs", "rhs"), on_round=explainer.add_round, until=normal_forms_meet)
        except TooLarge as err:
            return _too_large(err, clock)
        middle = None
        if report.stop == "equal" and not meet:
            middle = explainer.chain(s1, e1)
        elif meet:
            l, to_nl, nl, r, to_nr = meet
            first, last = explainer.chain(s1, l), explainer.chain(r, e1)
            if first is not None and last is not None:
                nr = to_nr[-1].term if to_nr else r
                middle = first + to_nl + ([] if nl == nr else _linear(nr)) + reverse(r, to_nr) + last
        seconds = time.perf_counter() - clock
        if middle is None:
            return _not_found(report, budget, rw, seconds)
        return SearchResult(True, report, to_s1 + middle + back, seconds=seconds)

    def derive(self, env: Env, f: S.Expr, x: S.Expr, form: str, budget: Budget = Budget(),
               hypotheses: tuple = ()) -> tuple[S.Expr | None, SearchResult]:
        """Read a gradient (form "frob": `d(f) = G : d(x)`) or a Jacobian (form "mul":
        `d(f) = J d(x)`) off the differential of `f`, every name but `x`'s constant."""
        clock = time.perf_counter()
        wrt = x.args[0].name if isinstance(x, S.Call) else x.name  # type: ignore[attr-defined]
        df, dx = S.Call("d", (f,)), S.Call("d", (x,))
        goal = Goal(df, df, frozenset(env) - {wrt})
        kernel, rw = self._stage(env, goal.constants, hypotheses)
        df, to_df, hypotheses, splits = determinants.prepare(rw, df, wrt, hypotheses)
        if to_df:
            kernel, rw = self._stage(env, goal.constants, hypotheses)
        nf, to_nf = self._reduce(rw, df)
        to_nf = to_df + to_nf
        # d(x) has a one-way form too (d(vec(X)) is vec(d(X))): read G off against it, then
        # step back to the goal's `G d(x)`
        ndx, to_ndx = self._reduce(rw, dx)
        kind = S.Frob if form == "frob" else S.Mul

        def back(g: S.Expr) -> list[Step]:
            return [Step(s.rule, s.forward, (1,) + s.at, kind(g, s.term)) for s in reverse(dx, to_ndx)]

        def joined(g: S.Expr) -> tuple[S.Expr, list[Step]]:
            return determinants.join(kernel, g, splits, lambda t: kind(t, ndx)) if splits else (g, [])

        read = _read_off(nf, ndx, form, kernel, x)
        if read is not None:
            g, extra = read
            g, join = joined(g)
            return g, SearchResult(True, _ONE_WAY, to_nf + extra + join + back(g), seconds=time.perf_counter() - clock)
        if budget.iterations <= 0:
            return None, _not_found(_NO_ROUNDS, budget, rw, time.perf_counter() - clock)
        warming = time.perf_counter()
        self.warm()
        clock += time.perf_counter() - warming
        explainer = Explainer(self.program, TermBank())
        found: list[S.Expr] = []
        try:
            with Search(self.program, env, goal.constants, explainer.bank, hypotheses) as search:
                search.add("lhs", nf)
                search.look_for("lhs", ndx, form)

                def read() -> bool:
                    found[:] = [g for g in search.found() if not _has_differential(g)]
                    return bool(found)

                report = search.run(budget, on_round=explainer.add_round, until=read)
        except TooLarge as err:
            return None, _too_large(err, clock)
        seconds = time.perf_counter() - clock
        if not found:
            return None, _not_found(report, budget, rw, seconds)
        best = min(found, key=lambda g: (S.size(g), show(g)))
        steps = explainer.chain(nf, kind(best, ndx))
        if steps is None:
            return None, SearchResult(False, report, reason=_REASONS["equal"], seconds=seconds)
        best, join = joined(best)
        return best, SearchResult(True, report, to_nf + steps + join + back(best), seconds=seconds)

    def determinants(self, env: Env, f: S.Expr, wrt: str) -> list[S.Expr]:
        """The arguments of the determinants in `f` that `derive` differentiates with respect
        to `wrt` (the varying ones, products split as `derive` splits them): the matrices its
        answer writes inverted."""
        context = Context(env, frozenset(env) - {wrt}, (), self.compiled, self.properties)
        split, _, _ = determinants.split(context, f, wrt)
        return [t.args[0] for _, t in S.subterms(split)
                if isinstance(t, S.Call) and t.fn == "det" and wrt in S.free_names(t.args[0])]

    def differential(self, env: Env, e: S.Expr, hypotheses: tuple = ()) -> tuple[S.Expr, list[Step]]:
        """The one-way form of a differential `d(F)` (names declared `const` constant) and
        the steps to it: the `=>` rules are the differential's calculus."""
        constants = frozenset(n for n, info in env.items() if "const" in info.props)
        _, rw = self._stage(env, constants, hypotheses)
        return self._reduce(rw, e)

    def simplify(self, env: Env, e: S.Expr, *, constants: frozenset[str] = frozenset(),
                 hypotheses: tuple = (), budget: Budget = Budget()) -> tuple[S.Expr, SearchResult]:
        """The cheapest term the search finds equal to `e` (cost model: `egraph.COSTS`),
        with the chain from `e` to it."""
        self.warm()
        clock = time.perf_counter()
        explainer = Explainer(self.program, TermBank())
        try:
            with Search(self.program, env, constants, explainer.bank, hypotheses) as search:
                search.add("lhs", e)
                report = search.run(budget, on_round=explainer.add_round)
                best = search.extract("lhs")
        except TooLarge as err:
            return e, _too_large(err, clock)
        steps = explainer.chain(e, best)
        seconds = time.perf_counter() - clock
        if steps is None:
            return e, SearchResult(False, report, reason=_REASONS["equal"], seconds=seconds)
        return best, SearchResult(True, report, steps, seconds=seconds)


def _why(report: RunReport, budget: Budget) -> str:
    """Why the search stopped, as a user reads it: a time limit not yet reached says that
    the next round was predicted to pass it."""
    if report.stop == "time" and report.predicted:
        return (f"time limit ({budget.seconds:g} s): after {report.iterations} round(s) in {report.seconds:.2g} s, "
                f"the next was predicted to take {report.predicted:.2g} s more and was not started")
    return _REASONS[report.stop].format(b=budget)


def _not_found(report: RunReport, budget: Budget, rw: Rewriter, seconds: float) -> SearchResult:
    """A search that connected nothing, with why it stopped, and why one-way rewriting
    stopped if it did not finish."""
    stopped = f" (one-way rewriting stopped: {rw.stopped})" if rw.stopped else ""
    return SearchResult(False, report, reason=_why(report, budget) + stopped, seconds=seconds)


def _read_off(nf: S.Expr, dx: S.Expr, form: str, kernel: Context, x: S.Expr
              ) -> tuple[S.Expr, list[Step]] | None:
    """G if `nf` is `G : dx` (form "frob") or `G dx` (form "mul") with no differential in
    G, and the steps (if any) that make it so: a differential that is zero has gradient
    zero, and a 1×1 Jacobian factor `s` in front of a column `dx` is `s I`."""
    kind = S.Frob if form == "frob" else S.Mul
    if nf == dx or isinstance(nf, S.Neg) and nf.arg == dx:  # f is x itself (or -x): d(x) = 1 : d(x)
        n = kernel.shape(x).rows
        g = S.Num(1) if n.is_one else S.Identity(n.to_dim())
        g = S.Neg(g) if nf != dx else g
        return g, _linear(kind(g, dx))
    negated = isinstance(nf, S.Neg) and isinstance(nf.arg, kind)
    if negated:
        nf = nf.arg
    if isinstance(nf, kind) and nf.right == dx and not _has_differential(nf.left):
        g = S.Neg(nf.left) if negated else nf.left
        n = kernel.shape(x).rows
        if form == "mul" and kernel.shape(g).is_scalar and not n.is_one:
            g = S.Mul(g, S.Identity(n.to_dim()))
            return g, _linear(S.Mul(g, dx))
        return g, (_linear(kind(g, dx)) if negated else [])
    if not same_normal_form(kernel, nf, zero(kernel.shape(nf))):
        return None
    s = kernel.shape(x)
    g = zero(s) if form == "frob" else S.Zeros(kernel.shape(nf).rows.to_dim(), s.rows.to_dim())
    return g, _linear(kind(g, dx))


def _has_differential(e: S.Expr) -> bool:
    return any(isinstance(t, S.Call) and t.fn == "d" for _, t in S.subterms(e))


def program_for(rulebase) -> Program:
    """The egglog program of a rule base: equations become logged rewrites, property rules
    become derivations of the relations side conditions query."""
    rewrites, properties = [], []
    for rule, ruleset in zip(rulebase.rules, rulebase.rulesets):
        c = rulebase.compiled[rule.name]
        p = Pattern(rule.name, c.sides, c.env, c.conditions, rule.oneway, rule.prop)
        if rule.prop:
            properties.append(p)
        else:
            rewrites.append((p, ruleset))
    return Program(rewrites, properties)
