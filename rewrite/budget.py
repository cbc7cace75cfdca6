"""What a statement may spend: the search's limits, and the default time limit everyone shares.

Its own module so that the faces (`cli`, `api`, the pytest plugin) can name a budget
without loading egglog, and so that the default is written once. Imports: nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SECONDS = 5.0  # the search's time limit per statement; the numeric check has half of it


@dataclass(frozen=True)
class Budget:
    """Limits on one search; whichever runs out first stops it."""

    seconds: float = DEFAULT_SECONDS
    nodes: int = 50_000
    iterations: int = 40
    firings: int = 20_000  # rule firings recorded in one round
