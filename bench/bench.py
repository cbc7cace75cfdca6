"""The benchmark of issues 3–5: how long each stage of a proof takes, and how it scales.

Runs the project's own `proofs/` and families of statements that grow with a parameter k,
in one process after a warm-up, and prints one table per section. Each statement is
checked by the real orchestrator, `Checker.check_statement`, whose outcome and time are
reported; a probe times its stages as they run: numeric spot-check (`numeric.compare`),
search (the checker's `prover.prove`, `.derive`, `.simplify`: rewriting to normal form,
then the e-graph if needed), certificate (`certificate.build`), kernel replay
(`kernel.check_chains` or `kernel.check_certificate`).

    python bench/bench.py                    # proofs/ and every family
    python bench/bench.py --families trace-cyclic sum-permuted --markdown
    python bench/bench.py --families --quick --timeout 1 --repeat 3

The checkout must be importable (`PYTHONPATH=.` or `pip install .`); the header names the
`rewrite` package that was measured. What each number means: bench/README.md.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import platform
import resource
import statistics
import sys
import time
from dataclasses import dataclass, field, replace
from importlib import metadata
from itertools import pairwise
from pathlib import Path
from typing import Callable, Iterable

import rewrite
from rewrite import certificate, kernel, numeric, prover
from rewrite import document as doc
from rewrite.budget import Budget
from rewrite.check import Checker, Settings, expand_paths
from rewrite.egraph import RunReport
from rewrite.parse import parse_file, parse_text
from rewrite.shapes import env_from_decls
from rewrite.sizes import Env

PROOFS = Path(__file__).resolve().parent.parent / "proofs"
TARGET_MEDIAN_MS = 30
TARGET_MAX_S = 2.0
TARGET_KERNEL_RATIO = 10


# ---------------------------------------------------------------------------
# Measuring one statement


@dataclass
class Measure:
    """One statement's outcome, the checker's own time for it, and the time of each stage
    (a stage that did not run is absent from `seconds`)."""

    name: str
    kind: str
    outcome: str = "error"
    note: str = ""
    total: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)
    searches: list[RunReport] = field(default_factory=list)  # one per prover call
    steps: int | None = None
    rss_mb: float | None = None  # the process's peak resident memory during the statement
    rss_growth_mb: float | None = None  # that peak less the resident memory at its start
    unseen: list[str] = field(default_factory=list)  # stages a proof needs that the probe did not see

    @property
    def passed(self) -> bool:
        return (self.kind, self.outcome) in (("claim", "proved"), ("refute", "false"))


class Probe:
    """Times the stages of one `Checker.check_statement` by wrapping, while it runs, the
    functions the checker calls for them (`targets`: owner, attribute, stage).

    The bench measures the real orchestrator rather than a copy of it: the pipeline is
    still changing (goals per statement, Hessians through a derived gradient, a rewriting
    pass before the e-graph), and a copy would measure something else the day it drifts.
    Only the outermost stage call is timed, so a stage that calls another is not counted
    twice.
    """

    def __init__(self, m: Measure, targets: list[tuple[object, str, str]]) -> None:
        self.m = m
        self.targets = targets
        self.saved: list[tuple[object, str, object]] = []
        self.busy = False

    def __enter__(self) -> "Probe":
        for owner, name, stage in self.targets:
            if hasattr(owner, name):  # each version of the checker uses some of them
                self.saved.append((owner, name, vars(owner).get(name)))
                setattr(owner, name, self._timed(stage, getattr(owner, name)))
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, own in reversed(self.saved):
            if own is None:
                delattr(owner, name)  # the method of the owner's class shows through again
            else:
                setattr(owner, name, own)

    def _timed(self, stage: str, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            if self.busy:
                return fn(*args, **kwargs)
            self.busy, start = True, time.perf_counter()
            try:
                out = fn(*args, **kwargs)
            finally:
                self.busy = False
                self.m.seconds[stage] = self.m.seconds.get(stage, 0.0) + time.perf_counter() - start
            found = out[-1] if isinstance(out, tuple) else out  # derive returns (gradient, outcome)
            if isinstance(found, prover.SearchResult):
                self.m.searches.append(found.report)
            return out

        return timed


class Bench:
    """One checker (its rule base and e-graph loaded once), and statements measured with it."""

    def __init__(self, settings: Settings, repeat: int = 1) -> None:
        self.repeat = repeat
        start = time.perf_counter()
        self.checker = Checker(settings)
        loaded = time.perf_counter()
        self.checker.prover.program.egraph()
        self.warmup = {"rule base": loaded - start, "e-graph program": time.perf_counter() - loaded}
        search = self.checker.prover
        self.stages = [(numeric, "compare", "numeric"), (certificate, "build", "certificate")]
        self.stages += [(search, name, "search") for name in ("prove", "derive", "simplify")]
        self.stages += [(kernel, name, "kernel") for name in ("check_chains", "check_certificate")]

    def measure(self, stmt: doc.Statement, env: Env, pf: doc.ProofFile, name: str) -> Measure:
        """The fastest of `repeat` checks of a statement: on a shared machine the fastest
        run is the one other processes disturbed least."""
        return min((self._once(stmt, env, pf, name) for _ in range(self.repeat)), key=lambda m: m.total)

    def _once(self, stmt: doc.Statement, env: Env, pf: doc.ProofFile, name: str) -> Measure:
        """Check one statement. A crash of the code under test becomes the outcome `crash`
        (with the exception), so that one bug does not hide the rest of the table."""
        m = Measure(name, stmt.kind)
        reset_peak_rss()
        before = peak_rss_mb()
        start = time.perf_counter()
        try:
            with Probe(m, self.stages):
                r = self.checker.check_statement(stmt, env, pf)
        except Exception as e:  # noqa: BLE001 — see the docstring
            m.outcome, m.note, m.total = "crash", f"{type(e).__name__}: {e}", time.perf_counter() - start
        else:
            m.outcome, m.note, m.total, m.steps = r.outcome, r.message or "", r.seconds, r.steps
            if r.outcome == "proved":
                m.unseen = [stage for stage in ("search", "kernel") if stage not in m.seconds]
        m.rss_mb = peak_rss_mb()
        m.rss_growth_mb = m.rss_mb - before
        return m


def peak_rss_mb() -> float:
    """The process's peak resident set size (Linux reports kilobytes). Unlike tracemalloc
    it includes egglog's Rust allocations, and it costs nothing to read."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Lower the peak to the current RSS, so that the next peak is one statement's: Linux
    (≥ 4.0) does this on `5` written to /proc/self/clear_refs. False where it cannot, and
    the peak is then the process's since it started."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


# ---------------------------------------------------------------------------
# The families: statements that grow with k, as proof text


def seq(prefix: str, ks: Iterable[int], suffix: str = "") -> list[str]:
    """Numbered names: seq("A", range(1, 4)) is A1, A2, A3."""
    return [f"{prefix}{i}{suffix}" for i in ks]


def trace_cyclic(k: int) -> str:
    """tr(A1⋯Ak) = tr(Ak A1⋯A(k-1)), with a chain of distinct (non-square) sizes."""
    lets = [f"let A{i} : Mat(n{i}, n{i % k + 1})" for i in range(1, k + 1)]
    a = seq("A", range(1, k + 1))
    return "\n".join(lets + [f"claim trace_cyclic_{k}: tr({' '.join(a)}) = tr({' '.join(a[-1:] + a[:-1])})"])


def sum_permuted(k: int) -> str:
    """A1 + ⋯ + Ak = Ak + ⋯ + A1: every pair out of order, the worst case for add-comm/assoc."""
    a = seq("A", range(1, k + 1))
    return f"let {', '.join(a)} : Mat(m, n)\nclaim sum_reversed_{k}: {' + '.join(a)} = {' + '.join(reversed(a))}"


def transpose_nested(k: int) -> str:
    """T1 = A1, Tj = (T(j-1) Aj)ᵀ; the right side has every transpose pushed to a leaf."""
    lhs, factors = "A1", [("A1", False)]
    for j in range(2, k + 1):
        lhs = f"({lhs} A{j})ᵀ"
        factors = [(f"A{j}", True)] + [(n, not t) for n, t in reversed(factors)]
    rhs = " ".join(n + ("ᵀ" if t else "") for n, t in factors)
    return f"let {', '.join(seq('A', range(1, k + 1)))} : Mat(n, n)\nclaim transpose_nested_{k}: {lhs} = {rhs}"


def grad_chain_norm(k: int) -> str:
    """d/dx ‖Ak⋯A1 x‖² = 2 A1ᵀ⋯Akᵀ Ak⋯A1 x (a linear network of depth k, squared loss)."""
    lets = ["let x : Vec(n0)"] + [f"let A{i} : Mat(n{i}, n{i - 1})" for i in range(1, k + 1)]
    down = " ".join(seq("A", range(k, 0, -1)))
    up = " ".join(seq("A", range(1, k + 1), "ᵀ"))
    return "\n".join(lets + [f"claim grad_chain_{k}: d/dx ‖{down} x‖² = 2 {up} {down} x"])


def grad_trace_power(k: int) -> str:
    """d/dX tr(X⋯X) = k Xᵀ⋯Xᵀ (k factors on the left, k-1 on the right), written out as
    products rather than powers."""
    lhs = " ".join(["X"] * k)
    rhs = "I" if k == 1 else f"{k} {' '.join(['Xᵀ'] * (k - 1))}"
    return f"let X : Mat(n, n)\nclaim grad_trace_power_{k}: d/dX tr({lhs}) = {rhs}"


def grad_trace_sandwich(k: int) -> str:
    """d/dX tr(A1 X A2 X ⋯ Ak X) = Σⱼ (A(j+1) X ⋯ Ak X A1 X ⋯ Aj)ᵀ: each X in turn, the
    product cycled so that its d(X) comes last."""
    pairs = [f"A{i} X" for i in range(1, k + 1)]
    terms = []
    for j in range(1, k + 1):  # the j-th X is differentiated
        cycled = pairs[j:] + pairs[:j]
        terms.append(f"({' '.join(cycled).removesuffix(' X')})ᵀ")  # that X itself becomes d(X)
    lets = f"let X, {', '.join(seq('A', range(1, k + 1)))} : Mat(n, n)"
    return f"{lets}\nclaim grad_trace_sandwich_{k}: d/dX tr({' '.join(pairs)}) = {' + '.join(terms)}"


def grad_logdet_product(k: int) -> str:
    """d/dX logdet(A1⋯A(k-1) X) = X⁻¹ for spd factors: the other factors must cancel."""
    factors = seq("A", range(1, k)) + ["X"]
    return (f"let {', '.join(factors)} : Mat(n, n) spd\n"
            f"claim grad_logdet_product_{k}: d/dX logdet({' '.join(factors)}) = X⁻¹")


def grad_det_product(k: int) -> str:
    """d/dX det(A1⋯A(k-1) X) = det(A1⋯A(k-1) X) X⁻ᵀ for invertible factors."""
    factors = seq("A", range(1, k)) + ["X"]
    prod = " ".join(factors)
    return (f"let {', '.join(factors)} : Mat(n, n) invertible\n"
            f"claim grad_det_product_{k}: d/dX det({prod}) = det({prod}) X⁻ᵀ")


def sigmoid_network(k: int) -> str:
    """d/dx ‖hk‖² for h0 = x, hj = σ(zj), zj = Wj h(j-1): backpropagation written out
    in the order of the rule d-sigmoid (σ' = σ(z) σ(-z)) and of proofs/ml.proof,
    gk = σ(zk) ⊙ σ(-zk) ⊙ (2 hk), g(j-1) = σ(z(j-1)) ⊙ σ(-z(j-1)) ⊙ (Wjᵀ gj), gradient W1ᵀ g1."""
    z, h = {}, {0: "x"}
    for j in range(1, k + 1):
        z[j] = f"W{j} {h[j - 1]}"
        h[j] = f"sigmoid({z[j]})"
    g = f"2 {h[k]}"
    for j in range(k, 0, -1):
        g = f"{h[j]} ⊙ sigmoid(-({z[j]})) ⊙ ({g if j == k else f'W{j + 1}ᵀ ({g})'})"
    lets = ["let x : Vec(n0)"] + [f"let W{j} : Mat(n{j}, n{j - 1})" for j in range(1, k + 1)]
    return "\n".join(lets + [f"claim sigmoid_net_{k}: d/dx ‖{h[k]}‖² = W1ᵀ ({g})"])


@dataclass(frozen=True)
class Family:
    """Statements that grow with k, and the range of k to try."""

    name: str
    statement: Callable[[int], str]  # k -> proof text: declarations and one claim
    ks: range

    def example(self) -> str:
        """The claim for a small k, as measured (declarations left out)."""
        k = self.ks[min(1, len(self.ks) - 1)]
        return f"example, k={k}: " + self.statement(k).splitlines()[-1].split(":", 1)[1].strip()


FAMILIES = [
    Family("trace-cyclic", trace_cyclic, range(2, 13)),
    Family("sum-permuted", sum_permuted, range(2, 13)),
    Family("transpose-nested", transpose_nested, range(2, 13)),
    Family("grad-chain-norm", grad_chain_norm, range(1, 9)),
    Family("grad-trace-power", grad_trace_power, range(1, 9)),
    Family("grad-trace-sandwich", grad_trace_sandwich, range(1, 7)),
    Family("grad-logdet-product", grad_logdet_product, range(1, 9)),
    Family("grad-det-product", grad_det_product, range(1, 9)),
    Family("sigmoid-network", sigmoid_network, range(1, 7)),
]
QUICK_KS = 4  # --quick: the first few k of each family


def run_family(bench: Bench, family: Family, ks: Iterable[int],
               timeout: float) -> tuple[list[tuple[int, Measure]], str]:
    """Measure k = ks in order until a statement fails or takes longer than `timeout`;
    also says where and why the family stopped."""
    rows: list[tuple[int, Measure]] = []
    for k in ks:
        pf = parse_text(family.statement(k), f"<{family.name} k={k}>")
        m = bench.measure(pf.statements[0], env_from_decls(pf.decls), pf, f"{family.name} k={k}")
        rows.append((k, m))
        if not m.passed:
            return rows, f"stopped at k={k}: {m.outcome} ({m.note})"
        if m.total > timeout:
            return rows, f"stopped at k={k}: took {m.total:.2f} s, over the {timeout:g} s cap"
    return rows, f"reached the cap k={rows[-1][0]}" if rows else "no k to run"


# ---------------------------------------------------------------------------
# Summaries


def quantile(xs: list[float], q: float) -> float:
    """Nearest-rank quantile (q = 0.9: the value 90 % of the statements do not exceed)."""
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def kernel_ratio(measured: list[Measure]) -> list[str]:
    """Median (and worst) of search time / kernel time over the kernel-checked proofs, and
    over those whose search ran the e-graph: where rewriting to normal form alone found
    the proof, the search does about the kernel's work, and the ratio says little."""
    proved = [m for m in measured if m.outcome == "proved" and m.seconds.get("kernel") and m.seconds.get("search")]
    searched = [m for m in proved if any(r.iterations for r in m.searches)]
    lines = []
    for label, subset in (("", proved), (", e-graph searches", searched)):
        r = [m.seconds["search"] / m.seconds["kernel"] for m in subset]
        if r:
            ok = "meets" if statistics.median(r) >= TARGET_KERNEL_RATIO else "misses"
            lines.append(f"kernel vs search{label}: the kernel replays {statistics.median(r):.1f}× faster than the "
                         f"search (median of search/kernel over {len(r)} proofs; worst {min(r):.1f}×) — {ok} the "
                         f"≥{TARGET_KERNEL_RATIO}× target")
    return lines or ["kernel vs search: no kernel-checked proofs"]


def time_summary(measured: list[Measure], label: str) -> str:
    """Median, p90 and max of the statements' total times, and how many were over 2 s."""
    t = [m.total for m in measured]
    if not t:
        return f"{label}: none"
    worst = max(measured, key=lambda m: m.total)
    over = sum(x > TARGET_MAX_S for x in t)
    return (f"{label} ({len(t)}): median {statistics.median(t) * 1e3:.1f} ms, p90 {quantile(t, 0.9) * 1e3:.1f} ms, "
            f"max {worst.total * 1e3:.0f} ms ({worst.name}); {over} over {TARGET_MAX_S:g} s")


def probe_warning(measured: list[Measure]) -> list[str]:
    """A line when proofs went through stages the probe did not see: the checker has
    changed the calls it makes, and Bench.stages must follow."""
    missed = [m for m in measured if m.unseen]
    if not missed:
        return []
    stages = sorted({s for m in missed for s in m.unseen})
    return [f"PROBE OUT OF DATE: {len(missed)} proofs without a timed {' or '.join(stages)} stage "
            f"(e.g. {missed[0].name}); the checker calls something not in Bench.stages"]


def section_summary(measured: list[Measure]) -> list[str]:
    """The summary lines of a section, against the targets of issues 3 and 4."""
    proved = [m for m in measured if m.outcome == "proved"]
    median_ms = statistics.median(m.total for m in measured) * 1e3 if measured else math.nan
    verdict = "meets" if median_ms <= TARGET_MEDIAN_MS else "misses"
    return [
        time_summary(measured, "all statements"),
        time_summary(proved, "proved statements"),
        f"target median ≤ {TARGET_MEDIAN_MS} ms (all statements): {verdict}; "
        f"passed {sum(m.passed for m in measured)} of {len(measured)}",
    ] + kernel_ratio(measured) + probe_warning(measured)


SUSPECT_EXPONENT = 4  # a local exponent above this, and rising, is flagged


def growth(points: list[tuple[int, float]]) -> list[str]:
    """How time grows with k: the exponent p of t ∝ kᵖ (least squares of log t on log k,
    over all points and over the last three), and a flag when growth looks faster than
    polynomial.

    The local exponent log(t(k+1)/t(k)) / log((k+1)/k) of a polynomial settles at its
    degree; an exponential's grows like k. So the flag is: the local exponent rose over
    the last three steps and ended above SUSPECT_EXPONENT. A statement's fixed cost makes
    the exponents of small k rise too, so only points at ≥ 4× the smallest time count.
    """
    if len(points) < 3:
        return ["growth: fewer than 3 proved points, no fit"]

    def slope(pts: list[tuple[int, float]]) -> float:
        return statistics.linear_regression([math.log(k) for k, _ in pts], [math.log(t) for _, t in pts]).slope

    lines = [f"growth: t ∝ k^{slope(points):.1f} over k={points[0][0]}..{points[-1][0]}, "
             f"k^{slope(points[-3:]):.1f} over the last 3 points"]
    smallest = min(t for _, t in points)
    hot = [(k, t) for k, t in points if t >= 4 * smallest]
    local = [math.log(t2 / t1) / math.log(k2 / k1) for (k1, t1), (k2, t2) in pairwise(hot)]
    if len(local) >= 3 and local[-1] > SUSPECT_EXPONENT and all(b > a for a, b in pairwise(local[-3:])):
        lines.append("growth: FASTER THAN POLYNOMIAL? the local exponent rose over the last 3 steps: "
                     + ", ".join(f"{e:.1f}" for e in local[-3:]))
    return lines


# ---------------------------------------------------------------------------
# Tables


def millis(seconds: float | None) -> str:
    """Milliseconds to three significant figures or so; `–` for a stage that did not run."""
    if seconds is None:
        return "–"
    v = seconds * 1e3
    return f"{v:.1f}" if v < 100 else f"{v:.0f}"


COLUMNS = ["outcome", "total ms", "numeric", "search", "iter", "nodes", "stop", "steps", "cert", "kernel"]


def cells(m: Measure) -> list[str]:
    """The COLUMNS of a statement; with several searches (one per goal), iterations add
    up, the e-graph size is the largest, and each search's stop reason is listed."""
    r = m.searches
    outcome = m.outcome if m.passed else f"{m.outcome} ✗"
    stage = m.seconds.get
    return [outcome, millis(m.total), millis(stage("numeric")), millis(stage("search")),
            str(sum(x.iterations for x in r)) if r else "–", str(max(x.nodes for x in r)) if r else "–",
            ",".join(x.stop for x in r) or "–", str(m.steps) if m.steps is not None else "–",
            millis(stage("certificate")), millis(stage("kernel"))]


def render(headers: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    """Rows under headers: a Markdown table, or plain text with the columns aligned (the
    first left, the rest right, as they are mostly numbers)."""
    if markdown:
        out = ["| " + " | ".join(headers) + " |", "|" + "|".join(["---"] + ["---:"] * (len(headers) - 1)) + "|"]
        return out + ["| " + " | ".join(r) + " |" for r in rows]
    widths = [max(len(x) for x in col) for col in zip(headers, *rows)]

    def line(r: list[str]) -> str:
        return "  ".join(x.ljust(w) if i == 0 else x.rjust(w) for i, (x, w) in enumerate(zip(r, widths))).rstrip()

    return [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]


class Printer:
    """Sections as they finish (a heading, a table, notes and summary lines), and lines
    (bullets in Markdown)."""

    def __init__(self, markdown: bool) -> None:
        self.markdown = markdown

    def lines(self, lines: list[str]) -> None:
        print("\n".join(f"- {x}" if self.markdown else x for x in lines) + "\n", flush=True)

    def section(self, title: str, headers: list[str], rows: list[list[str]], lines: list[str]) -> None:
        print(f"### {title}" if self.markdown else f"== {title} ==", "", *render(headers, rows, self.markdown), "",
              sep="\n")
        self.lines(lines)


def notes(measured: list[Measure]) -> list[str]:
    """Why each failing statement failed."""
    return [f"{m.name}: {m.outcome}: {m.note}" for m in measured if not m.passed and m.note]


# ---------------------------------------------------------------------------
# Sections


def bench_proofs(bench: Bench, printer: Printer, folder: Path) -> list[Measure]:
    """Every statement of every proof file in `folder`, in one table."""
    measured: list[Measure] = []
    rows = []
    for path in expand_paths([folder]):
        pf = parse_file(path)
        env = env_from_decls(pf.decls, file=pf.path)
        for stmt in pf.statements:
            m = bench.measure(stmt, env, pf, f"{path.stem}::{stmt.name}")
            measured.append(m)
            rows.append([m.name] + cells(m))
    printer.section(f"proofs ({folder})", ["statement"] + COLUMNS, rows, notes(measured) + section_summary(measured))
    return measured


def bench_family(bench: Bench, printer: Printer, family: Family, ks: range, timeout: float) -> list[Measure]:
    """One family, k by k, in one table with its growth and memory."""
    rows, stop = run_family(bench, family, ks, timeout)
    table = []
    for i, (k, m) in enumerate(rows):
        step = f"{m.total / rows[i - 1][1].total:.2f}" if i else "–"
        table.append([str(k)] + cells(m) + [step, f"{m.rss_mb:.0f}", f"{m.rss_growth_mb:.1f}"])
    measured = [m for _, m in rows]
    points = [(k, m.total) for k, m in rows if m.passed]
    lines = [family.example(), stop] + growth(points) + kernel_ratio(measured) + probe_warning(measured)
    printer.section(f"family {family.name}", ["k"] + COLUMNS + ["×prev", "peak MB", "+MB"], table, lines)
    return measured


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--proofs", action="store_true", help="run proofs/ (default: proofs/ and all families)")
    ap.add_argument("--families", nargs="*", metavar="NAME",
                    help=f"run these families (none named: all): {', '.join(f.name for f in FAMILIES)}")
    ap.add_argument("--quick", action="store_true", help=f"only the first {QUICK_KS} k of each family")
    ap.add_argument("--timeout", type=float, metavar="S",
                    help=f"search budget per statement, and the time that stops a family "
                         f"(default {Budget().seconds:g})")
    ap.add_argument("--repeat", type=int, default=1, metavar="N",
                    help="check each statement N times, keep the fastest")
    ap.add_argument("--markdown", action="store_true", help="Markdown tables, to paste into an issue")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    unknown = set(args.families or ()) - {f.name for f in FAMILIES}
    if unknown:
        ap.error(f"no family named {', '.join(sorted(unknown))}")
    everything = not args.proofs and args.families is None

    budget = replace(Budget(), seconds=args.timeout) if args.timeout else Budget()
    printer = Printer(args.markdown)
    printer.lines(header(budget, args.repeat))
    started = time.perf_counter()
    bench = Bench(Settings(budget=budget), args.repeat)
    bench.warmup["first statement"] = bench.measure(*_warmup_statement()).total
    printer.lines(["warm-up: " + ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in bench.warmup.items())])

    if args.proofs or everything:
        bench_proofs(bench, printer, PROOFS)
    if args.families is not None or everything:
        measured = []
        for family in FAMILIES:
            if not args.families or family.name in args.families:
                ks = family.ks[:QUICK_KS] if args.quick else family.ks
                measured += bench_family(bench, printer, family, ks, budget.seconds)
        outcomes = sorted({m.outcome for m in measured})
        printer.section("families, all statements", ["outcome", "count"],
                        [[o, str(sum(m.outcome == o for m in measured))] for o in outcomes], section_summary(measured))
    printer.lines([f"finished in {time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.2f}"])
    return 0


def _warmup_statement() -> tuple[doc.Statement, Env, doc.ProofFile, str]:
    """A small proof that runs every stage once (the parser, the kernel's rule compiler
    and egglog all do work on first use), so that the measured statements are warm."""
    pf = parse_text(trace_cyclic(3), "<warm-up>")
    return pf.statements[0], env_from_decls(pf.decls), pf, "warm-up"


def header(budget: Budget, repeat: int) -> list[str]:
    """What was measured, where, and how busy the machine was (2 cores are easily shared)."""
    per_statement = reset_peak_rss()  # trying it once tells whether this system can
    memory = "per statement" if per_statement else "of the process so far (this system cannot reset the peak)"
    return [
        f"rewrite from {Path(rewrite.__file__).parent}",
        f"Python {platform.python_version()}, egglog {metadata.version('egglog')}, numpy {metadata.version('numpy')}",
        f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}",
        f"budget per search: {budget.seconds:g} s, {budget.nodes} nodes, {budget.iterations} iterations",
        f"times: wall clock in one warm process, fastest of {repeat}; "
        f"memory: peak RSS {memory}, egglog's Rust heap included",
    ]


if __name__ == "__main__":
    sys.exit(main())
