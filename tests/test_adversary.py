"""An adversary in CI (issue 12): the e-graph is seeded with terms that have no value in
the usual sense — `(X - X)⁻¹`, `norm(0)`, `log(-x)`, zero shifts, non-square pushes — and
runs the rules, to make false goals (`0 = 1`, `I = 2 I`, `tr(A) = 0`, `x = 0`, …) equal.
Every chain it finds must be rejected by the kernel.

Two adversaries: one that runs every equation in both directions and respects the rules'
conditions as the search does (except `smooth`, which the search assumes), and one that
ignores every condition of every equation (in the directions the rule files give: all of
them both ways and without conditions, the e-graph explodes in one round), so that chains
certainly exist and the kernel's checks are what stops them. Each goal is false, which
the numbers confirm first (else the test itself would be wrong).
"""

from __future__ import annotations

import pytest

from rewrite import document as doc
from rewrite import kernel, numeric, rules
from rewrite.egraph import Budget, Pattern, Program, Search
from rewrite.explain import TermBank
from rewrite.parse import parse_decl, parse_equation, parse_expr
from rewrite.prover import Explainer
from rewrite.shapes import check_statement, elaborate, env_from_decls

DECLS = ["let A, B : Mat(n, n)", "let C : Mat(m, n)", "let D : Mat(n, m)", "let x : Vec(n)", "let s, c : Scalar"]
ENV = env_from_decls([parse_decl(d) for d in DECLS])
SEEDS = ["(A - A)⁻¹", "norm(zeros(n, n))", "log(-x)", "sqrt(-x)", "(C D + (c - c) I)⁻¹ C", "(I(n) + -I(n))⁻¹",
         "d(norm(zeros(n)))", "x ⊘ (x - x)", "s / (s - s)", "det(zeros(n, n))", "(D C)⁻¹ D C",
         "exp(log(-x))", "(A - A)⁻¹ (A - A)"]
GOALS = ["0 = 1", "I(n) = 2 I(n)", "tr(A) = 0", "x = zeros(n)", "s = 0", "A = Aᵀ", "s = 2 s",
         "(A - A)⁻¹ = I(n)", "norm(zeros(n)) = 1", "s / (s - s) = 1"]
ROUNDS = Budget(seconds=4.0, iterations=4, nodes=20_000, firings=10_000)


def _program(permissive: bool) -> Program:
    """Every equation both ways; or, `permissive`, without its conditions and in the
    direction its file gives (the property rules keep theirs: without, every term would be
    invertible alike)."""
    base = rules.load()
    rewrites, properties = [], []
    for rule, ruleset in zip(base.rules, base.rulesets):
        c = base.compiled[rule.name]
        dropped = permissive and not rule.prop
        p = Pattern(rule.name, c.sides, c.env, () if dropped else c.conditions, rule.oneway and permissive, rule.prop)
        if rule.prop:
            properties.append(p)
        else:
            rewrites.append((p, ruleset))
    return Program(rewrites, properties)


@pytest.fixture(scope="module", params=[False, True], ids=["conditions", "no-conditions"])
def adversary(request):
    return request.param, _program(request.param)


def _attack(program: Program, goal: str) -> tuple[bool, list]:
    """Whether the e-graph made the goal's sides equal, and the chain it explains."""
    lhs, rhs, _ = check_statement(_statement(goal), ENV)
    explainer = Explainer(program, TermBank())
    hypotheses = kernel.assumptions(lhs, rhs, ENV)
    with Search(program, ENV, (), explainer.bank, hypotheses) as search:
        search.add("lhs", lhs)
        search.add("rhs", rhs)
        for k, seed in enumerate(SEEDS):
            search.add(f"seed{k}", elaborate(parse_expr(seed), ENV)[0])
        search.run(ROUNDS, goal=("lhs", "rhs"), on_round=explainer.add_round)
        if not search.equal("lhs", "rhs"):
            return False, []
    return True, explainer.chain(lhs, rhs) or []


def _statement(goal: str) -> doc.Statement:
    return doc.Statement("claim", "goal", *parse_equation(goal))


@pytest.mark.parametrize("goal", GOALS)
def test_the_goal_is_false(goal):
    lhs, rhs, _ = check_statement(_statement(goal), ENV)
    assert numeric.compare(lhs, rhs, ENV, hypotheses=kernel.assumptions(lhs, rhs, ENV)).agrees is False


@pytest.mark.parametrize("goal", GOALS)
def test_the_kernel_rejects_every_chain_the_adversary_finds(adversary, goal):
    permissive, program = adversary
    equal, chain = _attack(program, goal)
    if not equal:
        return
    lhs, rhs, _ = check_statement(_statement(goal), ENV)
    base = rules.load()
    cited = {s.rule for s in chain if s.rule != kernel.LINEAR}
    steps = [(s.rule, s.forward, s.at, s.term) for s in chain]
    with pytest.raises(kernel.CheckError):
        kernel.check_chains(lhs, rhs, ENV, [steps], {n: base.compiled[n] for n in cited}, base.properties)


def test_the_permissive_adversary_does_find_chains():
    """Without conditions, the rules do prove false goals: the test above is not vacuous."""
    program = _program(True)
    found = [goal for goal in GOALS[:3] if _attack(program, goal)[0]]
    assert found, "the permissive adversary made no false goal equal: it attacks nothing"
