"""Benchmark of the emitted code (issue 17): is the certified gradient also fast?

For gradients and Hessians from proofs/, at sizes in the hundreds to thousands, one run
times on the same float64 inputs:

- the emitted numpy (`derive(...).compile("numpy")`, products associated for these sizes),
- numpy as a careful person writes it by hand (solves, not inverses; shared temporaries),
- `autograd` (reverse mode over numpy),
- `jax.grad` / `jax.hessian` under `jax.jit`, and the emitted JAX module under `jax.jit`;

and the peak memory of one call (tracemalloc: numpy's allocations; JAX's are XLA's and
not seen). Every library runs on one thread; each time is the process's CPU time per call, the
fastest of `--repeat` rounds in which the functions take turns (the JAX ones among
themselves, then the numpy ones after a pause, as XLA's idle threads spin for a moment
and would be charged to the next call); compilation is excluded.
It prints a table; it is a benchmark, not a test.

    PYTHONPATH=. python bench/codegen.py [--repeat 15] [--quick] [--markdown] [--only WORD ...]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import tracemalloc
from dataclasses import dataclass
from typing import Callable

import numpy as np

# One thread everywhere: the machine is shared, and a comparison of libraries should not
# be a comparison of their thread pools (set before numpy and jax load).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import autograd  # noqa: E402
import autograd.numpy as anp  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

jax.config.update("jax_enable_x64", True)

from rewrite import derive  # noqa: E402


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def _sig(z, xp=np):
    return 0.5 + 0.5 * xp.tanh(0.5 * z)


@dataclass
class Case:
    name: str
    source: str  # proofs/ file::claim the expression comes from
    f: str
    wrt: str
    lets: list[str]
    sizes: dict[str, int]
    inputs: Callable[[np.random.Generator, dict], list]  # values in the order of `lets`
    hand: Callable  # numpy by hand: same parameters, returns the derivative
    value: Callable  # the expression for autodiff: (xp, *args) → scalar
    kind: str = "grad"


def spd(rng, n):
    a = rng.standard_normal((n, n)) / np.sqrt(n)
    return a @ a.T + np.eye(n)


def well_conditioned(rng, n):
    return rng.standard_normal((n, n)) / np.sqrt(n) + 2 * np.eye(n)


def _lse_hess(z):
    p = np.exp(z - z.max())
    p /= p.sum()
    return np.diag(p) - np.outer(p, p)


CASES = [
    Case("least squares", "least_squares.proof::grad_x", "‖A x - b‖²", "x",
         ["A: Mat(m, n)", "x: Vec(n)", "b: Vec(m)"], {"m": 2000, "n": 1000},
         lambda r, s: [r.standard_normal((s["m"], s["n"])), r.standard_normal(s["n"]), r.standard_normal(s["m"])],
         lambda A, x, b: 2 * (A.T @ (A @ x - b)),
         lambda xp, A, x, b: xp.sum((A @ x - b) ** 2)),
    Case("ridge", "heldout3_ml.proof::ridge_grad", "‖X w - y‖² + λ ‖w‖²", "w",
         ["X: Mat(m, n)", "y: Vec(m)", "w: Vec(n)", "λ: Scalar"], {"m": 2000, "n": 1000},
         lambda r, s: [r.standard_normal((s["m"], s["n"])), r.standard_normal(s["m"]), r.standard_normal(s["n"]), 0.3],
         lambda X, y, w, lam: 2 * (X.T @ (X @ w - y)) + 2 * lam * w,
         lambda xp, X, y, w, lam: xp.sum((X @ w - y) ** 2) + lam * xp.sum(w ** 2)),
    Case("logistic regression", "heldout3_ml.proof::logistic_batch",
         "-(yᵀ log(sigmoid(X w)) + (ones(m) - y)ᵀ log(ones(m) - sigmoid(X w)))", "w",
         ["X: Mat(m, n)", "y: Vec(m)", "w: Vec(n)"], {"m": 2000, "n": 1000},
         lambda r, s: [r.standard_normal((s["m"], s["n"])) / 30, r.integers(0, 2, s["m"]).astype(float),
                       r.standard_normal(s["n"])],
         lambda X, y, w: X.T @ (_sig(X @ w) - y),
         lambda xp, X, y, w: -(y @ xp.log(_sig(X @ w, xp)) + (1 - y) @ xp.log(1 - _sig(X @ w, xp)))),
    Case("two-layer network", "ml.proof::net_W1", "‖W₂ sigmoid(W₁ x) - t‖²", "W₁",
         ["W₁: Mat(h, n)", "W₂: Mat(k, h)", "x: Vec(n)", "t: Vec(k)"], {"h": 1000, "n": 1000, "k": 100},
         lambda r, s: [r.standard_normal((s["h"], s["n"])) / 30, r.standard_normal((s["k"], s["h"])) / 30,
                       r.standard_normal(s["n"]), r.standard_normal(s["k"])],
         lambda W1, W2, x, t: np.outer((W2.T @ (2 * (W2 @ (s := _sig(W1 @ x)) - t))) * s * (1 - s), x),
         lambda xp, W1, W2, x, t: xp.sum((W2 @ _sig(W1 @ x, xp) - t) ** 2)),
    Case("logdet + tr(Σ⁻¹ G)", "heldout3_ml.proof::gauss_cov_stat", "logdet(Σ) + tr(Σ⁻¹ G)", "Σ",
         ["Σ: Mat(n, n) spd", "G: Mat(n, n)"], {"n": 500},
         lambda r, s: [spd(r, s["n"]), r.standard_normal((s["n"], s["n"]))],
         lambda S, G: (Si := np.linalg.inv(S)) - Si @ G.T @ Si,
         lambda xp, S, G: xp.linalg.slogdet(S)[1] + xp.trace(xp.linalg.solve(S, G))),
    Case("quadratic form with an inverse", "cookbook.proof::c14", "aᵀ X⁻¹ b", "X",
         ["X: Mat(n, n) invertible", "a: Vec(n)", "b: Vec(n)"], {"n": 1000},
         lambda r, s: [well_conditioned(r, s["n"]), r.standard_normal(s["n"]), r.standard_normal(s["n"])],
         lambda X, a, b: -np.outer(np.linalg.solve(X.T, a), np.linalg.solve(X, b)),
         lambda xp, X, a, b: a @ xp.linalg.solve(X, b)),
    Case("det", "cookbook.proof::c15", "det(X)", "X", ["X: Mat(n, n) invertible"], {"n": 500},
         lambda r, s: [well_conditioned(r, s["n"])],
         lambda X: np.linalg.det(X) * np.linalg.inv(X).T,
         lambda xp, X: xp.linalg.det(X)),
    Case("Gaussian NLL (Σ)", "heldout3_ml.proof::gauss_nll_Sigma", "0.5 logdet(Σ) + 0.5 (x - μ)ᵀ Σ⁻¹ (x - μ)", "Σ",
         ["Σ: Mat(n, n) spd", "x: Vec(n)", "μ: Vec(n)"], {"n": 1000},
         lambda r, s: [spd(r, s["n"]), r.standard_normal(s["n"]), r.standard_normal(s["n"])],
         lambda S, x, mu: 0.5 * ((Si := np.linalg.inv(S)) - np.outer(u := Si @ (x - mu), u)),
         lambda xp, S, x, mu: 0.5 * xp.linalg.slogdet(S)[1] + 0.5 * (x - mu) @ xp.linalg.solve(S, x - mu)),
    Case("Mahalanobis", "heldout3_ml.proof::mahalanobis", "sqrt((x - μ)ᵀ S⁻¹ (x - μ))", "x",
         ["S: Mat(n, n) spd", "x: Vec(n)", "μ: Vec(n)"], {"n": 1000},
         lambda r, s: [spd(r, s["n"]), r.standard_normal(s["n"]), r.standard_normal(s["n"])],
         lambda S, x, mu: (u := np.linalg.solve(S, x - mu)) / np.sqrt((x - mu) @ u),
         lambda xp, S, x, mu: xp.sqrt((x - mu) @ xp.linalg.solve(S, x - mu))),
    # Hessians (n ≥ 500): derived, against reverse-over-reverse autodiff
    Case("least squares (Hessian)", "heldout2_ml_grads.proof::ridge_hess", "‖A x - b‖²", "x",
         ["A: Mat(m, n)", "x: Vec(n)", "b: Vec(m)"], {"m": 1000, "n": 500},
         lambda r, s: [r.standard_normal((s["m"], s["n"])), r.standard_normal(s["n"]), r.standard_normal(s["m"])],
         lambda A, x, b: 2 * (A.T @ A),
         lambda xp, A, x, b: xp.sum((A @ x - b) ** 2), kind="hess"),
    Case("ridge (Hessian)", "heldout3_ml.proof::ridge_hess", "‖X w - y‖² + λ wᵀ w", "w",
         ["X: Mat(m, n)", "y: Vec(m)", "w: Vec(n)", "λ: Scalar"], {"m": 1000, "n": 500},
         lambda r, s: [r.standard_normal((s["m"], s["n"])), r.standard_normal(s["m"]), r.standard_normal(s["n"]), 0.3],
         lambda X, y, w, lam: 2 * (X.T @ X + lam * np.eye(X.shape[1])),
         lambda xp, X, y, w, lam: xp.sum((X @ w - y) ** 2) + lam * (w @ w), kind="hess"),
    Case("logistic (Hessian)", "heldout3_ml.proof::softplus_hess", "sum(log(ones(m) + exp(X w)))", "w",
         ["X: Mat(m, n)", "w: Vec(n)"], {"m": 1000, "n": 500},
         lambda r, s: [r.standard_normal((s["m"], s["n"])) / 30, r.standard_normal(s["n"])],
         lambda X, w: X.T @ (((p := _sig(X @ w)) * (1 - p))[:, None] * X),
         lambda xp, X, w: xp.sum(xp.log(1 + xp.exp(X @ w))), kind="hess"),
    Case("log-sum-exp (Hessian)", "heldout_hard.proof::h_hess_lse", "log(sum(exp(z)))", "z", ["z: Vec(n)"],
         {"n": 1000}, lambda r, s: [r.standard_normal(s["n"])],
         _lse_hess, lambda xp, z: xp.log(xp.sum(xp.exp(z))), kind="hess"),
]


CLOCK = time.process_time  # CPU time of this process: waiting for a core shared with others is not counted


def timed(fns: dict[str, tuple[Callable, list, Callable]], repeat: int) -> dict[str, float]:
    """CPU seconds per call of each function (every library runs on one thread): the
    fastest of `repeat` rounds; the functions take turns within each round, so a change
    of load hits them all alike."""
    number = {}
    for key, (fn, args, block) in fns.items():
        block(fn(*args))  # compile, warm caches
        start = CLOCK()
        block(fn(*args))
        number[key] = max(1, int(0.02 / max(CLOCK() - start, 1e-6)))
    times: dict[str, list[float]] = {key: [] for key in fns}
    keys = list(fns)
    for turn in range(repeat):
        for key in keys[turn % len(keys):] + keys[:turn % len(keys)]:  # each goes first in turn
            fn, args, block = fns[key]
            start = CLOCK()
            for _ in range(number[key]):
                block(fn(*args))
            times[key].append((CLOCK() - start) / number[key])
    return {key: min(t) for key, t in times.items()}


def peak_mb(fn: Callable, args: list) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**10


def close(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-8 * max(1.0, float(np.abs(b).max())))


def run(case: Case, repeat: int) -> dict:
    d = derive(case.f, case.wrt, kind=case.kind, let=case.lets, timeout=20)
    if not d[1]:
        return {"case": case, "error": f"not derived: {d[1].outcome}"}
    names = [t.split(":")[0].strip() for t in case.lets]
    emitted_np = d.compile("numpy", sizes=case.sizes)
    emitted_jax = d.compile("jax", sizes=case.sizes)
    args = case.inputs(np.random.default_rng(0), case.sizes)
    at = names.index(case.wrt)
    reference = case.hand(*args)
    out = {"case": case, "ok": close(emitted_np(*args), reference)}
    derivative = autograd.hessian if case.kind == "hess" else autograd.grad
    ag = derivative(lambda *a: case.value(anp, *a), at)
    out["ok"] &= close(ag(*args), reference)
    jargs = [jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
    jderivative = jax.hessian if case.kind == "hess" else jax.grad
    jg = jax.jit(jderivative(lambda *a: case.value(jnp, *a), argnums=at))
    block = jax.block_until_ready
    out["ok"] &= close(jg(*jargs), reference) and close(emitted_jax(*jargs), reference)
    time.sleep(0.5)
    same = lambda r: r  # noqa: E731
    # JAX first, then a pause: XLA's threads keep spinning for a moment after a call, and
    # that CPU time would be charged to whatever numpy call came next
    out.update(timed({"jax": (jg, jargs, block), "emitted_jax": (emitted_jax, jargs, block)}, repeat))
    time.sleep(0.5)
    out.update(timed({"emitted": (emitted_np, args, same), "hand": (case.hand, args, same),
                      "autograd": (ag, args, same)}, repeat))
    time.sleep(0.5)
    out["mem_emitted"] = peak_mb(emitted_np, args)
    out["mem_hand"] = peak_mb(case.hand, args)
    out["mem_autograd"] = peak_mb(ag, args)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=15)
    p.add_argument("--quick", action="store_true", help="sizes divided by 4")
    p.add_argument("--markdown", action="store_true")
    p.add_argument("--only", nargs="+", metavar="WORD", help="the cases whose name contains one of these words")
    args = p.parse_args(argv)
    print(f"python {platform.python_version()}, numpy {np.__version__}, jax {jax.__version__}, "
          f"autograd {_version('autograd')}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; "
          "float64, one thread everywhere; CPU ms per call, fastest of rounds", flush=True)
    head = ["case", "sizes", "emitted np", "hand np", "×hand", "autograd", "×autograd", "jax jit", "emitted jax jit",
            "×jax", "KiB emitted/hand/autograd", "agree"]
    rows = []
    for case in CASES:
        if args.only and not any(w in case.name for w in args.only):
            continue
        if args.quick:
            case.sizes = {k: max(2, v // 4) for k, v in case.sizes.items()}
        r = run(case, args.repeat)
        if "error" in r:
            rows.append([case.name, "", r["error"]] + [""] * (len(head) - 3))
            continue
        ms = lambda s: f"{s * 1e3:.3g}"  # noqa: E731
        rows.append([case.name + (" (H)" if case.kind == "hess" else ""),
                     " ".join(f"{k}={v}" for k, v in case.sizes.items()),
                     ms(r["emitted"]), ms(r["hand"]), f"{r['emitted'] / r['hand']:.2f}",
                     ms(r["autograd"]), f"{r['emitted'] / r['autograd']:.2f}",
                     ms(r["jax"]), ms(r["emitted_jax"]), f"{r['emitted_jax'] / r['jax']:.2f}",
                     f"{r['mem_emitted']:.0f} / {r['mem_hand']:.0f} / {r['mem_autograd']:.0f}",
                     "yes" if r["ok"] else "NO"])
        print("  done:", case.name, flush=True, file=sys.stderr)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
        for row in rows:
            print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)))
    print(f"load at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
