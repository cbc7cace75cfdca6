"""The kernel's normal form: what the built-in `linear` step may take for granted.

Two terms with the same normal form are equal for all values. The normal form is a sum
of monomials with rational coefficients; a monomial is a multiset of 1×1 factors times a
word (a product of matrix factors, in order). Building it uses only the ring laws and a
few laws no one disputes:

- sums are associative and commutative; numerals add and multiply; `0` vanishes;
- products are associative and distribute over sums; 1×1 factors commute with
  everything (a product with a 1×1 operand is scaling); `I` is neutral in a product;
- `ᵀ` is linear, reverses words and undoes itself, and a 1×1 value is its own transpose;
- `tr`, `sum`, `vec`, `diag`, `d`, and the first argument of `grad`/`jac`/`hess` are
  linear; `:`, `⊙` and `⊗` are bilinear, `:` is `tr(Aᵀ B)`, `⊙` is associative and
  commutative with `ones` neutral (a 1×1 `ones` is the number 1); `tr` is invariant under rotating its word, and under
  transposing it;
- a 1×1 block inside a word (a row times a column) is a scalar and may leave the word;
- dividing by a 1×1 term multiplies by the reciprocal of each of its factors (`1/0 = 0`,
  so this holds everywhere); `1/(1/s) = s`.

Cancelling needs facts, which the kernel supplies (`facts`, a `kernel.Context`) from the
statement's hypotheses: a factor times its reciprocal is 1, `X⁻¹ X` is `I`, and two terms
are equal once multiplied by a sum they divide by, only where that factor, matrix or sum is
known non-zero (invertible). And `d`, `grad`, `jac`, `hess` are linear only over a smooth
argument (a sum of non-differentiable terms may be differentiable). Without facts (`plain`)
nothing is cancelled and derivatives stay whole: what is equal then is equal everywhere.

Everything else (inverses, determinants, elementwise functions, …) is an opaque factor
whose arguments are normalised in turn. The kernel imports this module; it must stay as
small and plain as the kernel. Imports: `syntax`, `sizes`, `errors`.
"""

from __future__ import annotations

from fractions import Fraction

from . import syntax as S
from .errors import BudgetError
from .sizes import Env, Shape, Size, shape_of

# A factor: (key, shape). The key is a hashable tuple; two factors are the same value
# exactly when their keys are equal. A monomial: (sorted scalar factor keys, word of
# factors). A polynomial: {monomial: coefficient}.
Factor = tuple[tuple, Shape]
Mono = tuple[tuple, tuple[Factor, ...]]
Poly = dict[Mono, Fraction]

_UNIT: Mono = ((), ())
# Expanding products of sums is exponential; past this many monomials the normal form is
# refused (a `linear` step then fails, and the search looks elsewhere) rather than slow.
MAX_TERMS = 2000
MAX_POWER = 64
_LINEAR = ("tr", "sum", "vec", "diag", "d", "grad", "jac", "hess")
_DERIVATIVES = ("d", "grad", "jac", "hess")


class Normaliser:
    """Normal forms under one environment; with `facts`, cancelling what they make non-zero."""

    def __init__(self, env: Env, facts=None, shapes: dict | None = None) -> None:
        self.env = env
        self.facts = facts
        self._shapes: dict[S.Expr, Shape] = {} if shapes is None else shapes
        self._polys: dict[S.Expr, Poly] = {}
        self._terms: dict[tuple, S.Expr] = {}  # a factor's key -> a term it came from
        self._divisors: dict[tuple, list[S.Expr]] = {}  # a scalar key -> divisors it is a factor of
        self._plain = self if facts is None else Normaliser(env, shapes=self._shapes)

    def __call__(self, e: S.Expr) -> frozenset:
        """The normal form of `e`: a frozen set of (monomial, coefficient) pairs."""
        return frozenset(self.poly(e).items())

    def equal(self, a: S.Expr, b: S.Expr) -> bool:
        """Whether `a` and `b` have the same normal form once both are multiplied by the
        sums they divide by that are known non-zero (`1 - s/(1 + s)` is `1/(1 + s)` where
        `1 + s ≠ 0`)."""
        diff = _add(self.poly(a), self.poly(b), -1)
        for _ in range(8):  # each round clears one denominator (or one power of it)
            dens = [k for (scalars, _), _c in diff.items() for k in scalars
                    if k[0] == "inv" and k[1][0] == "poly" and k[1][1] and self._nonzero(k[1])]
            if not diff or not dens:
                break
            den = min(dens, key=_order)
            out: Poly = {}
            for (scalars, word), c in diff.items():
                if den in scalars:  # (m / P) · P = m
                    rest = list(scalars)
                    rest.remove(den)
                    part = {self._mono(tuple(rest), word): c}
                else:
                    part = self._product({(scalars, word): c}, dict(den[1][1]))
                out = _add(out, part, 1)
            diff = out
        return not diff

    def shape(self, e: S.Expr) -> Shape:
        return shape_of(e, self.env, self._shapes)

    def _nonzero(self, key: tuple) -> bool:
        """Whether the factor `key` is non-zero wherever the hypotheses hold: its term is,
        or a divisor it is a factor of is."""
        if self.facts is None:
            return False
        terms = [self._terms[key]] if key in self._terms else []
        return any(self.facts.nonzero(t) for t in terms + self._divisors.get(key, []))

    # -- polynomials -----------------------------------------------------------------
    def poly(self, e: S.Expr) -> Poly:
        p = self._polys.get(e)
        if p is None:
            p = self._polys[e] = self._poly(e)
        return p

    def _poly(self, e: S.Expr) -> Poly:
        if isinstance(e, S.Num):
            return {_UNIT: e.value} if e.value else {}
        if isinstance(e, S.Zeros):
            return {}
        if isinstance(e, S.SizeOf):  # the product of its factors: `m n` is m times n
            size = Size.from_dim(e.size)
            keys = tuple(("Size", a) for a in size.atoms)
            for k in keys:
                self._terms.setdefault(k, S.SizeOf(S.Dim((k[1],))))
            return {self._mono(keys, ()): Fraction(size.coeff)}
        if isinstance(e, S.Add):
            return _add(self.poly(e.left), self.poly(e.right), 1)
        if isinstance(e, S.Sub):
            return _add(self.poly(e.left), self.poly(e.right), -1)
        if isinstance(e, S.Neg):
            return {m: -c for m, c in self.poly(e.arg).items()}
        if isinstance(e, S.Div) and isinstance(e.right, S.Num) and e.right.value:
            return {m: c / e.right.value for m, c in self.poly(e.left).items()}
        if isinstance(e, S.Div):
            return self._product(self.poly(e.left), self._reciprocal(e.right))
        if isinstance(e, S.Inverse) and self.shape(e).is_scalar:
            return self._reciprocal(e.arg)
        if isinstance(e, S.Mul):
            return self._product(self.poly(e.left), self.poly(e.right))
        if isinstance(e, S.Transpose):
            return {_transpose(m): c for m, c in self.poly(e.arg).items()}
        if isinstance(e, (S.Frob, S.Hadamard, S.Kron)):
            return self._bilinear(e)
        if isinstance(e, S.Call) and e.fn in _LINEAR:
            return self._linear(e)
        if isinstance(e, S.Identity):
            return {((), ((("I", Size.from_dim(e.size) if e.size else None), self.shape(e)),)): Fraction(1)}
        if isinstance(e, S.Ones):
            s = self.shape(e)
            if s.is_scalar:
                return {_UNIT: Fraction(1)}
            return {self._mono((), ((("Ones", s.rows, s.cols), s),)): Fraction(1)}
        if isinstance(e, S.Power) and e.exponent.denominator == 1:
            return self._power(e)
        return self._opaque(e)

    def _power(self, e: S.Power) -> Poly:
        """An integer power is a repeated product (of the reciprocal, for a negative power
        of a scalar); the zeroth is 1 or I."""
        k = int(e.exponent)
        s = self.shape(e)
        if abs(k) > MAX_POWER:  # A^k is k factors long: beyond this it stays a power
            return self._opaque(e)
        if k < 0:
            if not s.is_scalar:
                return self._opaque(e)
            base, k = self._reciprocal(e.arg), -k
        else:
            base = self.poly(e.arg)
        out: Poly = {_UNIT: Fraction(1)} if s.is_scalar else {((), ((("I", s.rows), s),)): Fraction(1)}
        for _ in range(k):
            out = self._product(out, base)
        return out

    def _product(self, a: Poly, b: Poly) -> Poly:
        _bounded(len(a) * len(b))
        out: Poly = {}
        for (sa, wa), ca in a.items():
            for (sb, wb), cb in b.items():
                m = self._mono(sa + sb, wa + wb)
                out[m] = out.get(m, 0) + ca * cb
        return {m: c for m, c in out.items() if c}

    def _mono(self, scalars: tuple, word: tuple[Factor, ...]) -> Mono:
        """A monomial made canonical: identities dropped, `X⁻¹ X` and `X X⁻¹` cancelled
        where X is invertible, 1×1 blocks moved to the scalars."""
        word = self._cancel_inverses(tuple(f for f in word if f[0][0] != "I") or word[:1])
        blocks: list[list[Factor]] = [[]]
        for f in word:
            blocks[-1].append(f)
            if f[1].cols.is_one:
                blocks.append([])
        keep: list[Factor] = []
        extra: list[tuple] = []
        for block in blocks:
            if block and block[0][1].rows.is_one and block[-1][1].cols.is_one and _is_product(block):
                extra.append(_scalar_word(tuple(block)))
            else:
                keep.extend(block)
        return self._cancel(scalars + tuple(extra)), tuple(keep)

    def _cancel(self, scalars: tuple) -> tuple:
        """Sorted scalar factors, each cancelled against its reciprocal where it is non-zero."""
        out = list(scalars)
        for k in scalars:
            if k in out and _inverse(k) in out and self._nonzero(k[1] if k[0] == "inv" else k):
                out.remove(k)
                out.remove(_inverse(k))
        return tuple(sorted(out, key=_order))

    def _cancel_inverses(self, word: tuple[Factor, ...]) -> tuple[Factor, ...]:
        """`X⁻¹ X` and `X X⁻¹` are I where X is invertible. An identity stays when nothing
        else is left, to keep the size."""
        out: list[Factor] = []
        for f in word:
            if out and (_inverted(out[-1]) == f and self._invertible(out[-1])
                        or _inverted(f) == out[-1] and self._invertible(f)):
                out.pop()
                continue
            out.append(f)
        if not out and word:
            n = word[0][1].rows
            return ((("I", n), Shape(n, n)),)
        return tuple(out)

    def _invertible(self, inverse: Factor) -> bool:
        key = inverse[0][1] if inverse[0][0] == "T" else inverse[0]
        t = self._terms.get(key)
        return self.facts is not None and isinstance(t, S.Inverse) and self.facts.invertible(t.arg)

    def _reciprocal(self, e: S.Expr) -> Poly:
        """1/e for a 1×1 `e`: a single term inverts factor by factor (`1/(s t) = 1/s 1/t`
        holds everywhere, with `1/0 = 0`); a sum is one opaque factor; `1/0` is 0."""
        p = self.poly(e)
        if not p:
            return {}
        if len(p) == 1:
            ((scalars, word), c), = p.items()
            if not word:
                for k in scalars:
                    self._divisors.setdefault(k, []).append(e)
                return {self._mono(tuple(_inverse(k) for k in scalars), ()): 1 / c}
        key = ("poly", frozenset(p.items()))
        self._terms.setdefault(key, e)
        return {self._mono((("inv", key),), ()): Fraction(1)}

    def _bilinear(self, e: S.Frob | S.Hadamard | S.Kron) -> Poly:
        out: Poly = {}
        left, right = self.poly(e.left), self.poly(e.right)
        _bounded(len(left) * len(right))
        for (sa, wa), ca in left.items():
            for (sb, wb), cb in right.items():
                if not wa or not wb:  # a 1×1 operand: all three are then plain scaling
                    m = self._mono(sa + sb, wa + wb)
                elif isinstance(e, S.Frob):  # A : B = tr(Aᵀ B)
                    m = _trace(self._mono(sa + sb, _transpose(((), wa))[1] + wb))
                elif isinstance(e, S.Kron):
                    m = self._mono(sa + sb, ((("Kron", (wa, wb)), self.shape(e)),))
                else:  # ⊙ is associative and commutative, with `ones` neutral
                    every = _hadamard_operands(wa) + _hadamard_operands(wb)
                    operands = [w for w in every if not _is_ones(w)] or [every[0]]
                    if len(operands) == 1:
                        m = self._mono(sa + sb, operands[0])
                    else:
                        factor = (("Hadamard", tuple(sorted(operands, key=_order))), self.shape(e))
                        m = self._mono(sa + sb, (factor,))
                out[m] = out.get(m, 0) + ca * cb
        return {m: c for m, c in out.items() if c}

    def _linear(self, e: S.Call) -> Poly:
        first, *rest = e.args
        extra = tuple(self._canon(r) for r in rest)
        if e.fn in _DERIVATIVES and (self.facts is None or not self.facts.smooth(first)):
            return self._opaque(e, whole=True)
        out: Poly = {}
        for (s, w), c in self.poly(first).items():
            if e.fn == "tr":
                m = _trace((s, w))
            elif e.fn in ("d", "grad", "jac", "hess") or w:
                key = (e.fn, (s, w) if e.fn in _DERIVATIVES else w, extra)
                factor = (key, self.shape(e))
                m = self._mono(() if e.fn in _DERIVATIVES else s,
                               () if factor[1].is_scalar else (factor,))
                if factor[1].is_scalar:
                    m = self._mono(m[0] + (key,), ())
            else:  # sum, vec or diag of a scalar is that scalar
                m = self._mono(s, w)
            out[m] = out.get(m, 0) + c
        return {m: c for m, c in out.items() if c}

    def _opaque(self, e: S.Expr, whole: bool = False) -> Poly:
        """One factor; `whole`: a derivative of a term not known smooth, its argument
        normalised without facts (a rewrite under it must hold near the point)."""
        canon = self._plain._canon if whole else self._canon
        key = (type(e).__name__, e.payload(), tuple(canon(k) for k in e.children()))
        if isinstance(e, S.Var) or not e.children():
            key = (type(e).__name__, _sizes(e.payload()))
        self._terms.setdefault(key, e)
        s = self.shape(e)
        return {self._mono((key,), ()) if s.is_scalar else ((), ((key, s),)): Fraction(1)}

    def _canon(self, e: S.Expr) -> tuple:
        """An argument of an opaque factor; a zero keeps its shape."""
        p = self.poly(e)
        return ("poly", frozenset(p.items())) if p else ("zero", str(self.shape(e)))


def _inverted(f: Factor) -> Factor | None:
    """The factor X when `f` is X⁻¹ (or X⁻ᵀ: then Xᵀ), X itself a single factor."""
    key, shape = f
    transposed = key[0] == "T"
    if transposed:
        key = key[1]
    if key[0] != "Inverse":
        return None
    kind, form = key[2][0]
    if kind != "poly" or len(form) != 1:
        return None
    ((scalars, word), c), = form
    if scalars or len(word) != 1 or c != 1:
        return None
    return _tp(word[0]) if transposed else word[0]


def _inverse(key: tuple) -> tuple:
    return key[1] if key[0] == "inv" else ("inv", key)


def _order(key: object) -> int:
    """Any fixed order does to pick a canonical member (within one process, which is where
    two normal forms are ever compared); hashing is far cheaper than printing."""
    return hash(key)


def _bounded(terms: int) -> None:
    if terms > MAX_TERMS:
        raise BudgetError(f"the normal form would have {terms} terms (more than {MAX_TERMS})")


def _add(a: Poly, b: Poly, sign: int) -> Poly:
    out = dict(a)
    for m, c in b.items():
        out[m] = out.get(m, 0) + sign * c
    return {m: c for m, c in out.items() if c}


def _sizes(payload: tuple) -> tuple:
    return tuple((k, Size.from_dim(v) if isinstance(v, S.Dim) else v) for k, v in payload)


def _is_product(word: list[Factor]) -> bool:
    return all(a[1].cols == b[1].rows for a, b in zip(word, word[1:]))


def _is_ones(word: tuple[Factor, ...]) -> bool:
    return len(word) == 1 and word[0][0][0] == "Ones"


def _hadamard_operands(word: tuple[Factor, ...]) -> tuple:
    if len(word) == 1 and word[0][0][0] == "Hadamard":
        return word[0][0][1]
    return (word,)


def _tp(f: Factor) -> Factor:
    key, s = f
    if key[0] == "I":
        return f
    if key[0] == "Ones":
        return ("Ones", key[2], key[1]), s.transposed()
    return (key[1] if key[0] == "T" else ("T", key)), s.transposed()


def _transpose(m: Mono) -> Mono:
    scalars, word = m
    return scalars, tuple(_tp(f) for f in reversed(word))


def _scalar_word(word: tuple[Factor, ...]) -> tuple:
    """A 1×1 product as a scalar factor: it is its own trace, so it is keyed as one."""
    return ("tr", _cyclic(word))


def _trace(m: Mono) -> Mono:
    scalars, word = m
    if not word:
        return m
    return tuple(sorted(scalars + (("tr", _cyclic(word)),), key=_order)), ()


def _cyclic(word: tuple[Factor, ...]) -> tuple:
    """A trace's word up to rotation and transposition (both leave the trace unchanged)."""
    t = tuple(_tp(f) for f in reversed(word))
    keys = [tuple(f[0] for f in w[i:] + w[:i]) for w in (word, t) for i in range(len(w))]
    return min(keys, key=_order)
