"""Proof-producing congruence closure: from rule instances to a chain of rewrite steps.

The e-graph tells us *that* two terms are equal; it cannot say why (egglog-python has no
proof mode). Every rule firing was logged, and each logged firing is a ground instance
`l = r` of a rule. The e-graph's equalities are the congruence closure of those instances,
so we rebuild that closure here, remembering for every merge the reason (an instance, or
congruence of two applications), in the style of Nieuwenhuis & Oliveras (RTA 2005). An
explanation is then flattened, as egg does, into a chain of terms where each term comes
from the previous one by one instance at one position.

Terms are interned in a `terms.TermBank` (structural sharing, integer ids), because
thousands of instances share their subterms. Imports: `syntax`, `terms` — no egglog, no numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Iterable

from . import syntax as S
from .terms import TermBank

# ---------------------------------------------------------------------------
# Congruence closure with a proof forest


@dataclass(frozen=True)
class Instance:
    """A ground rule instance `lhs = rhs` (term ids), justified by `reason` (opaque to us)."""

    lhs: int
    rhs: int
    reason: Hashable


@dataclass(frozen=True)
class Step:
    """Replace the subterm at `path` (of the current term) using `instance`, forwards or not."""

    instance: Instance
    forward: bool
    path: S.Path
    before: int  # term id of the subterm replaced
    after: int  # term id of its replacement


class Closure:
    """Congruence closure over the terms of a `TermBank`, remembering why classes merged."""

    def __init__(self, bank: TermBank) -> None:
        self.bank = bank
        self._find: dict[int, int] = {}
        self._members: dict[int, list[int]] = {}
        self._uses: dict[int, list[int]] = {}  # class root -> applications with a child in it
        self._sigs: dict[tuple, int] = {}
        self._edge: dict[int, tuple[int, object]] = {}  # proof forest: term -> (term, reason)
        self._added: set[int] = set()

    # -- terms ------------------------------------------------------------------
    def add(self, t: int) -> None:
        stack = [t]
        while stack:
            x = stack.pop()
            if x in self._added:
                continue
            kids = self.bank.kids(x)
            missing = [k for k in kids if k not in self._added]
            if missing:
                stack.append(x)
                stack.extend(missing)
                continue
            self._added.add(x)
            self._find[x] = x
            self._members[x] = [x]
            self._uses[x] = []
            if kids:
                for k in set(self.find(k) for k in kids):
                    self._uses[k].append(x)
                sig = self._sig(x)
                other = self._sigs.get(sig)
                if other is None:
                    self._sigs[sig] = x
                else:
                    self._merge(x, other, ("congruence", x, other))

    def find(self, t: int) -> int:
        root = t
        while self._find[root] != root:
            root = self._find[root]
        while self._find[t] != root:
            self._find[t], t = root, self._find[t]
        return root

    def _sig(self, t: int) -> tuple:
        return (self.bank.head(t), tuple(self.find(k) for k in self.bank.kids(t)))

    # -- merging ------------------------------------------------------------------
    def assert_equal(self, inst: Instance) -> None:
        self.add(inst.lhs)
        self.add(inst.rhs)
        self._merge(inst.lhs, inst.rhs, inst)

    def _merge(self, a: int, b: int, reason: object) -> None:
        pending = [(a, b, reason)]
        while pending:
            a, b, reason = pending.pop()
            ra, rb = self.find(a), self.find(b)
            if ra == rb:
                continue
            if len(self._members[ra]) > len(self._members[rb]):
                a, b, ra, rb = b, a, rb, ra
            # proof forest: make `a` the root of its tree, then hang it below `b`
            self._reroot(a)
            self._edge[a] = (b, reason)
            # union: class ra goes into rb
            self._find[ra] = rb
            self._members[rb].extend(self._members.pop(ra))
            moved = self._uses.pop(ra)
            for p in moved:
                sig = self._sig(p)
                other = self._sigs.get(sig)
                if other is None:
                    self._sigs[sig] = p
                elif self.find(other) != self.find(p):
                    pending.append((p, other, ("congruence", p, other)))
            self._uses[rb].extend(moved)

    def _reroot(self, t: int) -> None:
        prev, prev_reason = None, None
        while True:
            nxt = self._edge.get(t)
            if prev is None:
                self._edge.pop(t, None)
            else:
                self._edge[t] = (prev, prev_reason)
            if nxt is None:
                return
            prev, prev_reason, t = t, nxt[1], nxt[0]

    def equal(self, a: int, b: int) -> bool:
        return a in self._added and b in self._added and self.find(a) == self.find(b)

    # -- explanations ---------------------------------------------------------------
    def _path_to_root(self, t: int) -> list[int]:
        out = [t]
        while t in self._edge:
            t = self._edge[t][0]
            out.append(t)
        return out

    def _edges_between(self, a: int, b: int) -> list[tuple[int, int, object]]:
        """The proof-forest path a → … → b, as (from, to, reason) edges."""
        up_a = self._path_to_root(a)
        up_b = self._path_to_root(b)
        on_b = {t: i for i, t in enumerate(up_b)}
        i = next(i for i, t in enumerate(up_a) if t in on_b)
        meet = up_a[i]
        out = [(up_a[k], up_a[k + 1], self._edge[up_a[k]][1]) for k in range(i)]
        back = [(up_b[k + 1], up_b[k], self._edge[up_b[k]][1]) for k in range(on_b[meet])]
        return out + back[::-1]

    def explain(self, a: int, b: int, path: S.Path = (), depth: int = 0) -> list[Step]:
        """Steps rewriting term `a` into term `b` (which must be equal)."""
        if a == b:
            return []
        if depth > 400:
            raise RecursionError("explanation too deep")
        steps: list[Step] = []
        for x, y, reason in self._edges_between(a, b):
            if isinstance(reason, Instance):
                forward = x == reason.lhs
                steps.append(Step(reason, forward, path, x, y))
            else:
                _, p, q = reason  # type: ignore[misc]
                if x == q:
                    p, q = q, p
                # x ≅ p and y ≅ q are the same applications as p, q (x is p, y is q)
                for i, (kp, kq) in enumerate(zip(self.bank.kids(p), self.bank.kids(q))):
                    steps.extend(self.explain(kp, kq, path + (i,), depth + 1))
        return steps


def flatten(bank: TermBank, start: int, steps: Iterable[Step]) -> list[tuple[Step, S.Expr]]:
    """Each step with the whole term after it, starting from `start`."""
    out = []
    current = bank.tree(start)
    for st in steps:
        current = S.replace_at(current, st.path, bank.tree(st.after))
        out.append((st, current))
    return out
