"""rewrite: a proof checker for matrix calculus.

Claims about matrix expressions are parsed and shape-checked, proved by equality
saturation (egglog) over the rule base in `rules/`, certified by a chain of rule steps
that a small kernel replays, and spot-checked numerically.

From Python: declare names with `Mat`, `Vec`, `Scalar`, build terms with operators and
the language's functions, and call `prove(lhs, rhs)`, `simplify(expr)` or `derive(f, X)` (whose
result also writes itself as numpy, JAX or PyTorch code: `derive(f, X).to_python()`).
For code: `check_gradient(loss, grad, wrt=..., shapes=...)` traces numpy or JAX functions
and checks the gradient the same way (`check_equal`, `trace`; `rewrite.testing` for tests).
"""

from . import printing as _printing  # noqa: F401  (expressions typeset in notebooks)
from . import render as _render  # noqa: F401  (results shown in notebooks)
from .errors import BudgetError, ParseError, RewriteError, RuleError, ShapeError, TraceError
from .kernel import CheckError


def __getattr__(name: str):
    """The builders, the parser and the checker load lark, numpy and egglog on first use
    only: the kernel and `rewrite verify` must run without them."""
    if name in ("Checker", "Result", "Settings", "check_file"):
        from . import check
        return getattr(check, name)
    if name in ("parse_expr", "parse_file"):  # lark, loaded on first use: `verify` runs without it
        from . import parse
        return getattr(parse, name)
    if name in ("check_gradient", "check_equal", "trace"):
        from . import codecheck
        return getattr(codecheck, name)
    if name in __all__ or name == "sum":
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'rewrite' has no attribute '{name}'")


# `sum` is importable by name (`from rewrite import sum`) but left out of `import *`,
# which would shadow the builtin.
__all__ = [
    "Mat", "Vec", "Scalar", "Term", "prove", "simplify", "derive", "Derivation", "Proof", "NotProved",
    "tr", "det", "logdet", "inv", "norm", "norm2", "diag", "vec", "exp", "log", "sqrt", "sigmoid",
    "tanh", "d", "grad", "jac", "hess", "symgrad", "hadamard", "kron", "frob", "ones", "zeros", "eye", "size",
    "Checker", "Result", "Settings", "check_file", "check_gradient", "check_equal", "trace",
    "RewriteError", "ParseError", "ShapeError", "RuleError", "BudgetError", "CheckError", "TraceError",
    "parse_expr", "parse_file",
]
