"""``check_job``: the checks a job passes before anything runs, cheap enough for ``validate``.

Only the expression parser (lark, pyarrow) and the rule compiler load here, never pandas,
the store or the API client, so ``qinbound validate`` answers at once.
"""

from __future__ import annotations

from qinbound_nb.core.expressions.syntax import (
    Node,
    UnknownFieldError,
    field_names,
    parse_expression,
)
from qinbound_nb.core.redaction.rules import RedactionRules
from qinbound_nb.errors import ExpressionError
from qinbound_nb.job.config import DEFAULT_FIELDS, JobConfig
from qinbound_nb.job.vocab import FieldType, TransformKind

__all__ = ["check_job"]


def check_job(job: JobConfig) -> JobConfig:
    """Checks beyond the model: every expression parses and every rule compiles.

    Raises:
        ConfigError: naming the setting (``filter.expression``, ``mapping.fields.N``...).
    """
    expressions = [("filter.expression", job.filter.expression)]
    for position, spec in enumerate(job.mapping.fields):
        if spec.transform is not None and spec.transform.kind == TransformKind.EXPRESSION:
            expressions.append((f"mapping.fields.{position}.transform", spec.transform.expression))
    for where, text in expressions:
        if text:
            try:
                tree = parse_expression(text)
                if where == "filter.expression":
                    _check_filter_fields(text, tree, job)
            except ExpressionError as exc:
                raise ExpressionError(f"{where}: {exc}") from None
    RedactionRules.from_config(job.rules, hash_key=b"only-checking-the-rules")
    return job


def _check_filter_fields(text: str, tree: Node, job: JobConfig) -> None:
    """The connector filter sees the documents: default fields and mapped attribute names."""
    mapped = {f.name for f in job.mapping.fields if f.name and f.type != FieldType.SKIP}
    known = set(DEFAULT_FIELDS) | mapped
    for name in field_names(tree):
        if name not in known:
            position = max(text.find(name), 0)
            raise UnknownFieldError(name, expression=text, position=position)
