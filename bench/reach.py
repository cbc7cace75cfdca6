"""The reach benchmark of issue 15: one row per class of statements, proved and time.

The classes are the ones issue 15 lists (softmax and its losses, Sherman–Morrison/Woodbury,
log-determinant algebra, Hadamard products summed with ones, Jacobians and Hessians, the
slow or rejected ones), written as `proofs/reach_*.proof`; each file is a class and each
`# --- title ---` section in it a sub-class. `bench/reach_pending.txt` holds the
statements of those classes that need a code change; it is measured as its own class.
Every statement goes through the real orchestrator (`Checker.check_file`) with the default
settings, in one warm process; a claim counts when it is `proved`, a refute when it is
`false`. Times are the checker's own wall time per statement (fastest of `--repeat`).

    python bench/reach.py                       # the classes, one row each
    python bench/reach.py --sections            # and a row per section
    python bench/reach.py --rules /tmp/rules    # another rule base (a before/after table)
    python bench/reach.py --markdown --repeat 3

The checkout must be importable (`PYTHONPATH=.` or `pip install .`).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from rewrite.budget import Budget
from rewrite.check import Checker, Result, Settings

ROOT = Path(__file__).resolve().parent.parent
CLASSES = [
    ("softmax and its losses", "proofs/reach_softmax.proof"),
    ("Sherman–Morrison / Woodbury", "proofs/reach_inverse.proof"),
    ("log-determinant algebra", "proofs/reach_logdet.proof"),
    ("Hadamard summed with ones", "proofs/reach_hadamard.proof"),
    ("Jacobians and Hessians", "proofs/reach_jacobians.proof"),
    ("ridge, regularised inverse", "proofs/reach_ridge.proof"),
    ("needs code (pending)", "bench/reach_pending.txt"),
]
SECTION = re.compile(r"^#\s*---\s*(.*?)\s*(\(.*\))?\s*---\s*$")


@dataclass
class Row:
    name: str
    claims: int = 0
    proved: int = 0
    refutes: int = 0
    refuted: int = 0
    seconds: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def add(self, r: Result, seconds: float) -> None:
        self.seconds.append(seconds)
        if r.kind == "claim":
            self.claims += 1
            self.proved += r.outcome == "proved"
        else:
            self.refutes += 1
            self.refuted += r.outcome == "false"
        if not r.passed:
            self.misses.append(f"{r.name} ({r.outcome})")

    def cells(self) -> list[str]:
        ms = [s * 1000 for s in self.seconds] or [0.0]
        name = self.name if len(self.name) <= 50 else self.name[:49] + "…"
        return [name, f"{self.proved}/{self.claims}", f"{self.refuted}/{self.refutes}",
                f"{statistics.median(ms):.0f}", f"{max(ms):.0f}"]


def sections(path: Path) -> dict[int, str]:
    """Line number → the title of the `# --- title ---` section it is in."""
    out, title = {}, "(no section)"
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = SECTION.match(line.strip())
        if m:
            title = m.group(1)
        out[n] = title
    return out


def measure(checker: Checker, path: Path, repeat: int) -> list[tuple[Result, float]]:
    runs = [checker.check_file(path) for _ in range(repeat)]
    return [(rs[0], min(r.seconds for r in rs)) for rs in zip(*runs)]


def table(rows: list[Row], markdown: bool) -> str:
    head = ["class", "claims proved", "mistakes false", "median ms", "max ms"]
    body = [r.cells() for r in rows]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in body])
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    fmt = lambda cs: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cs, widths)))
    return "\n".join([fmt(head), fmt(["-" * w for w in widths])] + [fmt(c) for c in body])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rules", help="rule directory (default: the project's rules/)")
    ap.add_argument("--timeout", type=float, default=Budget().seconds, help="search time limit per statement, s")
    ap.add_argument("--repeat", type=int, default=1, help="fastest of N runs per statement")
    ap.add_argument("--sections", action="store_true", help="a row per section as well")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    checker = Checker(Settings(rules_dir=args.rules, budget=Budget(seconds=args.timeout)))
    checker.prover.warm()
    print(f"rules: {args.rules or ROOT / 'rules'}; timeout {args.timeout:g} s; repeat {args.repeat}; "
          f"load average {os.getloadavg()[0]:.2f}")
    rows: list[Row] = []
    total = Row("all of proofs/reach_*")
    for name, rel in CLASSES:
        path = ROOT / rel
        where = sections(path)
        row, parts = Row(name), {}
        for r, s in measure(checker, path, args.repeat):
            row.add(r, s)
            if not rel.startswith("bench/"):
                total.add(r, s)
            parts.setdefault(where.get(r.line or 0, "(no section)"), Row(f"  {where.get(r.line or 0, '')}")).add(r, s)
        rows.append(row)
        if args.sections:
            rows.extend(parts.values())
    rows.append(total)
    print(table(rows, args.markdown))
    for row in rows:
        if row.misses and not row.name.startswith("  "):
            print(f"not as asked in {row.name}: {', '.join(row.misses)}")
    print(f"{time.perf_counter() - started:.0f} s in all; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
