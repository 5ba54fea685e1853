"""The syntax of the expression language: a lark LALR grammar and the tree it builds.

Nodes are built by an inline transformer while LALR parses, so neither a long chain
(``1+1+...``) nor deep parentheses recurse in Python; nesting beyond ``MAX_DEPTH`` is
refused with the position. Unknown functions and wrong argument counts are caught here,
before any data is seen. The language itself is described in :mod:`expressions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import lark

from qinbound_nb.core.expressions.signatures import ARITY
from qinbound_nb.errors import ExpressionError

MAX_DEPTH = 64
MAX_LENGTH = 10_000
GRAMMAR = r"""
?start: or_
?or_: and_ | or_ OR and_ -> logical
?and_: not_ | and_ AND not_ -> logical
?not_: cmp | NOT not_ -> negate
?cmp: concat | concat CMP concat -> compare
?concat: sum | concat AMP sum -> concat
?sum: product | sum ADD product -> arithmetic
?product: unary | product MUL unary -> arithmetic
?unary: atom | ADD unary -> sign
?atom: NUMBER -> number
     | STRING -> string
     | TRUE -> true | FALSE -> false | NULL -> null
     | NAME LPAR [args] RPAR -> call
     | NAME -> field | BRACKETED -> field
     | LPAR or_ RPAR -> group
args: or_ ("," or_)*
OR.3: /or\b/i
AND.3: /and\b/i
NOT.3: /not\b/i
TRUE.3: /true\b/i
FALSE.3: /false\b/i
NULL.3: /null\b/i
CMP: "==" | "!=" | "<>" | "<=" | ">=" | "=" | "<" | ">"
AMP: "&"
ADD: "+" | "-"
MUL: "*" | "/"
LPAR: "("
RPAR: ")"
NUMBER: /(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/
STRING: /"([^"]|"")*"/
NAME: /[A-Za-z_][A-Za-z0-9_.]*/
BRACKETED: /\[([^\]]|\]\])+\]/
%ignore /\s+/
"""


@dataclass(frozen=True)
class Node:
    """One node of the syntax tree; ``position`` is where it starts in the text.

    A constant's value is a plain float, str, bool or None: the evaluator makes it an Arrow
    scalar, so parsing (``qinbound validate``) never starts pyarrow's pandas bridge.
    """

    kind: str
    position: int
    value: object = None
    children: tuple[Node, ...] = ()
    depth: int = 1


class _Problem(Exception):
    """Raised while parsing; compile_expression adds the text and makes it an ExpressionError."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


class _Build(lark.Transformer[lark.Token, Node]):
    """Builds nodes while LALR parses, so deep input never recurses in Python."""

    def _node(self, kind: str, position: int, value: object, *children: Node) -> Node:
        depth = 1 + max((child.depth for child in children), default=0)
        if depth > MAX_DEPTH:
            raise _Problem(
                f"the expression nests deeper than {MAX_DEPTH} levels; split it up", position
            )
        return Node(kind, position, value, children, depth)

    def logical(self, items: list) -> Node:
        left, op, right = items
        return self._node("logical", op.start_pos, op.value.upper(), left, right)

    def compare(self, items: list) -> Node:
        left, op, right = items
        return self._node("compare", op.start_pos, op.value, left, right)

    def arithmetic(self, items: list) -> Node:
        left, op, right = items
        return self._node("arithmetic", op.start_pos, op.value, left, right)

    def concat(self, items: list) -> Node:
        return self._node("concat", items[1].start_pos, "&", items[0], items[2])

    def negate(self, items: list) -> Node:
        return self._node("not", items[0].start_pos, None, items[1])

    def sign(self, items: list) -> Node:
        op, operand = items
        return operand if op.value == "+" else self._node("minus", op.start_pos, None, operand)

    def number(self, items: list) -> Node:
        return self._node("constant", items[0].start_pos, float(items[0]))

    def string(self, items: list) -> Node:
        text = items[0].value[1:-1].replace('""', '"')
        return self._node("constant", items[0].start_pos, text)

    def true(self, items: list) -> Node:
        return self._node("constant", items[0].start_pos, True)

    def false(self, items: list) -> Node:
        return self._node("constant", items[0].start_pos, False)

    def null(self, items: list) -> Node:
        return self._node("constant", items[0].start_pos, None)

    def field(self, items: list) -> Node:
        token = items[0]
        if token.type == "NAME" and token.value.upper() in ("AND", "OR"):
            raise _Problem(
                f"{token.value.upper()} joins two conditions, but a value or field is missing "
                f"before it (a field really called {token.value} goes in brackets: "
                f"[{token.value}])",
                token.start_pos,
            )
        name = token.value[1:-1].replace("]]", "]") if token.type == "BRACKETED" else token.value
        return self._node("field", token.start_pos, name)

    def call(self, items: list) -> Node:
        name, _, args, _ = items
        children = tuple(args.children) if args is not None else ()
        upper = name.value.upper()
        arity = ARITY.get(upper)
        if arity is None:
            raise _Problem(
                f"unknown function {name.value}; known functions are {', '.join(sorted(ARITY))}",
                name.start_pos,
            )
        least, most = arity
        at_most = most if most is not None else len(children)
        if not least <= len(children) <= at_most:
            wanted = (
                str(least)
                if least == at_most
                else (f"{least} to {most}" if most else f"at least {least}")
            )
            raise _Problem(
                f"{upper} takes {wanted} argument(s), not {len(children)}", name.start_pos
            )
        return self._node("call", name.start_pos, upper, *children)

    def group(self, items: list) -> Node:
        return items[1]


@lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    return lark.Lark(
        GRAMMAR, parser="lalr", lexer="contextual", maybe_placeholders=True, transformer=_Build()
    )


def parse_expression(text: str) -> Node:
    """Parse ``text`` into a tree, or raise ExpressionError naming the position."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters; keep it under {MAX_LENGTH}",
            expression=text[:60],
            position=None,
        )
    if not text.strip():
        raise ExpressionError("the expression is empty", expression=text, position=0)
    try:
        return cast(Node, _parser().parse(text))
    except _Problem as problem:
        raise ExpressionError(str(problem), expression=text, position=problem.position) from None
    except lark.exceptions.UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None


def _syntax_error(text: str, exc: lark.exceptions.UnexpectedInput) -> ExpressionError:
    if isinstance(exc, lark.exceptions.UnexpectedEOF):
        return ExpressionError(
            "the expression ends too early (a closing ')' or an operand is missing)",
            expression=text,
            position=len(text),
        )
    position = getattr(exc, "pos_in_stream", None)
    token = getattr(exc, "token", None)
    if token is not None and getattr(token, "type", "") == "$END":
        return ExpressionError(
            "the expression ends too early (a closing ')' or an operand is missing)",
            expression=text,
            position=len(text),
        )
    if position is None:
        position = getattr(token, "start_pos", 0) or 0
    char = text[position] if position < len(text) else ""
    hint = "; text goes in double quotes" if char == "'" else ""
    return ExpressionError(f"unexpected {char!r} here{hint}", expression=text, position=position)


def field_names(tree: Node) -> list[str]:
    names, stack = [], [tree]
    while stack:
        node = stack.pop()
        if node.kind == "field":
            names.append(str(node.value))
        stack.extend(reversed(node.children))
    return names


class UnknownFieldError(ExpressionError):
    """An expression names a field the frame does not have (schema drift, or a typo)."""

    def __init__(self, field: str, *, expression: str, position: int) -> None:
        super().__init__(
            f"unknown field {field!r}; fields are case-sensitive and names with spaces go "
            "in [brackets]",
            expression=expression,
            position=position,
        )
        self.field = field
