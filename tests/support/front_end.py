"""A well-behaved front end (gateway, servlet container) in front of a correct server, for tests.

Built on ``http.server``, so a method it has no handler for (``QUERY``, ``TRACE``) gets that
module's default answer, 501 Not Implemented (RFC 9110 §15.6.2), as from many real front ends. It
logs every request it receives (method and path) before anything else. With ``max_writes`` it
behaves like a rate-limiting gateway: while that many writes are in flight, further writes get 429
with ``Retry-After: 0``; ``hold_writes`` keeps each forwarded write open until that many are in
flight (or a second has passed) and 0.2 s more, so a parallel set really overlaps at the gateway.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"})


class FrontEnd(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, *, max_writes: int | None = None, hold_writes: bool = False) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream.rstrip("/")
        self.origin = self.upstream.split("/", 3)[:3]
        self.max_writes = max_writes
        self.hold_writes = hold_writes
        self.log: list[tuple[str, str]] = []
        self.throttled = 0
        self.in_flight = 0
        self.lock = threading.Condition()
        self.client = httpx.Client(timeout=30)

    def url_for(self, upstream_url: str) -> str:
        """The front end's address of an upstream URL (same path)."""
        host, port = self.server_address[:2]
        origin = "/".join(self.origin)
        return f"http://{host!s}:{port}{upstream_url.removeprefix(origin)}"


class _Handler(BaseHTTPRequestHandler):
    server: FrontEnd
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self.server.log.append((self.command or "?", self.path))  # unknown methods are logged too
        super().send_error(code, message, explain)

    def _forward(self) -> None:
        server = self.server
        server.log.append((self.command, self.path))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        write = self.command in WRITES
        if write and server.max_writes is not None:
            with server.lock:
                if server.in_flight >= server.max_writes:
                    server.throttled += 1
                    self._reply(429, {"Retry-After": "0", "Content-Type": "application/problem+json"}, b"{}")
                    return
                server.in_flight += 1
                server.lock.notify_all()
                if server.hold_writes and self.command == "POST":
                    server.lock.wait_for(lambda: server.in_flight >= server.max_writes, timeout=1.0)
            if server.hold_writes and self.command == "POST":
                time.sleep(0.2)  # a busy upstream: the rest of a parallel set arrives meanwhile
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            response = server.client.request(
                self.command, "/".join(server.origin) + self.path, headers=headers, content=body
            )
        finally:
            if write and server.max_writes is not None:
                with server.lock:
                    server.in_flight -= 1
        extra = {k: v for k, v in response.headers.items() if k.lower() not in _HOP}
        self._reply(response.status_code, extra, response.content)

    def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward


@contextmanager
def front_end(upstream: str, **options: object) -> Iterator[FrontEnd]:
    server = FrontEnd(upstream, **options)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        server.client.close()
