"""rewrite: a proof checker for matrix calculus.

Claims about matrix expressions are parsed and shape-checked, proved by equality
saturation (egglog) over the rule base in `rules/`, certified by a chain of rule steps
that a small kernel replays, and spot-checked numerically.

From Python: declare names with `Mat`, `Vec`, `Scalar`, build terms with operators and
the language's functions, and call `prove(lhs, rhs)` or `simplify(expr)`.
"""

from .api import (
    Mat, Proof, Scalar, Term, Unknown, Vec, d, det, diag, exp, eye, frob, grad, hadamard, hess, inv,
    jac, kron, log, logdet, norm, norm2, ones, prove, sigmoid, simplify, sqrt, sum, tanh, tr, vec,
    zeros,
)
from .check import Checker, Result, Settings, check_file
from .errors import BudgetError, ParseError, RewriteError, RuleError, ShapeError
from .kernel import CheckError
from .parse import parse_expr, parse_file

# `sum` is importable by name (`from rewrite import sum`) but left out of `import *`,
# which would shadow the builtin.
__all__ = [
    "Mat", "Vec", "Scalar", "Term", "prove", "simplify", "Proof", "Unknown",
    "tr", "det", "logdet", "inv", "norm", "norm2", "diag", "vec", "exp", "log", "sqrt", "sigmoid",
    "tanh", "d", "grad", "jac", "hess", "hadamard", "kron", "frob", "ones", "zeros", "eye",
    "Checker", "Result", "Settings", "check_file",
    "RewriteError", "ParseError", "ShapeError", "RuleError", "BudgetError", "CheckError",
    "parse_expr", "parse_file",
]
