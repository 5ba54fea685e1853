"""The exported notebook: its parameters contract, its summary, and what it must never hold."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill
import pytest

from qinbound_nb import JobConfig
from qinbound_nb.errors import ConfigError
from qinbound_nb.notebooks.export import check_parameters, export_notebook, scrub_notebook


@pytest.fixture
def rich_job(minimal_job: dict) -> JobConfig:
    return JobConfig.from_dict(
        {
            **minimal_job,
            "description": "Weekly NPS <b>comments</b>",
            "mapping": {
                "fields": [
                    {"source": "QID5_TEXT", "name": "feedback", "type": "verbatim"},
                    {"source": "QID1", "name": "nps", "type": "number"},
                    {"source": "Q|odd`col", "name": "odd", "type": "text",
                     "transform": {"kind": "lookup", "table": {"a": "b"}}},
                ]
            },
            "rules": {
                "pii": ["email", "phone"],
                "redactions": "# order numbers\nORD-[0-9]{6}\n",
                "substitutions": "Jane Doe : the customer\n",
            },
            "filter": {"expression": "NOT ISBLANK(feedback)", "record_limit": 500},
            "schedule": {"kind": "recurring", "frequency": "weekly", "days": ["mon"],
                         "starts_on": "06:30", "timezone": "Europe/Berlin"},
        }
    )  # fmt: skip


def export(job: JobConfig, tmp_path: Path, **options: object) -> Path:
    return export_notebook(job, tmp_path / "nps.ipynb", **options)  # type: ignore[arg-type]


def test_the_parameters_cell_is_the_contract_papermill_sees(job: JobConfig, tmp_path: Path) -> None:
    notebook = export(job, tmp_path)
    parameters = papermill.inspect_notebook(str(notebook))
    assert list(parameters) == ["job_path", "store", "dry_run", "run_id", "output_notebook"]
    assert parameters["job_path"]["default"] == repr(str(tmp_path / "nps.job.json"))
    assert parameters["store"]["default"] == "None"
    assert parameters["dry_run"]["default"] == "False"
    assert parameters["dry_run"]["inferred_type_name"] == "bool"
    assert "non" not in parameters["run_id"]["help"] and parameters["run_id"]["help"]


def test_the_job_is_saved_beside_the_notebook_unless_a_path_is_given(
    job: JobConfig, tmp_path: Path
) -> None:
    export(job, tmp_path)
    assert JobConfig.load(tmp_path / "nps.job.json") == job
    other = tmp_path / "elsewhere.json"
    export_notebook(job, tmp_path / "b.ipynb", job_path=other, store_path="/data/q.duckdb")
    assert not (tmp_path / "b.job.json").exists()
    defaults = papermill.inspect_notebook(str(tmp_path / "b.ipynb"))
    assert defaults["job_path"]["default"] == repr(str(other))
    assert defaults["store"]["default"] == repr("/data/q.duckdb")


def test_the_notebook_is_valid_and_exporting_twice_gives_the_same_file(
    rich_job: JobConfig, tmp_path: Path
) -> None:
    first = export(rich_job, tmp_path).read_text()
    second = export(rich_job, tmp_path).read_text()
    assert first == second
    notebook = nbformat.reads(first, as_version=4)
    nbformat.validate(notebook)
    assert first == nbformat.writes(notebook) + "\n"  # written by hand exactly as nbformat would
    assert notebook.metadata.kernelspec.name == "python3"
    tagged = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1
    sources = "\n".join(cell.source for cell in notebook.cells)
    assert "report = run_job(job, store=store, dry_run=dry_run, run_id=run_id," in sources
    assert "report = report.raise_for_status()" in sources
    assert "from qinbound_nb import JobConfig, run_job" in sources


def test_the_summary_shows_the_job_but_not_rule_texts(rich_job: JobConfig, tmp_path: Path) -> None:
    notebook = nbformat.read(str(export(rich_job, tmp_path)), as_version=4)
    summary = notebook.cells[0].source
    assert summary.startswith("# nps-weekly — Qualtrics inbound job")
    assert r"Weekly NPS \<b\>comments\</b\>" in summary  # escaped, not rendered as HTML
    assert "Survey `SV_1NpsDemoSurvey1`" in summary
    assert "| `QID5_TEXT` | `feedback` | verbatim |  |" in summary
    assert r"| ``Q\|odd`col`` | `odd` | text | lookup |" in summary
    assert "PII detectors: email, phone" in summary
    assert "Redaction patterns: 1" in summary and "ORD-[0-9]" not in summary
    assert "Substitutions: 1 rule(s)" in summary and "Jane Doe" not in summary
    assert "Include documents where `NOT ISBLANK(feedback)`; record limit 500" in summary
    assert "Weekly on mon at 06:30 (Europe/Berlin)" in summary


def test_no_token_reaches_the_notebook(
    job: JobConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINBOUND_TOKEN_SANDBOX", "tok-8c1f-very-secret")
    text = export(job, tmp_path).read_text()
    assert "tok-8c1f-very-secret" not in text
    assert "tok-8c1f" not in (tmp_path / "nps.job.json").read_text()


def test_prepare_only_injects_the_parameters_and_records_them_in_metadata(
    job: JobConfig, tmp_path: Path
) -> None:
    notebook = export(job, tmp_path)
    output = tmp_path / "out.ipynb"
    parameters = {"job_path": "/jobs/x.json", "store": "/data/s.duckdb", "run_id": "r-1"}
    papermill.execute_notebook(str(notebook), str(output), parameters=parameters,
                               prepare_only=True, progress_bar=False)  # fmt: skip
    result = nbformat.read(str(output), as_version=4)
    tags = [cell.metadata.get("tags", []) for cell in result.cells]
    assert tags.index(["injected-parameters"]) == tags.index(["parameters"]) + 1
    injected = result.cells[tags.index(["injected-parameters"])].source
    assert 'job_path = "/jobs/x.json"' in injected and 'run_id = "r-1"' in injected
    recorded = result.metadata.papermill.parameters
    assert recorded == parameters
    assert not any("token" in name.lower() for name in recorded)


@pytest.mark.parametrize("name", ["api_token", "Token", "client_secret", "password", "apikey"])
def test_secret_looking_parameters_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="looks like a secret"):
        check_parameters({"job_path": "j.json", name: "x"})


def test_parameters_must_be_json_values() -> None:
    from datetime import date

    with pytest.raises(ConfigError, match="JSON values"):
        check_parameters({"start": date(2026, 1, 1)})


def test_scrub_drops_widget_state_and_shortens_huge_outputs(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"x": 1}}
    cell = nbformat.v4.new_code_cell("print('x' * 10)")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="x" * 500),
        nbformat.v4.new_output("display_data", data={"text/html": "<p>" + "y" * 500}),
        nbformat.v4.new_output("display_data", data={"text/plain": "small"}),
    ]
    notebook.cells = [cell]
    path = tmp_path / "big.ipynb"
    nbformat.write(notebook, str(path))
    scrub_notebook(path, max_output_chars=100)
    result = json.loads(path.read_text())
    assert "widgets" not in result["metadata"]
    stream, html, small = result["cells"][0]["outputs"]
    assert "".join(stream["text"]).endswith("[output shortened to 100 characters by qinbound]")
    assert len("".join(html["data"]["text/html"])) < 200
    assert "".join(small["data"]["text/plain"]) == "small"
