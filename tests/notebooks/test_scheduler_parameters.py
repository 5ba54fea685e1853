"""The exported notebook reads jupyter-scheduler's raw ``key = value`` parameters and papermill's
typed ones alike, in a real kernel, with the cell jupyter-scheduler's own ``add_parameters``
makes."""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.manager import KernelManager

from qinbound_nb import JobConfig
from qinbound_nb.errors import ConfigError
from qinbound_nb.notebooks.export import export_notebook
from qinbound_nb.notebooks.parameters import quote_text_values, read_parameters

with warnings.catch_warnings():  # jupyter-scheduler 2.12 still uses a decorator SQLAlchemy 2.1
    warnings.simplefilter("ignore", DeprecationWarning)  # deprecates; harmless
    from jupyter_scheduler.parameterize import add_parameters

PROBE = "import json; print(json.dumps([job_path, store, dry_run, run_id, output_notebook]))"


class Kernel:
    """One kernel for the module: runs cell sources, returns printed text or the error."""

    def __init__(self, connection_dir: Path) -> None:
        # named as a Jupyter server names its kernels' files (MultiKernelManager)
        self.kernel_id = str(uuid.uuid4())
        connection_file = connection_dir / f"kernel-{self.kernel_id}.json"
        self.manager = KernelManager(kernel_name="python3", connection_file=str(connection_file))
        self.manager.start_kernel(extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=30)

    def run(self, source: str) -> str:
        printed: list[str] = []

        def collect(message: dict[str, Any]) -> None:
            if message["msg_type"] == "stream":
                printed.append(message["content"]["text"])

        reply = self.client.execute_interactive(source, timeout=30, output_hook=collect)
        content = reply["content"]
        if content["status"] == "error":
            raise CellFailed(content["ename"], content["evalue"])
        return "".join(printed)

    def stop(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


class CellFailed(Exception):
    def __init__(self, ename: str, evalue: str) -> None:
        super().__init__(f"{ename}: {evalue}")
        self.ename, self.evalue = ename, evalue


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kernel]:
    running = Kernel(tmp_path_factory.mktemp("kernel"))
    yield running
    running.stop()


@pytest.fixture
def notebook(minimal_job: dict, tmp_path: Path) -> nbformat.NotebookNode:
    path = export_notebook(JobConfig.from_dict(minimal_job), tmp_path / "nps.ipynb")
    return nbformat.read(str(path), as_version=4)


def run_as_scheduled(kernel: Kernel, notebook: nbformat.NotebookNode, **text: str) -> list[Any]:
    """Run the parameters cell, jupyter-scheduler's injected cell and the first code cell."""
    cells = add_parameters(notebook, text).cells
    tags = [cell.metadata.get("tags", []) for cell in cells]
    injected = tags.index(["injected-parameters"])
    assert tags[injected - 1] == ["parameters"]
    for cell in cells[injected - 1 : injected + 2]:
        kernel.run(cell.source)
    return list(json.loads(kernel.run(PROBE)))


pytestmark = pytest.mark.slow


def test_raw_text_values_are_read_as_their_kinds(kernel, notebook, tmp_path) -> None:
    job_path = str(tmp_path / "nps.job.json")
    values = run_as_scheduled(
        kernel, notebook, job_path=job_path, store=f"{tmp_path}/s.duckdb", dry_run="false",
        run_id="2026-12-03-run", output_notebook="None",
    )  # fmt: skip
    assert values == [job_path, f"{tmp_path}/s.duckdb", False, "2026-12-03-run", None]


@pytest.mark.parametrize(
    ("dry_run", "expected"),
    [("False", False), ("false", False), ("0", False), ("", False), ("no", False),
     ("True", True), ("true", True), ("1", True), ("yes", True)],
)  # fmt: skip
def test_dry_run_accepts_the_usual_words(kernel, notebook, dry_run, expected) -> None:
    assert run_as_scheduled(kernel, notebook, dry_run=dry_run)[2] is expected


def test_empty_none_quoted_and_numeric_values(kernel, notebook) -> None:
    values = run_as_scheduled(kernel, notebook, store="", run_id="42", output_notebook="'o.ipynb'")
    assert values[1:] == [None, False, "42", "o.ipynb"]
    assert run_as_scheduled(kernel, notebook, store="None")[1] is None


def test_a_value_it_cannot_read_fails_with_what_to_write(kernel, notebook) -> None:
    with pytest.raises(CellFailed) as failure:
        run_as_scheduled(kernel, notebook, dry_run="maybe")
    assert failure.value.ename == "ConfigError"
    assert "dry_run='maybe' cannot be read as true or false" in failure.value.evalue
    assert "dry_run = false" in failure.value.evalue


def test_unknown_and_secret_looking_names_are_refused(kernel, notebook) -> None:
    with pytest.raises(CellFailed, match="has no parameter 'dryrun'"):
        run_as_scheduled(kernel, notebook, dryrun="true")
    with pytest.raises(CellFailed, match="'api_token', which looks like a secret"):
        run_as_scheduled(kernel, notebook, store="/s.duckdb", api_token="abc")


def test_papermill_style_typed_values_pass_unchanged(kernel, notebook, tmp_path) -> None:
    notebook.cells.insert(2, nbformat.v4.new_code_cell('# Parameters\nstore = "/s.duckdb"\n'))
    for cell in notebook.cells[1:4]:
        kernel.run(cell.source)
    values = json.loads(kernel.run(PROBE))
    assert values[1:3] == ["/s.duckdb", False]


def test_only_a_cell_of_assignment_lines_is_rewritten() -> None:
    scheduled = ["store = /data/s.duckdb\n", "dry_run = false\n", "run_id = \n"]
    rewritten = quote_text_values(scheduled)
    assert rewritten[1:] == [
        "store = '/data/s.duckdb'\n",
        "dry_run = 'false'\n",
        "run_id = ''\n",
    ]
    assert "check_names(['store', 'dry_run', 'run_id'])" in rewritten[0]
    for untouched in (["x = compute()\n", "print(x)\n"], ["# Parameters\n", "store = '/s'\n"], []):
        assert quote_text_values(untouched) == untouched


def test_read_parameters_outside_a_kernel() -> None:
    assert read_parameters(job_path="j.json", dry_run=1) == ("j.json", True)
    with pytest.raises(ConfigError, match="cannot be read as a path or text"):
        read_parameters(job_path="")


def test_the_kernel_knows_its_own_id(kernel) -> None:
    """What "Schedule in JupyterLab" matches against the server's kernels."""
    found = kernel.run(
        "from qinbound_nb.scheduling.lab_server import this_kernel_id; print(this_kernel_id())"
    )
    assert found.strip() == kernel.kernel_id
