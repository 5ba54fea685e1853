"""Each wizard step driven headlessly: set values, click buttons, read what the user sees."""

from __future__ import annotations

import base64
import os
import re
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from qinbound_nb.job.config import Connection
from qinbound_nb.job.rulesyntax import rule_template
from qinbound_nb.local.connections import ConnectionStore
from qinbound_nb.widgets.steps.rules import template_link

from .conftest import OTHER_SURVEY, SURVEY_ID, RecordingApi, walk_to

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def new_connection(step, *, name="prod-iad1", datacenter="iad1", token="tok-123") -> None:
    step.mode.value = "new"
    step.new_name.value = name
    step.datacenter.value = datacenter
    step.token.value = token


# -- connection ---------------------------------------------------------------------------------
def test_saved_connections_are_offered_with_the_sandbox(make_wizard) -> None:
    ConnectionStore().add(Connection(name="prod-iad1", datacenter="iad1", expires=date(2030, 1, 2)))
    wizard = make_wizard()
    walk_to(wizard, "connection")
    labels = [label for label, _ in wizard.current.saved.options]
    assert labels == ["prod-iad1 (iad1, expires 2030-01-02)", "sandbox (sandbox)"]


def test_test_connection_shows_brand_and_datacenter(make_wizard, api_calls) -> None:
    wizard = make_wizard()
    walk_to(wizard, "connection")
    wizard.current.test_button.click()
    assert wizard.current.messages.text == (
        "Connected: brand sandbox, user analyst@sandbox.example, datacenter sandbox"
    )
    assert ("whoami", "sandbox") in api_calls


def test_a_refused_token_shows_the_one_paragraph_error(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "connection")
    step = wizard.current
    new_connection(step, token="revoked-token")
    step.test_button.click()
    assert step.messages.text.startswith("the connection test (whoami) was refused (HTTP 401")
    assert "Check the API token of connection 'prod-iad1'" in step.messages.text
    assert "revoked-token" not in step.messages.widget.value
    assert not step.busy.active


def test_an_unexpected_exception_in_a_callback_is_shown_not_swallowed(make_wizard) -> None:
    class Broken(RecordingApi):
        def whoami(self):
            raise KeyError("brandId")

    wizard = make_wizard(api_factory=lambda c: Broken(c, []))
    walk_to(wizard, "connection")
    wizard.current.test_button.click()
    assert "Unexpected error" in wizard.current.messages.text
    assert "KeyError" in wizard.current.messages.text


def test_new_connection_fields_are_checked_beside_each_field(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "connection")
    step = wizard.current
    new_connection(step, datacenter="https://evil.example", token="")
    assert "never a host name" in step.error_for("datacenter")
    assert step.error_for("token") == ""  # not touched yet
    step.save_button.click()  # trying to save shows every problem
    assert "paste the API token" in step.error_for("token")
    assert "prod-iad1" not in {c.name for c in step.context.connections.list()}
    step.notify.value = True
    assert "choose the date" in step.error_for("expires")
    assert wizard.next.disabled


def test_saving_a_connection_writes_the_file_and_clears_the_token(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "connection")
    step = wizard.current
    new_connection(step)
    step.notify.value = True
    step.expires.value = date(2031, 5, 1)
    step.notice_days.value = 30
    assert wizard.next.disabled  # a new connection must be saved before going on
    step.save_button.click()
    saved = ConnectionStore().get("prod-iad1")
    assert saved.token is not None and saved.token.get_secret_value() == "tok-123"
    assert (saved.expires, saved.notice_days) == (date(2031, 5, 1), 30)
    assert stat.S_IMODE(os.stat(ConnectionStore().path).st_mode) == 0o600
    assert step.token.value == ""
    assert (step.mode.value, step.saved.value) == ("saved", "prod-iad1")
    assert "tok-123" not in step.messages.widget.value
    assert not wizard.next.disabled


# -- data type and source -----------------------------------------------------------------------
def test_survey_list_is_searchable_and_fills_the_survey_id(make_wizard, api_calls) -> None:
    wizard = make_wizard()
    walk_to(wizard, "source")
    step = wizard.current
    assert [value for _, value in step.survey_list.options] == [SURVEY_ID, OTHER_SURVEY]
    step.search.value = "csat"
    assert step.survey_list.options == (
        (f"Support CSAT pulse (demo) ({OTHER_SURVEY})", OTHER_SURVEY),
    )
    step.survey_list.value = OTHER_SURVEY
    assert step.survey_id.value == OTHER_SURVEY
    assert ("list_filters", OTHER_SURVEY) in api_calls
    filters = {label.split(" (")[0]: value for label, value in step.filter_id.options}
    assert list(filters) == ["No filter: every response", "Unhappy"]
    step.filter_id.value = filters["Unhappy"]
    step.in_progress.value = True
    source = step.value
    assert (source.survey_id, source.filter_id, source.include_in_progress) == (
        OTHER_SURVEY,
        filters["Unhappy"],
        True,
    )


def test_question_text_is_escaped_in_the_mapping_table(make_wizard, api_calls) -> None:
    class HtmlQuestions(RecordingApi):
        def survey_metadata(self, survey_id):
            metadata = super().survey_metadata(survey_id)
            question = metadata.questions["QID2"]
            html_text = replace(question, text="Why? <b>Tell us</b><script>x()</script>")
            return replace(metadata, questions={**metadata.questions, "QID2": html_text})

    wizard = make_wizard(api_factory=lambda c: HtmlQuestions(c, api_calls))
    walk_to(wizard, "mapping")
    label = row_for(wizard.current, "QID2_TEXT").label.value
    assert "&lt;b&gt;Tell us&lt;/b&gt;&lt;script&gt;" in label and "<script>" not in label


def test_a_mistyped_survey_id_is_shown_beside_the_field(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "source")
    wizard.current.survey_id.value = "SV_short"
    assert "must be 'SV_' followed by 15" in wizard.current.error_for("survey_id")
    assert wizard.next.disabled


def test_orm_asks_for_the_idp_source_id(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "data_type")
    wizard.current.data_type.value = "orm"
    wizard.next.click()
    step = wizard.current
    assert step.orm_box.layout.display == "flex" and step.survey_box.layout.display == "none"
    assert wizard.next.disabled
    step.idp_source_id.value = "dcf04acc768f4ea5"
    assert not wizard.next.disabled
    walk_to(wizard, "review")
    assert wizard.job.source.type == "orm"
    assert wizard.job.source.idp_source_id == "dcf04acc768f4ea5"
    assert wizard.job.feedback_type == "Reviews"


@pytest.mark.parametrize(
    ("kind", "offered"),
    [("orm", ["created_at"]), ("tickets", ["createdAt", "updatedAt"])],
)
def test_the_mapping_step_offers_the_data_types_date_fields(make_wizard, kind, offered) -> None:
    wizard = make_wizard()
    walk_to(wizard, "data_type")
    wizard.current.data_type.value = kind
    wizard.next.click()
    if kind == "orm":
        wizard.current.idp_source_id.value = "dcf04acc768f4ea5"
    walk_to(wizard, "mapping")
    step = wizard.current
    assert list(step.document_date.options) == offered
    assert step.document_date.value == offered[0]
    walk_to(wizard, "review")
    assert wizard.job.mapping.document_date == offered[0]


def test_background_work_runs_on_the_default_thread_pool(make_wizard) -> None:
    pool = ThreadPoolExecutor(max_workers=1)
    wizard = make_wizard(executor=pool)
    walk_to(wizard, "connection")
    wizard.current.test_button.click()
    pool.shutdown(wait=True)
    assert "Connected" in wizard.current.messages.text
    assert not wizard.current.busy.active


# -- mapping ------------------------------------------------------------------------------------
@pytest.fixture
def mapping_step(make_wizard):
    wizard = make_wizard()
    walk_to(wizard, "mapping")
    return wizard, wizard.current


def row_for(step, source):
    return next(row for row in step.rows if row.source == source)


def error_of(step, row) -> str:
    return step.error_for(f"fields.{step.rows.index(row)}")


def test_mapping_lists_every_source_field_with_suggestions(mapping_step) -> None:
    _, step = mapping_step
    sources = [row.source for row in step.rows]
    assert sources[:3] == ["startDate", "endDate", "recordedDate"]
    assert {"QID1", "QID2_TEXT", "store_id"} <= set(sources)
    comment = row_for(step, "QID2_TEXT")
    assert comment.include.value and comment.type.value == "verbatim"
    assert comment.attribute.value  # a suggested name
    assert not row_for(step, "ipAddress").include.value
    assert "What is the main reason for your score?" in comment.label.value


def test_attribute_names_are_checked_as_you_type(mapping_step) -> None:
    wizard, step = mapping_step
    row = row_for(step, "QID1")
    row.attribute.value = "comment"
    assert "reserved word" in error_of(step, row)
    assert wizard.next.disabled
    row.attribute.value = "SC_score"
    assert "may not start with SC_" in error_of(step, row)
    row.attribute.value = "nps_score"
    assert error_of(step, row) == "" and not wizard.next.disabled


def test_duplicate_attribute_names_are_shown_on_the_row(mapping_step) -> None:
    wizard, step = mapping_step
    row_for(step, "QID1").attribute.value = "score"
    store = row_for(step, "store_id")
    store.include.value = True
    store.attribute.value = "Score"
    assert "already taken by field QID1; give store_id another name" in error_of(step, store)
    assert wizard.next.disabled


def test_transformations_have_small_editors(mapping_step) -> None:
    wizard, step = mapping_step
    row = row_for(step, "store_id")
    row.include.value = True
    row.attribute.value = "store_name"
    row.transform.value = "lookup"
    assert row.editors["lookup"].layout.display == "flex"
    row.lookup_table.value = "1 Berlin"
    assert "has no ':'" in error_of(step, row)
    row.lookup_table.value = "1 : Berlin\n2 : Paris"
    row.lookup_default.value = "elsewhere"
    fields = {f.source: f for f in step.value.fields}
    assert fields["store_id"].transform.table == {"1": "Berlin", "2": "Paris"}
    row.transform.value = "regex"
    row.pattern.value = "(unclosed"
    assert "does not compile" in error_of(step, row)
    row.pattern.value = "\\s+"
    assert step.valid and not wizard.next.disabled


def test_document_date_offers_mapped_date_fields(mapping_step) -> None:
    _, step = mapping_step
    row = row_for(step, "store_id")
    row.include.value = True
    row.attribute.value = "visit_date"
    row.type.value = "date"
    assert "store_id" in step.document_date.options
    step.document_date.value = "store_id"
    step.source_value.value = "Store survey"
    assert (step.value.document_date, step.value.source_value) == ("store_id", "Store survey")


def test_a_field_can_be_added_by_hand(mapping_step) -> None:
    _, step = mapping_step
    step.new_source.value = "QID9_TEXT"
    step.add_button.click()
    row = row_for(step, "QID9_TEXT")
    assert row.include.value and "needs an attribute name" in error_of(step, row)
    row.attribute.value = "extra_text"
    assert "QID9_TEXT" in {f.source for f in step.value.fields}


# -- rules, filter, notifications, schedule -----------------------------------------------------
def test_rule_files_upload_into_the_text_areas(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "rules")
    step = wizard.current
    content = b"# redaction rules\n\\d{3}-\\d{2}-\\d{4}\n"
    upload = {
        "name": "redact.txt",
        "type": "text/plain",
        "size": len(content),
        "last_modified": NOW,
    }
    step.redactions_file.value = ({**upload, "content": memoryview(content)},)
    assert step.redactions.value == content.decode()
    assert "Loaded redact.txt" in step.messages.text
    step.pii["email"].value = True
    step.mask_style.value = "typed"
    assert (step.value.pii, step.value.mask_style) == (["email"], "typed")


def test_bad_rules_name_the_line_beside_the_field(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "rules")
    step = wizard.current
    step.redactions.value = "# ok\n(?!x)secret"
    assert "line 2" in step.error_for("redactions") and "negative lookahead" in step.error_for(
        "redactions"
    )
    step.redactions.value = ""
    step.substitutions.value = "no colon here"
    assert "has no ':'" in step.error_for("substitutions")
    assert wizard.next.disabled


def test_a_non_utf8_rule_file_is_refused(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "rules")
    step = wizard.current
    content = "caf\xe9 : cafe".encode("latin-1")
    step.substitutions_file.value = (
        {
            "name": "subs.txt",
            "type": "text/plain",
            "size": 11,
            "content": memoryview(content),
            "last_modified": NOW,
        },
    )
    assert "subs.txt: is not UTF-8 text" in step.messages.text
    assert step.substitutions.value == ""


def test_filter_syntax_and_fields_are_checked_and_test_answers(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "filter")
    step = wizard.current
    step.expression.value = "NOT ISBLANK(source"
    assert "ends too early" in step.error_for("expression")
    step.expression.value = "nope = 1"
    assert "'nope' is not a field of this job" in step.error_for("expression")
    step.expression.value = 'CONTAINS(source, "Qualtrics")'
    assert step.error_for("expression") == ""
    step.samples.value = "source=Qualtrics survey"
    step.test_button.click()
    assert "true" in step.test_result.value and "included" in step.test_result.value
    step.action.value = "exclude"
    step.test_button.click()
    assert "skipped" in step.test_result.value
    step.limit_kind.value = "count"
    step.limit.value = 250
    assert step.value.record_limit == 250 and step.value.action == "exclude"


def test_notification_addresses_are_checked(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "notifications")
    step = wizard.current
    step.email.value = "ops@example.com, not-an-address"
    assert "'not-an-address' is not an email address" in step.error_for("email")
    step.email.value = "ops@example.com; lead@example.com"
    step.events["success"].value = True
    assert step.value.email == ["ops@example.com", "lead@example.com"]
    assert step.value.on == ["failure", "success"]


def test_schedule_fields_follow_the_frequency(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "schedule")
    step = wizard.current
    assert step.recurring_box.layout.display == "none"
    step.kind.value = "recurring"
    step.frequency.value = "hourly"
    step.every_hours.value = 3
    assert step.every_hours.layout.display == "flex"
    step.starts_on.value = "25:00"
    assert "HH:MM" in step.error_for("starts_on")
    step.starts_on.value = "8:30"
    step.timezone.value = "Mars/Olympus"
    assert "IANA name" in step.error_for("timezone")
    step.timezone.value = "Europe/Berlin"
    schedule = step.value
    assert (schedule.frequency, schedule.every_hours, schedule.starts_on) == ("hourly", 3, "08:30")
    assert "Next runs" in step.next_runs.value


def test_long_labels_are_shown_whole(make_wizard) -> None:
    # Seen in JupyterLab: ipywidgets' fixed widths cut labels to "document…",
    # "Include in-progress respon…" and "Use a saved conn…".
    wizard = make_wizard()
    assert wizard.step("mapping").document_date.style.description_width == "initial"
    in_progress = wizard.step("source").in_progress
    connection = wizard.step("connection")
    assert in_progress.layout.width == connection.notify.layout.width == "auto"
    assert in_progress.layout is not connection.notify.layout  # hiding one never hides both
    assert connection.mode.style.button_width == "auto"


def test_the_template_buttons_fill_an_empty_box_with_a_file_that_checks(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "rules")
    step = wizard.current
    step.substitutions_template.click()
    step.redactions_template.click()
    assert "corroded virus : Coronavirus" in step.substitutions.value
    assert "\\d{3}-\\d{2}-\\d{4}" in step.redactions.value
    assert "Loaded the redactions template" in step.messages.text
    assert step.error_for("substitutions") == step.error_for("redactions") == ""
    assert not wizard.next.disabled
    assert step.value.substitutions == step.substitutions.value


def test_a_template_never_overwrites_rules_already_typed(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "rules")
    step = wizard.current
    step.substitutions.value = "mine : kept"
    step.substitutions_template.click()
    assert step.substitutions.value == "mine : kept"
    assert "already holds rules" in step.messages.text


def test_the_template_link_downloads_the_shipped_file() -> None:
    link = template_link("redactions").value
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", link)
    assert data and 'download="redactions.txt"' in link
    assert base64.b64decode(data.group(1)).decode("utf-8") == rule_template("redactions")
