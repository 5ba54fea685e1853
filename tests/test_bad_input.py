"""Bad input through the CLI and the library: a QInboundError, one paragraph, no traceback.

Job files (wrong types, unknown keys, huge values, unicode, path traversal in names), rule
files (catastrophic backtracking, invalid patterns named by line), expressions (deep
nesting, unknown functions, injection attempts) and datacenter ids that try to become hosts.
Through ``qinbound``: exit 2 (bad input), a message on stderr, nothing written.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qinbound_nb import JobConfig, QInboundError
from qinbound_nb.cli.main import main
from qinbound_nb.core.expressions.evaluate import compile_expression
from qinbound_nb.core.redaction.redact import RedactionRules, redact
from qinbound_nb.errors import ConfigError, ExpressionError, RuleError
from qinbound_nb.qualtrics.hosts import datacenter_base_url, override_base_url

BASE = {
    "name": "nps-weekly",
    "project": "customer_feedback",
    "connection": "sandbox",
    "source": {"type": "survey", "survey_id": "SV_1NpsDemoSurvey1"},
}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``qinbound ARGS`` in this process: (exit code, stderr). A non-QInboundError escapes."""
    code = main(list(args))
    return code, capsys.readouterr().err


def assert_one_paragraph(message: str) -> None:
    assert message.startswith("qinbound: "), message
    assert "Traceback" not in message and "\n\n" not in message.strip()


def write_job(folder: Path, data: Any, name: str = "job.json") -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


BAD_JOBS = {
    "wrong type": BASE | {"duplicates": 3},
    "name a list": BASE | {"name": ["a"]},
    "unknown key": BASE | {"schedul": {"kind": "once"}},
    "unknown nested key": BASE | {"filter": {"expresion": "x"}},
    "negative limit": BASE | {"filter": {"record_limit": -1}},
    "huge name": BASE | {"name": "n" * 100_000},
    "unicode name": BASE | {"name": "Umfrage\u202e\u0000"},
    "traversal in name": BASE | {"name": "../../etc/cron.d/x"},
    "traversal in project": BASE | {"project": "../x"},
    "backslash in name": BASE | {"name": "a\\..\\b"},
    "traversal in connection": BASE | {"connection": "../../.ssh/id_rsa"},
    "survey id with a path": BASE | {"source": {"type": "survey", "survey_id": "SV_../../x"}},
    "bad schema version": BASE | {"schema_version": 99},
    "not an object": [BASE],
    "missing source": {k: v for k, v in BASE.items() if k != "source"},
    "bad mask length": BASE | {"rules": {"mask": "x" * 10_000}},
}
BAD_TEXTS = {
    "not json": "{name: nps}",
    "deeply nested json": "[" * 100_000 + "]" * 100_000,
    "empty file": "",
}


@pytest.mark.parametrize("data", BAD_JOBS.values(), ids=BAD_JOBS.keys())
def test_bad_job_files_are_refused_with_exit_2(
    data: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_job(tmp_path, data)
    code, err = cli(capsys, "validate", str(path))
    assert code == 2
    assert_one_paragraph(err)
    code, err = cli(capsys, "run", str(path), "--direct", "--store", str(tmp_path / "s.duckdb"))
    assert code == 2 and not (tmp_path / "s.duckdb").exists()


@pytest.mark.parametrize("text", BAD_TEXTS.values(), ids=BAD_TEXTS.keys())
def test_unreadable_job_files_are_refused(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = cli(capsys, "validate", str(write_job(tmp_path, text)))
    assert code == 2
    assert_one_paragraph(err)


def test_a_job_file_in_another_encoding_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "job.json"
    path.write_bytes(
        json.dumps(BASE | {"description": "Qualität"}, ensure_ascii=False).encode("latin-1")
    )
    code, err = cli(capsys, "validate", str(path))
    assert code == 2 and "job.json" in err
    assert_one_paragraph(err)


def test_a_missing_job_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = cli(capsys, "validate", str(tmp_path / "nope.json"))
    assert code == 2
    assert_one_paragraph(err)


def test_a_huge_record_limit_means_all(tmp_path: Path, sandbox_at) -> None:
    from qinbound_nb import run_job

    job = JobConfig.from_dict(BASE | {"filter": {"record_limit": 10**30}})
    report = run_job(job, store=tmp_path / "s.duckdb", **sandbox_at("2026-11-02T12:00:00Z"))
    assert report.ok and report.counts["loaded"] == report.counts["fetched"] == 200


def test_the_names_error_says_which_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = cli(capsys, "validate", str(write_job(tmp_path, BAD_JOBS["traversal in name"])))
    assert code == 2 and "name" in err


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = [*BASE, "mapping", "rules", "filter", "duplicates", "notifications", "schedule", "x\u00e9"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(KEYS), value=JSON_VALUES)
def test_any_value_in_any_setting_is_a_job_or_a_config_error(key: str, value: Any) -> None:
    try:
        job = JobConfig.from_json(json.dumps(BASE | {key: value}))
    except ConfigError as exc:
        assert str(exc) and "Traceback" not in str(exc)
    else:
        assert JobConfig.from_json(job.model_dump_json()) == job  # what loads, saves and reloads


@settings(max_examples=150, deadline=None)
@given(name=st.text(min_size=1, max_size=120))
def test_a_job_name_never_leaves_its_folder(name: str) -> None:
    try:
        job = JobConfig.from_dict(BASE | {"name": name})
    except ConfigError:
        return
    assert "/" not in job.name and "\\" not in job.name and job.name not in (".", "..")
    assert Path("runs", job.name).resolve().parent == Path("runs").resolve()


# ---- rule files ---------------------------------------------------------------------------


def rules(**settings: Any) -> RedactionRules:
    job = JobConfig.from_dict(BASE | {"rules": settings})
    return RedactionRules.from_config(job.rules, hash_key=b"k")


@pytest.mark.parametrize(
    ("text", "line"),
    [("ok\n(unclosed\n", 2), ("fine\nalso fine\n[z-a]", 3), (r"(a)\1", 1), ("(?<=x)y", 1)],
)
def test_invalid_redaction_patterns_are_named_by_line(text: str, line: int) -> None:
    with pytest.raises(ConfigError, match=f"rules.redactions: redaction rules, line {line}: "):
        rules(redactions=text)


def test_rule_text_given_directly_is_a_rule_error_naming_the_line() -> None:
    job = JobConfig.from_dict(BASE)
    bad = job.rules.model_copy(update={"redactions": "fine\n(unclosed"})
    with pytest.raises(RuleError, match="line 2"):
        RedactionRules.from_config(bad, hash_key=b"k")


def test_invalid_rules_through_the_cli_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_job(tmp_path, BASE | {"rules": {"redactions": "ok\n(unclosed"}})
    code, err = cli(capsys, "validate", str(path))
    assert code == 2 and "line 2" in err
    assert_one_paragraph(err)


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|aa)+$", r"(x+x+)+y", r"(.*a){20}"])
def test_catastrophic_backtracking_patterns_run_in_linear_time(pattern: str) -> None:
    compiled = rules(redactions=pattern)
    attack = pd.Series(["a" * 50_000 + "!", "x" * 50_000, "ok"], dtype="string[pyarrow]")
    result = redact(attack, compiled)  # RE2: finishes; a backtracking engine would not
    assert len(result.text) == 3


def test_a_huge_rule_file_is_refused_or_bounded() -> None:
    try:
        compiled = rules(redactions="\n".join(f"word{n}" for n in range(50_000)))
    except QInboundError as exc:
        assert "rule" in str(exc).lower() or "line" in str(exc).lower()
        return
    assert redact(pd.Series(["word49999 here"], dtype="string[pyarrow]"), compiled).counts


# ---- expressions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "(" * 10_000 + "1" + ")" * 10_000,
        "NOT " * 10_000 + "x",
        "- " * 10_000 + "1",
        " + ".join(["1"] * 20_000),
        "FOO(1)",
        "__import__('os').system('touch /tmp/pwned')",
        "eval('1')",
        "open('/etc/passwd')",
        "'a' ; DROP TABLE runs",
        "x[0]",
        "lambda: 1",
        "1 +",
        "'unclosed",
        "\x00",
    ],
)
def test_bad_expressions_are_expression_errors(expression: str) -> None:
    try:
        compile_expression(expression)
    except ExpressionError as exc:
        assert len(str(exc)) < 20_000  # the message points at the spot, it does not echo pages
        return
    pytest.fail(f"accepted {expression[:40]!r}")


def test_an_injection_in_a_filter_never_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "pwned"
    expression = f"__import__('os').system('touch {marker}')"
    path = write_job(tmp_path, BASE | {"filter": {"expression": expression}})
    code, err = cli(capsys, "validate", str(path))
    assert code == 2 and "filter.expression" in err and not marker.exists()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_an_expression_or_an_expression_error(text: str) -> None:
    with contextlib.suppress(ExpressionError):
        compile_expression(text)


# ---- datacenter ids that try to become hosts ----------------------------------------------

HOSTILE_DATACENTERS = [
    "evil.com",
    "iad1.evil.com",
    "iad1.qualtrics.com.evil",
    "127.0.0.1",
    "iad1@evil",
    "iad1:443",
    "iad1/../x",
    "iad1#",
    "iad1?x=1",
    "IAD1",
    "",
    " iad1",
    "iad1\n",
    "xn--iad1",
    "a" * 64,
]


@pytest.mark.parametrize("datacenter", HOSTILE_DATACENTERS)
def test_datacenter_ids_never_become_hosts(
    datacenter: str, capsys: pytest.CaptureFixture[str], isolated_home: Path, monkeypatch
) -> None:
    with pytest.raises(ConfigError, match="datacenter id"):
        datacenter_base_url(datacenter)
    monkeypatch.setattr("sys.stdin", io.StringIO("tok\n"))
    code, err = cli(capsys, "connections", "add", "prod", "--datacenter", datacenter)
    assert code == 2
    assert_one_paragraph(err)
    assert not (isolated_home / "connections.json").exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.com/API/v3/",
        "https://10.0.0.1/",
        "ftp://127.0.0.1/",
        "http://127.0.0.1.evil.com/",
    ],
)
def test_the_base_url_override_only_takes_loopback(url: str, monkeypatch) -> None:
    monkeypatch.setenv("QINBOUND_API_BASE_URL", url)
    with pytest.raises(ConfigError, match="loopback"):
        override_base_url()
