"""What happened to one statement: its outcome, and what backs it.

Plain data, shared by the orchestrator (`check`) and the faces that show it (`cli`, the
pytest plugin, `render`, which makes notebooks show a result as Markdown and LaTeX).
Imports: `document`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from . import document as doc

Outcome = Literal["proved", "false", "unknown", "unsound", "error"]
OUTCOMES: tuple[Outcome, ...] = ("proved", "false", "unknown", "unsound", "error")

@dataclass
class Result:
    """What happened to one statement (or to a file that could not be read)."""

    file: str
    name: str
    kind: doc.Kind
    outcome: Outcome
    seconds: float = 0.0
    steps: int | None = None
    message: str | None = None
    counterexample: dict[str, Any] | None = None
    certificate: dict[str, Any] | None = field(default=None, repr=False)
    line: int | None = None
    assumptions: list[str] = field(default_factory=list)  # what the theorem assumes, as the user writes it

    @property
    def passed(self) -> bool:
        return (self.kind == "claim" and self.outcome == "proved") or (self.kind == "refute" and self.outcome == "false")

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "name": self.name, "kind": self.kind, "outcome": self.outcome,
            "passed": self.passed, "seconds": round(self.seconds, 6), "steps": self.steps,
            "message": self.message, "counterexample": self.counterexample, "line": self.line,
            "assumptions": self.assumptions,
        }
