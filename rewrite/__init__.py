"""rewrite: a proof checker for matrix calculus.

Claims about matrix expressions are parsed and shape-checked, proved by equality
saturation (egglog) over the rule base in `rules/`, certified by a chain of rule steps
that a small kernel replays, and spot-checked numerically.
"""

from .check import Checker, Result, Settings, check_file
from .errors import ParseError, RewriteError, RuleError, ShapeError
from .parse import parse_expr, parse_file

__all__ = [
    "Checker", "Result", "Settings", "check_file",
    "ParseError", "RewriteError", "RuleError", "ShapeError",
    "parse_expr", "parse_file",
]
