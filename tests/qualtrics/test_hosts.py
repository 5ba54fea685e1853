"""Which hosts may see the token: base URL, loopback override, next-page links."""

from __future__ import annotations

import pytest

from qinbound_nb.errors import ConfigError, FatalApiError
from qinbound_nb.qualtrics.hosts import check_next_page, datacenter_base_url, override_base_url
from qinbound_nb.runs.clients import client_for_connection

BASE = "https://iad1.qualtrics.com/API/v3/"


def test_base_url_comes_from_a_validated_datacenter() -> None:
    assert datacenter_base_url("fra1") == "https://fra1.qualtrics.com/API/v3/"
    for bad in ("evil.com/x", "iad1.attacker", "IAD1", "a"):
        with pytest.raises(ConfigError):
            datacenter_base_url(bad)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8765", "http://localhost:9/API/v3/", "http://[::1]:80/", "http://127.9.9.9"],
)
def test_override_accepts_loopback(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("QINBOUND_API_BASE_URL", url)
    assert override_base_url().endswith("/API/v3/")


@pytest.mark.parametrize(
    "url",
    [
        "https://iad1.qualtrics.com/API/v3/",
        "http://10.0.0.5/",
        "ftp://127.0.0.1/",
        "http://127.0.0.1.evil.com/",
    ],
)
def test_override_refuses_anything_else(
    monkeypatch: pytest.MonkeyPatch, url: str, connection
) -> None:
    monkeypatch.setenv("QINBOUND_API_BASE_URL", url)
    with pytest.raises(ConfigError, match="loopback"):
        client_for_connection(connection)


def test_override_is_used_by_for_connection(monkeypatch: pytest.MonkeyPatch, connection) -> None:
    monkeypatch.setenv("QINBOUND_API_BASE_URL", "http://127.0.0.1:8765")
    with client_for_connection(connection) as client:
        assert client.base_url == "http://127.0.0.1:8765/API/v3/"


def test_next_page_same_origin_and_other_qualtrics_hosts_are_followed() -> None:
    assert str(check_next_page(BASE, BASE + "surveys?offset=10")).endswith("offset=10")
    proxied = (
        "https://az1.qualtrics.com/API/v3/distributions/EMD_1/links?proxyDepth=1&skipToken=MLRP_2"
    )
    assert check_next_page(BASE, proxied).host == "az1.qualtrics.com"
    assert check_next_page(BASE, "https://org.au1.qualtrics.com/API/v3/surveys?offset=2").host


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/API/v3/surveys?offset=10",
        "http://az1.qualtrics.com/API/v3/surveys",  # not https
        "https://az1.qualtrics.com.evil.example/API/v3/surveys",
        "https://az1.qualtrics.com/other/path",
        "https://az1.qualtrics.com:8443/API/v3/surveys",
    ],
)
def test_next_page_elsewhere_is_refused(link: str) -> None:
    with pytest.raises(FatalApiError, match="not followed"):
        check_next_page(BASE, link)


def test_loopback_origin_follows_only_itself() -> None:
    with pytest.raises(FatalApiError):
        check_next_page(
            "http://127.0.0.1:8765/API/v3/", "https://iad1.qualtrics.com/API/v3/surveys"
        )
