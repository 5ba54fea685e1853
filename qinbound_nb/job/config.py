"""The job model: one pydantic model per wizard step, assembled into ``JobConfig``.

A job file is JSON in the shape of ``JobConfig.model_dump(mode="json")``. Only ``name``,
``project``, ``connection`` and ``source`` are required; every other section has a default.
Secrets never live here: a job names a connection, and connections (with their tokens) live
in a per-user file handled by :mod:`qinbound_nb.local.connections`.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from qinbound_nb.errors import ConfigError, RuleError
from qinbound_nb.job.naming import (
    CONNECTION_NAME,
    DURATION,
    EMAIL,
    JOB_NAME,
    PROJECT_NAME,
    SAFE_ID,
    SURVEY_ID,
    check_attribute_name,
    check_datacenter,
)
from qinbound_nb.job.rulesyntax import (
    check_engine,
    parse_redaction_rules,
    parse_substitution_rules,
)
from qinbound_nb.job.validation import describe_validation_error
from qinbound_nb.job.vocab import (
    ApplyTo,
    DateField,
    DuplicateMode,
    FieldType,
    FilterAction,
    Frequency,
    MaskStyle,
    NotifyEvent,
    PiiKind,
    ScheduleKind,
    SourceType,
    TransformKind,
    Weekday,
)

SCHEMA_VERSION = 1
# The respondent's own fields whose values are redacted where their row mentions them.
KNOWN_VALUE_FIELDS = (
    "RecipientFirstName",
    "RecipientLastName",
    "RecipientEmail",
    "ExternalReference",
)
DEFAULT_FIELDS = (
    "natural_id",
    "document_date",
    "job_name",
    "loadDate",
    "feedback_provider",
    "feedback_type",
    "source",
)
FEEDBACK_TYPES = {
    SourceType.SURVEY: "Survey",
    SourceType.ORM: "Reviews",
    SourceType.TICKETS: "Tickets",
}


class Model(BaseModel):
    """Base for every job model: unknown keys are errors, assignments are validated.

    Enum fields hold their plain word (``use_enum_values``): a vocab member *is* that string,
    and ``job.model_copy(update={"duplicates": "skip"})`` (no validation) serializes quietly.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_enum_values=True)


def check_connection_name(value: str) -> str:
    """A connection name: a letter first, then letters, digits, '-' or '_' (at most 40)."""
    if not CONNECTION_NAME.fullmatch(value):
        raise ValueError(
            f"connection name '{value}' must start with a letter and use only letters, digits, "
            "'-' and '_' (no spaces; at most 40 characters), e.g. prod-iad1"
        )
    return value


def parse_duration_hours(text: str) -> float:
    """Turn a look-back such as ``"2h"``, ``"30m"`` or ``"1d"`` into hours."""
    match = DURATION.fullmatch(text.strip())
    if not match:
        raise ValueError(f"look-back {text!r} must be a number with m, h or d, such as '2h'")
    amount, unit = int(match.group(1)), match.group(2)
    return amount * {"m": 1 / 60, "h": 1.0, "d": 24.0}[unit]


class Connection(Model):
    """A saved Qualtrics connection; the token is a secret and never serialized in clear."""

    name: str
    datacenter: str
    token: SecretStr | None = None
    expires: date | None = None
    notice_days: Annotated[int, Field(ge=1, le=100)] = 14

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_connection_name(value)

    @field_validator("datacenter")
    @classmethod
    def _datacenter(cls, value: str) -> str:
        return check_datacenter(value)

    def __repr__(self) -> str:  # the default repr is safe too; this one is shorter
        return f"Connection(name={self.name!r}, datacenter={self.datacenter!r})"

    def days_to_expiry(self, today: date) -> int | None:
        """Days left before the token expires, or None when no expiry date is known."""
        return None if self.expires is None else (self.expires - today).days


class SurveySource(Model):
    """Survey responses, optionally with a saved filter and in-progress sessions."""

    type: Literal[SourceType.SURVEY] = SourceType.SURVEY
    survey_id: str
    include_in_progress: bool = False
    filter_id: str | None = None
    start_date: date | None = None

    @field_validator("survey_id")
    @classmethod
    def _survey_id(cls, value: str) -> str:
        if not SURVEY_ID.fullmatch(value):
            raise ValueError(f"survey id {value!r} must be 'SV_' followed by 15 letters or digits")
        return value

    @field_validator("filter_id")
    @classmethod
    def _filter_id(cls, value: str | None) -> str | None:
        if value is not None and not SAFE_ID.fullmatch(value):
            raise ValueError(f"saved filter id {value!r} may use only letters, digits, '-' and '_'")
        return value


class OrmSource(Model):
    """Online reputation reviews, read through an Imported Data Project export."""

    type: Literal[SourceType.ORM] = SourceType.ORM
    idp_source_id: str
    start_date: date | None = None

    @field_validator("idp_source_id")
    @classmethod
    def _idp_source_id(cls, value: str) -> str:
        if not SAFE_ID.fullmatch(value):
            raise ValueError(
                f"IDP source id '{value}' may use only letters, digits, '-' and '_' (it is the "
                "id in the Imported Data Project's address, e.g. dcf04acc768f4ea5)"
            )
        return value


class TicketsSource(Model):
    """Closed-loop tickets, read through the ticket export."""

    type: Literal[SourceType.TICKETS] = SourceType.TICKETS
    start_date: date | None = None


Source = Annotated[SurveySource | OrmSource | TicketsSource, Field(discriminator="type")]


class LookupTransform(Model):
    """Replace values found in a lookup table; others keep their value (or take ``default``)."""

    kind: Literal[TransformKind.LOOKUP] = TransformKind.LOOKUP
    table: dict[str, str]
    default: str | None = None


class RegexTransform(Model):
    """Replace every match of ``pattern`` with ``replacement`` (``\\1`` refers to groups)."""

    kind: Literal[TransformKind.REGEX] = TransformKind.REGEX
    pattern: str
    replacement: str = ""

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            check_engine(value, source="pattern")
        except RuleError as exc:  # validated with RE2, the engine that runs it
            raise ValueError(f"regular expression {exc.reason}") from None
        return value


class ExpressionTransform(Model):
    """Compute the value with an expression in the connector expression language."""

    kind: Literal[TransformKind.EXPRESSION] = TransformKind.EXPRESSION
    expression: Annotated[str, Field(min_length=1, max_length=10_000)]


Transformation = Annotated[
    LookupTransform | RegexTransform | ExpressionTransform, Field(discriminator="kind")
]


class FieldMapping(Model):
    """One source field mapped to a project attribute (or skipped)."""

    source: Annotated[str, Field(min_length=1, max_length=200)]
    name: str | None = None
    type: FieldType = FieldType.TEXT
    transform: Transformation | None = None

    @model_validator(mode="after")
    def _named(self) -> FieldMapping:
        if self.type != FieldType.SKIP:
            if not self.name:
                raise ValueError(f"field {self.source!r} needs an attribute name (or type 'skip')")
            check_attribute_name(self.name)
        return self


class Mapping(Model):
    """Default fields (document date, source value) and the custom field list."""

    document_date: Annotated[str, Field(min_length=1, max_length=200)] = DateField.END_DATE.value
    source_value: Annotated[str, Field(min_length=1, max_length=200)] = "Qualtrics"
    fields: list[FieldMapping] = []

    @model_validator(mode="after")
    def _unique_names(self) -> Mapping:
        seen = {name.lower(): "" for name in DEFAULT_FIELDS}
        for position, field in enumerate(self.fields):
            if field.type == FieldType.SKIP or not field.name:
                continue
            key = field.name.lower()
            if key in seen:
                owner = f"field {seen[key]}" if seen[key] else "a default field"
                raise ValueError(
                    f"fields.{position}: the attribute name '{field.name}' is already taken by "
                    f"{owner}; give {field.source} another name (names must be unique, "
                    "ignoring case)"
                )
            seen[key] = field.source
        return self

    @property
    def mapped(self) -> list[FieldMapping]:
        """The fields that are loaded (every type but ``skip``)."""
        return [field for field in self.fields if field.type != FieldType.SKIP]


class Rules(Model):
    """Substitution and redaction rules in XM Discover's text formats, plus PII detectors."""

    pii: list[PiiKind] = []
    redactions: Annotated[str, Field(max_length=1_000_000)] = ""
    substitutions: Annotated[str, Field(max_length=1_000_000)] = ""
    mask: Annotated[str, Field(max_length=100)] = "[REDACTED]"
    mask_style: MaskStyle = MaskStyle.FIXED
    apply_to: ApplyTo | list[str] = ApplyTo.VERBATIMS
    known_values: list[Annotated[str, Field(min_length=1, max_length=200)]] = list(
        KNOWN_VALUE_FIELDS
    )
    ner_model: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @field_validator("redactions")
    @classmethod
    def _redactions(cls, value: str) -> str:
        try:
            parse_redaction_rules(value, source="redaction rules")
        except RuleError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("substitutions")
    @classmethod
    def _substitutions(cls, value: str) -> str:
        try:
            parse_substitution_rules(value, source="substitution rules")
        except RuleError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("pii")
    @classmethod
    def _unique_kinds(cls, value: list[PiiKind]) -> list[PiiKind]:
        return list(dict.fromkeys(value))

    @property
    def active(self) -> bool:
        """True when any rule or detector would change text."""
        return bool(self.pii or self.redactions.strip() or self.substitutions.strip())


class Filter(Model):
    """The connector filter (a Boolean expression) and the record limit."""

    expression: Annotated[str, Field(max_length=10_000)] | None = None
    action: FilterAction = FilterAction.INCLUDE
    record_limit: Literal["all"] | PositiveInt = "all"

    @field_validator("expression")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value if value and value.strip() else None


class Notifications(Model):
    """Which run events notify, by email and by webhook."""

    on: list[NotifyEvent] = [NotifyEvent.FAILURE]
    email: list[str] = []
    webhook: str | None = None

    @field_validator("email")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        for address in value:
            if not EMAIL.fullmatch(address):
                raise ValueError(f"{address!r} is not an email address")
        return value

    @field_validator("webhook")
    @classmethod
    def _webhook(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError(f"webhook {value!r} must be an http:// or https:// URL")
        return value or None


class Schedule(Model):
    """One-time or recurring runs, in the job's time zone, with an incremental look-back."""

    kind: ScheduleKind = ScheduleKind.ONCE
    frequency: Frequency = Frequency.DAILY
    every_hours: Annotated[int, Field(ge=1, le=24)] = 1
    days: list[Weekday] = [Weekday.MON]
    day_of_month: Annotated[int, Field(ge=1, le=31)] = 1
    starts_on: str = "06:00"
    timezone: str = "UTC"
    lookback: str = "2h"
    pull_on_create: bool = True

    @field_validator("starts_on")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
        if not match:
            raise ValueError(f"starts-on time {value!r} must be HH:MM on a 24-hour clock")
        return f"{int(match.group(1)):02d}:{match.group(2)}"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if value not in available_timezones() and value != "UTC":
            raise ValueError(f"time zone {value!r} is not an IANA name such as 'Europe/Berlin'")
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"time zone {value!r} is not known on this machine") from None
        return value

    @field_validator("lookback")
    @classmethod
    def _lookback(cls, value: str) -> str:
        parse_duration_hours(value)
        return value.strip()

    @field_validator("days")
    @classmethod
    def _some_days(cls, value: list[Weekday]) -> list[Weekday]:
        if not value:
            raise ValueError("a weekly schedule needs at least one day")
        return sorted(set(value), key=list(Weekday).index)

    @property
    def lookback_hours(self) -> float:
        """The incremental overlap in hours."""
        return parse_duration_hours(self.lookback)


class JobConfig(Model):
    """The whole connector job, as saved in a job file."""

    schema_version: Literal[1] = 1
    name: str
    project: str
    description: Annotated[str, Field(max_length=2000)] = ""
    connection: str
    source: Source
    mapping: Mapping = Mapping()
    rules: Rules = Rules()
    filter: Filter = Filter()
    duplicates: DuplicateMode = DuplicateMode.REPLACE
    notifications: Notifications = Notifications()
    schedule: Schedule = Schedule()

    @field_validator("connection")
    @classmethod
    def _connection(cls, value: str) -> str:
        return check_connection_name(value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not JOB_NAME.fullmatch(value) or ".." in value:
            raise ValueError(
                f"job name {value!r} must start with a letter or digit and use only letters, "
                "digits, spaces, '.', '-' and '_' (at most 80 characters, no '..')"
            )
        return value

    @field_validator("project")
    @classmethod
    def _project(cls, value: str) -> str:
        if not PROJECT_NAME.fullmatch(value):
            raise ValueError(
                f"project name {value!r} must start with a letter and use only letters, digits, "
                "'-' and '_' (at most 63 characters)"
            )
        return value

    @property
    def feedback_type(self) -> str:
        """``Survey``, ``Reviews`` or ``Tickets``, fixed by the source type."""
        return FEEDBACK_TYPES[self.source.type]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> JobConfig:
        """Read and validate a job file; raise ConfigError naming every problem."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read job file {path}: {exc}") from exc
        return cls.from_json(text, source=str(path))

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = "job") -> JobConfig:
        """Validate job JSON; raise ConfigError naming every problem."""
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ConfigError(f"{source} is not valid JSON: {exc}; fix the file and retry") from exc
        return cls.from_dict(data, source=source)

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "job") -> JobConfig:
        """Validate a job given as plain data; raise ConfigError naming every problem."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(describe_validation_error(exc, source, cls)) from None

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the job file atomically (a crash leaves the old file whole)."""
        path = Path(path)
        text = json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
        write_atomically(path, text)
        return path


def write_atomically(path: Path, text: str, *, mode: int | None = None) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        if mode is not None:
            os.fchmod(handle, mode)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
