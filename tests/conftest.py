"""Shared fixtures: the `proofs/` corpus checked once per test process, and the `slow` tier.

`python3 -m pytest` runs everything (CI); `python3 -m pytest -m "not slow"` is the edit
loop's tier. Slow are the long campaigns (soundness, adversary, emitted code for every
derivative of proofs/) and everything that reads the `proofs/` corpus's results: the
corpus is checked once per process (`proof_result`, shared with the pytest plugin's items,
which judge the same results), and under xdist each file's consumers go to one worker.
"""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The tests load many throw-away rule folders: their cached rule bases go to a folder of
# their own, so they do not push the user's out of the cache (rewrite/caches.py).
if "REWRITE_CACHE_DIR" not in os.environ:
    from rewrite.caches import cache_dir

    _cache = cache_dir()
    if _cache is not None:
        os.environ["REWRITE_CACHE_DIR"] = str(_cache / "tests")

# Test modules that are long campaigns as a whole.
SLOW_MODULES = {"test_soundness.py", "test_codegen_proofs.py", "test_adversary.py", "test_derivatives.py"}
# Single tests of 10 s or more on the loaded 2-core machine (`--durations`): big hypothesis
# runs, every rule validated again, subprocess pools.
SLOW_TESTS = {
    "test_numeric.py::test_random_true_identities_are_never_false_at_any_scale",
    "test_numeric.py::test_a_false_identity_stays_false_times_a_tiny_factor",
    "test_codegen.py::test_arranged_code_computes_the_expression",
    "test_prover.py::test_identities_made_by_rule_steps_are_proved",
    "test_prover.py::test_mutated_identities_are_never_proved",
    "test_prover.py::test_no_refute_is_proved_by_the_search",
    "test_check.py::test_the_same_seed_gives_the_same_counterexample_and_the_reported_seed_reproduces_it",
    "test_plugin.py::test_select_stop_and_rerun",
    "test_plugin.py::test_rule_base_loads_once_and_only_for_proofs",
    "test_api.py::test_a_false_claim_is_unknown_with_its_counterexample",
    "test_api.py::test_prove_returns_a_checked_proof",
    "test_autodiff.py::test_derived_gradient_of_a_random_expression_matches_autograd",
    "test_kernel.py::test_the_linear_step_accepts_only_equal_terms",
    "test_rules.py::test_the_shipped_rule_base_loads",
    "test_rules.py::test_the_one_way_rules_terminate_on_both_sides_of_every_rule",
    "test_cli.py::test_jobs_gives_the_serial_output_in_the_serial_order",
    "test_codegen.py::test_the_emitted_gradient_of_a_random_expression_is_its_gradient",
    "test_printing.py::test_files_round_trip",
    "test_numeric.py::test_random_second_differentials_are_never_false",
    "test_plugin.py::test_parallel_workers_give_the_same_outcomes",
    "test_plugin.py::test_reports",
    "test_present.py::test_tidy_keeps_the_normal_form_and_the_value",
    "test_kernel.py::test_a_mutant_is_rejected_unless_it_is_still_a_proof",
}


@pytest.fixture(scope="session")
def proof_result(request):
    """`proof_result(path, name)`: the result of statement `name` of the proof file `path`,
    as the pytest plugin's item for it gets it (one check per process)."""
    from rewrite.parse import parse_file
    from rewrite.pytest_plugin import result_of
    from rewrite.shapes import env_from_decls

    parsed = {}

    def get(path, name):
        path = Path(path).resolve()
        if path not in parsed:
            pf = parse_file(str(path))
            parsed[path] = (pf, env_from_decls(pf.decls, file=pf.path), {s.name: s for s in pf.statements})
        pf, env, by_name = parsed[path]
        return result_of(request.config, by_name[name], env, pf)
    return get


def corpus_group(item) -> str | None:
    """The proof file whose results `item` reads (a plugin item, or a test given
    `proof_result` and parametrized by a path of proofs/), or None."""
    from rewrite.pytest_plugin import StatementItem

    if isinstance(item, StatementItem):
        return Path(item.path).name
    if "proof_result" in getattr(item, "fixturenames", ()):
        params = getattr(getattr(item, "callspec", None), "params", {})
        for value in params.values():
            path = getattr(value, "path", value)
            if isinstance(path, (str, Path)) and str(path).endswith(".proof"):
                return Path(path).name
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        group = corpus_group(item)
        if group is not None:
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group(f"proofs/{group}"))
        elif Path(str(item.path)).name in SLOW_MODULES or _test_name(item) in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


def _test_name(item) -> str:
    """`module.py::function` (parameters left out)."""
    return f"{Path(str(item.path)).name}::{getattr(item, 'originalname', None) or item.name}"
