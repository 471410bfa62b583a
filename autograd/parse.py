"""A small, safe parser for expressions such as ``"tanh(x1*w1 + x2*w2 + b)"`` — no `eval`.

The language, and nothing else:

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | power
    power      := atom ("**" unary)?            right-associative: 2**3**2 = 2**9; -x**2 = -(x**2)
    atom       := number | name | function "(" expression ("," expression)* ")" | "(" expression ")"

Names are letters, digits and ``_`` (not starting with a digit or ``__``) and must be given a value;
functions come from a fixed list (`FUNCTIONS`), each one op of the op table. The text is read by a
hand-written scanner character by character, so no Python code is ever compiled or run, whatever
the input. Any problem raises `ParseError`, which points at the offending character with a caret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from . import ops
from .op import REGISTRY, Op
from .value import Value, _to_float

#: The functions an expression may call: name → the built-in op of that name (one argument each,
#: except the variadic ``max(a, b, …)`` and ``logsumexp(a, b, …)``). The op actually applied is
#: looked up in `REGISTRY` by name when the expression is read, so an op replaced with
#: ``defop(..., replace=True)`` is the one the parser uses, operators included.
FUNCTIONS: dict[str, Op] = {
    "exp": ops.EXP, "log": ops.LOG, "tanh": ops.TANH, "sigmoid": ops.SIGMOID, "relu": ops.RELU,
    "leaky_relu": ops.LEAKY_RELU, "sqrt": ops.SQRT, "abs": ops.ABS, "sin": ops.SIN, "cos": ops.COS,
    "softplus": ops.SOFTPLUS, "max": ops.MAX, "logsumexp": ops.LOGSUMEXP,
}
_BINARY = {"+": ops.ADD, "-": ops.SUB, "*": ops.MUL, "/": ops.DIV}
_PUNCTUATION = ("**", "*", "/", "+", "-", "(", ")", ",")
MAX_LENGTH = 10_000
MAX_DEPTH = 60  # nesting of parentheses and signs; keeps the recursive descent far from Python's limit

Operand = Value | float


class ParseError(ValueError):
    """An expression that cannot be read or evaluated; `position` is the offending character's index.

    ``str(error)`` shows the reason, the expression and a caret under the offending character.
    """

    def __init__(self, reason: str, text: str, position: int) -> None:
        self.reason, self.text, self.position = reason, text, position
        super().__init__(self._render())

    def _render(self) -> str:
        # Show at most ~70 characters around the position, on one line, so the caret lines up.
        start = max(0, self.position - 35)
        end = min(len(self.text), start + 70)
        shown = "".join(c if c.isprintable() else " " for c in self.text[start:end])
        left = "…" if start > 0 else ""
        right = "…" if end < len(self.text) else ""
        caret = " " * (len(left) + self.position - start) + "^"
        return f"{self.reason} (column {self.position + 1})\n  {left}{shown}{right}\n  {caret}"


def parse_expression(text: str, names: Mapping[str, Any] | None = None, *,
                     label_nodes: bool = True) -> Value:
    """Build the computation graph of `text`, with `names` bound to numbers or `Value`s.

    A number in `names` becomes a leaf labelled with its name; a `Value` is used as it is (so you
    can read its ``.grad`` after a backward pass). With `label_nodes`, every node an op makes is
    labelled with its piece of the text (``"x1*w1"``), which is what graphs and the stepper show.
    Parts made of numbers only are computed right away (``2*3`` becomes 6.0). Returns the root;
    raises `ParseError` for anything that is not an expression of the language.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_expression: the expression must be a str, got {type(text).__name__}")
    bound: dict[str, Value] = {}
    for name, value in (names or {}).items():
        if not isinstance(name, str) or not _is_name(name) or name.startswith("__"):
            raise ValueError(f"parse_expression: {name!r} cannot be a name; use letters, digits and _ "
                             f"(not starting with a digit or __)")
        if name in FUNCTIONS:
            raise ValueError(f"parse_expression: {name!r} is a function name; pick another name")
        bound[name] = value if isinstance(value, Value) else Value(_to_float(value, name), label=name)
    result = _Parser(text, bound, label_nodes).parse()
    return result if isinstance(result, Value) else Value(result, label=" ".join(text.split()))


def _is_name(s: str) -> bool:
    return bool(s) and s.isascii() and (s[0].isalpha() or s[0] == "_") and all(
        c.isalnum() or c == "_" for c in s)


class _Parser:
    """Recursive descent over a token list; builds the graph while it reads."""

    def __init__(self, text: str, names: dict[str, Value], label_nodes: bool) -> None:
        self.text, self.names, self.label_nodes = text, names, label_nodes
        self.depth = 0
        if len(text) > MAX_LENGTH:
            self.fail(f"the expression is longer than {MAX_LENGTH:,} characters", MAX_LENGTH)
        self.tokens = self.scan()
        self.i = 0

    def fail(self, reason: str, position: int) -> NoReturn:
        raise ParseError(reason, self.text, position)

    # --- scanning ---------------------------------------------------------------------------------

    def scan(self) -> list[tuple[str, str, int]]:
        """Tokens as (kind, text, position); kind is "num", "name", an operator, or "end"."""
        text, tokens, i = self.text, [], 0
        while i < len(text):
            c = text[i]
            if c in " \t\r\n":
                i += 1
            elif c.isascii() and (c.isdigit() or (c == "." and _is_digit(text[i + 1:i + 2]))):
                j = self.scan_number(i)
                tokens.append(("num", text[i:j], i))
                i = j
            elif c.isascii() and (c.isalpha() or c == "_"):
                j = i
                while j < len(text) and text[j].isascii() and (text[j].isalnum() or text[j] == "_"):
                    j += 1
                tokens.append(("name", text[i:j], i))
                i = j
            else:
                op = next((p for p in _PUNCTUATION if text.startswith(p, i)), None)
                if op is None:
                    self.fail(_bad_character(c), i)
                tokens.append((op, op, i))
                i += len(op)
        tokens.append(("end", "", len(text)))
        return tokens

    def scan_number(self, i: int) -> int:
        text, n = self.text, len(self.text)

        def digits(j: int) -> int:
            while j < n and text[j].isascii() and text[j].isdigit():
                j += 1
            return j

        j = digits(i)
        if j < n and text[j] == ".":
            j = digits(j + 1)
        if j < n and text[j] in "eE":
            k = j + 1 + (j + 1 < n and text[j + 1] in "+-")
            if k < n and text[k].isascii() and text[k].isdigit():
                j = digits(k)
        if j < n and text[j].isascii() and (text[j].isalpha() or text[j] == "_" or text[j] == "."):
            if text[j] == ".":
                self.fail("a number cannot have a second '.'", j)
            self.fail(f"a number runs into a name here; write {text[i:j]}*{text[j]}, not "
                      f"{text[i:j]}{text[j]} (multiplication needs '*')", j)
        return j

    # --- grammar ----------------------------------------------------------------------------------

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Operand:
        if self.peek()[0] == "end":
            self.fail("the expression is empty; write something like tanh(x*w + b)", 0)
        try:
            value, _ = self.expression()
        except RecursionError:  # a backstop; MAX_DEPTH should stop deep nesting first
            value = None
        if value is None:
            self.fail(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)", 0)
        kind, token, pos = self.peek()
        if kind != "end":
            self.fail(f"expected an operator (+ - * / **) or the end, found {_show(kind, token)}", pos)
        return value

    def enter(self, position: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"the expression is nested too deeply (more than {MAX_DEPTH} levels of "
                      f"parentheses and signs)", position)

    def expression(self) -> tuple[Operand, int]:
        """Returns the value and the position where its text starts (for node labels)."""
        start = self.peek()[2]
        self.enter(start)
        left, _ = self.term()
        while self.peek()[0] in ("+", "-"):
            _, op, pos = self.take()
            right, _ = self.term()
            left = self.combine(_current(_BINARY[op]), (left, right), pos, start)
        self.depth -= 1
        return left, start

    def term(self) -> tuple[Operand, int]:
        left, start = self.unary()
        while self.peek()[0] in ("*", "/"):
            _, op, pos = self.take()
            right, _ = self.unary()
            left = self.combine(_current(_BINARY[op]), (left, right), pos, start)
        return left, start

    def unary(self) -> tuple[Operand, int]:
        kind, _, pos = self.peek()
        if kind in ("-", "+"):
            self.take()
            self.enter(pos)
            value, _ = self.unary()
            self.depth -= 1
            if kind == "-":
                value = self.combine(_current(ops.NEG), (value,), pos, pos)
            return value, pos
        return self.power()

    def power(self) -> tuple[Operand, int]:
        base, start = self.atom()
        if self.peek()[0] != "**":
            return base, start
        _, _, pos = self.take()
        exponent, _ = self.unary()
        if isinstance(exponent, Value):  # a Value exponent: the two-input op a**b
            return self.combine(_current(ops.PVAL), (base, exponent), pos, start), start
        try:  # a number exponent: the power rule op x**p (or plain arithmetic on two numbers)
            value = base ** exponent if isinstance(base, Value) else ops.power(base, exponent)
        except (ValueError, ZeroDivisionError, OverflowError) as err:
            self.fail(f"cannot compute this power: {_first_line(err)}", pos)
        return self.label(value, start), start

    def atom(self) -> tuple[Operand, int]:
        kind, token, pos = self.take()
        if kind == "num":
            value = float(token)
            if value == float("inf"):
                self.fail(f"the number {token} is too large for a float", pos)
            return value, pos
        if kind == "(":
            value, _ = self.expression()
            self.expect(")", pos)
            return value, pos
        if kind == "name":
            if token.startswith("__"):
                self.fail(f"names starting with '__' are not allowed ({token!r})", pos)
            if self.peek()[0] == "(":
                return self.call(token, pos), pos
            if token in self.names:
                return self.names[token], pos
            if token in FUNCTIONS:
                self.fail(f"{token} is a function; call it with its argument, e.g. {token}(x)", pos)
            known = ", ".join(sorted(self.names)) or "none"
            self.fail(f"the name {token!r} has no value (bound names: {known}); give it one, "
                      f"e.g. {token}=1.5", pos)
        self.fail(f"expected a number, a name or '(', found {_show(kind, token)}", pos)

    def call(self, name: str, pos: int) -> Operand:
        op = FUNCTIONS.get(name)
        if op is None:
            if name in self.names:
                self.fail(f"{name!r} is a value, not a function; to multiply write {name}*(...)", pos)
            self.fail(f"unknown function {name!r}; the functions are {', '.join(sorted(FUNCTIONS))}",
                      pos)
        self.take()  # "("
        if self.peek()[0] == ")":
            many = "at least one argument, e.g. {0}(x, y)" if op.variadic else "one argument, e.g. {0}(x)"
            self.fail(f"{name}() needs {many.format(name)}", self.peek()[2])
        arguments = [self.expression()[0]]
        while self.peek()[0] == ",":
            if not op.variadic:
                self.fail(f"{name} takes one argument", self.peek()[2])
            self.take()  # ","
            arguments.append(self.expression()[0])
        self.expect(")", pos + len(name))
        return self.combine(_current(op), tuple(arguments), pos, pos)

    def expect(self, kind: str, opened: int) -> None:
        found, token, pos = self.take()
        if found != kind:
            self.fail(f"expected ')' to close the '(' at column {opened + 1}, found "
                      f"{_show(found, token)}", pos)

    # --- building the graph -----------------------------------------------------------------------

    def combine(self, op: Op, operands: tuple[Operand, ...], pos: int, start: int) -> Operand:
        """Apply `op` (a new node if any operand is a Value, else plain arithmetic) and label it."""
        try:
            value = op(*operands)
        except (ValueError, ZeroDivisionError, OverflowError) as err:
            self.fail(f"cannot compute {op.name} here: {_first_line(err)}", pos)
        return self.label(value, start)

    def label(self, value: Operand, start: int) -> Operand:
        if self.label_nodes and isinstance(value, Value) and value.children and not value.label:
            end = self.tokens[self.i - 1][2] + len(self.tokens[self.i - 1][1])
            value.label = " ".join(self.text[start:end].split())
        return value


def _current(op: Op) -> Op:
    """The op registered under `op`'s name now: itself, or what replaced it (defop(replace=True))."""
    return REGISTRY.get(op.name, op)


def _is_digit(c: str) -> bool:
    return c.isascii() and c.isdigit()


def _first_line(err: Exception) -> str:
    return str(err).splitlines()[0] if str(err) else type(err).__name__


def _show(kind: str, token: str) -> str:
    return "the end of the expression" if kind == "end" else repr(token)


def _bad_character(c: str) -> str:
    if c == "^":
        return "'^' is not an operator here; write x**2 for a power"
    if c == ".":
        return "'.' may only appear inside a number; attribute access is not part of the language"
    if c in "[]{}":
        return f"{c!r}: only round parentheses ( ) group an expression"
    if c in "=<>!":
        return f"{c!r}: an expression has no comparisons or assignments; bind names outside it"
    if c in "'\"":
        return "quotes: an expression has no strings"
    return (f"unexpected character {c!r}; an expression is made of numbers, names, + - * / **, "
            f"parentheses and the functions {', '.join(sorted(FUNCTIONS))}")
