"""Which Jupyter server this kernel runs under: its address, token and folder.

"Schedule in JupyterLab" talks to the server that runs the wizard's kernel. The choice, in
order: ``QINBOUND_JUPYTER_URL`` (with ``QINBOUND_JUPYTER_TOKEN``, or the token of a running
server at that address); else, among the servers ``jupyter_server`` lists as running for
this user, the one whose kernels include this kernel (its id is in the kernel's connection
file name); else the only one running.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from qinbound_nb.errors import ScheduleError
from qinbound_nb.local.settings import Settings

ServerInfo = dict[str, Any]  # one jpserver-<pid>.json: url, token, root_dir, pid...


@dataclass(frozen=True)
class JupyterServer:
    """A Jupyter server's base URL (ending in ``/``), token, and folder when known."""

    url: str
    token: SecretStr
    root_dir: Path | None = None


def find_jupyter_server(
    *,
    settings: Settings | None = None,
    servers: Iterable[ServerInfo] | None = None,
    kernel_id: str | None = None,
) -> JupyterServer:
    """The Jupyter server to schedule on (see the module docstring for the order).

    Raises:
        ScheduleError: no server is configured or running, or several run and none holds
            this kernel.
    """
    settings = settings or Settings()
    running = list(running_servers() if servers is None else servers)
    if settings.jupyter_url:
        return _configured(settings.jupyter_url, settings.jupyter_token, running)
    if not running:
        raise ScheduleError(
            "no running Jupyter server was found for this user; open the wizard in JupyterLab, "
            "or set QINBOUND_JUPYTER_URL and QINBOUND_JUPYTER_TOKEN to the server to use"
        )
    kernel = kernel_id or this_kernel_id()
    holding = [info for info in running if kernel and kernel in _kernel_ids(info)]
    if holding or len(running) == 1:
        return _server((holding or running)[0])
    raise ScheduleError(
        f"{len(running)} Jupyter servers run here and none of them runs this kernel; set "
        "QINBOUND_JUPYTER_URL and QINBOUND_JUPYTER_TOKEN to the one that should keep the schedule"
    )


def running_servers() -> list[ServerInfo]:
    """The Jupyter servers running for this user (their ``jpserver-*.json`` files)."""
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:
        return []
    return list(list_running_servers())


def this_kernel_id() -> str | None:
    """The id of the kernel this code runs in; None outside a kernel."""
    try:
        from ipykernel.connect import get_connection_file

        connection_file = get_connection_file()
    except (ImportError, RuntimeError):
        return None
    found = re.fullmatch(r"kernel-(.+)\.json", Path(connection_file).name)
    return found[1] if found else None


def _kernel_ids(info: ServerInfo) -> set[str]:
    try:
        response = httpx.get(
            f"{_base(info['url'])}api/kernels",
            headers={"Authorization": f"token {info.get('token', '')}"},
            timeout=5.0,
        )
        response.raise_for_status()
        return {str(kernel["id"]) for kernel in response.json()}
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return set()  # a server that does not answer cannot be the one we run under


def _configured(url: str, token: SecretStr | None, running: list[ServerInfo]) -> JupyterServer:
    same = [info for info in running if _base(info["url"]) == _base(url)]
    if token is None and not same:
        raise ScheduleError(
            f"QINBOUND_JUPYTER_URL is {url} but no token is set and no running server here "
            "has that address; set QINBOUND_JUPYTER_TOKEN to the server's token"
        )
    if token is None:
        return _server(same[0])
    root = Path(same[0]["root_dir"]) if same and same[0].get("root_dir") else None
    return JupyterServer(_base(url), token, root)


def _server(info: ServerInfo) -> JupyterServer:
    root = info.get("root_dir") or info.get("notebook_dir")
    return JupyterServer(
        _base(info["url"]), SecretStr(str(info.get("token", ""))), Path(root) if root else None
    )


def _base(url: str) -> str:
    return url if url.endswith("/") else url + "/"
