"""Each function is declared once, in `syntax.FUNCTION`: every table derived from it or
keyed by its names knows every function, and knows no other (issue 16)."""

from __future__ import annotations

import pytest

from rewrite import api, egraph, numeric, printing
from rewrite import document as doc
from rewrite import syntax as S
from rewrite.parse import parse_expr
from rewrite.sizes import Env, Shape, Size, VarInfo, shape_of

NAMES = sorted(S.FUNCTION)
# the shape rules `sizes._call` and `shapes` know (and `syntax.Function.shape` lists)
SHAPE_RULES = ("elementwise", "same", "scalar", "square-scalar", "diag", "vec", "transpose", "grad", "jac", "hess")
DERIVATIVE_FORMS = {"d", *S.DERIVATIVES}  # evaluated by `numeric` as derivatives, not by a table


@pytest.mark.parametrize("fn", NAMES)
def test_the_grammar_reads_each_function_and_the_name_is_reserved(fn):
    args = ", ".join(["A", "X"][: S.FUNCTION[fn].arity])
    assert parse_expr(f"{fn}({args})") == S.Call(fn, tuple(S.Var(a) for a in ("A", "X")[: S.FUNCTION[fn].arity]))
    assert fn in doc.RESERVED


@pytest.mark.parametrize("fn", NAMES)
def test_each_function_has_a_known_shape_rule_and_the_kernel_applies_it(fn):
    f = S.FUNCTION[fn]
    assert f.shape in SHAPE_RULES
    n = Size.of("n")
    env = Env({"A": VarInfo("A", Shape(n, n) if f.shape != "jac" else Shape(n, Size())),
               "X": VarInfo("X", Shape(n, Size()))})
    if f.shape in ("grad", "hess"):
        env = Env({**env, "A": VarInfo("A", Shape(Size(), Size()))})
    args = tuple(S.Var(a) for a in ("A", "X")[: f.arity])
    shape_of(S.Call(fn, args), env)  # no ShapeError


def test_every_table_knows_every_function_and_no_other():
    names = set(S.FUNCTION)
    assert set(S.FUNCTIONS) == names
    assert set(printing._LATEX_FUNCTIONS) == names
    assert set(numeric._FUNCTIONS) == names - DERIVATIVE_FORMS
    constructors = {c for c in egraph._TERM_CONSTRUCTORS if c.startswith(egraph.CALL_PREFIX)}
    assert constructors == {egraph.CALL_PREFIX + n for n in names}
    shaped = set(egraph._SAME_SHAPE_UNARY) | set(egraph._SCALAR_VALUED)
    for n, f in S.FUNCTION.items():  # every function gets a shape in the e-graph
        assert egraph.CALL_PREFIX + n in shaped or f.shape in egraph._CALL_SHAPES, n
    for n in names:  # an API builder for every function, under its name or with a trailing _
        builder = getattr(api, n, None) or getattr(api, n + "_")
        assert callable(builder), n
    assert {w for w in doc.RESERVED if w in names} == names


def test_the_smoothness_words_are_condition_words():
    from rewrite.kernel import WORDS

    for n, f in S.FUNCTION.items():
        for w in f.smooth.rpartition(":")[2].split():
            assert w == "never" or w in WORDS, (n, w)
