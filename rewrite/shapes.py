"""Shape inference for what users write: elaboration, size unification, and the messages.

Sizes and shapes themselves are in `sizes` (which the kernel shares). Unification variables
(names starting with `?`) stand for sizes not yet known: the size of a bare `I`, of a
matrix-position `0`, or of a rule's pattern variable. Errors name the operator, both shapes
and where (`cannot multiply A (m×n) by b (m×1)`), with hints where a convention is at stake.
Imports: `syntax`, `sizes`, `errors`, `printing`, `document`.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from functools import partial
from math import gcd
from typing import Iterable

from . import document as doc
from . import syntax as S
from .errors import ShapeError
from .printing import show
from .sizes import IMPLIES, NEEDS_SQUARE, ONE, SCALAR, Env, Shape, Size, VarInfo, filled

# ---------------------------------------------------------------------------
# Unification of sizes


class Mismatch(ShapeError):
    """Two sizes that cannot be equal. Position-less: the caller knows the operator."""


def _cancel(a: Size, b: Size) -> tuple[Size, Size]:
    """Divide both sides by their common factor (sizes are positive, so this is safe)."""
    common = Counter(a.atoms) & Counter(b.atoms)
    g = gcd(a.coeff, b.coeff)

    def rest(s: Size) -> Size:
        return Size(s.coeff // g, tuple(sorted((Counter(s.atoms) - common).elements())))

    return rest(a), rest(b)


class Unifier:
    """A substitution on size variables, grown one equation at a time.

    An equation with a unique solution binds a variable at once (`?k = m`, `?k n = m n`,
    `?a ?b = 1`). One with several solutions (`?a ?b = m n`) waits and is retried whenever
    a binding arrives, so the order in which a walk meets its operators does not matter.
    After a `Mismatch` the unifier is spent: the inference that used it has failed.
    """

    def __init__(self) -> None:
        self._bound: dict[str, Size] = {}
        self._pending: list[tuple[Size, Size]] = []
        self._made: list[str] = []

    def fresh(self) -> Size:
        self._made.append(f"?{len(self._made) + 1}")
        return Size(1, (self._made[-1],))

    def resolve(self, size: Size) -> Size:
        if not any(a in self._bound for a in size.atoms):
            return size
        out = Size(size.coeff)
        for atom in size.atoms:
            out = out * (self.resolve(self._bound[atom]) if atom in self._bound else Size(1, (atom,)))
        return out

    def resolve_shape(self, shape: Shape) -> Shape:
        return Shape(self.resolve(shape.rows), self.resolve(shape.cols))

    @property
    def substitution(self) -> dict[str, Size]:
        """Every bound variable with its fully resolved size."""
        return {v: self.resolve(s) for v, s in self._bound.items()}

    def unify(self, a: Size, b: Size) -> None:
        if a == b and not self._pending:
            return
        self._pending.append((a, b))
        progress = True
        while progress:
            waiting, self._pending = self._pending, []
            progress = any([self._step(x, y) for x, y in waiting])

    def _step(self, a: Size, b: Size) -> bool:
        """Solve, check or postpone one equation; True if it bound a variable."""
        a, b = self.resolve(a), self.resolve(b)
        if a == b:
            return False
        for lone, other in ((a, b), (b, a)):  # the common case, `?k = m`, without cancelling
            if lone.coeff == 1 and len(lone.atoms) == 1 and lone.atoms[0].startswith("?") \
                    and lone.atoms[0] not in other.atoms and not (other.atoms and other.atoms[0] in self._made
                                                                   and lone.atoms[0] not in self._made):
                self._bound[lone.atoms[0]] = other
                return True
        x, y = _cancel(a, b)
        if x == y:
            return False
        candidates = [(x, y), (y, x)]
        if y.atoms and y.atoms[0] in self._made:
            candidates.reverse()  # bind our own variable: results read `?A_r`, not `?3`
        for lone, other in candidates:
            if lone.coeff == 1 and len(lone.variables) == len(lone.atoms) == 1:
                self._bound[lone.atoms[0]] = other
                return True
        for ground, open_ in ((x, y), (y, x)):
            if not ground.variables:
                # After cancelling, `open_` shares no factor with `ground`: its variables
                # alone must make up `ground`.
                if open_.coeff != 1 or len(open_.variables) != len(open_.atoms):
                    raise Mismatch(f"{a} ≠ {b}")
                if ground.is_one:
                    self._bound.update((v, ONE) for v in open_.variables)
                    return True
        self._pending.append((x, y))
        return False


# ---------------------------------------------------------------------------
# Declarations



def env_from_decls(decls: Iterable[doc.Decl], *, file: str | None = None) -> Env:
    """The environment of a file's `let` lines; properties are stored closed under implication."""
    decls = list(decls)
    infos: dict[str, VarInfo] = {}
    where: dict[str, S.Pos | None] = {}
    for decl in decls:
        error = partial(ShapeError, file=file, pos=decl.at)
        shape = Shape(Size.from_dim(decl.type.rows), Size.from_dim(decl.type.cols))
        for prop in decl.props:
            if prop not in S.PROPERTIES:
                raise error(f"unknown property '{prop}' (known: {', '.join(S.PROPERTIES)})")
        props = frozenset(decl.props).union(*(IMPLIES.get(p, ()) for p in decl.props))
        for name in decl.names:
            if name in doc.RESERVED:
                raise error(f"'{name}' is a reserved word and cannot be declared")
            if name in infos:
                first = f" (first at {where[name]})" if where[name] else ""
                raise error(f"'{name}' is already declared{first}")
            for prop in decl.props:
                if prop in NEEDS_SQUARE and not shape.is_square:
                    raise error(f"'{prop}' needs a square matrix, but {name} is {shape}")
                if _impossible_rank(prop, shape):
                    need = "rows ≥ columns" if prop == "fullcolrank" else "columns ≥ rows"
                    raise error(f"'{prop}' needs {need}, but {name} is {shape}")
            infos[name] = VarInfo(name, shape, props, decl.type.kind)
            where[name] = decl.at
    env = Env(infos)
    for decl in decls:  # a scalar and a size of the same name would both be a 1×1 `n` in an expression
        for name in decl.names:
            if name in env.dims and infos[name].shape.is_scalar:
                raise ShapeError(f"'{name}' is a size (of {_sized_by(env, name)}) and cannot also be declared "
                                 "as a scalar; use another name", file=file, pos=decl.at)
    return env


def _sized_by(env: Env, size: str) -> str:
    return next(v.name for v in env.values() if size in v.shape.rows.atoms + v.shape.cols.atoms)


def _impossible_rank(prop: str, shape: Shape) -> bool:
    """A full rank that numbers alone rule out (`Mat(2, 3) fullcolrank`)."""
    r, c = shape.rows, shape.cols
    if prop not in ("fullcolrank", "fullrowrank") or r.atoms or c.atoms:
        return False
    return r.coeff < c.coeff if prop == "fullcolrank" else r.coeff > c.coeff


def declared_props(e: S.Expr, env: Env) -> frozenset[str]:
    """Properties a declaration grants; compound terms get theirs from rules, not from here."""
    if isinstance(e, S.Var) and e.name in env:
        return env[e.name].props
    return frozenset()


# ---------------------------------------------------------------------------
# Inference


def _operand(e: S.Expr, shape: Shape) -> str:
    return f"{show(e)} ({shape})"


def _variables(shape: Shape) -> set[str]:
    return set(shape.rows.variables + shape.cols.variables)


def _is_zero(e: S.Expr) -> bool:
    return isinstance(e, S.Num) and e.value == 0


_BinaryOp = S.Add | S.Sub | S.Mul | S.Hadamard | S.HadamardDiv | S.Kron | S.Div | S.Frob

_SAME_SHAPE = {
    S.Add: "cannot add {a} and {b}",
    S.Sub: "cannot subtract {b} from {a}",
    S.Hadamard: "cannot multiply {a} and {b} elementwise",
    S.HadamardDiv: "cannot divide {a} by {b} elementwise",
    S.Frob: "cannot take the Frobenius product of {a} and {b}",
}


class _Inference:
    """One shape walk over one or more trees (the sides of a statement) sharing a unifier.

    It records the holes, bare `I`s and matrix-position `0`s, by path (the first index
    picks the tree), so `finish` can write their sizes in once everything is unified.
    """

    def __init__(self, env: Env, unifier: Unifier, sizes: dict[str, Size] | None = None) -> None:
        self.env = env
        self.u = unifier
        self.holes: list[tuple[S.Path, S.Expr, Shape]] = []
        # the size names a bare name may stand for (a rule's size letters: `?` sizes)
        self.sizes = {a: Size(1, (a,)) for a in env.dims} if sizes is None else sizes

    def shape(self, e: S.Expr, path: S.Path, zero_ok: bool = False) -> Shape:
        """The shape of `e`; `zero_ok` says a `0` here takes its shape from the context."""
        return self.u.resolve_shape(self._shape(e, path, zero_ok))

    def same(self, a: Shape, b: Shape) -> bool:
        return self._unify(a.rows, b.rows) and self._unify(a.cols, b.cols)

    def _unify(self, a: Size, b: Size) -> bool:
        try:
            self.u.unify(a, b)
        except Mismatch:
            return False
        return True

    def _hole(self, e: S.Expr, path: S.Path, shape: Shape) -> Shape:
        self.holes.append((path, e, shape))
        return shape

    def _shape(self, e: S.Expr, path: S.Path, zero_ok: bool) -> Shape:
        match e:
            case S.Num() if zero_ok and _is_zero(e):
                return self._hole(e, path, Shape(self.u.fresh(), self.u.fresh()))
            case S.Num():
                return SCALAR
            case S.Var(name) if name not in self.env and name in self.sizes:
                return self._hole(e, path, SCALAR)  # a size as a number: `SizeOf`
            case S.Var():
                return self._var(e).shape
            case S.SizeOf():
                return SCALAR
            case S.SizePower(arg, exponent):
                base = self.shape(arg, path + (0,))
                self._require(e, arg, base, self.same(base, SCALAR), "c^k needs a scalar c")
                self.shape(exponent, path + (1,))
                if not self._integral(exponent):
                    raise ShapeError(f"the exponent {show(exponent)} is not an integer made of sizes "
                                     "(a size name, integers, +, -, ·)", pos=exponent.at or e.at)
                return SCALAR
            case S.Identity(None):
                k = self.u.fresh()
                return self._hole(e, path, Shape(k, k))
            case S.Identity(size):
                k = Size.from_dim(size)
                return Shape(k, k)
            case S.Ones(None):
                return self._hole(e, path, Shape(self.u.fresh(), self.u.fresh()))
            case S.Ones(rows, cols) | S.Zeros(rows, cols):
                return Shape(Size.from_dim(rows), Size.from_dim(cols) if cols is not None else ONE)
            case S.Neg(arg):
                return self.shape(arg, path + (0,))
            case S.Transpose(arg):
                return self.shape(arg, path + (0,)).transposed()
            case S.Inverse(arg):
                return self._square(e, "the inverse", arg, self.shape(arg, path + (0,)))
            case S.Power(arg, exponent):
                return self._power(e, arg, exponent, self.shape(arg, path + (0,)))
            case S.Call(fn, args):
                return self._call(e, fn, args, [self.shape(a, path + (i,)) for i, a in enumerate(args)])
            case S.Add() | S.Sub() | S.Mul() | S.Hadamard() | S.HadamardDiv() | S.Kron() | S.Div() | S.Frob():
                return self._binary(e, path)
        raise TypeError(f"not an expression: {e!r}")

    def _integral(self, e: S.Expr) -> bool:
        """The exponent of `c^k` as written: sizes and integers under `-`, `+`, `·`."""
        if isinstance(e, S.Var):
            return e.name in self.sizes and e.name not in self.env
        if isinstance(e, S.Num):
            return e.value.denominator == 1
        return isinstance(e, (S.SizeOf, S.Neg, S.Add, S.Sub, S.Mul)) and all(map(self._integral, e.children()))

    def _binary(self, e: _BinaryOp, path: S.Path) -> Shape:
        additive = type(e) in _SAME_SHAPE
        a = self.shape(e.left, path + (0,), zero_ok=additive)
        b = self.shape(e.right, path + (1,), zero_ok=additive)
        match e:
            case S.Mul():
                return self._mul(e, a, b)
            case S.Kron():
                return Shape(a.rows * b.rows, a.cols * b.cols)
            case S.Div():
                if not self.same(b, SCALAR):
                    raise self._error(e, "cannot divide {a} by {b}: the divisor must be 1×1", a, b)
                return a
        if not self.same(a, b):
            raise self._error(e, _SAME_SHAPE[type(e)], a, b, self._broadcast_hint(e, a, b))
        return SCALAR if isinstance(e, S.Frob) else a

    def _var(self, e: S.Var) -> VarInfo:
        if e.name in self.env:
            return self.env[e.name]
        hint = ""
        if e.name.startswith("d") and e.name[1:] in self.env:
            hint = f"; write d({e.name[1:]}) for the differential"
        raise ShapeError(f"'{e.name}' is not declared{hint}", pos=e.at)

    def _error(self, e: _BinaryOp, template: str, a: Shape, b: Shape, hint: str = "") -> ShapeError:
        """Shapes are printed as far as unification got: `I` shows the size it was given."""
        a, b = self.u.resolve_shape(a), self.u.resolve_shape(b)
        message = template.format(a=_operand(e.left, a), b=_operand(e.right, b))
        return ShapeError(message + hint, pos=e.at)

    def _mul(self, e: S.Mul, a: Shape, b: Shape) -> Shape:
        """Scaling when an operand is surely 1×1, else the matrix product (they agree where both apply)."""
        if a.is_scalar:
            return b
        if b.is_scalar:
            return a
        if not self._unify(a.cols, b.rows):
            raise self._error(e, "cannot multiply {a} by {b}", a, b)
        return Shape(a.rows, b.cols)

    def _broadcast_hint(self, e: S.Expr, a: Shape, b: Shape) -> str:
        """`1 - x` means `ones(n) - x`; say so, since nothing broadcasts silently."""
        if not isinstance(e, (S.Add, S.Sub)):
            return ""
        for i, (num, other) in enumerate(((e.left, b), (e.right, a))):
            other = self.u.resolve_shape(other)
            if isinstance(num, S.Num) and not _variables(other):
                ones = filled(S.Ones, other)
                term = ones if num.value == 1 else S.Mul(num, ones)
                fixed = S.replace_at(e, (i,), term)
                return f" (no implicit broadcasting: write {show(fixed)})"
        return ""

    def _square(self, e: S.Expr, what: str, arg: S.Expr, s: Shape) -> Shape:
        self._require(e, arg, s, self._unify(s.rows, s.cols), f"{what} needs a square matrix")
        return s

    def _power(self, e: S.Power, arg: S.Expr, exponent: Fraction, s: Shape) -> Shape:
        """Any power of a scalar; a non-negative integer power of a square matrix."""
        if s.is_scalar:
            return s
        if exponent.denominator == 1 and exponent >= 0:
            return self._square(e, "a matrix power", arg, s)
        if not self.same(s, SCALAR):
            raise ShapeError(
                f"cannot raise {_operand(arg, self.u.resolve_shape(s))} to the power {exponent}: "
                "a matrix power needs a non-negative integer exponent",
                pos=e.at,
            )
        return SCALAR

    def _call(self, e: S.Call, fn: str, args: tuple[S.Expr, ...], shapes: list[Shape]) -> Shape:
        s, rule = shapes[0], S.FUNCTION[fn].shape  # the shape rules of `sizes._call`
        if rule == "square-scalar":
            self._square(e, fn, args[0], s)
        if rule in ("scalar", "square-scalar"):
            return SCALAR
        if rule == "diag":  # the shape decides: a square matrix's diagonal, else a vector's matrix
            r = self.u.resolve_shape(s)
            if r.rows == r.cols and not r.cols.is_one:
                return Shape(s.rows, ONE)
            self._require(e, args[0], s, self._unify(s.cols, ONE), "diag needs a column vector or a square matrix")
            return Shape(s.rows, s.rows)
        if rule == "vec":
            return Shape(s.rows * s.cols, ONE)
        if rule == "transpose":
            return s.transposed()
        if rule in ("elementwise", "same"):
            return s
        x, sx = args[1], shapes[1]
        if fn in ("grad", "symgrad"):
            need = f"{fn} needs a scalar to differentiate (the gradient has the shape of {show(x)})"
            self._require(e, args[0], s, self.same(s, SCALAR), need)
            if fn == "symgrad":
                self._square(e, "symgrad (the gradient on symmetric matrices)", x, sx)
            return sx
        if fn == "jac":
            layout = "jac needs column vectors (numerator layout: jac(y, x) is m×n for y m×1 and x n×1)"
            self._require(e, args[0], s, self._unify(s.cols, ONE), layout)
            self._require(e, x, sx, self._unify(sx.cols, ONE), layout)
            return Shape(s.rows, sx.rows)
        assert fn == "hess", fn
        self._require(e, args[0], s, self.same(s, SCALAR), "hess needs a scalar to differentiate")
        n = sx.rows * sx.cols  # n×n for x n×1; for an m×n X, jac(vec(∇f), vec(X)) is (m n)×(m n)
        return Shape(n, n)

    def _require(self, e: S.Expr, arg: S.Expr, s: Shape, ok: bool, need: str) -> None:
        if not ok:
            raise ShapeError(f"{need}, but {show(arg)} is {self.u.resolve_shape(s)}", pos=e.at)

    def finish(self, trees: list[S.Expr]) -> list[S.Expr]:
        """The trees with every hole's size written in.

        A bare `I` must have been sized by its context (or, in pattern mode, by a pattern
        variable of the environment); a `0` that nothing sized is the number 0.
        """
        keep = {v for info in self.env.values() for v in _variables(info.shape)}

        def unknown(shape: Shape) -> set[str]:
            return _variables(self.u.resolve_shape(shape)) - keep

        for _, node, shape in self.holes:
            if isinstance(node, (S.Identity, S.Ones)) and unknown(shape):
                raise ShapeError(f"cannot infer the size of {'I' if isinstance(node, S.Identity) else 'ones'}",
                                 pos=node.at)
        for _, node, shape in self.holes:
            for v in unknown(shape):
                if not self._unify(Size(1, (v,)), ONE):
                    raise ShapeError("cannot infer the size of 0", pos=node.at)
        out = list(trees)
        for (root, *path), node, shape in self.holes:
            explicit = self._explicit(node, self.u.resolve_shape(shape))
            out[root] = S.replace_at(out[root], tuple(path), explicit)
        return out

    def _explicit(self, node: S.Expr, s: Shape) -> S.Expr:
        if isinstance(node, S.Var):
            return S.SizeOf(self.sizes[node.name].to_dim(), at=node.at)
        if isinstance(node, S.Identity):
            return S.Identity(s.rows.to_dim(), at=node.at)
        if isinstance(node, S.Ones):
            return filled(S.Ones, s, at=node.at)
        if s.is_scalar:
            return node
        return filled(S.Zeros, s, at=node.at)


def infer(e: S.Expr, env: Env, unifier: Unifier | None = None) -> Shape:
    """The shape of `e`.

    Without a unifier the inference is complete (every `I` sized). With one, the shape may
    still hold variables: pattern mode, where the environment's sizes are variables
    (`?A_r`), or a caller that unifies further; read them with `unifier.resolve_shape`.
    """
    if unifier is None:
        return elaborate(e, env)[1]
    return _Inference(env, unifier).shape(e, (0,), zero_ok=True)


def elaborate(e: S.Expr, env: Env, *, expected: Shape | None = None) -> tuple[S.Expr, Shape]:
    """`e` with every size explicit (bare `I` gets its size, a matrix `0` becomes `zeros`)."""
    inf = _Inference(env, Unifier())
    s = inf.shape(e, (0,), zero_ok=True)
    if expected is not None and not inf.same(s, expected):
        raise ShapeError(f"{show(e)} is {inf.u.resolve_shape(s)}, but {expected} is expected", pos=e.at)
    (tree,) = inf.finish([e])
    return tree, inf.u.resolve_shape(s)


def elaborate_statement(stmt: doc.Statement, env: Env) -> tuple[S.Expr, S.Expr, Shape]:
    """Both sides elaborated, with sizes unified across `=` (so `P P⁻¹ = I` sizes the `I`)."""
    inf = _Inference(env, Unifier())
    left = inf.shape(stmt.lhs, (0,), zero_ok=True)
    right = inf.shape(stmt.rhs, (1,), zero_ok=True)
    if not inf.same(left, right):
        left, right = inf.u.resolve_shape(left), inf.u.resolve_shape(right)
        raise ShapeError(_sides_message(stmt, env, left, right), pos=stmt.at)
    lhs, rhs = inf.finish([stmt.lhs, stmt.rhs])
    return lhs, rhs, inf.u.resolve_shape(left)


def _sides_message(stmt: doc.Statement, env: Env, left: Shape, right: Shape) -> str:
    """Point at the layout convention when a gradient is claimed transposed."""
    for side, other in ((stmt.lhs, right), (stmt.rhs, left)):
        if isinstance(side, S.Call) and side.fn == "grad":
            x = env[side.args[1].name]
            if other == x.shape.transposed():
                return (
                    f"claimed gradient is {other} but {x.name} is {x.shape} "
                    f"(gradients here use the shape of {x.name}; did you mean the transpose?)"
                )
    return f"sides have different shapes: left is {left}, right is {right}"
