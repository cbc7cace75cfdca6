
"""The soundness campaign of issue 7: try hard to make `rewrite` say something wrong.

Five parts, each printing one table:

- identities: true identities made by construction (a random well-shaped term and the same
  term after kernel-checked rule steps; a random scalar and the gradient `Checker.derive`
  finds for it), and false ones made from them by one typical mistake. Counted: proved,
  unknown, false, error, unsound per class.
- forgeries: real certificates (every claim of proofs/) with one thing changed in their
  s-expression form (a step's rule, direction, position or term, the statement with the
  chain's end, a declaration's properties, the listed assumptions, a cited rule's text);
  the kernel may accept a mutant only if it is still a proof, which the numbers check
  term by term where the statement's hypotheses hold.
- fuzz: mutated proof files, token soup, random text and bytes, huge inputs, through
  `Checker.check_text` and (a sample) the `rewrite check` command: only clean results, in
  bounded time and memory.
- stress: statements that blow the e-graph up end inside their budget (`Budget.seconds`).
- numeric: edge cases of the numeric check (1×1 and n×1 sizes, square-only truths,
  ill-conditioned and overflowing values, constrained draws): never `false` for a true
  identity, never blind to a false one.

Statements mean `H ⊢ lhs = rhs` (docs/SEMANTICS.md): every numeric check here draws only
points where the statement's hypotheses `H` hold (`kernel.assumptions`).
A statement is UNSOUND when the tool says `proved` and the numbers refute it: the checker's
own `unsound`, a `proved` that fresh draws refute, a certificate of a refuted statement
that the search finds and the kernel accepts, or a forged certificate the kernel accepts
whose statement the numbers refute. Any such case is printed with a reproducer.

    PYTHONPATH=. python bench/soundness.py --jobs 2                 # the campaign (10k/1k/100k)
    PYTHONPATH=. python bench/soundness.py --identities 100 --forgeries 300    # only the parts named

It is a campaign, not a test (tests/test_soundness.py runs samples of each part): it
prints tables and exits 0, or 1 when something unsound or a traceback was seen.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import multiprocessing
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from functools import reduce
from pathlib import Path
from typing import Callable, Iterable, Iterator

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from rewrite import document as doc
from rewrite import kernel, numeric, sexpr
from rewrite import syntax as S
from rewrite.budget import Budget
from rewrite.check import Checker, Settings
from rewrite.compiled import write_rule
from rewrite.errors import RewriteError
from rewrite.parse import parse_decl, parse_text
from rewrite.printing import show
from rewrite.result import OUTCOMES
from rewrite.shapes import elaborate, elaborate_statement, env_from_decls, infer
from rewrite.sizes import ONE, Env, Shape, shape_of
from rewrite.strategies import well_shaped

ROOT = Path(__file__).resolve().parents[1]
PROOFS = sorted((ROOT / "proofs").glob("*.proof"))
# A case that runs this long has escaped every budget: it is stopped and counted as a hang.
HANG_SECONDS = 60.0
# Fresh draws for the second opinion on a `proved`: other seeds than the checker's 0–5.
FRESH_SEED, FRESH_DRAWS = 1000, 12


# ---------------------------------------------------------------------------
# Running cases: each in its own worker, timed, its memory measured, never allowed to hang


def peak_mb() -> float:
    """The process's peak resident memory (egglog's Rust heap included)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    """Restart the peak at the current size (Linux ≥ 4), so the next peak is one case's."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


class Hang(Exception):
    """A case ran past HANG_SECONDS."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def stop(*_: object) -> None:
        raise Hang(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Run:
    """One case's outcome (or the traceback it raised), wall time and peak memory."""

    value: object = None
    crash: str | None = None
    seconds: float = 0.0
    mb: float = 0.0


def measure(fn: Callable[[], object], limit: float = HANG_SECONDS) -> Run:
    reset_peak()
    start = time.perf_counter()
    run = Run()
    try:
        with time_limit(limit):
            run.value = fn()
    except Hang as e:
        run.crash = f"hang: {e}"
    except Exception:  # the point of the campaign: any exception that escapes is a finding
        run.crash = traceback.format_exc(limit=-6)
    run.seconds = time.perf_counter() - start
    run.mb = peak_mb()
    return run


_checkers: dict[tuple[int, Budget], Checker] = {}


def checker(budget: Budget = Budget(), draws: int = 6) -> Checker:
    """One checker per settings in each process: the rule base and egglog load once."""
    if (draws, budget) not in _checkers:
        _checkers[draws, budget] = Checker(Settings(draws=draws, budget=budget))
    return _checkers[draws, budget]


@dataclass
class Tally:
    """What a part saw: counts per (row, column), the worst time and memory per row, and
    the findings (each with a reproducer)."""

    counts: Counter = field(default_factory=Counter)
    worst_seconds: dict[str, tuple[float, str]] = field(default_factory=dict)
    worst_mb: dict[str, tuple[float, str]] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    seen: dict[str, set[bytes]] = field(default_factory=dict)  # digests of the distinct inputs per row

    def add(self, row: str, column: str, run: Run | None = None, what: str = "") -> None:
        self.counts[row, column] += 1
        self.seen.setdefault(row, set()).add(hashlib.blake2b(what.encode("utf-8", "replace"), digest_size=8).digest())
        if run is not None:
            if run.seconds > self.worst_seconds.get(row, (-1.0, ""))[0]:
                self.worst_seconds[row] = (run.seconds, what)
            if run.mb > self.worst_mb.get(row, (-1.0, ""))[0]:
                self.worst_mb[row] = (run.mb, what)

    def finding(self, kind: str, text: str) -> None:
        self.findings.append(f"{kind}: {text}")

    def merge(self, other: "Tally") -> "Tally":
        self.counts.update(other.counts)
        for mine, theirs in ((self.worst_seconds, other.worst_seconds), (self.worst_mb, other.worst_mb)):
            for row, (value, what) in theirs.items():
                if value > mine.get(row, (-1.0, ""))[0]:
                    mine[row] = (value, what)
        self.findings += other.findings
        for row, hashes in other.seen.items():
            self.seen.setdefault(row, set()).update(hashes)
        return self

    def rows(self) -> list[str]:
        return list(dict.fromkeys(row for row, _ in self.counts))

    def total(self, column: str) -> int:
        return sum(n for (_, c), n in self.counts.items() if c == column)


def in_parallel(work: Callable[[object], object], tasks: list, jobs: int) -> Iterator:
    """The results of `work` on each task, in any order, from `jobs` processes, with
    progress on stderr. The processes are spawned, not forked: importing egglog starts a
    thread pool, and a forked child can wait forever on the pool it did not inherit."""
    pool = multiprocessing.get_context("spawn").Pool(jobs) if jobs > 1 else None
    try:
        results = pool.imap_unordered(work, tasks) if pool else map(work, tasks)
        for k, result in enumerate(results, 1):
            print(f"\r  {k}/{len(tasks)}", end="", file=sys.stderr, flush=True)
            yield result
    finally:
        print(file=sys.stderr)
        if pool:
            pool.close()
            pool.join()


def merged(tallies: Iterable[Tally]) -> Tally:
    out = Tally()
    for t in tallies:
        out.merge(t)
    return out


def table(title: str, tally: Tally, columns: list[str], extra: Callable[[str], list[str]] | None = None,
          headers: list[str] | None = None) -> str:
    """A Markdown table: one row per row of the tally, counts per column, worst time and memory."""
    head = ["", "cases", "distinct"] + columns + (headers or []) + ["worst s", "worst MB"]
    lines = [f"\n### {title}\n", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in tally.rows():
        n = sum(v for (r, _), v in tally.counts.items() if r == row)
        cells = [row, str(n), str(len(tally.seen.get(row, ())))]
        cells += [str(tally.counts[row, c]) for c in columns] + (extra(row) if extra else [])
        cells += [f"{tally.worst_seconds.get(row, (0.0, ''))[0]:.2f}", f"{tally.worst_mb.get(row, (0.0, ''))[0]:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def batches(n: int, size: int, base_seed: int) -> list[tuple[int, int]]:
    """(seed, count) pairs covering n cases, `size` at a time, each with its own seed."""
    return [(base_seed * 1_000_003 + k, min(size, n - k * size)) for k in range((n + size - 1) // size)]


# ---------------------------------------------------------------------------
# Part 1: identities true by construction, and their mutations

ENVS: dict[str, tuple[str, ...]] = {
    "square": ("let A, B, C : Mat(n, n)", "let X, Y : Mat(n, n) invertible", "let S : Mat(n, n) symmetric",
               "let P : Mat(m, n)", "let x, y : Vec(n)", "let s, t : Scalar"),
    "mixed": ("let A : Mat(m, n)", "let B : Mat(n, k)", "let C : Mat(k, m)", "let Q : Mat(n, n) orthogonal",
              "let D : Mat(n, n) diagonal", "let S : Mat(m, m) spd", "let u : Vec(m)", "let x : Vec(n)",
              "let s : Scalar"),
}
MAX_TERM = 60  # nodes: bigger generated terms only slow the campaign down


class Universe:
    """One set of declarations and what generating statements under it needs: the
    strategies of well-shaped terms, the rule sides to apply, the trusted rules to judge
    each step with (`context`)."""

    def __init__(self, name: str) -> None:
        self.name, self.lines = name, ENVS[name]
        self.decls = tuple(parse_decl(line) for line in self.lines)
        self.env = env_from_decls(self.decls)
        self.rulebase = checker().rulebase
        self.sides = rule_sides(self.rulebase)
        self.terms = well_shaped(self.env, max_depth=3)
        self.scalars = well_shaped(self.env, Shape(ONE, ONE), max_depth=3)

    def context(self, start: S.Expr) -> kernel.Context:
        """The kernel's judge of steps from `start`: the names declared `const` constant,
        and only the hypotheses of `start` itself (what it inverts, divides by, …). Those
        are among the hypotheses of `start = end` whatever the steps reach, so a chain it
        accepts is a proof of `start = end` by the kernel's own reading of that statement."""
        constants = frozenset(n for n, info in self.env.items() if "const" in info.props)
        return kernel.Context(self.env, constants, kernel.assumptions(start, start, self.env),
                              self.rulebase.compiled, self.rulebase.properties)

    def text(self, lhs: S.Expr, rhs: S.Expr, kind: str = "claim") -> str:
        """The statement as a proof file: the reproducer of a finding."""
        return "\n".join(self.lines) + f"\n{kind} c: {show(lhs)} = {show(rhs)}\n"


_universes: dict[str, Universe] = {}


def universe(name: str) -> Universe:
    if name not in _universes:
        _universes[name] = Universe(name)
    return _universes[name]


def rule_sides(rulebase) -> list[tuple[str, bool, S.Expr, S.Expr]]:
    """(rule, forward?, pattern, template) for every equation both ways, except the ways
    that bring in `log` or `sqrt` (the numbers cannot check terms outside their domain)."""
    def calls(e: S.Expr) -> set[str]:
        return {u.fn for _, u in S.subterms(e) if isinstance(u, S.Call) and u.fn in ("log", "sqrt")}

    out = []
    for rule in rulebase.rules:
        if rule.rhs is not None:
            for forward in (True, False):
                pattern, template = (rule.lhs, rule.rhs) if forward else (rule.rhs, rule.lhs)
                if not calls(template) - calls(pattern):
                    out.append((rule.name, forward, pattern, template))
    return out


def _match(p: S.Expr, t: S.Expr, sub: dict[str, S.Expr]) -> bool:
    """Syntactic matching of a rule side; sizes and side conditions are the kernel's to judge."""
    if isinstance(p, S.Var):
        return sub.setdefault(p.name, t) == t
    if type(p) is not type(t):
        return False
    if isinstance(p, (S.Identity, S.Ones, S.Zeros)):
        return True
    return p.payload() == t.payload() and all(_match(a, b, sub) for a, b in zip(p.children(), t.children()))


def _substitute(e: S.Expr, sub: dict[str, S.Expr]) -> S.Expr:
    if isinstance(e, S.Var):
        return sub[e.name]
    kids = e.children()
    return e.with_children(tuple(_substitute(k, sub) for k in kids)) if kids else e


def _unsized(e: S.Expr) -> bool:
    """Whether a size of some `I`, `ones` or `zeros` is still unknown after elaboration."""
    for _, u in S.subterms(e):
        if isinstance(u, (S.Identity, S.Ones, S.Zeros)):
            dims = (u.size,) if isinstance(u, S.Identity) else (u.rows, u.cols)
            if any(isinstance(f, str) and f.startswith("?") for d in dims if d for f in d.factors):
                return True
    return False


def rewrites(u: Universe, e: S.Expr) -> dict[tuple[str, bool], list[tuple[S.Path, dict[str, S.Expr], S.Expr]]]:
    """Where each rule side matches `e` syntactically: the position, the match, and the
    other side (whose variables the match may not bind: those are the forger's choice)."""
    found: dict[tuple[str, bool], list[tuple[S.Path, dict[str, S.Expr], S.Expr]]] = {}
    for name, forward, pattern, template in u.sides:
        for path, t in S.subterms(e):
            sub: dict[str, S.Expr] = {}
            if _match(pattern, t, sub):
                found.setdefault((name, forward), []).append((path, sub, template))
    return found


def fillers(u: Universe, e: S.Expr) -> list[S.Expr]:
    """What a rule's unbound variable may be given: a declared name, a subterm of `e`, or a
    zero the size of one (the kernel decides which of them fit)."""
    out = {S.Var(name): None for name in u.env}
    for _, t in S.subterms(e):
        out[t] = None
        shape = _shape_or_none(t, u.env)
        if shape is not None:
            out[S.Zeros(shape.rows.to_dim(), shape.cols.to_dim())] = None
    return list(out)


@st.composite
def rule_steps(draw, u: Universe) -> tuple[S.Expr, S.Expr, str]:
    """(start, end, rules used): `end` follows from `start` by 1–4 rule steps the kernel
    accepts, so the kernel would accept the chain as a proof of `start = end`, and the
    numbers must agree. A rule and a direction are drawn first, then a position, so that
    rules matching everywhere do not crowd out the rest; a variable of the rule's other
    side that the match leaves unbound (`d(C) ⇐ 0`, `B ⇐ (B ⊙ A) ⊘ A`) gets a declared
    name, a subterm or a zero."""
    start = draw(u.terms)
    term, used = start, []
    judge = u.context(start)
    for _ in range(draw(st.integers(1, 4))):
        found = rewrites(u, term)
        for _attempt in range(8):
            if not found:
                break
            key = draw(st.sampled_from(sorted(found)))
            path, sub, template = draw(st.sampled_from(found[key]))
            sub = dict(sub)
            for v in sorted(S.free_names(template) - set(sub)):
                sub[v] = draw(st.sampled_from(fillers(u, term)))
            try:
                after, _ = elaborate(S.replace_at(term, path, _substitute(template, sub)), u.env)
                if after != term and not _unsized(after) and S.size(after) <= MAX_TERM:
                    judge.step(1, term, key[0], key[1], path, after)
                    term = after
                    used.append(f"{key[0]} {'⇒' if key[1] else '⇐'} at {list(path)}")
                    break
            except RewriteError:  # the kernel refused the step (or the sizes do not fit): draw again
                pass
    return start, term, ", ".join(used)


@st.composite
def scalar_functions(draw, u: Universe) -> tuple[S.Expr, S.Var]:
    """A well-shaped scalar and one of its names, to differentiate by."""
    f = draw(u.scalars.filter(lambda f: bool(S.free_names(f))))
    return f, S.Var(draw(st.sampled_from(sorted(S.free_names(f)))))


def drawn(strategy: st.SearchStrategy, n: int, at: int) -> list:
    """`n` examples of a hypothesis strategy, reproducible from `at` (no database, no shrinking)."""
    out: list = []

    @seed(at)
    @settings(max_examples=n, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(example: object) -> None:
        out.append(example)

    collect()
    return out


def _factors(e: S.Expr) -> list[S.Expr]:
    return _factors(e.left) + _factors(e.right) if isinstance(e, S.Mul) else [e]


def mutations(e: S.Expr, env: Env) -> dict[str, list[S.Expr]]:
    """Terms one typical mistake away from `e`, with its shape, by kind of mistake: two
    matrix factors swapped, a transpose dropped or added, a coefficient changed (a number,
    a sign, the whole term doubled), a product under a trace permuted non-cyclically (two
    neighbours swapped: for three or more factors that is never a rotation)."""
    out: dict[str, list[S.Expr]] = {"coefficient": [S.Mul(S.Num(Fraction(2)), e)]}

    def shape(t: S.Expr) -> Shape | None:
        try:
            return infer(t, env)
        except RewriteError:
            return None

    target = shape(e)
    for path, t in S.subterms(e):
        candidates: list[tuple[str, S.Expr]] = []
        if isinstance(t, S.Mul) and not (shape(t.left) or Shape(ONE, ONE)).is_scalar \
                and not (shape(t.right) or Shape(ONE, ONE)).is_scalar:
            candidates.append(("swap factors", S.Mul(t.right, t.left)))
        here = shape(t)
        if isinstance(t, S.Transpose):
            candidates.append(("drop transpose", t.arg))
        elif here is not None and here.is_square and not here.is_scalar:
            candidates.append(("add transpose", S.Transpose(t)))
        if isinstance(t, S.Num):
            candidates.append(("coefficient", S.Num(t.value + 1)))
        if isinstance(t, S.Neg):
            candidates.append(("coefficient", t.arg))
        if isinstance(t, S.Sub):
            candidates.append(("coefficient", S.Add(t.left, t.right)))
        if isinstance(t, S.Call) and t.fn == "tr" and len(fs := _factors(t.args[0])) >= 3:
            for i in range(len(fs) - 1):
                swapped = fs[:i] + [fs[i + 1], fs[i]] + fs[i + 2:]
                candidates.append(("trace order", S.Call("tr", (reduce(S.Mul, swapped),))))
        for kind, new in candidates:
            mutant = S.replace_at(e, path, new)
            if mutant != e and shape(mutant) == target:
                out.setdefault(kind, []).append(mutant)
    return out


def mutate(e: S.Expr, env: Env, rng: random.Random) -> tuple[str, S.Expr]:
    """One mutation of `e`: a kind of mistake drawn first, then where to make it."""
    found = mutations(e, env)
    kind = rng.choice(sorted(found))
    return kind, rng.choice(found[kind])


def search_proves(ch: Checker, stmt: doc.Statement, env: Env, budget: Budget) -> str | None:
    """The search alone (no numeric shortcut) on a statement the numbers refute: None when it
    connects no goal; else what happened, the kernel's verdict on the certificate included."""
    lhs, rhs, _ = elaborate_statement(stmt, env)
    hypotheses = kernel.assumptions(lhs, rhs, env)
    goals = kernel.goals_of(lhs, rhs, env)
    if goals is None:
        return None
    chains = []
    for goal in goals:
        found = ch.prover.prove(env, goal, hypotheses, budget)
        if not found.proved:
            return None
        chains.append([(s.rule, s.forward, s.at, s.term) for s in found.steps])
    compiled = ch.rulebase.compiled
    cited = {name for chain in chains for name, *_ in chain if name != kernel.LINEAR}
    if cited - compiled.keys():
        return f"the search connected the sides citing unknown rules {sorted(cited - compiled.keys())}"
    try:
        theorem = kernel.check_chains(lhs, rhs, env, chains, {n: compiled[n] for n in cited}, ch.rulebase.properties)
    except kernel.CheckError as e:
        return f"the search connected the sides; the kernel rejected it ({e.message})"
    return ("UNSOUND: the search connected the sides and the kernel accepted the chain"
            + (f", assuming {', '.join(f'{sexpr.show(t)} {w}' for w, t in theorem.hypotheses)}"
               if theorem.hypotheses else ""))


SEARCH_ALONE = Budget(seconds=0.5, iterations=8)


def judge(u: Universe, row: str, lhs: S.Expr, rhs: S.Expr, how: str, tally: Tally, true: bool) -> None:
    """Check `lhs = rhs` as the checker does, then look for what it may have missed: a
    `proved` that fresh draws refute, a certificate that does not replay from its JSON, and,
    for a statement the numbers refute, a proof by the search alone."""
    ch = checker()
    stmt = doc.Statement("claim", "c", lhs, rhs)
    text = u.text(lhs, rhs)
    run = measure(lambda: ch.check_statement(stmt, u.env))
    if run.crash:
        tally.add(row, "crash", run, text)
        tally.finding("TRACEBACK", f"{text}{run.crash}")
        return
    r = run.value
    column = r.outcome
    el, er, _ = elaborate_statement(stmt, u.env)
    hypotheses = kernel.assumptions(el, er, u.env)
    if r.outcome == "proved":
        again = numeric.compare(el, er, u.env, seed=FRESH_SEED, draws=FRESH_DRAWS, hypotheses=hypotheses)
        if again.agrees is False:
            column = "unsound"
            tally.finding("UNSOUND", f"proved, but fresh draws refute it ({how}):\n{text}{again.counterexample.describe()}")
        try:
            kernel.check_certificate(json.dumps(r.certificate, ensure_ascii=False), ch.rulebase.compiled)
        except kernel.CheckError as e:
            tally.finding("BUG", f"proved, but the certificate does not replay ({e.message}):\n{text}")
    elif r.outcome == "unsound":
        tally.finding("UNSOUND", f"the checker says unsound ({how}): {r.message}\n{text}")
    elif r.outcome == "false":
        if true:
            column = "unsound"
            tally.finding("UNSOUND", f"true by construction (kernel-checked steps: {how}), but the numbers "
                                     f"refute it:\n{text}{r.message}")
        problem = search_proves(ch, stmt, u.env, SEARCH_ALONE)
        if problem and problem.startswith("UNSOUND"):
            column = "unsound"
            tally.finding("UNSOUND", f"{problem} ({how}):\n{text}")
        elif problem:
            tally.finding("SEARCH", f"{problem} ({how}):\n{text}")
    elif not true and r.outcome == "unknown":
        verdict = numeric.compare(el, er, u.env, seed=FRESH_SEED, draws=FRESH_DRAWS, hypotheses=hypotheses)
        column = {True: "harmless", False: "missed", None: "unknown"}[verdict.agrees]
        if verdict.agrees is False:
            tally.finding("NUMERIC", f"the checker's draws miss a mistake that fresh draws find ({how}):\n{text}")
    elif r.outcome == "error":
        tally.finding("BUG", f"a generated statement is an error ({how}): {r.message}\n{text}")
    tally.add(row, column, run, text)


def identity_batch(task: tuple[str, int, int]) -> Tally:
    """One batch of part 1: `count` identities by rule steps (or gradients) under one
    universe, each checked, then one mutation of each."""
    kind, at, count = task
    tally = Tally()
    name = sorted(ENVS)[at % len(ENVS)]
    u = universe(name)
    rng = random.Random(at)
    if kind == "identity":
        for start, end, used in drawn(rule_steps(u), count, at):
            if not used:
                continue
            judge(u, "identity (rule steps)", start, end, used, tally, true=True)
            how, wrong = mutate(end, u.env, rng)
            judge(u, "identity, mutated", start, wrong, f"{used}; {how}", tally, true=False)
        return tally
    ch = checker()
    for f, x in drawn(scalar_functions(u), count, at):
        grad = S.Call("grad", (f, x))
        run = measure(lambda: ch.derive(f, x, u.env))
        text = u.text(grad, x)
        if run.crash:
            tally.add("gradient", "crash", run, text)
            tally.finding("TRACEBACK", f"derive: {text}{run.crash}")
            continue
        g, result = run.value
        if result.outcome == "unsound":
            tally.add("gradient", "unsound", run, text)
            tally.finding("UNSOUND", f"derive: {result.message}\n{text}")
            continue
        if g is None:
            if no_formula(ch, f, x, u.env):
                tally.add("gradient", "no formula", run, text)
            else:
                tally.add("gradient", "not derived", run, text)
                tally.finding("NOT DERIVED", f"{result.message}\n{text}")
            continue
        g, _ = elaborate(g, u.env, expected=infer(x, u.env))
        judge(u, "gradient", grad, g, "derived", tally, true=True)
        how, wrong = mutate(g, u.env, rng)
        judge(u, "gradient, mutated", grad, wrong, how, tally, true=False)
    return tally


def no_formula(ch: Checker, f: S.Expr, x: S.Var, env: Env) -> bool:
    """Whether the language has no gradient of `f` to give: the derivative of det(M) is
    written det(M) M⁻ᵀ (the adjugate has no other form), a formula only where M is
    invertible, and a factor M that varies (`Prover.determinants`, which splits products as
    `derive` does) is singular at drawn sizes (x xᵀ for n ≥ 2, Pᵀ P for a wide P). There a
    statement assuming M invertible would say nothing, so `derive` declines; the campaign
    judges it here, by the numbers, not by `derive`'s message."""
    try:
        f, _ = elaborate(f, env)
        factors = ch.prover.determinants(env, f, x.name)
        return any(numeric.singular_at(m, env, seed=ch.settings.seed) is not None for m in factors)
    except RewriteError:
        return False


IDENTITY_COLUMNS = ["proved", "unknown", "false", "harmless", "missed", "error", "unsound", "crash", "not derived",
                    "no formula"]


def part_identities(n: int, base_seed: int, jobs: int) -> tuple[str, Tally]:
    # Batches of 100: hypothesis starts each run with its simplest examples, so small
    # batches repeat themselves.
    tasks = [(kind, at, count) for kind in ("identity", "gradient") for at, count in batches(n, 100, base_seed)]
    tally = merged(in_parallel(identity_batch, tasks, jobs))

    def rate(row: str) -> list[str]:
        n = sum(v for (r, _), v in tally.counts.items() if r == row)
        proved = f"{100 * tally.counts[row, 'proved'] / n:.1f} %" if n and "mutated" not in row else "–"
        # derived: of the scalars that have a gradient to give
        askable = n - tally.counts[row, "no formula"]
        derived = f"{100 * (askable - tally.counts[row, 'not derived']) / askable:.1f} %" \
            if row == "gradient" and askable else "–"
        return [proved, derived]

    out = table("Generated identities", tally, IDENTITY_COLUMNS, rate, ["proved %", "derived %"])
    out += ("\n\n`harmless`: a mutation the numbers cannot tell apart (12 fresh draws) that was not proved; "
            "`not derived`: `Checker.derive` found no gradient (each is listed under NOT DERIVED); "
            "`no formula`: it declined a det(M) whose varying M is singular at drawn sizes, where the "
            "language has no form of the gradient (`no_formula`), not counted as a miss.")
    return out, tally


# ---------------------------------------------------------------------------
# Part 2: forged certificates — real ones, one thing changed in their s-expressions


def proof_certificates(path: Path) -> list[dict]:
    """The certificates of every claim of one proof file that is proved."""
    return [r.certificate for r in checker().check_file(path) if r.outcome == "proved" and r.kind == "claim"]


_certificates: dict[str, list[dict]] = {}


def certificates(path: str) -> list[dict]:
    """The real certificates, read once per process from the file the parent wrote."""
    if path not in _certificates:
        _certificates[path] = json.loads(Path(path).read_text(encoding="utf-8"))
    return _certificates[path]


def _term(text: str) -> S.Expr:
    """A certificate's term, read as the kernel reads it."""
    return sexpr.term(sexpr.read(text))


def _sides(cert: dict) -> tuple[S.Expr, S.Expr]:
    """The statement `(= LHS RHS)` of a certificate."""
    eq, lhs, rhs = sexpr.read(cert["statement"])
    if eq != "=":
        raise RewriteError(f"not a statement: {cert['statement'][:200]}")
    return sexpr.term(lhs), sexpr.term(rhs)


def _statement_text(lhs: S.Expr, rhs: S.Expr) -> str:
    return sexpr.write(["=", sexpr.of_term(lhs), sexpr.of_term(rhs)])


def _gradient(cert: dict) -> S.Expr | None:
    return _term(cert["gradient"]) if "gradient" in cert else None


def _cert_env(cert: dict) -> Env:
    return Env(dict(kernel.read_decl(d) for d in cert["declarations"]))


def _listed(hypotheses: tuple) -> list[str]:
    """Assumptions as a certificate lists them: `(invertible (+ A B))`."""
    return [f"({w} {sexpr.show(t)})" for w, t in hypotheses]


def _shape_or_none(e: S.Expr, env: Env) -> Shape | None:
    try:
        return infer(e, env)
    except RewriteError:
        return None


def _kernel_shape(e: S.Expr, env: Env) -> Shape | None:
    """The shape of an elaborated term as the kernel sees it (None: it has none)."""
    try:
        return shape_of(e, env)
    except RewriteError:
        return None


def _cert_terms(cert: dict) -> list[S.Expr]:
    """Every term a certificate writes: the statement's sides, the gradient, each step's."""
    out = list(_sides(cert)) + ([_gradient(cert)] if "gradient" in cert else [])
    return out + [_term(s["term"]) for chain in cert["chains"] for s in chain]


def _relist(cert: dict) -> None:
    """A forger who changes the statement or a declaration lists the assumptions the kernel
    will read off the changed statement, so that the forgery is judged on its chain, not
    rejected for a stale list."""
    if "assumptions" in cert:
        try:
            env = _cert_env(cert)
            lhs, rhs = _sides(cert)
            cert["assumptions"] = _listed(kernel.assumptions(lhs, rhs, env))
        except RewriteError:  # a malformed declaration: the kernel rejects it anyway
            pass


ASSUMPTION_WORDS = ("invertible", "nonzero", "positive")
FORGERY_KINDS = ("rule", "dir", "at", "subterm", "mistake", "copy term", "drop", "swap", "duplicate", "statement",
                 "declaration", "assumptions", "rule text")


def forge(cert: dict, trusted: dict[str, kernel.Rule], rng: random.Random, kind: str | None = None) -> tuple[str, dict]:
    """One forgery, made on the certificate's s-expressions: one thing changed — a step's
    rule, direction, position or term (a subterm swapped for another of its shape drawn from
    the certificate's terms, or one typical mistake), a step dropped, moved or doubled, the
    statement's right side changed together with the chain's end (and the listed
    assumptions), a declaration's property added or dropped, an assumption smuggled into or
    out of the list, a cited rule's text weakened (a condition dropped, a word changed, the
    sides swapped), a Hessian's gradient changed. `kind` (one of FORGERY_KINDS, or
    "gradient") chooses the change; by default it is drawn."""
    cert = copy.deepcopy(cert)
    env = _cert_env(cert)
    chain = rng.choice([c for c in cert["chains"] if c])
    j = rng.randrange(len(chain))
    step = chain[j]
    kind = kind or rng.choice(FORGERY_KINDS + (("gradient",) if "gradient" in cert else ()))
    if kind == "gradient" and "gradient" not in cert:
        raise RewriteError("the certificate has no gradient to change")
    if kind == "rule":
        equations = sorted(n for n, r in trusted.items() if r.prop is None) + [kernel.LINEAR]
        step["rule"] = rng.choice(equations)
        if step["rule"] != kernel.LINEAR:
            cert["rules"][step["rule"]] = write_rule(trusted[step["rule"]])
    elif kind == "dir":
        step["dir"] = {"=>": "<=", "<=": "=>"}[step["dir"]]
    elif kind == "at":
        at, i = step["at"], rng.randrange(len(step["at"]) + 1)
        step["at"] = rng.choice([at[:i], at[:i] + [0] + at[i:], at[:i] + [1] + at[i:]]
                                + ([at[:i] + [at[i] ^ 1] + at[i + 1:]] if i < len(at) else []))
    elif kind == "subterm":
        term = _term(step["term"])
        path, old = rng.choice(list(S.subterms(term)))
        shape = _kernel_shape(old, env)
        pool = list(dict.fromkeys(t for whole in _cert_terms(cert) for _, t in S.subterms(whole)
                                  if t != old and _kernel_shape(t, env) == shape))
        if pool:
            step["term"] = sexpr.show(S.replace_at(term, path, rng.choice(pool)))
    elif kind == "statement":
        lhs, rhs = _sides(cert)
        _, wrong = mutate(rhs, env, rng)
        cert["statement"] = _statement_text(lhs, wrong)
        goals = kernel.goals_of(lhs, wrong, env, _gradient(cert))
        if goals is not None and cert["chains"][-1]:
            cert["chains"][-1][-1]["term"] = sexpr.show(goals[-1].end)
        _relist(cert)
    elif kind in ("mistake", "gradient"):
        _, wrong = mutate(_term(step["term"] if kind == "mistake" else cert["gradient"]), env, rng)
        if kind == "mistake":
            step["term"] = sexpr.show(wrong)
        else:
            cert["gradient"] = sexpr.show(wrong)
    elif kind == "copy term":
        step["term"] = rng.choice(chain)["term"]
    elif kind == "drop":
        del chain[j]
    elif kind == "swap":
        k = rng.randrange(len(chain))
        chain[j], chain[k] = chain[k], chain[j]
    elif kind == "duplicate":
        chain.insert(j, copy.deepcopy(step))
    elif kind == "declaration":
        k = rng.randrange(len(cert["declarations"]))
        let = sexpr.read(cert["declarations"][k])
        n = 3 + {"Mat": 2, "Vec": 1}.get(let[2], 0)
        props = set(let[n:]) ^ {rng.choice(S.PROPERTIES)}
        cert["declarations"][k] = sexpr.write(let[:n] + sorted(props))
        _relist(cert)
    elif kind == "assumptions":
        listed = list(cert.get("assumptions", []))
        if listed and rng.random() < 0.5:
            del listed[rng.randrange(len(listed))]
        else:
            t = rng.choice([t for whole in _cert_terms(cert) for _, t in S.subterms(whole)])
            listed.append(f"({rng.choice(ASSUMPTION_WORDS)} {sexpr.show(t)})")
        cert["assumptions"] = listed
    else:  # rule text: a cited rule (or, listed unused, any equation with a condition) weakened
        conditional = sorted(n for n, r in trusted.items() if r.conditions and r.prop is None)
        name = rng.choice(sorted(cert["rules"]) or conditional)
        head, rname, body, shapes, (tag, *conditions) = sexpr.read(cert["rules"].get(name) or
                                                                    write_rule(trusted[name]))
        if conditions and (rng.random() < 0.7 or body[0] != "="):
            i = rng.randrange(len(conditions))
            if rng.random() < 0.5:
                del conditions[i]
            else:
                conditions[i] = [rng.choice([w for w in kernel.WORDS if w != conditions[i][0]]), conditions[i][1]]
        elif body[0] == "=":
            body = [body[0], body[2], body[1]]
        cert["rules"][name] = sexpr.write([head, rname, body, shapes, [tag, *conditions]])
    return kind, cert


def wrong_steps(cert: dict) -> tuple[bool | None, list[str]]:
    """Whether the numbers agree with the certificate's statement (None: they cannot tell),
    and the steps whose term they tell apart from the start of its chain (the names the
    goal holds constant held constant), as the kernel reads the goals — all at points where
    the statement's hypotheses hold (the theorem says nothing elsewhere)."""
    env = _cert_env(cert)
    lhs, rhs = _sides(cert)
    hypotheses = kernel.assumptions(lhs, rhs, env)
    statement = numeric.compare(lhs, rhs, env, seed=FRESH_SEED, draws=FRESH_DRAWS, hypotheses=hypotheses).agrees
    wrong = []
    for goal, chain in zip(kernel.goals_of(lhs, rhs, env, _gradient(cert)) or [], cert["chains"]):
        varying = [n for n in env if n not in goal.constants]
        for k, step in enumerate(chain, 1):
            verdict = numeric.compare(goal.start, _term(step["term"]), env, draws=2, directions_for=varying,
                                      hypotheses=hypotheses)
            if verdict.agrees is False:
                wrong.append(f"step {k} ({step['rule']} {step['dir']} at {step['at']}): {step['term']}")
    return statement, wrong


def untrusted(cert: dict, theorem: kernel.Theorem, trusted: dict[str, kernel.Rule]) -> str | None:
    """What an accepted certificate says that is not so: a listed assumption that is not
    the theorem's, a cited rule that is not the trusted one."""
    if "assumptions" in cert and sorted(cert["assumptions"]) != sorted(_listed(theorem.hypotheses)):
        return f"it lists assumptions {cert['assumptions']}, the theorem has {_listed(theorem.hypotheses)}"
    for name, text in cert["rules"].items():
        if kernel.read_rule(text) != trusted.get(name):
            return f"it cites '{name}' as {text}, which is not the trusted rule"
    return None


def _replay(cert: dict, trusted: dict[str, kernel.Rule]) -> kernel.Theorem | kernel.CheckError:
    """The kernel's verdict: a theorem, or the rejection (any other exception escapes)."""
    try:
        return kernel.check_certificate(cert, trusted)
    except kernel.CheckError as e:
        return e


def forgery_batch(task: tuple) -> Tally:
    """`count` forgeries of the certificates in the file `path` (seed `at`), each judged:
    rejected, or accepted and then checked by the numbers. A fourth element of the task
    fixes the kind of change (FORGERY_KINDS)."""
    path, at, count, *only = task
    real = certificates(path)
    trusted = checker().rulebase.compiled
    rng = random.Random(at)
    tally = Tally()
    real = [c for c in real if any(c["chains"])]  # a certificate with no step has nothing to forge
    for _ in range(count):
        original = rng.choice(real)
        try:
            kind, forged = forge(original, trusted, rng, *only)
        except RewriteError:  # a mutation that cannot be made here (no mistake fits the term)
            continue
        what = json.dumps(forged, ensure_ascii=False)
        if forged == original:
            tally.add(kind, "unchanged", None, what)
            continue
        run = measure(lambda: _replay(forged, trusted))
        if run.crash:
            tally.add(kind, "crash", run, what)
            tally.finding("TRACEBACK", f"the kernel raised on a forgery:\n{what}\n{run.crash}")
            continue
        verdict = "rejected"
        if isinstance(run.value, kernel.Theorem):
            statement, wrong = wrong_steps(forged)
            lie = untrusted(forged, run.value, trusted)
            if statement is False:
                verdict = "unsound"
                tally.finding("UNSOUND", f"the kernel accepts a forged certificate whose statement the numbers refute:\n{what}")
            elif wrong:
                verdict = "wrong step"
                tally.finding("BUG", f"the kernel accepts a step the numbers refute ({wrong[0]}):\n{what}")
            elif lie:
                verdict = "misread"
                tally.finding("BUG", f"the kernel accepts a certificate that misstates its basis ({lie}):\n{what}")
            elif statement is None:  # no draw where the hypotheses hold: a vacuous theorem, or beyond the numbers
                verdict = "untested"
                tally.finding("NUMERIC", f"the kernel accepts a forgery the numbers cannot evaluate:\n{what}")
            else:
                verdict = "still a proof"
        tally.add(kind, verdict, run, what)
    return tally


FORGERY_COLUMNS = ["rejected", "still a proof", "untested", "wrong step", "misread", "unsound", "crash", "unchanged"]


def part_forgeries(n: int, base_seed: int, jobs: int) -> tuple[str, Tally]:
    real = [c for certs in in_parallel(proof_certificates, PROOFS, jobs) for c in certs]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(real, f, ensure_ascii=False)
    try:
        tally = merged(in_parallel(forgery_batch, [(f.name, at, k) for at, k in batches(n, 50, base_seed)], jobs))
    finally:
        os.unlink(f.name)
    out = table(f"Forged certificates (one change to one of {len(real)} real certificates)", tally, FORGERY_COLUMNS)
    changed = sum(tally.counts.values()) - tally.total("unchanged")
    out += (f"\n\n{changed} forgeries changed the certificate: {tally.total('rejected')} rejected, "
            f"{tally.total('still a proof')} accepted and still a proof by the numbers (statement and every step), "
            f"{tally.total('untested')} accepted where the numbers could evaluate no draw, "
            f"{tally.total('wrong step')} accepted with a step the numbers refute, "
            f"{tally.total('misread')} accepted while listing assumptions or rules that are not the theorem's, "
            f"{tally.total('unsound')} accepted with a statement the numbers refute (numbers drawn where the "
            "statement's hypotheses hold).")
    return out, tally


# ---------------------------------------------------------------------------
# Part 3: fuzzing the front door

FUZZ_BUDGET = Budget(seconds=0.3, iterations=4)
FUZZ_HANG_SECONDS = 20.0
HUGE_HANG_SECONDS = 300.0  # a 10 MB input may take a while; past this it is a hang
CLI_EVERY = 500  # one input in this many also goes through `rewrite check` in a subprocess
VOCABULARY = (
    "let claim refute Mat( Vec( Scalar Mat(n, n) Mat(m, n) Vec(n) Vec(1) Mat(1, 1) Mat(n n, 1) symmetric spd "
    "invertible orthogonal diagonal const A B C X S x y s n m k 1 2 0 1/2 0.5 3/0 ( ) , : = + - * ⋅ @ ⊙ .* ⊘ ./ ⊗ / "
    "ᵀ ' ^T ⁻¹ ^-1 ⁻ᵀ ^-T ² ^2 ^ ^0 ^1000000 ^(1/2) ‖ ‖² tr( trace( det( logdet( inv( norm( norm2( sum( diag( "
    "vec( kron( exp( log( sqrt( sigmoid( tanh( d( grad( jac( hess( d/dx d/dX ∂ ∂f/∂x I I(n) I(0) ones ones(n) "
    "zeros(m, n) Σ W₁ x₂ λ # \\ 99999999999999999999999 1e9 0.000000001 0.000000000000000000001 ; [ ] { } ! ? ∞ ∑ ×"
).split() + ["\n", "\\\n", " ", "\t", "\r", "\r\n", "\u00a0", "\u2028", "\x00", "\ufeff", "\u200b", "\u0301", "🙂"]
_TOKEN = re.compile(r"\s+|[^\W\d][\w₀-₉]*|\d+(?:\.\d+)?|\S")


def _logical_lines(path: Path) -> list[str]:
    """The lines of a proof file with `\\` continuations joined."""
    return path.read_text(encoding="utf-8").replace("\\\n", " ").splitlines()


_FILES = {p: _logical_lines(p) for p in PROOFS}


def proof_snippet(rng: random.Random) -> str:
    """The declarations of one proof file and one to three of its statements."""
    lines = _FILES[rng.choice(PROOFS)]
    statements = [l for l in lines if l.startswith(("claim ", "refute "))] or [""]
    picked = rng.sample(statements, min(len(statements), rng.randint(1, 3)))
    return "\n".join([l for l in lines if l.startswith("let ")] + picked) + "\n"


def _token_kind(t: str) -> str:
    if t.isspace():
        return "space"
    if t[0].isdigit():
        return "number"
    return "word" if t[0].isalpha() and not t.endswith("(") else "symbol"


def grammar_mutation(text: str, rng: random.Random) -> str:
    """`text` after one to three edits that keep most of its shape: a token deleted,
    doubled, swapped with its neighbour, replaced (mostly by a token of its kind: a name by
    a name, an operator by an operator) or inserted; a line deleted, doubled or moved; the
    text cut short."""
    for _ in range(rng.choice([1, 1, 2, 3])):
        tokens = _TOKEN.findall(text)
        lines = text.split("\n")
        edit = rng.choice(["delete", "double", "swap", "replace", "replace", "replace", "insert", "line", "cut"])
        i = rng.randrange(len(tokens)) if tokens else 0
        if not tokens or edit == "insert":
            tokens.insert(i, rng.choice(VOCABULARY))
        elif edit == "delete":
            del tokens[i]
        elif edit == "double":
            tokens.insert(i, tokens[i])
        elif edit == "swap" and i + 1 < len(tokens):
            tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
        elif edit == "replace":
            same = [t for t in VOCABULARY + tokens if _token_kind(t) == _token_kind(tokens[i])]
            tokens[i] = rng.choice(same if rng.random() < 0.8 else VOCABULARY)
        elif edit == "cut":
            tokens = tokens[:i]
        elif edit == "line":
            j, k = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines = rng.choice([lines[:j] + lines[j + 1:], lines[:j] + [lines[j]] + lines[j:],
                                lines[:j] + [lines[k]] + lines[j:k] + lines[k + 1:] if j < k else lines])
            tokens = ["\n".join(lines)]
        text = "".join(tokens)
    return text


def fuzz_input(rng: random.Random) -> tuple[str, str | bytes]:
    """One input and its kind: bytes go through a file (`check_file`), text through
    `check_text`."""
    kind = rng.choices(["mutated proof", "spliced proofs", "token soup", "random text", "random bytes"],
                       [50, 10, 20, 10, 10])[0]
    if kind == "mutated proof":
        return kind, grammar_mutation(proof_snippet(rng), rng)
    if kind == "spliced proofs":
        a, b = proof_snippet(rng).splitlines(), proof_snippet(rng).splitlines()
        return kind, "\n".join(a[: rng.randrange(len(a) + 1)] + b[rng.randrange(len(b) + 1):]) + "\n"
    if kind == "token soup":
        return kind, "".join(rng.choice(VOCABULARY) for _ in range(rng.randint(0, 60)))
    if kind == "random text":
        pool = "".join(VOCABULARY) + "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(20))
        return kind, "".join(rng.choice(pool) for _ in range(rng.randint(0, 200)))
    return kind, bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))


def huge_inputs() -> list[tuple[str, str | bytes]]:
    """Inputs far larger than any proof: 10 MB files (comments, one line, random bytes,
    declarations), a 10,000-term sum (flat, which the parser refuses as too deep, and
    balanced, which it accepts), deep nesting, huge exponents, numerals, names and sizes."""
    rng = random.Random(0)
    ten_mb = 10 * 2**20
    flat = " + ".join(f"A{i % 7}" for i in range(10_000))

    def balanced(terms: list[str]) -> str:
        return terms[0] if len(terms) == 1 else f"({balanced(terms[:len(terms) // 2])} + {balanced(terms[len(terms) // 2:])})"

    sum_terms = [f"A{i % 7}" for i in range(10_000)]
    lets = "let " + ", ".join(f"A{i}" for i in range(7)) + " : Mat(n, n)\n"
    return [
        ("10 MB of comments", ("# " + "x" * 97 + "\n") * (ten_mb // 100) + "let A : Mat(n, n)\nclaim c: (Aᵀ)ᵀ = A\n"),
        ("10 MB one line", "let A : Mat(n, n)\nclaim c: " + "A + " * (ten_mb // 4) + "A = A\n"),
        ("10 MB random bytes", rng.randbytes(ten_mb)),
        ("10 MB of declarations", "".join(f"let A{i} : Mat(n, n)\n" for i in range(ten_mb // 22))
         + "claim c: A1 A2 = A1 A2\n"),
        ("10,000-term sum, flat", f"{lets}claim c: {flat} = {flat}\n"),
        ("10,000-term sum, balanced", f"{lets}claim c: {balanced(sum_terms)} = {balanced(sum_terms[::-1])}\n"),
        ("1,000-deep parentheses", f"{lets}claim c: {'(' * 1000}A1{')' * 1000} = A1\n"),
        ("1,000-deep functions", f"{lets}claim c: tr({'tanh(' * 1000}A1{')' * 1000}) = 0\n"),
        ("100,000 transposes", f"{lets}claim c: A1{'ᵀ' * 100_000} = A1\n"),
        ("exponent 10⁶", f"{lets}claim c: A1^1000000 = A1^1000000\n"),
        ("a 100,000-digit numeral", f"{lets}claim c: {'9' * 100_000} A1 = A1\n"),
        ("a 400-digit numeral", f"{lets}claim c: {'9' * 400} A1 = A1 {'9' * 400}\n"),
        ("a size of 100,000", "let A : Mat(100000, 100000)\nclaim c: tr(A) = tr(Aᵀ)\n"),
        ("a 1 MB name", f"let {'A' * 2**20} : Mat(n, n)\nclaim c: {'A' * 2**20} = {'A' * 2**20}\n"),
    ]


def fuzz_outcome(results: list, path: str, text: str | bytes) -> tuple[str, str | None]:
    """The input's column, and a finding if there is one: every result a well-formed record
    whose error (if any) names the file; a `proved` must survive fresh draws."""
    for r in results:
        if r.outcome not in OUTCOMES or r.kind not in ("claim", "refute"):
            return "unclean", f"a malformed result {r!r}"
        json.dumps(r.to_json(), ensure_ascii=False)
        if r.outcome == "error" and not (r.message and r.message.startswith(path)):
            return "unclean", f"an error that does not name the file: {r.message!r}"
        if r.outcome == "unsound":
            return "unsound", r.message
    proved = {r.name for r in results if r.outcome == "proved"}
    if proved and isinstance(text, str):
        pf = parse_text(text, path)
        env = env_from_decls(pf.decls)
        for stmt in pf.statements:
            if stmt.name in proved:
                proved.remove(stmt.name)  # a later statement of the same name is an error, not this one
                lhs, rhs, _ = elaborate_statement(stmt, env)
                verdict = numeric.compare(lhs, rhs, env, seed=FRESH_SEED, draws=FRESH_DRAWS,
                                          hypotheses=kernel.assumptions(lhs, rhs, env))
                if verdict.agrees is False:
                    return "unsound", f"{stmt.name} is proved, but fresh draws refute it"
    if any(r.outcome in ("proved", "false", "unknown") for r in results):
        return "checked", None
    return "error", None


def check_input(text: str | bytes, folder: str, limit: float = FUZZ_HANG_SECONDS) -> Run:
    """One input through the API: `check_text` for text, `check_file` for bytes."""
    ch = checker(FUZZ_BUDGET)
    path = os.path.join(folder, "fuzz.proof")

    def go() -> tuple[str, str | None]:
        if isinstance(text, bytes):
            Path(path).write_bytes(text)
            return fuzz_outcome(ch.check_file(path), path, text)
        return fuzz_outcome(ch.check_text(text, path), path, text)

    return measure(go, limit)


def check_cli(text: str | bytes, folder: str, limit: float = FUZZ_HANG_SECONDS) -> Run:
    """One input through `rewrite check --json` in a subprocess: exit status 0 or 1, nothing
    on stderr, one JSON object per line. Time and the child's own peak memory (wait4)."""
    path = os.path.join(folder, "cli.proof")
    Path(path).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    out, err = (open(os.path.join(folder, name), "w+b") for name in ("out", "err"))
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "rewrite", "check", path, "--json",
                              "--timeout", str(FUZZ_BUDGET.seconds)], stdout=out, stderr=err, cwd=folder,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = start + limit + 10  # the command loads the rule base first
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid or time.perf_counter() > deadline:
            break
        time.sleep(0.01)
    run = Run(seconds=time.perf_counter() - start)
    if not pid:
        child.kill()
        child.wait()
        run.crash = "hang: the command did not end"
        return run
    child.returncode = os.waitstatus_to_exitcode(status)
    run.mb = usage.ru_maxrss / 1024
    out.seek(0), err.seek(0)
    stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    out.close(), err.close()
    try:
        records = [json.loads(line) for line in stdout.splitlines()]
    except json.JSONDecodeError:
        records = None
    if child.returncode not in (0, 1) or stderr.strip() or records is None:
        run.crash = f"exit status {child.returncode}; stderr: {stderr[-2000:]!r}; stdout: {stdout[:300]!r}"
    else:
        run.value = ("unsound" if any(r["outcome"] == "unsound" for r in records) else
                     "checked" if any(r["outcome"] in ("proved", "false", "unknown") for r in records) else "error", None)
    return run


def _record(tally: Tally, row: str, run: Run, text: str | bytes) -> None:
    what = text[:2000] if isinstance(text, str) else repr(text[:2000])
    if run.crash:
        column = "hang" if run.crash.startswith("hang") else "crash"
        tally.add(row, column, run, what)
        tally.finding("TRACEBACK" if column == "crash" else "HANG", f"{row}: {what!r}\n{run.crash}")
        return
    column, finding = run.value
    tally.add(row, column, run, what)
    if finding:
        tally.finding("UNSOUND" if column == "unsound" else "BUG", f"{row}: {finding}\n{what!r}")


def fuzz_batch(task: tuple[int, int, int]) -> Tally:
    """`count` random inputs through the API; those whose index is a multiple of CLI_EVERY
    also through the command line."""
    at, count, first = task
    rng = random.Random(at)
    tally = Tally()
    with tempfile.TemporaryDirectory() as folder:
        for index in range(first, first + count):
            kind, text = fuzz_input(rng)
            _record(tally, kind, check_input(text, folder), text)
            if index % CLI_EVERY == 0:
                _record(tally, "command line (sample)", check_cli(text, folder), text)
    return tally


def huge_batch(task: int) -> Tally:
    """One huge input, through the API and the command line."""
    kind, text = huge_inputs()[task]
    tally = Tally()
    with tempfile.TemporaryDirectory() as folder:
        _record(tally, kind, check_input(text, folder, HUGE_HANG_SECONDS), text)
        _record(tally, f"{kind} (command line)", check_cli(text, folder, HUGE_HANG_SECONDS), text)
    return tally


FUZZ_COLUMNS = ["error", "checked", "unclean", "unsound", "crash", "hang"]


def part_fuzz(n: int, base_seed: int, jobs: int) -> tuple[str, Tally]:
    tasks = [(at, count, k * 200) for k, (at, count) in enumerate(batches(n, 200, base_seed))]
    tally = merged(in_parallel(fuzz_batch, tasks, jobs))
    huge = merged(in_parallel(huge_batch, list(range(len(huge_inputs()))), jobs))
    out = table(f"Fuzzed input ({n} random, through `Checker.check_text`; every {CLI_EVERY}th also through "
                "`rewrite check`)", tally, FUZZ_COLUMNS)
    out += table("Huge input (through `Checker.check_text` and `rewrite check`)", huge, FUZZ_COLUMNS)
    out += ("\n\n`error`: only clean `error` results (located in the file); `checked`: some statement got "
            "`proved`, `false` or `unknown`; `unclean`: a malformed record or an error without its location; "
            f"`hang`: still running after {FUZZ_HANG_SECONDS:g} s (budget {FUZZ_BUDGET.seconds:g} s per search).")
    return out, tally.merge(huge)


# ---------------------------------------------------------------------------
# Part 4: budgets under stress


def _names(prefix: str, k: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(1, k + 1)]


def _lets(names: list[str], props: str = "") -> str:
    return f"let {', '.join(names)} : Mat(n, n){' ' + props if props else ''}\n"


def _sum(names: list[str]) -> str:
    return "(" + " + ".join(names) + ")"


# family -> (k -> proof text with one claim, the k to run). Each is true (the numbers cannot
# refute it), and each is built to reach the e-graph or to cost the stages outside it.
STRESS: dict[str, tuple[Callable[[int], str], tuple[int, ...]]] = {
    "det of a product = product of dets": (lambda k: _lets(_names("A", k), "invertible") + "claim c: det("
                                           + " ".join(_names("A", k)) + ") = "
                                           + " ".join(f"det({a})" for a in reversed(_names("A", k))) + "\n", (6, 10)),
    "det of a product, reversed": (lambda k: _lets(_names("A", k)) + f"claim c: det({' '.join(_names('A', k))}) = "
                                   f"det({' '.join(reversed(_names('A', k)))})\n", (6, 8)),
    "logdet of a product of spd": (lambda k: _lets(_names("S", k), "spd") + f"claim c: logdet({' '.join(_names('S', k))}) = "
                                   + " + ".join(f"logdet({s})" for s in _names("S", k)) + "\n", (6, 10)),
    "det of a power of a 6-term sum": (lambda k: _lets(_names("A", 6)) + f"claim c: det({' '.join([_sum(_names('A', 6))] * k)}) = "
                                       + " ".join([f"det({_sum(_names('A', 6)[::-1])})"] * k) + "\n", (3, 5)),
    "trace of a power of a 10-term sum, transposed": (
        lambda k: _lets(_names("A", 10)) + f"claim c: tr({' '.join([_sum(_names('A', 10))] * k)}) = tr(("
        + " ".join([_sum([f"{a}ᵀ" for a in _names("A", 10)])] * k) + ")ᵀ)\n", (3, 4)),
    "trace of a product, nested transposes": (
        lambda k: _lets(_names("A", k)) + "claim c: tr(" + "(" * (k - 1) + "A1" + "".join(f" A{i})ᵀ" for i in range(2, k + 1))
        + ") = tr(" + "(" * (k - 1) + "A1" + "".join(f" A{i})ᵀ" for i in range(2, k + 1)) + "ᵀ)\n", (8, 16)),
    "Kronecker mixed product": (lambda k: _lets(_names("A", k) + _names("B", k)) + f"claim c: ({' ⊗ '.join(_names('A', k))}) "
                                f"({' ⊗ '.join(_names('B', k))}) = "
                                + " ⊗ ".join(f"(A{i} B{i})" for i in range(1, k + 1)) + "\n", (3, 4, 5)),
    "a matrix power": (lambda k: f"let A : Mat(n, n)\nclaim c: A^{k} = A^{k}\n", (100, 1000, 3000)),
}
STRESS_BUDGETS = (0.5, 1.0, 2.0)


class Recorder:
    """The checker's prover, keeping the report of every search it runs (how far the
    e-graph got): `stop` is `normal form` when rewriting alone decided."""

    def __init__(self, prover) -> None:
        self.inner, self.reports = prover, []

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def prove(self, *args, **kwargs):
        out = self.inner.prove(*args, **kwargs)
        self.reports.append(out.report)
        return out


def stress(text: str, budget: Budget) -> tuple[Run, list]:
    """Check the one claim of `text` under `budget` (warm checker), with the searches' reports."""
    ch = checker(budget)
    ch.prover.warm()
    recorder = Recorder(ch.prover)
    ch.prover = recorder
    try:
        pf = parse_text(text)
        env = env_from_decls(pf.decls)
        run = measure(lambda: ch.check_statement(pf.statements[0], env, pf))
    finally:
        ch.prover = recorder.inner
    return run, recorder.reports


def part_stress() -> tuple[str, Tally]:
    """Every family at each of its k, under each budget, one after the other in this
    process (so that the times are not disturbed by a second worker)."""
    tally = Tally()
    lines = ["\n### Budgets under stress (whole `elaborate_statement`, warm)\n",
             "| statement | k | budget s | outcome | seconds | × budget | search stop (iterations, nodes) | peak MB |",
             "|---|---|---|---|---|---|---|---|"]
    for family, (make, ks) in STRESS.items():
        for k in ks:
            for seconds in STRESS_BUDGETS:
                run, reports = stress(make(k), Budget(seconds=seconds))
                outcome = run.value.outcome if run.value else ("hang" if run.crash.startswith("hang") else "crash")
                ratio = run.seconds / seconds
                column = "over" if ratio > 1.2 else "within"
                tally.add(family, column, run, f"{family} k={k} budget {seconds:g}")
                if run.crash:
                    tally.finding("TRACEBACK", f"{family} k={k}: {run.crash}")
                elif ratio > 1.2:
                    tally.finding("BUDGET", f"{family} k={k}: {run.seconds:.1f} s with a budget of {seconds:g} s "
                                            f"({run.mb:.0f} MB)\n{make(k)}")
                stops = ", ".join(f"{r.stop} ({r.iterations}, {r.nodes})" for r in reports) or "–"
                lines.append(f"| {family} | {k} | {seconds:g} | {outcome} | {run.seconds:.2f} | {ratio:.2f} | {stops} "
                             f"| {run.mb:.0f} |")
    return "\n".join(lines), tally


# ---------------------------------------------------------------------------
# Part 5: numeric edge cases

# (declarations, statement, true?): each on 1×1 and n×1 sizes, truths that hold only at
# some sizes, ill-conditioned and overflowing values, draws constrained by properties.
NUMERIC_CASES: list[tuple[str, str, bool]] = [
    # 1×1 and n×1
    ("let a : Mat(1, n)\nlet b : Vec(n)", "a b = bᵀ aᵀ", True),
    ("let A : Mat(1, 1)\nlet x : Vec(1)", "A x = x A", True),
    ("let x, y : Vec(n)", "(xᵀ y) x = x (yᵀ x)", True),
    ("let x, y : Vec(n)", "x xᵀ y = (xᵀ y) x", True),
    ("let s : Scalar\nlet A : Mat(m, n)", "s A = A s", True),
    ("let A : Mat(n, n)\nlet x : Vec(n)", "xᵀ A x = xᵀ Aᵀ x", True),
    ("let x, y : Vec(n)", "x yᵀ = y xᵀ", False),
    ("let x, y : Vec(n)", "x xᵀ y = y xᵀ x", False),
    ("let x : Vec(n)", "x ⊙ x = x xᵀ x", False),
    ("let x : Vec(n)", "ones(n) ones(n)ᵀ x = x", False),
    ("let A : Mat(n, n)\nlet x : Vec(n)", "x xᵀ A = A x xᵀ", False),
    # true only at square sizes, or only at some sizes
    ("let A : Mat(m, n)", "det(Aᵀ A) = det(A Aᵀ)", False),
    ("let A : Mat(m, n)\nlet B : Mat(n, m)", "det(A B) = det(B A)", False),
    ("let A : Mat(m, n)\nlet B : Mat(p, q)\nlet C : Mat(r, t)\nlet D : Mat(u, v)",
     "det(Aᵀ A) + tr(B Bᵀ) + tr(C Cᵀ) + tr(D Dᵀ) = det(A Aᵀ) + tr(Bᵀ B) + tr(Cᵀ C) + tr(Dᵀ D)", False),
    ("let A : Mat(m, n)", "norm2(Aᵀ A) = norm2(A Aᵀ)", True),
    ("let A : Mat(m, n)", "(A Aᵀ + 1/1000 I)⁻¹ A = A (Aᵀ A + 1/1000 I)⁻¹", True),
    ("let A : Mat(m, n)", "(A Aᵀ)⁻¹ (A Aᵀ) = I", True),  # defined only where m ≤ n
    # ill-conditioned
    ("let A : Mat(m, n)", "(A Aᵀ + 1/1000000000 I)⁻¹ A = A (Aᵀ A + 1/1000000000 I)⁻¹", True),
    ("let A, B : Mat(n, n)", "(A + B)⁻¹ (A + B) = I", True),
    ("let A, B : Mat(n, n)", "(A - B)⁻¹ = -(B - A)⁻¹", True),
    ("let A : Mat(n, n) invertible", "(A A A A A A)⁻¹ = A⁻¹ A⁻¹ A⁻¹ A⁻¹ A⁻¹ A⁻¹", True),
    ("let A : Mat(n, n)", "A^8 = A^4 A^4", True),
    ("let A, B, C, D, E, F : Mat(n, n)", "det(A B C D E F) = det(A) det(B) det(C) det(D) det(E) det(F)", True),
    ("let A, B : Mat(n, n)", "(A + B)⁻¹ = A⁻¹ + B⁻¹", False),
    # overflow
    ("let A : Mat(n, n)", "exp(1000 A) ⊙ exp(-1000 A) = ones(n, n)", True),
    ("let A : Mat(n, n)", "exp(50 A) ⊙ exp(50 A) = exp(100 A)", True),
    ("let A : Mat(n, n)", "sigmoid(1000 A) + sigmoid(-1000 A) = ones(n, n)", True),
    ("let x : Vec(n)", "d/dx sum(exp(100 x)) = 100 exp(100 x)", True),
    ("let x : Vec(n)", "d/dx sum(exp(1000 x)) = 1000 exp(1000 x)", True),
    ("let x : Vec(n)", "d/dx sum(exp(100 x)) = 99 exp(100 x)", False),
    ("let x : Vec(n)", "hess(sum(exp(3 x)), x) = diag(9 exp(3 x))", True),
    ("let x : Vec(n)", "hess(sum(exp(3 x)), x) = diag(9.01 exp(3 x))", False),
    # draws constrained by properties
    ("let Q : Mat(n, n) orthogonal", "Qᵀ Q = I", True),
    ("let Q : Mat(n, n) orthogonal", "det(Q)^2 = 1", True),
    ("let Q : Mat(n, n) orthogonal\nlet x : Vec(n)", "‖Q x‖² = ‖x‖²", True),
    ("let Q : Mat(n, n) orthogonal symmetric", "Q Q = I", True),
    ("let D : Mat(n, n) diagonal orthogonal", "D D = I", True),
    ("let Q : Mat(n, n) orthogonal", "Q + Qᵀ = 2 I", False),
    ("let Q : Mat(n, n) orthogonal", "det(Q) = 1", False),
    ("let S : Mat(n, n) spd", "logdet(S⁻¹) = -logdet(S)", True),
    ("let S : Mat(n, n) spd", "d/dS logdet(S) = S⁻¹", True),
    ("let S : Mat(n, n) spd", "det(S) = tr(S)", False),
    ("let S : Mat(n, n) symmetric\nlet A : Mat(n, n)", "S : A = S : Aᵀ", True),
    ("let S : Mat(n, n) symmetric\nlet A : Mat(n, n)", "S A = A S", False),
    ("let S : Mat(n, n) symmetric\nlet A : Mat(n, n)", "d/dS tr(A S) = (A + Aᵀ) / 2", False),
    ("let D, E : Mat(n, n) diagonal", "D E = E D", True),
    ("let D : Mat(m, n) diagonal", "D Dᵀ D = D Dᵀ D", True),
    ("let D : Mat(n, n) diagonal\nlet B : Mat(n, n)", "D B = B D", False),
    ("let x : Vec(n) positive", "sqrt(x ⊙ x) = x", True),
    ("let x : Vec(n) positive", "sqrt(x ⊙ x) = -x", False),
]
NUMERIC_RUNS = 50  # seeds per case in the campaign: 6 draws each, as the checker makes


def numeric_case(task: tuple[int, int]) -> Tally:
    """One edge case on `runs` runs of the checker's numeric check (seeds 0, 6, 12, …),
    then once through the whole checker."""
    index, runs = task
    decls, statement, true = NUMERIC_CASES[index]
    text = f"{decls}\nclaim c: {statement}\n"
    pf = parse_text(text)
    env = env_from_decls(pf.decls)
    lhs, rhs, _ = elaborate_statement(pf.statements[0], env)
    hypotheses = kernel.assumptions(lhs, rhs, env)
    tally = Tally()
    row = f"{statement} ({'true' if true else 'false'})"
    for k in range(runs):
        run = measure(lambda: numeric.compare(lhs, rhs, env, seed=6 * k, hypotheses=hypotheses))
        if run.crash:
            tally.add(row, "crash", run, text)
            tally.finding("TRACEBACK", f"numeric.compare on\n{text}{run.crash}")
            continue
        verdict = run.value
        column = {True: "agree", False: "refute", None: "no draw"}[verdict.agrees]
        tally.add(row, column, run, text)
        if verdict.agrees is False and true:
            tally.finding("NUMERIC", f"a true identity refuted (seed {6 * k}):\n{text}{verdict.counterexample.describe()}")
        if verdict.agrees is True and not true:
            tally.finding("NUMERIC", f"a false identity not refuted by 6 draws (seed {6 * k}):\n{text}")
    result = checker().check_statement(pf.statements[0], env, pf)
    tally.add(row, f"checker: {result.outcome}", None, text)
    if result.outcome == "unsound" or (result.outcome == "proved" and not true):
        tally.finding("UNSOUND", f"{result.outcome}:\n{text}{result.message}")
    return tally


class Undecided(Exception):
    """A term whose value in the total semantics this evaluator does not know (a
    derivative the numbers cannot take there)."""


_PARTIAL = (S.Inverse, S.Div, S.HadamardDiv)


def total_value(e: S.Expr, values: dict, sizes: dict, directions: dict) -> "numeric.np.ndarray":
    """The value of an elaborated term in the total semantics of docs/SEMANTICS.md
    (`0⁻¹ = 0`, `x / 0 = 0`, `log 0 = 0`, `sqrt` of a non-positive entry 0, …), at a point
    where the numbers' own (classical) evaluator may refuse. Operations that are total
    already are left to `numeric.evaluate`, applied to the children's values; `d(E)` of
    an `E` without a varying name is 0, any other derivative the classical one (or
    `Undecided`)."""
    np = numeric.np
    if isinstance(e, S.Call) and e.fn in ("d", "grad", "jac", "hess"):
        if e.fn == "d" and not S.free_names(e.args[0]) & set(directions):
            return np.zeros_like(total_value(e.args[0], values, sizes, directions), dtype=float)
        try:
            out = numeric.evaluate(e, values, sizes, directions=directions)
        except (numeric.DomainError, ValueError, ArithmeticError) as err:
            raise Undecided(str(err)) from None
        if not np.isfinite(out).all():
            raise Undecided("a derivative is not finite")
        return out
    kids = [total_value(k, values, sizes, directions) for k in e.children()]
    if isinstance(e, S.Inverse) or isinstance(e, S.Power) and e.exponent < 0 and e.exponent.denominator == 1:
        a = kids[0]
        inverse = np.linalg.inv(a) if np.linalg.matrix_rank(a) == a.shape[0] else np.zeros_like(a)
        return inverse if isinstance(e, S.Inverse) else np.linalg.matrix_power(inverse, int(-e.exponent))
    if isinstance(e, S.Power) and e.exponent.denominator != 1:
        a = kids[0]
        return np.where(a > 0, np.abs(a) ** float(e.exponent), 0.0)
    if isinstance(e, S.Div):
        a, t = kids
        return np.zeros_like(a) if t[0, 0] == 0 else a / t[0, 0]
    if isinstance(e, S.HadamardDiv):
        a, b = kids
        return np.divide(a, b, out=np.zeros_like(a), where=b != 0)
    if isinstance(e, S.Call) and e.fn in ("log", "sqrt", "logdet"):
        a = kids[0]
        if e.fn == "log":
            return np.log(np.abs(a), out=np.zeros_like(a), where=a != 0)
        if e.fn == "sqrt":
            return np.sqrt(np.where(a > 0, a, 0.0))
        d = np.linalg.det(a)
        return np.array([[0.0 if d == 0 else np.log(abs(d))]])
    if not kids:
        return numeric.evaluate(e, values, sizes)
    names = [f"_{i}" for i in range(len(kids))]
    return numeric.evaluate(e.with_children(tuple(S.Var(n) for n in names)), dict(zip(names, kids)), sizes)


def _holds(word: str, value: "numeric.np.ndarray") -> bool:
    np = numeric.np
    if word == "invertible":
        return value.shape[0] == value.shape[1] and np.linalg.matrix_rank(value) == value.shape[0]
    if word == "nonzero":
        return bool((value != 0).all())
    return bool((value > 0).all())  # positive


def total_compare(lhs: S.Expr, rhs: S.Expr, env: Env, hypotheses: list, varying: list[str],
                  draws: int = 12) -> bool | None:
    """`lhs = rhs` in the total semantics on random draws where the hypotheses (OPEN words
    only) hold: False at the first draw where they differ, None if no draw could be judged."""
    np = numeric.np
    dims = set(env.dims)
    for t in (lhs, rhs, *(t for _, t in hypotheses)):
        for _, u in S.subterms(t):
            for d in ((u.size,) if isinstance(u, S.Identity) else (u.rows, u.cols)
                      if isinstance(u, (S.Ones, S.Zeros)) else ()):
                dims |= {f for f in (d.factors if d else ()) if isinstance(f, str)}
    judged = 0
    for k in range(draws):
        rng = np.random.default_rng(k)
        sizes = numeric.draw_sizes(dims, rng, k)
        values = numeric.draw_values(env, sizes, rng)
        directions = numeric.draw_directions(env, values, [v for v in varying if v in env], rng)
        try:
            with np.errstate(all="ignore"):
                if not all(_holds(w, total_value(t, values, sizes, directions)) for w, t in hypotheses):
                    continue
                left, right = (total_value(t, values, sizes, directions) for t in (lhs, rhs))
        except Undecided:
            continue
        if not (np.isfinite(left).all() and np.isfinite(right).all()):
            continue
        judged += 1
        scale = max(float(np.abs(left).max(initial=0)), float(np.abs(right).max(initial=0)))
        if float(np.abs(left - right).max(initial=0)) > 1e-8 * scale:
            return False
    return True if judged else None


PROTECTING = ("invertible", "nonzero", "positive", "spd", "orthogonal", "differential", "fullcolrank", "fullrowrank")


def rules_at_zero(rules: Iterable | None = None) -> Tally:
    """Every equation of the rule base with one variable set to zero (those its conditions
    leave free to be zero), drawn where its conditions hold: is each side still defined for
    the numbers, and do they still agree? In the total semantics (docs/SEMANTICS.md) every
    term has a value, but the numbers evaluate only the classical domain: a side they
    cannot evaluate at zero is where a convention (`0⁻¹ = 0`, `x / 0 = 0`) decides, so a
    rule whose one side is defined there and the other not (`(B ⊙ A) ⊘ A = B` without
    `A nonzero`) is false in the total semantics, or needs a condition it does not state.
    Uses the loader's own helpers (`rules._drawable` and friends) to give the pattern
    variables drawable shapes. `rules`: `ruletext.RuleText`s, the rule base's by default."""
    from rewrite import rules as loader

    tally = Tally()
    for rule in checker().rulebase.rules if rules is None else rules:
        if rule.rhs is None:
            continue
        sides, env = rule.patterns()
        env, sizes = loader._drawable(rule, env)
        on_vars = [(w, t.name) for w, t in rule.conditions if isinstance(t, S.Var)]
        zero = {v for w, v in on_vars if w == "zero"}
        protected = zero | {v for w, v in on_vars if w in PROTECTING}
        base = [loader._zero_out(loader._resolve_sizes(side, sizes), zero, env) for side in sides]
        conditions = [(w, loader._zero_out(loader._resolve_sizes(t, sizes), zero, env))
                      for w, t in rule.compiled().conditions if w in kernel.OPEN]
        varying = [v for v in env if "const" not in env[v].props]
        for v in sorted(set(env) - protected):
            lhs, rhs = (loader._zero_out(side, {v}, env) for side in base)
            hypotheses = [(w, loader._zero_out(t, {v}, env)) for w, t in conditions]

            def compare(a: S.Expr, b: S.Expr) -> bool | None:
                return numeric.compare(a, b, env, draws=3, directions_for=varying, hypotheses=hypotheses).agrees

            agrees = compare(lhs, rhs)
            if agrees is None:  # the numbers cannot evaluate it there: the conventions decide
                agrees = total_compare(lhs, rhs, env, hypotheses, varying)
                column = {False: "false", True: "agree by convention", None: "undecided"}[agrees]
            else:
                column = "agree" if agrees else "false"
            tally.add("rules with a variable at zero", column, None, f"{rule.name} {v}")
            if column == "false":
                tally.finding("RULE", f"{rule.text}   with {v} = 0: the sides differ")
            elif column == "undecided":
                defined = [compare(t, t) is True for t in (lhs, rhs)]
                if defined[0] != defined[1]:
                    tally.finding("RULE", f"{rule.text}   with {v} = 0: only the {'left' if defined[0] else 'right'} "
                                          "side is defined, and the total semantics cannot be evaluated there")
    return tally


def part_numeric(runs: int, jobs: int) -> tuple[str, Tally]:
    tally = merged(in_parallel(numeric_case, [(i, runs) for i in range(len(NUMERIC_CASES))], jobs))
    edge = rules_at_zero()
    columns = ["agree", "refute", "no draw", "crash"] + [f"checker: {o}" for o in OUTCOMES]
    out = table(f"Numeric edge cases ({runs} runs of the numeric check, 6 draws each, then the checker once)",
                tally, columns)
    out += ("\n\nA true identity must never be refuted (`refute` = 0 on its row), a false one always "
            "(`agree` = 0): `no draw` means every draw left a function's domain or overflowed.")
    out += table("The rules with one variable at zero", edge, ["agree", "agree by convention", "undecided", "false"])
    out += ("\n\n`agree by convention`: the numbers cannot evaluate a side there, and the total semantics "
            "(`0⁻¹ = 0`, `x / 0 = 0`, …) makes the sides equal; `undecided`: not even that could be evaluated.")
    out += "\n\n" + "\n".join(f"- {f.split(': ', 1)[1]}" for f in edge.findings)
    return out, tally.merge(edge)


# ---------------------------------------------------------------------------
# The campaign


def header(args: argparse.Namespace) -> str:
    from importlib import metadata

    return (f"rewrite soundness campaign: Python {sys.version.split()[0]}, egglog {metadata.version('egglog')}, "
            f"numpy {metadata.version('numpy')}, {os.cpu_count()} cores, load average "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; seed {args.seed}, {args.jobs} jobs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="With no part named, every part runs at the campaign's size.")
    parser.add_argument("--identities", type=int, metavar="N", help="true identities (and as many mutations); 10000")
    parser.add_argument("--forgeries", type=int, metavar="N", help="forged certificates; 1000")
    parser.add_argument("--fuzz", type=int, metavar="N", help="random inputs, and the huge ones; 100000")
    parser.add_argument("--stress", action="store_true", help="statements that blow the e-graph up")
    parser.add_argument("--numeric", action="store_true", help="edge cases of the numeric check")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    if not (args.identities or args.forgeries or args.fuzz or args.stress or args.numeric):
        args.identities, args.forgeries, args.fuzz, args.stress, args.numeric = 10_000, 1000, 100_000, True, True
    print(header(args), flush=True)
    parts: list[tuple[str, Callable[[], tuple[str, Tally]]]] = []
    if args.identities:
        parts.append(("identities", lambda: part_identities(args.identities // 2, args.seed, args.jobs)))
    if args.forgeries:
        parts.append(("forgeries", lambda: part_forgeries(args.forgeries, args.seed, args.jobs)))
    if args.fuzz:
        parts.append(("fuzz", lambda: part_fuzz(args.fuzz, args.seed, args.jobs)))
    if args.numeric:
        parts.append(("numeric", lambda: part_numeric(NUMERIC_RUNS, args.jobs)))
    if args.stress:
        parts.append(("stress", part_stress))
    everything = Tally()
    start = time.perf_counter()
    for name, run in parts:
        began = time.perf_counter()
        text, tally = run()
        print(text, f"\n\n{name}: {time.perf_counter() - began:.0f} s wall", flush=True)
        everything.merge(tally)
    kinds = Counter(f.split(":", 1)[0] for f in everything.findings)
    print(f"\n### Findings: {dict(kinds) or 'none'}\n")
    for kind in ("UNSOUND", "TRACEBACK", "HANG", "BUDGET", "BUG", "NUMERIC", "SEARCH", "RULE", "NOT DERIVED"):
        shown = [f for f in everything.findings if f.startswith(kind + ":")]
        most = 50 if kind == "NOT DERIVED" else 5  # each miss, to classify
        for finding in shown[:most]:
            print(finding[:3000], "\n")
        if len(shown) > most:
            print(f"… and {len(shown) - most} more {kind} findings\n")
    print(f"total: {time.perf_counter() - start:.0f} s wall")
    return 1 if kinds["UNSOUND"] or kinds["TRACEBACK"] else 0


if __name__ == "__main__":
    sys.exit(main())
