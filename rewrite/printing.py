"""Syntax trees back to text: `show` in the Unicode, ASCII and LaTeX notations.

Unicode (as a person writes it) and ASCII (what a keyboard has) read back to the same
tree: `parse_expr(show(e, notation)) == e`. Both put parentheses only where precedence or
associativity needs them, plus around a negation on the right of an operator (`A (-B)`).
LaTeX is for reading only. Source positions are ignored.
Imports: `syntax` only, `document`; in particular not `parse` (the tests use it to check this module).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from . import document as doc
from . import syntax as S

Notation = Literal["unicode", "ascii", "latex"]
NOTATIONS: tuple[Notation, ...] = ("unicode", "ascii", "latex")

# Precedence levels, loosest first: an operand whose level is below what its place
# needs gets parentheses.
SUM, FROB, PRODUCT, UNARY, POSTFIX, ATOM = range(6)

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUPERSCRIPT_DIGITS = frozenset("⁰¹²³⁴⁵⁶⁷⁸⁹")

_PRODUCTS = (S.Mul, S.Hadamard, S.HadamardDiv, S.Kron, S.Div)
_UNICODE_INFIX = {S.Hadamard: " ⊙ ", S.HadamardDiv: " ⊘ ", S.Kron: " ⊗ ", S.Div: " / "}
_ASCII_INFIX = {S.Hadamard: " .* ", S.HadamardDiv: " ./ ", S.Div: " / "}  # kron(A, B) is a call


def show(x: S.Expr | doc.Statement | doc.Decl, notation: Notation = "unicode") -> str:
    """`x` as text in `notation`: "unicode" (the default), "ascii" or "latex"."""
    if notation not in NOTATIONS:
        raise ValueError(f"unknown notation {notation!r}; expected one of {', '.join(NOTATIONS)}")
    printer = _Latex() if notation == "latex" else _Plain(notation)
    if isinstance(x, doc.Statement):
        return printer.statement(x)
    if isinstance(x, doc.Decl):
        return printer.decl(x)
    return printer.top(x)


def number(q: Fraction) -> str:
    """A non-negative rational as a literal: `2`, `0.25`, or `1/3` when no decimal is exact."""
    if q.denominator == 1:
        return str(q.numerator)
    rest, twos, fives = q.denominator, 0, 0
    while rest % 2 == 0:
        rest, twos = rest // 2, twos + 1
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    if rest != 1:
        return f"{q.numerator}/{q.denominator}"
    places = max(twos, fives)
    whole, frac = divmod(q.numerator * 10**places // q.denominator, 10**places)
    return f"{whole}.{frac:0{places}d}"


def dim(d: S.Dim) -> str:
    return " ".join(str(f) for f in d.factors)


def _exponent_text(q: Fraction) -> str:
    """An exponent after `^`: `2`, `-0.5`, `(1/3)`, `(-1/3)`."""
    text = number(abs(q))
    sign = "-" if q < 0 else ""
    return f"({sign}{text})" if "/" in text else f"{sign}{text}"


def _is_decimal(q: Fraction) -> bool:
    return "/" not in number(q)


def _is_integer_num(e: S.Expr) -> bool:
    return isinstance(e, S.Num) and e.value.denominator == 1


class _Printer:
    """What the notations share: precedence and where parentheses go. A notation adds
    `expr(e, in_norm)`, the text of `e` without surrounding parentheses."""

    def level(self, e: S.Expr) -> int:
        if isinstance(e, (S.Add, S.Sub)):
            return SUM
        if isinstance(e, S.Frob):
            return FROB
        if isinstance(e, _PRODUCTS):
            return PRODUCT
        if isinstance(e, S.Neg):
            return UNARY
        if isinstance(e, (S.Transpose, S.Inverse, S.Power, S.SizePower)):
            return POSTFIX
        if isinstance(e, S.SizeOf) and len(e.size.factors) > 1:
            return PRODUCT  # `m n` reads back as a product
        return ATOM

    def paren(self, text: str) -> str:
        return f"({text})"

    def operand(self, e: S.Expr, need: int, in_norm: bool = False) -> str:
        if self.level(e) < need:
            return self.paren(self.expr(e))
        return self.expr(e, in_norm)

    def right(self, e: S.Expr, need: int, in_norm: bool = False) -> str:
        """A right operand; one that starts with a minus is bracketed even where it need
        not be (`a - (-b) c`, not `a - -b c`)."""
        text = self.operand(e, need, in_norm)
        return self.paren(self.expr(e)) if text.startswith("-") else text

    def top(self, e: S.Expr) -> str:
        return self.expr(e)


class _Plain(_Printer):
    """Unicode and ASCII: text that parses back to the same tree."""

    def __init__(self, notation: str) -> None:
        self.unicode = notation == "unicode"

    def level(self, e: S.Expr) -> int:
        if isinstance(e, S.Num) and not _is_decimal(e.value):
            return PRODUCT  # `1/3` reads back as a division folded into one number
        if isinstance(e, S.Kron) and not self.unicode:
            return ATOM  # kron(A, B)
        return super().level(e)

    def top(self, e: S.Expr) -> str:
        if self.unicode and isinstance(e, S.Call) and e.fn == "grad":
            f, x = e.args
            return f"d/d{x.name} {self.expr(f)}"
        return self.expr(e)

    def statement(self, s: doc.Statement) -> str:
        return f"{s.kind} {s.name}: {self.top(s.lhs)} = {self.top(s.rhs)}"

    def decl(self, d: doc.Decl) -> str:
        t = d.type
        kind = {"Mat": f"Mat({dim(t.rows)}, {dim(t.cols)})", "Vec": f"Vec({dim(t.rows)})", "Scalar": "Scalar"}[t.kind]
        return " ".join([f"let {', '.join(d.names)} : {kind}", *d.props])

    def expr(self, e: S.Expr, in_norm: bool = False) -> str:
        u = self.unicode
        if isinstance(e, S.Var):
            return e.name
        if isinstance(e, S.Num):
            return number(e.value)
        if isinstance(e, S.Identity):
            return "I" if e.size is None else f"I({dim(e.size)})"
        if isinstance(e, S.SizeOf):
            return dim(e.size)
        if isinstance(e, S.SizePower):
            return self.operand(e.arg, ATOM, in_norm) + "^" + self.operand(e.exponent, ATOM)
        if isinstance(e, S.Ones) and e.rows is None:
            return "ones"
        if isinstance(e, (S.Ones, S.Zeros)):
            sizes = dim(e.rows) if e.cols is None else f"{dim(e.rows)}, {dim(e.cols)}"
            return f"{'ones' if isinstance(e, S.Ones) else 'zeros'}({sizes})"
        if isinstance(e, S.Neg):
            return "-" + self.operand(e.arg, POSTFIX, in_norm)
        if isinstance(e, (S.Add, S.Sub)):
            op = " + " if isinstance(e, S.Add) else " - "
            return self.operand(e.left, SUM, in_norm) + op + self.right(e.right, FROB, in_norm)
        if isinstance(e, S.Frob):
            return self.operand(e.left, FROB, in_norm) + " : " + self.right(e.right, PRODUCT, in_norm)
        if isinstance(e, S.Kron) and not u:
            return f"kron({self.expr(e.left)}, {self.expr(e.right)})"
        if isinstance(e, _PRODUCTS):
            return self.product(e, in_norm)
        if isinstance(e, (S.Transpose, S.Inverse, S.Power)):
            return self.postfix(e, in_norm)
        if isinstance(e, S.Call):
            return self.call(e)
        raise TypeError(f"cannot show {type(e).__name__}")

    def product(self, e: S.Expr, in_norm: bool) -> str:
        left = self.operand(e.left, PRODUCT, in_norm)
        right = self.right(e.right, POSTFIX, in_norm)
        if isinstance(e, S.Div) and _is_integer_num(e.left) and _is_integer_num(e.right):
            return f"{left}/({right})"  # `2/3` would read back as the number 2/3
        if isinstance(e, S.Mul):
            if not self.unicode:
                return f"{left}*{right}"
            # Juxtaposition, unless the right side would fuse with the left: a number
            # (`2 3`), or a `‖` that would close the norm we are in.
            glued = right[0].isdigit() or (in_norm and right.startswith("‖"))
            return f"{left}⋅{right}" if glued else f"{left} {right}"
        return left + (_UNICODE_INFIX if self.unicode else _ASCII_INFIX)[type(e)] + right

    def postfix(self, e: S.Expr, in_norm: bool) -> str:
        if isinstance(e, S.Transpose) and isinstance(e.arg, S.Inverse):
            arg, suffix = e.arg.arg, ("⁻ᵀ" if self.unicode else "^-T")
        elif isinstance(e, S.Transpose):
            arg, suffix = e.arg, ("ᵀ" if self.unicode else "^T")
        elif isinstance(e, S.Inverse):
            arg, suffix = e.arg, ("⁻¹" if self.unicode else "^-1")
        else:
            arg, suffix = e.arg, self.power_suffix(e.exponent)
        text = self.operand(arg, POSTFIX, in_norm)
        if isinstance(arg, S.Power) or isinstance(arg, S.Inverse) and isinstance(e, (S.Inverse, S.Power)):
            text = self.paren(self.expr(arg))  # (A²)³, not A²³; (A⁻¹)⁻¹, not A⁻¹⁻¹ (refused as ambiguous)
        elif self.unicode and isinstance(e, S.Power) and e.exponent.denominator == 1:
            # A superscript must not run into the one before it (A⁻¹² is A to the -12),
            # and ‖A‖² is the squared norm, not a power of ‖A‖.
            if text[-1] in _SUPERSCRIPT_DIGITS or (text.endswith("‖") and e.exponent == 2):
                text = self.paren(self.expr(arg))
        return text + suffix

    def power_suffix(self, q: Fraction) -> str:
        if self.unicode and q.denominator == 1:
            return str(q.numerator).translate(_SUPERSCRIPT)
        return "^" + _exponent_text(q)

    def call(self, e: S.Call) -> str:
        if self.unicode and e.fn in ("norm", "norm2"):
            inner = self.expr(e.args[0], in_norm=True)
            return f"‖{inner}‖" + ("²" if e.fn == "norm2" else "")
        return f"{e.fn}({', '.join(self.expr(a) for a in e.args)})"


# ---------------------------------------------------------------------------
# LaTeX

_GREEK = dict(
    zip(
        "αβγδεζηθικλμνξοπρςστυφχψωϑϕϖϱϵΓΔΘΛΞΠΣΥΦΨΩΑΒΕΖΗΙΚΜΝΟΡΤΧ",
        (
            r"\alpha \beta \gamma \delta \varepsilon \zeta \eta \theta \iota \kappa \lambda \mu "
            r"\nu \xi o \pi \rho \varsigma \sigma \tau \upsilon \varphi \chi \psi \omega "
            r"\vartheta \phi \varpi \varrho \epsilon \Gamma \Delta \Theta \Lambda \Xi \Pi \Sigma "
            r"\Upsilon \Phi \Psi \Omega A B E Z H I K M N O P T X"
        ).split(),
    )
)

_LATEX_FUNCTIONS = {name: f.latex for name, f in S.FUNCTION.items()}


def latex_name(name: str) -> str:
    """`x` → `x`, `σ` → `\\sigma`, `W₁` → `W_{1}`, `x_hat` → `\\mathit{x\\_hat}`."""
    base = name.rstrip("₀₁₂₃₄₅₆₇₈₉")
    sub = name[len(base) :].translate(str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789"))
    if not sub and len(base) > 1 and base.rstrip("0123456789") and base[-1].isdigit():
        trimmed = base.rstrip("0123456789")
        base, sub = trimmed, base[len(trimmed) :]
    if len(base) == 1:
        text = _GREEK.get(base, base)
    else:
        text = r"\mathit{" + "".join(_GREEK[c] + " " if c in _GREEK else c for c in base).replace("_", r"\_") + "}"
    return f"{text}_{{{sub}}}" if sub else text


def _latex_dim(d: S.Dim) -> str:
    return " ".join(latex_name(f) if isinstance(f, str) else str(f) for f in d.factors)


class _Latex(_Printer):
    """LaTeX for reading: fractions for division, `^\\top`, `\\|A\\|_F`."""

    def level(self, e: S.Expr) -> int:
        if isinstance(e, S.Div):
            return ATOM  # \frac groups its parts
        return super().level(e)

    def paren(self, text: str) -> str:
        return rf"\left({text}\right)"

    def statement(self, s: doc.Statement) -> str:
        relation = "=" if s.kind == "claim" else r"\neq"
        return f"{self.expr(s.lhs)} {relation} {self.expr(s.rhs)}"

    def decl(self, d: doc.Decl) -> str:
        t = d.type
        space = {
            "Mat": rf"\mathbb{{R}}^{{{_latex_dim(t.rows)} \times {_latex_dim(t.cols)}}}",
            "Vec": rf"\mathbb{{R}}^{{{_latex_dim(t.rows)}}}",
            "Scalar": r"\mathbb{R}",
        }[t.kind]
        props = rf" \quad (\text{{{', '.join(d.props)}}})" if d.props else ""
        return f"{', '.join(latex_name(n) for n in d.names)} \\in {space}{props}"

    def expr(self, e: S.Expr, in_norm: bool = False) -> str:
        if isinstance(e, S.Var):
            return latex_name(e.name)
        if isinstance(e, S.Num):
            q = e.value
            return number(q) if _is_decimal(q) else rf"\frac{{{q.numerator}}}{{{q.denominator}}}"
        if isinstance(e, S.Identity):
            return "I" if e.size is None else f"I_{{{_latex_dim(e.size)}}}"
        if isinstance(e, S.SizeOf):
            return _latex_dim(e.size)
        if isinstance(e, S.SizePower):
            return f"{{{self.operand(e.arg, ATOM)}}}^{{{self.expr(e.exponent)}}}"
        if isinstance(e, S.Ones) and e.rows is None:
            return r"\mathbf{1}"
        if isinstance(e, (S.Ones, S.Zeros)):
            sizes = _latex_dim(e.rows) + ("" if e.cols is None else rf" \times {_latex_dim(e.cols)}")
            return rf"\mathbf{{{1 if isinstance(e, S.Ones) else 0}}}_{{{sizes}}}"
        if isinstance(e, S.Neg):
            return "-" + self.operand(e.arg, POSTFIX)
        if isinstance(e, (S.Add, S.Sub)):
            op = " + " if isinstance(e, S.Add) else " - "
            return self.operand(e.left, SUM) + op + self.right(e.right, FROB)
        if isinstance(e, S.Frob):
            return self.operand(e.left, FROB) + " : " + self.right(e.right, PRODUCT)
        if isinstance(e, S.Div):
            return rf"\frac{{{self.expr(e.left)}}}{{{self.expr(e.right)}}}"
        if isinstance(e, _PRODUCTS):
            left, right = self.operand(e.left, PRODUCT), self.right(e.right, POSTFIX)
            op = {S.Hadamard: r" \odot ", S.HadamardDiv: r" \oslash ", S.Kron: r" \otimes "}.get(type(e))
            if op is None:
                op = r" \cdot " if right[0].isdigit() else " "
            return left + op + right
        if isinstance(e, (S.Transpose, S.Inverse, S.Power)):
            return self.postfix(e)
        if isinstance(e, S.Call):
            return self.call(e)
        raise TypeError(f"cannot show {type(e).__name__}")

    def postfix(self, e: S.Expr) -> str:
        if isinstance(e, S.Transpose) and isinstance(e.arg, S.Inverse):
            arg, sup = e.arg.arg, r"-\top"
        elif isinstance(e, S.Transpose):
            arg, sup = e.arg, r"\top"
        elif isinstance(e, S.Inverse):
            arg, sup = e.arg, "-1"
        else:
            arg, sup = e.arg, ("-" if e.exponent < 0 else "") + self.expr(S.Num(abs(e.exponent)))
        base = self.operand(arg, POSTFIX)
        if isinstance(arg, S.Call) and arg.fn == "d":
            base = rf"\left({base}\right)"  # (dx)ᵀ, not d(xᵀ)
        elif self.level(arg) == POSTFIX or (isinstance(arg, S.Call) and arg.fn == "norm2"):
            base = f"{{{base}}}"  # a second superscript needs its own group
        return f"{base}^{{{sup}}}"

    def call(self, e: S.Call) -> str:
        args = [self.expr(a) for a in e.args]
        if e.fn == "norm":
            return rf"\left\|{args[0]}\right\|_F"
        if e.fn == "norm2":
            return rf"\left\|{args[0]}\right\|_F^2"
        if e.fn == "sqrt":
            return rf"\sqrt{{{args[0]}}}"
        if e.fn == "d":
            return r"\mathrm{d}" + (args[0] if isinstance(e.args[0], S.Var) else self.paren(args[0]))
        if e.fn == "symgrad":  # the gradient on symmetric matrices
            return rf"\nabla^{{\mathrm{{sym}}}}_{{{args[1]}}}" + self.paren(args[0])
        if e.fn in S.DERIVATIVES:
            f, x = args
            top, bottom = {
                "grad": (r"\partial", rf"\partial {x}"),
                "jac": (r"\partial", rf"\partial {x}^\top"),
                "hess": (r"\partial^2", rf"\partial {x} \, \partial {x}^\top"),
            }[e.fn]
            if isinstance(e.args[0], S.Var):
                return rf"\frac{{{top} {f}}}{{{bottom}}}"
            return rf"\frac{{{top}}}{{{bottom}}}" + self.paren(f)
        return _LATEX_FUNCTIONS[e.fn] + self.paren(", ".join(args))


def _repr_latex_(e: S.Expr) -> str:
    """Notebooks show an expression typeset. Attached here, not in `syntax`, which the
    trusted kernel imports and which must not import a printer."""
    return f"${show(e, 'latex')}$"


S.Expr._repr_latex_ = _repr_latex_  # type: ignore[attr-defined]
