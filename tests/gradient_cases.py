"""Losses and gradients as people write them in numpy (and a few in JAX), with the mistakes
people make: each case has the right gradient and deliberately wrong ones (a missing
factor, a missing transpose, a wrong sign). tests/test_tracing.py checks them; the same
functions feed its trace-versus-numpy comparison.

A case whose right gradient the prover cannot prove yet carries `unknown=` with the reason
(the test expects that failure strictly, so a prover that learns it shows up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Case:
    name: str
    loss: Callable
    wrt: str
    shapes: dict
    right: Callable
    wrong: dict[str, Callable] = field(default_factory=dict)  # kind of mistake -> gradient
    properties: dict = field(default_factory=dict)
    unknown: str | None = None  # why the right gradient is not proved yet


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# -- least squares ----------------------------------------------------------------------


def ls_loss(A, x, b):
    r = A @ x - b
    return r @ r


def ls_grad_x(A, x, b):
    return 2 * A.T @ (A @ x - b)


def ls_grad_A(A, x, b):
    return 2 * np.outer(A @ x - b, x)


def half_sse(X, w, y):
    return 0.5 * np.sum((X @ w - y) ** 2)


def half_sse_grad(X, w, y):
    return X.T @ (X @ w - y)


def frob_fit(A, X, B):
    return np.linalg.norm(A @ X - B) ** 2


def frob_fit_grad(A, X, B):
    return 2 * A.T @ (A @ X - B)


# -- ridge --------------------------------------------------------------------------------


def ridge(X, w, y, lam):
    return np.sum((X @ w - y) ** 2) + lam * w @ w


def ridge_grad(X, w, y, lam):
    return 2 * X.T @ (X @ w - y) + 2 * lam * w


def ridge_fixed(X, w, y, lam=0.1):
    r = X @ w - y
    return r.dot(r) + lam * np.dot(w, w)


def ridge_fixed_grad(X, w, y, lam=0.1):
    return 2 * X.T.dot(X.dot(w) - y) + 2 * lam * w


def weighted_ls(X, w, y, W):
    r = X @ w - y
    return r @ W @ r


def weighted_ls_grad(X, w, y, W):
    return 2 * X.T @ W @ (X @ w - y)


# -- logistic and softmax regression -----------------------------------------------------


def logistic_nll(X, w, y):
    p = sigmoid(X @ w)
    return -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))


def logistic_grad(X, w, y):
    return X.T @ (sigmoid(X @ w) - y)


def logistic_pm1(X, w, y):
    return np.sum(np.log(1 + np.exp(-y * (X @ w))))


def logistic_pm1_grad(X, w, y):
    return -X.T @ (y / (1 + np.exp(y * (X @ w))))


def logistic_pm1_grad_sigmoid(X, w, y):
    return -X.T @ (y * sigmoid(-y * (X @ w)))


def softplus_sum(X, w):
    return np.sum(np.log(1 + np.exp(X @ w)))


def softplus_sum_grad(X, w):
    return X.T @ sigmoid(X @ w)


def softplus_sum_grad_ratio(X, w):
    e = np.exp(X @ w)
    return X.T @ (e / (1 + e))


def softmax_xent_logits(z, y):
    return np.log(np.sum(np.exp(z))) - y @ z


def softmax_xent_logits_grad(z, y):
    return np.exp(z) / np.sum(np.exp(z)) - y


def softmax_regression(W, x, y):
    z = W @ x
    return -y @ z + np.log(np.exp(z).sum())


def softmax_regression_grad(W, x, y):
    z = W @ x
    p = np.exp(z) / np.exp(z).sum()
    return np.outer(p - y, x)


def poisson_nll(X, w, y):
    eta = X @ w
    return np.sum(np.exp(eta) - y * eta)


def poisson_grad(X, w, y):
    return X.T @ (np.exp(X @ w) - y)


# -- a two-layer network -----------------------------------------------------------------


def net_loss(W1, W2, x, y):
    h = np.tanh(W1 @ x)
    return 0.5 * np.sum((W2 @ h - y) ** 2)


def net_grad_W2(W1, W2, x, y):
    h = np.tanh(W1 @ x)
    return np.outer(W2 @ h - y, h)


def net_grad_W1(W1, W2, x, y):
    h = np.tanh(W1 @ x)
    delta = (W2.T @ (W2 @ h - y)) * (1 - h ** 2)
    return np.outer(delta, x)


def net_grad_x(W1, W2, x, y):
    h = np.tanh(W1 @ x)
    return W1.T @ ((W2.T @ (W2 @ h - y)) * (1 - h ** 2))


# -- Gaussian likelihoods ----------------------------------------------------------------


def gauss_nll_mu(x, mu, S):
    r = x - mu
    return 0.5 * r @ np.linalg.solve(S, r)


def gauss_nll_mu_grad(x, mu, S):
    return -np.linalg.solve(S, x - mu)


def gauss_nll_cov(x, mu, S):
    sign, logdet = np.linalg.slogdet(S)
    r = x - mu
    return 0.5 * logdet + 0.5 * r @ np.linalg.inv(S) @ r


def gauss_nll_cov_grad(x, mu, S):
    Si = np.linalg.inv(S)
    r = x - mu
    return 0.5 * (Si - Si @ np.outer(r, r) @ Si)


def gauss_nll_precision(x, mu, P):
    r = x - mu
    return -0.5 * np.linalg.slogdet(P)[1] + 0.5 * r @ P @ r


def gauss_nll_precision_grad(x, mu, P):
    r = x - mu
    return 0.5 * np.outer(r, r) - 0.5 * np.linalg.inv(P)


# -- trace and log-det objectives ---------------------------------------------------------


def trace_axb(A, X, B):
    return np.trace(A @ X @ B)


def trace_axb_grad(A, X, B):
    return A.T @ B.T


def trace_quadratic(A, X):
    return np.trace(X.T @ A @ X)


def trace_quadratic_grad(A, X):
    return (A + A.T) @ X


def quadratic_form(A, x):
    return x @ A @ x


def quadratic_form_grad(A, x):
    return (A + A.T) @ x


def logdet(X):
    return np.linalg.slogdet(X)[1]


def log_of_det(X):
    return np.log(np.linalg.det(X))


def logdet_grad(X):
    return np.linalg.inv(X).T


def det(X):
    return np.linalg.det(X)


def det_grad(X):
    return np.linalg.det(X) * np.linalg.inv(X).T


def trace_inverse(X):
    return np.trace(np.linalg.inv(X))


def trace_inverse_grad(X):
    Xi = np.linalg.inv(X)
    return -(Xi @ Xi).T


def graphical(S, X):
    return np.trace(S @ X) - np.linalg.slogdet(X)[1]


def graphical_grad(S, X):
    return S - np.linalg.inv(X)


def exp_sum(A, x):
    return np.sum(np.exp(A @ x))


def exp_sum_grad(A, x):
    return A.T @ np.exp(A @ x)


def diag_quadratic(v, x):
    return x @ np.diag(v) @ x


def diag_quadratic_grad(v, x):
    return 2 * v * x


def kron_quadratic(A, B, x):
    return x @ np.kron(A, B) @ x


def kron_quadratic_grad(A, B, x):
    K = np.kron(A, B)
    return (K + K.T) @ x


UNKNOWN_PM1 = ("the prover does not turn y ⊘ (1 + exp(y ⊙ z)) into y ⊙ sigmoid(-y ⊙ z) (it proves that form: "
               "logistic_regression_pm1_labels)")

LS = {"A": ("m", "n"), "x": ("n",), "b": ("m",)}
REG = {"X": ("N", "p"), "w": ("p",), "y": ("N",)}
NET = {"W1": ("h", "n"), "W2": ("k", "h"), "x": ("n",), "y": ("k",)}
GAUSS = {"x": ("n",), "mu": ("n",), "S": ("n", "n")}

CASES = [
    Case("least_squares_x", ls_loss, "x", LS, ls_grad_x, {
        "missing factor": lambda A, x, b: A.T @ (A @ x - b),
        "wrong sign": lambda A, x, b: 2 * A.T @ (b - A @ x),
    }),
    Case("least_squares_A", ls_loss, "A", LS, ls_grad_A, {
        "missing transpose": lambda A, x, b: 2 * np.outer(x, A @ x - b),
        "missing factor": lambda A, x, b: np.outer(A @ x - b, x),
    }),
    Case("half_sse", half_sse, "w", REG, half_sse_grad, {
        "extra factor": lambda X, w, y: 2 * X.T @ (X @ w - y),
        "wrong sign": lambda X, w, y: X.T @ (y - X @ w),
    }),
    Case("frobenius_fit", frob_fit, "X", {"A": ("m", "n"), "X": ("n", "k"), "B": ("m", "k")}, frob_fit_grad, {
        "missing transpose": lambda A, X, B: 2 * (A @ X - B).T @ A,
        "missing factor": lambda A, X, B: A.T @ (A @ X - B),
    }),
    Case("ridge", ridge, "w", {**REG, "lam": ()}, ridge_grad, {
        "missing factor": lambda X, w, y, lam: 2 * X.T @ (X @ w - y) + lam * w,
        "wrong sign": lambda X, w, y, lam: 2 * X.T @ (X @ w - y) - 2 * lam * w,
    }),
    Case("ridge_default_lambda", ridge_fixed, "w", REG, ridge_fixed_grad, {
        "missing factor": lambda X, w, y, lam=0.1: 2 * X.T @ (X @ w - y) + lam * w,
    }),
    Case("weighted_least_squares", weighted_ls, "w", {**REG, "W": ("N", "N")}, weighted_ls_grad, {
        "missing factor": lambda X, w, y, W: X.T @ W @ (X @ w - y),
        "wrong sign": lambda X, w, y, W: 2 * X.T @ W @ (y - X @ w),
    }, properties={"W": ("symmetric",)}),
    Case("weighted_least_squares_general_W", weighted_ls, "w", {**REG, "W": ("N", "N")},
         lambda X, w, y, W: X.T @ (W + W.T) @ (X @ w - y), {
             "assumes W symmetric": weighted_ls_grad,
         }),
    Case("logistic_regression", logistic_nll, "w", REG, logistic_grad, {
        "wrong sign": lambda X, w, y: X.T @ (y - sigmoid(X @ w)),
        "labels flipped": lambda X, w, y: X.T @ (sigmoid(X @ w) - (1 - y)),
    }),
    Case("logistic_regression_pm1_labels", logistic_pm1, "w", REG, logistic_pm1_grad_sigmoid, {
        "wrong sign": lambda X, w, y: X.T @ (y * sigmoid(-y * (X @ w))),
        "sigmoid of the wrong sign": lambda X, w, y: -X.T @ (y * sigmoid(y * (X @ w))),
    }),
    Case("logistic_regression_pm1_labels_ratio_form", logistic_pm1, "w", REG, logistic_pm1_grad, {
        "wrong sign": lambda X, w, y: X.T @ (y / (1 + np.exp(y * (X @ w)))),
    }, unknown=UNKNOWN_PM1),
    Case("softplus", softplus_sum, "w", {"X": ("N", "p"), "w": ("p",)}, softplus_sum_grad, {
        "wrong sign inside": lambda X, w: X.T @ sigmoid(-X @ w),
    }),
    Case("softplus_ratio_form", softplus_sum, "w", {"X": ("N", "p"), "w": ("p",)}, softplus_sum_grad_ratio, {
        "missing normalisation": lambda X, w: X.T @ np.exp(X @ w),
        "wrong sign": lambda X, w: -X.T @ (np.exp(X @ w) / (1 + np.exp(X @ w))),
    }),
    Case("softmax_cross_entropy_logits", softmax_xent_logits, "z", {"z": ("k",), "y": ("k",)},
         softmax_xent_logits_grad, {
             "not normalised": lambda z, y: np.exp(z) - y,
             "wrong sign": lambda z, y: y - np.exp(z) / np.sum(np.exp(z)),
         }),
    Case("softmax_regression", softmax_regression, "W", {"W": ("k", "n"), "x": ("n",), "y": ("k",)},
         softmax_regression_grad, {
             "missing transpose": lambda W, x, y: np.outer(x, np.exp(W @ x) / np.sum(np.exp(W @ x)) - y),
             "wrong sign": lambda W, x, y: np.outer(y - np.exp(W @ x) / np.sum(np.exp(W @ x)), x),
         }),
    Case("poisson_regression", poisson_nll, "w", REG, poisson_grad, {
        "missing exp": lambda X, w, y: X.T @ (X @ w - y),
    }),
    Case("two_layer_net_W2", net_loss, "W2", NET, net_grad_W2, {
        "missing transpose": lambda W1, W2, x, y: np.outer(np.tanh(W1 @ x), W2 @ np.tanh(W1 @ x) - y),
    }),
    Case("two_layer_net_W1", net_loss, "W1", NET, net_grad_W1, {
        "missing tanh derivative": lambda W1, W2, x, y: np.outer(W2.T @ (W2 @ np.tanh(W1 @ x) - y), x),
        "wrong derivative of tanh": lambda W1, W2, x, y: np.outer(
            (W2.T @ (W2 @ np.tanh(W1 @ x) - y)) * (1 + np.tanh(W1 @ x) ** 2), x),
    }),
    Case("two_layer_net_x", net_loss, "x", NET, net_grad_x, {
        "missing tanh derivative": lambda W1, W2, x, y: W1.T @ (W2.T @ (W2 @ np.tanh(W1 @ x) - y)),
    }),
    Case("gaussian_nll_mean", gauss_nll_mu, "mu", GAUSS, gauss_nll_mu_grad, {
        "wrong sign": lambda x, mu, S: np.linalg.solve(S, x - mu),
        "missing inverse": lambda x, mu, S: -(S @ (x - mu)),
    }, properties={"S": ("spd",)}),
    Case("gaussian_nll_covariance", gauss_nll_cov, "S", GAUSS, gauss_nll_cov_grad, {
        "wrong sign": lambda x, mu, S: 0.5 * (np.linalg.inv(S) + np.linalg.inv(S) @ np.outer(x - mu, x - mu)
                                              @ np.linalg.inv(S)),
        "missing factor": lambda x, mu, S: np.linalg.inv(S) - np.linalg.inv(S) @ np.outer(x - mu, x - mu)
                                           @ np.linalg.inv(S),
    }, properties={"S": ("spd",)}),
    Case("gaussian_nll_precision", gauss_nll_precision, "P", {"x": ("n",), "mu": ("n",), "P": ("n", "n")},
         gauss_nll_precision_grad, {
             "wrong sign": lambda x, mu, P: 0.5 * np.outer(x - mu, x - mu) + 0.5 * np.linalg.inv(P),
         }, properties={"P": ("spd",)}),
    Case("trace_AXB", trace_axb, "X", {"A": ("n", "n"), "X": ("n", "n"), "B": ("n", "n")}, trace_axb_grad, {
        "missing transpose": lambda A, X, B: B @ A,
        "transposes swapped": lambda A, X, B: B.T @ A.T,
    }),
    Case("trace_quadratic", trace_quadratic, "X", {"A": ("n", "n"), "X": ("n", "k")}, trace_quadratic_grad, {
        "missing transpose": lambda A, X: 2 * A @ X,
    }),
    Case("quadratic_form", quadratic_form, "x", {"A": ("n", "n"), "x": ("n",)}, quadratic_form_grad, {
        "missing transpose": lambda A, x: 2 * A @ x,
        "missing factor": lambda A, x: A @ x,
    }),
    Case("logdet", logdet, "X", {"X": ("n", "n")}, logdet_grad, {
        "missing transpose": lambda X: np.linalg.inv(X),
        "wrong sign": lambda X: -np.linalg.inv(X).T,
    }, properties={"X": ("invertible",)}),
    Case("log_of_det", log_of_det, "X", {"X": ("n", "n")}, logdet_grad, {
        "missing transpose": lambda X: np.linalg.inv(X),
    }, properties={"X": ("invertible",)}),
    Case("det", det, "X", {"X": ("n", "n")}, det_grad, {
        "missing transpose": lambda X: np.linalg.det(X) * np.linalg.inv(X),
    }, properties={"X": ("invertible",)}),
    Case("trace_inverse", trace_inverse, "X", {"X": ("n", "n")}, trace_inverse_grad, {
        "missing transpose": lambda X: -np.linalg.inv(X) @ np.linalg.inv(X),
        "wrong sign": lambda X: (np.linalg.inv(X) @ np.linalg.inv(X)).T,
    }, properties={"X": ("invertible",)}),
    Case("graphical_lasso_smooth_part", graphical, "X", {"S": ("n", "n"), "X": ("n", "n")}, graphical_grad, {
        "wrong sign": lambda S, X: S + np.linalg.inv(X),
    }, properties={"S": ("symmetric",), "X": ("spd",)}),
    Case("exp_sum", exp_sum, "x", {"A": ("n", "n"), "x": ("n",)}, exp_sum_grad, {
        "missing transpose": lambda A, x: A @ np.exp(A @ x),
    }),
    Case("diagonal_quadratic", diag_quadratic, "x", {"v": ("n",), "x": ("n",)}, diag_quadratic_grad, {
        "missing factor": lambda v, x: v * x,
    }),
    Case("kronecker_quadratic", kron_quadratic, "x", {"A": ("m", "m"), "B": ("n", "n"), "x": ("m n",)},
         kron_quadratic_grad, {
             "missing transpose": lambda A, B, x: 2 * np.kron(A, B) @ x,
         }),
]
