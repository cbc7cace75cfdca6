"""A proof file as read: declarations, statements, and the words they may not use.

Plain values like the syntax tree's, kept apart from it because the trusted kernel reads
terms but never files. Imports: `syntax`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

from .syntax import FUNCTION, Dim, Expr, Pos, _at

Kind = Literal["claim", "refute"]  # what a statement asks: to be proved, or shown false
TypeKind = Literal["Mat", "Vec", "Scalar"]

# the functions' names (`syntax.FUNCTION`), their other spellings, and the other keywords
SPELLINGS = ("trace", "inv", "kron")
RESERVED = frozenset(FUNCTION).union(SPELLINGS, "let claim refute I ones zeros Mat Vec Scalar".split())


@dataclass(frozen=True)
class Type:
    """`Mat(r, c)`, `Vec(n)` (= Mat(n, 1)) or `Scalar` (= Mat(1, 1)), as written."""

    kind: TypeKind
    rows: Dim
    cols: Dim

    @staticmethod
    def mat(rows: Dim, cols: Dim) -> "Type":
        return Type("Mat", rows, cols)

    @staticmethod
    def vec(n: Dim) -> "Type":
        return Type("Vec", n, Dim((1,)))

    @staticmethod
    def scalar() -> "Type":
        return Type("Scalar", Dim((1,)), Dim((1,)))


@dataclass(frozen=True)
class Decl:
    """`let A, B : Mat(m, n) symmetric`."""

    names: tuple[str, ...]
    type: Type
    props: tuple[str, ...] = ()
    at: Pos | None = _at()


@dataclass(frozen=True)
class Statement:
    """`claim NAME: LHS = RHS` or `refute NAME: LHS = RHS`."""

    kind: Kind
    name: str
    lhs: Expr
    rhs: Expr
    at: Pos | None = _at()
    text: str = field(default="", compare=False, hash=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class ProofFile:
    path: str
    items: tuple[Union[Decl, Statement], ...]

    @property
    def decls(self) -> tuple[Decl, ...]:
        return tuple(i for i in self.items if isinstance(i, Decl))

    @property
    def statements(self) -> tuple[Statement, ...]:
        return tuple(i for i in self.items if isinstance(i, Statement))
