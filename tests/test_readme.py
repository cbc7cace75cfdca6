"""Every example in the README runs as shown: a user's first ten minutes must not lie.

`console` blocks are commands with their output (timings aside), `python` blocks run as
written, the `proof` block is the proof file it names, and the second set-up command is
the one CI runs.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, re.S)


def blocks(kind: str) -> list[str]:
    return [body for k, body in BLOCKS if k == kind]


def commands() -> list[tuple[str, list[str]]]:
    """Each `$ rewrite ...` line of the console blocks, with the output shown under it."""
    out = []
    for body in blocks("console"):
        for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
            line, *shown = chunk.rstrip("\n").split("\n")
            out.append((line, shown))
    return out


def without_timings(lines: list[str]) -> list[str]:
    return [re.sub(r"\d+ ms\)", "… ms)", line) for line in lines]


def test_the_readme_has_its_examples():
    assert len(commands()) >= 3 and blocks("python") and blocks("proof")


@pytest.mark.parametrize("line, shown", commands(), ids=[c for c, _ in commands()])
def test_console_examples_print_what_the_readme_shows(line, shown):
    import shlex

    argv = shlex.split(line)
    assert argv[0] == "rewrite"
    run = subprocess.run([sys.executable, "-m", "rewrite", *argv[1:]], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert without_timings(run.stdout.rstrip("\n").split("\n")) == without_timings(shown), run.stderr


@pytest.mark.parametrize("code", blocks("python"))
def test_python_examples_run(code, capsys):
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - the README's own example


def test_the_proof_example_is_the_file_it_names():
    (body,) = blocks("proof")
    assert body == (ROOT / "proofs" / "least_squares.proof").read_text(encoding="utf-8")


def test_the_set_up_commands_are_the_ones_ci_runs():
    install_and_check, install_and_test = blocks("sh")[0].strip().split("\n")
    assert install_and_check == "python3 -m pip install . && rewrite check proofs/"
    assert install_and_test in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
