"""Checking the code people run: numpy and JAX losses and their hand-written gradients.

Three kinds of test. The cases (gradient_cases.py) are real-looking losses whose right
gradients must be proved and whose deliberate mistakes must be refuted, through the public
`check_gradient`. The traces must never be wrong: every traced function, and random
programs of every supported operation, are evaluated from their trees and compared with
the function's own numpy (or JAX) values at random sizes and values (hypothesis). And code
that cannot be traced gets a `TraceError` naming the operation and the user's line.
"""

from __future__ import annotations

import inspect
from contextlib import nullcontext
from functools import lru_cache

import numpy as np
import pytest
from gradient_cases import CASES, Case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rewrite
from rewrite import RewriteError, TraceError, check_equal, check_gradient, kernel, numeric, trace
from rewrite import syntax as S
from rewrite.codecheck import TracedNotProved, TracedProof, declarations, trace_array
from rewrite.parse import parse_text
from rewrite.shapes import elaborate, env_from_decls
from rewrite.testing import assert_equal, assert_gradient
from rewrite.tracing import call

try:
    import jax
    import jax.numpy as jnp
    from gradient_cases_jax import CASES as JAX_CASES
except ImportError:  # the JAX tests skip; CI installs jax
    jax = jnp = None
    JAX_CASES = []

needs_jax = pytest.mark.skipif(jax is None, reason="jax is not installed")
HERE = __file__


# ---------------------------------------------------------------------------
# The cases: right gradients proved, mistakes refuted


def _right(cases: list[Case]) -> list:
    marks = lambda c: [pytest.mark.xfail(strict=True, reason=c.unknown)] if c.unknown else []  # noqa: E731
    return [pytest.param(c, id=c.name, marks=marks(c)) for c in cases]


def _wrong(cases: list[Case]) -> list:
    return [pytest.param(c, kind, id=f"{c.name}-{kind.replace(' ', '_')}") for c in cases for kind in c.wrong]


def test_there_are_enough_cases():
    assert len(CASES) >= 20 and sum(len(c.wrong) for c in CASES) >= 30
    assert jax is None or len(JAX_CASES) >= 5


@pytest.mark.parametrize("case", _right(CASES))
def test_right_gradients_are_proved(case):
    answer = check_gradient(case.loss, case.right, wrt=case.wrt, shapes=case.shapes, properties=case.properties)
    assert answer.outcome == "proved", f"{answer.statement}\n{answer.message}"
    assert isinstance(answer, rewrite.Proof) and answer.certificate["format"] == kernel.FORMAT
    assert answer.statement.startswith(f"d/d{case.wrt} ")


@pytest.mark.parametrize("case, kind", _wrong(CASES))
def test_wrong_gradients_are_false(case, kind):
    answer = check_gradient(case.loss, case.wrong[kind], wrt=case.wrt, shapes=case.shapes,
                            properties=case.properties)
    assert answer.outcome == "false", f"{kind}: {answer.statement}: {answer.outcome}\n{answer.message}"
    assert not answer and answer.certificate is None


@needs_jax
@pytest.mark.parametrize("case", _right(JAX_CASES))
def test_right_jax_gradients_are_proved(case):
    answer = check_gradient(case.loss, case.right, wrt=case.wrt, shapes=case.shapes, properties=case.properties)
    assert answer.outcome == "proved", f"{answer.statement}\n{answer.message}"


@needs_jax
@pytest.mark.parametrize("case, kind", _wrong(JAX_CASES))
def test_wrong_jax_gradients_are_false(case, kind):
    answer = check_gradient(case.loss, case.wrong[kind], wrt=case.wrt, shapes=case.shapes,
                            properties=case.properties)
    assert answer.outcome == "false", f"{kind}: {answer.statement}: {answer.outcome}\n{answer.message}"


@needs_jax
def test_numpy_and_jax_versions_trace_to_the_same_statement():
    import gradient_cases as npc
    import gradient_cases_jax as jxc

    shapes = npc.NET
    assert str(trace(npc.net_loss, shapes)) == str(trace(jxc.net_loss, shapes))
    assert str(trace(npc.net_grad_W1, shapes)) == str(trace(jxc.net_grad_W1, shapes))
    reg = npc.REG
    # numpy's idiom for the sigmoid is the language's sigmoid, as jax.nn.sigmoid is
    assert str(trace(lambda X, w, y: npc.sigmoid(X @ w) - y, reg)) == "sigmoid(X w) - y"
    assert str(trace(lambda X, w, y: jax.nn.sigmoid(X @ w) - y, reg)) == "sigmoid(X w) - y"
    assert str(trace(lambda X, w, y: 1 / (1 + jnp.exp(X @ w)), reg)) == "sigmoid(-(X w))"


# ---------------------------------------------------------------------------
# Never a wrong trace: trees evaluated against the functions' own numbers


def _concrete(dims, sizes):
    return tuple(numeric.size_value(d, sizes) for d in dims)


def _argument(value: np.ndarray, dims) -> np.ndarray | float:
    """A drawn 2-D value as numpy code receives it: a number, a 1-D array or a matrix."""
    return np.float64(value[0, 0]) if not dims else value[:, 0].copy() if len(dims) == 1 else value


def _compare(f, shapes, properties, sizes, seed, *, uses_jax=False):
    """The traced tree's value against `f`'s own value, at one draw."""
    decls, dims = declarations(shapes, properties)
    traced = _traced(f, tuple(shapes.items()), tuple((k, tuple(v)) for k, v in (properties or {}).items()))
    env = env_from_decls(decls)
    tree, _ = elaborate(traced.expr, env)
    rng = np.random.default_rng(seed)
    for positive in (False, True):  # log, sqrt and logdet need positive values; try general ones first
        values = numeric.draw_values(env, sizes, rng, positive=positive)
        try:
            expected = numeric.evaluate(tree, values, sizes)
        except numeric.DomainError:
            continue
        if np.all(np.isfinite(expected)):
            break
    else:
        return
    args = {name: _argument(values[name], dims[name]) for name in shapes}
    args = {k: v for k, v in args.items() if k in inspect.signature(f).parameters}
    with (jax.enable_x64(True) if uses_jax else nullcontext()), np.errstate(all="ignore"):
        if uses_jax:  # compiled whole: faster than JAX's operation-by-operation dispatch
            names = tuple(args)
            out = np.asarray(_jitted(f, names)(*(jnp.asarray(args[k]) for k in names)))
        else:
            out = np.asarray(call(f, args))
    assert out.shape == _concrete(traced.dims, sizes), (out.shape, traced)
    got = out.reshape(expected.shape) if out.ndim < 2 else out
    if not np.all(np.isfinite(got)):
        return  # outside numpy's own domain (log of a negative determinant): the trace's
        # total semantics gives a value there, numpy none, and neither claims anything
    scale = max(1.0, float(np.max(np.abs(expected))))
    assert np.allclose(got, expected.real, rtol=1e-8, atol=1e-9 * scale, equal_nan=True), (
        f"{traced.expr}\nsizes {sizes}, seed {seed}\ntraced {expected.real.ravel()}\nnumpy  {got.ravel()}")


@lru_cache(maxsize=None)
def _jitted(f, names):
    return jax.jit(lambda *a: call(f, dict(zip(names, a))))


@lru_cache(maxsize=None)
def _traced(f, shapes, properties):
    return trace_array(f, dict(shapes), dict(properties))


def _functions(cases):
    out = []
    for c in cases:
        roles = {"loss": c.loss, "right": c.right, **{f"wrong: {k}": g for k, g in c.wrong.items()}}
        out += [pytest.param(f, c, id=f"{c.name}-{role.replace(' ', '_')}") for role, f in roles.items()]
    return out


def _sizes(shapes, largest=4):
    names = sorted({a for shape in shapes.values() for s in shape if isinstance(s, str) for a in s.split()})
    return st.fixed_dictionaries({n: st.integers(1, largest) for n in names})


# JAX compiles each operation once per shape: fewer sizes keep its comparisons fast (the
# sizes a trace is made at are tested by the two prime-sized traces it is made of)
def _jax_sizes(shapes):
    return _sizes(shapes, largest=3)


@pytest.mark.parametrize("f, case", _functions(CASES))
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), seed=st.integers(0, 2 ** 32 - 1))
def test_traces_compute_what_the_numpy_code_computes(f, case, data, seed):
    _compare(f, case.shapes, case.properties, data.draw(_sizes(case.shapes)), seed)


@needs_jax
@pytest.mark.parametrize("f, case", _functions(JAX_CASES))
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), seed=st.integers(0, 2 ** 32 - 1))
def test_traces_compute_what_the_jax_code_computes(f, case, data, seed):
    _compare(f, case.shapes, case.properties, data.draw(_jax_sizes(case.shapes)), seed, uses_jax=True)


# -- random programs of every supported operation -----------------------------------------

ARGS = {"A": ("m", "n"), "B": ("n", "m"), "S": ("n", "n"), "x": ("n",), "y": ("m",), "s": ()}
ARG_PROPS = {"S": ("spd",)}


def _same(a, b):
    return a == b


def _square(shape):
    return len(shape) == 2 and shape[0] == shape[1]


def _matmul_shape(a, b):
    if not a or not b:
        return None
    if len(a) == 2 and len(b) == 2:
        return (a[0], b[1]) if a[1] == b[0] else None
    if len(a) == 2:
        return (a[0],) if a[1] == b[0] else None
    if len(b) == 2:
        return (b[1],) if a[0] == b[0] else None
    return () if a[0] == b[0] else None


def _times(p, q):
    return " ".join(sorted(p.split() + q.split()))


# name -> (arity, result shape or None when not applicable, implementation for a module xp)
OPS = {
    "add": (2, lambda a, b: a if a == b or not b else b if not a else None, lambda xp, a, b: a + b),
    "sub": (2, lambda a, b: a if a == b or not b else b if not a else None, lambda xp, a, b: a - b),
    "mul": (2, lambda a, b: a if a == b or not b else b if not a else None, lambda xp, a, b: a * b),
    "div": (2, lambda a, b: a if a == b or not b else b if not a else None, lambda xp, a, b: a / (1 + xp.exp(b))),
    "rdiv": (1, lambda a: a, lambda xp, a: 2.5 / (2 + xp.tanh(a))),
    "sigmoid": (1, lambda a: a, lambda xp, a: 1 / (1 + xp.exp(-a))),
    "sigmoid_of_minus": (1, lambda a: a, lambda xp, a: 1.0 / (xp.exp(a) + 1.0)),
    "ones_over": (2, lambda a, b: a if a and not b else None, lambda xp, a, b: xp.ones(a.shape) / (1 + xp.exp(b))),
    "over_ones": (2, lambda a, b: b if b and not a else None, lambda xp, a, b: 1 / (xp.ones(b.shape) + xp.exp(a))),
    "number": (1, lambda a: a, lambda xp, a: 0.5 - 1.5 * a + 2),
    "neg": (1, lambda a: a, lambda xp, a: -a),
    "scale": (1, lambda a: a, lambda xp, a: a / 4),
    "square": (1, lambda a: a, lambda xp, a: a ** 2),
    "cube": (1, lambda a: a, lambda xp, a: a ** 3),
    "sqrt": (1, lambda a: a, lambda xp, a: xp.sqrt(1 + a ** 2) ** -1),
    "half": (1, lambda a: a, lambda xp, a: xp.exp(a) ** 0.5),
    "matmul": (2, _matmul_shape, lambda xp, a, b: a @ b),
    "dot": (2, lambda a, b: _matmul_shape(a, b) if a and b else (a or b), lambda xp, a, b: xp.dot(a, b)),
    "T": (1, lambda a: a[::-1], lambda xp, a: a.T),
    "exp": (1, lambda a: a, lambda xp, a: xp.exp(a / 4)),
    "log": (1, lambda a: a, lambda xp, a: xp.log(1 + xp.exp(a))),
    "tanh": (1, lambda a: a, lambda xp, a: xp.tanh(a)),
    "sum": (1, lambda a: (), lambda xp, a: xp.sum(a)),
    "method_sum": (1, lambda a: () if a else None, lambda xp, a: a.sum()),
    "trace": (1, lambda a: () if _square(a) else None, lambda xp, a: xp.trace(a)),
    "outer": (2, lambda a, b: (a[0], b[0]) if len(a) == len(b) == 1 else None, lambda xp, a, b: xp.outer(a, b)),
    "kron": (2, lambda a, b: tuple(_times(p, q) for p, q in zip(a, b)) if len(a) == len(b) and a else None,
             lambda xp, a, b: xp.kron(a, b)),
    "diag": (1, lambda a: (a[0], a[0]) if len(a) == 1 else (a[0],) if _square(a) else None,
             lambda xp, a: xp.diag(a)),
    "norm": (1, lambda a: () if a else None, lambda xp, a: xp.linalg.norm(a)),
    "ones": (1, lambda a: a if a else None, lambda xp, a: a + xp.ones(a.shape)),
    "zeros": (1, lambda a: a if a else None, lambda xp, a: a - xp.zeros(a.shape)),
    "eye": (1, lambda a: a if a and len(a) <= 2 else None, lambda xp, a: xp.eye(a.shape[0]) @ a),
}
# operations on the spd argument S only (an inverse of anything else may be singular)
S_OPS = {
    "inv": (lambda xp, S: xp.linalg.inv(S), ("n", "n")),
    "det": (lambda xp, S: xp.linalg.det(S), ()),
    "slogdet": (lambda xp, S: xp.linalg.slogdet(S)[1], ()),
}
SOLVE = lambda xp, S, b: xp.linalg.solve(S, b)  # noqa: E731


@st.composite
def programs(draw):
    """A list of steps over the arguments: (operation, operand indices), each well-shaped."""
    shapes = list(ARGS.values())
    steps = []
    for _ in range(draw(st.integers(1, 6))):
        candidates = []
        for name, (arity, shape_of, _) in OPS.items():
            for ops in (((i,),) if arity == 1 else ((i, j) for j in range(len(shapes))) for i in range(len(shapes))):
                for operands in ops:
                    out = shape_of(*(shapes[k] for k in operands))
                    if out is not None and len(out) <= 2:
                        candidates.append((name, operands, out))
        candidates += [(name, (2,), out) for name, (_, out) in S_OPS.items()]
        candidates += [("solve", (2, k), shapes[k]) for k in range(len(shapes))
                       if len(shapes[k]) in (1, 2) and shapes[k][0] == "n"]
        name, operands, out = draw(st.sampled_from(candidates))
        steps.append((name, operands))
        shapes.append(out)
    return steps


def _program(steps, xp):
    def program(A, B, S, x, y, s):
        values = [A, B, S, x, y, s]
        for name, operands in steps:
            args = [values[k] for k in operands]
            if name in S_OPS:
                values.append(S_OPS[name][0](xp, *args))
            elif name == "solve":
                values.append(SOLVE(xp, *args))
            else:
                values.append(OPS[name][2](xp, *args))
        return values[-1]

    return program


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=programs(), sizes=_sizes(ARGS), seed=st.integers(0, 2 ** 32 - 1))
def test_random_numpy_programs_trace_exactly(steps, sizes, seed):
    _compare(_program(steps, np), ARGS, ARG_PROPS, sizes, seed)


@needs_jax
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=programs(), sizes=_jax_sizes(ARGS), seed=st.integers(0, 2 ** 32 - 1))
def test_random_jax_programs_trace_exactly(steps, sizes, seed):
    program = _program(steps, jnp)
    _compare(program, ARGS, ARG_PROPS, sizes, seed, uses_jax=True)
    # the same program in numpy traces to the same tree
    assert _traced(program, tuple(ARGS.items()), tuple(ARG_PROPS.items())).expr == \
        _traced(_program(steps, np), tuple(ARGS.items()), tuple(ARG_PROPS.items())).expr


JAX_ONLY = [  # what JAX code writes beyond numpy's list, read from its primitives
    ("log1p", lambda A, x, y, s: jnp.log1p(jnp.exp(A @ x))),
    ("expm1", lambda A, x, y, s: jnp.expm1(x) * s),
    ("sigmoid", lambda A, x, y, s: jax.nn.sigmoid(A @ x) - y),
    ("square", lambda A, x, y, s: jnp.square(A)),
    ("rsqrt", lambda A, x, y, s: jax.lax.rsqrt(jnp.exp(x))),
    ("new axes", lambda A, x, y, s: jnp.tanh(y)[:, None] * x[None, :] + A),
    ("column broadcast", lambda A, x, y, s: A * jnp.exp(y)[:, None]),
    ("row broadcast", lambda A, x, y, s: A / (1 + jnp.exp(x))[None, :]),
    ("keepdims", lambda A, x, y, s: jnp.sum(A * A, axis=None, keepdims=True) * A),
    ("vector to row", lambda A, x, y, s: jnp.reshape(x, (1, -1)) @ A.T @ y),
    ("jnp.dot of scalars", lambda A, x, y, s: jnp.dot(s, s) + jnp.vdot(x, x)),
    ("jit", lambda A, x, y, s: jax.jit(lambda B: B.T @ y)(A) + x),
]


@needs_jax
@pytest.mark.parametrize("f", [f for _, f in JAX_ONLY], ids=[name for name, _ in JAX_ONLY])
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=_jax_sizes(ARGS), seed=st.integers(0, 2 ** 32 - 1))
def test_jax_only_operations_trace_exactly(f, sizes, seed):
    shapes = {k: v for k, v in ARGS.items() if k in ("A", "x", "y", "s")}
    _compare(f, shapes, {}, sizes, seed, uses_jax=True)


def test_a_trace_at_integer_sizes_and_a_1_d_column():
    # integers are sizes too; a (n, 1) column and a 1-D vector are the same vector in the language
    term = trace(lambda A, c, x: A @ c + (A @ x).sum(), {"A": (3, "n"), "c": ("n", 1), "x": ("n",)})
    assert str(term) == "A c + sum(A x) ones(3)"  # a scalar added to a (3, 1) array: every entry
    assert isinstance(term, rewrite.Term) and term.shape.rows.coeff == 3


# ---------------------------------------------------------------------------
# What cannot be traced: a clear TraceError at the user's line


def data_dependent_if(x):
    if x.sum() > 0:
        return x.sum()
    return -x.sum()


def data_dependent_while(x):
    while np.sum(x):
        x = x / 2
    return x


def element_indexing(x):
    return x[0] * np.sum(x)


def fancy_indexing(A, idx=np.array([0, 2])):
    return np.sum(A[idx])


def column_slice(A):
    return np.sum(A[:, 0])


def unsupported_mean(x):
    return np.mean(x ** 2)


def unsupported_max(x):
    return np.max(x)


def partial_sum(A):
    return np.sum(np.sum(A, axis=0))


def broadcast_1d_against_column(x, c):
    return np.sum(x + c)


def matrix_plus_row(A, x):
    return np.sum(A + x)


def size_as_number(x):
    return np.sum(x ** 2) / x.shape[0]


def length_of(x):
    return np.sum(x) / len(x)


def constant_data(x):
    return x @ np.array([1.0, 2.0, 3.0])


def sizes_do_not_fit(A, b):
    return np.sum(A @ b)


def in_place(A, x, b):
    r = A @ x
    r -= b
    return r @ r


def to_float(x):
    return float(np.sum(x)) * x


def to_concrete(x):
    return np.asarray(x)


def raises_its_own(x):
    raise ValueError("not today")


def returns_two(x):
    return x, x


def uses_abs(x):
    return np.sum(np.abs(x))


def uses_sign(x):
    return np.sign(x) @ x


def uses_relu(x):
    return np.sum(np.maximum(x, 0))


UNTRACEABLE = [  # function, shapes, what the message says, the line it points at
    (data_dependent_if, {"x": ("n",)}, "comparison >", "if x.sum()"),
    (data_dependent_while, {"x": ("n",)}, "truth value", "while np.sum"),
    (element_indexing, {"x": ("n",)}, "indexing [0]", "x[0]"),
    (fancy_indexing, {"A": ("m", "n")}, "indexing [<array>]", "A[idx]"),
    (column_slice, {"A": ("m", "n")}, "indexing [:, 0]", "A[:, 0]"),
    (unsupported_mean, {"x": ("n",)}, "np.mean is not supported", "np.mean"),
    (unsupported_max, {"x": ("n",)}, "np.max is not supported", "np.max"),
    (partial_sum, {"A": ("m", "n")}, "np.sum with axis=0", "axis=0"),
    (broadcast_1d_against_column, {"x": ("n",), "c": ("n", 1)}, "broadcasting (n,) + (n, 1)", "x + c"),
    (matrix_plus_row, {"A": ("m", "n"), "x": ("n",)}, "broadcasting (m, n) + (n,)", "A + x"),
    (size_as_number, {"x": ("n",)}, "the size n used as a number", "x.shape[0]"),
    (length_of, {"x": ("n",)}, "len() of a traced array", "len(x)"),
    (constant_data, {"x": (3,)}, "constant array of shape (3,) with varied entries", "np.array"),
    (sizes_do_not_fit, {"A": ("m", "n"), "b": ("m",)}, "(m, n) @ (m,): the sizes n and m differ", "A @ b"),
    (in_place, {"A": ("m", "n"), "x": ("n",), "b": ("m",)}, "in-place operator", "r -= b"),
    (to_float, {"x": ("n",)}, "converted to a number", "return float("),
    (to_concrete, {"x": ("n",)}, "concrete array", "np.asarray"),
    (raises_its_own, {"x": ("n",)}, "raises_its_own raised ValueError: not today", "raise ValueError"),
]
NOT_YET = [(uses_abs, "abs"), (uses_sign, "sign"), (uses_relu, "relu")]


def _line_of(f, text):
    lines, first = inspect.getsourcelines(f)
    return first + next(i for i, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("f, shapes, says, at", UNTRACEABLE, ids=[f.__name__ for f, *_ in UNTRACEABLE])
def test_untraceable_code_gets_a_trace_error_at_its_line(f, shapes, says, at):
    with pytest.raises(TraceError) as info:
        trace(f, shapes)
    e = info.value
    assert isinstance(e, RewriteError)
    assert says in e.message, e.message
    assert e.file == HERE and e.line == _line_of(f, at), str(e)
    assert str(e).startswith(f"{HERE}:{e.line}:{e.col}: ")
    assert inspect.getsourcelines(f)[0][e.line - f.__code__.co_firstlineno].strip() in str(e)  # the line, quoted


@pytest.mark.parametrize("f, fn", NOT_YET, ids=[f.__name__ for f, _ in NOT_YET])
def test_functions_the_language_lacks_are_refused_until_it_has_them(f, fn):
    shapes = {"x": ("n",)}
    if fn not in S.FUNCTIONS:
        with pytest.raises(TraceError, match=f"not supported yet: the language has no {fn}"):
            trace(f, shapes)
    else:  # the language has it now: the trace must be exact
        for seed in range(5):
            _compare(f, shapes, {}, {"n": 3}, seed)


def test_a_traceback_never_escapes_a_user_function_that_returns_a_tuple():
    with pytest.raises(TraceError, match="returns_two returns a tuple") as info:
        trace(returns_two, {"x": ("n",)})
    assert info.value.line == returns_two.__code__.co_firstlineno


def test_bad_arguments_get_clear_errors():
    with pytest.raises(TraceError, match="the argument 'b' of ls_loss has no shape"):
        trace(__import__("gradient_cases").ls_loss, {"A": ("m", "n"), "x": ("n",)})
    with pytest.raises(TraceError, match="shapes declares z, which"):
        trace(lambda x: x @ x, {"x": ("n",), "z": ()})
    with pytest.raises(TraceError, match=r"shapes\['x'\] is 'n'"):
        trace(lambda x: x @ x, {"x": "n"})
    with pytest.raises(TraceError, match="3 axes"):
        trace(lambda x: x, {"x": ("a", "b", "c")})
    with pytest.raises(rewrite.ParseError, match="reserved word"):
        trace(lambda I: I, {"I": ("n", "n")})
    with pytest.raises(rewrite.ShapeError, match="'spd' needs a square matrix"):
        trace(lambda A: np.trace(A), {"A": ("m", "n")}, {"A": "spd"})
    with pytest.raises(TraceError, match="wrt='q' is not declared"):
        check_gradient(lambda x: x @ x, lambda x: 2 * x, wrt="q", shapes={"x": ("n",)})
    with pytest.raises(TraceError, match="returns an array of shape .n,.; check_gradient needs a scalar"):
        check_gradient(lambda x: 2 * x, lambda x: 2 * x, wrt="x", shapes={"x": ("n",)})


@needs_jax
def test_untraceable_jax_code_gets_a_trace_error_at_its_line():
    def branch(x):
        if jnp.sum(x) > 0:
            return jnp.sum(x)
        return -jnp.sum(x)

    def index(x):
        return x[1] + jnp.sum(x)

    def fancy(x, idx=np.array([0, 1])):
        return jnp.sum(x[idx])

    def mean(x):
        return jnp.mean(x ** 2)

    def maximum(x):
        return jnp.max(x)

    def partial(A):
        return jnp.sum(jnp.sum(A, axis=1))

    def stopped(x):
        return jnp.sum(jax.lax.stop_gradient(x) * x)

    def where(x):
        return jnp.sum(jnp.where(x > 0, x, 0.0))

    def by_size(x):
        y = jnp.tanh(x)
        if y.shape[0] > 3:  # JAX sizes are numbers: the two traces (small and larger sizes) differ
            return jnp.sum(y)
        return jnp.sum(y * y)

    cases = [(branch, {"x": ("n",)}, "control flow that depends on the values", "if"),
             (index, {"x": ("n",)}, "indexing", "x[1]"),
             (fancy, {"x": ("n",)}, "indexing", "x[idx]"),
             (mean, {"x": ("n",)}, "depends on the sizes themselves", "def mean"),
             (maximum, {"x": ("n",)}, "jnp.max is not supported", "jnp.max"),
             (partial, {"A": ("m", "n")}, "a sum over the axis 1", "axis=1"),
             (stopped, {"x": ("n",)}, "stop_gradient", "stop_gradient"),
             (where, {"x": ("n",)}, "comparison", "jnp.where"),
             (by_size, {"x": ("n",)}, "depends on the sizes themselves", "def by_size")]
    for f, shapes, says, where_text in cases:
        with pytest.raises(TraceError) as info:
            trace(f, shapes)
        e = info.value
        assert says in e.message, (f.__name__, e.message)
        assert e.file == HERE and e.line == _line_of(f, where_text), (f.__name__, str(e))


@needs_jax
def test_jax_functions_the_language_lacks_are_refused_until_it_has_them():
    for f, fn in [(lambda x: jnp.sum(jnp.abs(x)), "abs"), (lambda x: jnp.sum(jax.nn.relu(x)), "relu")]:
        if fn not in S.FUNCTIONS:
            with pytest.raises(TraceError, match=f"the language has no {fn}"):
                trace(f, {"x": ("n",)})


@needs_jax
def test_a_user_function_named_like_a_library_one_is_read_primitive_by_primitive():
    @jax.jit
    def inv(A):  # not jnp.linalg.inv
        return A + A.T

    assert str(trace(lambda A: inv(A), {"A": ("n", "n")})) == "A + Aᵀ"
    assert str(trace(lambda A: jnp.linalg.inv(A), {"A": ("n", "n")})) == "A⁻¹"


@needs_jax
def test_the_gradient_jax_computes_is_proved_and_traced_faithfully():
    import gradient_cases as npc
    import gradient_cases_jax as jxc

    g = jax.grad(jxc.net_loss, argnums=0)  # positional arguments, as jax.grad counts them
    assert check_gradient(jxc.net_loss, g, wrt="W1", shapes=npc.NET).outcome == "proved"
    for seed in range(3):
        _compare(g, npc.NET, {}, {"h": 3, "n": 2, "k": 4}, seed, uses_jax=True)


def test_keyword_only_and_variadic_arguments():
    def loss(A, *, x, scale=2.0, **rest):
        return scale * np.sum(A @ x) + rest["b"] @ rest["b"]

    shapes = {"A": ("m", "n"), "x": ("n",), "b": ("m",)}
    assert str(trace(loss, shapes)) == "2 sum(A x) + bᵀ b"


# ---------------------------------------------------------------------------
# The answer: what prove returns, plus the statement as a proof file


def test_the_answer_is_a_proof_with_its_statement_as_a_proof_file():
    import gradient_cases as c

    answer = check_gradient(c.ls_loss, c.ls_grad_x, wrt="x", shapes=c.LS, timeout=10)
    assert isinstance(answer, TracedProof) and isinstance(answer, rewrite.Proof) and answer
    assert answer.statement == "d/dx (A x - b)ᵀ (A x - b) = 2 Aᵀ (A x - b)"
    assert answer.source == ("let A : Mat(m, n)\nlet x : Vec(n)\nlet b : Vec(m)\n"
                             "claim ls_loss_grad_x: d/dx (A x - b)ᵀ (A x - b) = 2 Aᵀ (A x - b)\n")
    (stmt,) = parse_text(answer.source).statements
    assert S.Call("grad", (trace(c.ls_loss, c.LS).expr, S.Var("x"))) == stmt.lhs
    assert "so ∇_x" in answer.explain()


def test_a_refuted_gradient_has_a_counterexample():
    import gradient_cases as c

    answer = check_gradient(c.ls_loss, lambda A, x, b: A.T @ (A @ x - b), wrt="x", shapes=c.LS)
    assert isinstance(answer, TracedNotProved) and isinstance(answer, rewrite.NotProved) and not answer
    assert answer.outcome == "false" and answer.counterexample["sizes"] and "largest relative difference" in \
        answer.message


def test_a_gradient_of_the_wrong_shape_is_false_with_a_hint():
    answer = check_gradient(lambda A, x, b: (A @ x - b) @ (A @ x - b), lambda A, x, b: 2 * np.outer(x, A @ x - b),
                            wrt="A", shapes={"A": ("m", "n"), "x": ("n",), "b": ("m",)})
    assert answer.outcome == "false" and "did you mean the transpose?" in answer.message
    assert answer.counterexample is None and answer.certificate is None


def test_check_equal():
    shapes = {"A": ("n", "n"), "B": ("n", "n")}
    assert check_equal(lambda A, B: np.trace(A @ B), lambda A, B: np.trace(B @ A), shapes=shapes).outcome == \
        "proved"
    assert check_equal(lambda A, B: (A @ B).T, lambda A, B: B.T @ A.T, shapes=shapes).outcome == "proved"
    assert check_equal(lambda A, B: (A @ B).T, lambda A, B: A.T @ B.T, shapes=shapes).outcome == "false"
    wide = check_equal(lambda A: A, lambda A: A.T, shapes={"A": ("m", "n")})
    assert wide.outcome == "false" and "left is m×n, right is n×m" in wide.message
    assert check_equal(lambda x: x, lambda x: x.T, shapes={"x": ("n",)}).outcome == "proved"


def test_hyperparameters_keep_their_defaults():
    assert str(trace(lambda w, lam=0.25: lam * (w @ w), {"w": ("n",)})) == "0.25 (wᵀ w)"


# ---------------------------------------------------------------------------
# rewrite.testing


def test_assert_gradient_passes_and_returns_the_proof():
    import gradient_cases as c

    answer = assert_gradient(c.half_sse, c.half_sse_grad, wrt="w", shapes=c.REG)
    assert answer.outcome == "proved"
    assert assert_gradient(c.half_sse, lambda X, w, y: X.T @ (y - X @ w), wrt="w", shapes=c.REG,
                           expect="false").outcome == "false"


def test_assert_gradient_shows_the_claim_and_the_counterexample():
    import gradient_cases as c

    with pytest.raises(AssertionError) as info:
        assert_gradient(c.half_sse, lambda X, w, y: 2 * X.T @ (X @ w - y), wrt="w", shapes=c.REG)
    text = str(info.value)
    assert "expected proved, got false" in text
    assert "claim half_sse_grad_w: d/dw 0.5 sum((X w - y) ⊙ (X w - y)) = 2 Xᵀ (X w - y)" in text
    assert "let X : Mat(N, p)" in text and "counterexample:" in text and "sizes" in text


def test_assert_gradient_shows_why_it_is_unknown():
    import gradient_cases as c

    with pytest.raises(AssertionError) as info:
        assert_gradient(c.logistic_pm1, c.logistic_pm1_grad, wrt="w", shapes=c.REG, timeout=0.5)
    text = str(info.value)
    assert "got unknown" in text and "reason:" in text and "not proved" in text


def test_assert_gradient_shows_the_derivation_of_a_gradient_expected_wrong():
    import gradient_cases as c

    with pytest.raises(AssertionError) as info:
        assert_gradient(c.quadratic_form, c.quadratic_form_grad, wrt="x", shapes={"A": ("n", "n"), "x": ("n",)},
                        expect="false")
    text = str(info.value)
    assert "expected false, got proved" in text and "derivation:" in text and "so ∇_x" in text


def test_assert_equal():
    assert_equal(lambda A: (A.T).T, lambda A: A, shapes={"A": ("m", "n")})
    with pytest.raises(AssertionError, match="expected proved, got false"):
        assert_equal(lambda A: A @ A.T, lambda A: A.T @ A, shapes={"A": ("n", "n")})
    with pytest.raises(ValueError, match="expect is one of"):
        assert_equal(lambda A: A, lambda A: A, shapes={"A": ("n", "n")}, expect="unknown")


def test_the_package_exports():
    assert rewrite.check_gradient is check_gradient and rewrite.trace is trace
    assert issubclass(rewrite.TraceError, rewrite.RewriteError)
    assert {"check_gradient", "check_equal", "trace", "TraceError"} <= set(rewrite.__all__)


@pytest.mark.parametrize("module", ["arrays", "tracing", "tracing_jax", "codecheck", "testing"])
def test_module_docstrings_end_with_their_imports(module):
    """Each new module says what it imports from the package, and says it truly."""
    import ast
    from pathlib import Path

    path = Path(rewrite.__file__).parent / f"{module}.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree)
    imports_line = doc.strip().split("\n\n")[-1].split("Imports:")[-1]
    assert "Imports:" in doc.strip().split("\n\n")[-1]
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            imported |= {node.module} if node.module else {a.name for a in node.names}
    for name in imported:
        assert f"`{name}`" in imports_line, (module, name)


def test_pinv_and_the_kinked_functions_trace_to_the_language():
    assert str(trace(lambda A: np.linalg.pinv(A), {"A": ("m", "n")})) == "pinv(A)"
    assert str(trace(lambda x: np.sum(np.abs(x)) + np.sign(x) @ x, {"x": ("n",)})) == "sum(abs(x)) + sign(x)ᵀ x"
    assert str(trace(lambda x: np.maximum(x, 0), {"x": ("n",)})) == "relu(x)"
