"""The text of the production notebook's cells: the job summary in Markdown and the code.

The summary shows what a reviewer needs (source, mapping, rules, filter, schedule) and
nothing that could be personal data: substitution phrases and redaction patterns are only
counted (either may spell out a name or an address), and no token appears anywhere.
"""

from __future__ import annotations

import re
from typing import Any

from qinbound_nb.job.config import JobConfig, Rules, Schedule
from qinbound_nb.job.rulesyntax import parse_redaction_rules, parse_substitution_rules
from qinbound_nb.job.vocab import ApplyTo, SourceType
from qinbound_nb.scheduling.recurrence import describe_schedule

PARAMETER_HELP = {
    "job_path": ("str", "the job file to run"),
    "store": (
        "Optional[str]",
        (
            "a DuckDB file or postgresql:// URL (no password in it); "
            "None: $QINBOUND_STORE or ./qinbound.duckdb"
        ),
    ),
    "dry_run": ("bool", "True: run every step but load nothing"),
    "run_id": ("Optional[str]", "set by `qinbound run` so run history and this notebook match"),
    "output_notebook": ("Optional[str]", "this run's output notebook, recorded in run history"),
}

LOAD = """\
from pathlib import Path

import pandas as pd
from IPython.display import display

from qinbound_nb import JobConfig, run_job
from qinbound_nb.notebooks.parameters import read_parameters

# typed by papermill, or text from JupyterLab's scheduler ("false", "None"): read both alike
job_path, store, dry_run, run_id, output_notebook = read_parameters(
    job_path=job_path, store=store, dry_run=dry_run, run_id=run_id, output_notebook=output_notebook
)
job = JobConfig.load(Path(job_path))
print(f"job {job.name!r}: project {job.project!r}, connection {job.connection!r}")"""

RUN = """\
# run_job resolves the connection's token itself (connections file or QINBOUND_TOKEN_...),
# so no secret ever passes through this notebook's parameters.
report = run_job(job, store=store, dry_run=dry_run, run_id=run_id,
                 output_notebook=output_notebook)
print(report.summary())
if output_notebook:  # `qinbound run` reads the outcome back from this file (counts only)
    Path(output_notebook).with_suffix(".report.json").write_text(report.to_json())"""

SUMMARY = """\
# Documents per step (counts only: no document text is shown in this notebook).
steps = dict(report.would) if report.dry_run else dict(report.counts)
summary = pd.DataFrame({"documents": pd.Series(steps, dtype="int64")}).rename_axis("step")
display(summary.style.bar(subset=["documents"], color="#9ecae1", vmin=0).set_uuid("summary"))"""

REDACTIONS = """\
# Redaction hits per rule or PII kind: how much was masked, never what.
hits = pd.Series(dict(report.redaction_counts), dtype="int64", name="hits").rename_axis("rule")
if hits.empty:
    print("no redaction rule matched")
else:
    chart = hits.sort_values(ascending=False).to_frame().style.bar(color="#fdae6b", vmin=0)
    display(chart.set_uuid("redactions"))"""

OUTCOME = """\
# Fail the notebook (and papermill, exit code 1) when the run failed.
report = report.raise_for_status()  # raises when the run failed"""


ACCEPT_TEXT = [
    "# JupyterLab's scheduler injects values as the raw text typed in its dialog",
    "# (store = /data/s.duckdb); this lets its cell run and read them as text",
    "from qinbound_nb.notebooks.parameters import accept_text_parameters",
    "",
    "accept_text_parameters()",
]


def code_cells() -> list[str]:
    """The code cells after the parameters cell, in order."""
    return [LOAD, RUN, SUMMARY, REDACTIONS, OUTCOME]


def parameters_source(defaults: dict[str, Any]) -> str:
    """The ``parameters`` cell: one annotated line per parameter with its help as a comment."""
    lines = [
        "# Parameters (papermill overrides these). Only non-secret values belong here: the",
        "# Qualtrics token is read from the connection inside run_job.",
        "from typing import Optional",
        "",
    ]
    for name, value in defaults.items():
        annotation, help_text = PARAMETER_HELP[name]
        lines.append(f"{name}: {annotation} = {value!r}  # {help_text}")
    return "\n".join([*lines, "", *ACCEPT_TEXT])


def summary_markdown(job: JobConfig) -> str:
    """The job as a reviewer reads it: source, mapping, rules, filter, schedule."""
    parts = [
        f"# {_text(job.name)} — Qualtrics inbound job",
        _text(job.description) if job.description else "",
        f"Loads into project {_code(job.project)} through connection {_code(job.connection)} "
        "(its token is resolved at run time, never stored here).",
        "## Source\n\n" + _source(job),
        "## Mapping\n\n" + _mapping(job),
        "## Rules\n\n" + _rules(job.rules),
        "## Filter and duplicates\n\n" + _filter(job),
        "## Schedule\n\n" + _schedule(job.schedule),
        "Run it with `qinbound run JOB`, or `papermill THIS.ipynb OUT.ipynb -p job_path JOB`.",
    ]
    return "\n\n".join(part for part in parts if part)


def _source(job: JobConfig) -> str:
    source = job.source
    if source.type == SourceType.SURVEY:
        text = f"Survey {_code(source.survey_id)}"
        text += ", in-progress responses included" if source.include_in_progress else ""
        text += f", saved filter {_code(source.filter_id)}" if source.filter_id else ""
    elif source.type == SourceType.ORM:
        text = f"Online reviews from imported data project {_code(source.idp_source_id)}"
    else:
        text = "Closed-loop tickets"
    start = f", from {source.start_date.isoformat()}" if source.start_date else ""
    return f"{text}{start} (feedback type {job.feedback_type})."


def _mapping(job: JobConfig) -> str:
    mapping = job.mapping
    rows = [
        f"Document date from {_code(mapping.document_date)}; "
        f"source value {_code(mapping.source_value)}.",
        "",
        "| source field | attribute | type | transformation |",
        "|---|---|---|---|",
    ]
    for field in mapping.fields:
        transform = field.transform.kind if field.transform else ""
        rows.append(
            f"| {_code(field.source)} | {_code(field.name) if field.name else '—'} "
            f"| {field.type} | {transform} |"
        )
    if not mapping.fields:
        rows.append("| — | — | — | default fields only |")
    return "\n".join(rows)


def _rules(rules: Rules) -> str:
    redactions = parse_redaction_rules(rules.redactions)
    substitutions = parse_substitution_rules(rules.substitutions)
    lines = [
        f"- PII detectors: {', '.join(rules.pii) if rules.pii else 'none'}",
        f"- Substitutions: {len(substitutions)} rule(s) (phrases are not shown here)",
        f"- Redaction patterns: {len(redactions)} (not shown: a pattern may spell out a name)",
        f"- Mask {_code(rules.mask)} ({rules.mask_style}), applied to "
        + ("verbatim fields" if rules.apply_to == ApplyTo.VERBATIMS else ", ".join(rules.apply_to)),
    ]
    return "\n".join(lines)


def _filter(job: JobConfig) -> str:
    spec = job.filter
    expression = (
        f"{spec.action.capitalize()} documents where {_code(spec.expression)}"
        if spec.expression
        else "No connector filter"
    )
    return (
        f"{expression}; record limit {spec.record_limit}; "
        f"duplicates by natural_id: {job.duplicates}."
    )


def _schedule(schedule: Schedule) -> str:
    sentence = describe_schedule(schedule)
    return f"{sentence[0].upper()}{sentence[1:]}."


def _text(value: str) -> str:
    """Plain text with Markdown and HTML metacharacters escaped."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|])", r"\\\1", value)


def _code(value: str) -> str:
    """An inline code span that survives backticks and table pipes inside ``value``."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", value)), default=0) + 1)
    body = value.replace("|", "\\|")
    padding = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{padding}{body}{padding}{fence}"
