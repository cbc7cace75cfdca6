"""Every derivative claim in proofs/ that `derive` finds, emitted as numpy (and JAX) code
that runs and agrees with the project's own numeric derivative at random inputs.

The claims are read from the proof files (a `claim` whose left side is `grad`, `jac` or
`hess`); claims that differentiate the same expression under the same declarations are
one case. Deriving is the slow part (about 0.2 s a claim), so each case is derived once
(`derivations`, shared with test_derivatives, whose tests of a claim run on the same worker)
and read by the numpy and the JAX test.
"""

from __future__ import annotations

import ast
import importlib.util
from functools import lru_cache
from pathlib import Path

import pytest
from derivations import derivation, group
from emitted import agreement

from rewrite import syntax as S
from rewrite.check import Checker, Settings
from rewrite.emit import emit
from rewrite.parse import parse_file
from rewrite.printing import show
from rewrite.shapes import env_from_decls

ROOT = Path(__file__).resolve().parents[1]
HAS_JAX = importlib.util.find_spec("jax") is not None


def derivative_claims() -> dict[str, tuple]:
    """`file::name` → (f, x, kind, env) for each distinct derivative claim of proofs/."""
    out: dict[str, tuple] = {}
    seen: set = set()
    for path in sorted((ROOT / "proofs").glob("*.proof")):
        pf = parse_file(path)
        env = env_from_decls(pf.decls)
        for s in pf.statements:
            if s.kind != "claim" or not (isinstance(s.lhs, S.Call) and s.lhs.fn in S.DERIVATIVES) \
                    or s.lhs.fn == "symgrad":  # not emitted: `emit` refuses it with a clear error (test_codegen)
                continue
            used = S.free_names(s.lhs)
            key = (show(s.lhs), tuple((n, env[n]) for n in env if n in used))
            if key not in seen:
                seen.add(key)
                f, x = s.lhs.args
                out[f"{path.name}::{s.name}"] = (f, x, s.lhs.fn, env)
    return out


CLAIMS = derivative_claims()


@lru_cache(maxsize=1)
def checker() -> Checker:
    # One numeric draw in the emitted code's searches: their certificates are what matter
    # here, and the emitted code is compared with the numbers below.
    return Checker(Settings(draws=1))


def derived(claim_id: str):
    f, x, kind, env = CLAIMS[claim_id]
    found, result = derivation(claim_id, f, x, kind, env)  # shared with test_derivatives
    if found is None:
        pytest.skip(f"derive finds no {kind} ({result.outcome}: {result.message})")
    return found, result


@lru_cache(maxsize=None)
def emitted(claim_id: str, backend: str):
    f, x, kind, env = CLAIMS[claim_id]
    found, result = derived(claim_id)
    return emit(checker(), f, x, kind, env, found, result, backend=backend)


def test_the_proofs_have_derivative_claims() -> None:
    assert len(CLAIMS) > 200
    assert {kind for _, _, kind, _ in CLAIMS.values()} == {"grad", "jac", "hess"}


def factorisations(source: str) -> tuple[list[str], list[str]]:
    """The matrices the module inverts, and those it solves with (`X.T` counted as `X`)."""
    inverted, solved = [], []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            matrix = ast.unparse(node.args[0])
            if node.func.attr == "inv":
                inverted.append(matrix)
            elif node.func.attr == "solve":
                solved.append(matrix[:-2] if matrix.endswith(".T") else matrix)
    return inverted, solved


# Claims whose rearranged form is not proved equal within the time limit: the module then
# computes the gradient as derived (still the certified expression), which is checked below.
NOT_REARRANGED = {
    "heldout3_ml.proof::gauss_batch_mu": "the search for the flop-ordered form hits the time limit",
    "reach_softmax.proof::ce_grad_features": "the search for the flop-ordered form hits the time limit",
}


def run(claim_id: str, backend: str, convert=lambda a: a) -> None:
    f, x, kind, env = CLAIMS[claim_id]
    e = emitted(claim_id, backend)
    assert e.rearranged or claim_id in NOT_REARRANGED, [s.result.message for s in e.steps if not s.proved]
    inverted, solved = factorisations(e.source)
    assert len(inverted) == len(set(inverted)), inverted  # no inverse formed twice
    assert not set(inverted) & set(solved), (inverted, solved)  # inverted, then solved with again
    assert all(solved.count(m) <= 2 for m in solved), solved
    namespace: dict = {}
    exec(compile(e.source, claim_id, "exec"), namespace)  # noqa: S102 - the module under test
    names = [n for n in env if n in S.free_names(f) | S.free_names(x)]
    assert agreement(namespace["grad"], f, x, kind, env, names, convert=convert) >= 1


@pytest.mark.parametrize("claim_id", [pytest.param(c, id=c, marks=group(c)) for c in CLAIMS])
def test_emitted_numpy_computes_the_derivative(claim_id: str) -> None:
    run(claim_id, "numpy")


@pytest.fixture(scope="module")
def jnp():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy

    return jax.numpy


@pytest.mark.skipif(not HAS_JAX, reason="jax is not installed (pip install '.[test]')")
@pytest.mark.parametrize("claim_id", [pytest.param(c, id=c, marks=group(c)) for c in CLAIMS])
def test_emitted_jax_computes_the_derivative(claim_id: str, jnp) -> None:
    run(claim_id, "jax", jnp.asarray)


def test_a_symmetric_gradient_is_not_emitted_but_refused_clearly() -> None:
    """The claims left out above: `emit` writes grad, jac and hess only, and says so."""
    from rewrite.api import derive
    from rewrite.errors import RewriteError

    found = derive("tr(A S)", "S", kind="symgrad", let=["A: Mat(n, n)", "S: Mat(n, n) symmetric"])
    assert found[1], found[1].message
    with pytest.raises(RewriteError, match="no code is emitted"):
        found.to_python()
