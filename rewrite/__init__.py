"""rewrite: a proof checker for matrix calculus.

Claims about matrix expressions are parsed and shape-checked, proved by equality
saturation (egglog) over the rule base in `rules/`, certified by a chain of rule steps
that a small kernel replays, and spot-checked numerically.

From Python: declare names with `Mat`, `Vec`, `Scalar`, build terms with operators and
the language's functions, and call `prove(lhs, rhs)`, `simplify(expr)` or `derive(f, X)` (whose
result also writes itself as numpy, JAX or PyTorch code: `derive(f, X).to_python()`).
"""

from .errors import BudgetError, ParseError, RewriteError, RuleError, ShapeError
from .kernel import CheckError
from .parse import parse_expr, parse_file


def __getattr__(name: str):
    """The builders and the checker load the search, hence egglog, on first use only: the
    kernel and `rewrite verify` must run without it."""
    if name in ("Checker", "Result", "Settings", "check_file"):
        from . import check
        return getattr(check, name)
    if name in __all__ or name == "sum":
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'rewrite' has no attribute '{name}'")


# `sum` is importable by name (`from rewrite import sum`) but left out of `import *`,
# which would shadow the builtin.
__all__ = [
    "Mat", "Vec", "Scalar", "Term", "prove", "simplify", "derive", "Derivation", "Proof", "Unknown",
    "tr", "det", "logdet", "inv", "norm", "norm2", "diag", "vec", "exp", "log", "sqrt", "sigmoid",
    "tanh", "d", "grad", "jac", "hess", "hadamard", "kron", "frob", "ones", "zeros", "eye",
    "Checker", "Result", "Settings", "check_file",
    "RewriteError", "ParseError", "ShapeError", "RuleError", "BudgetError", "CheckError",
    "parse_expr", "parse_file",
]
