"""JAX versions of some of gradient_cases.py: `jax.numpy`, `jax.nn`, and the mistakes.
Imported only where jax is installed."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from gradient_cases import GAUSS, LS, NET, REG, Case


def ls_loss(A, x, b):
    return jnp.sum((A @ x - b) ** 2)


def ridge(X, w, y, lam=0.5):
    return jnp.sum((X @ w - y) ** 2) + lam * jnp.dot(w, w)


def logistic_nll(X, w, y):
    p = jax.nn.sigmoid(X @ w)
    return -jnp.sum(y * jnp.log(p) + (1 - y) * jnp.log(1 - p))


def net_loss(W1, W2, x, y):
    h = jnp.tanh(W1 @ x)
    return 0.5 * jnp.sum((W2 @ h - y) ** 2)


def net_grad_W1(W1, W2, x, y):
    h = jnp.tanh(W1 @ x)
    return jnp.outer((W2.T @ (W2 @ h - y)) * (1 - h ** 2), x)


def gauss_nll_cov(x, mu, S):
    r = x - mu
    return 0.5 * jnp.linalg.slogdet(S)[1] + 0.5 * r @ jnp.linalg.solve(S, r)


def gauss_nll_cov_grad(x, mu, S):
    Si = jnp.linalg.inv(S)
    r = x - mu
    return 0.5 * (Si - Si @ jnp.outer(r, r) @ Si)


def softmax_regression(W, x, y):
    z = W @ x
    return jnp.log(jnp.sum(jnp.exp(z))) - y @ z


def softmax_regression_grad(W, x, y):
    p = jnp.exp(W @ x) / jnp.sum(jnp.exp(W @ x))
    return jnp.outer(p - y, x)


def trace_axb(A, X, B):
    return jnp.trace(A @ X @ B)


def logdet_trace(S, X):
    return jnp.trace(S @ X) - jnp.linalg.slogdet(X)[1]


CASES = [
    Case("jax_least_squares", ls_loss, "x", LS, lambda A, x, b: 2 * A.T @ (A @ x - b), {
        "missing factor": lambda A, x, b: A.T @ (A @ x - b),
        "wrong sign": lambda A, x, b: 2 * A.T @ (b - A @ x),
    }),
    Case("jax_ridge_default_lambda", ridge, "w", REG, lambda X, w, y, lam=0.5: 2 * X.T @ (X @ w - y) + 2 * lam * w, {
        "missing factor": lambda X, w, y, lam=0.5: 2 * X.T @ (X @ w - y) + lam * w,
    }),
    Case("jax_logistic_regression", logistic_nll, "w", REG, lambda X, w, y: X.T @ (jax.nn.sigmoid(X @ w) - y), {
        "wrong sign": lambda X, w, y: X.T @ (y - jax.nn.sigmoid(X @ w)),
    }),
    Case("jax_two_layer_net_W1", net_loss, "W1", NET, net_grad_W1, {
        "missing tanh derivative": lambda W1, W2, x, y: jnp.outer(W2.T @ (W2 @ jnp.tanh(W1 @ x) - y), x),
    }),
    Case("jax_gaussian_nll_covariance", gauss_nll_cov, "S", GAUSS, gauss_nll_cov_grad, {
        "wrong sign": lambda x, mu, S: 0.5 * (jnp.linalg.inv(S) + jnp.linalg.inv(S) @ jnp.outer(x - mu, x - mu)
                                              @ jnp.linalg.inv(S)),
    }, properties={"S": ("spd",)}),
    Case("jax_softmax_regression", softmax_regression, "W", {"W": ("k", "n"), "x": ("n",), "y": ("k",)},
         softmax_regression_grad, {
             "missing transpose": lambda W, x, y: jnp.outer(x, jnp.exp(W @ x) / jnp.sum(jnp.exp(W @ x)) - y),
         }),
    Case("jax_trace_AXB", trace_axb, "X", {"A": ("n", "n"), "X": ("n", "n"), "B": ("n", "n")},
         lambda A, X, B: A.T @ B.T, {
             "missing transpose": lambda A, X, B: B @ A,
         }),
    Case("jax_graphical_lasso_smooth_part", logdet_trace, "X", {"S": ("n", "n"), "X": ("n", "n")},
         lambda S, X: S - jnp.linalg.inv(X), {
             "wrong sign": lambda S, X: S + jnp.linalg.inv(X),
         }, properties={"S": ("symmetric",), "X": ("spd",)}),
]
