import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The tests load many throw-away rule folders: their cached rule bases go to a folder of
# their own, so they do not push the user's out of the cache (rewrite/caches.py).
if "REWRITE_CACHE_DIR" not in os.environ:
    from rewrite.caches import cache_dir

    _cache = cache_dir()
    if _cache is not None:
        os.environ["REWRITE_CACHE_DIR"] = str(_cache / "tests")
