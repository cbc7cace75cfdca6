"""Hypothesis strategies that draw syntax trees, for property tests.

`exprs()` draws any tree the parser can produce (every node type, names from a small
pool that includes Greek and subscripted ones, exact numbers), with bounded depth.
Nothing in `exprs()` promises shapes that fit; `well_shaped(env)` draws trees that do
shape-check under given declarations (for tests that evaluate, prove or rewrite them).
Hypothesis is a test-only dependency, imported at the top: import this module only from
tests.
Imports: `syntax`, `document`, `sizes`, hypothesis.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

from hypothesis import strategies as st

from . import document as doc
from . import syntax as S
from .sizes import ONE, Env, Shape, Size, filled

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


def decls() -> st.SearchStrategy[doc.Decl]:
    types = st.one_of(
        st.builds(doc.Type.mat, dims(), dims()),
        st.builds(doc.Type.vec, dims()),
        st.just(doc.Type.scalar()),
    )
    props = st.lists(st.sampled_from(S.PROPERTIES), max_size=2, unique=True).map(tuple)
    declared = st.lists(names(), min_size=1, max_size=3, unique=True).map(tuple)
    return st.builds(doc.Decl, declared, types, props)


def statements(sides: st.SearchStrategy[S.Expr] | None = None) -> st.SearchStrategy[doc.Statement]:
    sides = sides or exprs()
    return st.builds(doc.Statement, st.sampled_from(("claim", "refute")), names(), sides, sides)


# ---------------------------------------------------------------------------
# Well-shaped expressions

SQUARE_TO_SCALAR = ("tr", "det")
ANY_TO_SCALAR = ("norm2", "sum")
SMOOTH = ("exp", "sigmoid", "tanh")  # elementwise and defined everywhere


def well_shaped(env: Env, shape: Shape | None = None, max_depth: int = 3) -> st.SearchStrategy[S.Expr]:
    """Trees that shape-check under `env` to `shape` (default: the shape of a declaration).

    Inner sizes of products are drawn from the sizes the declarations use (and 1), so
    products, outer products and scalings all occur. Leaves are declared names (possibly
    transposed, inverted when declared invertible), numbers for scalars, `I(n)` for square
    shapes, and `ones` where nothing declared fits. Every size is explicit, so the trees
    print and parse back unchanged. `kron`, `vec`, `diag` and derivatives are not drawn.
    Values are safe to evaluate: no logarithms or square roots, division only by numbers,
    inverses only of names declared invertible.
    """
    sizes = sorted({ONE} | {s for info in env.values() for s in (info.shape.rows, info.shape.cols)})
    memo: dict[tuple[Shape, int], st.SearchStrategy[S.Expr]] = {}

    def of(s: Shape, depth: int) -> st.SearchStrategy[S.Expr]:
        """One strategy per (shape, depth), made once: building strategies is what costs."""
        if (s, depth) not in memo:
            memo[s, depth] = _shaped(env, sizes, s, depth, of)
        return memo[s, depth]

    targets = [shape] if shape is not None else sorted({i.shape for i in env.values()}, key=str)
    return st.sampled_from(targets).flatmap(lambda s: of(s, max_depth))


def _leaves(env: Env, shape: Shape) -> list[S.Expr]:
    out: list[S.Expr] = []
    for name, info in env.items():
        if info.shape == shape:
            out.append(S.Var(name))
            if "invertible" in info.props:
                out.append(S.Inverse(S.Var(name)))
        if info.shape == shape.transposed() and not info.shape.is_scalar:
            out.append(S.Transpose(S.Var(name)))
    if shape.is_scalar:
        out += [S.Num(Fraction(k)) for k in (1, 2, 3)] + [S.Num(Fraction(1, 2))]
    elif shape.is_square:
        out.append(S.Identity(shape.rows.to_dim()))
    if not out:
        out.append(filled(S.Ones, shape))
    return out


def _shaped(env: Env, sizes: list[Size], shape: Shape, depth: int,
            of: Callable[[Shape, int], st.SearchStrategy[S.Expr]]) -> st.SearchStrategy[S.Expr]:
    leaves = st.sampled_from(_leaves(env, shape))
    if depth == 0:
        return leaves

    def sub(s: Shape) -> st.SearchStrategy[S.Expr]:
        return st.deferred(lambda: of(s, depth - 1))

    same, scalar = sub(shape), sub(Shape(ONE, ONE))
    products = [st.builds(S.Mul, sub(Shape(shape.rows, k)), sub(Shape(k, shape.cols))) for k in sizes]
    forms = [
        st.builds(S.Add, same, same),
        st.builds(S.Sub, same, same),
        st.builds(S.Neg, same),
        st.builds(S.Mul, scalar, same),
        st.one_of(products),
        st.builds(S.Transpose, sub(shape.transposed())),
        st.builds(S.Hadamard, same, same),
        st.builds(S.Div, same, st.sampled_from([S.Num(Fraction(2)), S.Num(Fraction(3))])),
        st.builds(_apply, st.sampled_from(SMOOTH), same),
    ]
    if shape.is_square and not shape.is_scalar:
        forms.append(st.builds(S.Power, same, st.just(Fraction(2))))
    if shape.is_scalar:
        squares = [Shape(k, k) for k in sizes if not k.is_one] or [shape]
        shapes = [Shape(r, c) for r in sizes for c in sizes]
        forms += [
            st.one_of([st.builds(S.Frob, sub(s), sub(s)) for s in shapes]),
            st.one_of([st.builds(_apply, st.sampled_from(SQUARE_TO_SCALAR), sub(s)) for s in squares]),
            st.one_of([st.builds(_apply, st.sampled_from(ANY_TO_SCALAR), sub(s)) for s in shapes]),
        ]
    return st.one_of(leaves, st.one_of(forms))


def _apply(fn: str, e: S.Expr) -> S.Expr:
    return S.Call(fn, (e,))
