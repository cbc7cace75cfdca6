"""The parser against LANGUAGE.md: its examples, its precedence table, its spellings,
and bad input, which must only ever raise a located ParseError."""

from __future__ import annotations

import logging
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import logger as lark_logger

from rewrite import document as doc
from rewrite import parse
from rewrite import syntax as S
from rewrite.errors import ParseError
from rewrite.parse import parse_decl, parse_equation, parse_expr, parse_file, parse_text

V = S.Var


def N(value) -> S.Num:
    return S.Num(Fraction(value))


def D(*factors) -> S.Dim:
    return S.Dim(tuple(factors))


def grad(f, x) -> S.Call:
    return S.Call("grad", (f, V(x)))


def norm(e) -> S.Call:
    return S.Call("norm", (e,))


def norm2(e) -> S.Call:
    return S.Call("norm2", (e,))


def T(e) -> S.Transpose:
    return S.Transpose(e)


def inv(e) -> S.Inverse:
    return S.Inverse(e)


def mul(*factors) -> S.Expr:
    """A left-associated product."""
    out = factors[0]
    for f in factors[1:]:
        out = S.Mul(out, f)
    return out


A, B, C, X, x, b, y, f, g = (V(n) for n in "ABCXxbyfg")
Axb = S.Sub(S.Mul(A, x), b)

LEAST_SQUARES = """\
# proofs/least_squares.proof
let A : Mat(m, n)
let x : Vec(n)
let b : Vec(m)

claim grad_x:  d/dx ‖A x - b‖² = 2 Aᵀ (A x - b)
claim grad_A:  d/dA norm2(A*x - b) = 2 (A x - b) xᵀ
refute missing_factor: d/dx ‖A x - b‖² = Aᵀ (A x - b)
"""

EXAMPLES = """\
let A, B : Mat(n, n)
let X : Mat(n, n) invertible
let S : Mat(n, n) spd
let x, y : Vec(n)
let s : Scalar

claim frob_trace:    A : B = tr(Aᵀ B)
claim trace_cyclic:  tr(A B X) = tr(X A B)
claim transpose_mul: (A B)ᵀ = Bᵀ Aᵀ
claim inner_swap:    xᵀ y = yᵀ x
claim d_inverse:     d(X⁻¹) = -X⁻¹ d(X) X⁻¹
claim grad_logdet:   d/dS logdet(S) = S⁻¹
claim grad_det:      d/dX det(X) = det(X) X⁻ᵀ
claim grad_frob:     d/dA ‖A‖ = A / ‖A‖
claim grad_quad:     d/dx xᵀ A x = (A + Aᵀ) x
claim hess_quad:     hess(xᵀ A x, x) = A + Aᵀ
refute trace_swap:   tr(A B X) = tr(B A X)
refute transpose_bad: (A B)ᵀ = Aᵀ Bᵀ
"""


# ---------------------------------------------------------------------------
# The examples of LANGUAGE.md


def test_least_squares_file():
    pf = parse_text(LEAST_SQUARES, "least_squares.proof")
    assert pf.path == "least_squares.proof"
    assert pf.decls == (
        doc.Decl(("A",), doc.Type.mat(D("m"), D("n"))),
        doc.Decl(("x",), doc.Type.vec(D("n"))),
        doc.Decl(("b",), doc.Type.vec(D("m"))),
    )
    grad_x, grad_A, missing = pf.statements
    assert grad_x == doc.Statement("claim", "grad_x", grad(norm2(Axb), "x"), mul(N(2), T(A), Axb))
    assert grad_A == doc.Statement("claim", "grad_A", grad(norm2(Axb), "A"), mul(N(2), Axb, T(x)))
    assert missing == doc.Statement("refute", "missing_factor", grad(norm2(Axb), "x"), mul(T(A), Axb))
    assert grad_x.text == "claim grad_x:  d/dx ‖A x - b‖² = 2 Aᵀ (A x - b)"


def test_examples_that_must_work():
    pf = parse_text(EXAMPLES)
    assert [d.names for d in pf.decls] == [("A", "B"), ("X",), ("S",), ("x", "y"), ("s",)]
    assert pf.decls[1].props == ("invertible",) and pf.decls[2].props == ("spd",)
    assert pf.decls[4].type == doc.Type.scalar()
    got = {s.name: (s.kind, s.lhs, s.rhs) for s in pf.statements}
    Xi, Sv = inv(X), V("S")
    assert got == {
        "frob_trace": ("claim", S.Frob(A, B), S.Call("tr", (S.Mul(T(A), B),))),
        "trace_cyclic": ("claim", S.Call("tr", (mul(A, B, X),)), S.Call("tr", (mul(X, A, B),))),
        "transpose_mul": ("claim", T(S.Mul(A, B)), S.Mul(T(B), T(A))),
        "inner_swap": ("claim", S.Mul(T(x), y), S.Mul(T(y), x)),
        "d_inverse": ("claim", S.Call("d", (Xi,)), mul(S.Neg(Xi), S.Call("d", (X,)), Xi)),
        "grad_logdet": ("claim", grad(S.Call("logdet", (Sv,)), "S"), inv(Sv)),
        "grad_det": ("claim", grad(S.Call("det", (X,)), "X"), S.Mul(S.Call("det", (X,)), T(Xi))),
        "grad_frob": ("claim", grad(norm(A), "A"), S.Div(A, norm(A))),
        "grad_quad": ("claim", grad(mul(T(x), A, x), "x"), S.Mul(S.Add(A, T(A)), x)),
        "hess_quad": ("claim", S.Call("hess", (mul(T(x), A, x), x)), S.Add(A, T(A))),
        "trace_swap": ("refute", S.Call("tr", (mul(A, B, X),)), S.Call("tr", (mul(B, A, X),))),
        "transpose_bad": ("refute", T(S.Mul(A, B)), S.Mul(T(A), T(B))),
    }


@pytest.mark.parametrize(
    "text, tree",
    [
        ("‖A x - b‖² + 2 (A : B) + ‖B‖²", S.Add(S.Add(norm2(Axb), S.Mul(N(2), S.Frob(A, B))), norm2(B))),
        ("‖A‖² + 2 (A : B) + ‖B‖²", S.Add(S.Add(norm2(A), S.Mul(N(2), S.Frob(A, B))), norm2(B))),
        ("A : B⋅C", S.Frob(A, S.Mul(B, C))),
        ("A B : C", S.Frob(S.Mul(A, B), C)),
        ("A : B + C", S.Add(S.Frob(A, B), C)),
        ("2 Aᵀ (A x - b)", mul(N(2), T(A), Axb)),
        ("X⁻ᵀ", T(inv(X))),
        ("X^-T", T(inv(X))),
        ("1 - x", S.Sub(N(1), x)),
        ("ones(n) - x", S.Sub(S.Ones(D("n")), x)),
        # The variable of a derivative is a name in the tree: `vec(X)` there is X.
        ("jac(vec(F), vec(X))", S.Call("jac", (S.Call("vec", (V("F"),)), S.Call("vec", (X,))))),
        ("P P⁻¹", S.Mul(V("P"), inv(V("P")))),
        ("d(A)", S.Call("d", (A,))),
    ],
)
def test_language_fragments(text, tree):
    assert parse_expr(text) == tree


# ---------------------------------------------------------------------------
# Precedence and associativity


@pytest.mark.parametrize(
    "text, tree",
    [
        ("A B C", mul(A, B, C)),
        ("A (B C)", S.Mul(A, S.Mul(B, C))),
        ("A - B - C", S.Sub(S.Sub(A, B), C)),
        ("A - (B - C)", S.Sub(A, S.Sub(B, C))),
        ("A + B C", S.Add(A, S.Mul(B, C))),
        ("-A B", S.Mul(S.Neg(A), B)),  # unary binds tighter than products
        ("-(A B)", S.Neg(S.Mul(A, B))),
        ("A -B", S.Sub(A, B)),  # a juxtaposed operand cannot start with '-'
        ("A * -B", S.Mul(A, S.Neg(B))),
        ("- -A", S.Neg(S.Neg(A))),
        ("-Aᵀ", S.Neg(T(A))),
        ("(A B)ᵀ", T(S.Mul(A, B))),
        ("A Bᵀ", S.Mul(A, T(B))),
        ("A ⊙ B C", S.Mul(S.Hadamard(A, B), C)),
        ("A B ⊙ C", S.Hadamard(S.Mul(A, B), C)),
        ("A / 2 B", S.Mul(S.Div(A, N(2)), B)),
        ("A ⊗ B ⊘ C", S.HadamardDiv(S.Kron(A, B), C)),
        ("A : B : C", S.Frob(S.Frob(A, B), C)),
        ("A²ᵀ", T(S.Power(A, 2))),
        ("Aᵀ²", S.Power(T(A), 2)),
        ("(A⁻¹)⁻¹", inv(inv(A))),
        ("(A^2)^3", S.Power(S.Power(A, 2), 3)),
        ("x'''", T(T(T(x)))),
        ("f (x)", S.Mul(f, x)),
        ("tr(A)ᵀ", T(S.Call("tr", (A,)))),
        ("d(X) X", S.Mul(S.Call("d", (X,)), X)),
    ],
)
def test_precedence(text, tree):
    assert parse_expr(text) == tree


@pytest.mark.parametrize("text", ["2^3^2", "A^2^3", "A⁻¹⁻¹", "A^-1^2", "s²^3"])
def test_a_power_of_a_power_needs_brackets(text):
    """A person reads `2^3^2` as 2^(3^2) = 512; a left-to-right parse gives 64."""
    with pytest.raises(ParseError, match="a power of a power is ambiguous"):
        parse_expr(text)


# ---------------------------------------------------------------------------
# Spellings


@pytest.mark.parametrize(
    "spellings",
    [
        ("Aᵀ", "A'", "A^T", "A⊤", "A ^ T"),
        ("A⁻¹", "A^-1", "inv(A)", "A^(-1)", "A^-1.0"),
        ("A⁻ᵀ", "A^-T", "(A⁻¹)ᵀ", "inv(A)'"),
        ("A²", "A^2", "A^(2)"),
        ("s^0.5", "s^(1/2)", "s^(2/4)"),
        ("s⁻²", "s^-2", "s^(-2)"),
        ("A⋅B", "A*B", "A@B", "A B", "A·B", "(A)(B)"),
        ("A ⊙ B", "A .* B", "A.*B"),
        ("A ⊘ B", "A ./ B"),
        ("A ⊗ B", "kron(A, B)"),
        ("‖A‖", "norm(A)", "‖ A ‖"),
        ("‖A‖²", "norm2(A)", "‖A‖^2", "‖A‖ ²"),
        ("d/dX f", "∂f/∂X", "∂(f)/∂X", "grad(f, X)", "∂/∂X f", "d/d X f"),
        ("A - B", "A − B"),
        ("0.5", "1/2", "2/4", "0.50"),
        ("I(n)", "I( n )"),
    ],
)
def test_spellings_agree(spellings):
    trees = [parse_expr(s) for s in spellings]
    assert all(t == trees[0] for t in trees), spellings


# ---------------------------------------------------------------------------
# Numbers and powers


@pytest.mark.parametrize(
    "text, tree",
    [
        ("0.1", N(Fraction(1, 10))),
        ("2.50", N(Fraction(5, 2))),
        ("007", N(7)),
        ("1/2", N(Fraction(1, 2))),
        ("4/2", N(2)),
        ("0/3", N(0)),
        ("1 / 3", N(Fraction(1, 3))),
        ("1/2 x", S.Mul(N(Fraction(1, 2)), x)),
        ("(1)/2", S.Div(N(1), N(2))),
        ("1/(2)", S.Div(N(1), N(2))),
        ("1/2/3", S.Div(N(Fraction(1, 2)), N(3))),
        ("2.5/2", S.Div(N(Fraction(5, 2)), N(2))),
        ("x/2", S.Div(x, N(2))),
        ("x 1/2", S.Div(S.Mul(x, N(1)), N(2))),  # products associate to the left
        ("-1/2", S.Div(S.Neg(N(1)), N(2))),
        ("1/2²", S.Div(N(1), S.Power(N(2), 2))),
        ("2 3", S.Mul(N(2), N(3))),
        ("2x", S.Mul(N(2), x)),
        ("0", N(0)),
        ("s^0.5", S.Power(V("s"), Fraction(1, 2))),
        ("s⁻²", S.Power(V("s"), -2)),
        ("s⁻¹", inv(V("s"))),
        ("s^-1", inv(V("s"))),
        ("A⁰", S.Power(A, 0)),
        ("A¹⁰", S.Power(A, 10)),
        ("s^(-1/3)", S.Power(V("s"), Fraction(-1, 3))),
    ],
)
def test_numbers(text, tree):
    assert parse_expr(text) == tree


def test_parser_never_produces_a_division_of_two_integer_literals_written_directly():
    assert not isinstance(parse_expr("3/4"), S.Div)
    assert isinstance(parse_expr("3/(4)"), S.Div)


# ---------------------------------------------------------------------------
# Norm bars


@pytest.mark.parametrize(
    "text, tree",
    [
        ("‖A‖ ‖B‖", S.Mul(norm(A), norm(B))),
        ("‖A‖² ‖B‖", S.Mul(norm2(A), norm(B))),
        ("A ‖B‖", S.Mul(A, norm(B))),
        ("‖A⋅‖B‖‖", norm(S.Mul(A, norm(B)))),
        ("‖‖A‖ B‖", norm(S.Mul(norm(A), B))),
        ("‖(A ‖B‖)‖", norm(S.Mul(A, norm(B)))),
        ("‖A + ‖B‖‖", norm(S.Add(A, norm(B)))),
        ("‖‖A‖‖", norm(norm(A))),
        ("(‖A‖)²", S.Power(norm(A), 2)),
        ("‖A‖³", S.Power(norm(A), 3)),
        ("‖A‖ᵀ", T(norm(A))),
        ("‖A‖²ᵀ", T(norm2(A))),
        ("tr(‖A‖ B)", S.Call("tr", (S.Mul(norm(A), B),))),
        ("A / ‖A‖", S.Div(A, norm(A))),
        ("‖d/dx f‖", norm(grad(f, "x"))),
    ],
)
def test_norm_bars(text, tree):
    assert parse_expr(text) == tree


# ---------------------------------------------------------------------------
# Derivatives


@pytest.mark.parametrize(
    "text, tree",
    [
        ("d/dx xᵀ A x + bᵀ x", grad(S.Add(mul(T(x), A, x), S.Mul(T(b), x)), "x")),
        ("(d/dx f) + g", S.Add(grad(f, "x"), g)),
        ("2 d/dx f + g", S.Mul(N(2), grad(S.Add(f, g), "x"))),
        ("g - d/dx f : A", S.Sub(g, grad(S.Frob(f, A), "x"))),
        ("tr(d/dx f) B", S.Mul(S.Call("tr", (grad(f, "x"),)), B)),
        ("grad(d/dx f, y)", S.Call("grad", (grad(f, "x"), y))),
        ("d/dx d/dy f", grad(grad(f, "y"), "x")),
        ("∂f/∂X + g", S.Add(grad(f, "X"), g)),
        ("∂(f + g)/∂X", grad(S.Add(f, g), "X")),
        ("d/dW₁ f", grad(f, "W₁")),
        ("d/dΣ f", grad(f, "Σ")),
        ("d(E)", S.Call("d", (V("E"),))),
        ("dX", V("dX")),  # the shape checker says what to write instead
        ("jac(y, x)", S.Call("jac", (y, x))),
        ("hess(f, x)", S.Call("hess", (f, x))),
    ],
)
def test_derivatives(text, tree):
    assert parse_expr(text) == tree


def test_d_prefix_stops_at_the_equals_sign():
    assert parse_equation("d/dx f + g = h") == (grad(S.Add(f, g), "x"), V("h"))


# ---------------------------------------------------------------------------
# Names, constants, functions


@pytest.mark.parametrize("name", ["W₁", "x₂", "σ", "αβ", "x_1", "tr₁", "dX", "Σ₁₂", "A2b", "T"])
def test_identifiers(name):
    assert parse_expr(name) == V(name)


def test_superscripts_are_never_part_of_a_name():
    assert parse_expr("A²") == S.Power(A, 2)
    assert parse_expr("W₁ᵀ") == T(V("W₁"))


@pytest.mark.parametrize(
    "text, tree",
    [
        ("I", S.Identity()),
        ("I(n)", S.Identity(D("n"))),
        ("I(2 n)", S.Identity(D(2, "n"))),
        ("I (n)", S.Mul(S.Identity(), V("n"))),
        ("I x", S.Mul(S.Identity(), x)),
        ("ones(n)", S.Ones(D("n"))),
        ("ones(m, n)", S.Ones(D("m"), D("n"))),
        ("zeros(m n, 3)", S.Zeros(D("m", "n"), D(3))),
    ],
)
def test_constants(text, tree):
    assert parse_expr(text) == tree


@pytest.mark.parametrize("fn", sorted(n for n, k in S.FUNCTIONS.items() if k == 1))
def test_one_argument_functions(fn):
    assert parse_expr(f"{fn}(A + B)") == S.Call(fn, (S.Add(A, B),))


# ---------------------------------------------------------------------------
# Declarations and files


@pytest.mark.parametrize(
    "text, decl",
    [
        ("let A, B : Mat(m, n) symmetric", doc.Decl(("A", "B"), doc.Type.mat(D("m"), D("n")), ("symmetric",))),
        ("let x : Vec(n)", doc.Decl(("x",), doc.Type.vec(D("n")))),
        ("let s : Scalar const", doc.Decl(("s",), doc.Type.scalar(), ("const",))),
        ("let F : Mat(m n, k)", doc.Decl(("F",), doc.Type.mat(D("m", "n"), D("k")))),
        ("let G : Mat(2 m, n)", doc.Decl(("G",), doc.Type.mat(D(2, "m"), D("n")))),
        ("let H : Mat(3, 3) spd invertible", doc.Decl(("H",), doc.Type.mat(D(3), D(3)), ("spd", "invertible"))),
        ("A: Mat(m,n)", doc.Decl(("A",), doc.Type.mat(D("m"), D("n")))),
    ],
)
def test_declarations(text, decl):
    assert parse_decl(text) == decl


@pytest.mark.parametrize("word", sorted(doc.RESERVED))
def test_reserved_words_cannot_be_declared_or_name_statements(word):
    with pytest.raises(ParseError, match="reserved"):
        parse_decl(f"let {word} : Scalar")
    with pytest.raises(ParseError, match="reserved"):
        parse_text(f"claim {word}: A = A")


def test_comments_blank_lines_and_continuations():
    text = "# header\n\nlet A : Mat(n, n)   # trailing\n\n  claim c: A + \\\n    A = 2 A  # why\n"
    pf = parse_text(text)
    assert pf.items == (
        doc.Decl(("A",), doc.Type.mat(D("n"), D("n"))),
        doc.Statement("claim", "c", S.Add(A, A), S.Mul(N(2), A)),
    )
    statement = pf.statements[0]
    assert statement.at == S.Pos(5, 3)
    assert statement.text == "claim c: A + \\\n    A = 2 A"
    assert statement.rhs.at == S.Pos(6, 11)  # the product sits at its right operand


def test_statement_text_ends_with_the_statement():
    pf = parse_text("claim n: ‖A‖^2 = ‖A‖²   # squared\n")
    assert pf.statements[0].text == "claim n: ‖A‖^2 = ‖A‖²"
    with pytest.raises(ParseError) as info:
        parse_text("claim n: (‖A‖²")
    assert info.value.pos == S.Pos(1, 15)


def test_windows_line_endings_and_byte_order_mark():
    pf = parse_text("\ufefflet A : Scalar\r\nclaim c: A = A\r\n")
    assert pf.statements[0].at == S.Pos(2, 1)


def test_positions_of_statements_and_operators():
    pf = parse_text(LEAST_SQUARES)
    line = "claim grad_x:  d/dx ‖A x - b‖² = 2 Aᵀ (A x - b)"

    def col(fragment: str, start: int = 0) -> int:
        return line.index(fragment, start) + 1

    s = pf.statements[0]
    assert s.at == S.Pos(6, 1)
    assert pf.decls[2].at == S.Pos(4, 1)
    assert s.lhs.at == S.Pos(6, col("d/dx"))
    assert s.lhs.args[1].at == S.Pos(6, col("dx"))
    n2 = s.lhs.args[0]
    assert n2.at == S.Pos(6, col("‖"))
    sub = n2.args[0]
    assert sub.at == S.Pos(6, col("-"))
    assert sub.left.at == S.Pos(6, col("x -"))  # A x: at the right operand
    assert sub.left.left.at == S.Pos(6, col("A x"))
    outer = s.rhs
    assert outer.at == S.Pos(6, col("(A x - b)"))
    assert outer.left.right.at == S.Pos(6, col("ᵀ"))
    assert outer.left.left.at == S.Pos(6, col("2"))
    assert outer.right.at == S.Pos(6, col("-", col("(A x")))


def test_operator_positions_in_expressions():
    e = parse_expr("tr(A) + B ⊙ -C")
    assert e.at == S.Pos(1, 7)
    assert e.left.at == S.Pos(1, 1)
    assert e.right.at == S.Pos(1, 11)
    assert e.right.right.at == S.Pos(1, 13)


def test_parse_file(tmp_path):
    path = tmp_path / "ls.proof"
    path.write_text(LEAST_SQUARES, encoding="utf-8")
    pf = parse_file(path)
    assert pf.path == str(path) and len(pf.statements) == 3


def test_parse_file_rejects_bad_utf8_with_a_position(tmp_path):
    path = tmp_path / "bad.proof"
    path.write_bytes(b"let A : Scalar\nclaim c: A \xff= A\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert info.value.file == str(path) and info.value.pos == S.Pos(2, 12)


def test_parse_equation():
    assert parse_equation("P P⁻¹ = I") == (S.Mul(V("P"), inv(V("P"))), S.Identity())


def test_grammar_has_no_conflicts():
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler, level = Collect(), lark_logger.level
    lark_logger.addHandler(handler)
    lark_logger.setLevel(logging.DEBUG)
    try:
        parse._build_lark()
    finally:
        lark_logger.removeHandler(handler)
        lark_logger.setLevel(level)
    assert not [m for m in messages if "conflict" in m.lower() or "collision" in m.lower()]


# ---------------------------------------------------------------------------
# Bad input


def _error(fn, text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        fn(text)
    err = info.value
    assert err.pos is not None and err.pos.line >= 1 and err.pos.col >= 1
    return err


@pytest.mark.parametrize(
    "text, pos, message",
    [
        ("A +", (1, 4), "expected an expression after '+', found the end of the line"),
        ("(A + B", (1, 7), "unbalanced parenthesis: '(' at 1:1 is never closed"),
        ("A + B)", (1, 6), "unbalanced parenthesis: ')' at 1:6 has no matching '('"),
        ("‖A", (1, 3), "unbalanced norm: '‖' at 1:1 is never closed"),
        ("(‖A)‖", (1, 4), "unbalanced norm: '‖' at 1:2 is not closed before ')'"),
        ("A $ B", (1, 3), "unexpected character '$'"),
        ("A |B|", (1, 3), "unexpected character '|'"),
        ("A^+", (1, 3), "expected an expression after '^', found '+'"),
        ("tr A", (1, 4), "unexpected 'A' after 'tr'; expected '('"),
        ("tr(A, B)", (1, 1), "tr takes 1 argument, got 2"),
        ("kron(A)", (1, 1), "kron takes 2 arguments, got 1"),
        ("grad(f, 2)", (1, 1), "grad differentiates with respect to a name"),
        ("d x", (1, 3), "unexpected 'x' after 'd'; expected '(' or '/'"),
        ("d/d2 f", (1, 3), "expected d/dX with X a name"),
        ("d/dd f", (1, 3), "cannot differentiate with respect to 'd'"),
        ("d/dx", (1, 5), "expected an expression after 'dx'"),
        ("1/0", (1, 2), "division by zero"),
        ("s^(1/0)", (1, 2), "divides by zero"),
        ("ones(2.5)", (1, 6), "a size is a name or a positive integer, found '2.5'"),
        ("A\nB", (2, 1), "expected an expression on one line"),
        ("", (1, 1), "expected an expression, found nothing"),
        ("\x07", (1, 1), "unexpected character U+0007"),
        ("A⁻", (1, 2), "unexpected character '⁻'"),
    ],
)
def test_expression_errors(text, pos, message):
    err = _error(parse_expr, text)
    assert err.pos == S.Pos(*pos)
    assert message in err.message


@pytest.mark.parametrize(
    "text, pos, message",
    [
        ("claim c: A", (1, 11), "expected '='"),
        ("claim c A = B", (1, 9), "unexpected 'A' after 'c'; expected ':'"),
        ("claim: A = B", (1, 6), "expected a name after 'claim'"),
        ("claim c: A = B = C", (1, 16), "unexpected '=' after 'B'"),
        ("claim c: (A = B)", (1, 13), "'(' at 1:10 is not closed before '='"),
        ("x = y", (1, 1), "expected 'claim', 'let' or 'refute'"),
        ("let A Mat(n, n)", (1, 7), "expected ',' or ':'"),
        ("let A : Matrix(n)", (1, 9), "expected 'Mat', 'Scalar' or 'Vec'"),
        ("let A : Mat(0, n)", (1, 13), "a size is a name or a positive integer"),
        ("let A : Mat(n, n) symetric", (1, 19), "unknown property 'symetric'"),
        ("let A : Scalar\nlet B : Scalar\nclaim c: A +", (3, 13), "expected an expression after '+'"),
        ("claim c: A = B \\ # no", (1, 16), "continues a line only at its very end"),
    ],
)
def test_file_errors(text, pos, message):
    err = _error(lambda t: parse_text(t, "f.proof"), text)
    assert err.file == "f.proof" and err.pos == S.Pos(*pos)
    assert message in err.message
    assert str(err).startswith(f"f.proof:{pos[0]}:{pos[1]}: ")


def test_errors_name_the_file_for_expressions():
    err = _error(lambda t: parse_expr(t, file="rules/x.rules"), "A +")
    assert err.file == "rules/x.rules"


TOKENS = (
    "A x 2 0.5 ( ) ‖ + - * ⋅ / : = ᵀ ' ⁻¹ ⁻ᵀ ² ^T ^-1 ^2 d / dx ∂ tr I I( ones n , "
    "let claim refute Mat Vec Scalar grad inv kron ⊙ ⊗ ⊘ .* ./ f 1 symmetric"
).split() + ["\n", "\\\n", "# c\n"]
PARSERS = st.sampled_from([parse_expr, parse_text, parse_decl, parse_equation])
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _only_parse_errors(fn, text: str) -> None:
    try:
        fn(text)
    except ParseError as err:
        assert err.pos is not None and err.pos.line >= 1 and err.pos.col >= 1, (text, err)


@FAST
@given(st.text(max_size=60), PARSERS)
def test_random_text_only_raises_parse_errors(text, fn):
    _only_parse_errors(fn, text)


@FAST
@given(st.lists(st.sampled_from(TOKENS), max_size=16).map(" ".join), PARSERS)
def test_random_token_soup_only_raises_parse_errors(text, fn):
    _only_parse_errors(fn, text)


@FAST
@given(st.binary(max_size=60))
def test_random_bytes_only_raise_parse_errors(tmp_path_factory, data):
    path = tmp_path_factory.getbasetemp() / "random_bytes.proof"
    path.write_bytes(data)
    _only_parse_errors(parse_file, path)


@pytest.mark.parametrize("line", [ln for ln in (LEAST_SQUARES + EXAMPLES).splitlines() if ln.strip()])
def test_cut_statements_only_raise_parse_errors(line):
    for end in range(len(line)):
        _only_parse_errors(parse_text, line[:end])


@pytest.mark.parametrize(
    "text",
    [
        "-" * 1000 + "A",
        " + ".join(["A"] * 1000),
        " ".join(["A"] * 1000),
        "A" + "ᵀ" * 1000,
        "‖" * 500 + "A" + "‖" * 500,
        "tr(" * 1000 + "A" + ")" * 1000,
        "d/dx " * 1000 + "f",
    ],
)
def test_deep_nesting_is_a_parse_error(text):
    err = _error(parse_expr, text)
    assert "nested too deeply" in err.message


def test_deep_parentheses_alone_are_fine():
    assert parse_expr("(" * 1000 + "A" + ")" * 1000) == A


def test_depth_limit_is_generous_for_long_sums():
    assert S.size(parse_expr(" + ".join(["A"] * 150))) == 299
