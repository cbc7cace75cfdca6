"""The speed table of issue 14, measured in one run: start-up, per statement, throughput, tests.

Rows (each beside its target):
  - `rewrite prove "tr(A B)" "tr(B A)"`: one whole process (median of `--runs`), wall
    and CPU, with the rule base cache warm; and once with caching off (`REWRITE_CACHE_DIR=off`:
    what every start cost before the cache).
  - proofs/, warm: every statement through `Checker.check_file` in one process whose rule
    base and e-graph are loaded; the checker's own per-statement wall time (median, 90th
    percentile, max, sum) and the statements over 1 s. With `--repeat N`, the fastest of N
    per statement (the one other processes disturbed least on a shared machine).
  - `rewrite check proofs/ --jobs N` for each N of `--jobs`: whole-process wall time and
    statements per second per core (statements / wall / N).
  - with `--suite`: `python3 -m pytest` (the full suite) and `python3 -m pytest -m "not slow"`
    (the fast tier), wall time.

Every child process runs this checkout, with bytecode written to a private folder (an
installed package has its bytecode; `PYTHONDONTWRITEBYTECODE` would make every start
recompile the package) and the user's cache folder as a user would have it.

    PYTHONPATH=. python bench/speed.py                 # start-up, proofs/ warm, --jobs 1 2
    PYTHONPATH=. python bench/speed.py --suite         # and the test suite (minutes)
    PYTHONPATH=. python bench/speed.py --quick         # start-up and proofs/ warm only
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROVE = [sys.executable, "-m", "rewrite", "prove", "tr(A B)", "tr(B A)", "--let", "A: Mat(n, n)",
         "--let", "B: Mat(n, n)"]


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / f"rewrite-bench-pyc-{os.getuid()}")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.update(extra)
    return env


def timed(cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + system of the child), exit status, stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, run.returncode, run.stdout


def startup(runs: int) -> list[tuple[str, str, str]]:
    env = child_env()
    timed(PROVE, env)  # the cache (rule base, parser tables, bytecode) written once
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu, status, out = timed(PROVE, env)
        assert status == 0 and "proved" in out, out
        walls.append(wall)
        cpus.append(cpu)
    cold_wall, cold_cpu, _, _ = timed(PROVE, child_env(REWRITE_CACHE_DIR="off"))
    return [
        ("`rewrite prove \"tr(A B)\" \"tr(B A)\"`, whole process, cache warm (median of "
         f"{runs})", f"{statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU "
         f"(min {min(cpus):.2f})", "≤ 0.5 s"),
        ("the same, caching off (every rule validated at start)", f"{cold_wall:.2f} s wall, {cold_cpu:.2f} s CPU", "—"),
    ]


def parsing() -> list[tuple[str, str, str]]:
    """Parsing, timed here rather than in a test (a timed test fails on a loaded machine)."""
    from rewrite.parse import parse_expr

    line = "2 Aᵀ (A x - b) + tr(X⁻¹ d(X)) : ‖B‖² - d/dx xᵀ A x"
    long = " + ".join(["tr(A B) ‖x‖²"] * 150)
    parse_expr(line)
    start = time.perf_counter()
    for _ in range(100):
        parse_expr(line)
    one = (time.perf_counter() - start) / 100
    start = time.perf_counter()
    parse_expr(long)
    return [("parse one line (`2 Aᵀ (A x - b) + tr(X⁻¹ d(X)) : ‖B‖² - d/dx xᵀ A x`, mean of 100)",
             f"{1000 * one:.2f} ms", "≤ 5 ms"),
            ("parse a 150-term sum (`tr(A B) ‖x‖² + …`)", f"{1000 * (time.perf_counter() - start):.0f} ms", "≤ 0.5 s")]


def warm_corpus(repeat: int) -> tuple[list[tuple[str, str, str]], int]:
    from rewrite.check import Checker, Settings, expand_paths

    checker = Checker(Settings())
    checker.prover.warm()
    checker.check_text("let A, B : Mat(n, n)\nclaim c: (A B)ᵀ = Bᵀ Aᵀ\n")
    best: dict[tuple[str, str], float] = {}
    cpu: dict[tuple[str, str], float] = {}
    outcomes: dict[tuple[str, str], bool] = {}
    checked = checker.check_statement

    def timed_statement(stmt, env, pf=None):  # the checker's own wall time, and this process's CPU time
        start = time.process_time()
        r = checked(stmt, env, pf)
        key = (Path(r.file).name, r.name)
        cpu[key] = min(cpu.get(key, float("inf")), time.process_time() - start)
        return r

    checker.check_statement = timed_statement  # type: ignore[method-assign]
    for _ in range(repeat):
        for path in expand_paths([ROOT / "proofs"]):
            for r in checker.check_file(path):
                key = (path.name, r.name)
                best[key] = min(best.get(key, float("inf")), r.seconds)
                outcomes[key] = r.passed
    rows = []
    for label, values in (("wall", best), ("CPU", cpu)):
        times = sorted(values.values())
        p90 = times[int(0.9 * (len(times) - 1))]
        rows.append((f"proofs/ warm, per statement, {label} ({len(times)} statements, {sum(outcomes.values())} passed"
                     f"{', fastest of ' + str(repeat) if repeat > 1 else ''})",
                     f"median {1000 * statistics.median(times):.0f} ms, p90 {1000 * p90:.0f} ms, "
                     f"max {1000 * times[-1]:.0f} ms, sum {sum(times):.1f} s", "median ≤ 20 ms"))
    for label, values in (("wall", best), ("CPU", cpu)):
        slow = sorted(((s, f"{f}::{n}") for (f, n), s in values.items() if s > 1.0), reverse=True)
        rows.append((f"statements of proofs/ over 1 s ({label})",
                     ", ".join(f"{name} {s:.2f} s" for s, name in slow) or "none", "none"))
    return rows, len(best)


def throughput(jobs: list[int], statements: int) -> list[tuple[str, str, str]]:
    rows = []
    for n in jobs:
        wall, cpu, status, out = timed([sys.executable, "-m", "rewrite", "check", "proofs", "--jobs", str(n)],
                                       child_env())
        last = out.strip().splitlines()[-1] if out.strip() else "?"
        rows.append((f"`rewrite check proofs/ --jobs {n}` ({last}, exit {status})",
                     f"{wall:.1f} s wall, {cpu:.1f} s CPU; {statements / wall / n:.1f} statements/s/core",
                     "every core used"))
    return rows


def suite() -> list[tuple[str, str, str]]:
    rows = []
    for label, args, target in (("test suite, full (`python3 -m pytest`)", [], "≤ 4 min"),
                                ('test suite, fast tier (`python3 -m pytest -m "not slow"`)', ["-m", "not slow"],
                                 "≤ 90 s")):
        wall, cpu, status, out = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                                       child_env())
        last = out.strip().splitlines()[-1] if out.strip() else "?"
        rows.append((f"{label}: {last}", f"{wall:.0f} s wall, {cpu:.0f} s CPU", target))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="start-up runs (median)")
    ap.add_argument("--repeat", type=int, default=1, help="proofs/ warm: fastest of N per statement")
    ap.add_argument("--jobs", type=int, nargs="*", default=[1, 2], help="`rewrite check --jobs N` for each N")
    ap.add_argument("--suite", action="store_true", help="also time the test suite, full and fast")
    ap.add_argument("--quick", action="store_true", help="start-up and proofs/ warm only")
    args = ap.parse_args()
    from importlib.metadata import version

    import numpy

    print(f"# python {sys.version.split()[0]}, egglog {version('egglog')}, numpy {numpy.__version__}, "
          f"{os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n| | measured | target |\n|---|---|---|", flush=True)

    def show(rows: list[tuple[str, str, str]]) -> None:  # each row as soon as it is measured
        for label, value, target in rows:
            print(f"| {label} | {value} | {target} |", flush=True)

    show(startup(args.runs))
    show(parsing())
    rows, statements = warm_corpus(args.repeat)
    show(rows)
    if not args.quick:
        show(throughput(args.jobs, statements))
        if args.suite:
            show(suite())
    print(f"\n# load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
