"""A derived formula written the way a person writes it.

`rewrite grad` reads a gradient off a normal form, which is correct but not always how
anyone would write it: `Aᵀ (2 (A x - b))`, `λ (-(2 w))`, `x : y` for column vectors.
`tidy` moves numerals to the front of products, signs out of products, writes `xᵀ y` for
the Frobenius product of two columns and products left to right. Every change is a ring
law, so the kernel accepts the result by a single `linear` step (and checks it).
Imports: `syntax`, `shapes`, `document`, `errors`, `sizes`.
"""

from __future__ import annotations

import math

from . import document as doc
from . import syntax as S
from .errors import RewriteError
from .shapes import elaborate_statement, infer
from .sizes import Env, zero


def tidy(e: S.Expr, env: Env) -> S.Expr:
    """`e` rewritten bottom-up until nothing changes (each pass shrinks or reorders)."""
    for _ in range(100):
        new = _pass(e, env)
        if new == e:
            return e
        e = new
    return e


def _pass(e: S.Expr, env: Env) -> S.Expr:
    kids = e.children()
    if kids:
        e = e.with_children(tuple(_pass(k, env) for k in kids))
    match e:
        case S.Neg(S.Neg(a)):
            return a
        case S.Mul(a, S.Div(b, c)):  # a (b / s) → a b / s
            return S.Div(S.Mul(a, b), c)
        case S.Mul(S.Div(a, c), b):  # (a / s) b → a b / s
            return S.Div(S.Mul(a, b), c)
        case S.Neg(S.Div(a, c)):
            return S.Div(S.Neg(a), c)
        case S.Call("tr", (a,)) if _negated(a) is not None:  # tr(-A) → -tr(A): signs out of traces
            return S.Neg(S.Call("tr", (_negated(a),)))
        case S.Neg(S.Mul()) | S.Mul():
            return _product(e, env)
        case S.Div(a, S.Num() as c) if c.value and _numeral(_factors(a, env)[0]) is not None:
            return _product(S.Mul(S.Num(1 / c.value), a), env)
        case S.Div(S.Mul() as a, S.Mul() as b) if _factors(a, env)[0] and _factors(b, env)[0] != 1:
            (ca, fa), (cb, fb) = _factors(a, env), _factors(b, env)
            return _product(S.Mul(S.Num(1) if ca == cb else _number(ca / cb), S.Div(_rebuild(1, fa), _rebuild(1, fb))), env)
        case S.Add(a, b) | S.Sub(a, b) if _zero(b):
            return a
        case S.Add(a, b) if _zero(a):
            return b
        case S.Sub(a, b) if _zero(a):
            return S.Neg(b)
        case S.Add() | S.Sub() if (collected := _collect(e, env)) is not None:
            return collected
        case S.Add() | S.Sub() if (common := _common_numeral(e, env)) is not None:
            return common
        case S.Add() | S.Sub() if (common := _common_factor(e, env)) is not None:
            return common
        case S.Add() | S.Sub() if (common := _common_divisor(e, env)) is not None:
            return common
        case S.Add() | S.Sub() if (common := _common_last(e, env)) is not None:
            return common
        case S.Sub(a, S.Mul(f, S.Sub(S.Var() as p, q))) if _numeral(f) is None and not isinstance(q, S.Var):
            # a - F (t - Φ w) → a + F (Φ w - t): a residual is written prediction minus target
            return S.Add(a, S.Mul(f, S.Sub(q, p)))
        case S.Hadamard(a, S.Hadamard(b, c)):  # a ⊙ (b ⊙ c) → a ⊙ b ⊙ c
            return S.Hadamard(S.Hadamard(a, b), c)
        case S.Hadamard(a, b) if _factors(a, env)[0] != 1 or _factors(b, env)[0] != 1:
            (ca, fa), (cb, fb) = _factors(a, env), _factors(b, env)
            if fa and fb:  # (2 a) ⊙ b → 2 (a ⊙ b)
                return _rebuild(ca * cb, [S.Hadamard(_rebuild(1, fa), _rebuild(1, fb))])
        case S.Add(a, b) if _negated(b) is not None:
            return S.Sub(a, _negated(b))
        case S.Sub(a, b) if _negated(b) is not None:
            return S.Add(a, _negated(b))
        case S.Add(a, b) if _negated(a) is not None:
            return S.Sub(b, _negated(a))
        case S.Ones() if _scalar(e, env):
            return S.Num(1)
        case S.SizeOf(S.Dim(factors)) if all(isinstance(f, int) for f in factors):  # ones(k) : ones(k) is k⋅1
            return S.Num(math.prod(factors))
        case S.Add(S.Transpose(a), S.Transpose(b)):  # aᵀ + bᵀ → (a + b)ᵀ
            return S.Transpose(S.Add(a, b))
        case S.Sub(S.Transpose(a), S.Transpose(b)):
            return S.Transpose(S.Sub(a, b))
        case S.Frob(a, b) if _column(a, env) and _column(b, env):  # x : y → xᵀ y
            return S.Mul(S.Transpose(a), b)
    return e


def _factors(e: S.Expr, env: Env) -> tuple:
    """A product as (numeral coefficient, [other factors in order]); a 1×1 sub-product of a
    matrix product stays one factor (`2 (xᵀ y) y`, not `2 xᵀ y y`)."""
    c = _numeral(e)
    if c is not None:
        return c, []
    if isinstance(e, S.Neg):
        c, rest = _factors(e.arg, env)
        return -c, rest
    if isinstance(e, S.Mul):
        out_c, out = 1, []
        for k in (e.left, e.right):
            if isinstance(k, (S.Mul, S.Neg)):
                c, rest = _factors(k, env)
                if _scalar(k, env) and not _scalar(e, env) and len(rest) > 1:
                    if all(_scalar(f, env) for f in rest):  # scalars commute: names first (`t σ(z) x`)
                        rest = sorted(rest, key=lambda f: not isinstance(f, S.Var))
                    else:
                        rest = [_rebuild(1, rest)]  # the numeral leaves the group, the group stays
            else:
                c, rest = (_numeral(k), []) if _numeral(k) is not None else (1, [k])
            out_c, out = out_c * c, out + rest
        return out_c, out
    return 1, [e]


def _numeral(e: S.Expr):
    if isinstance(e, S.Num):
        return e.value
    if isinstance(e, S.Neg) and isinstance(e.arg, S.Num):
        return -e.arg.value
    return None


def _number(c) -> S.Expr:
    return S.Num(c) if c >= 0 else S.Neg(S.Num(-c))


def _rebuild(c, factors: list[S.Expr]) -> S.Expr:
    """The product with its coefficient in front, read left to right (`-2 Σ⁻¹ (x - μ)`)."""
    if not factors:
        return _number(c)
    out = factors[0]
    if c == -1:
        out = S.Neg(out)
    elif c != 1:
        out = S.Mul(_number(c), out)
    for f in factors[1:]:
        out = S.Mul(out, f)
    return out


def _product(e: S.Expr, env: Env) -> S.Expr:
    """The product with its numerals in front, `X⁻¹ X` and `I` cancelled, and `F F` as `F²`."""
    c, factors = _factors(e, env)
    if any(not _scalar(f, env) and not isinstance(f, S.Identity) for f in factors):
        factors = [f for f in factors if not isinstance(f, S.Identity)]  # X⁻ᵀ I → X⁻ᵀ
    half = len(factors) // 2
    if half > 1 and factors[:half] == factors[half:] and _scalar(_rebuild(1, factors[:half]), env):
        return _rebuild(c, [S.Power(_rebuild(1, factors[:half]), 2)])  # xᵀ x xᵀ x → (xᵀ x)²
    out: list[S.Expr] = []
    for f in factors:
        if out and (_inverse_of(out[-1], f) or _inverse_of(f, out[-1])):
            out.pop()
        elif out and out[-1] == f and infer(f, env).is_square:
            out[-1] = S.Power(f, 2)
        else:
            out.append(f)
    if not out and factors:  # everything cancelled: the identity of that size
        out = [S.Identity(infer(factors[0], env).rows.to_dim())]
    return _rebuild(c, out)


def _inverse_of(a: S.Expr, b: S.Expr) -> bool:
    """Whether `a` is `b⁻¹` (or `a` is `X⁻ᵀ` and `b` is `Xᵀ`)."""
    if isinstance(a, S.Transpose) and isinstance(b, S.Transpose):
        a, b = a.arg, b.arg
    return isinstance(a, S.Inverse) and a.arg == b


def _negated(e: S.Expr) -> S.Expr | None:
    """`x` for `-x`, and `y b` for `(-y) b`: the term without its leading minus."""
    if isinstance(e, S.Neg):
        return e.arg
    if isinstance(e, S.Mul):
        inner = _negated(e.left)
        return None if inner is None else (e.right if inner == S.Num(1) else S.Mul(inner, e.right))
    return None


def _terms(e: S.Expr, sign: int = 1) -> list[tuple[int, S.Expr]]:
    if isinstance(e, S.Add):
        return _terms(e.left, sign) + _terms(e.right, sign)
    if isinstance(e, S.Sub):
        return _terms(e.left, sign) + _terms(e.right, -sign)
    return [(sign, e)]


def _sum(terms: list[tuple]) -> S.Expr:
    """(coefficient, factors) pairs written as a sum, a negative coefficient as a minus."""
    out = _rebuild(*terms[0])
    for c, factors in terms[1:]:
        out = S.Add(out, _rebuild(c, factors)) if c > 0 else S.Sub(out, _rebuild(-c, factors))
    return out


def _signed(terms: list[tuple]) -> S.Expr:
    """(sign, term) pairs written as a sum, a negative sign as a minus (`_sum` for terms
    already built)."""
    (c, out), rest = terms[0], terms[1:]
    out = out if c > 0 else S.Neg(out)
    for c, t in rest:
        out = S.Add(out, t) if c > 0 else S.Sub(out, t)
    return out


def _common_factor(e: S.Expr, env: Env) -> S.Expr | None:
    """`A b - A c` as `A (b - c)`, `B X + C X` as `(B + C) X`: a factor every term starts
    (or ends) with, taken out once."""
    terms = [(sign * c, f) for sign, t in _terms(e) for c, f in [_factors(t, env)]]
    if any(len(f) < 2 for _, f in terms):
        return None
    first, last = terms[0][1][0], terms[0][1][-1]
    if all(f[0] == first for _, f in terms):
        rest = [(c, f[1:]) for c, f in terms]
        out = S.Mul(first, _sum(rest))
    elif all(f[-1] == last for _, f in terms):
        rest = [(c, f[:-1]) for c, f in terms]
        out = S.Mul(_sum(rest), last)
    else:
        return None
    # the terms left must be alike in shape (not `(Σ - λ) w` for `Σ w - λ w`)
    shapes = {infer(_rebuild(1, f), env) for _, f in rest}
    return out if len(shapes) == 1 else None


def _common_divisor(e: S.Expr, env: Env) -> S.Expr | None:
    """`a / s - b / s / t` as `(a - b / t) / s`: a divisor every term has, taken out once
    (the normaliser of a Jacobian, `(I - x xᵀ / (xᵀ x)) / ‖x‖`)."""
    terms = _terms(e)
    divisors = [_divisors(t, env) for _, t in terms]
    shared = [d for d in divisors[0] if all(d in ds for ds in divisors[1:])]
    if not shared:
        return None
    return S.Div(_signed([(sign, _without_divisor(t, shared[0], env)) for sign, t in terms]), shared[0])


def _common_last(e: S.Expr, env: Env) -> S.Expr | None:
    """`t xᵀ - a xᵀ / s` as `(t - a / s) xᵀ`: a last factor (not 1×1) every term ends with,
    a quotient's numerator included; `_common_factor` does the sums without quotients."""
    parts = []
    for sign, t in _terms(e):
        divisor = None
        if isinstance(t, S.Div):
            t, divisor = t.left, t.right
        c, fs = _factors(t, env)
        if len(fs) < 2:
            return None
        parts.append((sign * c, fs[:-1], fs[-1], divisor))
    last = parts[0][2]
    if _scalar(last, env) or all(d is None for *_, d in parts) or any(p[2] != last for p in parts):
        return None
    if len({infer(_rebuild(1, fs), env) for _, fs, _, _ in parts}) != 1:
        return None
    terms = []
    for c, fs, _, d in parts:
        t = _rebuild(abs(c), fs)
        terms.append((c, S.Div(t, d) if d is not None else t))
    return S.Mul(_signed(terms), last)


def _divisors(e: S.Expr, env: Env) -> list[S.Expr]:
    """What `e` is divided by, a product of 1×1 factors also by each factor."""
    if not isinstance(e, S.Div):
        return []
    groups = _scalar_groups(e.right, env)
    return [e.right, *(groups if len(groups) > 1 else []), *_divisors(e.left, env)]


def _scalar_groups(d: S.Expr, env: Env) -> list[S.Expr]:
    """A 1×1 product as its 1×1 factors, in order: `‖x‖ xᵀ x` → `‖x‖`, `xᵀ x`."""
    flat, groups, run = _flatten(d), [], []
    for f in flat:
        run.append(f)
        product = _rebuild(1, run)
        if _scalar(product, env):
            groups.append(product)
            run = []
    return groups if not run else [d]


def _flatten(e: S.Expr) -> list[S.Expr]:
    return _flatten(e.left) + _flatten(e.right) if isinstance(e, S.Mul) else [e]


def _without_divisor(e: S.Expr, d: S.Expr, env: Env) -> S.Expr:
    assert isinstance(e, S.Div)
    if e.right == d:
        return e.left
    groups = _scalar_groups(e.right, env)
    if d in groups:
        groups.remove(d)
        return S.Div(e.left, _rebuild(1, groups))
    return S.Div(_without_divisor(e.left, d, env), e.right)


def _common_numeral(e: S.Expr, env: Env) -> S.Expr | None:
    """`2 a - 2 b` as `2 (a - b)`: a numeral every term has, taken out once."""
    terms = [(sign, *_factors(t, env)) for sign, t in _terms(e)]
    c = abs(terms[0][1])
    if c in (0, 1) or any(abs(tc) != c or not f for _, tc, f in terms):
        return None
    return S.Mul(_number(c), _sum([(1 if sign * tc > 0 else -1, f) for sign, tc, f in terms]))


def _collect(e: S.Expr, env: Env) -> S.Expr | None:
    """The sum with like terms gathered (`t + (1 - t)` → `1`, `2 x + x` → `3 x`), the
    terms left in the order they came; None if no two terms are alike."""
    gathered: list[list] = []  # [coefficient, factors]
    for sign, term in _terms(e):
        c, factors = _factors(term, env)
        for g in gathered:
            if factors and g[1] == factors:
                g[0] += sign * c
                break
        else:
            gathered.append([sign * c, factors])
    if len(gathered) == len(_terms(e)):
        return None
    kept = [g for g in gathered if g[0] != 0]
    if not kept:
        s = infer(e, env)
        return zero(s)
    return _sum(kept)


def _zero(e: S.Expr) -> bool:
    return isinstance(e, S.Zeros) or e == S.Num(0)


def _scalar(e: S.Expr, env: Env) -> bool:
    return infer(e, env).is_scalar


def _column(e: S.Expr, env: Env) -> bool:
    s = infer(e, env)
    return s.cols.is_one and not s.rows.is_one


def squared_norm(e: S.Expr, env: Env) -> tuple[S.Path, S.Expr, bool] | None:
    """Where `e` writes `aᵀ a` (or `-aᵀ a`) for a column `a` that is a sum or difference,
    `a`, and whether negated: a person writes ‖x - z‖², not (x - z)ᵀ (x - z) (a name's `xᵀ x`
    stays). Not in a divisor: what a statement divides by it assumes invertible, and
    ‖a‖² is another term than the aᵀ a its proof divides by. Not a ring law: the caller
    cites `norm2-def` backwards for it."""
    def walk(t: S.Expr, path: S.Path):
        match t:
            case S.Mul(S.Transpose(a) | S.Neg(S.Transpose(a)) as left, S.Add() | S.Sub() as b) \
                    if a == b and _column(b, env):
                return path, b, isinstance(left, S.Neg)
        for i, k in enumerate(t.children()):
            if isinstance(t, S.Inverse) or isinstance(t, S.Div) and i == 1:
                continue
            found = walk(k, path + (i,))
            if found is not None:
                return found
        return None

    return walk(e, ())


def unsized(e: S.Expr, other_side: S.Expr, env: Env) -> S.Expr:
    """`e` with `I`, `0` and `ones` written without sizes, if the statement `other_side = e`
    gives them back (`det(s I - A)`, not `det(s I(n) - A)`)."""
    bare = strip_sizes(e)
    try:
        _, back, _ = elaborate_statement(doc.Statement("claim", "", other_side, bare), env)
    except RewriteError:
        return e
    return bare if back == e else e


def strip_sizes(e: S.Expr) -> S.Expr:
    """`e` with `I`, `ones` and zero matrices written bare (`I`, `ones`, `0`)."""
    if isinstance(e, S.Identity):
        return S.Identity()
    if isinstance(e, S.Ones):
        return S.Ones()
    if isinstance(e, S.Zeros):
        return S.Num(0)
    kids = e.children()
    return e.with_children(tuple(strip_sizes(k) for k in kids)) if kids else e
