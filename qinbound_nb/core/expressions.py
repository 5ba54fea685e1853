"""The connector expression language: parsing (with lark, never eval) and evaluation.

Syntax, loosest binding first::

    a OR b    a AND b    NOT a          keywords in any case
    = == != <> < > <= >=                comparison (not chained)
    a & b                               join as text (blank counts as empty text)
    + -    * /    -x                    arithmetic on numbers
    42  3.5  "text"  "2024-01-31"       constants; "" inside quotes is one quote
    TRUE FALSE NULL                     keywords
    QID5  comment  QID1.label           fields: letters, digits, _ and . (case-sensitive)
    [Any Field Name]                    any field, in brackets (]] inside is one ])
    UPPER(x), IF(c, a, b) ...           functions (see expression_functions)

Quoted constants are text; one beside a date (or passed where a date is expected) is read
as a date. Blank values follow SQL's three-valued logic (see expression_ops). Evaluation
is vectorized over whole columns; a type mismatch raises ExpressionError pointing at the
operator or argument at fault.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import cast

import lark
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.core import expression_ops as ops
from qinbound_nb.core.dates import UTC_MS, to_utc
from qinbound_nb.core.expression_functions import FUNCTIONS
from qinbound_nb.core.expression_values import Context, Value, broadcast, column_value, fail
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
    """One node of the syntax tree; ``position`` is where it starts in the text."""

    kind: str
    position: int
    value: object = None
    children: tuple[Node, ...] = ()
    depth: int = 1


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
        return self._node("constant", items[0].start_pos, pa.scalar(float(items[0])))

    def string(self, items: list) -> Node:
        text = items[0].value[1:-1].replace('""', '"')
        return self._node("constant", items[0].start_pos, pa.scalar(text, pa.string()))

    def true(self, items: list) -> Node:
        return self._node("constant", items[0].start_pos, pa.scalar(True))

    def false(self, items: list) -> Node:
        return self._node("constant", items[0].start_pos, pa.scalar(False))

    def null(self, items: list) -> Node:
        return self._node("constant", items[0].start_pos, pa.scalar(None))

    def field(self, items: list) -> Node:
        token = items[0]
        name = token.value[1:-1].replace("]]", "]") if token.type == "BRACKETED" else token.value
        return self._node("field", token.start_pos, name)

    def call(self, items: list) -> Node:
        name, _, args, _ = items
        children = tuple(args.children) if args is not None else ()
        upper = name.value.upper()
        function = FUNCTIONS.get(upper)
        if function is None:
            raise _Problem(
                f"unknown function {name.value}; known functions are "
                f"{', '.join(sorted(FUNCTIONS))}",
                name.start_pos,
            )
        most = function.most if function.most is not None else len(children)
        if not function.least <= len(children) <= most:
            wanted = (
                str(function.least)
                if function.least == most
                else (
                    f"{function.least} to {function.most}"
                    if function.most
                    else f"at least {function.least}"
                )
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


@dataclass(frozen=True)
class Expression:
    """A compiled expression; evaluate it against a frame of columns."""

    text: str
    tree: Node
    fields: tuple[str, ...] = field(default=())

    def evaluate(self, frame: pd.DataFrame, *, now: datetime | None = None) -> pd.Series:
        """Evaluate over every row of ``frame``; return an Arrow-backed Series.

        Args:
            frame: the columns the expression's fields name (other columns are ignored).
            now: the clock for NOW() and TODAY(); defaults to the current UTC time.

        Raises:
            UnknownFieldError: a field is not a column of ``frame``.
            ExpressionError: values of the wrong kind meet (the message says where).
        """
        moment = now or datetime.now(UTC)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        clock = pc.cast(pa.scalar(moment), UTC_MS, safe=False)
        context = Context(self.text, len(frame), clock)
        result = _evaluate(self.tree, frame, context)
        data = broadcast(result.data, len(frame))
        return pd.Series(pd.arrays.ArrowExtensionArray(data), index=frame.index)

    def kind(self, frame: pd.DataFrame) -> str:
        """The kind of value the expression gives on ``frame``'s columns."""
        context = Context(self.text, 0, pa.scalar(0, UTC_MS))
        return _evaluate(self.tree, frame.iloc[:0], context).kind


def compile_expression(text: str) -> Expression:
    """Parse ``text`` into an Expression, or raise ExpressionError naming the position."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters; keep it under {MAX_LENGTH}",
            expression=text[:60],
            position=None,
        )
    if not text.strip():
        raise ExpressionError("the expression is empty", expression=text, position=0)
    try:
        tree = cast(Node, _parser().parse(text))
    except _Problem as problem:
        raise ExpressionError(str(problem), expression=text, position=problem.position) from None
    except lark.exceptions.UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    return Expression(text, tree, tuple(dict.fromkeys(_field_names(tree))))


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


def _field_names(tree: Node) -> list[str]:
    names, stack = [], [tree]
    while stack:
        node = stack.pop()
        if node.kind == "field":
            names.append(str(node.value))
        stack.extend(reversed(node.children))
    return names


def _evaluate(node: Node, frame: pd.DataFrame, context: Context) -> Value:
    if node.kind == "constant":
        scalar = node.value
        assert isinstance(scalar, pa.Scalar)
        kinds = {pa.float64(): "number", pa.string(): "text", pa.bool_(): "bool"}
        return Value(scalar, kinds.get(scalar.type, "blank"), node.position)  # type: ignore[arg-type]
    if node.kind == "field":
        name = str(node.value)
        if name not in frame.columns:
            raise UnknownFieldError(name, expression=context.text, position=node.position)
        return column_value(pa.array(frame[name].array), node.position)
    args = [_evaluate(child, frame, context) for child in node.children]
    op, at = str(node.value), node.position
    if node.kind == "call":
        return FUNCTIONS[op].handler(args, context, at)
    if node.kind == "logical":
        return ops.logical(op, args[0], args[1], context, at)
    if node.kind == "compare":
        return ops.compare(op, args[0], args[1], context, at)
    if node.kind == "arithmetic":
        return ops.arithmetic(op, args[0], args[1], context, at)
    if node.kind == "concat":
        return ops.join_text(args, at)
    if node.kind == "not":
        return ops.negate_bool(args[0], context, at)
    return ops.negate_number(args[0], context, at)


def test(expression: str, sample_values: Mapping[str, object]) -> bool:
    """Answer the wizard's Test button: is ``expression`` true for these sample values?

    Text samples that look like numbers or dates are read as such when the expression
    needs them to be (a test box holds text). A blank answer counts as false.

    Raises:
        ExpressionError: the expression does not parse, or is not true/false.
    """
    compiled = compile_expression(expression)
    try:
        result = _test_once(compiled, sample_values)
    except UnknownFieldError:
        raise
    except ExpressionError as first:
        try:
            result = _test_once(compiled, {k: _guess(v) for k, v in sample_values.items()})
        except ExpressionError:
            raise first from None
    return bool(result)


def _test_once(compiled: Expression, sample_values: Mapping[str, object]) -> bool:
    columns = {name: pa.array([_plain(value)]) for name, value in sample_values.items()}
    frame = (
        pa.table(columns).to_pandas(types_mapper=pd.ArrowDtype)
        if columns
        else pd.DataFrame(index=pd.RangeIndex(1))
    )
    values = compiled.evaluate(frame)
    if not pd.api.types.is_bool_dtype(values.dtype):
        raise fail(
            Context(compiled.text, 1, pa.scalar(0, UTC_MS)),
            "a filter expression must "
            "answer true or false (compare a field, or use ISBLANK/CONTAINS)",
            0,
        )
    answer = values.iloc[0]
    return bool(answer) if answer is not pd.NA and answer is not None else False


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [str(item) for item in value]
    return value


def _guess(value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        return float(value)
    except ValueError:
        pass
    parsed = to_utc(pa.array([value], pa.string()))[0]
    return parsed.as_py() if parsed.is_valid else value
