"""Two ways to reach the one sandbox handler: an httpx transport and a loopback HTTP server.

Both stream bodies as the handler produces them (exports are never built in memory) and
apply the same body faults: a cut body ends the stream early (the client sees an
incomplete message), a slow body waits first (in-process, a wait longer than the request's
read timeout becomes ``httpx.ReadTimeout`` at once instead of a real wait).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

import httpx

from qinbound_nb.sandbox.api import ApiRequest, ApiResponse, SandboxApi

API_ROOT = "/API/v3/"


def _relative(path: str) -> str:
    return path[len(API_ROOT) :] if path.startswith(API_ROOT) else "\x00unknown"


def _limited(body: Iterable[bytes], cut_after: int | None) -> Iterator[tuple[bytes, bool]]:
    """Chunks of ``body``, each flagged True when the body is cut right after it."""
    sent = 0
    for chunk in body:
        if cut_after is not None and sent + len(chunk) >= cut_after:
            yield chunk[: max(0, cut_after - sent)], True
            return
        sent += len(chunk)
        yield chunk, False


class _Stream(httpx.SyncByteStream):
    def __init__(self, reply: ApiResponse, request: httpx.Request) -> None:
        self._reply, self._request = reply, request

    def __iter__(self) -> Iterator[bytes]:
        for chunk, cut in _limited(self._reply.body, self._reply.cut_after):
            if chunk:
                yield chunk
            if cut:
                raise httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body",
                    request=self._request,
                )

    def close(self) -> None:
        close = getattr(self._reply.body, "close", None)
        if close is not None:
            close()


class SandboxTransport(httpx.BaseTransport):
    """An httpx transport answering from the sandbox handler, in-process."""

    def __init__(self, api: SandboxApi, sleep: Callable[[float], None]) -> None:
        self._api, self._sleep = api, sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        reply = self._api.handle(
            ApiRequest(
                method=request.method,
                path=_relative(url.path),
                query=dict(url.params),
                headers={key.lower(): value for key, value in request.headers.items()},
                body=request.read(),
                base_url=f"{url.scheme}://{url.netloc.decode('ascii')}{API_ROOT}",
            )
        )
        if reply.delay:
            read_timeout = (request.extensions.get("timeout") or {}).get("read")
            if read_timeout is not None and reply.delay > read_timeout:
                raise httpx.ReadTimeout("the sandbox answered too slowly", request=request)
            self._sleep(reply.delay)
        return httpx.Response(reply.status, headers=reply.headers, stream=_Stream(reply, request))


class SandboxServer:
    """The sandbox on a real loopback socket; ``url`` is its API root. A context manager."""

    def __init__(self, api: SandboxApi, host: str, port: int, sleep: Callable[[float], None]):
        handler = type("Handler", (_Handler,), {"api": api, "pause": staticmethod(sleep)})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        bound_host, bound_port = self._server.server_address[:2]
        host_text = bound_host.decode() if isinstance(bound_host, bytes) else str(bound_host)
        shown = f"[{host_text}]" if ":" in host_text else host_text
        self.url = f"http://{shown}:{bound_port}{API_ROOT}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api: SandboxApi
    pause: Callable[[float], None]

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        return None  # keep test output and the CLI quiet

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or "127.0.0.1"
        reply = self.api.handle(
            ApiRequest(
                method=self.command,
                path=_relative(parts.path),
                query=dict(parse_qsl(parts.query)),
                headers={key.lower(): value for key, value in self.headers.items()},
                body=body,
                base_url=f"http://{host}{API_ROOT}",
            )
        )
        if reply.delay:
            self.pause(reply.delay)
        self._write(reply)

    def _write(self, reply: ApiResponse) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if isinstance(reply.body, list):
            data = b"".join(reply.body)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            for chunk, cut in _limited([data], reply.cut_after):
                self.wfile.write(chunk)
                self.close_connection = cut
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for chunk, cut in _limited(reply.body, reply.cut_after):
            if chunk:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            if cut:
                self.close_connection = True  # no last chunk: the client sees a cut body
                return
        self.wfile.write(b"0\r\n\r\n")
