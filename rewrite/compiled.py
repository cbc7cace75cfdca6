"""The compiled rule base on disk: `compiled.sexp` beside the rule files, and how a rule is written there.

The kernel trusts compiled rules (`kernel.Rule`), not rule texts, so that `rewrite verify`
reads them without a parser. `rules.load` writes the file whenever the rule files change
(the first line records the digest of the texts it came from); reading it refuses a stale
one. Imports: `kernel`, `sexpr`, `errors` (standard library otherwise: no lark, no numpy).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import sexpr
from .errors import RuleError
from .kernel import CheckError, Rule, read_rulebase

FILE = "compiled.sexp"


def rules_dir() -> Path:
    """The rule files shipped inside the package (an install), or next to it (a checkout)."""
    here = Path(__file__).resolve().parent
    shipped = here / "rules"
    return shipped if shipped.is_dir() else here.parent / "rules"


def digest_of(folder: Path) -> str:
    """The sha256 of the rule files' texts, in file order."""
    h = hashlib.sha256()
    for f in sorted(folder.glob("*.rules")):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def write_rule(r: Rule) -> str:
    """The one line `read_rule` reads back as `r`."""
    body = ["=", *map(sexpr.of_term, r.sides)] if r.prop is None else ["is", r.prop, sexpr.of_term(r.sides[0])]
    shapes = [[v, sexpr.dim_atom(s.rows.to_dim()), sexpr.dim_atom(s.cols.to_dim())] for v, s in r.shapes]
    conditions = [[w, sexpr.of_term(t)] for w, t in r.conditions]
    return sexpr.write(["rule", r.name, body, ["vars", *shapes], ["if", *conditions]])


def header(digest: str) -> str:
    return f"; compiled from the rule files with digest {digest}; written by rewrite/rules.py, do not edit"


def trusted(folder: str | Path | None = None) -> dict[str, Rule]:
    """The compiled rule base the kernel trusts; refused if the rule files changed since."""
    folder = Path(folder) if folder else rules_dir()
    path = folder / FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise RuleError(f"cannot read the compiled rule base {path}: {e.strerror} "
                        "(`rewrite check` writes it from the rule files)") from None
    if text.split("\n", 1)[0] != header(digest_of(folder)):
        raise RuleError(f"{path} is stale: the rule files changed since it was compiled "
                        "(`rewrite check` rewrites it)")
    try:
        return read_rulebase(text)
    except CheckError as e:
        raise RuleError(f"{path}: {e.message}") from None


def write(folder: Path, digest: str, lines: list[str]) -> None:
    """Keep `compiled.sexp` in step with the rule files, where the folder is writable."""
    path = folder / FILE
    text = "\n".join([header(digest)] + lines) + "\n"
    try:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    except OSError:
        pass  # an installed, read-only rule base: it ships with its compiled form
