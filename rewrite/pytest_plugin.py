"""pytest collects proof files: one test item per statement, named `file.proof::name`.

Registered through the `pytest11` entry point, so every pytest run in an environment where
rewrite is installed loads this module, including runs of projects that never heard of
proof files. It must cost them nothing: only paths ending in `.proof` are looked at, the
parser is imported when the first one is collected, and the rule base (slow: each rule is
checked numerically when it loads) when the first statement runs, once per process, so
each pytest-xdist worker loads its own. Collection only parses, which keeps it
deterministic and cheap, as xdist needs: every worker collects every file.

A file that does not parse, or whose declarations do not shape-check, becomes one failing
item (`file.proof::<file>`) carrying the error; a statement becomes an item that passes
when the claim is proved or the refute is shown false, and otherwise fails with the
outcome, the reason or the counterexample, and the statement's source line.
Imports: `check`, `parse`, `shapes`, `budget`, `errors`, pytest.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from .budget import DEFAULT_SECONDS, Budget

EXPECTED = {"claim": "proved", "refute": "false"}
_CHECKER = pytest.StashKey[Any]()
_RESULTS = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rewrite", "proof files (*.proof)")
    group.addoption("--proof-seed", type=int, default=0, metavar="N",
                    help="seed of the numeric spot-checks of proof files (default 0)")
    group.addoption("--proof-timeout", type=float, default=DEFAULT_SECONDS, metavar="S",
                    help="search time limit per statement, seconds (default 5)")


def pytest_collect_file(file_path: Any, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".proof":
        return ProofFile.from_parent(parent, path=file_path)
    return None


def _checker(config: pytest.Config) -> Any:
    """The process's one checker, made (and the rule base loaded) on first use."""
    if _CHECKER not in config.stash:
        from .check import Checker, Settings

        settings = Settings(seed=config.getoption("proof_seed"),
                            budget=Budget(seconds=config.getoption("proof_timeout")))
        config.stash[_CHECKER] = Checker(settings)
    return config.stash[_CHECKER]


def result_of(config: pytest.Config, statement: Any, env: Any, proof_file: Any) -> Any:
    """The statement's result, checked once per process by the process's checker: a test
    suite's own tests of a proof file's results (its certificates, say) read the same
    result its items judged, instead of checking the corpus again."""
    from pathlib import Path

    cache = config.stash.setdefault(_RESULTS, {})
    key = (str(Path(proof_file.path).resolve()), statement.name, statement.at.line if statement.at else None)
    if key not in cache:
        cache[key] = _checker(config).check_statement(statement, env, proof_file)
    return cache[key]


class ProofFile(pytest.File):
    """A `*.proof` file: parsed at collection, its statements checked when they run."""

    def collect(self) -> Iterator[pytest.Item]:
        from .errors import RewriteError
        from .parse import parse_file
        from .shapes import env_from_decls

        try:
            pf = parse_file(self.path)
            env = env_from_decls(pf.decls, file=str(self.path))
        except RewriteError as e:
            yield BrokenProofFile.from_parent(self, name="<file>", error=str(e.located(str(self.path))),
                                              line=e.line)
            return
        for stmt in pf.statements:
            yield StatementItem.from_parent(self, name=stmt.name, statement=stmt, env=env, proof_file=pf)


class ProofFailure(Exception):
    """A statement whose outcome is not the one its kind asks for, or a broken file; the
    message is the whole report."""


class _ProofItem(pytest.Item):
    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ProofFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)


class StatementItem(_ProofItem):
    """One `claim` or `refute`, checked by the process's checker."""

    def __init__(self, *, statement: Any, env: Any, proof_file: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.statement, self.env, self.proof_file = statement, env, proof_file

    def runtest(self) -> None:
        result = result_of(self.config, self.statement, self.env, self.proof_file)
        self.user_properties.append(("outcome", result.outcome))
        if not result.passed:
            raise ProofFailure(self._report(result))

    def _report(self, r: Any) -> str:
        s = self.statement
        where = f"{self.path}:{s.at.line}" if s.at else str(self.path)
        lines = [f"{where}: {s.text or s.name}",
                 f"outcome: {r.outcome} (a {s.kind} passes when it is {EXPECTED[s.kind]})"]
        if r.message:
            lines.append(r.message)
        elif r.outcome == "proved":
            lines.append("the kernel checked a proof of it: it is no mistake")
        return "\n".join(lines)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        line = self.statement.at.line - 1 if self.statement.at else None
        return self.path, line, f"{self.statement.kind} {self.name}"


class BrokenProofFile(_ProofItem):
    """The whole file, failing with its parse or declaration error."""

    def __init__(self, *, error: str, line: int | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error, self.line = error, line

    def runtest(self) -> None:
        raise ProofFailure(self.error)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None if self.line is None else self.line - 1, "proof file"
