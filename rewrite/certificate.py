"""Certificates: the JSON a proof is written to, and read back from (docs/certificates.md).

    {
      "format": "rewrite-certificate/2",
      "name": "grad_x", "file": "proofs/least_squares.proof",
      "statement": "(= (grad (norm2 (- (* A x) b)) x) (* 2 (* (T A) (- (* A x) b))))",
      "declarations": ["(let A Mat m n)", "(let x Vec n)", "(let b Vec m)"],
      "assumptions": [],                                   # the statement's own, as the kernel reads them
      "rules": {"d-norm2": "(rule d-norm2 (= …) (vars …) (if …))", …},   # every rule cited, compiled
      "chains": [[{"rule": "d-norm2", "dir": "=>", "at": [], "term": "…"}, …]],
      "rules_digest": "<sha256 of the rule files>",
      "display": {"statement": "d/dx ‖A x - b‖² = 2 Aᵀ (A x - b)", "declarations": ["let A : Mat(m, n)", …]}
    }

Terms are s-expressions (`sexpr`), which the kernel reads without a parser; `display` holds
the same in the user's notation, for people, and the kernel never reads it. A statement
needs one chain, except a Hessian `hess(f, x) = H`, which needs two through a gradient `g`
named in `"gradient"`: `d(f) = g : d(x)`, then `d(g) = H d(x)`.
Imports: `syntax`, `sexpr`, `kernel`, `compiled`, `printing` (no parser: `verify` and `explain` read certificates without lark), `document`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from . import document as doc
from . import sexpr
from . import syntax as S
from .compiled import write_rule
from .kernel import FORMAT, LINEAR, Theorem
from .printing import show


def declaration(name: str, info: Any) -> str:
    """One name's declaration as the kernel reads it: `(let A Mat m n invertible)`."""
    dims = {"Mat": [info.shape.rows, info.shape.cols], "Vec": [info.shape.rows], "Scalar": []}[info.kind]
    props = sorted(p for p in info.props if p in S.PROPERTIES)
    return sexpr.write(["let", name, info.kind, *(sexpr.dim_atom(d.to_dim()) for d in dims), *props])


def build(stmt: doc.Statement, decls: Iterable[doc.Decl], theorem: Theorem, chains: list[list], rulebase: Any,
          gradient: S.Expr | None = None, lemmas: tuple = ()) -> dict[str, Any]:
    """The certificate of a theorem the kernel has just accepted (so that `rewrite verify`
    can accept it again, anywhere)."""
    compiled = rulebase.compiled
    every = list(chains) + [c for lemma in lemmas for c in lemma.chains]
    cited = sorted({s.rule for chain in every for s in chain if s.rule != LINEAR})
    cert: dict[str, Any] = {
        "format": FORMAT,
        "name": stmt.name,
        "statement": sexpr.write(["=", sexpr.of_term(theorem.lhs), sexpr.of_term(theorem.rhs)]),
        "declarations": [declaration(n, info) for n, info in theorem.env.items()],
        "assumptions": [f"({w} {sexpr.show(t)})" for w, t in theorem.hypotheses],
        "rules_digest": rulebase.digest,
        "rules": {n: write_rule(compiled[n]) for n in cited},
    }
    if gradient is not None:
        cert["gradient"] = sexpr.show(gradient)
    if lemmas:
        cert["lemmas"] = [{"statement": sexpr.write(["=", sexpr.of_term(m.lhs), sexpr.of_term(m.rhs)]),
                           **({"gradient": sexpr.show(m.gradient)} if m.gradient is not None else {}),
                           "chains": _chains(m.chains)} for m in lemmas]
    cert["chains"] = _chains(chains)
    cert["display"] = {"statement": f"{show(stmt.lhs)} = {show(stmt.rhs)}", "declarations": [show(d) for d in decls],
                       "assumptions": [f"{show(t)} {w}" for w, t in theorem.hypotheses]}
    return cert


def _chains(chains: list[list]) -> list:
    return [[{"rule": s.rule, "dir": "=>" if s.forward else "<=", "at": list(s.at), "term": sexpr.show(s.term)}
             for s in chain] for chain in chains]


def write(cert: dict[str, Any], folder: str | Path, file_stem: str) -> Path:
    path = Path(folder) / f"{file_stem}.{cert['name']}.cert.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(cert, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def read(path: str | Path) -> str:
    """A certificate's text (the kernel parses it: duplicate keys and deep nesting are refused)."""
    return Path(path).read_text(encoding="utf-8")
