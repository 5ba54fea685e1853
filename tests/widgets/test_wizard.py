"""The wizard as a user drives it: Next/Back, errors beside fields, review, finish, reopen."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import SecretStr

from qinbound_nb.job.config import Connection, JobConfig
from qinbound_nb.local.connections import ConnectionStore
from qinbound_nb.widgets.steps.review import ReviewStep

from .conftest import SURVEY_ID, fill_basics, walk_to, widget_values

STEP_NAMES = [
    "basics",
    "connection",
    "data_type",
    "source",
    "mapping",
    "rules",
    "filter",
    "notifications",
    "duplicates",
    "schedule",
    "review",
    "finish",
]


def test_steps_come_in_the_xm_discover_order(make_wizard) -> None:
    wizard = make_wizard()
    assert [step.name for step in wizard.steps] == STEP_NAMES
    assert wizard.body.selected_index == 0
    assert "1. Job name and project" in wizard.header[0].description


def test_next_is_enabled_only_when_the_step_is_valid(make_wizard) -> None:
    wizard = make_wizard()
    assert wizard.next.disabled
    assert wizard.back.disabled
    basics = wizard.step("basics")
    basics.job_name.value = "nps weekly"
    basics.project.value = "1 bad project"
    assert wizard.next.disabled
    assert "must start with a letter" in basics.error_for("project")
    assert basics.error_for("name") == ""
    basics.project.value = "customer_feedback"
    assert not wizard.next.disabled
    assert basics.error_for("project") == ""


def test_clicking_next_on_an_invalid_step_stays_put(make_wizard) -> None:
    wizard = make_wizard()
    wizard.next.click()  # disabled in a browser; a script can still call click()
    assert wizard.current.name == "basics"


def test_a_fresh_step_shows_no_errors_but_next_is_disabled(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "source")
    step = wizard.current
    assert step.survey_id.value == "" and wizard.next.disabled
    assert step.error_for("survey_id") == ""
    assert "qinbound-field-error" not in "".join(widget_values(step.widget))
    assert step.problems.text == ""


def test_typing_a_bad_survey_id_shows_the_error_beside_it(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "source")
    step = wizard.current
    step.survey_id.value = "SV_bad"
    assert "must be 'SV_' followed by 15" in step.error_for("survey_id")
    assert step.error_for("start_date") == ""
    step.survey_id.value = SURVEY_ID
    assert step.error_for("survey_id") == "" and not wizard.next.disabled


def test_clicking_next_on_an_invalid_step_reveals_all_its_errors(make_wizard) -> None:
    wizard = make_wizard()
    basics = wizard.current
    assert basics.error_for("name") == basics.error_for("project") == ""
    wizard.next.click()
    assert "job name '' must start with" in basics.error_for("name")
    assert "project name '' must start with" in basics.error_for("project")
    walk_to(wizard, "source")
    wizard.next.click()
    assert "must be 'SV_' followed by 15" in wizard.current.error_for("survey_id")


def test_a_later_step_title_on_an_invalid_step_reveals_its_errors(make_wizard) -> None:
    wizard = make_wizard()
    wizard.step("basics").job_name.value = "nps weekly"
    assert wizard.step("basics").error_for("project") == ""
    wizard.header[3].click()
    assert wizard.current.name == "basics"
    assert "project name '' must start with" in wizard.step("basics").error_for("project")


def test_a_reopened_job_shows_its_problems_beside_the_fields(make_wizard, job: JobConfig) -> None:
    wizard = make_wizard(job=job.model_copy(update={"connection": "gone"}))
    walk_to(wizard, "connection")
    assert "'gone' is not saved here" in wizard.current.error_for("connection")


def test_back_keeps_what_was_entered(make_wizard) -> None:
    wizard = make_wizard()
    fill_basics(wizard, name="kept-name", project="kept_project")
    wizard.step("basics").description.value = "typed before going on"
    wizard.next.click()
    assert wizard.current.name == "connection"
    wizard.back.click()
    basics = wizard.step("basics")
    assert (basics.job_name.value, basics.project.value) == ("kept-name", "kept_project")
    assert basics.description.value == "typed before going on"


def test_header_marks_visited_steps(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "data_type")
    assert wizard.header[0].description.startswith("✓")
    assert wizard.header[2].description.startswith("●")
    assert wizard.header[5].description.startswith("○")


def test_header_refuses_to_skip_over_an_invalid_step(make_wizard) -> None:
    wizard = make_wizard()
    wizard.header[4].click()
    assert wizard.current.name == "basics"
    assert "finish the steps before" in wizard.messages.text


def test_job_is_none_until_every_step_validates(make_wizard) -> None:
    wizard = make_wizard()
    assert wizard.job is None
    walk_to(wizard, "review")
    job = wizard.job
    assert isinstance(job, JobConfig)
    assert (job.name, job.project, job.connection) == ("nps-weekly", "customer_feedback", "sandbox")
    assert job.source.type == "survey" and job.source.survey_id == SURVEY_ID


def test_review_lists_every_section_with_an_edit_button(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "review")
    review = wizard.current
    assert isinstance(review, ReviewStep)
    assert set(review.edit_buttons) == set(STEP_NAMES[:-2])
    text = " ".join(child.children[0].value for child in review.body.children)
    assert "nps-weekly" in text and SURVEY_ID in text and "replace" in text.lower()
    review.edit_buttons["rules"].click()
    assert wizard.current.name == "rules"
    assert wizard.body.selected_index == STEP_NAMES.index("rules")


def test_review_escapes_what_the_user_typed(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "basics")
    fill_basics(wizard)
    wizard.step("basics").description.value = "<script>alert(1)</script>"
    walk_to(wizard, "review")
    markup = " ".join(child.children[0].value for child in wizard.current.body.children)
    assert "<script>" not in markup and "&lt;script&gt;" in markup


def test_finish_writes_the_job_file_and_calls_the_exporter(make_wizard, tmp_path: Path) -> None:
    exported: list[tuple[str, Path]] = []
    wizard = make_wizard(export=lambda job, path: exported.append((job.name, path)))
    walk_to(wizard, "schedule")
    schedule = wizard.step("schedule")
    schedule.kind.value = "recurring"
    schedule.frequency.value = "weekly"
    schedule.days["fri"].value = True
    walk_to(wizard, "finish")
    finish = wizard.current
    assert finish.job_path.value == str(tmp_path / "nps-weekly.json")
    finish.save_button.click()
    saved = JobConfig.load(tmp_path / "nps-weekly.json")
    assert saved == wizard.job
    assert saved.schedule.days == ["mon", "fri"]
    assert exported == [("nps-weekly", tmp_path / "nps-weekly.ipynb")]
    assert f"-m qinbound_nb run {tmp_path / 'nps-weekly.json'} --store " in finish.result.value
    assert "-m qinbound_nb schedule" in finish.result.value
    assert "weekly on mon, fri" in finish.result.value


def test_finish_shows_an_exporter_failure_in_the_ui(make_wizard, tmp_path: Path) -> None:
    def broken(job: JobConfig, path: Path) -> None:
        raise RuntimeError("disk on fire")

    wizard = make_wizard(export=broken)
    walk_to(wizard, "finish")
    wizard.current.save_button.click()
    assert "Unexpected error" in wizard.current.messages.text
    assert "disk on fire" in wizard.current.messages.text
    assert (tmp_path / "nps-weekly.json").exists()  # the job itself was saved first


def test_reopening_a_job_fills_every_step(make_wizard, tmp_path: Path) -> None:
    ConnectionStore().add(Connection(name="prod-iad1", datacenter="iad1", token=SecretStr("t0ken")))
    original = JobConfig.from_dict(
        {
            "name": "nps-weekly",
            "project": "customer_feedback",
            "description": "weekly",
            "connection": "prod-iad1",
            "source": {
                "type": "survey",
                "survey_id": SURVEY_ID,
                "include_in_progress": True,
                "filter_id": "FT_detractors",
            },
            "mapping": {
                "document_date": "recordedDate",
                "source_value": "NPS survey",
                "fields": [
                    {"source": "QID1", "name": "nps_score", "type": "number"},
                    {
                        "source": "QID2_TEXT",
                        "name": "nps_comment",
                        "type": "verbatim",
                        "transform": {"kind": "regex", "pattern": "\\s+", "replacement": " "},
                    },
                    {
                        "source": "store_id",
                        "name": "store",
                        "type": "text",
                        "transform": {
                            "kind": "lookup",
                            "table": {"1": "Berlin"},
                            "default": "other",
                        },
                    },
                ],
            },
            "rules": {
                "pii": ["email", "ip", "person", "iban"],
                "known_values": ["RecipientFirstName", "LoyaltyId"],
                "substitutions": "corroded virus : Coronavirus",
                "redactions": "\\d{3}-\\d{2}-\\d{4}",
                "mask_style": "typed",
                "apply_to": ["nps_comment"],
            },
            "filter": {
                "expression": "NOT ISBLANK(nps_comment)",
                "action": "exclude",
                "record_limit": 500,
            },
            "duplicates": "update",
            "notifications": {"on": ["failure", "success"], "email": ["ops@example.com"]},
            "schedule": {
                "kind": "recurring",
                "frequency": "monthly",
                "day_of_month": 31,
                "starts_on": "06:30",
                "timezone": "Europe/Berlin",
                "lookback": "1d",
                "pull_on_create": False,
            },
        }
    )
    path = original.save(tmp_path / "job.json")
    wizard = make_wizard(job=JobConfig.load(path))
    assert wizard.job == original
    assert all(step.valid for step in wizard.steps)
    assert wizard.step("filter").expression.value == "NOT ISBLANK(nps_comment)"
    assert wizard.step("connection").saved.value == "prod-iad1"
    assert wizard.step("rules").known_values.value == "RecipientFirstName, LoyaltyId"
    walk_to(wizard, "finish")
    wizard.current.save_button.click()
    assert json.loads((tmp_path / "nps-weekly.json").read_text()) == original.model_dump(
        mode="json"
    )


def test_reopening_a_job_whose_connection_is_missing_says_so(make_wizard, job: JobConfig) -> None:
    wizard = make_wizard(job=job.model_copy(update={"connection": "gone"}))
    assert wizard.job is None
    messages = wizard.step("connection").value
    assert isinstance(messages, list) and "'gone' is not saved here" in messages[0]


def test_no_widget_holds_the_token_after_saving_a_connection(make_wizard) -> None:
    wizard = make_wizard()
    walk_to(wizard, "connection")
    step = wizard.current
    step.mode.value = "new"
    step.new_name.value = "prod-iad1"
    step.datacenter.value = "iad1"
    step.token.value = "SECRET-token-1234567890"
    step.test_button.click()
    step.save_button.click()
    assert ConnectionStore().get("prod-iad1").token.get_secret_value() == "SECRET-token-1234567890"
    walk_to(wizard, "finish")
    wizard.current.save_button.click()
    leaked = [value for value in widget_values(wizard.widget) if "SECRET-token" in value]
    assert leaked == []
    assert wizard.job is not None and wizard.job.connection == "prod-iad1"


def test_the_store_offers_projects_and_registers_the_saved_job(
    make_wizard, job: JobConfig, tmp_path: Path
) -> None:
    import nbformat
    import pandas as pd

    from qinbound_nb.store.store import Store

    document = {
        "natural_id": "old;R_1",
        "document_date": pd.Timestamp("2026-11-01T10:00Z"),
        "job_name": "old",
        "loadDate": pd.Timestamp("2026-11-02T08:00Z"),
        "feedback_provider": "Qualtrics",
        "feedback_type": "Survey",
        "source": "Qualtrics",
    }
    with Store(tmp_path / "store.duckdb") as store:
        loaded = job.model_copy(update={"name": "old", "project": "existing_project"})
        with store.load_run("run-1", loaded) as run:
            run.stage(pd.DataFrame([document]))
            run.finish()
        wizard = make_wizard(store=store)
        assert "existing_project" in wizard.step("basics").project.options
        walk_to(wizard, "finish")
        wizard.current.save_button.click()
        registered = store.registered_jobs()
    assert "nps-weekly" in registered.to_string()
    notebook = nbformat.read(tmp_path / "nps-weekly.ipynb", as_version=4)
    assert str(tmp_path / "store.duckdb") in "".join(cell.source for cell in notebook.cells)


def test_a_disabled_next_says_why() -> None:
    from qinbound_nb import Wizard

    wizard = Wizard()
    assert wizard.next.disabled
    assert "complete this step" in wizard.position.value
    assert wizard.next.tooltip
