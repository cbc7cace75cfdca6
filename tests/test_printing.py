"""The printers: Unicode and ASCII read back to the same tree, with few parentheses;
LaTeX is balanced."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rewrite import syntax as S
from rewrite.parse import parse_expr, parse_text
from rewrite.printing import show
from rewrite.strategies import decls, exprs, numbers, statements, variables

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PLAIN = st.sampled_from(["unicode", "ascii"])


def _tricky(children: st.SearchStrategy[S.Expr]) -> st.SearchStrategy[S.Expr]:
    """Where juxtaposition, superscripts and norm bars could run together."""
    return st.one_of(
        st.builds(S.Mul, children, children),
        st.builds(S.Div, children, children),
        st.builds(S.Sub, children, children),
        st.builds(S.Neg, children),
        st.builds(S.Transpose, children),
        st.builds(S.Inverse, children),
        st.builds(S.Power, children, st.sampled_from([Fraction(2), Fraction(-2), Fraction(0), Fraction(1, 2)])),
        st.builds(lambda e: S.Call("norm", (e,)), children),
        st.builds(lambda e: S.Call("norm2", (e,)), children),
    )


TRICKY = st.recursive(st.one_of(variables(), numbers()), _tricky, max_leaves=8)


NODE_TYPES = (S.Var, S.Num, S.Identity, S.Ones, S.Zeros, S.Neg, S.Transpose, S.Inverse, S.Power)
NODE_TYPES += (S.Add, S.Sub, S.Mul, S.Hadamard, S.HadamardDiv, S.Kron, S.Div, S.Frob, S.Call)


def test_strategy_draws_every_node_type():
    seen: set[type] = set()

    @settings(max_examples=300, database=None)
    @given(exprs())
    def draw(e):
        seen.update(type(s) for _, s in S.subterms(e))

    draw()
    assert seen == set(NODE_TYPES)


@SETTINGS
@given(exprs(), PLAIN)
def test_round_trip(e, style):
    assert parse_expr(show(e, style)) == e


@SETTINGS
@given(TRICKY, PLAIN)
def test_round_trip_where_tokens_could_fuse(e, style):
    assert parse_expr(show(e, style)) == e


@SETTINGS
@given(st.lists(st.one_of(decls(), statements()), min_size=1, max_size=4), PLAIN)
def test_files_round_trip(items, style):
    text = "\n".join(show(i, style) for i in items)
    assert parse_text(text).items == tuple(items)


@pytest.mark.parametrize(
    "text, unicode, ascii",
    [
        ("2 Aᵀ (A x - b)", "2 Aᵀ (A x - b)", "2*A^T*(A*x - b)"),
        ("d/dx ‖A x - b‖²", "d/dx ‖A x - b‖²", "grad(norm2(A*x - b), x)"),
        ("A (B C)", "A (B C)", "A*(B*C)"),
        ("(A B) C", "A B C", "A*B*C"),
        ("-(A + B)", "-(A + B)", "-(A + B)"),
        ("(A + B)ᵀ", "(A + B)ᵀ", "(A + B)^T"),
        ("(A B)⁻¹", "(A B)⁻¹", "(A*B)^-1"),
        ("(-A)ᵀ", "(-A)ᵀ", "(-A)^T"),
        ("A (-B)", "A (-B)", "A*(-B)"),
        ("A - -B", "A - (-B)", "A - (-B)"),
        ("-A B", "-A B", "-A*B"),
        ("2 (Aᵀ)", "2 Aᵀ", "2*A^T"),
        ("x (y)", "x y", "x*y"),
        ("2 (3)", "2⋅3", "2*3"),
        ("x 2", "x⋅2", "x*2"),
        ("2/(3)", "2/(3)", "2/(3)"),
        ("1/2 x", "0.5 x", "0.5*x"),
        ("x (1/3)", "x (1/3)", "x*(1/3)"),
        ("X⁻ᵀ", "X⁻ᵀ", "X^-T"),
        ("inv(X)", "X⁻¹", "X^-1"),
        ("s^-2", "s⁻²", "s^-2"),
        ("s^(1/3)", "s^(1/3)", "s^(1/3)"),
        ("(A²)³", "(A²)³", "(A^2)^3"),
        ("(A⁻¹)²", "(A⁻¹)²", "(A^-1)^2"),
        ("(‖A‖)²", "(‖A‖)²", "norm(A)^2"),
        ("‖A⋅‖B‖‖", "‖A⋅‖B‖‖", "norm(A*norm(B))"),
        ("‖A‖ ‖B‖", "‖A‖ ‖B‖", "norm(A)*norm(B)"),
        ("A .* B ./ C", "A ⊙ B ⊘ C", "A .* B ./ C"),
        ("A ⊗ B C", "A ⊗ B C", "kron(A, B)*C"),
        ("A : B C", "A : B C", "A : B*C"),
        ("(A : B) C", "(A : B) C", "(A : B)*C"),
        ("A / ‖A‖", "A / ‖A‖", "A / norm(A)"),
        ("tr(d/dx f)", "tr(grad(f, x))", "tr(grad(f, x))"),
        ("d/dx f + g", "d/dx f + g", "grad(f + g, x)"),
        ("I(n) + ones(m n, 2) - zeros(3)", "I(n) + ones(m n, 2) - zeros(3)", "I(n) + ones(m n, 2) - zeros(3)"),
        ("-X⁻¹ d(X) X⁻¹", "-X⁻¹ d(X) X⁻¹", "-X^-1*d(X)*X^-1"),
    ],
)
def test_exact_plain(text, unicode, ascii):
    e = parse_expr(text)
    assert show(e) == unicode
    assert show(e, "ascii") == ascii


@pytest.mark.parametrize(
    "text, latex",
    [
        ("Aᵀ B", r"A^{\top} B"),
        ("X⁻ᵀ", r"X^{-\top}"),
        ("(A B)⁻¹", r"\left(A B\right)^{-1}"),
        ("Aᵀᵀ", r"{A^{\top}}^{\top}"),
        ("tr(A)", r"\operatorname{tr}\left(A\right)"),
        ("A ⊙ B ⊗ C", r"A \odot B \otimes C"),
        ("‖A‖", r"\left\|A\right\|_F"),
        ("‖A‖²", r"\left\|A\right\|_F^2"),
        ("d/dX f", r"\frac{\partial f}{\partial X}"),
        ("A / ‖A‖", r"\frac{A}{\left\|A\right\|_F}"),
        ("1/3 W₁", r"\frac{1}{3} W_{1}"),
        ("σ x_hat", r"\sigma \mathit{x\_hat}"),
        ("2 (3)", r"2 \cdot 3"),
    ],
)
def test_exact_latex(text, latex):
    assert show(parse_expr(text), "latex") == latex


def test_statements_and_declarations():
    pf = parse_text(
        "let A, B : Mat(m n, 2) symmetric\nlet s : Scalar\nclaim g: d/dx xᵀ A x = (A + Aᵀ) x\nrefute t: A = B"
    )
    decl, scalar, claim, refute = pf.items
    assert show(decl) == "let A, B : Mat(m n, 2) symmetric"
    assert show(scalar) == "let s : Scalar"
    assert show(claim) == "claim g: d/dx xᵀ A x = (A + Aᵀ) x"
    assert show(claim, "ascii") == "claim g: grad(x^T*A*x, x) = (A + A^T)*x"
    assert show(decl, "latex") == r"A, B \in \mathbb{R}^{m n \times 2} \quad (\text{symmetric})"
    assert show(refute, "latex") == r"A \neq B"


def test_positions_are_ignored():
    assert show(parse_expr("A   +B")) == show(S.Add(S.Var("A"), S.Var("B"))) == "A + B"


def test_unknown_style():
    with pytest.raises(ValueError, match="unknown notation"):
        show(S.Var("A"), "html")


def _balanced(latex: str) -> bool:
    depth = 0
    for token in re.findall(r"\\left|\\right|[{}]", latex):
        depth += 1 if token in ("{", r"\left") else -1
        if depth < 0:
            return False
    return depth == 0


@SETTINGS
@given(st.one_of(exprs(), TRICKY))
def test_latex_is_balanced(e):
    latex = show(e, "latex")
    assert _balanced(latex), latex
    assert not re.search(r"\^(\{[^{}]*\}|\\top|\w)\^", latex), latex  # no double superscripts
