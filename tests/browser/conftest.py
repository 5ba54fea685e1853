"""JupyterLab and a headless Debian chromium for the real-browser tests.

``lab`` starts ``jupyter lab`` on a free loopback port with a random token, on a temporary
copy of ``notebooks/``, with a private settings folder and a pinned sandbox clock (the kernel
inherits them), waits for ``/api/status`` and always stops the server's whole process group
at the end. ``page`` is a Playwright page in ``/usr/bin/chromium`` with the flags that keep
chromium off the network. Without chromium the tests skip, except under ``CI``, where they
fail: CI installs chromium (.ci/run), so its absence there is a broken setup.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",  # needed when running as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SANDBOX_NOW = "2026-11-20T06:30:00Z"
START_TIMEOUT_S = 60


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: where it serves, its token and its root folder."""

    url: str
    token: str
    root: Path
    log: Path

    def tree(self, name: str) -> str:
        """The address that opens ``name`` (relative to the root folder) in Lab."""
        return f"{self.url}/lab/tree/{name}?token={self.token}"


def require_browser() -> None:
    """Skip without chromium or Playwright, unless CI is set: there that is a failure."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package")
    if not missing:
        return
    message = "the browser test needs " + " and ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must provide it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots and the server log go: $QINBOUND_BROWSER_ARTIFACTS or a temp dir."""
    chosen = os.environ.get("QINBOUND_BROWSER_ARTIFACTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("browser-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def lab_environment(scratch: Path) -> dict[str, str]:
    """The server's (and so the kernel's) environment: private settings, no tokens."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QINBOUND_TOKEN_")}
    for name in ("QINBOUND_API_BASE_URL", "QINBOUND_SANDBOX_FAULTS", "QINBOUND_STORE"):
        env.pop(name, None)
    folders = {
        "QINBOUND_HOME": "qinbound-home",
        "JUPYTER_CONFIG_DIR": "jupyter-config",
        "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
        "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
        "IPYTHONDIR": "ipython",
    }
    for name, folder in folders.items():
        (scratch / folder).mkdir()
        env[name] = str(scratch / folder)
    return env | {"QINBOUND_SANDBOX_NOW": SANDBOX_NOW, "QINBOUND_SANDBOX_SEED": "0"}


def wait_for_status(url: str, token: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"jupyter lab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/api/status", params={"token": token}, timeout=2).is_success:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(
        f"jupyter lab did not answer within {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}"
    )


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the server and its kernels (its own process group), politely, then firmly."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


@pytest.fixture
def lab(tmp_path: Path, artifacts: Path) -> Iterator[Lab]:
    """JupyterLab serving a copy of notebooks/ (stopped at the end, even on failure)."""
    require_browser()
    root = tmp_path / "root"
    shutil.copytree(ROOT / "notebooks", root)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    port, token = free_port(), secrets.token_hex(16)
    log = artifacts / "jupyter-lab.log"
    command = [
        sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser",
        "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.news_url=None",
    ]  # fmt: skip
    with log.open("wb") as sink:
        server = subprocess.Popen(
            command,
            cwd=root,
            env=lab_environment(scratch),
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kernels are stopped with it
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_status(url, token, server, log)
        yield Lab(url=url, token=token, root=root, log=log)
    finally:
        stop(server)


@pytest.fixture
def page(lab: Lab, artifacts: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A chromium page, tall enough for whole-step screenshots; on failure, a screenshot."""
    from playwright.sync_api import sync_playwright

    failed_before = request.session.testsfailed
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            context = browser.new_context(viewport={"width": 1800, "height": 2400})
            context.set_default_timeout(60_000)
            page = context.new_page()
            yield page
            if request.session.testsfailed > failed_before:
                page.screenshot(path=str(artifacts / "failure.png"), full_page=True)
        finally:
            browser.close()
