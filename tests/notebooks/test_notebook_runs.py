"""Real papermill runs with the venv's kernel: success, failing cells, timeouts, dead kernels.

The exported notebook's cells call ``qinbound_nb.run_job``; here a ``sitecustomize`` module on
the kernel's PYTHONPATH swaps in a stand-in that records its arguments, so these tests check
the notebook itself (the runner has its own tests).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

from qinbound_nb import JobConfig
from qinbound_nb.errors import NotebookRunError
from qinbound_nb.notebooks.export import export_notebook, run_notebook

pytestmark = pytest.mark.slow
TOKEN = "tok-5f2e-never-in-output"

STAND_IN = """
import json, os, sys
from dataclasses import dataclass, field
import qinbound_nb

@dataclass
class Report:
    run_id: str
    status: str
    counts: dict = field(default_factory=dict)
    redaction_counts: dict = field(default_factory=dict)
    dry_run: bool = False
    would: dict = field(default_factory=dict)

    def summary(self):
        return f"run {self.run_id}: {self.status}"

    def to_json(self):
        return json.dumps({"run_id": self.run_id, "status": self.status})

    def raise_for_status(self):
        if self.status == "failed":
            raise RuntimeError(f"run {self.run_id} failed: the export was cut off")
        return self

def run_job(job, *, store=None, dry_run=False, run_id=None, output_notebook=None):
    with open(os.environ["FAKE_RUN_LOG"], "w") as log:
        json.dump({"job": job.name, "store": store, "dry_run": dry_run, "run_id": run_id,
                   "output_notebook": output_notebook, "python": sys.executable}, log)
    return Report(run_id or "run-1", os.environ.get("FAKE_RUN_STATUS", "succeeded"),
                  counts={"downloaded": 12, "filtered_out": 2, "loaded": 10},
                  redaction_counts={"email": 3, "phone": 1}, dry_run=dry_run,
                  would={"new": 9, "replaced": 1})

qinbound_nb.run_job = run_job
"""


@pytest.fixture
def kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The kernel imports the stand-in run_job and sees a token in its environment."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(STAND_IN)
    paths = [str(shim), *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    monkeypatch.setenv("FAKE_RUN_LOG", str(tmp_path / "run.json"))
    monkeypatch.setenv("QINBOUND_TOKEN_SANDBOX", TOKEN)
    return tmp_path / "run.json"


def tiny_notebook(path: Path, *sources: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}  # fmt: skip
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(notebook, str(path))
    return path


def test_the_exported_notebook_runs_the_job_and_shows_its_counts(
    job: JobConfig, tmp_path: Path, kernel_env: Path
) -> None:
    notebook = export_notebook(job, tmp_path / "nps.ipynb")
    output = tmp_path / "runs" / "r-42.ipynb"
    parameters = {"job_path": str(tmp_path / "nps.job.json"), "run_id": "r-42",
                  "output_notebook": str(output)}  # fmt: skip
    run_notebook(notebook, output, parameters=parameters, timeout_s=120)
    called = json.loads(kernel_env.read_text())
    assert called == {"job": "nps-weekly", "store": None, "dry_run": False, "run_id": "r-42",
                      "output_notebook": str(output), "python": called["python"]}  # fmt: skip
    assert Path(called["python"]).resolve() == Path(sys.executable).resolve()
    text = output.read_text()
    assert "run r-42: succeeded" in text
    assert "downloaded" in text and "filtered_out" in text and "email" in text
    assert "replaced" not in text  # the "would" counts are for dry runs only
    assert TOKEN not in text
    result = nbformat.read(str(output), as_version=4)
    assert result.metadata.papermill.parameters == parameters


def test_a_failed_run_fails_the_notebook_and_names_the_cell(
    job: JobConfig, tmp_path: Path, kernel_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_RUN_STATUS", "failed")
    notebook = export_notebook(job, tmp_path / "nps.ipynb")
    output = tmp_path / "out.ipynb"
    with pytest.raises(NotebookRunError) as caught:
        run_notebook(notebook, output, parameters={"run_id": "r-7"}, timeout_s=120)
    message = str(caught.value)
    assert "'# Fail the notebook (and papermill, exit code 1) when the run failed.'" in message
    assert "RuntimeError: run r-7 failed: the export was cut off" in message
    assert str(output) in message
    assert "run r-7: failed" in output.read_text()  # the output notebook is kept


def test_a_raising_cell_is_named_and_a_token_in_its_message_is_masked(
    tmp_path: Path, kernel_env: Path
) -> None:
    notebook = tiny_notebook(
        tmp_path / "tiny.ipynb",
        "x = 1",
        "\n# leaks on purpose\nimport os\n"
        "raise ValueError('bad ' + os.environ['QINBOUND_TOKEN_SANDBOX'])",
    )
    output = tmp_path / "out.ipynb"
    with pytest.raises(NotebookRunError) as caught:
        run_notebook(notebook, output, parameters={}, timeout_s=60)
    message = str(caught.value)
    assert "cell 1 (In [2], starting '# leaks on purpose') failed with ValueError: bad ***" in (
        message
    )
    assert TOKEN not in message
    assert output.exists()


@pytest.mark.serial  # a 2 s wall-clock limit
def test_a_cell_over_the_timeout_is_stopped(tmp_path: Path, kernel_env: Path) -> None:
    notebook = tiny_notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(60)")
    output = tmp_path / "out.ipynb"
    with pytest.raises(NotebookRunError, match="ran longer than 2 s"):
        run_notebook(notebook, output, parameters={}, timeout_s=2)
    assert output.exists()


def test_a_dead_kernel_is_reported(tmp_path: Path, kernel_env: Path) -> None:
    notebook = tiny_notebook(tmp_path / "dies.ipynb", "import os\nos._exit(1)")
    with pytest.raises(NotebookRunError, match=r"kernel .* died"):
        run_notebook(notebook, tmp_path / "out.ipynb", parameters={}, timeout_s=60)


def test_an_unknown_kernel_is_reported(tmp_path: Path) -> None:
    notebook = tiny_notebook(tmp_path / "k.ipynb", "1")
    with pytest.raises(NotebookRunError, match="no Jupyter kernel named 'no-such-kernel'"):
        run_notebook(notebook, tmp_path / "out.ipynb", parameters={}, kernel_name="no-such-kernel")
