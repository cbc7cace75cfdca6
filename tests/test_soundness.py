"""Issue 7, soundness and robustness: never wrong, never a traceback, never a hang.

Regression tests for what the campaign found, each a minimal reproducer: gradient
forgeries that used a variable's constraining properties inside `d(·)`, nesting deep
enough to exhaust Python's recursion, and budgets overrun by the normal form and by nested
finite differences.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rewrite import kernel, numeric, rules
from rewrite.certificate import read
from rewrite.check import Checker, Settings
from rewrite.egraph import Budget
from rewrite.parse import parse_decl, parse_equation
from rewrite.shapes import check_statement, env_from_decls
from rewrite import syntax as S

FUZZ = Path(__file__).resolve().parent / "fuzz"


@pytest.fixture(scope="module")
def trusted() -> dict[str, str]:
    return rules.load().texts


# ---------------------------------------------------------------------------
# Forged certificates: the kernel may accept one only if the numbers agree with it


def _numbers_refute(cert: dict) -> bool:
    env = env_from_decls([parse_decl(t) for t in cert["declarations"]])
    lhs, rhs, _ = check_statement(S.Statement("claim", "c", *parse_equation(cert["statement"])), env)
    return numeric.compare(lhs, rhs, env).agrees is False


@pytest.mark.parametrize("name", ["symmetric-gradient-forgery", "orthogonal-gradient-forgery"])
def test_a_gradient_forgery_using_the_variables_properties_is_rejected(name, trusted):
    cert = read(FUZZ / f"{name}.json")
    assert _numbers_refute(cert), "the forged statement is not false by the numbers: the test means nothing"
    with pytest.raises(kernel.CheckError):
        kernel.check_certificate(cert, trusted)


# ---------------------------------------------------------------------------
# The front door: deep input within the parser's depth limit is a result, not a traceback


def test_deep_nesting_the_parser_accepts_does_not_raise():
    deep = "tanh(" * 180 + "A" + ")" * 180
    results = Checker(Settings(budget=Budget(seconds=0.3))).check_text(
        f"let A : Mat(n, n)\nclaim c: tr({deep}) = tr({deep})\n")
    assert [r.outcome for r in results] == ["proved"]


# ---------------------------------------------------------------------------
# Budgets: the whole check of a statement ends within 1.2 × the search time limit


def test_a_product_of_sums_ends_within_its_time_limit():
    s = "(" + " + ".join(f"A{i}" for i in range(1, 7)) + ")"
    r = "(" + " + ".join(f"A{i}" for i in range(6, 0, -1)) + ")"
    text = f"let A1, A2, A3, A4, A5, A6 : Mat(n, n)\nclaim c: tr({' '.join([s] * 5)}) = tr({' '.join([r] * 5)})\n"
    checker = Checker(Settings(budget=Budget(seconds=0.5)))
    checker.prover.warm()  # the rule base is loaded once, on no search's budget
    start = time.perf_counter()
    checker.check_text(text)
    assert time.perf_counter() - start <= 1.2 * 0.5


def test_nested_differentials_end_within_the_time_limit():
    nested = "d(" * 8 + "A" + ")" * 8
    checker = Checker(Settings(budget=Budget(seconds=0.5)))
    checker.prover.warm()
    start = time.perf_counter()
    checker.check_text(f"let A : Mat(n, n)\nclaim c: {nested} = 0\n")
    assert time.perf_counter() - start <= 1.2 * 0.5
