"""Terms as s-expressions: the one notation the kernel reads and writes.

Certificates and the compiled rule base carry terms as `(tr (* A (T B)))`, read here by a
reader of a few dozen lines, so the trusted base needs no parser generator; people read
the user's notation (`printing`), which is never trusted. A term's children are the
list's elements in `syntax` child order, so certificate positions mean the same in both.

    A  2  1/2  (I n)  (size n)  (pow E F)  (ones m n)  (ones n)  (zeros m*n 2)  (neg E)  (T E)  (inv E)  (^ E 2)
    (+ E F)  (- E F)  (* E F)  (had E F)  (hdiv E F)  (kron E F)  (/ E F)  (: E F)  (tr E) …

A size is an atom: a product of names and positive integers joined by `*` (`m*n`, `2*k`).
Imports: `syntax`, `errors`.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Union

from . import syntax as S
from .errors import RewriteError

SExpr = Union[str, list]  # an atom, or a list of s-expressions

MAX_DEPTH = 400  # deeper nesting is refused (the kernel walks terms recursively)
MAX_DIGITS = 400  # longer numerals are refused
_TOKEN = re.compile(r"\s*(?:([()])|([^\s()\"';]+))")
_NUMERAL = re.compile(r"\d+(?:/\d+)?$")

UNARY = {"neg": S.Neg, "T": S.Transpose, "inv": S.Inverse}
BINARY = {"+": S.Add, "-": S.Sub, "*": S.Mul, "had": S.Hadamard, "hdiv": S.HadamardDiv, "kron": S.Kron,
          "/": S.Div, ":": S.Frob, "pow": S.SizePower}
_HEAD = {cls: head for head, cls in {**UNARY, **BINARY}.items()}


class SyntaxError_(RewriteError):
    """Text that is not a well-formed s-expression term."""


def read(text: str) -> SExpr:
    """One s-expression (atoms are strings), without recursion."""
    stack: list[list] = [[]]
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise SyntaxError_(f"unexpected character {text[pos]!r} at offset {pos}")
        pos = m.end()
        if m.group(1) == "(":
            if len(stack) > MAX_DEPTH:
                raise SyntaxError_(f"nested more than {MAX_DEPTH} deep")
            stack.append([])
        elif m.group(1) == ")":
            if len(stack) == 1:
                raise SyntaxError_("unbalanced ')'")
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(m.group(2))
    if len(stack) != 1:
        raise SyntaxError_("unbalanced '('")
    if len(stack[0]) != 1:
        raise SyntaxError_(f"expected one s-expression, found {len(stack[0])}")
    return stack[0][0]


def write(x: SExpr) -> str:
    return x if isinstance(x, str) else "(" + " ".join(write(y) for y in x) + ")"


# ---------------------------------------------------------------------------
# Terms


def numeral(atom: str) -> Fraction:
    if not isinstance(atom, str) or not _NUMERAL.match(atom) or len(atom) > MAX_DIGITS:
        raise SyntaxError_(f"expected a numeral, found {write(atom)}")
    return Fraction(atom)


def dim(atom: SExpr) -> S.Dim:
    if not isinstance(atom, str) or not atom:
        raise SyntaxError_(f"expected a size, found {write(atom)}")
    factors: list[str | int] = []
    for f in atom.split("*"):
        if f.isdigit() and len(f) <= MAX_DIGITS and int(f) > 0:
            factors.append(int(f))
        elif f and (f[0].isalpha() or f[0] == "?") and not _NUMERAL.match(f):
            factors.append(f)
        else:
            raise SyntaxError_(f"expected a size, found {atom}")
    return S.Dim(tuple(factors))


def term(x: SExpr) -> S.Expr:
    """The syntax tree of an s-expression term (iterative: terms may be deep)."""
    out: dict[int, S.Expr] = {}
    todo: list[tuple[SExpr, bool]] = [(x, False)]
    while todo:
        node, ready = todo.pop()
        if isinstance(node, str):
            out[id(node)] = _atom(node)
            continue
        if not node or not isinstance(node[0], str):
            raise SyntaxError_(f"expected an operator at the head of {write(node)}")
        head, args = node[0], node[1:]
        kids = args[:1] if head == "^" else args if head not in ("I", "size", "ones", "zeros") else []
        if not ready:
            todo.append((node, True))
            todo.extend((k, False) for k in kids)
            continue
        out[id(node)] = _node(head, args, [out[id(k)] for k in kids])
    return out[id(x)]


def _atom(a: str) -> S.Expr:
    if _NUMERAL.match(a):
        return S.Num(numeral(a))
    if not (a[0].isalpha() or a[0] == "_") or any(c in a for c in "*/:"):
        raise SyntaxError_(f"expected a name or a numeral, found {a}")
    return S.Var(a)


def _node(head: str, args: list, kids: list[S.Expr]) -> S.Expr:
    try:
        if head in UNARY and len(args) == 1:
            return UNARY[head](kids[0])
        if head in BINARY and len(args) == 2:
            return BINARY[head](kids[0], kids[1])
        if head == "^" and len(args) == 2:
            exponent = numeral(args[1].lstrip("-")) if isinstance(args[1], str) else numeral(args[1])
            return S.Power(kids[0], -exponent if args[1].startswith("-") else exponent)
        if head == "I" and len(args) == 1:
            return S.Identity(dim(args[0]))
        if head == "size" and len(args) == 1:
            return S.SizeOf(dim(args[0]))
        if head in ("ones", "zeros") and len(args) in (1, 2):
            return (S.Ones if head == "ones" else S.Zeros)(dim(args[0]), dim(args[1]) if len(args) == 2 else None)
        if head in S.FUNCTIONS:
            return S.Call(head, tuple(kids))
    except (ValueError, TypeError) as e:
        raise SyntaxError_(f"malformed ({head} …): {e}") from None
    raise SyntaxError_(f"unknown operator or wrong number of arguments: ({head} …) with {len(args)}")


def dim_atom(d: S.Dim) -> str:
    return "*".join(str(f) for f in d.factors)


def of_term(e: S.Expr) -> SExpr:
    """The s-expression of a syntax tree (the inverse of `term`)."""
    if isinstance(e, S.Var):
        return e.name
    if isinstance(e, S.Num):
        return str(e.value)
    if isinstance(e, S.Identity):
        if e.size is None:
            raise SyntaxError_("an identity without a size (elaborate the term first)")
        return ["I", dim_atom(e.size)]
    if isinstance(e, S.SizeOf):
        return ["size", dim_atom(e.size)]
    if isinstance(e, (S.Ones, S.Zeros)):
        if e.rows is None:
            raise SyntaxError_("ones without a size (elaborate the term first)")
        head = "ones" if isinstance(e, S.Ones) else "zeros"
        return [head, dim_atom(e.rows)] + ([dim_atom(e.cols)] if e.cols is not None else [])
    if isinstance(e, S.Power):
        return ["^", of_term(e.arg), str(e.exponent)]
    if isinstance(e, S.Call):
        return [e.fn] + [of_term(a) for a in e.args]
    return [_HEAD[type(e)]] + [of_term(k) for k in e.children()]


def show(e: S.Expr) -> str:
    """A term as s-expression text (what kernel messages print)."""
    return write(of_term(e))
