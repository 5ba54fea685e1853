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

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.core.dates import UTC_MS, to_utc
from qinbound_nb.core.expressions import ops
from qinbound_nb.core.expressions.functions import FUNCTIONS
from qinbound_nb.core.expressions.syntax import (
    Node,
    UnknownFieldError,
    field_names,
    parse_expression,
)
from qinbound_nb.core.expressions.values import (
    Context,
    Kind,
    Value,
    broadcast,
    column_value,
    fail,
)
from qinbound_nb.errors import ExpressionError

# a constant's Python type (as the parser leaves it) → its kind and Arrow type
CONSTANT_KINDS: dict[type, tuple[Kind, pa.DataType]] = {
    float: ("number", pa.float64()),
    str: ("text", pa.string()),
    bool: ("bool", pa.bool_()),
}


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
    tree = parse_expression(text)
    return Expression(text, tree, tuple(dict.fromkeys(field_names(tree))))


def _evaluate(node: Node, frame: pd.DataFrame, context: Context) -> Value:
    if node.kind == "constant":
        kind, arrow_type = CONSTANT_KINDS.get(type(node.value), ("blank", pa.null()))
        return Value(pa.scalar(node.value, arrow_type), kind, node.position)
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
