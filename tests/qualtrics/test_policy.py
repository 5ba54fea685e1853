"""The error policy: both envelopes, Retry-After, and what each refusal becomes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from qualtrics_helpers import TOKEN, load

from qinbound_nb.errors import (
    AuthError,
    ContinuationTokenRejected,
    FatalApiError,
    NotFoundError,
    RetriableError,
)
from qinbound_nb.qualtrics.policy import (
    RetryPolicy,
    error_for,
    gave_up,
    parse_problem,
    retry_after_seconds,
)


def problem_of(name: str, status: int):
    return parse_problem(status, json.dumps(load(name)).encode())


def test_current_envelope_is_parsed() -> None:
    problem = problem_of("error_404_survey_not_found.json", 404)
    assert (problem.code, problem.message, problem.request_id) == (
        "GSI_2",
        "Survey not found.",
        None,
    )


def test_legacy_envelope_is_parsed() -> None:
    problem = problem_of("error_legacy.json", 404)
    assert problem.code == "GS_5"
    assert problem.message == "You do not have permission to access this resource."
    assert problem.request_id == "9a1f3e55-2b7c-4d08-8e6a-41c2d9b0f7a3"


def test_null_request_id_and_junk_bodies_are_tolerated() -> None:
    assert problem_of("error_404_requestid_null.json", 404).request_id is None
    assert parse_problem(502, b"<html>bad gateway</html>").code is None
    assert parse_problem(500, b'["not", "an", "envelope"]').code is None


def test_403_with_proxy_notice_names_the_datacenter_to_use() -> None:
    error = error_for(
        problem_of("error_403_proxied.json", 403),
        connection="prod-iad1",
        action="reading the survey",
        resource="survey SV_x",
        secrets=(TOKEN,),
    )
    assert isinstance(error, AuthError)
    assert "use datacenter 'az1'" in str(error)
    assert "prod-iad1" in str(error)
    assert "0b7c52c4-3c8e-4e39-9d7c-2f51b1a0c1d2" in str(error)


def test_404_names_the_resource_and_400_is_fatal() -> None:
    missing = error_for(
        problem_of("error_404_survey_not_found.json", 404),
        connection="c",
        action="a",
        resource="survey SV_123456789012345",
        secrets=(),
    )
    assert isinstance(missing, NotFoundError)
    assert "survey SV_123456789012345 was not found" in str(missing)
    fatal = error_for(
        problem_of("error_400_bad_request.json", 400),
        connection="c",
        action="starting",
        resource="r",
        secrets=(),
    )
    assert isinstance(fatal, FatalApiError)
    assert "GP_0" in str(fatal) and fatal.status == 400


def test_token_echoed_by_the_server_is_scrubbed() -> None:
    body = json.dumps({"meta": {"error": {"errorMessage": f"bad token {TOKEN}", "errorCode": "X"}}})
    error = error_for(
        parse_problem(401, body.encode()),
        connection="c",
        action="a",
        resource="r",
        secrets=(TOKEN,),
    )
    assert TOKEN not in str(error)
    assert "***" in str(error)


def test_retry_after_as_seconds_or_http_date() -> None:
    assert retry_after_seconds("7") == 7.0
    now = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Fri, 20 Nov 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 6])
def test_backoff_grows_and_is_capped(attempt: int) -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    low, high = policy.delay(attempt, None, 0.0), policy.delay(attempt, None, 0.999999)
    ceiling = min(8.0, 2 ** (attempt - 1))
    assert ceiling / 2 == pytest.approx(low)
    assert high == pytest.approx(ceiling, rel=1e-5)


def test_retry_after_wins_over_backoff() -> None:
    assert RetryPolicy().delay(1, 12.0, 0.3) == 12.0


def test_gave_up_is_retriable_and_keeps_the_request_id() -> None:
    error = gave_up(
        problem_of("error_403_proxied.json", 503), action="x", attempts=5, cause="HTTP 503"
    )
    assert isinstance(error, RetriableError)
    assert error.request_id == "0b7c52c4-3c8e-4e39-9d7c-2f51b1a0c1d2"
    assert "5 attempt(s)" in str(error)


@pytest.mark.parametrize(
    "message",
    [
        "Invalid continuationToken.",
        "The continuationToken has expired; tokens are valid for 7 days.",
    ],
)
def test_a_400_refusing_the_continuation_token_is_its_own_error(message: str) -> None:
    body = json.dumps({"meta": {"error": {"errorMessage": message, "errorCode": "RCE_1"}}})
    error = error_for(
        parse_problem(400, body.encode()), connection="c", action="a", resource="r", secrets=()
    )
    assert isinstance(error, ContinuationTokenRejected) and error.status == 400
    assert "date window" in str(error)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (400, "Do not send allowContinuation with a continuationToken."),
        (400, "filterId cannot be used with allowContinuation or continuationToken."),
        (400, "Invalid filterId parameter."),
        (403, "Invalid continuationToken."),
    ],
)
def test_other_refusals_naming_the_token_stay_what_they_are(status: int, message: str) -> None:
    body = json.dumps({"meta": {"error": {"errorMessage": message, "errorCode": "X"}}})
    error = error_for(
        parse_problem(status, body.encode()), connection="c", action="a", resource="r", secrets=()
    )
    assert not isinstance(error, ContinuationTokenRejected)
