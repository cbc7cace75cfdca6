"""The one exception family users catch: `RewriteError` and its subclasses.

Every error that reaches a user names where it happened (file, line, column) when there
is a source text, and says what was expected. Imports: `syntax` only.
"""

from __future__ import annotations

from .syntax import Pos


class RewriteError(Exception):
    """Base of every error the library raises on bad input."""

    def __init__(self, message: str, *, file: str | None = None, pos: Pos | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.pos = pos

    @property
    def line(self) -> int | None:
        return self.pos.line if self.pos else None

    @property
    def col(self) -> int | None:
        return self.pos.col if self.pos else None

    def located(self, file: str | None = None, pos: Pos | None = None) -> "RewriteError":
        """Fill in a missing file or position (outer layers know the file)."""
        if self.file is None and file is not None:
            self.file = file
        if self.pos is None and pos is not None:
            self.pos = pos
        return self

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.pos:
            where.append(f"{self.pos.line}:{self.pos.col}")
        return f"{':'.join(where)}: {self.message}" if where else self.message


class ParseError(RewriteError):
    """Text that is not in the language."""


class ShapeError(RewriteError):
    """Well-formed text whose shapes do not fit (or a bad declaration)."""


class RuleError(RewriteError):
    """A rule file line that cannot be loaded (bad syntax, bad shapes, or numerically false)."""


class BudgetError(RewriteError):
    """Raised internally when a search budget is exhausted (reported as `unknown`)."""


class TraceError(RewriteError):
    """A Python function that cannot be traced to an expression of the language: the
    message names the operation, `file` and `pos` the line of the user's code."""
