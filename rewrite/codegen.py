"""An expression as straight-line Python for numpy, JAX or PyTorch.

`lower` turns arranged expressions (see `arrange`) into one function body: every
distinct subterm used twice is computed once into a temporary, a product with an inverse
becomes a solve (`np.linalg.solve(M, b)`, never `inv(M) @ b`), and the inverse of a
matrix is formed at most once, and only when it is cheaper or needed as a matrix itself:
a matrix inverted once or twice in products and nowhere else is solved for (two solves
cost 2 · ⅔n³, one inverse 2n³); three times or more, or where the inverse stands alone
(`Σ⁻¹ - …`), it is inverted once and multiplied. Transposes are views (`A.T @ x`), a
`diag(v)` in a product scales rows or columns, `ones` next to an elementwise operation
is the number 1, and `tr(P Q)` is the sum of `P ⊙ Qᵀ`. Each node becomes an operation
that computes exactly that node's value: the expression the code computes is the one
handed in.

The interface: vectors (n×1 and 1×n) are 1-D arrays, 1×1 values are scalars (floats),
matrices 2-D. Names that are not Python identifiers are spelled as `spell` says.
Nothing here imports numpy: the text is generated, the caller runs it.
Imports: `syntax`, `arrange` (for shapes), `errors`, `sizes`.
"""

from __future__ import annotations

import keyword
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterable, Sequence

from . import syntax as S
from .arrange import Arranger
from .errors import RewriteError
from .sizes import Env, Shape, Size

SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


@dataclass(frozen=True)
class Backend:
    """How one array library spells the operations the emitted code uses."""

    name: str
    imports: tuple[str, ...]
    np: str  # the namespace of elementwise functions, sum, trace, outer, kron, eye, …
    sigmoid: str  # a call template, `{}` for the argument
    eye: str  # templates, `{n}` / `{shape}` for the size
    ones: str
    zeros: str
    asarray: str  # turns a numpy array (drawn by check_grad) into this library's array
    helpers: tuple[tuple[str, str], ...] = ()  # name used in a template → its definition
    vector_first: bool = False  # `Aᵀ v` written `v @ A` (XLA copies a transposed matrix first)
    lu: str | None = None  # the module with lu_factor / lu_solve (one factorisation, both orientations)

    @property
    def linalg(self) -> str:
        return f"{self.np}.linalg"


BACKENDS: dict[str, Backend] = {
    "numpy": Backend(
        "numpy", ("import numpy as np",), "np", "_sigmoid({})", "np.eye({n})", "np.ones({shape})",
        "np.zeros({shape})", "{}",
        (("_sigmoid", "def _sigmoid(z):\n    \"\"\"1 / (1 + exp(-z)), without overflow.\"\"\"\n"
                      "    return 0.5 + 0.5 * np.tanh(0.5 * z)\n"),),
    ),
    "jax": Backend(
        "jax", ("import jax", "import jax.numpy as jnp"), "jnp", "jax.nn.sigmoid({})", "jnp.eye({n})",
        "jnp.ones({shape})", "jnp.zeros({shape})", "jnp.asarray({})", vector_first=True,
        lu="jax.scipy.linalg",
    ),
    "torch": Backend(
        "torch", ("import torch",), "torch", "torch.sigmoid({})", "torch.eye({n}, dtype=_dtype)",
        "torch.ones({shape}, dtype=_dtype)", "torch.zeros({shape}, dtype=_dtype)",
        "torch.as_tensor({}, dtype=torch.float64)",
    ),
}

# Names the emitted module binds itself; a declared name spelled like one gets a `_`.
MODULE_NAMES = frozenset({"np", "jnp", "jax", "torch", "math", "abs", "check_grad"})

# Precedence of the code text, as Python parses it.
ADD, MUL, UNARY, POW, ATOM = 1, 2, 3, 4, 5


def spell(names: Sequence[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """Python spellings of declared names, in order: subscript digits become `_` and the
    ASCII digits (`W₁` → `W_1`); the result is NFKC-normalised, as Python reads
    identifiers (`ϑ` → `θ`); a keyword, a name the module binds (`np`, `jnp`, `jax`,
    `torch`, `math`, `abs`, `check_grad`, the function's own name) or a spelling an earlier
    name already has gets `_` appended until it is free (`lambda` → `lambda_`)."""
    used = set(MODULE_NAMES) | set(taken)
    out: dict[str, str] = {}
    for name in names:
        head = name.rstrip("₀₁₂₃₄₅₆₇₈₉")
        tail = name[len(head):].translate(SUBSCRIPTS)
        text = unicodedata.normalize("NFKC", head + ("_" + tail if tail else ""))
        while keyword.iskeyword(text) or text in used or not text.isidentifier():
            text += "_"
        used.add(text)
        out[name] = text
    return out


@dataclass(frozen=True)
class Code:
    text: str
    prec: int
    kind: str  # "scalar" | "col" | "row" | "mat"


def kind_of(shape: Shape) -> str:
    if shape.is_scalar:
        return "scalar"
    if shape.cols.is_one:
        return "col"
    if shape.rows.is_one:
        return "row"
    return "mat"


@dataclass
class Param:
    """A parameter of the emitted function: the declared name, its spelling, its shape."""

    name: str
    spelled: str
    shape: Shape
    props: frozenset[str] = frozenset()

    @property
    def kind(self) -> str:
        return kind_of(self.shape)


@dataclass
class Body:
    """A function body: statements, then the returned expressions; and what it uses."""

    lines: list[str]
    results: list[str]
    helpers: set[str] = field(default_factory=set)
    solves: int = 0
    inverses: int = 0


def lower(roots: Sequence[S.Expr], params: Sequence[Param], env: Env, backend: Backend,
          size_parameters: dict[str, str] | None = None) -> Body:
    """The statements computing `roots` (arranged, elaborated) from the parameters;
    `size_parameters` names the parameters holding sizes no array's shape carries."""
    return _Lowering(roots, params, env, backend, size_parameters or {}).run()


def free_sizes(roots: Sequence[S.Expr], params: Sequence[Param]) -> list[str]:
    """Dimension names the roots write (`I(k)`, `ones(k)`) that no parameter's shape
    carries as a whole dimension: the emitted function takes these as keywords."""
    carried = {a for p in params if p.kind != "scalar" for s in (p.shape.rows, p.shape.cols)
               if s.coeff == 1 and len(s.atoms) == 1 for a in s.atoms}
    written: list[str] = []
    for root in roots:
        for _, t in S.subterms(root):
            dims = (t.size,) if isinstance(t, (S.Identity, S.SizeOf)) else (t.rows, t.cols) \
                if isinstance(t, (S.Ones, S.Zeros)) else ()
            for d in dims:
                for f in (d.factors if d is not None else ()):
                    if isinstance(f, str) and f not in carried and f not in written:
                        written.append(f)
    return sorted(written)


class _Lowering:
    def __init__(self, roots: Sequence[S.Expr], params: Sequence[Param], env: Env, backend: Backend,
                 size_parameters: dict[str, str]) -> None:
        self.roots = list(roots)
        self.params = list(params)
        self.size_parameters = size_parameters
        self.names = {p.name: p.spelled for p in params}
        self.shapes = Arranger(env)
        self.b = backend
        self.lines: list[str] = []
        self.memo: dict[S.Expr, Code] = {}
        self.memo_bound: set[S.Expr] = set()  # subterms held in a temporary
        self.lus: dict[S.Expr, str] = {}  # matrix → the temporary holding its LU factors
        self.sizes: dict[str, str] = {}
        self.temps = 0
        self.helpers: set[str] = set()
        self.solves = 0
        self.inverses = 0
        self.counts: dict[S.Expr, int] = {}
        self.applications: dict[S.Expr, set[S.Expr]] = {}
        self.standalone: set[S.Expr] = set()
        self._survey()

    # -- what is used where ------------------------------------------------------------

    def _survey(self) -> None:
        """Count references to each distinct subterm, and classify each matrix inverse's
        uses: applied in a product (solvable) or standing alone."""
        seen: set[S.Expr] = set()
        stack = list(self.roots)
        for r in self.roots:
            self.counts[r] = self.counts.get(r, 0) + 1
            if _inverse_of(r) is not None and not self.kind(r) == "scalar":
                self.standalone.add(_inverse_of(r))  # type: ignore[arg-type]
        while stack:
            e = stack.pop()
            if e in seen:
                continue
            seen.add(e)
            applied = self._applied_side(e)
            for i, k in enumerate(e.children()):
                self.counts[k] = self.counts.get(k, 0) + 1
                m = _inverse_of(k)
                if m is not None and not self.kind(k) == "scalar":
                    if applied == i:
                        self.applications.setdefault(m, set()).add(e)
                    elif not (isinstance(e, S.Transpose) and isinstance(k, S.Inverse)):
                        self.standalone.add(m)
                stack.append(k)

    def _applied_side(self, e: S.Expr) -> int | None:
        """For a matrix product with an inverse operand: which operand (0 or 1) is the
        inverse the product applies to the other; else None."""
        if not isinstance(e, S.Mul) or self.kind(e.left) == "scalar" or self.kind(e.right) == "scalar":
            return None
        if _inverse_of(e.left) is not None:
            return 0
        if _inverse_of(e.right) is not None:
            return 1
        return None

    def solved(self, m: S.Expr) -> bool:
        """Whether products with `m⁻¹` are solves (else `m⁻¹` is formed once)."""
        return m not in self.standalone and len(self.applications.get(m, ())) <= 2

    # -- shapes ------------------------------------------------------------------------

    def kind(self, e: S.Expr) -> str:
        return kind_of(self.shapes.shape(e))

    def size(self, d: S.Dim | None) -> str:
        """Code for a size, read off the parameters' shapes."""
        if d is None:
            return "1"
        parts = []
        s = Size.from_dim(d)
        if s.coeff != 1 or not s.atoms:
            parts.append(str(s.coeff))
        for atom in s.atoms:
            parts.append(self._dimension(atom))
        return " * ".join(parts)

    def _dimension(self, atom: str) -> str:
        if atom in self.size_parameters:
            return self.size_parameters[atom]
        if atom not in self.sizes:
            want = Size.of(atom)
            for p in self.params:
                for axis, have in enumerate((p.shape.rows, p.shape.cols)):
                    if have != want:
                        continue
                    if p.kind == "mat":
                        where = f"{p.spelled}.shape[{axis}]"
                    elif p.kind in ("col", "row"):
                        where = f"{p.spelled}.shape[0]"
                    else:
                        continue
                    name = "_" + spell([atom])[atom].rstrip("_")
                    self.lines.insert(0, f"{name} = {where}")
                    self.sizes[atom] = name
                    break
                if atom in self.sizes:
                    break
            else:
                raise RewriteError(f"the size {atom} cannot be read off the shape of any parameter")
        return self.sizes[atom]

    # -- code --------------------------------------------------------------------------

    def run(self) -> Body:
        results = [self.code(r).text for r in self.roots]
        return Body(self.lines, results, self.helpers, self.solves, self.inverses)

    def bind(self, c: Code) -> Code:
        """`c` as a temporary (a name), unless it is one already."""
        if c.prec == ATOM and _is_name(c.text):
            return c
        name = f"_{self.temps}"
        self.temps += 1
        self.lines.append(f"{name} = {c.text}")
        return Code(name, ATOM, c.kind)

    def code(self, e: S.Expr) -> Code:
        c = self.memo.get(e)
        if c is not None:
            return c
        c = self._lower(e)
        if self.counts.get(e, 0) >= 2 and not _trivial(c):
            c = self.bind(c)
            self.memo_bound.add(e)
        self.memo[e] = c
        return c

    def named(self, e: S.Expr) -> Code:
        """`e` as a name, for code that uses it twice."""
        c = self.bind(self.code(e))
        self.memo[e] = c
        return c

    def ns(self, fn: str) -> str:
        return f"{self.b.np}.{fn}"

    def _lower(self, e: S.Expr) -> Code:
        kind = self.kind(e)
        match e:
            case S.Var(name):
                return Code(self.names[name], ATOM, kind)
            case S.Num(q):
                return _number(q)
            case S.Identity(size):
                return Code(self.b.eye.format(n=self.size(size)), ATOM, kind)
            case S.SizeOf(size):  # a size as a number (`tr(I(n))` is n)
                return Code(f"float({self.size(size)})", ATOM, kind)
            case S.SizePower(a, k):
                return Code(f"{_wrap(self.code(a), ATOM)} ** {_wrap(self.code(k), ATOM)}", POW, kind)
            case S.Ones(rows, cols):
                return self._filled(self.b.ones, "1.0", rows, cols, kind)
            case S.Zeros(rows, cols):
                return self._filled(self.b.zeros, "0.0", rows, cols, kind)
            case S.Neg(S.Num(q)):
                return _number(-q)
            case S.Neg(a):
                return Code(f"-{_wrap(self.code(a), UNARY)}", UNARY, kind)
            case S.Transpose(a):
                c = self.code(a)
                return Code(f"{_wrap(c, ATOM)}.T", ATOM, kind) if c.kind == "mat" else Code(c.text, c.prec, kind)
            case S.Inverse(a):
                return self._inverse(a, kind)
            case S.Power(a, q):
                return self._power(a, q, kind)
            case S.Add(a, b) | S.Sub(a, b):
                return self._sum(e, a, b, kind)
            case S.Mul(a, b):
                return self._mul(e, a, b, kind)
            case S.Hadamard(a, b):
                if _is_ones(a) or _is_ones(b):
                    return self.code(b if _is_ones(a) else a)
                return self._binary(self.code(a), "*", self.code(b), MUL, kind)
            case S.HadamardDiv(a, b):
                left = Code("1.0", ATOM, "scalar") if _is_ones(a) else self.code(a)
                return self._binary(left, "/", self.code(b), MUL, kind)
            case S.Div(a, b):
                return self._binary(self.code(a), "/", self.code(b), MUL, kind)
            case S.Frob(a, b):
                ca, cb = self.code(a), self.code(b)
                if "scalar" in (ca.kind, cb.kind):
                    return self._binary(ca, "*", cb, MUL, kind)
                if ca.kind in ("col", "row"):
                    return self._binary(ca, "@", cb, MUL, kind)
                return Code(f"{self.ns('sum')}({_wrap(ca, MUL)} * {_wrap(cb, MUL + 1)})", ATOM, kind)
            case S.Kron(a, b):
                return self._kron(a, b, kind)
            case S.Call(fn, (a,)):
                return self._call(fn, a, kind)
        raise RewriteError(f"cannot generate code for {type(e).__name__}")

    def _filled(self, template: str, one: str, rows: S.Dim, cols: S.Dim | None, kind: str) -> Code:
        if kind == "scalar":
            return Code(one, ATOM, kind)
        if kind in ("col", "row"):
            shape = self.size(rows if kind == "col" else cols)
        else:
            shape = f"({self.size(rows)}, {self.size(cols)})"
        return Code(template.format(shape=shape), ATOM, kind)

    def _binary(self, a: Code, op: str, b: Code, prec: int, kind: str) -> Code:
        return Code(f"{_wrap(a, prec)} {op} {_wrap(b, prec + 1)}", prec, kind)

    def _sum(self, e: S.Expr, a: S.Expr, b: S.Expr, kind: str) -> Code:
        op = "+" if isinstance(e, S.Add) else "-"
        if isinstance(b, S.Zeros):
            return self.code(a)
        if isinstance(a, S.Zeros):
            cb = self.code(b)
            return cb if op == "+" else Code(f"-{_wrap(cb, UNARY)}", UNARY, kind)
        ca = Code("1.0", ATOM, "scalar") if _is_ones(a) and not _is_ones(b) else self.code(a)
        cb = Code("1.0", ATOM, "scalar") if _is_ones(b) and not _is_ones(a) else self.code(b)
        return self._binary(ca, op, cb, ADD, kind)

    def _inverse(self, a: S.Expr, kind: str) -> Code:
        c = self.code(a)
        if kind == "scalar":
            return self._binary(Code("1.0", ATOM, "scalar"), "/", c, MUL, kind)
        self.inverses += 1
        return self.bind(Code(f"{self.b.linalg}.inv({c.text})", ATOM, kind))

    def _power(self, a: S.Expr, q: Fraction, kind: str) -> Code:
        if kind == "scalar":
            exponent = str(q.numerator) if q.denominator == 1 else repr(float(q))
            return Code(f"{_wrap(self.code(a), ATOM)} ** {exponent}", POW, kind)
        k = int(q)
        if k == 0:
            return Code(self.b.eye.format(n=self.size(self.shapes.shape(a).rows.to_dim())), ATOM, kind)
        if k == 1:
            return self.code(a)
        if k == 2:
            c = self.named(a)
            return Code(f"{c.text} @ {c.text}", MUL, kind)
        return Code(f"{self.b.linalg}.matrix_power({self.code(a).text}, {k})", ATOM, kind)

    def _diag_matrix(self, e: S.Expr) -> bool:
        """`diag(v)` of a vector (applied as a scaling); `diag(X)` of a square X is a column."""
        return _is_diag(e) and self.kind(e.args[0]) == "col"  # type: ignore[attr-defined]

    def _mul(self, e: S.Mul, a: S.Expr, b: S.Expr, kind: str) -> Code:
        side = self._applied_side(e)
        if side is not None:
            m = _inverse_of((a, b)[side])
            if self.solved(m):  # type: ignore[arg-type]
                return self._solve(e, side, kind)
        if self._diag_matrix(a) and self.kind(b) != "scalar":
            v = self.code(a.args[0])  # type: ignore[attr-defined]
            cb = self.code(b)
            if cb.kind == "mat":
                return Code(f"{_wrap(v, ATOM)}[:, None] * {_wrap(cb, MUL + 1)}", MUL, kind)
            return self._binary(v, "*", cb, MUL, kind)
        if self._diag_matrix(b) and self.kind(a) != "scalar":
            return self._binary(self.code(a), "*", self.code(b.args[0]), MUL, kind)  # type: ignore[attr-defined]
        ca, cb = self.code(a), self.code(b)
        if "scalar" in (ca.kind, cb.kind):
            return self._binary(ca, "*", cb, MUL, kind)
        # for XLA, Mᵀ v as v M and vᵀ Mᵀ as M v: the same product with no transposed copy
        # of M (XLA makes one before a matrix-vector product; numpy's BLAS call does not)
        if self.b.vector_first:
            if cb.kind == "col" and isinstance(a, S.Transpose) and self.kind(a.arg) == "mat" \
                    and a not in self.memo_bound:
                return self._binary(cb, "@", self.code(a.arg), MUL, kind)
            if ca.kind == "row" and isinstance(b, S.Transpose) and self.kind(b.arg) == "mat" \
                    and b not in self.memo_bound:
                return self._binary(self.code(b.arg), "@", ca, MUL, kind)
        if ca.kind == "col" and cb.kind == "row":
            return Code(f"{self.ns('outer')}({ca.text}, {cb.text})", ATOM, kind)
        return self._binary(ca, "@", cb, MUL, kind)

    def _solve(self, e: S.Mul, side: int, kind: str) -> Code:
        """`M⁻¹ B`, `M⁻ᵀ B`, `B M⁻¹`, `B M⁻ᵀ` as one call of `solve`."""
        inv, other = (e.left, e.right) if side == 0 else (e.right, e.left)
        transposed = isinstance(inv, S.Transpose)
        m = _inverse_of(inv)
        cm = self.code(m)  # type: ignore[arg-type]
        matrix = lambda t: f"{_wrap(cm, ATOM)}.T" if t else cm.text  # noqa: E731
        co = self.code(other)
        self.solves += 1
        if self.b.lu and len(self.applications.get(m, ())) >= 2:  # type: ignore[arg-type]
            return self._lu_solve(m, cm, side, transposed, co, kind)  # type: ignore[arg-type]
        solve = f"{self.b.linalg}.solve"
        if side == 0:  # M⁻¹ B = solve(M, B); M⁻ᵀ B = solve(Mᵀ, B)
            return Code(f"{solve}({matrix(transposed)}, {co.text})", ATOM, kind)
        # B M⁻¹ = (M⁻ᵀ Bᵀ)ᵀ; B M⁻ᵀ = (M⁻¹ Bᵀ)ᵀ; a row B is its own transpose here
        if co.kind == "row":
            return Code(f"{solve}({matrix(not transposed)}, {co.text})", ATOM, kind)
        return Code(f"{solve}({matrix(not transposed)}, {_wrap(co, ATOM)}.T).T", ATOM, kind)

    def _lu_solve(self, m: S.Expr, cm: Code, side: int, transposed: bool, co: Code, kind: str) -> Code:
        """A solve with `m` factorised once for all its products (`lu_solve` solves with
        `m` or `mᵀ` from the same factors)."""
        key = S.Call("det", (m,))  # a memo key no expression uses for this
        lu = self.lus.get(key)
        if lu is None:
            lu = self.lus[key] = self.bind(Code(f"{self.b.lu}.lu_factor({cm.text})", ATOM, "mat")).text
            self.helpers.add("lu")
        trans = int(transposed) if side == 0 else int(not transposed)
        call = f"{self.b.lu}.lu_solve({lu}, {{}}, trans={trans})"
        if side == 0 or co.kind == "row":
            return Code(call.format(co.text), ATOM, kind)
        return Code(call.format(f"{_wrap(co, ATOM)}.T") + ".T", ATOM, kind)

    def _kron(self, a: S.Expr, b: S.Expr, kind: str) -> Code:
        ca, cb = self.code(a), self.code(b)
        if "scalar" in (ca.kind, cb.kind):
            return self._binary(ca, "*", cb, MUL, kind)
        if ca.kind == cb.kind and ca.kind in ("col", "row"):
            return Code(f"{self.ns('kron')}({ca.text}, {cb.text})", ATOM, kind)
        return Code(f"{self.ns('kron')}({_two_d(ca)}, {_two_d(cb)})", ATOM, kind)

    def _call(self, fn: str, a: S.Expr, kind: str) -> Code:
        arg_kind = self.kind(a)
        if fn == "tr":
            if arg_kind == "scalar":
                return self.code(a)
            if (isinstance(a, S.Mul) and self.counts.get(a, 0) == 1 and a not in self.memo
                    and self._applied_side(a) is None and not self._diag_matrix(a.left) and not self._diag_matrix(a.right)
                    and self.kind(a.left) != "scalar" and self.kind(a.right) != "scalar"):
                p, q = self.code(a.left), self.code(a.right)
                if p.kind == "col":  # tr(p qᵀ) = qᵀ p
                    return self._binary(q, "@", p, MUL, kind)
                return Code(f"{self.ns('sum')}({_wrap(p, MUL)} * {_wrap(q, ATOM)}.T)", ATOM, kind)
            return Code(f"{self.ns('trace')}({self.code(a).text})", ATOM, kind)
        c = self.code(a)
        if fn in ("det", "logdet") and arg_kind == "scalar":
            return c if fn == "det" else Code(f"{self.ns('log')}({c.text})", ATOM, kind)
        if fn == "det":
            return Code(f"{self.b.linalg}.det({c.text})", ATOM, kind)
        if fn == "pinv":
            return Code(f"{self.b.linalg}.pinv({c.text})", ATOM, kind)
        if fn == "logdet":
            return Code(f"{self.b.linalg}.slogdet({c.text})[1]", ATOM, kind)
        if fn == "norm":
            if arg_kind == "scalar":
                return Code(f"abs({c.text})", ATOM, kind)
            return Code(f"{self.b.linalg}.norm({c.text})", ATOM, kind)
        if fn == "norm2":
            n = self.named(a)
            if arg_kind in ("col", "row"):
                return Code(f"{n.text} @ {n.text}", MUL, kind)
            if arg_kind == "scalar":
                return Code(f"{n.text} * {n.text}", MUL, kind)
            return Code(f"{self.ns('sum')}({n.text} * {n.text})", ATOM, kind)
        if fn == "sum":
            return c if arg_kind == "scalar" else Code(f"{self.ns('sum')}({c.text})", ATOM, kind)
        if fn == "diag":
            return c if arg_kind == "scalar" else Code(f"{self.ns('diag')}({c.text})", ATOM, kind)
        if fn == "vec":
            return Code(f"{_wrap(c, ATOM)}.T.reshape(-1)", ATOM, kind) if arg_kind == "mat" else c
        if fn == "sigmoid":
            template = self.b.sigmoid
            for helper, _ in self.b.helpers:
                if template.startswith(helper + "("):
                    self.helpers.add(helper)
            return Code(template.format(c.text), ATOM, kind)
        if fn == "abs":
            return Code(f"abs({c.text})", ATOM, kind)
        if fn == "sign":
            return Code(f"{self.ns('sign')}({c.text})", ATOM, kind)
        if fn == "relu":
            n = self.named(a)
            return Code(f"{n.text} * ({n.text} > 0)", MUL, kind)
        if fn == "step":
            return Code(f"(({c.text}) > 0) * 1.0", MUL, kind)
        if fn in ("exp", "log", "sqrt", "tanh"):
            return Code(f"{self.ns(fn)}({c.text})", ATOM, kind)
        raise RewriteError(f"cannot generate code for {fn}")


def _inverse_of(e: S.Expr) -> S.Expr | None:
    """`M` for `M⁻¹` or `M⁻ᵀ`, else None."""
    if isinstance(e, S.Transpose):
        e = e.arg
    return e.arg if isinstance(e, S.Inverse) else None


def _is_diag(e: S.Expr) -> bool:
    return isinstance(e, S.Call) and e.fn == "diag"


def _is_ones(e: S.Expr) -> bool:
    return isinstance(e, S.Ones)


def _is_name(text: str) -> bool:
    return text.isidentifier()


def _trivial(c: Code) -> bool:
    """Code not worth a temporary: a name, a number, a transposed name."""
    t = c.text[:-2] if c.text.endswith(".T") else c.text
    return c.prec == ATOM and (_is_name(t) or _is_number(t))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _number(q: Fraction) -> Code:
    text = repr(float(q))
    return Code(text, UNARY if text.startswith("-") else ATOM, "scalar")


def _wrap(c: Code, prec: int) -> str:
    return c.text if c.prec >= prec else f"({c.text})"


def _two_d(c: Code) -> str:
    if c.kind == "col":
        return f"{_wrap(c, ATOM)}[:, None]"
    if c.kind == "row":
        return f"{_wrap(c, ATOM)}[None, :]"
    return c.text


def params_of(names: Sequence[str], env: Env, taken: Iterable[str] = ()) -> list[Param]:
    spelled = spell(names, taken)
    return [Param(n, spelled[n], env[n].shape, env[n].props) for n in names]
