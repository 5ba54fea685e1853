"""The job model: defaults, round trips, and every validation rule with good and bad values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qinbound_nb import ConfigError, JobConfig
from qinbound_nb.job.config import check_attribute_name, check_datacenter

EXAMPLE = Path(__file__).parents[2] / "qinbound_nb" / "templates" / "nps-weekly.json"


def with_(base: dict, path: str, value: object) -> dict:
    data = json.loads(json.dumps(base))
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return data


def test_minimal_job_gets_the_documented_defaults(job: JobConfig) -> None:
    assert job.mapping.document_date == "endDate"
    assert job.mapping.source_value == "Qualtrics"
    assert job.filter.record_limit == "all"
    assert job.filter.expression is None
    assert job.duplicates == "replace"
    assert job.notifications.on == ["failure"]
    assert job.schedule.kind == "once"
    assert job.rules.active is False
    assert job.feedback_type == "Survey"


def test_example_job_file_round_trips(tmp_path: Path) -> None:
    job = JobConfig.load(EXAMPLE)
    saved = job.save(tmp_path / "copy.json")
    again = JobConfig.load(saved)
    assert again == job
    assert json.loads(saved.read_text()) == job.model_dump(mode="json")


def test_json_schema_describes_every_section() -> None:
    schema = JobConfig.model_json_schema()
    assert set(schema["required"]) == {"name", "project", "connection", "source"}
    for section in ("mapping", "rules", "filter", "duplicates", "notifications", "schedule"):
        assert section in schema["properties"]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("source", {"type": "survey", "survey_id": "SV_short"}, "survey id"),
        (
            "source",
            {"type": "survey", "survey_id": "SV_1NpsDemoSurvey1", "filter_id": "../x"},
            "filter",
        ),
        ("source", {"type": "webinar"}, "source"),
        ("name", "../../etc/passwd", "job name"),
        ("name", "", "job name"),
        ("project", "1project", "project name"),
        ("project", "a" * 64, "project name"),
        ("connection", "prod iad1", "connection"),
        ("duplicates", "merge", "duplicates"),
        ("filter.record_limit", 0, "record_limit"),
        ("filter.record_limit", "some", "record_limit"),
        ("filter.action", "keep", "action"),
        ("notifications.email", ["not-an-address"], "not an email"),
        ("notifications.webhook", "ftp://example.test/x", "webhook"),
        ("schedule.timezone", "Mars/Olympus", "time zone"),
        ("schedule.starts_on", "25:00", "starts-on"),
        ("schedule.lookback", "2 weeks", "look-back"),
        ("schedule.day_of_month", 32, "day_of_month"),
        ("schedule.every_hours", 0, "every_hours"),
        ("schedule.days", [], "at least one day"),
        ("rules.pii", ["passport"], "pii"),
        ("rules.redactions", "ok\\d+\n(?!x)abc", "line 2"),
        ("rules.redactions", "[unclosed", "does not compile"),
        ("rules.redactions", "(a)\\1", "backreference"),
        ("rules.redactions", "x*", "matches empty text"),
        ("rules.substitutions", "no colon here", "line 1"),
        ("surprise", True, "not a known setting"),
        ("schema_version", 2, "schema_version"),
    ],
)
def test_bad_values_are_named_with_their_path(
    minimal_job: dict, path: str, value: object, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        JobConfig.from_dict(with_(minimal_job, path, value), source="job.json")
    message = str(caught.value)
    assert message.startswith("job.json has ")
    assert expected in message
    assert "Traceback" not in message


@pytest.mark.parametrize(
    ("path", "value", "kept"),
    [
        ("source", {"type": "orm", "idp_source_id": "dcf04acc768f4ea5"}, None),
        ("source", {"type": "tickets"}, None),
        (
            "source",
            {"type": "survey", "survey_id": "SV_1NpsDemoSurvey1", "include_in_progress": True},
            None,
        ),
        ("filter.record_limit", 500, None),
        ("filter.expression", "NOT ISBLANK(comment)", None),
        ("schedule.timezone", "America/Chicago", None),
        ("schedule.starts_on", "6:05", "06:05"),
        ("schedule.lookback", "1d", None),
        ("schedule.day_of_month", 31, None),
        ("rules.redactions", "# ssn\n\\d{3}-\\d{2}-\\d{4}\n\nORD-[0-9]+", None),
        ("rules.substitutions", "# subs\ncorroded virus: Coronavirus\nURL: http://x", None),
        ("notifications.webhook", "https://hooks.example.test/qinbound", None),
    ],
)
def test_good_values_pass_and_are_kept(
    minimal_job: dict, path: str, value: object, kept: object
) -> None:
    """A good value loads, and the job holds it (or its normal form, ``kept``)."""
    job = JobConfig.from_dict(with_(minimal_job, path, value))
    saved = job.model_dump(mode="json")
    for key in path.split("."):
        saved = saved[key]
    expected = value if kept is None else kept
    if isinstance(expected, dict):  # a section: the given keys keep their values
        assert {key: saved[key] for key in expected} == expected
    else:
        assert saved == expected


@pytest.mark.parametrize("name", ["feedback", "Q5_text", "a" * 21, "nps2"])
def test_attribute_names_xm_discover_accepts(name: str) -> None:
    assert check_attribute_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "1st",
        "_x",
        "a" * 22,
        "SC_score",
        "lu_region",
        "cb_bc_email",
        "select",
        "DATE",
        "comment",
        "a-b",
        "é",
    ],
)
def test_attribute_names_xm_discover_refuses(name: str) -> None:
    with pytest.raises(ValueError):
        check_attribute_name(name)


def test_duplicate_attribute_names_are_an_error(minimal_job: dict) -> None:
    fields = [
        {"source": "QID1", "name": "score", "type": "number"},
        {"source": "QID2", "name": "Score", "type": "text"},
    ]
    with pytest.raises(ConfigError, match="already taken by field QID1"):
        JobConfig.from_dict(with_(minimal_job, "mapping.fields", fields))


def test_a_field_may_not_take_a_default_field_name(minimal_job: dict) -> None:
    fields = [{"source": "QID1", "name": "natural_id", "type": "text"}]
    with pytest.raises(ConfigError, match="already taken by a default field"):
        JobConfig.from_dict(with_(minimal_job, "mapping.fields", fields))


def test_skipped_fields_need_no_name(minimal_job: dict) -> None:
    fields = [{"source": "QID9", "type": "skip"}]
    job = JobConfig.from_dict(with_(minimal_job, "mapping.fields", fields))
    assert job.mapping.mapped == []


def test_transformations_are_one_of_three_kinds(minimal_job: dict) -> None:
    fields = [
        {"source": "QID1", "name": "a", "transform": {"kind": "lookup", "table": {"1": "low"}}},
        {
            "source": "QID2",
            "name": "b",
            "transform": {"kind": "regex", "pattern": "x+", "replacement": "y"},
        },
        {
            "source": "QID3",
            "name": "c",
            "transform": {"kind": "expression", "expression": "UPPER(c)"},
        },
    ]
    job = JobConfig.from_dict(with_(minimal_job, "mapping.fields", fields))
    assert [f.transform.kind for f in job.mapping.fields if f.transform] == [
        "lookup",
        "regex",
        "expression",
    ]
    bad = [{"source": "QID2", "name": "b", "transform": {"kind": "regex", "pattern": "(("}}]
    with pytest.raises(ConfigError, match="does not compile"):
        JobConfig.from_dict(with_(minimal_job, "mapping.fields", bad))


@pytest.mark.parametrize("dc", ["iad1", "fra1", "ca1", "eu", "sandbox", "gov1"])
def test_datacenter_ids(dc: str) -> None:
    assert check_datacenter(dc) == dc


@pytest.mark.parametrize(
    "dc",
    [
        "evil.example.com",
        "https://iad1.qualtrics.com",
        "iad1/../x",
        "IAD1",
        "iad1.",
        "a",
        "127.0.0.1",
        "iad1:443",
        "",
    ],
)
def test_datacenter_ids_that_try_to_become_hosts_are_refused(dc: str) -> None:
    with pytest.raises(ValueError, match="never a host name"):
        check_datacenter(dc)


def test_malformed_job_file_gives_one_paragraph(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"name": "x",')
    with pytest.raises(ConfigError) as caught:
        JobConfig.load(path)
    assert "not valid JSON" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_job_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read job file"):
        JobConfig.load(tmp_path / "nope.json")


def test_save_is_atomic_and_keeps_the_old_file_on_failure(
    tmp_path: Path, job: JobConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = job.save(tmp_path / "job.json")
    before = path.read_text()

    def boom(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        job.model_copy(update={"description": "changed"}).save(path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["job.json"]
