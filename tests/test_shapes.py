"""Shapes: size unification, declarations, inference, elaboration and statement checks.

Trees are mostly built by hand from `rewrite.syntax`; one section runs the files of
LANGUAGE.md through the parser, to check positions end to end.
"""

import ast
import sys
from fractions import Fraction
from functools import cache, reduce
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rewrite import document as doc
from rewrite import syntax as S
from rewrite.errors import ShapeError
from rewrite.parse import parse_text
from rewrite.printing import show
from rewrite.shapes import Mismatch, Unifier, declared_props, elaborate, elaborate_statement, env_from_decls, infer
from rewrite.sizes import ONE, SCALAR, Env, Shape, Size, VarInfo, shape_of

D = S.Dim.of
V = S.Var


def at(line, col):
    return S.Pos(line, col)


def mul(*xs):
    return reduce(S.Mul, xs)


def T(x):
    return S.Transpose(x)


def inv(x):
    return S.Inverse(x)


def call(fn, *args, pos=None):
    return S.Call(fn, args, at=pos)


def size(text):
    """`size("2 m n")`, or a plain int."""
    factors = str(text).split()
    return Size.of(*(int(f) if f.isdigit() else f for f in factors))


def shape(r, c):
    return Shape(size(r), size(c))


def decl(names, typ, *props, pos=None):
    return doc.Decl(tuple(names.split()), typ, props, at=pos)


def claim(lhs, rhs, pos=None):
    return doc.Statement("claim", "c", lhs, rhs, at=pos)


def raises(fn, *args, **kwargs) -> ShapeError:
    with pytest.raises(ShapeError) as info:
        fn(*args, **kwargs)
    return info.value


# ---------------------------------------------------------------------------
# Sizes and unification


def test_sizes_commute():
    assert Size.of("n", "m") == Size.of("m", "n")
    assert str(Size.of("n", "m")) == "(m n)"
    assert str(shape("m n", 1)) == "(m n)×1"


def test_unify_binds_a_lone_variable():
    u = Unifier()
    k = u.fresh()
    u.unify(k, Size.of("m"))
    assert u.resolve(k) == Size.of("m")
    assert u.resolve_shape(Shape(k, k)) == shape("m", "m")


def test_unify_cancels_common_factors():
    u = Unifier()
    k = u.fresh()
    u.unify(k * Size.of("n", 2), Size.of("m", "n", 4))
    assert u.resolve(k) == Size.of(2, "m")


def test_unify_keeps_underdetermined_equations_pending():
    u = Unifier()
    a, b = u.fresh(), u.fresh()
    u.unify(a * b, Size.of("m", "n"))
    assert u.substitution == {}
    u.unify(a, Size.of("n"))
    assert u.resolve(b) == Size.of("m")


def test_pending_equation_contradicted_later():
    u = Unifier()
    a, b = u.fresh(), u.fresh()
    u.unify(a * b, Size.of("m", "n"))
    with pytest.raises(Mismatch):
        u.unify(a, Size.of("k"))


def test_product_of_variables_equal_to_one():
    u = Unifier()
    a, b = u.fresh(), u.fresh()
    u.unify(a * b, ONE)
    assert u.resolve(a) == u.resolve(b) == ONE


@pytest.mark.parametrize(
    "left, right",
    [(("m",), ("n",)), (("m", "n"), ("m",)), ((2,), (3,)), (("m",), (1,))],
)
def test_unify_contradictions(left, right):
    with pytest.raises(Mismatch):
        Unifier().unify(Size.of(*left), Size.of(*right))


def test_unify_contradiction_through_a_variable():
    u = Unifier()
    a = u.fresh()
    with pytest.raises(Mismatch):
        u.unify(a * Size.of("m"), Size.of("n"))
    u = Unifier()
    a = u.fresh()
    with pytest.raises(Mismatch):
        u.unify(a * Size.of("m"), a)


NAMES = st.sampled_from(["m", "n", "k"])


@st.composite
def equations(draw):
    """A hidden ground assignment and equations `t = σ(t)` that it solves."""
    u = Unifier()
    variables = [u.fresh() for _ in range(3)]
    sigma = {
        v.atoms[0]: Size.of(*draw(st.lists(NAMES, max_size=2)), draw(st.integers(1, 3))) for v in variables
    }
    eqs = []
    for _ in range(draw(st.integers(1, 4))):
        picked = draw(st.lists(st.sampled_from(variables), min_size=1, max_size=2))
        t = reduce(Size.__mul__, picked, Size.of(*draw(st.lists(NAMES, max_size=2))))
        ground = reduce(
            Size.__mul__, (sigma[a] if a in sigma else Size(1, (a,)) for a in t.atoms), Size(t.coeff)
        )
        eqs.append((t, ground) if draw(st.booleans()) else (ground, t))
    return u, sigma, eqs


@given(equations())
def test_unifier_binds_only_what_the_equations_force(case):
    u, sigma, eqs = case
    for left, right in eqs:
        u.unify(left, right)
    for var, value in u.substitution.items():
        assert value == sigma[var]


# ---------------------------------------------------------------------------
# Declarations


def test_declaration_kinds_and_properties():
    env = env_from_decls(
        [
            decl("A B", doc.Type.mat(D("m"), D("n"))),
            decl("x", doc.Type.vec(D("n"))),
            decl("s", doc.Type.scalar(), "const"),
            decl("S", doc.Type.mat(D("n"), D("n")), "spd"),
            decl("Q", doc.Type.mat(D("n"), D("n")), "orthogonal", "diagonal"),
        ]
    )
    assert list(env) == ["A", "B", "x", "s", "S", "Q"]
    assert env["B"].shape == shape("m", "n")
    assert env["x"].shape == shape("n", 1) and env["x"].kind == "Vec"
    assert env["s"].shape == SCALAR and env["s"].props == {"const"}
    full = {"invertible", "fullcolrank", "fullrowrank"}  # invertible implies both ranks
    assert env["S"].props == {"spd", "symmetric"} | full
    assert env["Q"].props == {"orthogonal", "diagonal"} | full
    assert declared_props(V("S"), env) == {"spd", "symmetric"} | full
    assert declared_props(T(V("S")), env) == frozenset()


def test_square_property_on_rectangular_declaration():
    err = raises(env_from_decls, [decl("A", doc.Type.mat(D("m"), D("n")), "spd", pos=at(3, 5))], file="file")
    assert str(err) == "file:3:5: 'spd' needs a square matrix, but A is m×n"


@pytest.mark.parametrize("prop", ["invertible", "orthogonal", "symmetric"])
def test_every_square_property_checks(prop):
    err = raises(env_from_decls, [decl("x", doc.Type.vec(D("n")), prop)])
    assert err.message == f"'{prop}' needs a square matrix, but x is n×1"


def test_declaration_errors():
    mat = doc.Type.mat(D("n"), D("n"))
    assert raises(env_from_decls, [decl("A", mat, "lovely")]).message.startswith(
        "unknown property 'lovely'"
    )
    assert (
        raises(env_from_decls, [decl("tr", mat)]).message == "'tr' is a reserved word and cannot be declared"
    )
    err = raises(
        env_from_decls, [decl("A", mat, pos=at(1, 5)), decl("B A", mat, pos=at(2, 5))], file="f.proof"
    )
    assert str(err) == "f.proof:2:5: 'A' is already declared (first at 1:5)"


def with_var(env: Env, info: VarInfo) -> Env:
    return Env({**env, info.name: info})


# ---------------------------------------------------------------------------
# Inference: the LANGUAGE.md examples

EXAMPLES = env_from_decls(
    [
        decl("A B", doc.Type.mat(D("n"), D("n"))),
        decl("X", doc.Type.mat(D("n"), D("n")), "invertible"),
        decl("S", doc.Type.mat(D("n"), D("n")), "spd"),
        decl("x y", doc.Type.vec(D("n"))),
        decl("s", doc.Type.scalar()),
    ]
)
A, B, X, Sv, x, y = map(V, ["A", "B", "X", "S", "x", "y"])
quad = mul(T(x), A, x)

EXAMPLE_CLAIMS = {
    "frob_trace": (S.Frob(A, B), call("tr", mul(T(A), B)), SCALAR),
    "trace_cyclic": (call("tr", mul(A, B, X)), call("tr", mul(X, A, B)), SCALAR),
    "transpose_mul": (T(mul(A, B)), mul(T(B), T(A)), shape("n", "n")),
    "inner_swap": (mul(T(x), y), mul(T(y), x), SCALAR),
    "d_inverse": (call("d", inv(X)), mul(S.Neg(inv(X)), call("d", X), inv(X)), shape("n", "n")),
    "grad_logdet": (call("grad", call("logdet", Sv), Sv), inv(Sv), shape("n", "n")),
    "grad_det": (call("grad", call("det", X), X), mul(call("det", X), T(inv(X))), shape("n", "n")),
    "grad_frob": (call("grad", call("norm", A), A), S.Div(A, call("norm", A)), shape("n", "n")),
    "grad_quad": (call("grad", quad, x), mul(S.Add(A, T(A)), x), shape("n", 1)),
    "hess_quad": (call("hess", quad, x), S.Add(A, T(A)), shape("n", "n")),
    "trace_swap": (call("tr", mul(A, B, X)), call("tr", mul(B, A, X)), SCALAR),
    "transpose_bad": (T(mul(A, B)), mul(T(A), T(B)), shape("n", "n")),
    "scaled": (
        mul(call("sqrt", V("s")), S.Power(A, 2), V("s")),
        S.Hadamard(A, call("exp", A)),
        shape("n", "n"),
    ),
}


@pytest.mark.parametrize("name", EXAMPLE_CLAIMS)
def test_language_examples_shape_check(name):
    lhs, rhs, expected = EXAMPLE_CLAIMS[name]
    assert elaborate_statement(claim(lhs, rhs), EXAMPLES) == (lhs, rhs, expected)


LSQ = env_from_decls(
    [
        decl("A", doc.Type.mat(D("m"), D("n"))),
        decl("x", doc.Type.vec(D("n"))),
        decl("b", doc.Type.vec(D("m"))),
    ]
)
residual = S.Sub(mul(V("A"), V("x")), V("b"))


def test_least_squares_example():
    grad_x = claim(call("grad", call("norm2", residual), V("x")), mul(S.Num(2), T(V("A")), residual))
    grad_a = claim(call("grad", call("norm2", residual), V("A")), mul(S.Num(2), residual, T(V("x"))))
    assert elaborate_statement(grad_x, LSQ)[2] == shape("n", 1)
    assert elaborate_statement(grad_a, LSQ)[2] == shape("m", "n")


def test_kron_and_vec_multiply_sizes():
    env = with_var(LSQ, VarInfo("P", shape("p", "q")))
    assert infer(S.Kron(V("A"), V("P")), env) == shape("m p", "n q")
    assert infer(call("vec", V("A")), env) == shape("m n", 1)
    # `n m` is `m n`: vec(Aᵀ) and vec(A) have the same length
    lhs, rhs = call("vec", T(V("A"))), call("vec", V("A"))
    assert elaborate_statement(claim(lhs, rhs), env)[2] == shape("m n", 1)
    # vec(A Q P) = (Pᵀ ⊗ A) vec(Q): the product needs p n = n p
    env = with_var(env, VarInfo("Q", shape("n", "p")))
    A, P, Q = V("A"), V("P"), V("Q")
    vec_rule = claim(call("vec", mul(A, Q, P)), mul(S.Kron(T(P), A), call("vec", Q)))
    assert elaborate_statement(vec_rule, env)[2] == shape("m q", 1)


def test_explicit_sizes():
    assert infer(S.Identity(D(2, "n")), LSQ) == shape("2 n", "2 n")
    assert infer(S.Ones(D("m")), LSQ) == shape("m", 1)
    assert infer(S.Zeros(D("m"), D("n")), LSQ) == shape("m", "n")
    assert infer(S.Sub(S.Ones(D("n")), V("x")), LSQ) == shape("n", 1)


def test_unary_and_functions():
    assert infer(call("diag", V("x")), LSQ) == shape("n", "n")
    assert infer(call("sum", V("A")), LSQ) == SCALAR
    assert infer(call("sigmoid", V("A")), LSQ) == shape("m", "n")
    assert infer(call("d", T(V("A"))), LSQ) == shape("n", "m")
    assert infer(call("jac", mul(V("A"), V("x")), V("x")), LSQ) == shape("m", "n")
    assert infer(S.Power(call("norm", V("A")), Fraction(1, 2)), LSQ) == SCALAR
    assert infer(S.Neg(S.Power(mul(T(V("A")), V("A")), 3)), LSQ) == shape("n", "n")


def test_product_with_a_scalar_is_scaling():
    assert infer(mul(V("x"), mul(T(V("x")), V("x"))), LSQ) == shape("n", 1)
    assert infer(mul(S.Num(3), V("A")), LSQ) == shape("m", "n")
    # 1×n times n×1 is both a product and nothing else: 1×1
    assert infer(mul(T(V("x")), V("x")), LSQ) == SCALAR


# ---------------------------------------------------------------------------
# Identity and zero


def test_identity_takes_its_size_from_context():
    tree, s = elaborate(mul(S.Identity(), V("A")), LSQ)
    assert tree == mul(S.Identity(D("m")), V("A")) and s == shape("m", "n")
    tree, _ = elaborate(S.Add(mul(T(V("A")), V("A")), S.Identity()), LSQ)
    assert tree == S.Add(mul(T(V("A")), V("A")), S.Identity(D("n")))


def test_identity_across_equals():
    env = with_var(LSQ, VarInfo("P", shape("n", "n"), frozenset({"invertible"})))
    P = V("P")
    lhs, rhs, s = elaborate_statement(claim(mul(P, inv(P)), S.Identity()), env)
    assert rhs == S.Identity(D("n")) and s == shape("n", "n")
    lhs, rhs, s = elaborate_statement(claim(S.Identity(), mul(inv(P), P)), env)
    assert lhs == S.Identity(D("n"))


@pytest.mark.parametrize(
    "expr",
    [
        call("tr", S.Identity(at=at(1, 7))),
        mul(S.Num(2), S.Identity(at=at(1, 7))),
        S.Add(S.Identity(at=at(1, 7)), S.Num(0)),
    ],
)
def test_identity_of_unknown_size(expr):
    err = raises(elaborate, expr, LSQ)
    assert (err.message, err.pos) == ("cannot infer the size of I", at(1, 7))


def test_identity_not_sized_by_statement():
    err = raises(elaborate_statement, claim(S.Identity(at=at(2, 3)), S.Identity()), LSQ)
    assert (err.message, err.pos) == ("cannot infer the size of I", at(2, 3))


def test_identity_size_from_a_later_operand():
    # the size of I comes from the far end of the product
    tree, s = elaborate(mul(T(V("x")), S.Identity(), S.Identity(), V("x")), LSQ)
    assert tree == mul(T(V("x")), S.Identity(D("n")), S.Identity(D("n")), V("x"))
    assert s == SCALAR


def test_zero_in_matrix_position():
    tree, s = elaborate(S.Add(S.Num(0), V("A")), LSQ)
    assert tree == S.Add(S.Zeros(D("m"), D("n")), V("A")) and s == shape("m", "n")
    tree, _ = elaborate(S.Frob(V("x"), S.Num(0)), LSQ)
    assert tree == S.Frob(V("x"), S.Zeros(D("n")))
    tree, _ = elaborate(S.Hadamard(S.Num(0), mul(V("A"), V("x"))), LSQ)
    assert tree == S.Hadamard(S.Zeros(D("m")), mul(V("A"), V("x")))


def test_zero_next_to_a_scalar_stays_a_number():
    expr = S.Sub(S.Num(0), mul(T(V("x")), V("x")))
    assert elaborate(expr, LSQ) == (expr, SCALAR)
    assert elaborate(S.Num(0), LSQ) == (S.Num(0), SCALAR)
    assert elaborate(mul(S.Num(0), V("A")), LSQ) == (mul(S.Num(0), V("A")), shape("m", "n"))


def test_zero_side_of_a_statement():
    lhs, rhs, s = elaborate_statement(claim(call("d", V("A")), S.Num(0)), LSQ)
    assert rhs == S.Zeros(D("m"), D("n")) and s == shape("m", "n")


def test_zero_of_ambiguous_size():
    zero = S.Num(0, at=at(1, 5))
    err = raises(elaborate_statement, claim(call("vec", S.Add(zero, S.Num(0))), call("vec", V("A"))), LSQ)
    assert (err.message, err.pos) == ("cannot infer the size of 0", at(1, 5))


def test_elaborate_expected_shape():
    assert elaborate(S.Num(0), LSQ, expected=shape("m", 1)) == (S.Zeros(D("m")), shape("m", 1))
    assert elaborate(S.Identity(), LSQ, expected=shape("n", "n"))[0] == S.Identity(D("n"))
    err = raises(elaborate, V("A", at=at(1, 1)), LSQ, expected=shape("n", "m"))
    assert (err.message, err.pos) == ("A is m×n, but n×m is expected", at(1, 1))


# ---------------------------------------------------------------------------
# Errors: operator, operands, shapes, position


def test_multiply_error_from_the_language_page():
    err = raises(infer, S.Mul(V("A"), V("b"), at=at(6, 18)), LSQ)
    assert (
        str(err.located("least_squares.proof"))
        == "least_squares.proof:6:18: cannot multiply A (m×n) by b (m×1)"
    )


def binary_error(node, env=LSQ):
    err = raises(infer, node, env)
    assert err.pos == at(4, 2)
    return err.message


def test_same_shape_errors():
    A, b, x = V("A"), V("b"), V("x")
    env = with_var(LSQ, VarInfo("C", shape("n", "m")))
    C = V("C")
    assert binary_error(S.Add(A, C, at=at(4, 2)), env) == "cannot add A (m×n) and C (n×m)"
    assert binary_error(S.Sub(A, C, at=at(4, 2)), env) == "cannot subtract C (n×m) from A (m×n)"
    assert binary_error(S.Hadamard(x, b, at=at(4, 2))) == "cannot multiply x (n×1) and b (m×1) elementwise"
    assert binary_error(S.HadamardDiv(x, b, at=at(4, 2))) == "cannot divide x (n×1) by b (m×1) elementwise"
    assert (
        binary_error(S.Frob(A, C, at=at(4, 2)), env)
        == "cannot take the Frobenius product of A (m×n) and C (n×m)"
    )
    assert (
        binary_error(S.Div(A, x, at=at(4, 2))) == "cannot divide A (m×n) by x (n×1): the divisor must be 1×1"
    )


def test_compound_operands_are_printed():
    Ax = mul(V("A"), V("x"))
    assert binary_error(S.Mul(Ax, V("x"), at=at(4, 2))) == f"cannot multiply {show(Ax)} (m×1) by x (n×1)"


def test_identity_error_shows_the_size_it_was_given():
    assert binary_error(S.Add(S.Identity(), V("A"), at=at(4, 2))) == "cannot add I (m×m) and A (m×n)"


def test_no_implicit_broadcasting():
    x = V("x")
    assert binary_error(S.Sub(S.Num(1), x, at=at(4, 2))) == (
        "cannot subtract x (n×1) from 1 (1×1) (no implicit broadcasting: write "
        f"{show(S.Sub(S.Ones(D('n')), x))})"
    )
    assert binary_error(S.Add(V("A"), S.Num(2), at=at(4, 2))).endswith(
        f"(no implicit broadcasting: write {show(S.Add(V('A'), mul(S.Num(2), S.Ones(D('m'), D('n')))))})"
    )


def unary_error(node, env=LSQ):
    err = raises(infer, node, env)
    assert err.pos == at(3, 9)
    return err.message


def test_square_errors():
    A = V("A")
    AAt = mul(A, T(A))
    assert unary_error(call("tr", A, pos=at(3, 9))) == "tr needs a square matrix, but A is m×n"
    assert unary_error(call("det", A, pos=at(3, 9))) == "det needs a square matrix, but A is m×n"
    assert unary_error(call("logdet", A, pos=at(3, 9))) == "logdet needs a square matrix, but A is m×n"
    assert unary_error(S.Inverse(A, at=at(3, 9))) == "the inverse needs a square matrix, but A is m×n"
    assert unary_error(S.Power(A, 2, at=at(3, 9))) == "a matrix power needs a square matrix, but A is m×n"
    assert unary_error(S.Power(AAt, Fraction(1, 2), at=at(3, 9))) == (
        f"cannot raise {show(AAt)} (m×m) to the power 1/2: a matrix power needs a non-negative integer exponent"
    )
    assert unary_error(S.Power(AAt, -2, at=at(3, 9))).startswith(
        f"cannot raise {show(AAt)} (m×m) to the power -2"
    )


def test_function_argument_errors():
    A, x = V("A"), V("x")
    Ax = mul(A, x)
    assert unary_error(call("diag", A, pos=at(3, 9))) == "diag needs a column vector or a square matrix, but A is m×n"
    assert unary_error(call("grad", Ax, x, pos=at(3, 9))) == (
        f"grad needs a scalar to differentiate (the gradient has the shape of x), but {show(Ax)} is m×1"
    )
    layout = "jac needs column vectors (numerator layout: jac(y, x) is m×n for y m×1 and x n×1)"
    assert unary_error(call("jac", A, x, pos=at(3, 9))) == f"{layout}, but A is m×n"
    assert unary_error(call("jac", Ax, A, pos=at(3, 9))) == f"{layout}, but A is m×n"
    assert (
        unary_error(call("hess", Ax, x, pos=at(3, 9)))
        == f"hess needs a scalar to differentiate, but {show(Ax)} is m×1"
    )
    f = call("norm2", A)  # a matrix variable is allowed (issue 16): the Hessian is (m n)×(m n)
    assert infer(call("hess", f, A), LSQ) == Shape(Size(1, ("m", "n")), Size(1, ("m", "n")))
    assert unary_error(call("symgrad", f, A, pos=at(3, 9))) == (
        "symgrad (the gradient on symmetric matrices) needs a square matrix, but A is m×n"
    )


def test_undeclared_names():
    err = raises(infer, V("dx", at=at(2, 14)), LSQ)
    assert (err.message, err.pos) == ("'dx' is not declared; write d(x) for the differential", at(2, 14))
    assert raises(infer, V("dq"), LSQ).message == "'dq' is not declared"
    assert raises(infer, call("grad", call("norm", V("A")), V("Z")), LSQ).message == "'Z' is not declared"


def test_sides_of_different_shapes():
    err = raises(elaborate_statement, claim(V("A"), T(V("A")), pos=at(7, 1)), LSQ)
    assert (err.message, err.pos) == ("sides have different shapes: left is m×n, right is n×m", at(7, 1))


def test_gradient_layout_hint():
    residual_t = T(residual)
    wrong = claim(call("grad", call("norm2", residual), V("A")), mul(S.Num(2), V("x"), residual_t))
    hint = "claimed gradient is n×m but A is m×n (gradients here use the shape of A; did you mean the transpose?)"
    assert raises(elaborate_statement, wrong, LSQ).message == hint
    flipped = claim(wrong.rhs, wrong.lhs)
    assert raises(elaborate_statement, flipped, LSQ).message == hint


# ---------------------------------------------------------------------------
# Pattern mode: rule variables of unknown shape


def pattern_env(*names):
    return Env({n: VarInfo(n, Shape(Size.of(f"?{n}_r"), Size.of(f"?{n}_c"))) for n in names})


def test_pattern_product_is_a_matrix_product():
    u = Unifier()
    s = infer(mul(V("A"), V("B")), pattern_env("A", "B"), u)
    assert s == Shape(Size.of("?A_r"), u.resolve(Size.of("?B_c")))
    assert u.resolve(Size.of("?A_c")) == u.resolve(Size.of("?B_r"))


def test_pattern_square_and_transpose():
    u = Unifier()
    s = infer(S.Add(V("A"), T(V("A"))), pattern_env("A"), u)
    assert s.is_square and u.resolve(Size.of("?A_r")) == u.resolve(Size.of("?A_c"))
    u = Unifier()
    assert infer(call("tr", mul(V("A"), V("B"))), pattern_env("A", "B"), u) == SCALAR
    assert u.resolve(Size.of("?A_r")) == u.resolve(Size.of("?B_c"))


def test_pattern_kron_and_division():
    u = Unifier()
    s = infer(S.Div(S.Kron(V("A"), V("B")), V("c")), pattern_env("A", "B", "c"), u)
    assert s == Shape(Size.of("?A_r", "?B_r"), Size.of("?A_c", "?B_c"))
    assert u.resolve(Size.of("?c_r")) == u.resolve(Size.of("?c_c")) == ONE


def test_pattern_fractional_power_needs_a_scalar():
    u = Unifier()
    assert infer(S.Power(V("A"), Fraction(1, 2)), pattern_env("A"), u) == SCALAR
    assert u.resolve_shape(Shape(Size.of("?A_r"), Size.of("?A_c"))) == SCALAR


def test_pattern_identity_may_keep_a_pattern_size():
    env = pattern_env("A")
    tree, s = elaborate(mul(V("A"), S.Identity()), env)
    assert tree == mul(V("A"), S.Identity(D("?A_c")))
    assert s == Shape(Size.of("?A_r"), Size.of("?A_c"))


# ---------------------------------------------------------------------------
# Through the parser: the files of LANGUAGE.md, and positions of errors

LEAST_SQUARES = """\
# proofs/least_squares.proof
let A : Mat(m, n)
let x : Vec(n)
let b : Vec(m)

claim grad_x:  d/dx ‖A x - b‖² = 2 Aᵀ (A x - b)
claim grad_A:  d/dA norm2(A*x - b) = 2 (A x - b) xᵀ
refute missing_factor: d/dx ‖A x - b‖² = Aᵀ (A x - b)
"""

LANGUAGE_EXAMPLES = """\
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
claim inverse:       X X⁻¹ = I
claim frob_split:    ‖A‖² + 2 (A : B) + ‖B‖² = ‖A + B‖²
claim kron_vec:      vec(A X B) = (Bᵀ ⊗ A) vec(X)
claim jacobian:      jac(A x, x) = A
claim d_const:       d(sᵀ) = 0 + d(s)
"""


@pytest.mark.parametrize("text", [LEAST_SQUARES, LANGUAGE_EXAMPLES])
def test_language_files_shape_check(text):
    proof = parse_text(text, "example.proof")
    env = env_from_decls(proof.decls, file=proof.path)
    for stmt in proof.statements:
        lhs, rhs, _ = elaborate_statement(stmt, env)
        assert not any(isinstance(t, S.Identity) and t.size is None for _, t in S.subterms(lhs))


def located_error(text, statement):
    proof = parse_text(text, "least_squares.proof")
    env = env_from_decls(proof.decls, file=proof.path)
    stmt = parse_text(text + statement, proof.path).statements[-1]
    return str(raises(elaborate_statement, stmt, env).located(proof.path))


def test_parsed_errors_carry_the_operator_position():
    assert located_error(LEAST_SQUARES, "claim bad: A*b = b") == (
        "least_squares.proof:9:13: cannot multiply A (m×n) by b (m×1)"
    )
    assert located_error(LEAST_SQUARES, "claim bad: 1 - x = x") == (
        "least_squares.proof:9:14: cannot subtract x (n×1) from 1 (1×1) "
        "(no implicit broadcasting: write ones(n) - x)"
    )
    assert located_error(LEAST_SQUARES, "claim bad: tr(A Aᵀ A) = 1") == (
        "least_squares.proof:9:12: tr needs a square matrix, but A Aᵀ A is m×n"
    )
    assert located_error(LEAST_SQUARES, "claim bad: dx = x").endswith(
        ":9:12: 'dx' is not declared; write d(x) for the differential"
    )


def test_parsed_declaration_error():
    proof = parse_text("let m1 : Scalar\nlet A : Mat(m, n) spd\n", "file")
    err = raises(env_from_decls, proof.decls, file=proof.path)
    assert str(err) == f"file:2:{err.pos.col}: 'spd' needs a square matrix, but A is m×n"


# ---------------------------------------------------------------------------
# Random well-shaped trees

DIMS = ("m", "n", "k", 1)


def var_name(r, c):
    return f"X_{r}{c}"


RANDOM_ENV = env_from_decls([decl(var_name(r, c), doc.Type.mat(D(r), D(c))) for r in DIMS for c in DIMS])


@cache
def exprs(r, c, depth):
    """Trees of shape r×c by construction, using every form the language has."""
    leaf = st.just(V(var_name(r, c)))
    if depth == 0:
        return leaf
    sub = lambda r2, c2: exprs(r2, c2, depth - 1)  # noqa: E731
    options = [
        leaf,
        st.sampled_from(DIMS).flatmap(lambda j: st.builds(S.Mul, sub(r, j), sub(j, c))),
        st.builds(S.Mul, sub(1, 1), sub(r, c)),
        st.builds(S.Mul, sub(r, c), st.just(S.Num(2))),
        st.builds(S.Transpose, sub(c, r)),
        st.builds(S.Neg, sub(r, c)),
        st.builds(S.Add, sub(r, c), sub(r, c)),
        st.builds(S.Sub, st.just(S.Num(0)), sub(r, c)),
        st.builds(S.Hadamard, sub(r, c), st.just(S.Num(0))),
        st.builds(S.HadamardDiv, sub(r, c), sub(r, c)),
        st.builds(S.Div, sub(r, c), sub(1, 1)),
        st.builds(S.Kron, sub(r, 1), sub(1, c)),
        st.builds(lambda a: call("tanh", a), sub(r, c)),
        st.builds(lambda a: call("d", a), sub(r, c)),
        st.builds(lambda f: call("grad", f, V(var_name(r, c))), sub(1, 1)),
    ]
    if (r, c) != (1, 1):
        options += [
            st.builds(lambda a: S.Mul(S.Identity(), a), sub(r, c)),
            st.builds(lambda a: S.Mul(a, S.Identity()), sub(r, c)),
        ]
    if r == c:
        options += [
            st.just(S.Identity(D(r))),
            st.builds(S.Inverse, sub(r, r)),
            st.builds(lambda a: S.Power(a, 3), sub(r, r)),
            st.builds(lambda a: call("diag", a), sub(r, 1)),
            st.builds(lambda f: call("hess", f, V(var_name(r, 1))), sub(1, 1)),
        ]
    if c == 1:
        options += [
            st.builds(lambda a: call("vec", a), sub(r, 1)),
            st.builds(lambda a: call("vec", a), sub(1, r)),
        ]
    if (r, c) == (1, 1):
        options += [
            st.just(S.Num(3)),
            st.sampled_from(DIMS).flatmap(lambda j: st.builds(lambda a: call("tr", a), sub(j, j))),
            st.sampled_from(DIMS).flatmap(lambda j: st.builds(lambda a: call("norm2", a), sub(j, "k"))),
            st.builds(S.Frob, sub("m", "n"), sub("m", "n")),
            st.builds(lambda a: S.Power(a, Fraction(1, 2)), sub(1, 1)),
        ]
    if c != 1:
        options.append(st.builds(lambda y, x_: call("jac", y, x_), sub(r, 1), st.just(V(var_name(c, 1)))))
    return st.one_of(options)


@st.composite
def well_shaped(draw):
    r, c = draw(st.sampled_from(DIMS)), draw(st.sampled_from(DIMS))
    return draw(exprs(r, c, 3)), shape(r, c)


@settings(max_examples=300, deadline=None)
@given(well_shaped())
def test_random_trees_have_their_shape_and_elaborate_idempotently(case):
    expr, expected = case
    assert infer(expr, RANDOM_ENV) == expected
    tree, s = elaborate(expr, RANDOM_ENV)
    assert s == expected
    assert not any(isinstance(t, S.Identity) and t.size is None for _, t in S.subterms(tree))
    assert elaborate(tree, RANDOM_ENV) == (tree, s)
    assert elaborate_statement(claim(expr, tree), RANDOM_ENV) == (tree, tree, expected)


# ---------------------------------------------------------------------------
# Shape inference needs no library: keep its imports small


def test_imports_stay_small():
    source = (Path(__file__).resolve().parents[1] / "rewrite" / "shapes.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add("." + (node.module or "") if node.level else node.module.split(".")[0])
    local = {name for name in imported if name.startswith(".")}
    assert local <= {".syntax", ".errors", ".printing", ".sizes", "."}
    assert all(name in sys.stdlib_module_names for name in imported - local)


# ---------------------------------------------------------------------------
# Issue 16: diag reads the shape, pinv transposes it, the rank properties


@pytest.mark.parametrize("text, rows, cols", [
    ("diag(X)", "n", 1), ("diag(x)", "n", "n"), ("diag(diag(X))", "n", "n"), ("diag(diag(x))", "n", 1),
    ("diag(s)", 1, 1), ("pinv(A)", "n", "m"), ("pinv(x)", 1, "n"), ("abs(A) ⊙ relu(A)", "m", "n"),
    ("sign(x)ᵀ step(x)", 1, 1), ("diag(A Aᵀ)", "m", 1), ("diag(I(n))", "n", 1),
])
def test_shapes_of_the_new_functions(text, rows, cols):
    pf = parse_text(f"let X : Mat(n, n)\nlet A : Mat(m, n)\nlet x : Vec(n)\nlet s : Scalar\nclaim c: {text} = {text}\n")
    env = env_from_decls(pf.decls)
    assert infer(pf.statements[0].lhs, env) == shape(rows, cols)
    tree, _ = elaborate(pf.statements[0].lhs, env)
    assert shape_of(tree, env) == shape(rows, cols)  # the kernel's terse check agrees


def test_diag_of_a_non_square_matrix_is_a_located_error():
    pf = parse_text("let A : Mat(m, n)\nclaim c: diag(A) = diag(A)\n")
    with pytest.raises(ShapeError, match="diag needs a column vector or a square matrix, but A is m×n"):
        infer(pf.statements[0].lhs, env_from_decls(pf.decls))


def test_rank_properties_are_declarable_and_implied_by_invertible():
    pf = parse_text("let A : Mat(m, n) fullcolrank\nlet F : Mat(m, n) fullrowrank\nlet C : Mat(n, n) invertible")
    env = env_from_decls(pf.decls)
    assert "fullcolrank" in env["A"].props and "fullrowrank" in env["F"].props
    assert {"fullcolrank", "fullrowrank"} <= env["C"].props


@pytest.mark.parametrize("lets, says", [
    ("let A : Mat(2, 3) fullcolrank", "'fullcolrank' needs rows ≥ columns, but A is 2×3"),
    ("let A : Mat(3, 2) fullrowrank", "'fullrowrank' needs columns ≥ rows, but A is 3×2"),
])
def test_an_impossible_rank_is_a_located_error(lets, says):
    pf = parse_text(lets)
    with pytest.raises(ShapeError, match=says) as caught:
        env_from_decls(pf.decls)
    assert caught.value.pos is not None
