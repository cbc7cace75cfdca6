"""The pytest plugin, run as users run it: `pytest` in a fresh process, on proof files in a
folder of their own. The plugin comes from the `pytest11` entry point where rewrite is
installed (as in CI), and is named with `-p` where it is not (a plain checkout)."""

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTALLED = any(ep.value == "rewrite.pytest_plugin" for ep in entry_points(group="pytest11"))

GOOD = """\
let A : Mat(m, n)
let x : Vec(n)
let b : Vec(m)

claim grad_x: d/dx ‖A x - b‖² = 2 Aᵀ (A x - b)
claim wrong:  d/dx ‖A x - b‖² = Aᵀ (A x - b)
refute missing_factor: d/dx ‖A x - b‖² = Aᵀ (A x - b)
refute not_a_mistake: (A x)ᵀ = xᵀ Aᵀ
"""

BROKEN = "let A : Mat(m, n)\nclaim oops: A + = A\n"

# Counts the checkers made (each loads the rule base) in this process, or in each worker.
COUNTING_CONFTEST = """\
import rewrite.check

made = []
_init = rewrite.check.Checker.__init__

def _counted(self, *args, **kwargs):
    made.append(1)
    _init(self, *args, **kwargs)

rewrite.check.Checker.__init__ = _counted

def pytest_sessionfinish(session):
    print(f"\\nCHECKERS MADE: {len(made)}")
"""


def pytest_run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    plugin = [] if INSTALLED else ["-p", "rewrite.pytest_plugin"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", *plugin, "-p", "no:hypothesispytest", "-q", "-rA", *args],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300,
    )


def section(out: str, title: str) -> str:
    """The failure report under pytest's `____ title ____` header."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("_") and f" {title} " in line)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith(("___", "===")))
    return "\n".join(lines[start + 1:end])


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    (tmp_path / "least_squares.proof").write_text(GOOD, encoding="utf-8")
    (tmp_path / "broken.proof").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("claim x: A = B\n", encoding="utf-8")
    return tmp_path


def test_one_item_per_statement(suite):
    run = pytest_run(suite, "--collect-only")
    items = [line for line in run.stdout.splitlines() if "::" in line]
    assert items == [
        "broken.proof::<file>",
        "least_squares.proof::grad_x",
        "least_squares.proof::wrong",
        "least_squares.proof::missing_factor",
        "least_squares.proof::not_a_mistake",
    ], run.stdout + run.stderr


def test_reports(suite):
    run = pytest_run(suite)
    assert run.returncode == 1
    out = run.stdout
    assert "PASSED least_squares.proof::grad_x" in out
    assert "PASSED least_squares.proof::missing_factor" in out
    # A wrong claim: where it is, what it says, the outcome, the counterexample.
    wrong = section(out, "claim wrong")
    assert "least_squares.proof:6: claim wrong:  d/dx ‖A x - b‖² = Aᵀ (A x - b)" in wrong
    assert "outcome: false (a claim passes when it is proved)" in wrong
    assert "sizes m=" in wrong and "left side" in wrong and "right side" in wrong
    assert "Traceback" not in out and "rewrite/" not in wrong  # no stack of our internals
    # A refute that is in fact proved.
    refute = section(out, "refute not_a_mistake")
    assert "outcome: proved (a refute passes when it is false)" in refute
    # A file that does not parse: one failing item with the error and its place.
    assert "FAILED broken.proof::<file>" in out
    assert "broken.proof:2:17: expected an expression after '+'" in section(out, "proof file")
    assert "2 failed" not in out and "3 failed, 2 passed" in out


def test_select_stop_and_rerun(suite):
    selected = pytest_run(suite, "-k", "grad_x or missing")
    assert selected.returncode == 0 and "2 passed, 3 deselected" in selected.stdout
    stopped = pytest_run(suite, "-x", "least_squares.proof")
    assert "1 failed, 1 passed" in stopped.stdout and "stopping after 1 failures" in stopped.stdout
    last_failed = pytest_run(suite, "--lf")  # the cache holds the failures of the run before
    assert "FAILED least_squares.proof::wrong" in last_failed.stdout
    assert "grad_x" not in last_failed.stdout and "1 failed" in last_failed.stdout


def test_rule_base_loads_once_and_only_for_proofs(suite):
    (suite / "conftest.py").write_text(COUNTING_CONFTEST, encoding="utf-8")
    (suite / "test_plain.py").write_text("def test_plain():\n    assert True\n", encoding="utf-8")
    plain = pytest_run(suite, "-s", "test_plain.py")
    assert "1 passed" in plain.stdout and "CHECKERS MADE: 0" in plain.stdout
    collected = pytest_run(suite, "-s", "--collect-only")
    assert "CHECKERS MADE: 0" in collected.stdout
    proofs = pytest_run(suite, "-s", "least_squares.proof")
    assert "2 failed, 2 passed" in proofs.stdout and "CHECKERS MADE: 1" in proofs.stdout


def test_parallel_workers_give_the_same_outcomes(suite):
    pytest.importorskip("xdist")
    run = pytest_run(suite, "-n", "2")
    assert run.returncode == 1
    assert "3 failed, 2 passed" in run.stdout, run.stdout
    for item in ("grad_x", "missing_factor"):
        assert f"PASSED least_squares.proof::{item}" in run.stdout
    assert "outcome: false (a claim passes when it is proved)" in run.stdout


GROUPED = """\
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("one")


@pytest.mark.parametrize("k", range(12))
def test_grouped(k):
    (Path(__file__).parent / f"worker-{k}").write_text(os.environ.get("PYTEST_XDIST_WORKER", "none"))
"""


def test_a_group_runs_on_one_worker(tmp_path):
    """The suite's sharing rests on `--dist loadgroup` (a proof file and the tests that read
    its results, or a claim's derivation and its tests, on one worker): pytest 9.2 with
    pytest-xdist 3.8 silently split every group (pinned out in pyproject.toml)."""
    pytest.importorskip("xdist")
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    run = pytest_run(tmp_path, "-n", "2", "--dist", "loadgroup")
    assert run.returncode == 0, run.stdout + run.stderr
    workers = {(tmp_path / f"worker-{k}").read_text() for k in range(12)}
    assert len(workers) == 1 and workers != {"none"}, workers
