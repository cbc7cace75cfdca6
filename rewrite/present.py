"""A derived formula written the way a person writes it.

`rewrite grad` reads a gradient off a normal form, which is correct but not always how
anyone would write it: `Aᵀ (2 (A x - b))`, `λ (-(2 w))`, `x : y` for column vectors.
`tidy` moves numerals to the front of products, signs out of products, writes `xᵀ y` for
the Frobenius product of two columns and products left to right. Every change is a ring
law, so the kernel accepts the result by a single `linear` step (and checks it).
Imports: `syntax`, `shapes`.
"""

from __future__ import annotations

from . import syntax as S
from .errors import RewriteError
from .shapes import Env, check_statement, infer


def tidy(e: S.Expr, env: Env) -> S.Expr:
    """`e` rewritten bottom-up until nothing changes."""
    while True:
        new = _pass(e, env)
        if new == e:
            return e
        e = new


def _pass(e: S.Expr, env: Env) -> S.Expr:
    kids = e.children()
    if kids:
        e = e.with_children(tuple(_pass(k, env) for k in kids))
    match e:
        case S.Mul(S.Neg(a), b) | S.Mul(a, S.Neg(b)):  # -a b, a (-b)  →  -(a b)
            return S.Neg(S.Mul(a, b))
        case S.Mul(a, S.Num() as c) if not isinstance(a, S.Num):  # a 2  →  2 a
            return S.Mul(c, a)
        case S.Mul(a, S.Mul(S.Num() as c, b)) if not isinstance(a, S.Num):  # a (2 b)  →  2 a b
            return S.Mul(S.Mul(c, a), b)
        case S.Mul(a, S.Mul(b, c)):  # products read left to right
            return S.Mul(S.Mul(a, b), c)
        case S.Add(a, S.Neg(b)):
            return S.Sub(a, b)
        case S.Sub(a, S.Neg(b)):
            return S.Add(a, b)
        case S.Add(S.Neg(a), b):
            return S.Sub(b, a)
        case S.Neg(S.Neg(a)):
            return a
        case S.Frob(a, b) if _column(a, env) and _column(b, env):  # x : y  →  xᵀ y
            return S.Mul(S.Transpose(a), b)
    return e


def _column(e: S.Expr, env: Env) -> bool:
    s = infer(e, env)
    return s.cols.is_one and not s.rows.is_one


def unsized(e: S.Expr, other_side: S.Expr, env: Env) -> S.Expr:
    """`e` with `I`, `0` and `ones` written without sizes, if the statement `other_side = e`
    gives them back (`det(s I - A)`, not `det(s I(n) - A)`)."""
    bare = _strip(e)
    try:
        _, back, _ = check_statement(S.Statement("claim", "", other_side, bare), env)
    except RewriteError:
        return e
    return bare if back == e else e


def _strip(e: S.Expr) -> S.Expr:
    if isinstance(e, S.Identity):
        return S.Identity()
    if isinstance(e, S.Ones):
        return S.Ones()
    if isinstance(e, S.Zeros):
        return S.Num(0)
    kids = e.children()
    return e.with_children(tuple(_strip(k) for k in kids)) if kids else e
