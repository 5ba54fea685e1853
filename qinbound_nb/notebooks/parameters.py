"""Reading the production notebook's parameters, typed by papermill or as text from JupyterLab.

Papermill injects Python literals (``dry_run = False``, ``store = "/data/s.duckdb"``).
jupyter-scheduler (``jupyter_scheduler.parameterize.add_parameters``) injects each parameter as
the raw line ``f"{key} = {value}"`` with the text the user typed, unquoted, in a cell tagged
``injected-parameters`` right after the ``parameters`` cell: ``store = /data/s.duckdb`` is not
Python at all, and ``dry_run = false`` names nothing. So the parameters cell calls
:func:`accept_text_parameters`, which registers an IPython input transformer: until the first
code cell runs, a cell made only of ``name = value`` lines gets its names checked and every
value that is not a Python literal quoted as text before it runs (the notebook file keeps what
was injected). The first code cell then calls :func:`read_parameters`, which removes the
transformer and reads
text and typed values alike: ``"false"``, ``"0"`` or ``""`` is False for a flag, ``"None"`` or
``""`` is None for an optional value, and anything else it cannot read is a ConfigError
saying what to write instead.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from qinbound_nb.errors import ConfigError
from qinbound_nb.notebooks.export import SECRET_NAME

# name -> kind: "path" (text, required), "optional" (text or None), "flag" (True/False)
PARAMETER_KINDS = {
    "job_path": "path",
    "store": "optional",
    "dry_run": "flag",
    "run_id": "optional",
    "output_notebook": "optional",
}
TRUE_WORDS = {"true", "yes", "on", "1"}
FALSE_WORDS = {"false", "no", "off", "0", ""}
NONE_WORDS = {"", "none", "null"}
# jupyter-scheduler's line: f"{key} = {value}" (an empty value leaves "key = ")
INJECTED_LINE = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*) = ?(?P<value>.*)")
CHECK_NAMES = "__import__('qinbound_nb.notebooks.parameters').notebooks.parameters.check_names"
EXAMPLES = {"job_path": "/home/me/jobs/nps.json", "store": "/data/qinbound.duckdb"}


def quote_text_values(lines: list[str]) -> list[str]:
    """A jupyter-scheduler parameters cell with its non-literal values quoted; other cells as
    they are. An IPython cleanup transformer: it gets and returns the cell's lines."""
    matches = [INJECTED_LINE.fullmatch(line.rstrip("\r\n")) for line in lines if line.strip()]
    if not matches or None in matches:
        return lines
    names = [match["name"] for match in matches if match is not None]
    check = f"{CHECK_NAMES}({names!r})\n"
    quoted = [f"{m['name']} = {_literal(m['value'].strip())}\n" for m in matches if m is not None]
    return [check, *quoted]


def _literal(text: str) -> str:
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return repr(text)
    return text


def accept_text_parameters() -> None:
    """Let the next cells read jupyter-scheduler's raw ``key = value`` lines (see above)."""
    cleanup = _cleanup_transforms()
    if cleanup is not None and quote_text_values not in cleanup:
        cleanup.append(quote_text_values)


def _cleanup_transforms() -> list[Any] | None:
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: only papermill-style literals can arrive
        return None
    shell = get_ipython()
    return None if shell is None else shell.input_transformers_cleanup


def check_names(names: list[str]) -> None:
    """Refuse injected names the notebook does not read (a token above all)."""
    for name in names:
        if SECRET_NAME.search(name):
            raise ConfigError(
                f"the notebook was given a parameter {name!r}, which looks like a secret; "
                "remove it from the job's parameters: the Qualtrics token is read inside the "
                "run from the job's connection (qinbound connections add) or from "
                "QINBOUND_TOKEN_<CONNECTION>, and parameters are written into every output "
                "notebook"
            )
        if name not in PARAMETER_KINDS:
            raise ConfigError(
                f"the notebook has no parameter {name!r}; it reads "
                f"{', '.join(PARAMETER_KINDS)}: remove {name!r} or correct its spelling"
            )


def read_parameters(**values: Any) -> tuple[Any, ...]:
    """The parameters, in the order given, each read as its kind (typed values pass as they are).

    Raises:
        ConfigError: a value cannot be read as its kind, naming it and what to write.
    """
    cleanup = _cleanup_transforms()
    if cleanup is not None and quote_text_values in cleanup:
        cleanup.remove(quote_text_values)  # only the injected cell needed it
    check_names(list(values))
    return tuple(_read(name, value, PARAMETER_KINDS[name]) for name, value in values.items())


def _read(name: str, value: Any, kind: str) -> Any:
    if kind == "flag":
        return _flag(name, value)
    if isinstance(value, str):
        value = value.strip()
        if value.lower() in NONE_WORDS:
            value = None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if value is None and kind == "optional":
        return None
    if isinstance(value, str):
        return value
    raise _unreadable(name, value, "a path or text" + (" (or None)" if kind == "optional" else ""))


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    word = value.strip().lower() if isinstance(value, str) else None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _unreadable(name, value, "true or false")


def _unreadable(name: str, value: Any, wanted: str) -> ConfigError:
    return ConfigError(
        f"the notebook parameter {name}={value!r} cannot be read as {wanted}; in JupyterLab's "
        f"job parameters write the value alone (for example {_example(name)}), and with "
        f"papermill pass it as -p {name} VALUE"
    )


def _example(name: str) -> str:
    if PARAMETER_KINDS[name] == "flag":
        return f"{name} = false"
    return f"{name} = {EXAMPLES.get(name, 'None')}"
