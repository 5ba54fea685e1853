"""Re-export the production template and store fresh outputs in the committed notebooks.

Run it after changing a notebook, the export, or anything their outputs show:

    .venv/bin/python tests/notebooks/refresh_outputs.py

Each notebook runs in a kernel started exactly as the nbval tests start theirs (a private
home and store, the sandbox clock pinned), so the stored outputs are what the tests expect.
``wizard.ipynb`` is kept unexecuted: a widget's saved state is noise, and nbval does not
compare cells that were never run.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from notebook_env import NOTEBOOKS, export_production_template, kernel_environment

UNEXECUTED = {"wizard.ipynb"}


def execute(path: Path) -> None:
    """Run ``path`` in an isolated kernel started in notebooks/ and write its outputs back."""
    notebook = nbformat.read(str(path), as_version=4)
    with tempfile.TemporaryDirectory(prefix="qinbound-refresh-") as scratch:
        client = NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=600,
            resources={"metadata": {"path": str(NOTEBOOKS)}},
        )
        client.execute(env=kernel_environment(Path(scratch)))
    tidy(notebook)
    nbformat.write(notebook, str(path))


def clear(path: Path) -> None:
    """Drop every output and execution count of ``path``."""
    notebook = nbformat.read(str(path), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    tidy(notebook)
    nbformat.write(notebook, str(path))


def tidy(notebook: nbformat.NotebookNode) -> None:
    """Remove what changes on every run and means nothing to a reader (timings, widget state)."""
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)


def main() -> int:
    export_production_template(NOTEBOOKS / "production.ipynb")
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        if path.name in UNEXECUTED:
            clear(path)
        else:
            execute(path)
        print(f"refreshed {path.relative_to(NOTEBOOKS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
