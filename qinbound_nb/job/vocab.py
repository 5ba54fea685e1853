"""The words of the domain, each defined once: every other module, the JSON schema, the wizard's
choices, the CLI's choices and the preview's labels import them from here.

The enums are ``StrEnum``s: a member *is* its string (``DuplicateMode.REPLACE == "replace"``),
so job files, the store and JSON keep plain words while code gets one spelling to import.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "SURVEY_DATE_FIELDS",
    "ApplyTo",
    "DateField",
    "DuplicateMode",
    "ExportFormat",
    "FieldType",
    "FilterAction",
    "Frequency",
    "MaskStyle",
    "NotifyEvent",
    "Outcome",
    "PiiKind",
    "PreviewOutcome",
    "RunStatus",
    "ScheduleKind",
    "SourceType",
    "TransformKind",
    "Weekday",
]


class SourceType(StrEnum):
    """What a job pulls: survey responses, ORM reviews (an Imported Data Project), or tickets."""

    SURVEY = "survey"
    ORM = "orm"
    TICKETS = "tickets"


class PiiKind(StrEnum):
    """The built-in personal-data detectors (``rules.pii``), in the order they run."""

    EMAIL = "email"
    PHONE = "phone"
    CREDIT_CARD = "credit_card"
    SSN = "ssn"
    IP = "ip"
    PERSON = "person"
    ADDRESS = "address"
    IBAN = "iban"


class DuplicateMode(StrEnum):
    """What a document does to a stored one with the same ``natural_id``."""

    REPLACE = "replace"
    SKIP = "skip"
    UPDATE = "update"


class Outcome(StrEnum):
    """What a run did with one document (``document_outcomes.outcome``, run counts)."""

    LOADED = "loaded"
    REPLACED = "replaced"
    UPDATED = "updated"
    SKIPPED_DUPLICATE = "skipped_duplicate"
    FILTERED_OUT = "filtered_out"
    OVER_LIMIT = "over_limit"
    FAILED = "failed"


class PreviewOutcome(StrEnum):
    """What loading a previewed document *would* do (the preview's status badge)."""

    NEW = "new"
    REPLACES = "replaces"
    UPDATES = "updates"
    SKIPPED = "skipped"
    DROPPED = "dropped"

    @classmethod
    def for_duplicate(cls, mode: DuplicateMode | str) -> PreviewOutcome:
        """The badge of a document that meets a stored one under ``mode``."""
        return {
            DuplicateMode.REPLACE: cls.REPLACES,
            DuplicateMode.SKIP: cls.SKIPPED,
            DuplicateMode.UPDATE: cls.UPDATES,
        }[DuplicateMode(mode)]


class RunStatus(StrEnum):
    """How a run ended (``runs.status``)."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    SUCCEEDED_WITH_WARNINGS = "succeeded_with_warnings"
    FAILED = "failed"

    @property
    def succeeded(self) -> bool:
        """True for both kinds of success (the checkpoint moves, history counts it)."""
        return self in (RunStatus.SUCCEEDED, RunStatus.SUCCEEDED_WITH_WARNINGS)


class DateField(StrEnum):
    """A survey response's own dates, in the order a document date falls back through them."""

    END_DATE = "endDate"
    RECORDED_DATE = "recordedDate"
    START_DATE = "startDate"


# The order the export writes them in (and the raw frame's column order).
SURVEY_DATE_FIELDS = (DateField.START_DATE, DateField.END_DATE, DateField.RECORDED_DATE)


class FieldType(StrEnum):
    """A mapped field's XM Discover attribute type (``skip`` leaves the column out)."""

    SKIP = "skip"
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    VERBATIM = "verbatim"


class TransformKind(StrEnum):
    """A field's optional transformation."""

    LOOKUP = "lookup"
    REGEX = "regex"
    EXPRESSION = "expression"


class MaskStyle(StrEnum):
    """How a redacted span is written: ``[REDACTED]``, ``[EMAIL]``, or a keyed hash."""

    FIXED = "fixed"
    TYPED = "typed"
    HASH = "hash"


class ApplyTo(StrEnum):
    """Which fields the rules touch when not given as a list of names."""

    VERBATIMS = "verbatims"


class FilterAction(StrEnum):
    """What the connector filter does with the rows its expression matches."""

    INCLUDE = "include"
    EXCLUDE = "exclude"


class NotifyEvent(StrEnum):
    """The run events a job can subscribe to."""

    SUCCESS = "success"
    FAILURE = "failure"
    WARNING = "warning"


class ScheduleKind(StrEnum):
    """One-time or recurring."""

    ONCE = "once"
    RECURRING = "recurring"


class Frequency(StrEnum):
    """How often a recurring job runs."""

    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Weekday(StrEnum):
    """Days of a weekly schedule, Monday first (``datetime.weekday()`` order)."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class ExportFormat(StrEnum):
    """The file formats a response export can be asked for."""

    JSON = "json"
    NDJSON = "ndjson"
    CSV = "csv"
