"""One statement's life, and a file's: the single orchestrator.

text → tree → shapes → numeric spot-check → search → certificate → kernel → outcome.
Only the kernel's `Theorem` turns into `proved`; the numbers alone can only say `false`
(with a counterexample) or fail to; anything else is `unknown` or `error`. No exception
escapes `check_file`: bad input becomes an `error` result carrying its location.
Imports: `syntax`, `sexpr`, `document`, `parse`, `shapes`, `sizes`, `numeric`, `rules`, `prover`, `kernel`,
`certificate`, `present`, `printing`, `result`, `budget`, `errors`.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Container, Iterable, Iterator

from . import certificate, kernel, numeric, present, prover, rules, sexpr
from . import document as doc
from . import syntax as S
from .budget import Budget
from .errors import RewriteError
from .parse import parse_file, parse_text
from .printing import show
from .result import Result
from .shapes import elaborate, elaborate_statement, env_from_decls
from .sizes import Env, VarInfo

# The search run on statements the numbers refute, to catch a wrong rule or kernel: one-way
# rewriting and the kernel's normal form, no e-graph rounds. Setting up an e-graph search
# (egglog's push and pop copy the loaded program) cost 35 ms of every refuted statement's
# 60; the e-graph's rules at false goals are the adversary's job (tests/test_adversary.py).
PROBE = Budget(seconds=0.1, iterations=0)
# The search that makes a derived formula smaller: a fixed number of rounds.
PRESENTATION = Budget(seconds=60.0, iterations=6, nodes=20_000, firings=5_000)
RECURSION_LIMIT = 20_000


@dataclass
class Settings:
    seed: int = 0
    draws: int = 6
    budget: Budget = field(default_factory=Budget)
    rules_dir: str | None = None


class Checker:
    """Checks statements against one rule base (loaded and validated once)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.rulebase = rules.load(self.settings.rules_dir)
        # Trees may be as deep as the parser allows; every stage walks them recursively.
        sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
        self.prover = prover.Prover(self.rulebase)

    def check_file(self, path: str | Path) -> list[Result]:
        path = str(path)
        try:
            pf = parse_file(path)
        except RewriteError as e:
            return [Result(path, "<file>", "claim", "error", message=str(e.located(path)), line=e.line)]
        except OSError as e:
            return [Result(path, "<file>", "claim", "error", message=f"{path}: cannot read: {e.strerror}")]
        return self.check_proof_file(pf)

    def check_text(self, text: str, path: str = "<string>") -> list[Result]:
        try:
            pf = parse_text(text, path)
        except RewriteError as e:
            return [Result(path, "<file>", "claim", "error", message=str(e.located(path)), line=e.line)]
        return self.check_proof_file(pf)

    def check_proof_file(self, pf: doc.ProofFile, only: Container[int] | None = None) -> list[Result]:
        """Every statement's result; with `only`, those of the statements at these indices
        (what a worker of `check_paths` is given)."""
        results = []
        try:
            env = env_from_decls(pf.decls, file=pf.path)
        except RewriteError as e:
            return [Result(pf.path, "<declarations>", "claim", "error", message=str(e.located(pf.path)), line=e.line)]
        seen: dict[str, doc.Statement] = {}
        for i, stmt in enumerate(pf.statements):
            if only is not None and i not in only:
                seen.setdefault(stmt.name, stmt)
                continue
            if stmt.name in seen:
                first = seen[stmt.name].at
                results.append(Result(pf.path, stmt.name, stmt.kind, "error", line=stmt.at.line if stmt.at else None,
                                      message=f"{pf.path}:{stmt.at}: the name '{stmt.name}' is already used"
                                              + (f" at line {first.line}" if first else "")))
                continue
            seen[stmt.name] = stmt
            results.append(self.check_statement(stmt, env, pf))
        return results

    def check_statement(self, stmt: doc.Statement, env: Env, pf: doc.ProofFile | None = None) -> Result:
        path = pf.path if pf else "<string>"
        start = time.perf_counter()
        line = stmt.at.line if stmt.at else None
        result = Result(path, stmt.name, stmt.kind, "error", line=line)
        try:
            self._check(stmt, env, pf, result)
        except RewriteError as e:
            result.outcome = "error"
            result.message = f"{e.located(path, stmt.at)} (in {stmt.kind} {stmt.name})"
        except RecursionError:
            result.outcome = "error"
            result.message = f"{path}:{stmt.at}: the statement is nested too deeply to check (in {stmt.kind} {stmt.name})"
        result.seconds = time.perf_counter() - start
        return result

    def _check(self, stmt: doc.Statement, env: Env, pf: doc.ProofFile | None, result: Result) -> None:
        lhs, rhs, _ = elaborate_statement(stmt, env)
        hypotheses = kernel.assumptions(lhs, rhs, env)
        result.assumptions = _shown(hypotheses, env)
        # the numbers have half the search's time limit: a statement ends within 1.5 × it
        verdict = self._numbers(lhs, rhs, env, hypotheses, self.settings.budget.seconds / 2)
        if verdict.agrees is False:
            assert verdict.counterexample is not None
            self._probe(stmt, env, pf, lhs, rhs, result)
            result.counterexample = _counterexample(verdict.counterexample)
            result.message = "\n".join(filter(None, [result.message, verdict.counterexample.describe(),
                                                      self._symgrad_hint(lhs, rhs, env, hypotheses)]))
            return
        gradient, chains, lemmas = self._search(lhs, rhs, env, result, self.settings.budget)
        if chains is None:
            if not verdict.agrees:
                result.message = f"{result.message}; numeric check inconclusive: {verdict.reason}"
            return
        self._certify(stmt, env, pf.decls if pf else _declarations(env), lhs, rhs, chains, result, gradient, lemmas)
        if result.outcome == "proved" and not verdict.agrees:
            result.outcome = "unknown"
            result.message = f"proved by the kernel, but the numeric check could not run: {verdict.reason}"

    def _numbers(self, lhs: S.Expr, rhs: S.Expr, env: Env, hypotheses: tuple,
                 seconds: float | None = None) -> numeric.Verdict:
        """The numeric check of `lhs = rhs` at points where the hypotheses hold."""
        return numeric.compare(lhs, rhs, env, seed=self.settings.seed, draws=self.settings.draws,
                               hypotheses=hypotheses, seconds=seconds or self.settings.budget.seconds)

    def _symgrad_hint(self, lhs: S.Expr, rhs: S.Expr, env: Env, hypotheses: tuple) -> str:
        """A gradient claimed for a symmetric `S` that is the gradient on symmetric matrices:
        say that `d/dS` keeps the entries independent, and that `symgrad` is the other one."""
        for a, b in ((lhs, rhs), (rhs, lhs)):
            if isinstance(a, S.Call) and a.fn == "grad" and "symmetric" in env[a.args[1].name].props:
                sym = S.Call("symgrad", a.args)
                if self._numbers(sym, b, env, hypotheses, self.settings.budget.seconds / 4).agrees:
                    return (f"hint: d/d{a.args[1].name} treats the entries of {a.args[1].name} as independent; "
                            f"this right side is the gradient on symmetric matrices, "
                            f"{show(sym)} = (∇f + ∇fᵀ) / 2: claim that instead")
        return ""

    def _probe(self, stmt: doc.Statement, env: Env, pf: doc.ProofFile | None, lhs: S.Expr, rhs: S.Expr,
               result: Result) -> None:
        """A statement the numbers contradict is `false` — unless a short search proves it
        and the kernel agrees, which means a rule or the kernel is wrong: `unsound`."""
        probe = Result(result.file, result.name, result.kind, "unknown")
        gradient, chains, lemmas = self._search(lhs, rhs, env, probe, PROBE)
        if chains is not None:
            self._certify(stmt, env, pf.decls if pf else _declarations(env), lhs, rhs, chains, probe, gradient, lemmas)
        if probe.outcome == "proved":
            result.outcome = "unsound"
            result.steps, result.certificate = probe.steps, probe.certificate
            result.message = ("UNSOUND: the kernel accepted a proof of a statement the numbers refute "
                              f"(rules used: {', '.join(sorted(probe.certificate['rules']))})")
        else:
            result.outcome = "false"

    def _search(self, lhs: S.Expr, rhs: S.Expr, env: Env, result: Result, budget: Budget):
        """The chains that prove `lhs = rhs` (the gradient a Hessian or a symmetric gradient
        goes through, and the lemmas of derivatives nested in it), or None with `result`
        saying why not."""
        result.outcome = "unknown"
        gradient = None
        hypotheses = kernel.assumptions(lhs, rhs, env)
        lemmas: list[kernel.Lemma] = []
        if kernel.goals_of(lhs, rhs, env, S.Num(0)) is None:  # a derivative nested in a side: derive it first
            lemmas = self._lemmas(lhs, rhs, env, result)
            if lemmas is None:
                return None, None, ()
            for lemma in lemmas:
                lhs, rhs = (kernel.replace_derivative(t, lemma.lhs, lemma.rhs) for t in (lhs, rhs))
            hypotheses = tuple(sorted(set(hypotheses + kernel.assumptions(lhs, rhs, env)),
                                      key=lambda h: (h[0], show(h[1]))))
        hess = next((h for h in map(kernel.as_hessian, (lhs, rhs))
                     if isinstance(h, S.Call) and h.fn in ("hess", "symgrad")), None)
        if hess is not None:
            f, x = hess.args
            if kernel.goals_of(lhs, rhs, env, x) is None:  # x stands in for the gradient
                result.message = "no proof method for this derivative"
                return None, None, ()
            gradient, outcome = self.prover.derive(env, f, x, "frob", budget, hypotheses)
            if gradient is None:
                result.message = f"no gradient found for the Hessian: {outcome.reason}"
                return None, None, ()
            chains = [outcome.steps]
        else:
            chains = []
        goals = kernel.goals_of(lhs, rhs, env, gradient)
        if goals is None:
            result.message = "no proof method for derivatives nested inside expressions"
            return None, None, ()
        for goal in goals[len(chains):]:
            outcome = self.prover.prove(env, goal, hypotheses, budget)
            if not outcome.proved:
                result.message = f"not proved: {outcome.reason}"
                return None, None, ()
            chains.append(outcome.steps)
        return gradient, chains, tuple(lemmas)

    def _lemmas(self, lhs: S.Expr, rhs: S.Expr, env: Env, result: Result) -> list | None:
        """Each derivative inside a side (not at its top, not inside another derivative)
        derived and certified on its own: `D = G`, to be put in its place."""
        nested: list[S.Call] = []
        for side in (lhs, rhs):
            stack = [side] if kernel.as_hessian(side) is side and not (
                isinstance(side, S.Call) and side.fn in S.DERIVATIVES) else []
            while stack:
                t = stack.pop()
                if isinstance(t, S.Call) and t.fn in S.DERIVATIVES:
                    nested += [t] if t not in nested else []
                elif not (isinstance(t, S.Call) and t.fn == "d"):
                    stack.extend(t.children())
        lemmas = []
        for d in nested:
            found, r = self.derive(d.args[0], d.args[1], env, d.fn)
            if found is None or r.certificate is None or not r.certificate["statement"].startswith(
                    "(= " + sexpr.show(d) + " "):
                result.message = f"the nested derivative {show(d)} was not derived: {r.message}"
                return None
            lemmas.append(kernel.read_lemma({k: r.certificate[k] for k in ("statement", "chains", "gradient")
                                             if k in r.certificate}))
        return lemmas

    def _certify(self, stmt: doc.Statement, env: Env, decls: tuple[doc.Decl, ...], lhs: S.Expr, rhs: S.Expr,
                 chains: list, result: Result, gradient: S.Expr | None = None, lemmas: tuple = ()) -> None:
        """Let the kernel replay the chains proving the elaborated `lhs = rhs` (after its
        lemmas) and write the certificate: only then is it `proved`."""
        every = list(chains) + [c for lemma in lemmas for c in lemma.chains]
        cited = {s.rule for chain in every for s in chain if s.rule != kernel.LINEAR}
        replay = [[(s.rule, s.forward, s.at, s.term) for s in chain] for chain in chains]
        compiled = self.rulebase.compiled
        try:
            unknown = cited - compiled.keys()
            if unknown:
                raise kernel.CheckError(f"unknown rule(s) {', '.join(sorted(unknown))}")
            theorem = kernel.check_chains(lhs, rhs, env, replay, {n: compiled[n] for n in cited},
                                          self.rulebase.properties, gradient, lemmas)
        except kernel.CheckError as e:
            result.outcome = "unknown"
            result.message = f"the kernel rejected the certificate: {e.message}"
            return
        result.outcome = "proved"
        result.steps = theorem.steps
        result.assumptions = _shown(theorem.hypotheses, env)
        result.certificate = certificate.build(stmt, decls, theorem, chains, self.rulebase, gradient, lemmas)

    def derive(self, f: S.Expr, x: S.Expr, env: Env, kind: str = "grad") -> tuple[S.Expr | None, Result]:
        """The gradient (`kind` "grad"), Jacobian ("jac") or Hessian ("hess") of `f` with
        respect to `x`, in a simple form, certified: the result carries the kernel-checked
        certificate of `kind(f, x) = G`. A matrix-valued `f` has a Jacobian for its "grad",
        `jac(vec(f), vec(x))`; "differential" is `d(f)` in terms of `d(x)`."""
        start = time.perf_counter()
        if kind == "differential":
            return self._differential(f, x, env, start)
        result = Result("<expression>", kind, "claim", "error")
        found: S.Expr | None = None
        with _answering(result, start):
            f, shape = elaborate(f, env)
            written = S.Call(kind, (f, x))  # jac(vec(d/dX f), vec(X)) is derived as hess(f, X), stated as written
            if kernel.as_hessian(written) is not written:
                kind, (f, x) = "hess", kernel.as_hessian(written).args
            if kind == "grad" and not shape.is_scalar and isinstance(x, S.Var) and x.name in env:
                # a matrix-valued F has no gradient: its Jacobian jac(vec(F), vec(X)) is answered
                kind = result.name = "jac"
                column = env[x.name].shape.cols.is_one
                f = f if shape.cols.is_one and column else S.Call("vec", (f,))
                x = x if column else S.Call("vec", (x,))
            goals = kernel.goals_of(S.Call(kind, (f, x)), x, env, x)
            if goals is None:
                raise RewriteError(f"cannot differentiate {show(f)}")
            # the derivative of det(M) is written with M⁻¹: the search may assume what the
            # answer will state (and the answer's statement then assumes it)
            dets = {m for name in S.free_names(x) for m in self.prover.determinants(env, f, name)}
            for m in dets:
                if isinstance(m, S.Var) and "invertible" not in env[m.name].props:
                    raise _NotFound(f"the derivative of det({m.name}) is written with {m.name}⁻¹: "
                                    f"declare {m.name} invertible")
                singular = None if isinstance(m, S.Var) else numeric.singular_at(m, env, seed=self.settings.seed)
                if singular is not None:
                    at = ", ".join(f"{k} = {v}" for k, v in singular.items())
                    raise _NotFound(f"the derivative of det({show(m)}) would be written with ({show(m)})⁻¹, "
                                    f"but {show(m)} is singular at {at}")
            hypotheses = kernel.assumptions(f, f, env) + tuple(("invertible", m) for m in sorted(dets, key=show))
            budget = self.settings.budget
            gradient, chains = None, []
            target, form, wrt = f, ("mul" if kind == "jac" else "frob"), x
            if kind == "hess":
                gradient, outcome = self.prover.derive(env, f, x, "frob", budget, hypotheses)
                if gradient is None:
                    raise _NotFound(outcome.reason)
                chains.append(outcome.steps)
                target, form = gradient, "mul"
                if not env[x.name].shape.cols.is_one:  # a matrix X: jac(vec(∇f), vec(X))
                    target, wrt = S.Call("vec", (gradient,)), S.Call("vec", (x,))
            if kind == "symgrad":
                found = self._symgrad(env, f, x, goals[1].constants, hypotheses, result)
                return found, result
            found, outcome = self.prover.derive(env, target, wrt, form, budget, hypotheses)
            if found is None:
                raise _NotFound(outcome.reason)
            lhs = written if written.fn == "jac" and kind == "hess" else S.Call(kind, (f, x))
            # the simplest form first; it may have lost a term the chain assumes invertible
            # (det(M)'s derivative is written with M⁻¹), so the form as found is the fallback
            for g, steps in (self._present(env, found, outcome.steps, form, wrt, goals[0].constants, hypotheses),
                             (found, list(outcome.steps))):
                stmt = doc.Statement("claim", kind, lhs, present.unsized(g, lhs, env))
                self._certify(stmt, env, _declarations(env), lhs, g, chains + [steps], result, gradient)
                if result.outcome == "proved":
                    break
            self._confirm(result, lhs, g, env)
            found = stmt.rhs
        return (found if result.outcome == "proved" else None), result

    def _symgrad(self, env: Env, f: S.Expr, x: S.Expr, constants: frozenset[str], hypotheses: tuple,
                 result: Result) -> S.Expr | None:
        """`symgrad(f, S) = G`: the gradient `g` derived, then `(g + gᵀ) / 2` made simpler by
        the search; certified through both chains."""
        gradient, outcome = self.prover.derive(env, f, x, "frob", self.settings.budget, hypotheses)
        if gradient is None:
            raise _NotFound(outcome.reason)
        half = S.Div(S.Add(gradient, S.Transpose(gradient)), S.Num(2))
        simpler, second = self.prover.simplify(env, half, constants=constants, hypotheses=hypotheses,
                                               budget=PRESENTATION)
        steps = list(second.steps) if second.proved else []
        simpler = simpler if second.proved else half
        tidy = present.tidy(simpler, env)
        if tidy != simpler:
            steps.append(kernel.Step(kernel.LINEAR, True, (), tidy))
        lhs = S.Call("symgrad", (f, x))
        self._certify(doc.Statement("claim", "symgrad", lhs, tidy), env, _declarations(env), lhs, tidy,
                      [outcome.steps, steps], result, gradient)
        self._confirm(result, lhs, tidy, env)
        return tidy if result.outcome == "proved" else None

    def _differential(self, f: S.Expr, x: S.Expr, env: Env, start: float) -> tuple[S.Expr | None, Result]:
        """`d(F) = R` with R in terms of `d(X)`: every other name declared `const` (so the
        certificate says so), `d(F)` taken to its one-way form by the `=>` rules."""
        result = Result("<expression>", "differential", "claim", "error")
        found: S.Expr | None = None
        with _answering(result, start):
            if not isinstance(x, S.Var) or x.name not in env:
                raise RewriteError("the differential is taken with respect to a declared name")
            fixed = Env({n: i if n == x.name else VarInfo(n, i.shape, i.props | {"const"}, i.kind)
                         for n, i in env.items()})
            lhs = S.Call("d", (elaborate(f, fixed)[0],))
            # d(det(M)) is written with M⁻¹: assumed, as the answer's statement then says
            dets = {t.args[0] for _, t in S.subterms(lhs) if isinstance(t, S.Call) and t.fn == "det"
                    and x.name in S.free_names(t)}
            hypotheses = kernel.assumptions(lhs, lhs, fixed) + tuple(("invertible", m) for m in sorted(dets, key=show))
            g, steps = self.prover.differential(fixed, lhs, hypotheses)
            tidy = present.tidy(g, fixed)
            if tidy != g:
                steps.append(kernel.Step(kernel.LINEAR, True, (), tidy))
                g = tidy
            left = [show(t) for _, t in S.subterms(g) if isinstance(t, S.Call) and t.fn == "d" and t.args[0] != x]
            if left:
                raise _NotFound(f"not derived: {left[0]} remains in {show(g)}")
            stmt = doc.Statement("claim", "differential", lhs, g)
            self._certify(stmt, fixed, _declarations(fixed), lhs, g, [steps], result)
            self._confirm(result, lhs, g, fixed)
            found = g
        return (found if result.outcome == "proved" else None), result

    def _confirm(self, result: Result, lhs: S.Expr, rhs: S.Expr, env: Env) -> None:
        """A kernel-checked proof stays `proved` only if the numbers agree: `unsound` if they
        contradict it, `unknown` if they could not run."""
        if result.outcome != "proved":
            return
        verdict = self._numbers(lhs, rhs, env, kernel.assumptions(lhs, rhs, env))
        if verdict.agrees is False:
            result.outcome, result.message = "unsound", "the numbers contradict a kernel-checked proof"
        elif verdict.agrees is None:
            result.outcome = "unknown"
            result.message = f"proved by the kernel, but the numeric check could not run: {verdict.reason}"

    def _present(self, env: Env, g: S.Expr, steps: list, form: str, x: S.Expr, constants: frozenset[str],
                 hypotheses: tuple):
        """`g` made smaller by the e-graph if it can, with its products written left to
        right; the steps extended to reach `simpler : d(x)` (or `simpler d(x)`)."""
        wrap = (lambda t: S.Frob(t, S.Call("d", (x,)))) if form == "frob" else (lambda t: S.Mul(t, S.Call("d", (x,))))
        steps = list(steps)
        tidy = present.tidy(g, env)  # like terms gathered first give the search less to do
        if tidy != g:
            steps.append(kernel.Step(kernel.LINEAR, True, (0,), wrap(tidy)))
            g = tidy
        g = self._squared_norms(g, steps, wrap, env)
        # counted in rounds, not seconds, so the form shown does not depend on the machine
        simpler, outcome = self.prover.simplify(env, g, constants=constants, hypotheses=hypotheses,
                                                budget=PRESENTATION)
        if not outcome.proved or simpler == g:
            return g, steps
        tidier = present.tidy(simpler, env)
        if S.size(tidier) >= S.size(g):  # the search found nothing a person would call simpler
            return g, steps
        steps += [kernel.Step(s.rule, s.forward, (0,) + s.at, wrap(s.term)) for s in outcome.steps]
        if tidier != simpler:
            steps.append(kernel.Step(kernel.LINEAR, True, (0,), wrap(tidier)))
        return self._squared_norms(tidier, steps, wrap, env), steps

    @staticmethod
    def _squared_norms(g: S.Expr, steps: list, wrap, env: Env) -> S.Expr:
        """`(x - z)ᵀ (x - z)` written ‖x - z‖² (`present.squared_norm`): a `linear` step to
        `(x - z) : (x - z)`, then `norm2-def` backwards; the steps appended to `steps`."""
        for _ in range(20):
            found = present.squared_norm(g, env)
            if found is None:
                break
            at, a, negated = found
            g = S.replace_at(g, at, S.Neg(S.Frob(a, a)) if negated else S.Frob(a, a))
            steps.append(kernel.Step(kernel.LINEAR, True, (0,) + at, wrap(g)))
            at += (0,) if negated else ()
            g = S.replace_at(g, at, S.Call("norm2", (a,)))
            steps.append(kernel.Step("norm2-def", False, (0,) + at, wrap(g)))
        return g

    def simplify(self, e: S.Expr, env: Env) -> tuple[S.Expr, Result]:
        """A cheaper equal expression, certified: the result carries the kernel-checked
        certificate of `e = simpler` (or says why there is none)."""
        start = time.perf_counter()
        result = Result("<expression>", "simplify", "claim", "error")
        simpler = e
        try:
            e, _ = elaborate(e, env)
            (goal,) = kernel.goals_of(e, e, env) or [None]
            if goal is None:
                raise RewriteError("simplify works on expressions without grad, jac or hess")
            simpler, outcome = self.prover.simplify(env, e, constants=goal.constants,
                                                    hypotheses=kernel.assumptions(e, e, env),
                                                    budget=self.settings.budget)
            stmt = doc.Statement("claim", "simplify", e, simpler)
            if not outcome.proved:
                result.outcome, result.message = "unknown", outcome.reason
            else:
                self._certify(stmt, env, _declarations(env), e, simpler, [outcome.steps], result)
                self._confirm(result, e, simpler, env)
        except RewriteError as err:
            result.message = str(err)
        result.seconds = time.perf_counter() - start
        return simpler, result


class _NotFound(Exception):
    """No derivative found within the budget (reported as `unknown`)."""


@contextmanager
def _answering(result: Result, start: float) -> Iterator[None]:
    """How a derivation that stops early is answered: `unknown` with the reason when
    nothing was found, the message of a usage error; and the time it took, either way."""
    try:
        yield
    except _NotFound as nf:
        result.outcome, result.message = "unknown", str(nf)
    except RewriteError as err:
        result.message = str(err)
    finally:
        result.seconds = time.perf_counter() - start


def _shown(hypotheses: tuple, env: Env) -> list[str]:
    """The hypotheses as a person reads them: `A B + s I invertible` (sizes left out where
    the term gives them back)."""
    return [f"{show(present.unsized(t, t, env))} {word}" for word, t in hypotheses]


def _counterexample(c: numeric.Counterexample) -> dict[str, Any]:
    return {
        "sizes": c.sizes, "seed": c.seed, "max_rel_diff": c.rel_diff,
        "lhs": c.lhs.real.tolist(), "rhs": c.rhs.real.tolist(),
        "values": {k: v.real.tolist() for k, v in c.values.items()},
    }


def _declarations(env: Env) -> tuple[doc.Decl, ...]:
    """Declarations that recreate `env` (for statements that did not come from a file)."""
    out = []
    for name, info in env.items():
        t = doc.Type(info.kind, info.shape.rows.to_dim(), info.shape.cols.to_dim())
        out.append(doc.Decl((name,), t, tuple(sorted(info.props))))
    return tuple(out)


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders searched (recursively) for `*.proof`, in sorted order."""
    out: list[Path] = []
    for p in map(Path, paths):
        out.extend(sorted(p.rglob("*.proof")) if p.is_dir() else [p])
    return out


def check_paths(paths: Iterable[str | Path], settings: Settings | None = None, jobs: int = 1
                ) -> Iterator[tuple[str, list[Result]]]:
    """Each file's results, in the order given, as `Checker.check_file` gives them. With
    `jobs` > 1 the statements are checked in that many worker processes, each loading the
    rule base once; the results come back in the serial order, whatever finishes first."""
    settings = settings or Settings()
    paths = [str(p) for p in paths]
    if jobs <= 1 or not paths:
        checker = Checker(settings)
        for path in paths:
            yield path, checker.check_file(path)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # workers never fork a process that may have run egglog (its threads do not survive a
    # fork): a fresh server forks them where there is one, else each starts afresh
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        context.set_forkserver_preload(["rewrite.check"])
    tasks: list[tuple[str, int | None]] = []
    for path in paths:
        tasks.extend((path, i) for i in _parts(path))
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=context, initializer=_start_worker,
                             initargs=(settings,)) as pool:
        done: dict[str, list[Result]] = {}
        left = {path: 0 for path in paths}
        for path, _ in tasks:
            left[path] += 1
        try:
            for (path, _), results in zip(tasks, pool.map(_work, tasks)):
                done.setdefault(path, []).extend(results)
                left[path] -= 1
                if not left[path]:
                    yield path, done.pop(path)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _parts(path: str) -> list[int | None]:
    """The tasks of a file: one per statement, or the whole file (None) where it does not
    read or its declarations do not shape-check (its one error result is the worker's)."""
    try:
        pf = parse_file(path)
        env_from_decls(pf.decls, file=pf.path)
    except (RewriteError, OSError, UnicodeDecodeError):
        return [None]
    return list(range(len(pf.statements))) or [None]


_WORKER: Checker | None = None


def _start_worker(settings: Settings) -> None:
    global _WORKER
    _WORKER = Checker(settings)


def _work(task: tuple[str, int | None]) -> list[Result]:
    path, index = task
    assert _WORKER is not None
    if index is not None:
        try:
            return _WORKER.check_proof_file(_parsed(path), only=(index,))
        except (RewriteError, OSError, UnicodeDecodeError):  # changed since it was read: say so once
            if index:
                return []
    return _WORKER.check_file(path)


@lru_cache(maxsize=8)
def _parsed(path: str) -> doc.ProofFile:
    return parse_file(path)


def check_file(path: str | Path, *, seed: int = 0, budget: Budget | None = None) -> list[Result]:
    """Check every statement of a proof file (the library entry point)."""
    return Checker(Settings(seed=seed, budget=budget or Budget())).check_file(path)

