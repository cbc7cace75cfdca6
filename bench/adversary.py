"""The e-graph adversary of issue 12, as a table: every false goal, both adversaries, the
chain each found and the kernel's verdict (`python bench/adversary.py`).

The e-graph is seeded with terms that have no value in the usual sense and runs the rules
to make false goals equal: once with every equation both ways under its conditions (as the
search respects them, `smooth` assumed), once with every condition about values dropped —
`invertible`, `nonzero`, `positive`, `smooth`, `symmetric`, … — so that the chains go
through singular inverses, zero divisors and logs of negatives (in the directions the rule
files give). `tests/test_adversary.py` runs the same and requires the kernel to reject
every chain.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rewrite import document as doc  # noqa: E402
from rewrite import kernel, rules  # noqa: E402
from rewrite.budget import Budget  # noqa: E402
from rewrite.egraph import Pattern, Program, Search  # noqa: E402
from rewrite.kernel import CLOSED, OPEN  # noqa: E402
from rewrite.parse import parse_decl, parse_equation, parse_expr  # noqa: E402
from rewrite.prover import Explainer  # noqa: E402
from rewrite.shapes import elaborate, elaborate_statement, env_from_decls  # noqa: E402
from rewrite.terms import TermBank  # noqa: E402

DECLS = ["let A, B : Mat(n, n)", "let C : Mat(m, n)", "let D : Mat(n, m)", "let x : Vec(n)", "let s, c : Scalar"]
ENV = env_from_decls([parse_decl(d) for d in DECLS])
SEEDS = ["(A - A)⁻¹", "norm(zeros(n, n))", "log(-x)", "sqrt(-x)", "(C D + (c - c) I)⁻¹ C", "(I(n) + -I(n))⁻¹",
         "d(norm(zeros(n)))", "x ⊘ (x - x)", "s / (s - s)", "det(zeros(n, n))", "(D C)⁻¹ D C",
         "exp(log(-x))", "(A - A)⁻¹ (A - A)"]
GOALS = ["0 = 1", "I(n) = 2 I(n)", "tr(A) = 0", "x = zeros(n)", "s = 0", "A = Aᵀ", "s = 2 s",
         "(A - A)⁻¹ = I(n)", "norm(zeros(n)) = 1", "s / (s - s) = 1"]
ROUNDS = {False: Budget(seconds=4.0, iterations=4, nodes=20_000, firings=10_000),
          True: Budget(seconds=120.0, iterations=7, nodes=40_000, firings=20_000)}  # rounds, not seconds: the same on a loaded machine
# (with 10 000 firings a round, `I = 2 I` and `s = 2 s` find no chain with today's rules)


VALUES = OPEN + CLOSED + ("smooth",)  # the conditions about values, which the permissive adversary drops


def program(permissive: bool) -> Program:
    """Every equation both ways under its conditions; or, `permissive`, without its
    conditions about values and in the direction its file gives (both ways, the e-graph
    explodes in one round). Property rules keep theirs: without, every term is invertible."""
    base = rules.load()
    rewrites, properties = [], []
    for rule, ruleset in zip(base.rules, base.rulesets):
        c = base.compiled[rule.name]
        kept = c.conditions if rule.prop or not permissive else tuple(x for x in c.conditions if x[0] not in VALUES)
        p = Pattern(rule.name, c.sides, c.env, kept, rule.oneway and permissive, rule.prop)
        if rule.prop:
            properties.append(p)
        else:
            rewrites.append((p, ruleset))
    return Program(rewrites, properties)


def statement(goal: str) -> tuple:
    lhs, rhs, _ = elaborate_statement(doc.Statement("claim", "goal", *parse_equation(goal)), ENV)
    return lhs, rhs


def attacks(prog: Program, permissive: bool) -> dict[str, tuple[bool, list]]:
    """For every goal: whether the e-graph made its sides equal, and the chain it explains.

    One e-graph holds the seeds and every goal's sides (the goals assume nothing, so they
    share the search's hypotheses) and runs until every goal is met or the budget is
    spent: one search instead of one per goal, and each goal's chain may go through the
    other goals' terms, which only makes the adversary stronger."""
    sides = {goal: statement(goal) for goal in GOALS}
    assert not any(kernel.assumptions(lhs, rhs, ENV) for lhs, rhs in sides.values())
    explainer = Explainer(prog, TermBank())
    with Search(prog, ENV, (), explainer.bank, ()) as search:
        for k, (lhs, rhs) in enumerate(sides.values()):
            search.add(f"lhs{k}", lhs)
            search.add(f"rhs{k}", rhs)
        for k, seed in enumerate(SEEDS):
            search.add(f"seed{k}", elaborate(parse_expr(seed), ENV)[0])
        met = lambda: [search.equal(f"lhs{k}", f"rhs{k}") for k in range(len(sides))]  # noqa: E731
        search.run(ROUNDS[permissive], until=lambda: all(met()), on_round=explainer.add_round)
        equal = met()
    return {goal: (True, explainer.chain(lhs, rhs) or []) if eq else (False, [])
            for (goal, (lhs, rhs)), eq in zip(sides.items(), equal)}


def verdict(goal: str, chain: list) -> str | None:
    """The kernel's reason for rejecting the chain, or None if it accepts it."""
    lhs, rhs = statement(goal)
    base = rules.load()
    cited = {s.rule for s in chain if s.rule != kernel.LINEAR}
    steps = [(s.rule, s.forward, s.at, s.term) for s in chain]
    try:
        kernel.check_chains(lhs, rhs, ENV, [steps], {n: base.compiled[n] for n in cited}, base.properties)
    except kernel.CheckError as e:
        return e.message
    return None


def main() -> None:
    print("| adversary | goal | equal in the e-graph | chain steps | kernel |")
    print("|---|---|---|---|---|")
    for permissive in (False, True):
        start = time.perf_counter()
        found = attacks(program(permissive), permissive)
        seconds = time.perf_counter() - start
        for goal, (equal, chain) in found.items():
            why = verdict(goal, chain) if equal else None
            shown = "—" if not equal else ("ACCEPTED" if why is None else "rejected: " + why.split(":")[-1].strip()[:70])
            print(f"| {'without conditions on values' if permissive else 'with conditions'} | `{goal}` | {'yes' if equal else 'no'} | "
                  f"{len(chain) if equal else '—'} | {shown} |")
        print(f"({'without conditions on values' if permissive else 'with conditions'}: one search of every goal, {seconds:.2f} s)")


if __name__ == "__main__":
    main()
