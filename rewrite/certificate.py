"""Certificates: the JSON a proof is written to, and read back from (docs/certificates.md).

    {
      "format": "rewrite-certificate/1",
      "statement": "d/dx ‖A x - b‖² = 2 Aᵀ (A x - b)",   # the claim, as checked
      "name": "grad_x", "file": "proofs/least_squares.proof",
      "declarations": ["let A : Mat(m, n)", ...],
      "rules_digest": "<sha256 of the rule base>",
      "rules": {"tr-cyclic": "tr-cyclic : tr(A B) = tr(B A)", ...},  # every rule cited
      "goals": [{"from": "...", "to": "...", "constant": ["A", "b"]}],  # informative only
      "chains": [[{"rule": "d-norm2", "dir": "=>", "at": [0], "term": "..."}, ...]]
    }

A statement needs one chain, except a Hessian `hess(f, x) = H`, which needs two through a
gradient `g` the certificate names in `"gradient"`: `d(f) = g : d(x)`, then
`d(g) = H d(x)`. Each step's `term` is the whole term after the step; `at` is the position rewritten
(child indices from the root); `dir` is `=>` (left side to right side) or `<=`. The rule
`linear` is the kernel's own normalisation (sums reordered, numerals combined). The kernel
recomputes the goal from the statement and the declarations and trusts nothing else here.
Imports: `syntax`, `printing`, `kernel` (for the goal), `rules` (for the digest).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from . import syntax as S
from .kernel import FORMAT, LINEAR, Goal
from .printing import show


def build(stmt: S.Statement, decls: Iterable[S.Decl], goals: list[Goal], chains: list[list], rulebase: Any,
          gradient: S.Expr | None = None) -> dict[str, Any]:
    texts = rulebase.texts
    cited = sorted({s.rule for chain in chains for s in chain if s.rule != LINEAR})
    cert: dict[str, Any] = {
        "format": FORMAT,
        "name": stmt.name,
        "statement": f"{show(stmt.lhs)} = {show(stmt.rhs)}",
        "declarations": [show(d) for d in decls],
        "rules_digest": rulebase.digest,
        "rules": {n: texts[n] for n in cited},
        "goals": [{"from": show(g.start), "to": show(g.end), "constant": sorted(g.constants)} for g in goals],
    }
    if gradient is not None:
        cert["gradient"] = show(gradient)
    cert["chains"] = [
        [{"rule": s.rule, "dir": "=>" if s.forward else "<=", "at": list(s.at), "term": show(s.term)} for s in chain]
        for chain in chains
    ]
    return cert


def write(cert: dict[str, Any], folder: str | Path, file_stem: str) -> Path:
    path = Path(folder) / f"{file_stem}.{cert['name']}.cert.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(cert, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def read(path: str | Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
