"""Interned terms: each distinct syntax tree gets one integer id.

The e-graph reads thousands of rule instances back, which share their subterms; the
explanation rebuilds the congruence closure over them. Both speak of terms by id, through
one bank per search. Imports: `syntax`.
"""

from __future__ import annotations

from typing import Hashable

from . import syntax as S


class TermBank:
    """Hash-consed syntax trees: each distinct tree gets one integer id."""

    def __init__(self) -> None:
        self._ids: dict[Hashable, int] = {}
        self.keys: list[tuple] = []  # id -> (type, payload, child ids)
        self._trees: dict[int, S.Expr] = {}

    def node(self, cls: type, payload: tuple, kids: tuple[int, ...]) -> int:
        key = (cls, payload, kids)
        i = self._ids.get(key)
        if i is None:
            i = self._ids[key] = len(self.keys)
            self.keys.append(key)
        return i

    def intern(self, e: S.Expr) -> int:
        kids = tuple(self.intern(c) for c in e.children())
        return self.node(type(e), e.payload(), kids)

    def tree(self, i: int) -> S.Expr:
        t = self._trees.get(i)
        if t is None:
            cls, payload, kids = self.keys[i]
            t = _build(cls, payload, tuple(self.tree(k) for k in kids))
            self._trees[i] = t
        return t

    def kids(self, i: int) -> tuple[int, ...]:
        return self.keys[i][2]

    def head(self, i: int) -> tuple:
        return self.keys[i][:2]


def _build(cls: type, payload: tuple, kids: tuple[S.Expr, ...]) -> S.Expr:
    names, spliced, _ = S.layout(cls)
    kwargs = {k: v for k, v in payload if k != "args"}
    kwargs.update(zip(names, kids))
    if spliced:
        kwargs["args"] = kids[len(names):]
    return cls(**kwargs)


