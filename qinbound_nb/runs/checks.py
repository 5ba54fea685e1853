"""``check_job``: the checks a job passes before anything runs, cheap enough for ``validate``.

Only the expression parser (lark, pyarrow) and the rule compiler load here, never pandas,
the store or the API client, so ``qinbound validate`` answers at once.
"""

from __future__ import annotations

from qinbound_nb.core.expressions.syntax import parse_expression
from qinbound_nb.core.redaction.rules import RedactionRules
from qinbound_nb.errors import ExpressionError
from qinbound_nb.job.config import JobConfig

__all__ = ["check_job"]


def check_job(job: JobConfig) -> JobConfig:
    """Checks beyond the model: every expression parses and every rule compiles.

    Raises:
        ConfigError: naming the setting (``filter.expression``, ``mapping.fields.N``...).
    """
    expressions = [("filter.expression", job.filter.expression)]
    for position, spec in enumerate(job.mapping.fields):
        if spec.transform is not None and spec.transform.kind == "expression":
            expressions.append((f"mapping.fields.{position}.transform", spec.transform.expression))
    for where, text in expressions:
        if text:
            try:
                parse_expression(text)
            except ExpressionError as exc:
                raise ExpressionError(f"{where}: {exc}") from None
    RedactionRules.from_config(job.rules, hash_key=b"only-checking-the-rules")
    return job
