"""The only module that speaks egglog: encode trees and rules, run, read the e-graph back.

A search inserts both sides of a goal and runs the rule base in rounds, under a budget.
In each round the rules only *record* what they would union, with the match; the matches
are read back (pattern variables extracted as terms, at that moment), and only then are
the unions applied. Read in that order, every firing is a ground rule instance whose terms
existed before the equality it adds, so the e-graph's equalities can be rebuilt from the
firings alone (`explain`) — egglog-python has no proof mode of its own.

Shapes live in the e-graph (`rows`/`cols` functions computed by rules for every node)
because rules such as `tr(s) = s` for a 1×1 `s` or `A A⁻¹ = I` (which size of I?) need
them; properties (`invertible`, `symmetric`, …, and `const`) are relations.
Imports: `syntax`, `sizes`, `terms`, `budget`, `kernel` (its condition words), egglog.
"""

from __future__ import annotations

import gc
import re
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from . import syntax as S
from .budget import Budget
from .kernel import WORDS
from .sizes import Env, Size
from .terms import TermBank

if TYPE_CHECKING:  # egglog is loaded by the first e-graph built, not on import (start-up time)
    from egglog import bindings

# ---------------------------------------------------------------------------
# The term language in egglog

UNARY = {S.Neg: "Neg", S.Transpose: "Tp", S.Inverse: "Inv"}
BINARY = {
    S.Add: "Add",
    S.Sub: "Sub",
    S.Mul: "Mul",
    S.Hadamard: "Had",
    S.HadamardDiv: "HDiv",
    S.Kron: "Kron",
    S.Div: "Div",
    S.Frob: "Frob",
    S.SizePower: "PowS",
}
CALL_PREFIX = "F_"
# One relation per condition word the rules may ask (kernel.WORDS), but those read off the
# shape (`square`, `scalar`, `vector`) and `smooth`, which the search assumes and the kernel judges.
RELATIONS = tuple(w for w in WORDS if w not in ("square", "scalar", "vector", "smooth"))

_SAME_SHAPE_UNARY = ["Neg", "Inv"] + [f"F_{n}" for n, f in S.FUNCTION.items() if f.shape in ("elementwise", "same")]
_SCALAR_VALUED = ["Frob"] + [f"F_{n}" for n, f in S.FUNCTION.items() if f.shape in ("scalar", "square-scalar")]
# the other shape rules of `syntax.FUNCTION`, as egglog rules (query, action)
_CALL_SHAPES = {
    "diag": [("(= n (rows a)) (= (DN 1) (cols a))", "(set (rows e) n) (set (cols e) n)"),
             ("(= n (rows a)) (= n (cols a))", "(set (rows e) n) (set (cols e) (DN 1))")],
    "vec": [("(= r (rows a)) (= c (cols a))", "(set (rows e) (DM r c)) (set (cols e) (DN 1))")],
    "transpose": [("(= r (rows a)) (= c (cols a))", "(set (rows e) c) (set (cols e) r)")],
    "grad": [("(= r (rows x)) (= c (cols x))", "(set (rows e) r) (set (cols e) c)")],
    "jac": [("(= r (rows a)) (= c (rows x))", "(set (rows e) r) (set (cols e) c)")],
    "hess": [("(= r (rows x)) (= c (cols x))", "(set (rows e) (DM r c)) (set (cols e) (DM r c))")],  # jac(vec(∇f), vec(X))
}


# Extraction costs: fewer operations; among equals, fewer inverses and transposes (the form
# a person writes), and differentials last (so a zero class extracts as `0`, not `d(c)`).
COSTS = {"Tp": 2, "Inv": 4, "Pow": 2, "Kron": 2, "F_d": 3, "Sz": 0}  # a size: cheaper than what counts it


def _declarations() -> str:
    def ctor(name: str, args: str) -> str:
        return f"({name} {args} :cost {COSTS.get(name, 1)})"

    calls = " ".join(ctor(f"{CALL_PREFIX}{fn}", " ".join(["Term"] * n)) for fn, n in S.FUNCTIONS.items())
    unary = " ".join(ctor(c, "Term") for c in UNARY.values())
    binary = " ".join(ctor(c, "Term Term") for c in BINARY.values())
    props = "\n".join(f"(relation P_{p} (Term))" for p in RELATIONS)
    return f"""
(datatype Dim (DV String :cost 0) (DN i64 :cost 0) (DM Dim Dim :cost 0))
(datatype Term
  (V String) (Num Rational) (Id Dim) {ctor("Sz", "Dim")} (Ones Dim Dim) (Zeros Dim Dim) {ctor("Pow", "Term Rational")}
  {unary} {binary} {calls})
(function rows (Term) Dim :merge old)
(function cols (Term) Dim :merge old)
{props}
(ruleset shape)
(ruleset arith)
"""


def _shape_rules() -> str:
    """Shape inference and `const` propagation as egglog rules (the semantics of LANGUAGE.md)."""
    r: list[str] = []

    def rule(query: str, action: str) -> None:
        r.append(f"(rule ({query}) ({action}) :ruleset shape)")

    def same(cons: str, arity: int, child: int = 0) -> None:
        args = " ".join(f"a{i}" for i in range(arity))
        rule(f"(= e ({cons} {args})) (= r (rows a{child})) (= c (cols a{child}))", "(set (rows e) r) (set (cols e) c)")

    def scalar(cons: str, arity: int) -> None:
        args = " ".join(f"a{i}" for i in range(arity))
        rule(f"(= e ({cons} {args}))", "(set (rows e) (DN 1)) (set (cols e) (DN 1))")

    for c in _SAME_SHAPE_UNARY:
        same(c, 1)
    same("Pow", 2)
    for c in ("Add", "Sub", "Had", "HDiv", "Div"):
        same(c, 2)
    for c in _SCALAR_VALUED:
        scalar(c, 2 if c == "Frob" else 1)
    rule("(= e (Num q))", "(set (rows e) (DN 1)) (set (cols e) (DN 1))")
    rule("(= e (Sz n))", "(set (rows e) (DN 1)) (set (cols e) (DN 1))")
    scalar("PowS", 2)
    rule("(= e (Id n))", "(set (rows e) n) (set (cols e) n)")
    rule("(= e (Ones m n))", "(set (rows e) m) (set (cols e) n)")
    rule("(= e (Zeros m n))", "(set (rows e) m) (set (cols e) n)")
    rule("(= e (Tp a)) (= r (rows a)) (= c (cols a))", "(set (rows e) c) (set (cols e) r)")
    # a product: matrix product when the inner sizes agree, scaling by a 1×1 operand otherwise
    rule("(= e (Mul a b)) (= k (cols a)) (= k (rows b)) (= r (rows a)) (= c (cols b))", "(set (rows e) r) (set (cols e) c)")
    rule("(= e (Mul a b)) (= (DN 1) (rows a)) (= (DN 1) (cols a)) (= r (rows b)) (= c (cols b))", "(set (rows e) r) (set (cols e) c)")
    rule("(= e (Mul a b)) (= (DN 1) (rows b)) (= (DN 1) (cols b)) (= r (rows a)) (= c (cols a))", "(set (rows e) r) (set (cols e) c)")
    rule(
        "(= e (Kron a b)) (= ra (rows a)) (= ca (cols a)) (= rb (rows b)) (= cb (cols b))",
        "(set (rows e) (DM ra rb)) (set (cols e) (DM ca cb))",
    )
    for fn, f in S.FUNCTION.items():
        args = "a" if f.arity == 1 else "a x"
        for query, action in _CALL_SHAPES.get(f.shape, ()):
            rule(f"(= e ({CALL_PREFIX}{fn} {args})) {query}", action)
    # sizes are commutative products
    r.append("(birewrite (DM a b) (DM b a) :ruleset shape)")
    r.append("(birewrite (DM (DM a b) c) (DM a (DM b c)) :ruleset shape)")
    r.append("(rewrite (DM (DN 1) a) a :ruleset shape)")
    r.append("(rewrite (DM (DN p) (DN q)) (DN (* p q)) :ruleset shape)")
    # constants: anything built only from constants (never a differential)
    for leaf in ("(Num q)", "(Id n)", "(Sz n)", "(Ones m n)", "(Zeros m n)"):
        rule(f"(= e {leaf})", "(P_const e)")
    ctors = list(UNARY.values()) + list(BINARY.values()) + [
        f"{CALL_PREFIX}{fn}" for fn in S.FUNCTIONS if fn not in ("d", "grad", "jac", "hess", "symgrad")
    ]
    for c in ctors:
        n = 2 if c in BINARY.values() else 1
        args = " ".join(f"a{i}" for i in range(n))
        conds = " ".join(f"(P_const a{i})" for i in range(n))
        rule(f"(= e ({c} {args})) {conds}", "(P_const e)")
    rule("(= e (Pow a q)) (P_const a)", "(P_const e)")
    # whether a term contains a differential (conditions that steer the trace trick)
    for leaf in ("(Num q)", "(Id n)", "(Sz n)", "(Ones m n)", "(Zeros m n)", "(V s)"):
        rule(f"(= e {leaf})", "(P_nondifferential e)")
    rule("(= e (F_d a))", "(P_differential e)")
    for c in ctors + ["Pow", "F_grad", "F_jac", "F_hess", "F_symgrad"]:
        n = 2 if c in BINARY.values() or c in ("F_grad", "F_jac", "F_hess", "F_symgrad", "Pow") else 1
        args = " ".join(f"a{i}" for i in range(n)) if c != "Pow" else "a0 q"
        terms = ["a0"] if c == "Pow" else [f"a{i}" for i in range(n)]
        for t in terms:
            rule(f"(= e ({c} {args})) (P_differential {t})", "(P_differential e)")
        rule(f"(= e ({c} {args})) " + " ".join(f"(P_nondifferential {t})" for t in terms), "(P_nondifferential e)")
    return "\n".join(r)


def _side_relations() -> str:
    """`zero` and numeral invertibility (built in: no rule can say "a non-zero numeral"),
    `nonscalar` (as the kernel reads it: a size that is not the literal 1; derived from
    how a size is built, since `(!= r (DN 1))` compares e-classes, and `(DM (DN 1) (DN 1))`
    is not yet in the class of `(DN 1)` when the rule first sees it), and the pending
    unions that rule firings record and the `apply` rule set performs."""
    return """
(rule ((= e (Zeros m n))) ((P_zero e)) :ruleset shape)
(rule ((= e (Num q)) (= q (rational 0 1))) ((P_zero e)) :ruleset shape)
(rule ((= e (Num q)) (!= q (rational 0 1))) ((P_invertible e)) :ruleset shape)
(relation Pend (Term Term))
(ruleset apply)
(rule ((Pend a b)) ((union a b) (delete (Pend a b))) :ruleset apply)
(rule ((= (DN 1) (rows e))) ((P_row e)) :ruleset shape)
(relation NonOne (Dim))
(rule ((= d (DV v))) ((NonOne d)) :ruleset shape)
(rule ((= d (DN k)) (!= k 1)) ((NonOne d)) :ruleset shape)
(rule ((= d (DM a b)) (NonOne a)) ((NonOne d)) :ruleset shape)
(rule ((= d (DM a b)) (NonOne b)) ((NonOne d)) :ruleset shape)
(rule ((= r (rows e)) (NonOne r)) ((P_nonscalar e)) :ruleset shape)
(rule ((= c (cols e)) (NonOne c)) ((P_nonscalar e)) :ruleset shape)
(relation GoalFrob (Term))
(relation GoalMul (Term))
(relation Target (Term))
(relation Found (Term))
(rule ((GoalFrob r) (= r (Frob g dx)) (Target dx)) ((Found g)) :ruleset shape)
(rule ((GoalMul r) (= r (Mul j dx)) (Target dx)) ((Found j)) :ruleset shape)
"""


def _arith_rules() -> str:
    """Arithmetic on numerals; each firing is logged as an `arith` step for the kernel."""
    r = []
    # egglog's Rational is a pair of i64 and its arithmetic panics on overflow: compute
    # only on operands of 31 bits, whose sums, products and quotients fit
    small = " ".join(f"(< (numer {x}) {_SMALL}) (> (numer {x}) -{_SMALL}) (< (denom {x}) {_SMALL})" for x in "ab")
    two = ("(rule ((= e ({op} (Num a) (Num b))) " + small + " {guard}) ((union e {result}) (Arith \"{op}\" a b))"
           " :ruleset arith)")
    r.append(two.format(op="Add", guard="", result="(Num (+ a b))"))
    r.append(two.format(op="Mul", guard="", result="(Num (* a b))"))
    r.append(two.format(op="Sub", guard="(>= a b)", result="(Num (- a b))"))
    r.append(two.format(op="Sub", guard="(< a b)", result="(Neg (Num (- b a)))"))
    r.append(two.format(op="Div", guard="(!= b (rational 0 1))", result="(Num (/ a b))"))
    r.append("(rule ((= e (Neg (Num a))) (= a (rational 0 1))) ((union e (Num a)) (Arith \"Neg\" a a)) :ruleset arith)")
    r.append("(ruleset arith-clear)")
    r.append("(rule ((Arith o a b)) ((delete (Arith o a b))) :ruleset arith-clear)")
    return "(relation Arith (String Rational Rational))\n" + "\n".join(r)


# ---------------------------------------------------------------------------
# Encoding trees


def dim_term(size: Size, dim_vars: Mapping[str, str] | None = None) -> str:
    """A size as a Dim term; atoms found in `dim_vars` become egglog pattern variables."""
    parts = []
    if size.coeff != 1 or not size.atoms:
        if size.coeff >= _I64:
            raise TooLarge(f"the size {size.coeff} does not fit in 64 bits")
        parts.append(f"(DN {size.coeff})")
    for a in size.atoms:
        if dim_vars is not None and a in dim_vars:
            parts.append(dim_vars[a])
        else:
            parts.append(f"(DV {_string(a)})")
    out = parts[-1]
    for p in reversed(parts[:-1]):
        out = f"(DM {p} {out})"
    return out


def _string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


_SMALL = 2**31
_I64 = 2**63


class TooLarge(ValueError):
    """A numeral or size beyond egglog's 64-bit integers: the term cannot enter the e-graph."""


def _rational(q: Fraction) -> str:
    if not (-_I64 < q.numerator < _I64 and q.denominator < _I64):
        text = str(q)
        raise TooLarge(f"the numeral {text if len(text) < 24 else text[:20] + '…'} does not fit in 64 bits")
    return f"(rational {q.numerator} {q.denominator})"


def encode(e: S.Expr, pattern_vars: Mapping[str, str] | None = None, dim_vars: Mapping[str, str] | None = None) -> str:
    """An expression as egglog text; names in `pattern_vars` become egglog variables."""
    if isinstance(e, S.Var):
        if pattern_vars is not None and e.name in pattern_vars:
            return pattern_vars[e.name]
        return f"(V {_string(e.name)})"
    if isinstance(e, S.Num):
        return f"(Num {_rational(e.value)})"
    if isinstance(e, S.Identity):
        if e.size is None:
            raise ValueError("encode needs elaborated trees (an I without a size)")
        return f"(Id {dim_term(Size.from_dim(e.size), dim_vars)})"
    if isinstance(e, S.SizeOf):
        return f"(Sz {dim_term(Size.from_dim(e.size), dim_vars)})"
    if isinstance(e, (S.Ones, S.Zeros)):
        cols = Size.from_dim(e.cols) if e.cols is not None else Size()
        name = "Ones" if isinstance(e, S.Ones) else "Zeros"
        return f"({name} {dim_term(Size.from_dim(e.rows), dim_vars)} {dim_term(cols, dim_vars)})"
    if isinstance(e, S.Power):
        return f"(Pow {encode(e.arg, pattern_vars, dim_vars)} {_rational(e.exponent)})"
    if type(e) in UNARY:
        return f"({UNARY[type(e)]} {encode(e.arg, pattern_vars, dim_vars)})"  # type: ignore[attr-defined]
    if type(e) in BINARY:
        l, r = (encode(k, pattern_vars, dim_vars) for k in e.children())
        return f"({BINARY[type(e)]} {l} {r})"
    if isinstance(e, S.Call):
        args = " ".join(encode(a, pattern_vars, dim_vars) for a in e.args)
        return f"({CALL_PREFIX}{e.fn} {args})"
    raise TypeError(f"cannot encode {type(e).__name__}")


# ---------------------------------------------------------------------------
# Decoding egglog terms


_NODE_OF = {v: k for k, v in {**UNARY, **BINARY}.items()}


class Decoder:
    """Turns egglog's extracted terms (a TermDag) into interned terms (`TermBank` ids),
    sizes (`Size`) and numbers (`Fraction`)."""

    def __init__(self, dag: object, bank: TermBank) -> None:
        self.dag = dag
        self.bank = bank
        self._memo: dict[int, object] = {}

    def __call__(self, i: int) -> object:
        out = self._memo.get(i)
        if out is None:
            out = self._memo[i] = self._decode(i)
        return out

    def _lit(self, i: int) -> object:
        return self.dag.get(i).value.value  # type: ignore[attr-defined]

    def _decode(self, i: int) -> object:
        node = self.dag.get(i)  # type: ignore[attr-defined]
        op, args = node.name, node.args
        node_ = self.bank.node
        if op == "DV":
            return Size.of(self._lit(args[0]))
        if op == "DN":
            return Size(self._lit(args[0]))
        if op == "DM":
            return self(args[0]) * self(args[1])  # type: ignore[operator]
        if op == "rational":
            return Fraction(self._lit(args[0]), self._lit(args[1]))
        if op == "V":
            return node_(S.Var, (("name", self._lit(args[0])),), ())
        if op == "Num":
            q: Fraction = self(args[0])  # type: ignore[assignment]
            if q < 0:
                return node_(S.Neg, (), (node_(S.Num, (("value", -q),), ()),))
            return node_(S.Num, (("value", q),), ())
        if op in ("Id", "Sz"):
            cls = S.Identity if op == "Id" else S.SizeOf
            return node_(cls, (("size", self(args[0]).to_dim()),), ())  # type: ignore[attr-defined]
        if op in ("Ones", "Zeros"):
            rows, cols = self(args[0]), self(args[1])
            payload = (("rows", rows.to_dim()), ("cols", None if cols.is_one else cols.to_dim()))  # type: ignore[attr-defined]
            return node_(S.Ones if op == "Ones" else S.Zeros, payload, ())
        if op == "Pow":
            return node_(S.Power, (("exponent", self(args[1])),), (self(args[0]),))  # type: ignore[arg-type]
        if op in _NODE_OF:
            return node_(_NODE_OF[op], (), tuple(self(a) for a in args))  # type: ignore[misc]
        if op.startswith(CALL_PREFIX):
            kids = tuple(self(a) for a in args)
            return node_(S.Call, (("fn", op[len(CALL_PREFIX):]), ("args", len(kids))), kids)  # type: ignore[arg-type]
        raise ValueError(f"unexpected egglog term {op}")


# ---------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class Pattern:
    """A rule side ready for egglog: elaborated, with shapes for its pattern variables.

    `sides` are the elaborated sides (sizes of implicit `I`/`0` written with the `?`
    size variables of `env`, the pattern variables' shapes).
    """

    name: str
    sides: tuple[S.Expr, ...]
    env: Env
    conditions: tuple[tuple[str, S.Expr], ...]  # (word, term)
    oneway: bool = False
    prop: str | None = None  # for property rules: the property concluded


def _egg_name(atom: str) -> str:
    return "d_" + re.sub(r"\W", "_", atom.lstrip("?"))


def _bound(p: Pattern, side: S.Expr) -> tuple[list[str], list[str]]:
    """The pattern variables and size variables a match of `side` binds (sorted)."""
    used = sorted(S.free_names(side))
    dims = {a for v in used for a in p.env[v].shape.rows.variables + p.env[v].shape.cols.variables}
    dims.update(a for _, e in S.subterms(side) for a in _dim_atoms(e))
    return used, sorted(dims)


def _query(p: Pattern, side: S.Expr, root: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """The egglog query matching `side` at `root`, with its shape constraints and conditions."""
    term_vars = {v: f"v_{v}" for v in p.env}
    used, dims = _bound(p, side)
    dim_vars = {a: _egg_name(a) for a in dims}
    facts = [f"(= {root} {encode(side, term_vars, dim_vars)})"]
    for v in sorted(used):
        info = p.env[v]
        facts.append(f"(= (rows {term_vars[v]}) {dim_term(info.shape.rows, dim_vars)})")
        facts.append(f"(= (cols {term_vars[v]}) {dim_term(info.shape.cols, dim_vars)})")
    for cond, t in p.conditions:
        if not S.free_names(t) <= set(used) or any(a not in dim_vars for _, e in S.subterms(t) for a in _dim_atoms(e)):
            continue  # about a variable this side does not bind: left to the kernel
        x = encode(t, term_vars, dim_vars)
        if cond == "square":
            facts.append(f"(= (rows {x}) (cols {x}))")
        elif cond == "scalar":
            facts.append(f"(= (rows {x}) (DN 1)) (= (cols {x}) (DN 1))")
        elif cond == "vector":
            facts.append(f"(= (cols {x}) (DN 1))")
        elif cond != "smooth":  # smoothness is the kernel's to judge; the search assumes it
            facts.append(f"(P_{cond} {x})")
    return " ".join(facts), {v: term_vars[v] for v in used}, dim_vars


def compile_rewrite(p: Pattern, index: int, forward: bool, ruleset: str) -> tuple[str, str] | None:
    """One direction of an equation as an egglog rule, and the relation logging its firings;
    None if that direction cannot be used (its right side needs what its left side does
    not bind).

    The rule does not union: it records the pending equality and the match, so the match
    can be read back (with its variables extracted as terms) before any union changes
    what they stand for. `Search.run` then applies the pending unions.
    """
    lhs, rhs = p.sides if forward else p.sides[::-1]
    query, tvars, dvars = _query(p, lhs, "root")
    need_dims = {a for _, e in S.subterms(rhs) for a in _dim_atoms(e)}
    if not S.free_names(rhs) <= set(tvars) or not need_dims <= set(dvars):
        return None
    term_vars = {v: f"v_{v}" for v in p.env}
    relation = _fired_name(len(tvars), len(dvars))
    logged = " ".join([str(2 * index + (0 if forward else 1))] + [tvars[v] for v in sorted(tvars)]
                      + [dvars[a] for a in sorted(dvars)])
    name = f"{p.name}{'' if forward else ' <='}"
    rule = (
        f"(rule ({query}) ((Pend root {encode(rhs, term_vars, dvars)}) ({relation} {logged}))"
        f" :ruleset {ruleset} :name {_string(name)})"
    )
    return rule, relation


def _fired_name(terms: int, dims: int) -> str:
    return f"Fired_{terms}_{dims}"


def firing(p: Pattern, code: int) -> tuple[int, bool, list[str]]:
    """Which rule and direction a logged firing code stands for, and its columns' variables."""
    index, forward = code // 2, code % 2 == 0
    used, dims = _bound(p, p.sides[0] if forward else p.sides[1])
    return index, forward, used + dims


def compile_property(p: Pattern) -> str:
    query, _, _ = _query(p, p.sides[0], "root")
    return f"(rule ({query}) ((P_{p.prop} root)) :ruleset shape)"


def _dim_atoms(e: S.Expr) -> list[str]:
    dims: list[S.Dim | None] = []
    if isinstance(e, (S.Identity, S.SizeOf)):
        dims = [e.size]
    elif isinstance(e, (S.Ones, S.Zeros)):
        dims = [e.rows, e.cols]
    return [a for d in dims if d for a in Size.from_dim(d).variables]


# ---------------------------------------------------------------------------
# Running a search


@dataclass
class RunReport:
    stop: str  # "equal" | "saturated" | "iterations" | "nodes" | "firings" | "time"
    iterations: int
    nodes: int
    seconds: float
    predicted: float = 0.0  # for "time" before the limit: how long the next round was predicted to take


@dataclass(frozen=True)
class Fired:
    """One rule firing, read back before its union: which rule, which way, and the terms
    (and sizes) its pattern variables matched at that moment."""

    rule: int
    forward: bool
    terms: dict[str, int]  # TermBank ids
    sizes: dict[str, Size]


@dataclass(frozen=True)
class Computed:
    """A numeral computation the e-graph did: `op(a, b)` (for `Neg`, `-a`)."""

    op: str
    a: Fraction
    b: Fraction


class Program:
    """The egglog text of a rule base (declarations, shape rules, rules), loaded once."""

    def __init__(self, rewrites: list[tuple[Pattern, str]], properties: list[Pattern]) -> None:
        self.patterns = [p for p, _ in rewrites]
        self.rulesets = sorted({rs for _, rs in rewrites})
        rules: list[str] = []
        relations: set[str] = set()
        self.columns: dict[int, tuple[int, bool, list[str]]] = {}  # firing code -> rule, direction, columns
        for i, (p, rs) in enumerate(rewrites):
            for forward in (True, False) if not p.oneway else (True,):
                compiled = compile_rewrite(p, i, forward, rs)
                if compiled is not None:
                    rules.append(compiled[0])
                    relations.add(compiled[1])
                    self.columns[2 * i + (0 if forward else 1)] = firing(p, 2 * i + (0 if forward else 1))
        self.relations = sorted(relations)
        logs = []
        for relation in self.relations:
            t, d = (int(x) for x in relation.split("_")[1:])
            args = " ".join(f"x{k}" for k in range(1 + t + d))
            logs.append(f"(relation {relation} ({' '.join(['i64'] + ['Term'] * t + ['Dim'] * d)}))")
            logs.append(f"(rule (({relation} {args})) ((delete ({relation} {args}))) :ruleset apply)")
        self.text = "\n".join(
            [_declarations(), _shape_rules(), _arith_rules(), _side_relations()]
            + [f"(ruleset {rs})" for rs in self.rulesets]
            + logs
            + [compile_property(p) for p in properties]
            + rules
        )
        self._egraph: bindings.EGraph | None = None

    def egraph(self) -> bindings.EGraph:
        """The e-graph with the program loaded; searches run inside `(push)`/`(pop)`.

        Commands are parsed one at a time (egglog 13 parses one long program in time that
        grows much faster than its length: 1.2 s against 0.02 s for ours) and run together
        (run one at a time, each new rule costs in proportion to the rules before it:
        1.8 s against 0.27 s).
        """
        if self._egraph is None:
            from egglog import bindings

            eg = bindings.EGraph()
            eg.run_program(*(c for command in _commands(self.text) for c in eg.parse_program(command)))
            self._egraph = eg
        return self._egraph


def _commands(text: str) -> Iterable[str]:
    """The top-level s-expressions of an egglog program (no strings with parentheses here)."""
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                yield text[start : i + 1]


class Search:
    """One search in the program's e-graph: the declarations of a statement, the terms to
    relate, and the firings read back after every round."""

    def __init__(self, program: Program, env: Env, constants: Iterable[str] = (), bank: TermBank | None = None,
                 hypotheses: Iterable[tuple[str, S.Expr]] = ()) -> None:
        self.program = program
        self.bank = bank or TermBank()
        self.egraph = program.egraph()
        self._recorded: set[str] = set()  # the firing tables not empty at the last count
        self._run("(push)")
        self._open = True
        facts = []
        for name, info in env.items():
            v = f"(V {_string(name)})"
            facts.append(f"(set (rows {v}) {dim_term(info.shape.rows)}) (set (cols {v}) {dim_term(info.shape.cols)})")
            facts += [f"(P_{p} {v})" for p in sorted(info.props) if p in RELATIONS and p != "const"]
        facts += [f"(P_const (V {_string(c)}))" for c in sorted(constants)]
        facts += [f"(P_{word} {encode(t)})" for word, t in hypotheses]
        self._run("\n".join(facts))

    def _run(self, text: str) -> list:
        return self.egraph.run_program(*self.egraph.parse_program(text))

    def close(self) -> None:
        """Forget this search's terms (the program stays loaded for the next search)."""
        if self._open:
            self._run("(pop)")
            self._open = False

    def __enter__(self) -> "Search":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, name: str, e: S.Expr) -> None:
        """Insert an (elaborated) term under the global name `$name`."""
        self._run(f"(let ${name} {encode(e)})")

    def look_for(self, name: str, dx: S.Expr, form: str) -> None:
        """Ask the search to report every `G : dx` (form "frob") or `J dx` (form "mul")
        equal to `$name` — how a gradient or Jacobian is read off a differential."""
        self._run(f"(let $target {encode(dx)}) (Target $target) ({'GoalFrob' if form == 'frob' else 'GoalMul'} ${name})")

    def found(self) -> list[S.Expr]:
        """The cheapest term of every class reported by `look_for` so far."""
        printed = self._run("(print-function Found 1000000)")[0]
        decode = Decoder(printed.termdag, self.bank)
        return [self.bank.tree(decode(printed.termdag.get(t).args[0])) for t, _ in printed.terms]  # type: ignore[arg-type]

    def equal(self, a: str, b: str) -> bool:
        from egglog import bindings

        try:
            self._run(f"(check (= ${a} ${b}))")
            return True
        except bindings.EggSmolError:
            return False

    def extract(self, name: str) -> S.Expr:
        """The cheapest term equal to `$name`."""
        out = self._run(f"(extract ${name})")[0]
        return self.bank.tree(Decoder(out.termdag, self.bank)(out.term))  # type: ignore[arg-type]

    def _counts(self) -> tuple[int, int]:
        """(e-nodes, recorded firings not yet applied), from egglog's table sizes; the
        firing tables that are not empty are kept for `_read_firings` (two in three are
        empty, and printing an empty one still costs a call)."""
        out = self._run("(print-size)")
        nodes = firings = 0
        self._recorded = set()
        for name, n in re.findall(r"\((\w+) (\d+)\)", str(out[0])):
            if name in _TERM_CONSTRUCTORS:
                nodes += int(n)
            elif name.startswith("Fired_") and int(n):
                firings += int(n)
                self._recorded.add(name)
        return nodes, firings

    def run(self, budget: Budget, goal: tuple[str, str] | None = None,
            on_round: Callable[[list[Fired], list[Computed]], None] | None = None,
            rulesets: Callable[[int], list[str]] | None = None,
            until: Callable[[], bool] | None = None) -> RunReport:
        """Rounds of: shapes, one pass of the rules (recording), read back, union, arithmetic.

        Stops when the goal's sides meet (or `until()` says so), when nothing changes, or
        when the budget runs out. E-graphs grow geometrically, so the budget is kept by
        prediction as well: a round is not started if, growing as the last one did, it
        would overrun the time or the firing limit; and a round whose firings exceed the
        limit is abandoned before its unions.

        The prediction is made from the rounds' CPU time, with Python's cyclic garbage
        collector paused while the rounds run. A collection in a process holding many
        objects (0.08 s measured at 160k objects; a test worker holds more), or a stall
        from another process, counted into one round and multiplied by the growth,
        refused rounds that took 0.1 s: a statement's outcome depended on what else the
        machine or the process was doing. The time limit itself stays wall-clock time.
        """
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._rounds(budget, goal, on_round, rulesets, until)
        finally:
            if collecting:
                gc.enable()

    def _rounds(self, budget: Budget, goal: tuple[str, str] | None,
                on_round: Callable[[list[Fired], list[Computed]], None] | None,
                rulesets: Callable[[int], list[str]] | None, until: Callable[[], bool] | None) -> RunReport:
        start = time.perf_counter()
        nodes, _ = self._counts()
        if budget.seconds <= 0:
            return RunReport("time", 0, nodes, 0.0)
        last_firings, growth, last_round, last_check = 0, 1.0, 0.0, 0.0
        for i in range(1, budget.iterations + 1):
            elapsed = time.perf_counter() - start
            # a round's time grows faster than its firings (it matches against a bigger
            # e-graph): 6× the firings took 12–14× the time on a 10-term sum
            next_round = (last_round + last_check) * growth ** 1.5
            if i > 1 and elapsed + next_round > budget.seconds:
                return RunReport("time", i - 1, nodes, elapsed, predicted=next_round)
            if last_firings * growth > 4 * budget.firings:
                return RunReport("firings", i - 1, nodes, elapsed)
            round_start = time.process_time()
            sets = rulesets(i) if rulesets else self.program.rulesets
            self._run(f"(run-schedule (saturate shape) (seq {' '.join(f'(run {rs})' for rs in sets)}))")
            _, firings = self._counts()
            if firings > budget.firings:
                return RunReport("firings", i, nodes, time.perf_counter() - start)
            fired = self._read_firings() if on_round else []
            # one step of arithmetic per round: were numerals ever made equal that are not (a
            # wrong rule, or the adversary's test), every pair of them would be added and
            # multiplied, and saturating that would count forever
            out = self._run("(run-schedule (run apply) (saturate shape) (run arith) (saturate shape)) "
                            "(print-function Arith 1000000000)")
            if len(out[-1].terms) > budget.firings:
                return RunReport("firings", i, nodes, time.perf_counter() - start)
            computed = self._read_computed(out[-1]) if on_round else []
            self._run("(run-schedule (saturate arith-clear))")
            if on_round:
                on_round(fired, computed)
            before, (nodes, _) = nodes, self._counts()
            this_round = time.process_time() - round_start
            met = (goal and self.equal(*goal)) or (until and until())
            checking = time.process_time() - round_start - this_round  # grows with the e-graph too
            # from firings, not seconds: a round stalled by another process is no growth
            growth = max(1.0, firings / last_firings if last_firings else 1.0)
            last_firings, last_round, last_check = firings, this_round, checking
            elapsed = time.perf_counter() - start
            if met:
                return RunReport("equal", i, nodes, elapsed)
            if nodes == before and not firings:
                return RunReport("saturated", i, nodes, elapsed)
            if nodes > budget.nodes:
                return RunReport("nodes", i, nodes, elapsed)
        return RunReport("iterations", budget.iterations, nodes, time.perf_counter() - start)

    def _read_firings(self) -> list[Fired]:
        out: list[Fired] = []
        columns = self.program.columns
        for relation in self.program.relations:
            if relation not in self._recorded:
                continue
            printed = self._run(f"(print-function {relation} 1000000000)")[0]
            dag = printed.termdag
            decode = Decoder(dag, self.bank)
            for term, _ in printed.terms:
                args = dag.get(term).args
                code = dag.get(args[0]).value.value
                index, forward, cols = columns[code]
                terms, sizes = {}, {}
                for col, a in zip(cols, args[1:]):
                    value = decode(a)
                    if isinstance(value, Size):
                        sizes[col] = value
                    else:
                        terms[col] = value
                out.append(Fired(index, forward, terms, sizes))  # type: ignore[arg-type]
        return out

    def _read_computed(self, printed: object) -> list[Computed]:
        dag = printed.termdag  # type: ignore[attr-defined]
        decode = Decoder(dag, self.bank)
        out = []
        for term, _ in printed.terms:  # type: ignore[attr-defined]
            op, a, b = dag.get(term).args
            out.append(Computed(dag.get(op).value.value, decode(a), decode(b)))  # type: ignore[arg-type]
        return out


_TERM_CONSTRUCTORS = frozenset(
    ["V", "Num", "Id", "Sz", "Ones", "Zeros", "Pow"] + list(UNARY.values()) + list(BINARY.values())
    + [f"{CALL_PREFIX}{fn}" for fn in S.FUNCTIONS]
)
