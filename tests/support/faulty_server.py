"""A deliberately faulty HTTP target: each mode is one way a staging server misbehaves.

A raw socket server (not an ASGI app) so it can do what no framework lets it: hang forever, drip a
byte per second, reset the connection, announce 100 MB. With ``pass_preflight`` it answers the
profile's preflight probe (``GET …/partijen?pageSize=1``) correctly and misbehaves on everything
else, so the tests reach the scenarios and fuzzing, not just the preflight.
"""

from __future__ import annotations

import gzip
import json
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

ROOT = "/klantinteracties/api/v1"
MODES = (
    "hang",
    "drip",
    "500",
    "html502",
    "reset",
    "malformed-json",
    "huge",
    "redirect-loop",
    "wrong-content-type",
    "silent-after-preflight",
    "drip-headers",
    "gzip-bomb",
)
BOMB_BYTES = 64 * 1024 * 1024  # what the gzip bomb expands to (it is sent as ~64 KB)
_BOMB = gzip.compress(b"\0" * BOMB_BYTES, compresslevel=9)
HUGE_BYTES = 100 * 1024 * 1024
_LIST = json.dumps({"count": 0, "next": None, "previous": None, "results": []}).encode()


def _response(status: str, ctype: str, body: bytes, extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
        f"API-version: 0.9.0\r\nConnection: close\r\n{extra}\r\n"
    )
    return head.encode() + body


class _Handler(socketserver.BaseRequestHandler):
    server: FaultyServer

    def handle(self) -> None:
        conn: socket.socket = self.request
        conn.settimeout(5)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
        except OSError:
            return
        line = data.split(b"\r\n", 1)[0].decode("latin-1")
        method, target = ([*line.split(" "), "", ""])[:2]
        self.server.requests.append(f"{method} {target}")
        is_probe = method == "GET" and target.split("?")[0].rstrip("/") == ROOT + "/partijen"
        if self.server.pass_preflight and is_probe and not self.server.probed.is_set():
            self.server.probed.set()
            conn.sendall(_response("200 OK", "application/json", _LIST))
            return
        with suppress(OSError):
            self._misbehave(conn, target)

    def _misbehave(self, conn: socket.socket, target: str) -> None:
        mode, stop = self.server.mode, self.server.stopping
        if mode in ("hang", "silent-after-preflight"):
            stop.wait()
        elif mode == "drip":
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
            )
            while not stop.wait(1.0):
                conn.sendall(b" ")
        elif mode == "drip-headers":  # every read succeeds, the headers never end
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Drip: ")
            while not stop.wait(3.0):
                conn.sendall(b"a")
        elif mode == "gzip-bomb":
            extra = "Content-Encoding: gzip\r\n"
            conn.sendall(_response("200 OK", "application/json", _BOMB, extra))
        elif mode == "500":
            body = json.dumps({"title": "Internal Server Error", "status": 500}).encode()
            conn.sendall(_response("500 Internal Server Error", "application/json", body))
        elif mode == "html502":
            conn.sendall(_response("502 Bad Gateway", "text/html", b"<html><body>Bad Gateway</body></html>"))
        elif mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()  # RST instead of FIN
        elif mode == "malformed-json":
            conn.sendall(_response("200 OK", "application/json", b'{"count": 1, "results": [{"url": '))
        elif mode == "huge":
            head = f"Content-Type: application/json\r\nContent-Length: {HUGE_BYTES}\r\n\r\n"
            conn.sendall(b"HTTP/1.1 200 OK\r\n" + head.encode())
            block = b" " * 65536
            for _ in range(HUGE_BYTES // len(block)):
                if stop.is_set():
                    break
                conn.sendall(block)
        elif mode == "redirect-loop":
            conn.sendall(_response("302 Found", "text/plain", b"", f"Location: {target}\r\n"))
        elif mode == "wrong-content-type":
            conn.sendall(_response("200 OK", "text/plain", _LIST))
        else:
            raise ValueError(mode)


class FaultyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # scenarios send up to 16 requests at once

    def __init__(self, mode: str, *, pass_preflight: bool = False) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = mode
        self.pass_preflight = pass_preflight or mode == "silent-after-preflight"
        self.probed = threading.Event()
        self.stopping = threading.Event()
        self.requests: list[str] = []

    @property
    def root_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{ROOT}"


@contextmanager
def faulty(mode: str, *, pass_preflight: bool = False) -> Iterator[FaultyServer]:
    """A running faulty server; stopping it also releases every hung or dripping connection."""
    server = FaultyServer(mode, pass_preflight=pass_preflight)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        time.sleep(0.05)
