"""Assertions for test suites: a hand-written gradient in the user's own tests, checked
symbolically instead of at a few points.

`assert_gradient(loss, grad, wrt="w", shapes=...)` passes when the kernel proves the
gradient and fails with an `AssertionError` that shows what was traced, the outcome, and
the counterexample or the reason there is no proof. `expect="false"` pins a known mistake
(the `refute` of proof files): it passes when the numbers refute the gradient, and when it
fails because the gradient was proved, the message shows the derivation.
Imports: `codecheck`, `budget`.
"""

from __future__ import annotations

from typing import Any, Callable

from .budget import DEFAULT_SECONDS
from .codecheck import Properties, Shapes, TracedNotProved, TracedProof, check_equal, check_gradient

EXPECTATIONS = ("proved", "false")


def _report(answer: TracedProof | TracedNotProved, expect: str, what: str) -> str:
    lines = [f"{what}: expected {expect}, got {answer.outcome}", "", "traced claim:"]
    lines += [f"    {line}" for line in answer.source.rstrip("\n").split("\n")]
    if answer.outcome == "proved":
        lines += ["", "derivation:"] + [f"    {line}" for line in answer.explain().split("\n")]
    elif answer.message:
        heading = "counterexample:" if answer.counterexample else "reason:"
        lines += ["", heading] + [f"    {line}" for line in answer.message.split("\n")]
    return "\n".join(lines)


def _check(expect: str) -> None:
    if expect not in EXPECTATIONS:
        raise ValueError(f"expect is one of {', '.join(EXPECTATIONS)}, not {expect!r}")


def assert_gradient(f: Callable, g: Callable, *, wrt: str, shapes: Shapes, properties: Properties | None = None,
                    timeout: float = DEFAULT_SECONDS, expect: str = "proved") -> TracedProof | TracedNotProved:
    """Assert that `g` is the gradient of `f` with respect to `wrt` (`expect="proved"`), or
    that it is a refuted mistake (`expect="false"`); returns the answer."""
    __tracebackhide__ = True  # pytest shows the caller's line
    _check(expect)
    answer = check_gradient(f, g, wrt=wrt, shapes=shapes, properties=properties, timeout=timeout)
    if answer.outcome != expect:
        raise AssertionError(_report(answer, expect, f"the gradient of {_name(f)} with respect to {wrt}"))
    return answer


def assert_equal(f: Callable, g: Callable, *, shapes: Shapes, properties: Properties | None = None,
                 timeout: float = DEFAULT_SECONDS, expect: str = "proved") -> TracedProof | TracedNotProved:
    """Assert that `f` and `g` compute the same array (or, with `expect="false"`, that the
    numbers show they do not)."""
    __tracebackhide__ = True
    _check(expect)
    answer = check_equal(f, g, shapes=shapes, properties=properties, timeout=timeout)
    if answer.outcome != expect:
        raise AssertionError(_report(answer, expect, f"{_name(f)} = {_name(g)}"))
    return answer


def _name(f: Any) -> str:
    return getattr(f, "__name__", "the function")
