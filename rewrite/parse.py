"""Text to syntax trees: the parser of the proof language of LANGUAGE.md.

`grammar.lark` holds the grammar. This module lexes with it, runs the token pass the
grammar cannot express (which `‖` opens or closes a norm, where a `d/dX` prefix ends,
whether brackets balance), feeds lark's LALR parser one logical line at a time, and turns
lark's trees into `syntax` trees without recursion. Every failure is a `ParseError` with a
position; lark's own exceptions never escape.
Imports: `syntax`, `errors`, `document`, `caches`, lark. Must not import `shapes` or any later stage.
"""

from __future__ import annotations

import hashlib
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedToken

from . import document as doc
from . import syntax as S
from .caches import cache_file
from .errors import ParseError

# Deeper trees are refused: later stages walk trees recursively, and no proof needs this.
MAX_DEPTH = 200
# Longer lines are refused before lark sees them (a 10 MB line took it 110 s and 3.8 GB).
MAX_TOKENS = 100_000

_STARTS = ["item", "expr", "equation", "decl", "declared"]


class _Layout:
    """lark's post-lexer hook: the context-dependent tokens (see the grammar's footer)."""

    always_accept = ("BAR", "NL")

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return _layout(stream)


def _build_lark() -> Lark:
    """The parser, and the lexer `_lines` uses: built once from the parser's (possibly
    cached) grammar, as `Lark.lex` on a parser would rebuild it on every call."""
    grammar = (Path(__file__).with_name("grammar.lark")).read_text(encoding="utf-8")
    names = [f'"{n}"' for n in (*S.FUNCTION, *doc.SPELLINGS) if n != "d"]
    grammar += "\n!function: " + " | ".join(names) + " | D\n"
    # the LALR tables, computed once per grammar (lark checks the grammar's digest on reading)
    cache = cache_file(f"lark-{hashlib.sha256(grammar.encode()).hexdigest()[:16]}.pickle")
    lark = Lark(grammar, parser="lalr", lexer="basic", postlex=_Layout(), start=_STARTS,
                cache=str(cache) if cache else False)
    lark.lexer = lark._build_lexer()  # what `Lark.lex` uses when it is there
    return lark


# ---------------------------------------------------------------------------
# The token pass

# Tokens after which an operand has just ended (so a `‖` there closes a norm).
_ENDS_OPERAND = frozenset(
    "NAME NUMBER RPAR NORM_CLOSE NORM_SQUARED_CLOSE TRANSPOSE INVERSE_T SUPERSCRIPT CARET "
    "IDENTITY ONES _DERIV_END".split()
)
_PREFIX = frozenset({"D", "PARTIAL"})  # on the bracket stack: an open d/dX or ∂/∂X prefix


def _pos(tok: Token) -> S.Pos:
    return S.Pos(tok.line, tok.column)


def _error(message: str, tok: Token) -> ParseError:
    return ParseError(message, pos=_pos(tok))


def _at_end(tok: Token) -> Token:
    """A zero-width token just after `tok`: where "end of line" errors point."""
    return Token("$END", "", tok.end_pos, tok.end_line, tok.end_column, tok.end_line, tok.end_column, tok.end_pos)


def _where(tok: Token) -> str:
    return f"'{'‖' if tok.type == 'NORM_OPEN' else tok.value}' at {tok.line}:{tok.column}"


def _what(tok: Token) -> str:
    return "norm" if tok.type == "NORM_OPEN" else "parenthesis"


def _end_prefixes(stack: list[Token], closer: Token) -> Iterator[Token]:
    """A d/dX prefix takes everything up to the closer: end each one open at the top."""
    while stack and stack[-1].type in _PREFIX:
        stack.pop()
        yield Token.new_borrow_pos("_DERIV_END", closer.value, closer)


def _innermost_bracket(stack: list[Token]) -> Token | None:
    return next((t for t in reversed(stack) if t.type not in _PREFIX), None)


def _squares(tok: Token | None) -> bool:
    """Whether `tok`, right after a closing `‖`, makes it `‖A‖²`."""
    if tok is None:
        return False
    if tok.type == "SUPERSCRIPT":
        return tok.value == "²"
    return tok.type == "CARET" and _exponent(tok) == 2


def _layout(stream: Iterator[Token]) -> Iterator[Token]:
    """Classify `‖`, mark where d/dX prefixes end, and check brackets, line by line."""
    tokens = iter(stream)
    ahead: list[Token] = []

    def peek() -> Token | None:
        if not ahead:
            nxt = next(tokens, None)
            if nxt is None:
                return None
            ahead.append(nxt)
        return ahead[0]

    stack: list[Token] = []  # open '(', 'I(', '‖', and the first token of d/dX prefixes
    expect_operand, in_prefix, last = True, False, None
    while True:
        tok = ahead.pop() if ahead else next(tokens, None)
        if tok is None:
            break
        kind = tok.type
        if kind == "NL":
            if last is not None:
                yield from _end_line(stack, _at_end(last))
            stack, expect_operand, in_prefix, last = [], True, False, None
            yield tok
            continue
        if kind in ("RPAR", "COMMA", "EQUALS"):
            yield from _end_prefixes(stack, tok)
            if kind == "RPAR":
                _close_bracket(stack, tok)
            elif kind == "EQUALS" and stack:
                raise _error(f"unbalanced {_what(stack[-1])}: {_where(stack[-1])} is not closed before '='", tok)
        elif kind == "BAR":
            inner = _innermost_bracket(stack)
            if not expect_operand and inner is not None and inner.type == "NORM_OPEN":
                yield from _end_prefixes(stack, tok)
                stack.pop()
                if _squares(peek()):
                    square = ahead.pop()
                    tok = Token(
                        "NORM_SQUARED_CLOSE",
                        tok.value + square.value,
                        tok.start_pos,
                        tok.line,
                        tok.column,
                        square.end_line,
                        square.end_column,
                        square.end_pos,
                    )
                else:
                    tok = Token.new_borrow_pos("NORM_CLOSE", tok.value, tok)
            else:
                tok = Token.new_borrow_pos("NORM_OPEN", tok.value, tok)
                stack.append(tok)
        elif kind in ("LPAR", "IDENTITY_OF", "ONES_OF"):
            stack.append(tok)
        elif kind in _PREFIX and (nxt := peek()) is not None and nxt.type == "SLASH":
            stack.append(tok)
            in_prefix = True
        yield tok
        if in_prefix and kind == "NAME":  # the X of d/dX: an operand comes next
            in_prefix, expect_operand = False, True
        else:
            expect_operand = tok.type not in _ENDS_OPERAND
        last = tok
    if last is not None:
        yield from _end_line(stack, _at_end(last))


def _close_bracket(stack: list[Token], tok: Token) -> None:
    if not stack:
        raise _error(f"unbalanced parenthesis: ')' at {tok.line}:{tok.column} has no matching '('", tok)
    if stack[-1].type == "NORM_OPEN":
        raise _error(f"unbalanced norm: {_where(stack[-1])} is not closed before ')'", tok)
    stack.pop()


def _end_line(stack: list[Token], eol: Token) -> Iterator[Token]:
    yield from _end_prefixes(stack, eol)
    if stack:
        raise _error(f"unbalanced {_what(stack[-1])}: {_where(stack[-1])} is never closed", eol)


# ---------------------------------------------------------------------------
# Driving lark, and turning its errors into ours

_LARK = _build_lark()

# Tokens that can start an operand: the parser's choices at the start of an expression.
_OPERAND_START = frozenset(t for t in _LARK.parse_interactive(start="expr").choices() if t.isupper())

_OPERATORS = frozenset(
    "PLUS MINUS MUL HADAMARD HADAMARD_DIV KRON SLASH COLON TRANSPOSE INVERSE_T SUPERSCRIPT CARET".split()
)

_TOKEN_WORDS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "NORM_OPEN": "'‖'",
    "NORM_CLOSE": "'‖'",
    "NORM_SQUARED_CLOSE": "'‖²'",
    "MUL": "'⋅'",
    "HADAMARD": "'⊙'",
    "HADAMARD_DIV": "'⊘'",
    "TRANSPOSE": "'ᵀ'",
    "SUPERSCRIPT": "an exponent",
    "CARET": "'^'",
    "MINUS": "'-'",
}

_CHARACTER_HINTS = {
    "^": "expected T, -T, -1 or a number after '^'",
    "|": "unexpected character '|' (a norm is written ‖A‖ or norm(A))",
    "⁻": "unexpected character '⁻' (it must be followed by ¹, ᵀ or superscript digits)",
    ".": "unexpected character '.' (a decimal needs digits on both sides; '.*' and './' are elementwise)",
    "\\": "unexpected character '\\' (a '\\' continues a line only at its very end)",
}


def _describe(tok: Token) -> str:
    return f"'{tok.value}'" if tok.value else "the end of the line"


def _expected_word(terminal: str) -> str:
    if terminal in _TOKEN_WORDS:
        return _TOKEN_WORDS[terminal]
    pattern = _LARK.get_terminal(terminal).pattern
    return f"'{pattern.value}'" if pattern.type == "str" else terminal.lower()


def _expected_list(expected: set[str]) -> str:
    """The accepted tokens in words, operands and operators each named as a group."""
    words: list[str] = []
    if "NAME" in expected and "NUMBER" in expected:
        words.append("an expression")
        expected = expected - _OPERAND_START
    if len(expected & _OPERATORS) > 1:
        words.append("an operator")
        expected = expected - _OPERATORS
    words += sorted({_expected_word(t) for t in expected - {"$END", "_DERIV_END"}})
    if "$END" in expected:
        words.append("the end of the line")
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _unexpected(tok: Token, expected: set[str], prev: Token | None) -> ParseError:
    """Our message for a token the grammar does not allow where it is."""
    found = _describe(tok)
    after = f" after '{prev.value}'" if prev is not None else ""
    if "NAME" in expected and tok.value in doc.RESERVED:
        message = f"'{tok.value}' is a reserved word and cannot be used as a name"
    elif "NUMBER" in expected and expected <= _OPERAND_START:
        message = f"expected an expression{after}, found {found}"
    elif expected == {"NAME", "NUMBER"}:
        message = f"expected a size (a name or a positive integer){after}, found {found}"
    elif expected == {"NAME"}:
        message = f"expected a name{after}, found {found}"
    elif "EQUALS" in expected and tok.type in ("$END", "_DERIV_END"):
        message = f"expected '=' and a right-hand side{after}, found {found}"
    else:
        message = f"unexpected {found}{after}; expected {_expected_list(expected)}"
    return _error(message, tok)


def _bad_character(e: UnexpectedCharacters) -> ParseError:
    char = e.char
    shown = f"'{char}'" if char.isprintable() else f"U+{ord(char):04X}"
    message = _CHARACTER_HINTS.get(char, f"unexpected character {shown}")
    return ParseError(message, pos=S.Pos(e.line, e.column))


def _lines(text: str) -> Iterator[list[Token]]:
    """The tokens of each logical line that has any."""
    line: list[Token] = []
    stream = _LARK.lex(text)
    while True:
        try:
            tok = next(stream, None)
        except UnexpectedCharacters as e:
            raise _bad_character(e) from None
        if tok is None or tok.type == "NL":
            if line:
                yield line
                line = []
            if tok is None:
                return
        else:
            line.append(tok)
            if len(line) > MAX_TOKENS:  # lark would take minutes and gigabytes before saying no
                raise _error(f"a statement of more than {MAX_TOKENS:,} tokens is too long to check", tok)


def _parse_line(tokens: list[Token], start: str) -> Tree | Token:
    tokens = tokens + [_at_end(tokens[-1])]
    parser = _LARK.parse_interactive(start=start)
    for i, tok in enumerate(tokens):
        try:
            result = parser.feed_token(tok)
        except UnexpectedToken:
            # The failed step may have reduced already; replay the line up to the bad token
            # to ask what would have been accepted there.
            before = _LARK.parse_interactive(start=start)
            for earlier in tokens[:i]:
                before.feed_token(earlier)
            raise _unexpected(tok, before.accepts(), tokens[i - 1] if i else None) from None
    return result


# ---------------------------------------------------------------------------
# lark trees to syntax trees


def _number(text: str, tok: Token) -> Fraction:
    try:
        return Fraction(text)
    except ValueError:  # Python reads at most 4300 digits
        raise _error(f"the number {text[:20]}… is too long ({len(text)} characters)", tok) from None


def _exponent(tok: Token) -> str | Fraction:
    """What a postfix token raises to: "T", "-T", or a number (-1 is the inverse)."""
    if tok.type == "TRANSPOSE":
        return "T"
    if tok.type == "INVERSE_T":
        return "-T"
    if tok.type == "SUPERSCRIPT":
        return _number(tok.value.translate(_FROM_SUPERSCRIPT), tok)
    text = "".join(tok.value[1:].split()).strip("()")
    if text.endswith("T"):
        return text
    num, _, den = text.partition("/")
    try:
        return _number(num, tok) / _number(den or "1", tok)
    except ZeroDivisionError:
        raise _error(f"exponent {text} divides by zero", tok) from None


_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")

_PRODUCTS = {
    "MUL": S.Mul,
    "HADAMARD": S.Hadamard,
    "HADAMARD_DIV": S.HadamardDiv,
    "KRON": S.Kron,
    "SLASH": S.Div,
}


def _is_integer_literal(node: Tree | Token) -> bool:
    """A number written directly (not in parentheses) without a decimal point."""
    return isinstance(node, Tree) and node.data == "number" and "." not in node.children[0]


def _first_token(node: Tree | Token) -> Token:
    while isinstance(node, Tree):
        node = node.children[0]
    return node


class _Builder:
    """Turns one line's lark tree into syntax; one method per grammar rule (or alias)."""

    def __init__(self, text: str = "") -> None:
        self.text = text  # the line's source, kept in Statement.text

    def build(self, root: Tree | Token):
        """Post-order over the lark tree with an explicit stack (trees may be deep)."""
        values: list = []
        todo: list = [(root, False)]
        while todo:
            node, expanded = todo.pop()
            if not isinstance(node, Tree):
                values.append(node)
            elif expanded:
                n = len(node.children)
                kids = values[len(values) - n :]
                del values[len(values) - n :]
                values.append(getattr(self, node.data)(node, kids))
            else:
                todo.append((node, True))
                todo.extend((c, False) for c in reversed(node.children))
        return values[0]

    # lines

    def decl(self, tree, kids):
        let, decl = kids
        return doc.Decl(decl.names, decl.type, decl.props, at=_pos(let))

    def declared(self, tree, kids):
        i = next(i for i, k in enumerate(kids) if isinstance(k, doc.Type))
        names, props = kids[:i], kids[i + 1 :]
        for p in props:
            if p.value not in S.PROPERTIES:
                raise _error(f"unknown property '{p.value}'; expected one of {', '.join(S.PROPERTIES)}", p)
        return doc.Decl(tuple(n.value for n in names), kids[i], tuple(p.value for p in props), at=_pos(names[0]))

    def mat(self, tree, kids):
        return doc.Type.mat(*kids)

    def vec(self, tree, kids):
        return doc.Type.vec(kids[0])

    def scalar(self, tree, kids):
        return doc.Type.scalar()

    def dim(self, tree, kids):
        factors: list[str | int] = []
        for tok in kids:
            if tok.type == "NAME":
                factors.append(tok.value)
            elif "." in tok.value or _number(tok.value, tok) < 1:
                raise _error(f"a size is a name or a positive integer, found '{tok.value}'", tok)
            else:
                factors.append(int(tok.value))
        return S.Dim(tuple(factors))

    def statement(self, tree, kids):
        kind, name, (lhs, rhs) = kids
        return doc.Statement(kind.value, name.value, lhs, rhs, at=_pos(kind), text=self.text)

    def equation(self, tree, kids):
        return kids[0], kids[2]

    # expressions

    def add(self, tree, kids):
        return S.Add(kids[0], kids[2], at=_pos(kids[1]))

    def sub(self, tree, kids):
        return S.Sub(kids[0], kids[2], at=_pos(kids[1]))

    def frob(self, tree, kids):
        return S.Frob(kids[0], kids[2], at=_pos(kids[1]))

    def binary(self, tree, kids):
        left, op, right = kids
        if op.type == "SLASH" and _is_integer_literal(tree.children[0]) and _is_integer_literal(tree.children[2]):
            if right.value == 0:
                raise _error(f"division by zero in {left.value}/0", op)
            return S.Num(left.value / right.value, at=left.at)
        return _PRODUCTS[op.type](left, right, at=_pos(op))

    def juxtapose(self, tree, kids):
        # No operator to point at: the product sits where its right operand starts.
        return S.Mul(kids[0], kids[1], at=_pos(_first_token(tree.children[1])))

    def neg(self, tree, kids):
        return S.Neg(kids[1], at=_pos(kids[0]))

    def postfix(self, tree, kids):
        arg, tok = kids
        power = _exponent(tok)
        inner = tree.children[0]
        if not isinstance(power, str) and isinstance(inner, Tree) and inner.data == "postfix" \
                and not isinstance(_exponent(inner.children[-1]), str):
            # `2^3^2`: a person reads 2^(3^2) = 512, a left-to-right parse (2^3)^2 = 64
            raise _error("a power of a power is ambiguous: put brackets around the inner one, "
                         "as in (a^b)^c", tok)
        if power == "T":
            return S.Transpose(arg, at=_pos(tok))
        if power == "-T":
            return S.Transpose(S.Inverse(arg, at=_pos(tok)), at=_pos(tok))
        if power == -1:
            return S.Inverse(arg, at=_pos(tok))
        return S.Power(arg, power, at=_pos(tok))

    def size_power(self, tree, kids):
        arg, tok, exponent = kids
        return S.SizePower(arg, exponent, at=_pos(tok))

    def var(self, tree, kids):
        return S.Var(kids[0].value, at=_pos(kids[0]))

    def number(self, tree, kids):
        return S.Num(_number(kids[0].value, kids[0]), at=_pos(kids[0]))

    def paren(self, tree, kids):
        return kids[1]

    def norm(self, tree, kids):
        return S.Call("norm", (kids[1],), at=_pos(kids[0]))

    def norm2(self, tree, kids):
        return S.Call("norm2", (kids[1],), at=_pos(kids[0]))

    def function(self, tree, kids):
        return kids[0]

    def call(self, tree, kids):
        fn, args = kids[0], tuple(kids[1:])
        name, at = ("tr" if fn.value == "trace" else fn.value), _pos(fn)
        arity = {"inv": 1, "kron": 2}.get(name) or S.FUNCTIONS[name]
        if len(args) != arity:
            plural = "argument" if arity == 1 else "arguments"
            raise _error(f"{name} takes {arity} {plural}, got {len(args)}", fn)
        if name == "inv":
            return S.Inverse(args[0], at=at)
        if name == "kron":
            return S.Kron(args[0], args[1], at=at)
        if name in S.DERIVATIVES and not S._is_variable(args[1], name):
            also = " or jac(y, vec(X))" if name == "jac" else ""
            raise _error(f"{name} differentiates with respect to a name: write {name}(f, X){also}", fn)
        return S.Call(name, args, at=at)

    def identity(self, tree, kids):
        return S.Identity(kids[1] if len(kids) > 1 else None, at=_pos(kids[0]))

    def filled(self, tree, kids):
        cls = S.Ones if kids[0].type in ("ONES", "ONES_OF") else S.Zeros
        if len(kids) == 1:
            return S.Ones(at=_pos(kids[0]))
        return cls(kids[1], kids[2] if len(kids) > 2 else None, at=_pos(kids[0]))

    def d_prefix(self, tree, kids):
        first, name, body = kids[0], kids[-2], kids[-1]
        if first.type == "D" and kids[2] is name:  # d/dX: the name token is "dX"
            if len(name.value) < 2 or not name.value[1].isalpha():
                raise _error(f"expected d/dX with X a name, found 'd/{name.value}'", name)
            variable = name.value[1:]
            if variable in doc.RESERVED:
                raise _error(f"cannot differentiate with respect to '{variable}': it is a reserved word", name)
        else:
            variable = name.value
        return S.Call("grad", (body, S.Var(variable, at=_pos(name))), at=_pos(first))

    def partial(self, tree, kids):
        name = kids[-1]
        body = kids[2] if kids[1].type == "LPAR" else S.Var(kids[1].value, at=_pos(kids[1]))
        return S.Call("grad", (body, S.Var(name.value, at=_pos(name))), at=_pos(kids[0]))


def _checked(result):
    """`result` (an expression, an equation, a statement or a declaration), after
    refusing any expression in it nested deeper than MAX_DEPTH."""
    if isinstance(result, doc.Statement):
        roots = [result.lhs, result.rhs]
    elif isinstance(result, tuple):
        roots = list(result)
    else:
        roots = [result] if isinstance(result, S.Expr) else []
    todo = [(e, 1) for e in roots]
    while todo:
        node, depth = todo.pop()
        if depth > MAX_DEPTH:
            raise ParseError(f"expression nested too deeply (more than {MAX_DEPTH} levels)", pos=node.at)
        todo.extend((c, depth + 1) for c in node.children())
    return result


# ---------------------------------------------------------------------------
# Public API


def _parse_one(text: str, start: str, file: str | None, what: str):
    """Parse text that must hold exactly one logical line, from the grammar rule `start`."""
    try:
        lines = list(_lines(text))
        if not lines:
            raise ParseError(f"expected {what}, found nothing", pos=S.Pos(1, 1))
        if len(lines) > 1:
            raise ParseError(f"expected {what} on one line", pos=_pos(lines[1][0]))
        tokens = lines[0]
        if start == "decl" and tokens[0].type != "LET":
            start = "declared"
        return _checked(_Builder().build(_parse_line(tokens, start)))
    except ParseError as e:
        raise e.located(file) from None


def parse_expr(text: str, *, file: str | None = None) -> S.Expr:
    """One expression; names need no declaration (rule files use this too)."""
    return _parse_one(text, "expr", file, "an expression")


def parse_equation(text: str, *, file: str | None = None) -> tuple[S.Expr, S.Expr]:
    """`LHS = RHS`, as typed at the command line."""
    return _parse_one(text, "equation", file, "an equation LHS = RHS")


def parse_decl(text: str, *, file: str | None = None) -> doc.Decl:
    """`let A : Mat(m, n)`, or without the `let`, as in `--let "A: Mat(m, n)"`."""
    return _parse_one(text, "decl", file, "a declaration")


def parse_text(text: str, path: str = "<string>") -> doc.ProofFile:
    """A proof file's contents; errors name `path`. The trees are immutable, so the same
    text read again (a test suite reads each proof file many times) is read once."""
    return _parse_text(text, path) if len(text) > 100_000 else _parse_text_once(text, path)


@lru_cache(maxsize=256)
def _parse_text_once(text: str, path: str) -> doc.ProofFile:
    return _parse_text(text, path)


def _parse_text(text: str, path: str) -> doc.ProofFile:
    text = text.removeprefix("\ufeff")
    items: list[doc.Decl | doc.Statement] = []
    try:
        for tokens in _lines(text):
            real = [t for t in tokens if t.type != "_DERIV_END"]
            source = text[real[0].start_pos : real[-1].end_pos]
            items.append(_checked(_Builder(source).build(_parse_line(tokens, "item"))))
    except ParseError as e:
        raise e.located(path) from None
    return doc.ProofFile(path, tuple(items))


def parse_file(path: str | Path) -> doc.ProofFile:
    """A proof file on disk (UTF-8)."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[: e.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        raise ParseError("the file is not valid UTF-8", file=str(path), pos=S.Pos(line, col)) from None
    return parse_text(text, str(path))
