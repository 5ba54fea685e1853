"""What the notebooks folder's checks share: the kernel's environment and the production template.

The nbval collector (conftest.py), the output refresher (refresh_outputs.py) and the tests
(test_notebooks_folder.py) all start kernels with :func:`kernel_environment`, so the outputs
stored in the committed notebooks are exactly what a test run produces.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat

from qinbound_nb import JobConfig, export_notebook

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
MANIFEST = Path(__file__).with_name("notebooks.txt")
TEMPLATE_JOB = ROOT / "qinbound_nb" / "templates" / "nps-weekly.json"
# the job path the committed template names: relative to notebooks/, where its kernel starts
TEMPLATE_JOB_FROM_NOTEBOOKS = "../qinbound_nb/templates/nps-weekly.json"
SANDBOX_NOW = "2026-11-20T06:30:00Z"  # the demo's first run: the sandbox has 2,736 responses


def listed_notebooks() -> list[Path]:
    """The notebooks named in notebooks.txt (comments and blank lines skipped)."""
    lines = (line.strip() for line in MANIFEST.read_text().splitlines())
    return [ROOT / line for line in lines if line and not line.startswith("#")]


def kernel_environment(folder: Path) -> dict[str, str]:
    """A kernel environment: ours minus tokens, with a private home, store and sandbox clock."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QINBOUND_TOKEN_")}
    for name in ("QINBOUND_API_BASE_URL", "QINBOUND_SANDBOX_FAULTS"):
        env.pop(name, None)
    env |= {
        "QINBOUND_HOME": str(folder / "home"),
        "QINBOUND_STORE": str(folder / "qinbound.duckdb"),
        "QINBOUND_SANDBOX_NOW": SANDBOX_NOW,
        "QINBOUND_SANDBOX_SEED": "0",
    }
    return env


def export_production_template(path: Path) -> Path:
    """``export_notebook`` of the example job, naming the job file relative to notebooks/.

    The export writes an absolute job path, which would tie the committed notebook to one
    checkout; the template names it relative to its own folder instead, nothing else changes.
    """
    export_notebook(JobConfig.load(TEMPLATE_JOB), path, job_path=TEMPLATE_JOB)
    notebook = nbformat.read(str(path), as_version=4)
    parameters = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    absolute = repr(str(TEMPLATE_JOB.resolve()))
    assert absolute in parameters.source, "export_notebook no longer writes job_path as expected"
    parameters.source = parameters.source.replace(absolute, repr(TEMPLATE_JOB_FROM_NOTEBOOKS))
    nbformat.write(notebook, str(path))
    return path
