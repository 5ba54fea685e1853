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
    "FeedbackFormat",
    "FieldType",
    "FilterAction",
    "Frequency",
    "JobStatus",
    "MaskStyle",
    "NotifyEvent",
    "Outcome",
    "PiiKind",
    "PreviewOutcome",
    "RunStatus",
    "RunTrigger",
    "ScheduleKind",
    "SourceType",
    "TicketDateField",
    "TransformKind",
    "Weekday",
    "Word",
]


class Word(StrEnum):
    """A domain word: equal to its string, and shown as it (``'replace'``) in every message.

    The plain ``repr`` is what pydantic puts in its errors (``expected tags: 'survey', 'orm'``)
    and what ``{mode!r}`` prints, so a word reads the same as the job file spells it.
    """

    def __repr__(self) -> str:
        return repr(self.value)


class SourceType(Word):
    """What a job pulls: survey responses, ORM reviews (an Imported Data Project), or tickets."""

    SURVEY = "survey"
    ORM = "orm"
    TICKETS = "tickets"


class PiiKind(Word):
    """The built-in personal-data detectors (``rules.pii``), in the order they run."""

    EMAIL = "email"
    PHONE = "phone"
    CREDIT_CARD = "credit_card"
    SSN = "ssn"
    IP = "ip"
    PERSON = "person"
    ADDRESS = "address"
    IBAN = "iban"


class DuplicateMode(Word):
    """What a document does to a stored one with the same ``natural_id``."""

    REPLACE = "replace"
    SKIP = "skip"
    UPDATE = "update"


class Outcome(Word):
    """What a run did with one document (``document_outcomes.outcome``, run counts)."""

    LOADED = "loaded"
    REPLACED = "replaced"
    UPDATED = "updated"
    SKIPPED_DUPLICATE = "skipped_duplicate"
    FILTERED_OUT = "filtered_out"
    OVER_LIMIT = "over_limit"
    FAILED = "failed"


class PreviewOutcome(Word):
    """What loading a previewed document *would* do (the preview's status badge)."""

    NEW = "new"
    REPLACES = "replaces"
    UPDATES = "updates"
    SKIPPED = "skipped"
    DROPPED = "dropped"
    KEPT = "kept"  # will load, but no store was given to say whether it is new

    @classmethod
    def of(cls, word: object) -> PreviewOutcome:
        """The badge for a preview outcome or a duplicate mode; ``kept`` for anything else."""
        text = str(word)
        if text in tuple(DuplicateMode):
            return cls.for_duplicate(text)
        return cls(text) if text in tuple(cls) else cls.KEPT

    @classmethod
    def for_duplicate(cls, mode: DuplicateMode | str) -> PreviewOutcome:
        """The badge of a document that meets a stored one under ``mode``."""
        return {
            DuplicateMode.REPLACE: cls.REPLACES,
            DuplicateMode.SKIP: cls.SKIPPED,
            DuplicateMode.UPDATE: cls.UPDATES,
        }[DuplicateMode(mode)]


class RunStatus(Word):
    """Where a run stands (``runs.status``): running, how it ended, or purged later."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    SUCCEEDED_WITH_WARNINGS = "succeeded_with_warnings"
    FAILED = "failed"
    STOPPED = "stopped"  # asked to stop (qinbound jobs stop): nothing committed
    PURGED = "purged"  # a success whose documents were deleted again

    @property
    def succeeded(self) -> bool:
        """True for both kinds of success (the checkpoint moves, history counts it)."""
        return self in (RunStatus.SUCCEEDED, RunStatus.SUCCEEDED_WITH_WARNINGS)


class RunTrigger(Word):
    """What started a run (``runs.trigger``): a person, or the job's schedule."""

    MANUAL = "manual"
    SCHEDULE = "schedule"


class JobStatus(Word):
    """Where a job stands on the Jobs page: runs on schedule, paused, or in the recycle folder."""

    ENABLED = "enabled"
    DISABLED = "disabled"
    DELETED = "deleted"


class DateField(Word):
    """A survey response's own dates, in the order a document date falls back through them."""

    END_DATE = "endDate"
    RECORDED_DATE = "recordedDate"
    START_DATE = "startDate"


# The order the export writes them in (and the raw frame's column order).
SURVEY_DATE_FIELDS = (DateField.START_DATE, DateField.END_DATE, DateField.RECORDED_DATE)


class TicketDateField(Word):
    """A ticket's own dates, in the order a document date falls back through them."""

    UPDATED_AT = "updatedAt"
    CREATED_AT = "createdAt"


class FieldType(Word):
    """A mapped field's XM Discover attribute type (``skip`` leaves the column out)."""

    SKIP = "skip"
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    VERBATIM = "verbatim"


class TransformKind(Word):
    """A field's optional transformation."""

    LOOKUP = "lookup"
    REGEX = "regex"
    EXPRESSION = "expression"


class MaskStyle(Word):
    """How a redacted span is written: ``[REDACTED]``, ``[EMAIL]``, or a keyed hash."""

    FIXED = "fixed"
    TYPED = "typed"
    HASH = "hash"


class ApplyTo(Word):
    """Which fields the rules touch when not given as a list of names."""

    VERBATIMS = "verbatims"


class FilterAction(Word):
    """What the connector filter does with the rows its expression matches."""

    INCLUDE = "include"
    EXCLUDE = "exclude"


class NotifyEvent(Word):
    """The run events a job can subscribe to."""

    SUCCESS = "success"
    FAILURE = "failure"
    WARNING = "warning"


class ScheduleKind(Word):
    """One-time or recurring."""

    ONCE = "once"
    RECURRING = "recurring"


class Frequency(Word):
    """How often a recurring job runs."""

    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Weekday(Word):
    """Days of a weekly schedule, Monday first (``datetime.weekday()`` order)."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class FeedbackFormat(Word):
    """The file formats of the feedback files written for XM Discover's file upload."""

    CSV = "csv"
    JSON = "json"


class ExportFormat(Word):
    """The file formats a response export can be asked for."""

    JSON = "json"
    NDJSON = "ndjson"
    CSV = "csv"
