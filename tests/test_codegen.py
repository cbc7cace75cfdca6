"""Code generation: `rewrite grad --emit`, `derive(...).to_python()` / `.compile()`.

What the emitted code must be: the derivative (checked against `numeric.py` at random
inputs), fast in the ways the issue names (solves for inverse products, each inverse at
most once, shared subterms once, products associated by cost), self-contained (numpy
output imports numpy alone), and certified (the rearrangement's certificate replays in
the kernel). `test_codegen_proofs.py` does the same for every derivative claim of proofs/.
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from emitted import agreement
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from rewrite import derive, kernel
from rewrite import syntax as S
from rewrite.arrange import Arranger, arrange
from rewrite.check import Checker
from rewrite.codegen import BACKENDS, Param, lower, spell
from rewrite.compiled import trusted as trusted_rules
from rewrite.emit import emit, parse_sizes
from rewrite.errors import RewriteError
from rewrite.parse import parse_decl, parse_expr
from rewrite.result import Result
from rewrite.shapes import elaborate, env_from_decls
from rewrite.sizes import SCALAR
from rewrite.strategies import well_shaped

ROOT = Path(__file__).resolve().parents[1]
HAS_JAX = importlib.util.find_spec("jax") is not None
HAS_TORCH = importlib.util.find_spec("torch") is not None

LSQ = ["A: Mat(m, n)", "x: Vec(n)", "b: Vec(m)"]


def module(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "<emitted>", "exec"), namespace)  # noqa: S102 - the module under test
    return namespace


def function_source(source: str, name: str = "grad") -> str:
    tree = ast.parse(source)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    return ast.get_source_segment(source, fn) or ""


def calls(source: str, suffix: str) -> list[str]:
    """The first argument of every call whose function name ends in `suffix`."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith(suffix):
            out.append(ast.unparse(node.args[0]))
    return out


def derived(f: str, wrt: str, let: list[str], kind: str = "grad"):
    d = derive(f, wrt, kind=kind, let=let)
    assert d[1], d[1].message
    return d


def check(f: str, wrt: str, let: list[str], kind: str = "grad", backend: str = "numpy", **options) -> str:
    """The emitted module's source, after checking its function against the numbers."""
    d = derived(f, wrt, let, kind)
    source = d.to_python(backend, **options)
    env = env_from_decls([parse_decl(t) for t in let])
    fe, xe = parse_expr(f), parse_expr(wrt)
    names = [n for n in env if n in S.free_names(fe) | S.free_names(xe)]
    convert = (lambda a: a)
    if backend == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)
        convert = jax.numpy.asarray
    fn = module(source)[options.get("name", "grad")]
    assert agreement(fn, fe, xe, kind, env, names, convert=convert, value=options.get("value", False)) >= 1
    return source


# ---------------------------------------------------------------------------
# The module's interface


def test_least_squares_module_is_numpy_alone_and_computes_the_gradient() -> None:
    source = check("‖A x - b‖²", "x", LSQ)
    imports = [ast.unparse(n) for n in ast.parse(source).body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert imports == ["import numpy as np"]
    assert "def grad(A, x, b):" in source
    assert "Proved:   d/dx ‖A x - b‖² = 2 Aᵀ (A x - b)" in source
    assert "A.T @ A" not in source  # Aᵀ (A x - b), never (Aᵀ A) x


def test_parameters_follow_the_let_order_and_unused_names_are_left_out() -> None:
    let = ["b: Vec(m)", "unused: Mat(k, k)", "x: Vec(n)", "A: Mat(m, n)"]
    source = check("‖A x - b‖²", "x", let)
    assert "def grad(b, x, A):" in source


def test_names_that_are_not_identifiers_are_spelled_as_documented() -> None:
    assert spell(["W₁", "W_1", "x₁₂", "lambda", "np", "ϑ", "Σ"]) == {
        "W₁": "W_1", "W_1": "W_1_", "x₁₂": "x_12", "lambda": "lambda_", "np": "np_", "ϑ": "θ", "Σ": "Σ"}
    assert spell(["grad", "g"], taken={"grad"}) == {"grad": "grad_", "g": "g"}
    let = ["W₁: Mat(h, n)", "W₂: Mat(o, h)", "x: Vec(n)", "t: Vec(o)"]
    source = check("‖W₂ sigmoid(W₁ x) - t‖²", "W₁", let)
    assert "def grad(W_1, W_2, x, t):" in source


def test_value_and_gradient_share_their_subterms() -> None:
    source = check("‖A x - b‖²", "x", LSQ, value=True)
    body = function_source(source)
    assert body.count("A @ x") == 1  # the residual, once, for both
    g = derived("‖A x - b‖²", "x", LSQ).compile(value=True)
    value, gradient = g(np.eye(3, 2), np.ones(2), np.zeros(3))
    assert value == pytest.approx(2.0) and gradient.shape == (2,)


def test_scalars_are_floats_and_vectors_one_dimensional() -> None:
    let = ["s: Scalar", "x: Vec(n)"]
    check("s² xᵀ x", "s", let)
    g = derived("s² xᵀ x", "s", let).compile()
    out = g(1.5, np.array([1.0, 2.0]))
    assert np.ndim(out) == 0 and float(out) == pytest.approx(2 * 1.5 * 5)
    g = derived("s² xᵀ x", "x", let).compile()
    assert g(1.5, np.array([1.0, 2.0])).shape == (2,)


def test_the_function_name_and_bad_names() -> None:
    source = check("‖A x - b‖²", "x", LSQ, name="lsq_grad")
    assert "def lsq_grad(A, x, b):" in source
    for bad in ("lambda", "2x", "_private", "np", "check_grad"):
        with pytest.raises(RewriteError):
            derived("‖A x - b‖²", "x", LSQ).to_python(name=bad)
    with pytest.raises(RewriteError, match="backend"):
        derived("‖A x - b‖²", "x", LSQ).to_python("fortran")


def test_nothing_to_emit_without_a_proof() -> None:
    d = derive("tr(A)", "A", let=["A: Mat(n, n)"], timeout=0.001)
    if d[0] is None:
        with pytest.raises(RewriteError, match="nothing to emit"):
            d.to_python()


def test_check_grad_in_the_module_agrees_and_catches_a_wrong_gradient() -> None:
    source = derived("logdet(S) + xᵀ S⁻¹ x", "S", ["S: Mat(n, n) spd", "x: Vec(n)"]).to_python(with_check=True)
    ns = module(source)
    assert ns["check_grad"]() < 1e-7
    assert ns["check_grad"](seed=3, sizes={"n": 5}) < 1e-7
    ns["grad"] = lambda S_, x: np.linalg.inv(S_)  # the second term forgotten
    assert ns["check_grad"]() > 1e-3


@pytest.mark.parametrize("kind, f, wrt, let", [
    ("jac", "tanh(M x)", "x", ["M: Mat(m, n)", "x: Vec(n)"]),
    ("jac", "vec(A M B)", "vec(M)", ["A: Mat(p, m)", "M: Mat(m, n)", "B: Mat(n, q)"]),
    ("hess", "log(sum(exp(z)))", "z", ["z: Vec(n)"]),
    ("hess", "‖A x - b‖²", "x", LSQ),
])
def test_jacobians_and_hessians_with_their_check(kind: str, f: str, wrt: str, let: list[str]) -> None:
    source = check(f, wrt, let, kind=kind, with_check=True)
    assert module(source)["check_grad"]() < 1e-6


# ---------------------------------------------------------------------------
# Fast code


def test_inverse_times_vector_is_a_solve() -> None:
    for f, let in (("bᵀ A⁻¹ x", ["A: Mat(n, n) invertible", "b: Vec(n)", "x: Vec(n)"]),
                   ("xᵀ S⁻¹ x", ["S: Mat(n, n) symmetric invertible", "x: Vec(n)"]),
                   ("sqrt((x - μ)ᵀ S⁻¹ (x - μ))", ["S: Mat(n, n) spd", "x: Vec(n)", "μ: Vec(n)"])):
        source = check(f, "x", let)
        body = function_source(source)
        assert calls(body, "linalg.inv") == [], body
        assert len(calls(body, "linalg.solve")) == 1, body  # S⁻¹ (x - μ) once, for both uses


def test_a_row_times_an_inverse_and_an_inverse_transpose_are_solves() -> None:
    source = check("aᵀ X⁻¹ b", "X", ["X: Mat(n, n) invertible", "a: Vec(n)", "b: Vec(n)"])
    body = function_source(source)
    assert sorted(calls(body, "linalg.solve")) == ["X", "X.T"] and "inv(" not in body


def test_an_inverse_that_stands_alone_is_formed_once_and_reused() -> None:
    source = check("0.5 logdet(Σ) + 0.5 (x - μ)ᵀ Σ⁻¹ (x - μ)", "Σ", ["Σ: Mat(n, n) spd", "x: Vec(n)", "μ: Vec(n)"])
    body = function_source(source)
    assert calls(body, "linalg.inv") == ["Σ"] and calls(body, "linalg.solve") == []


def test_no_inverse_is_formed_twice_in_a_hessian() -> None:
    source = check("logdet(s I + A)", "s", ["A: Mat(n, n) spd", "s: Scalar"], kind="hess")
    inverted = calls(function_source(source), "linalg.inv")
    assert len(inverted) == len(set(inverted)) <= 1


def test_diag_in_a_product_scales_rows_or_columns() -> None:
    source = check("sum(log(ones + exp(X w))) - yᵀ X w", "w", ["X: Mat(m, n)", "w: Vec(n)", "y: Vec(m)"],
                   kind="hess")
    body = function_source(source)
    assert calls(body, "diag") == [] and ("[:, None] *" in body or "X.T * " in body), body


def test_sum_times_vector_is_distributed() -> None:
    body = function_source(check("xᵀ A x", "x", ["A: Mat(n, n)", "x: Vec(n)"]))
    assert "A + A.T" not in body and "A @ x" in body and ("A.T @ x" in body or "x @ A" in body), body


def test_sizes_decide_the_association() -> None:
    let = ["A: Mat(p, m)", "X: Mat(m, n)", "B: Mat(n, q)", "C: Mat(q, p)"]
    d = derived("tr(A X B C)", "X", let)
    wide = d.to_python(sizes={"p": 2, "q": 1000, "m": 1000, "n": 1000})
    tall = d.to_python(sizes={"p": 1000, "q": 2, "m": 1000, "n": 1000})
    assert function_source(wide) != function_source(tall)
    assert "sizes m=1000, n=1000, p=2, q=1000" in wide
    with pytest.raises(RewriteError, match="no declaration"):
        d.to_python(sizes={"zz": 3})


def brute_force_cost(arranger: Arranger, factors: list[S.Expr]) -> int:
    """The cheapest association, by trying every one."""
    if len(factors) == 1:
        return arranger.cost(factors[0])
    return min(arranger.cost(S.Mul(*pair)) for pair in _associations(factors))


def _associations(factors: list[S.Expr]):
    if len(factors) == 1:
        yield factors[0]
        return
    for i in range(1, len(factors)):
        for left, right in itertools.product(_trees(factors[:i]), _trees(factors[i:])):
            yield (left, right)


def _trees(factors: list[S.Expr]) -> list[S.Expr]:
    if len(factors) == 1:
        return [factors[0]]
    return [S.Mul(l, r) for i in range(1, len(factors))
            for l, r in itertools.product(_trees(factors[:i]), _trees(factors[i:]))]


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(1, 60), min_size=2, max_size=6))
def test_chains_are_associated_at_least_as_cheaply_as_any_association(sizes: list[int]) -> None:
    """The dynamic programme against brute force, at random sizes (the cost of each
    chain is the model's: `Arranger.cost`)."""
    dims = [f"d{i}" for i in range(len(sizes))]
    let = [f"M{i}: Mat({dims[i]}, {dims[i + 1]})" for i in range(len(sizes) - 1)]
    env = env_from_decls([parse_decl(t) for t in let])
    factors = [S.Var(f"M{i}") for i in range(len(sizes) - 1)]
    chain = factors[0]
    for f in factors[1:]:
        chain = S.Mul(chain, f)
    arranger = Arranger(env, dict(zip(dims, sizes)))
    assert arranger.cost(arranger.arrange(chain)) <= brute_force_cost(arranger, factors)


# ---------------------------------------------------------------------------
# Arranged and lowered code computes the expression it was given (no prover involved)

ENV_LETS = ("A : Mat(m, n)", "B : Mat(n, m)", "x : Vec(n)", "y : Vec(m)", "X : Mat(n, n) invertible",
            "S : Mat(n, n) spd", "s : Scalar", "t : Scalar")
ENV = env_from_decls([parse_decl(t) for t in ENV_LETS])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_arranged_code_computes_the_expression(data) -> None:
    shape = data.draw(st.sampled_from([SCALAR, ENV["x"].shape, ENV["A"].shape, ENV["X"].shape]), "shape")
    e = data.draw(well_shaped(ENV, shape, max_depth=3), "e")
    tree, _ = elaborate(e, ENV)
    arranged = arrange(tree, ENV)
    names = [n for n in ENV if n in S.free_names(tree)]
    params = [Param(n, n, ENV[n].shape, ENV[n].props) for n in names]
    try:
        body = lower([arranged], params, ENV, BACKENDS["numpy"])
    except RewriteError as err:  # a size no parameter carries (`I(k)` alone): said, not crashed
        assert "cannot be read off" in str(err)
        return
    source = "import numpy as np\n\n\ndef _sigmoid(z):\n    return 0.5 + 0.5 * np.tanh(0.5 * z)\n\n\n" \
             f"def f({', '.join(names)}):\n" + "".join(f"    {line}\n" for line in body.lines) \
             + f"    return {body.results[0]}\n"
    fn = module(source)["f"]
    seed = data.draw(st.integers(0, 1000), "seed")
    for _sizes, values, (ref, ref_arranged) in _draws([tree, arranged], seed):
        scale = max(1.0, float(np.abs(ref).max()))
        assert float(np.abs(ref_arranged - ref).max()) <= 1e-8 * scale  # arranging keeps the value
        from emitted import interface

        from rewrite.codegen import kind_of

        with np.errstate(all="ignore"):
            out = np.asarray(fn(*[interface(values[n], kind_of(ENV[n].shape)) for n in names]), dtype=complex)
        assert out.size == ref.size
        assert float(np.abs(out.reshape(ref.shape) - ref).max()) <= 1e-8 * scale, source


def _draws(exprs, seed):
    from emitted import draws

    try:
        yield from draws(exprs, ENV, range(seed, seed + 1))
    except ValueError:  # a value the numeric check cannot evaluate at these sizes
        return


FUZZ_LETS = ["A : Mat(m, n)", "x : Vec(n)", "b : Vec(m)", "X : Mat(n, n) invertible", "S : Mat(n, n) symmetric",
             "s : Scalar"]
FUZZ_ENV = env_from_decls([parse_decl(t) for t in FUZZ_LETS])


# No shrinking: each example runs a search. The shared checker raises the recursion limit.
@pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")
@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(data=st.data())
def test_the_emitted_gradient_of_a_random_expression_is_its_gradient(data) -> None:
    """The whole path beyond the examples: a gradient `derive` proves for a random scalar
    expression, emitted, computes the numbers' gradient."""
    f = data.draw(well_shaped(FUZZ_ENV, SCALAR, max_depth=2), "f")
    names = sorted(S.free_names(f))
    assume(names)
    x = S.Var(data.draw(st.sampled_from(names), "wrt"))
    d = derive(f, x, let=FUZZ_LETS, timeout=0.5)
    assume(d[1])
    e = d.emit()
    assert e.rearranged
    order = [n for n in FUZZ_ENV if n in S.free_names(f) | {x.name}]
    seed = data.draw(st.integers(0, 99), "seed")
    checked = agreement(module(e.source)["grad"], f, x, "grad", FUZZ_ENV, order, seeds=range(seed, seed + 2),
                        sizes=e.size_parameters)
    assume(checked > 0)


# ---------------------------------------------------------------------------
# Certified


def test_the_rearrangement_is_proved_and_its_certificate_replays() -> None:
    d = derived("xᵀ Aᵀ A x", "x", LSQ[:2])
    e = d.emit()
    assert e.rearranged and len(e.certificates) == 2
    derivation, rearrangement = e.certificates
    from rewrite.render import statement

    assert statement(rearrangement)[0] == statement(derivation)[1]  # it starts where the derivation ends
    trusted = trusted_rules()
    for cert in e.certificates:
        kernel.check_certificate(json.loads(json.dumps(cert)), trusted)


class _Refusing(Checker):
    """A checker that proves derivatives but no rearrangement."""

    def check_statement(self, stmt, env, pf=None) -> Result:  # noqa: ARG002
        return Result("<test>", stmt.name, "claim", "unknown", message="refused for the test")


def test_an_unproved_rearrangement_falls_back_to_the_derived_form() -> None:
    refusing = _Refusing()
    env = env_from_decls([parse_decl(t) for t in LSQ])
    f, x = parse_expr("xᵀ Aᵀ A x"), parse_expr("x")
    found, r = refusing.derive(f, x, env)
    e = emit(refusing, f, x, "grad", env, found, r)
    assert not e.rearranged and len(e.certificates) == 1
    assert "was not proved equal" in e.source
    fn = module(e.source)["grad"]
    assert agreement(fn, f, x, "grad", env, ["A", "x"]) >= 1


def test_a_size_no_argument_carries_is_a_keyword_parameter() -> None:
    let = ["X: Mat(n, n)", "s: Scalar"]
    e = derived("s tr(I(k)) tr(X)", "X", let).emit(with_check=True)
    assert "def grad(X, s, *, k):" in e.source and e.size_parameters == {"k": "k"}
    ns = module(e.source)
    assert np.allclose(ns["grad"](np.ones((2, 2)), 1.5, k=3), 4.5 * np.eye(2))
    assert ns["check_grad"]() < 1e-7


def test_parse_sizes() -> None:
    assert parse_sizes("m=1000, n=50") == {"m": 1000, "n": 50}
    for bad in ("m", "m=0", "m=x", "=3"):
        with pytest.raises(RewriteError):
            parse_sizes(bad)


# ---------------------------------------------------------------------------
# Backends


@pytest.mark.skipif(not HAS_JAX, reason="jax is not installed (pip install '.[test]')")
def test_jax_module_runs_under_jit() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    let = ["X: Mat(m, n)", "w: Vec(n)", "y: Vec(m)"]
    source = check("sum(log(ones + exp(X w))) - yᵀ X w", "w", let, backend="jax")
    assert "import numpy" not in source
    g = derived("sum(log(ones + exp(X w))) - yᵀ X w", "w", let).compile("jax")
    rng = np.random.default_rng(0)
    X, w, y = rng.standard_normal((5, 3)), rng.standard_normal(3), rng.standard_normal(5)
    expected = X.T @ (1 / (1 + np.exp(-X @ w)) - y)
    np.testing.assert_allclose(np.asarray(g(X, w, y)), expected, rtol=1e-10)
    assert "jit" in type(g).__name__.lower() or hasattr(g, "lower")


def test_torch_module_is_valid_python_and_runs_where_torch_is() -> None:
    let = ["A: Mat(n, n) invertible", "b: Vec(n)", "x: Vec(n)", "s: Scalar"]
    d = derived("s bᵀ A⁻¹ x + tr(A)", "A", let)
    source = d.to_python("torch", with_check=True)
    compile(source, "<torch>", "exec")
    assert "torch.linalg.solve" in source and "import torch" in source
    if not HAS_TORCH:
        pytest.skip("torch is not installed (optional)")
    assert module(source)["check_grad"]() < 1e-6


# ---------------------------------------------------------------------------
# The command line


def rewrite(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rewrite", *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_cli_emits_a_module_and_certificates_that_verify(tmp_path: Path) -> None:
    cert = tmp_path / "g.json"
    run = rewrite("grad", "xᵀ Aᵀ A x", "--wrt", "x", "--let", "A: Mat(m, n)", "--let", "x: Vec(n)",
                  "--emit", "numpy", "--value", "--with-check", "--name", "f_and_g", "--certificate", str(cert))
    assert run.returncode == 0, run.stderr
    ns = module(run.stdout)
    value, gradient = ns["f_and_g"](np.eye(2), np.array([1.0, 2.0]))
    assert value == pytest.approx(5.0) and np.allclose(gradient, [2.0, 4.0])
    assert ns["check_grad"]() < 1e-7
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["g.json", "g.rearranged.json"]
    verify = rewrite("verify", *(str(tmp_path / p) for p in written))
    assert verify.returncode == 0 and verify.stdout.strip().endswith("2 passed, 0 failed"), verify.stdout


def test_cli_usage_errors_exit_2() -> None:
    base = ["grad", "xᵀ x", "--wrt", "x", "--let", "x: Vec(n)"]
    assert rewrite(*base, "--value").returncode == 2  # --value needs --emit
    assert rewrite(*base, "--emit", "numpy", "--sizes", "n=zero").returncode == 2
    assert rewrite(*base, "--emit", "numpy", "--name", "class").returncode == 2
    assert rewrite(*base, "--emit", "fortran").returncode == 2
    bad = rewrite(*base, "--emit", "numpy", "--sizes", "q=3")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
