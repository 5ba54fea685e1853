"""Production notebooks: export a job as a parameterized notebook, and run one with papermill.

The exported notebook reads like a report: a Markdown summary of the job, one cell tagged
``parameters`` with non-secret values only (papermill writes parameters into the output
notebook twice: the injected cell and ``metadata.papermill.parameters``), then cells that load
the job, run it through ``run_job`` — which resolves the token from the connections file or
``QINBOUND_TOKEN_<CONNECTION>`` inside the kernel — and show the counts.

Papermill and nbclient failures are translated here into :class:`NotebookRunError` naming the
failing cell; the output notebook is written even when the run fails.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qinbound_nb.errors import ConfigError, NotebookRunError
from qinbound_nb.job.config import JobConfig
from qinbound_nb.local.settings import Settings
from qinbound_nb.notebooks.cells import code_cells, parameters_source, summary_markdown

if TYPE_CHECKING:  # papermill and nbformat load only to run or rewrite a notebook
    from nbformat import NotebookNode
    from papermill.exceptions import PapermillExecutionError

SECRET_NAME = re.compile(r"token|secret|password|passwd|api_?key|credential", re.IGNORECASE)
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
MAX_OUTPUT_CHARS = 100_000
# ipykernel logs a TCP warning at every start and an ERROR at shutdown; the run's own
# errors reach the output notebook and NotebookRunError, so the kernel log stays quiet.
QUIET_KERNEL = ["--IPKernelApp.log_level=CRITICAL"]


def export_notebook(
    job: JobConfig,
    path: str | os.PathLike[str],
    *,
    job_path: Path | None = None,
    store_path: str | None = None,
) -> Path:
    """Write the job's production notebook; papermill runs it (``qinbound run``).

    Args:
        job: the job to export.
        path: where to write the ``.ipynb``.
        job_path: the job file the notebook loads; when None, the job is saved beside the
            notebook as ``<notebook stem>.job.json``.
        store_path: the default store the notebook loads into (None: the run's default).

    Returns:
        The notebook's path.
    """
    path = Path(path)
    if job_path is None:
        job_path = job.save(path.with_name(f"{path.stem}.job.json"))
    defaults: dict[str, Any] = {
        "job_path": str(Path(job_path).resolve()),
        "store": store_path,
        "dry_run": False,
        "run_id": None,
        "output_notebook": None,
    }
    cells = [
        _cell("markdown", summary_markdown(job)),
        _cell("code", parameters_source(defaults), tags=["parameters"]),
        *(_cell("code", source) for source in code_cells()),
    ]
    for position, cell in enumerate(cells):
        cell["id"] = f"qinbound-{position}"  # stable ids: exporting twice gives the same file
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": KERNELSPEC,
            "language_info": {"name": "python"},
            "qinbound": {"job_name": job.name, "project": job.project},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_notebook_json(notebook), encoding="utf-8")
    return path


def _cell(kind: str, source: str, *, tags: list[str] | None = None) -> dict[str, Any]:
    # nbformat 4.5's cell shape, built by hand: importing nbformat costs over a second
    # (jsonschema builds grammars at import) and the wizard's Finish must answer at once;
    # tests validate the exported file against nbformat's schema instead
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {"tags": tags} if tags else {}}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    cell["source"] = source.splitlines(keepends=True)
    return cell


def _notebook_json(notebook: dict[str, Any]) -> str:
    """The text ``nbformat.write`` would give: sorted keys, one-space indent, a final newline."""
    text = json.dumps(
        notebook, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False
    )
    return text + "\n"


def run_notebook(
    notebook: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    parameters: dict[str, Any],
    timeout_s: int = 3600,
    kernel_name: str | None = None,
    cwd: str | os.PathLike[str] | None = None,
    log_output: bool = False,
) -> Path:
    """Execute ``notebook`` with papermill into ``output`` (kept even when the run fails).

    Args:
        notebook: the exported notebook.
        output: the executed copy to write.
        parameters: non-secret, JSON-serializable values for the ``parameters`` cell.
        timeout_s: the longest any one cell may run.
        kernel_name: the Jupyter kernel (default: the notebook's, ``python3``).
        cwd: the folder the kernel starts in.
        log_output: copy the notebook's printed output to the ``papermill`` logger.

    Raises:
        ConfigError: a parameter looks like a secret or is not JSON-serializable.
        NotebookRunError: a cell failed, timed out, or the kernel died or was not found.
    """
    import papermill
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    check_parameters(parameters)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        papermill.execute_notebook(
            str(notebook), str(output), parameters=parameters, kernel_name=kernel_name,
            cwd=None if cwd is None else str(cwd), progress_bar=False, log_output=log_output,
            execution_timeout=timeout_s,
            extra_arguments=QUIET_KERNEL,
        )  # fmt: skip
    except PapermillExecutionError as exc:
        raise NotebookRunError(_describe_failure(exc, output)) from exc
    except CellTimeoutError as exc:
        raise NotebookRunError(
            f"a cell of {notebook} ran longer than {timeout_s} s and was stopped; see {output} "
            "for the cell, and raise the timeout if the export is simply large"
        ) from exc
    except DeadKernelError as exc:
        raise NotebookRunError(
            f"the kernel running {notebook} died (out of memory, or killed); see {output} for "
            "the last cell that ran"
        ) from exc
    except NoSuchKernel as exc:
        raise NotebookRunError(
            f"no Jupyter kernel named {exc.args[0]!r}; install one (python -m ipykernel install "
            "--user) or pass the kernel name to use"
        ) from exc
    except FileNotFoundError as exc:
        raise NotebookRunError(f"cannot run {notebook}: {exc.strerror}: {exc.filename}") from exc
    return output


def check_parameters(parameters: dict[str, Any]) -> None:
    """Refuse secret-looking names and values papermill cannot store (it writes them twice)."""
    for name in parameters:
        if SECRET_NAME.search(name):
            raise ConfigError(
                f"parameter {name!r} looks like a secret; papermill would write it into the "
                "output notebook twice. Put the token in the connection (qinbound connections "
                "add) or in QINBOUND_TOKEN_<CONNECTION> instead"
            )
    try:
        json.dumps(parameters)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"notebook parameters must be JSON values (text, numbers, true/false, null, lists, "
            f"objects): {exc}"
        ) from exc


def scrub_notebook(
    path: str | os.PathLike[str], *, max_output_chars: int = MAX_OUTPUT_CHARS
) -> Path:
    """Drop saved widget state and shorten oversized outputs of a notebook, in place."""
    import nbformat

    path = Path(path)
    notebook = nbformat.read(str(path), as_version=4)
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            _shorten(output, max_output_chars)
    nbformat.write(notebook, str(path))
    return path


def _shorten(output: NotebookNode, limit: int) -> None:
    note = f"\n[output shortened to {limit} characters by qinbound]"
    if isinstance(output.get("text"), str) and len(output["text"]) > limit:
        output["text"] = output["text"][:limit] + note
    for mime, value in output.get("data", {}).items():
        if isinstance(value, str) and len(value) > limit:
            output["data"][mime] = "" if mime.startswith("image/") else value[:limit] + note


def _describe_failure(exc: PapermillExecutionError, output: Path) -> str:
    source_lines = [line for line in (exc.source or "").splitlines() if line.strip()]
    first = source_lines[0].strip() if source_lines else "(empty cell)"
    value = _mask_tokens(str(exc.evalue))[:300]
    return (
        f"cell {exc.cell_index} (In [{exc.exec_count}], starting {first[:80]!r}) failed with "
        f"{exc.ename}: {value}; the output notebook {output} shows the traceback"
    )


def _mask_tokens(text: str) -> str:
    """Hide any token the environment carries, in case a cell's error message echoed it."""
    for token in Settings.tokens():
        if len(token.get_secret_value()) >= 4:
            text = text.replace(token.get_secret_value(), "***")
    return text
