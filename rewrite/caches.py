"""Where rewrite keeps what it worked out once and may reuse across runs: the user's cache
directory (`platformdirs`), or `REWRITE_CACHE_DIR` (`off` turns caching off).

What is kept there is only ever a faster way to the same answer — the parser's tables,
the rule base as loaded and validated — each under a key of everything it was computed
from, so a stale entry is never read; losing the folder costs time, not results. The
folder is the user's own, trusted as their `__pycache__` is: its entries are pickles, read
back as they were written.
Imports: none (standard library and `platformdirs`).
"""

from __future__ import annotations

import os
from pathlib import Path

OFF = ("", "off", "0", "no", "false")


def cache_dir() -> Path | None:
    """The folder (not created here); None when caching is off or there is nowhere to put it."""
    chosen = os.environ.get("REWRITE_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in OFF else Path(chosen)
    try:
        import platformdirs
    except ImportError:
        return None
    return Path(platformdirs.user_cache_dir("rewrite", appauthor=False))


def cache_file(name: str) -> Path | None:
    """`name` inside the cache folder, the folder created; None if it cannot be."""
    where = cache_dir()
    if where is None:
        return None
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return where / name
