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


PUBLIC_NAMES = [
    "AuthError",
    "ConfigError",
    "ContinuationTokenRejected",
    "ExportError",
    "ExportTooLarge",
    "ExpressionError",
    "FatalApiError",
    "JobConfig",
    "NotFoundError",
    "NotebookRunError",
    "NotificationError",
    "Preview",
    "QInboundError",
    "QualtricsError",
    "Redacted",
    "RedactionRules",
    "RetriableError",
    "RuleError",
    "RunReport",
    "RunStopped",
    "Sandbox",
    "ScheduleError",
    "Store",
    "StoreError",
    "Wizard",
    "__version__",
    "export_notebook",
    "preview",
    "redact",
    "run_job",
]


def test_the_public_surface_is_pinned() -> None:
    assert qinbound_nb.__all__ == PUBLIC_NAMES
    assert dir(qinbound_nb) == PUBLIC_NAMES


def test_every_error_a_user_can_cause_is_public() -> None:
    from qinbound_nb import errors

    assert set(errors.__all__) <= set(qinbound_nb.__all__)
    for name in errors.__all__:
        assert issubclass(getattr(qinbound_nb, name), qinbound_nb.QInboundError)


def test_lazy_names_are_typed_for_mypy_and_ides() -> None:
    """Each lazily loaded name is also imported under TYPE_CHECKING from the same module."""
    source = (ROOT / "qinbound_nb" / "__init__.py").read_text()
    checked = source.split("if TYPE_CHECKING:")[1].split("__version__")[0]
    for name, module in qinbound_nb._LAZY.items():
        assert f"from {module} import" in checked, module
        assert name in checked, name


def test_the_package_has_no_flat_modules_beside_its_layers() -> None:
    flat = {path.name for path in (ROOT / "qinbound_nb").glob("*.py")}
    assert flat == {"__init__.py", "__main__.py", "errors.py"}
