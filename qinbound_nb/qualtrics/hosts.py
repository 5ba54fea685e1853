"""Which hosts may receive the API token: the base URL rule and the ``nextPage`` rule.

- The base URL is ``https://{datacenter}.qualtrics.com/API/v3/``, built only from a datacenter
  id that ``config.check_datacenter`` accepted.
- ``QINBOUND_API_BASE_URL`` overrides it, but only with a loopback host (127.0.0.0/8,
  ``localhost``, ``::1``): it exists for tests that run the sandbox on a real socket.
- A ``nextPage`` link is followed when it stays on the current origin, or, from a
  ``*.qualtrics.com`` origin, when it is ``https`` on another ``*.qualtrics.com`` host under
  ``/API/v3/``. Qualtrics itself sends such links when it proxies a call to the right
  datacenter, and the token is only ever valid at Qualtrics. Anything else is refused.
- Redirects are never followed (the client sets ``follow_redirects=False``).
"""

from __future__ import annotations

import ipaddress
import re

import httpx

from qinbound_nb.errors import ConfigError, FatalApiError
from qinbound_nb.job.config import check_datacenter
from qinbound_nb.local.settings import Settings

BASE_URL_VARIABLE = "QINBOUND_API_BASE_URL"
QUALTRICS_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+qualtrics\.com")
SANDBOX_BASE_URL = "https://sandbox.qualtrics.invalid/API/v3/"


def datacenter_base_url(datacenter: str) -> str:
    """The API root for a (validated) datacenter id."""
    try:
        check_datacenter(datacenter)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return f"https://{datacenter}.qualtrics.com/API/v3/"


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def override_base_url() -> str | None:
    """``QINBOUND_API_BASE_URL`` when set, checked to be loopback; ConfigError otherwise."""
    raw = (Settings().api_base_url or "").strip()
    if not raw:
        return None
    url = httpx.URL(raw)
    if url.scheme not in ("http", "https") or not url.host or not is_loopback(url.host):
        raise ConfigError(
            f"{BASE_URL_VARIABLE} may only point at a loopback host such as "
            "http://127.0.0.1:8765/API/v3/ (it exists for the local sandbox); unset it to "
            "reach Qualtrics through the connection's datacenter"
        )
    path = url.path if url.path.endswith("/") else url.path + "/"
    if path == "/":
        path = "/API/v3/"
    return str(url.copy_with(path=path, query=None, fragment=None))


def check_next_page(base_url: str, next_page: str) -> httpx.URL:
    """The ``nextPage`` URL if the token may follow it there; FatalApiError otherwise."""
    base, target = httpx.URL(base_url), httpx.URL(next_page)
    if _origin(target) == _origin(base):
        return target
    on_qualtrics = bool(QUALTRICS_HOST.fullmatch(base.host or ""))
    if (
        on_qualtrics
        and target.scheme == "https"
        and QUALTRICS_HOST.fullmatch(target.host or "")
        and target.port is None
        and target.path.startswith("/API/v3/")
    ):
        return target
    raise FatalApiError(
        f"Qualtrics sent a next-page link to {target.host or 'an unknown host'}, which is "
        "not a Qualtrics API host; it was not followed, so the token stayed private"
    )


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)
