"""The layer arrows of DESIGN.md, enforced by import-linter, and the pinned public surface."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import qinbound_nb

ROOT = Path(__file__).parents[1]


def test_import_contracts_hold() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is a test dependency"
    result = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_public_names_are_sorted_and_resolve() -> None:
    assert qinbound_nb.__all__ == sorted(qinbound_nb.__all__)
    for name in qinbound_nb.__all__:
        assert getattr(qinbound_nb, name) is not None
