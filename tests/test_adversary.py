"""An adversary in CI (issue 12): the e-graph is seeded with terms that have no value in
the usual sense — `(X - X)⁻¹`, `norm(0)`, `log(-x)`, zero shifts, non-square pushes — and
runs the rules to make false goals (`0 = 1`, `I = 2 I`, `tr(A) = 0`, `x = 0`, …) equal.
Every chain it finds must be rejected by the kernel. The adversary itself is
`bench/adversary.py` (which prints the table): one that runs every equation both ways
under its conditions, as the search would, and one that drops every condition, so that
chains certainly exist and the kernel's checks are what stops them. Each goal is false,
which the numbers confirm first (else the test itself would be wrong).
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from bench import adversary
from rewrite import kernel, numeric

# one worker runs the module, so each adversary's search (every goal at once) is made once
# (`_attacks` remembers it) and read by every test that judges it
pytestmark = pytest.mark.xdist_group("adversary")


@lru_cache(maxsize=None)
def _attacks(permissive: bool) -> dict[str, tuple[bool, list]]:
    return adversary.attacks(adversary.program(permissive), permissive)


def _attack(permissive: bool, goal: str) -> tuple[bool, list]:
    return _attacks(permissive)[goal]


@pytest.mark.parametrize("goal", adversary.GOALS)
def test_the_goal_is_false(goal):
    lhs, rhs = adversary.statement(goal)
    verdict = numeric.compare(lhs, rhs, adversary.ENV, hypotheses=kernel.assumptions(lhs, rhs, adversary.ENV))
    assert verdict.agrees is False, verdict.reason


@pytest.mark.parametrize("permissive", [False, True], ids=["with-conditions", "without-conditions-on-values"])
@pytest.mark.parametrize("goal", adversary.GOALS)
def test_the_kernel_rejects_every_chain_the_adversary_finds(permissive, goal):
    equal, chain = _attack(permissive, goal)
    if equal:
        assert adversary.verdict(goal, list(chain)) is not None, f"the kernel accepted a chain of {goal}"


def test_the_permissive_adversary_does_find_chains():
    """Without their conditions on values, the rules do prove false goals (through singular
    inverses and the like): the test above is not vacuous."""
    found = [goal for goal in adversary.GOALS if _attack(True, goal)[0]]
    assert len(found) >= len(adversary.GOALS) // 2, found
