"""The house rules, as tests: docs that cannot drift from the code.

- Every module's docstring ends with an `Imports:` line naming exactly the package modules
  it imports (function-local imports included), so a reader knows a module's neighbours
  without reading its code, and a new import cannot hide.
- `ARCHITECTURE.md` names every module of the package, once, in layers: each module
  imports only modules above it (the one direction of flow, and no cycles).
- `ruff` (unused imports, undefined names, import order) is clean.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rewrite"
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__"))


def imported(module: str) -> set[str]:
    """The package modules `module` imports, anywhere in its source."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            out |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
    return out


def listed(module: str) -> set[str]:
    """The modules named in the `Imports:` line: up to its first `;`, ` — ` or full stop,
    remarks in brackets left out ("never `check`" may follow)."""
    doc = ast.get_docstring(ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))) or ""
    found = re.search(r"Imports:(.*)", doc, re.S)
    assert found, f"{module}.py: the docstring has no `Imports:` line"
    line = re.split(r";| — |\.(?:\s|$)", re.sub(r"\([^)]*\)", "", found.group(1)), maxsplit=1)[0]
    return {name for name in re.findall(r"`(\w+)`", line) if name in MODULES}


@pytest.mark.parametrize("module", MODULES)
def test_the_imports_line_says_what_the_module_imports(module):
    assert listed(module) == imported(module), (
        f"{module}.py: listed {sorted(listed(module))}, imports {sorted(imported(module))}")


def architecture() -> list[str]:
    """The modules in the order ARCHITECTURE.md names them."""
    return re.findall(r"`rewrite/(\w+)\.py`", (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8"))


def test_the_architecture_names_every_module_once():
    named = architecture()
    assert sorted(set(named)) == sorted(MODULES + ["__init__", "__main__"]), \
        set(MODULES + ["__init__", "__main__"]) ^ set(named)
    assert len(named) == len(set(named)), "a module is named twice"


@pytest.mark.parametrize("module", MODULES)
def test_a_module_imports_only_modules_above_it(module):
    order = architecture()
    above = set(order[:order.index(module)])
    assert imported(module) <= above, f"{module}.py imports {sorted(imported(module) - above)}, listed below it"


@pytest.mark.skipif(shutil.which("ruff") is None and subprocess.run(
    [sys.executable, "-m", "ruff", "--version"], capture_output=True).returncode != 0, reason="ruff is not installed")
def test_ruff_is_clean():
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "rewrite", "tests", "bench"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
