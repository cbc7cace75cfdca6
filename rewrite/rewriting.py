"""The first stage of every search: the one-way rules (`=>`) applied until none applies.

The `=>` rules of the rule base point one way on purpose — differentials pushed inward,
transposes and inverses pushed to the leaves, products distributed over sums, the trace
trick moving every factor off `d(X)` — so applying them innermost-first until none applies
is a terminating, deterministic rewriting to a "one-way form" (not to be confused with the
kernel's normal form, `normal`, which the `linear` step compares). It turns most gradient claims into
`Σ Gᵢ : d(X)` against `G : d(X)` at once, which the kernel's normal form then compares;
the e-graph only has to find what rewriting one way cannot.

Every rewrite is a rule instance the kernel itself matched and checked (this module asks
the kernel), so the steps it records are certificate steps. File order decides which `=>`
rule applies when several match at one position. Imports: `kernel`, `syntax`, `sizes`,
`errors` — no egglog.
"""

from __future__ import annotations

import time
from typing import Mapping

from . import syntax as S
from .errors import BudgetError, RewriteError
from .kernel import LINEAR, Context, Rule, Step, instantiate
from .sizes import Size

MAX_STEPS = 2000


class Rewriter:
    """Innermost rewriting with a kernel's one-way rules."""

    def __init__(self, context: Context, names: list[str]) -> None:
        self.context = context
        self._by_head, self._by_shape = _index(context.rules, tuple(names))
        self._memo: dict[tuple[S.Expr, bool], tuple[S.Expr, list[tuple[str, S.Path, S.Expr]]]] = {}
        self.stopped: str | None = None  # why the last `reduce` that did not finish stopped (set by the caller)

    def reduce(self, t: S.Expr, deadline: float | None = None, inside: bool = False) -> tuple[S.Expr, list[Step]]:
        """The one-way form of `t` (no `=>` rule applies anywhere) and the steps to it;
        `BudgetError` past `MAX_STEPS` or past `deadline` (a `time.perf_counter()` value).
        `inside`: `t` stands inside a derivative, where only rewrites valid near the point apply."""
        self._count = 0
        self._deadline = deadline
        nf, local = self._norm(t, inside)
        steps, current = [], t
        for rule, path, sub in local:
            current = S.replace_at(current, path, sub)
            steps.append(Step(rule, True, path, current))
        return nf, steps

    def _norm(self, t: S.Expr, inside: bool) -> tuple[S.Expr, list[tuple[str, S.Path, S.Expr]]]:
        """Normal form and steps relative to `t` (paths from its root).

        Outermost first: a rule at the root is tried before the children are rewritten,
        so `d(‖E‖²)` meets the rule for `d(‖·‖²)` before `‖E‖²` is unfolded; then the
        children, then the root again.
        """
        done = self._memo.get((t, inside))
        if done is not None:
            return done
        original = t
        events: list[tuple[str, S.Path, S.Expr]] = []
        children_done = False
        while True:
            out = self._root(t, inside)
            if out is None and not children_done:
                kids = t.children()
                new = []
                for i, k in enumerate(kids):
                    below = inside or isinstance(t, S.Call) and t.fn in ("d", "grad", "jac", "hess") and i == 0
                    nk, sub = self._norm(k, below)
                    events.extend((r, (i,) + p, s) for r, p, s in sub)
                    new.append(nk)
                if any(a is not b for a, b in zip(new, kids)):
                    t = t.with_children(tuple(new))
                children_done = True
                out = self._root(t, inside)
            if out is None:
                break
            self._count += 1
            if self._count > MAX_STEPS:
                raise BudgetError(f"rewriting did not terminate within {MAX_STEPS} steps "
                                  f"(last rule: {out[0]})")
            if self._deadline is not None and self._count % 32 == 0 and time.perf_counter() > self._deadline:
                raise BudgetError("rewriting ran out of time")
            events.append((out[0], (), out[1]))
            t, children_done = out[1], False
        self._memo[(t, inside)] = (t, [])
        self._memo[(original, inside)] = (t, events)
        return t, events

    def _root(self, t: S.Expr, inside: bool) -> tuple[str, S.Expr] | None:
        """The first rule (in file order) that rewrites `t` at its root, and the result;
        arithmetic on numerals first (a `linear` step: the kernel's normal form agrees)."""
        value = _numeral(t)
        if value is not None:
            return LINEAR, value
        context = self.context
        for r, left in self._candidates(S.head(t), _kid_heads(t)):
            m = context.instance(left, (t,))
            if m is None or context.conditions(r, *m, inside) is not None:
                continue
            try:
                result = instantiate(r.sides[1], *m)
                if context.shape(result) == context.shape(t):
                    return r.name, result
            except (KeyError, RewriteError):  # the right side needs what the left does not bind
                continue
        return None

    def _candidates(self, head: tuple, kids: tuple) -> list[tuple[Rule, Rule]]:
        """The `=>` rules whose left side could match a node with this head and these
        children's heads, in file order; kept with the index (a few hundred kinds of node
        recur across every search)."""
        found = self._by_shape.get((head, kids))
        if found is None:
            found = self._by_shape[(head, kids)] = [
                (r, left) for wanted, r, left in self._by_head.get(head, ())
                if all(w is None or w == k for w, k in zip(wanted, kids))]
        return found


_INDEXES: list[tuple[Mapping[str, Rule], tuple[str, ...], tuple[dict, dict]]] = []


def _index(rules: Mapping[str, Rule], names: tuple[str, ...]) -> tuple[dict, dict]:
    """The `=>` rules by the head of their left side (with their children's heads), built
    once per rule base and kept: every statement's every search starts a `Rewriter`; and
    the rules that can match each kind of node met so far (`Rewriter._candidates`)."""
    for known, known_names, index in _INDEXES:
        if known is rules and known_names == names:
            return index
    by_head: dict = {}
    for name in names:
        r = rules[name]
        pattern = r.sides[0]
        left = Rule(r.name, r.sides[:1], None, r.shapes, ())
        by_head.setdefault(S.head(pattern), []).append((_kid_heads(pattern), r, left))
    index = (by_head, {})
    _INDEXES[:] = [(rules, names, index)] + _INDEXES[:3]  # the rule base held, so `is` stays meaningful
    return index


_ARITHMETIC = {S.Add: lambda a, b: a + b, S.Sub: lambda a, b: a - b, S.Mul: lambda a, b: a * b,
               S.Div: lambda a, b: a / b if b else None}


def _numeral(t: S.Expr) -> S.Expr | None:
    """`2 3` as `6`, `1 - 3` as `-2`, `-0` as `0`: one operation on numerals, evaluated;
    a 1×1 `ones` is the number 1."""
    if isinstance(t, S.Ones) and t.rows is not None and Size.from_dim(t.rows).is_one \
            and (t.cols is None or Size.from_dim(t.cols).is_one):
        return S.Num(1)
    if isinstance(t, S.Neg) and isinstance(t.arg, S.Num) and t.arg.value == 0:
        return t.arg
    op = _ARITHMETIC.get(type(t))
    if op is None or not isinstance(t.left, S.Num) or not isinstance(t.right, S.Num):  # type: ignore[attr-defined]
        return None
    v = op(t.left.value, t.right.value)  # type: ignore[attr-defined]
    if v is None:
        return None
    return S.Num(v) if v >= 0 else S.Neg(S.Num(-v))


def _kid_heads(e: S.Expr) -> tuple:
    """The heads of the children; a pattern variable child matches any head (None)."""
    return tuple(None if isinstance(k, S.Var) else S.head(k) for k in e.children())


def same_normal_form(kernel: Context, a: S.Expr, b: S.Expr) -> bool:
    """Whether the kernel's `linear` step would accept `a` → `b` (no, if too large)."""
    try:
        return kernel.full.equal(a, b)
    except (BudgetError, RewriteError):  # too large, or a term the kernel refuses (`c^tr(…)`)
        return False
