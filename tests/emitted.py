"""Running emitted modules against the project's own numbers (shared by the codegen tests).

`agreement` draws sizes and values as the numeric check does (`numeric.draw_sizes`,
`draw_values`: properties honoured, positive values where a function needs them), calls
the emitted function with the interface's arrays (vectors 1-D, 1×1 values floats) and
compares what it returns with `numeric.evaluate` of the same expression: the derivative
itself (`grad(f, x)`, by complex steps), not the formula the code was made from.
"""

from __future__ import annotations

import numpy as np

from rewrite import numeric
from rewrite import syntax as S
from rewrite.codegen import kind_of
from rewrite.shapes import elaborate
from rewrite.sizes import Env


def interface(a: np.ndarray, kind: str, convert=lambda a: a):
    """A 2-D value of the numeric check as the emitted function takes it."""
    if kind == "scalar":
        return float(a[0, 0])
    if kind == "col":
        return convert(a[:, 0])
    if kind == "row":
        return convert(a[0, :])
    return convert(a)


def draws(exprs: list[S.Expr], env: Env, seeds: range):
    """(sizes, values) for each seed whose values are in every expression's domain."""
    used = frozenset().union(*map(S.free_names, exprs))
    drawn = Env({k: v for k, v in env.items() if k in used})
    dims = drawn.dims | {f for e in exprs for _, t in S.subterms(e)
                         for d in ((t.size,) if isinstance(t, S.Identity) else (t.rows, t.cols)
                                   if isinstance(t, (S.Ones, S.Zeros)) else ())
                         if d is not None for f in d.factors if isinstance(f, str)}
    for seed in seeds:
        rng = np.random.default_rng(seed)
        sizes = numeric.draw_sizes(dims, rng, seed)
        for positive in (False, True):
            values = numeric.draw_values(drawn, sizes, rng, positive=positive)
            try:
                refs = [numeric.evaluate(e, values, sizes) for e in exprs]
            except numeric.DomainError:
                continue
            if all(np.isfinite(r).all() for r in refs):
                yield sizes, values, refs
                break


def agreement(fn, f: S.Expr, x: S.Expr, kind: str, env: Env, names: list[str], *, seeds=range(2),
              convert=lambda a: a, value: bool = False, sizes: dict[str, str] | None = None) -> int:
    """Call `fn` (parameters `names`, and the keywords `sizes` maps dimension names to) at
    random draws and assert it returns the derivative (and with `value`, also `f`) as the
    numeric check computes it; the number of draws."""
    derivative, _ = elaborate(S.Call(kind, (f, x)), env)
    f_elab, _ = elaborate(f, env)
    checked = 0
    for drawn, values, refs in draws([derivative, f_elab], env, seeds):
        args = [interface(values[n], kind_of(env[n].shape), convert) for n in names]
        out = fn(*args, **{spelled: drawn[d] for d, spelled in (sizes or {}).items()})
        got = out if value else (None, out)
        for reference, result, levels in ((refs[0], got[1], 1 if kind == "hess" else 0), (refs[1], got[0], 0)):
            if result is None:
                continue
            result = np.asarray(result, dtype=float)
            assert result.size == reference.size, (result.shape, reference.shape)
            result = result.reshape(reference.shape)
            scale = max(1.0, float(np.abs(reference).max()))
            error = float(np.abs(result - reference.real).max()) / scale
            assert error <= 1e-7 * 100**levels, f"relative difference {error:.3g}"
        checked += 1
    return checked
