"""Run the notebooks folder under nbval as part of the plain ``pytest`` command.

``notebooks.txt`` lists the notebooks; this hook turns that file into one nbval collector per
notebook, so ``pytest`` (testpaths = tests) validates ``notebooks/`` without ``--nbval``
flags. Each notebook runs in strict mode (every executed cell's stored output is compared)
with ``sanitize.cfg``, in a kernel from pytest's own environment (``--nbval-current-env``),
started with its own settings folder, store file and a pinned sandbox clock, so the outputs
are the same on every machine and no test reads the user's settings or tokens.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, RunningKernel, start_new_kernel
from nbval.plugin import IPyNbFile
from notebook_env import MANIFEST, kernel_environment, listed_notebooks

SANITIZE = Path(__file__).with_name("sanitize.cfg")


class IsolatedKernel(RunningKernel):
    """nbval's kernel with a given environment, and its stderr sink closed on stop."""

    def __init__(self, cwd: Path, env: dict[str, str], startup_timeout: float) -> None:
        self._stderr = open(os.devnull, "w")  # noqa: SIM115 - closed in stop()
        self.km, self.kc = start_new_kernel(
            startup_timeout=startup_timeout,
            kernel_name=CURRENT_ENV_KERNEL_NAME,
            stderr=self._stderr,
            cwd=str(cwd),
            env=env,
        )
        self._ensure_iopub_up()

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            self._stderr.close()


class ValidatedNotebook(IPyNbFile):
    """One notebook, strict mode, sanitized, in an isolated kernel (whatever the flags say)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.compare_outputs = True
        self.scratch: Path | None = None

    def setup(self) -> None:
        self.scratch = Path(tempfile.mkdtemp(prefix="qinbound-nbval-"))
        self.kernel = IsolatedKernel(
            self.path.parent,
            kernel_environment(self.scratch),
            self.config.option.nbval_kernel_startup_timeout,
        )
        self.setup_sanitize_files()

    def get_sanitize_files(self) -> list[str]:
        return [str(SANITIZE)]

    def teardown(self) -> None:
        try:
            super().teardown()
        finally:
            if self.scratch is not None:
                shutil.rmtree(self.scratch, ignore_errors=True)


class NotebookList(pytest.File):
    """notebooks.txt: collects each listed notebook as an nbval notebook."""

    def collect(self) -> Iterator[pytest.Collector]:
        self.add_marker(pytest.mark.slow)  # a kernel and a sandbox run per notebook
        for notebook in listed_notebooks():
            yield ValidatedNotebook.from_parent(self, path=notebook)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path == MANIFEST:
        return NotebookList.from_parent(parent, path=file_path)
    return None
