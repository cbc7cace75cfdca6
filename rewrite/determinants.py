"""Determinants in `derive`: split before differentiating, joined again in the answer.

`d-det` writes `d(det(M)) = det(M) tr(M⁻¹ d(M))`, which assumes `M` invertible. For
`det(A X B)` with `A`, `B` not known invertible that assumption is more than the gradient
needs: split by `det-mul` into `det(A) det(X) det(B)`, only the varying factor is inverted,
and the answer `det(A X B) X⁻ᵀ` is joined again by `det-mul` backwards. Every change is a
certificate step. Imports: `kernel`, `rewriting`, `syntax`, `errors`.
"""

from __future__ import annotations

from functools import reduce

from . import syntax as S
from .errors import BudgetError
from .kernel import LINEAR, Context, Step
from .rewriting import Rewriter, same_normal_form


def prepare(rw: Rewriter, df: S.Expr, wrt: str, hypotheses: tuple
            ) -> tuple[S.Expr, list[Step], tuple, list[tuple[S.Expr, S.Expr]]]:
    """`d(f)` with each `det` that varies made ready for `d-det`, and the steps to it.

    A determinant of a product of square factors not known invertible is split first
    (`det-mul`), so that only the factors that vary need be invertible: `det(A X B)` with
    singular `A`, `B` has the gradient det(A) det(B) det(X) X⁻ᵀ. Then each argument `M` that
    varies is brought to its one-way form: rewriting goes outermost first, so `d(det(M))`
    would become `det(M) tr(M⁻¹ d(M))` before `M` is rewritten, and the `M⁻¹` the answer
    keeps (whose invertibility the statement then assumes) would be another spelling of `M`
    than the step's. A hypothesis `M invertible` holds for the one-way form too (it is equal).
    Also returned: the splits `(P, Q)` in the order made, in the forms the answer writes,
    for `join`."""
    df, steps, splits = split(rw.context, df, wrt)
    extra, reduced = [], {}
    sites = [p + (0,) for p, t in S.subterms(df) if isinstance(t, S.Call) and t.fn == "det" and wrt in S.free_names(t)]
    for at in sorted(sites, key=len, reverse=True):  # the innermost first: an outer one contains it
        m = S.at_path(df, at)
        try:
            nm, local = rw.reduce(m, inside=True)
        except BudgetError:
            continue
        for s in local:
            df = S.replace_at(df, at, s.term)
            steps.append(Step(s.rule, s.forward, at + s.at, df))
        extra += [(w, nm) for w, h in hypotheses if h == m and nm != m]
        reduced[m] = nm

    def written(t: S.Expr) -> S.Expr:  # a split product as its factors are written now
        return reduced.get(t) or (S.Mul(written(t.left), written(t.right)) if t in products else t)

    products = {S.Mul(p, q) for p, q in splits}
    return df, steps, hypotheses + tuple(extra), [(written(p), written(q)) for p, q in splits]


def split(context: Context, e: S.Expr, wrt: str) -> tuple[S.Expr, list[Step], list[tuple[S.Expr, S.Expr]]]:
    """`e` with every varying `det(P Q)` of square `P`, `Q` whose product is not known
    invertible written `det(P) det(Q)`, the `det-mul` steps to it, and the pairs split."""
    steps: list[Step] = []
    splits: list[tuple[S.Expr, S.Expr]] = []
    for _ in range(1000):  # each split makes a det smaller: this ends long before
        for at, t in S.subterms(e):
            if isinstance(t, S.Call) and t.fn == "det" and isinstance(t.args[0], S.Mul) and wrt in S.free_names(t):
                p, q = t.args[0].left, t.args[0].right
                if context.shape(p).is_square and context.shape(q).is_square \
                        and not context.holds("invertible", t.args[0]):
                    e = S.replace_at(e, at, S.Mul(S.Call("det", (p,)), S.Call("det", (q,))))
                    steps.append(Step("det-mul", True, at, e))
                    splits.append((p, q))
                    break
        else:
            break
    return e, steps, splits


def join(context: Context, g: S.Expr, splits: list[tuple[S.Expr, S.Expr]], wrap
         ) -> tuple[S.Expr, list[Step]]:
    """The determinants `split` split, joined again where both stand as factors of
    `g`'s product, the last split first (a person writes det(A X B) X⁻ᵀ, not
    det(B) det(A) det(X) X⁻ᵀ): a `linear` step brings the two to the front, `det-mul`
    backwards joins them. `wrap` puts `g` in its place in the chain's last term."""
    steps: list[Step] = []
    for p, q in reversed(splits):
        factors = _factors(g)
        dp, dq = S.Call("det", (p,)), S.Call("det", (q,))
        if dp not in factors or dq not in factors or dp == dq:
            continue
        factors.remove(dp)
        factors.remove(dq)
        pair = S.Mul(dp, dq)
        front = pair if not factors else S.Mul(pair, reduce(S.Mul, factors))
        if not same_normal_form(context, g, front):
            continue
        g = S.Call("det", (S.Mul(p, q),)) if not factors else S.Mul(S.Call("det", (S.Mul(p, q),)), front.right)
        steps += [Step(LINEAR, True, (0,), wrap(front)), Step("det-mul", False, (0,) if not factors else (0, 0), wrap(g))]
    return g, steps


def _factors(e: S.Expr) -> list[S.Expr]:
    return _factors(e.left) + _factors(e.right) if isinstance(e, S.Mul) else [e]
