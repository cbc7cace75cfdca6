"""Each derivative claim derived once per test process, for every test module that needs it.

`test_derivatives` judges the derivation (its certificate, its value, its printed form) and
`test_codegen_proofs` the code emitted from it; deriving is the slow part (0.1–1 s a
claim). Under xdist the tests of one claim carry the same `group` mark, so `--dist
loadgroup` sends them to one worker and the claim is derived once in the whole run.
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from rewrite.check import Checker, Settings

_DERIVED: dict[str, tuple] = {}


@lru_cache(maxsize=1)
def checker() -> Checker:
    return Checker(Settings())  # the defaults `rewrite grad` and `api.derive` use


def derivation(claim_id: str, f, x, kind: str, env) -> tuple:
    """(the derived term or None, the `Result` with its certificate) for the claim `claim_id`,
    which differentiates `f` with respect to `x` (`kind`: grad, jac, hess) under `env`."""
    if claim_id not in _DERIVED:
        _DERIVED[claim_id] = checker().derive(f, x, env, kind)
    return _DERIVED[claim_id]


def group(claim_id: str) -> pytest.MarkDecorator:
    return pytest.mark.xdist_group(f"derive/{claim_id}")
