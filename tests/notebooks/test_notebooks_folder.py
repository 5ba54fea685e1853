"""The notebooks folder as committed: every notebook validated, the template current, no secrets.

nbval runs the notebooks themselves (conftest.py); these tests guard what nbval cannot see:
a notebook left out of the list, a production template that drifted from
``export_notebook``, and outputs that would publish a token or personal data.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest
from notebook_env import (
    NOTEBOOKS,
    TEMPLATE_JOB_FROM_NOTEBOOKS,
    export_production_template,
    listed_notebooks,
)

from qinbound_nb import RedactionRules, redact
from qinbound_nb.job.vocab import PiiKind
from qinbound_nb.local.connections import SANDBOX

COMMITTED = sorted(NOTEBOOKS.glob("*.ipynb"))


def output_texts(path: Path) -> list[str]:
    """Every text a reader of the notebook sees in its stored outputs."""
    texts = []
    for cell in nbformat.read(str(path), as_version=4).cells:
        for output in cell.get("outputs", []):
            texts.append(str(output.get("text", "")))
            texts += [str(v) for k, v in output.get("data", {}).items() if k.startswith("text/")]
    return texts


def test_every_notebook_in_the_folder_is_validated() -> None:
    assert {p.name for p in COMMITTED} >= {"wizard.ipynb", "production.ipynb", "explore.ipynb"}
    assert sorted(listed_notebooks()) == COMMITTED


def test_the_production_template_is_the_current_export(tmp_path: Path) -> None:
    fresh = nbformat.read(str(export_production_template(tmp_path / "p.ipynb")), as_version=4)
    committed = nbformat.read(str(NOTEBOOKS / "production.ipynb"), as_version=4)
    assert [(c.cell_type, c.source, c.metadata.get("tags")) for c in committed.cells] == [
        (c.cell_type, c.source, c.metadata.get("tags")) for c in fresh.cells
    ], "run tests/notebooks/refresh_outputs.py to re-export notebooks/production.ipynb"


def test_the_template_parameters_name_the_example_job_relative_to_its_folder() -> None:
    parameters = papermill.inspect_notebook(str(NOTEBOOKS / "production.ipynb"))
    assert set(parameters) == {"job_path", "store", "dry_run", "run_id", "output_notebook"}
    assert parameters["job_path"]["default"] == repr(TEMPLATE_JOB_FROM_NOTEBOOKS)
    assert (NOTEBOOKS / TEMPLATE_JOB_FROM_NOTEBOOKS).is_file()
    assert parameters["store"]["default"] == "None"  # $QINBOUND_STORE or ./qinbound.duckdb


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_stored_outputs_hold_no_token_and_no_personal_data(path: Path) -> None:
    texts = output_texts(path)
    token = SANDBOX.token.get_secret_value() if SANDBOX.token else "sandbox-token"
    assert not [text for text in texts if token in text]
    found = redact(pd.Series(texts, dtype="string"), RedactionRules(pii=tuple(PiiKind)))
    assert sum(found.counts.values()) == 0, found.counts


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_notebooks_keep_no_widget_state_or_timings(path: Path) -> None:
    notebook = nbformat.read(str(path), as_version=4)
    nbformat.validate(notebook)
    assert "widgets" not in notebook.metadata
    assert not [cell for cell in notebook.cells if "execution" in cell.metadata]


def test_the_wizard_notebook_opens_the_wizard_and_stores_no_output() -> None:
    notebook = nbformat.read(str(NOTEBOOKS / "wizard.ipynb"), as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert "wizard = Wizard()" in code[0].source
    assert all(not cell.outputs and cell.execution_count is None for cell in code)
