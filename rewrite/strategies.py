"""Hypothesis strategies that draw syntax trees, for property tests.

`exprs()` draws any tree the parser can produce (every node type, names from a small
pool that includes Greek and subscripted ones, exact numbers), with bounded depth.
Nothing here promises shapes that fit; well-shaped strategies can be added beside these,
built from the same pieces. Hypothesis is a test-only dependency, imported at the top:
import this module only from tests.
Imports: `syntax`, hypothesis.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from . import syntax as S

NAMES = ("A", "B", "X", "x", "y", "s", "f", "W₁", "x₂", "Σ", "λ", "dx", "x_hat", "T", "v2")
DIM_NAMES = ("m", "n", "k", "p")

# The node classes by arity: a new node type is one line here.
UNARY = (S.Neg, S.Transpose, S.Inverse)
BINARY = (S.Add, S.Sub, S.Mul, S.Hadamard, S.HadamardDiv, S.Kron, S.Div, S.Frob)
ONE_ARGUMENT = tuple(fn for fn, n in S.FUNCTIONS.items() if n == 1)


def names() -> st.SearchStrategy[str]:
    return st.sampled_from(NAMES)


def variables() -> st.SearchStrategy[S.Var]:
    return st.builds(S.Var, names())


def rationals() -> st.SearchStrategy[Fraction]:
    """Non-negative: integers, exact decimals (0.5, 2.25) and others (1/3)."""
    return st.one_of(
        st.integers(0, 20).map(Fraction),
        st.builds(lambda n, places: Fraction(n, 10**places), st.integers(0, 999), st.integers(1, 3)),
        st.builds(Fraction, st.integers(0, 12), st.integers(1, 12)),
    )


def numbers() -> st.SearchStrategy[S.Num]:
    return st.builds(S.Num, rationals())


def exponents() -> st.SearchStrategy[Fraction]:
    """Powers the parser reads: any rational but -1 (that is `Inverse`)."""
    signed = st.builds(lambda q, neg: -q if neg else q, rationals(), st.booleans())
    return signed.filter(lambda q: q != -1)


def dims() -> st.SearchStrategy[S.Dim]:
    factor = st.one_of(st.sampled_from(DIM_NAMES), st.integers(1, 4))
    return st.lists(factor, min_size=1, max_size=3).map(lambda fs: S.Dim(tuple(fs)))


def constants() -> st.SearchStrategy[S.Expr]:
    """`I`, `I(n)`, `ones(...)`, `zeros(...)`."""
    return st.one_of(
        st.builds(S.Identity, st.none() | dims()),
        st.builds(S.Ones, dims(), st.none() | dims()),
        st.builds(S.Zeros, dims(), st.none() | dims()),
    )


def leaves() -> st.SearchStrategy[S.Expr]:
    return st.one_of(variables(), numbers(), constants())


def _extend(children: st.SearchStrategy[S.Expr]) -> st.SearchStrategy[S.Expr]:
    """One branch per node type, so that each is drawn about as often as the others."""
    return st.one_of(
        *(st.builds(cls, children) for cls in UNARY),
        st.builds(S.Power, children, exponents()),
        *(st.builds(cls, children, children) for cls in BINARY),
        st.builds(lambda fn, a: S.Call(fn, (a,)), st.sampled_from(ONE_ARGUMENT), children),
        st.builds(lambda fn, f, x: S.Call(fn, (f, x)), st.sampled_from(sorted(S.DERIVATIVES)), children, variables()),
    )


def exprs(max_leaves: int = 12) -> st.SearchStrategy[S.Expr]:
    """Any tree in the parser's image, of at most `max_leaves` leaves."""
    return st.recursive(leaves(), _extend, max_leaves=max_leaves)


def decls() -> st.SearchStrategy[S.Decl]:
    types = st.one_of(
        st.builds(S.Type.mat, dims(), dims()),
        st.builds(S.Type.vec, dims()),
        st.just(S.Type.scalar()),
    )
    props = st.lists(st.sampled_from(S.PROPERTIES), max_size=2, unique=True).map(tuple)
    declared = st.lists(names(), min_size=1, max_size=3, unique=True).map(tuple)
    return st.builds(S.Decl, declared, types, props)


def statements(sides: st.SearchStrategy[S.Expr] | None = None) -> st.SearchStrategy[S.Statement]:
    sides = sides or exprs()
    return st.builds(S.Statement, st.sampled_from(("claim", "refute")), names(), sides, sides)
