"""The socket-level half of the run's HTTP limits: one overall deadline per request, Ctrl-C, and a
decoded-size cap, for httpx and for the ``requests`` sessions schemathesis makes.

A per-read timeout cannot stop a target that drips a byte of its headers every few seconds: every
read succeeds. So each request gets an overall deadline (connect, headers and body), kept per
thread because a request is sent and its body read on one thread. Every blocking read is armed with
the ``Watchdog``, which closes the socket (shutdown, so a blocked ``recv`` returns) when that
deadline passes, or ``INTERRUPT_GRACE`` seconds after the first Ctrl-C (``conformance.interrupt``):
an ordinary answer still arrives, so a record being created is seen and cleaned up, but nothing
waits longer, and the first Ctrl-C always gets the run to its report. ``--max-duration`` cuts the
requests in flight when the run's budget ends (later ones, the cleanups, get their own deadline).

``DecodedCap`` decompresses a gzip/deflate body incrementally and stops at the size cap, so a small
compressed body cannot expand into gigabytes in memory (a "gzip bomb").
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from typing import Any

import httpcore

from conformance import interrupt

_local = threading.local()
_run_end: float | None = None  # time.monotonic() at which --max-duration ends the run

# After the first Ctrl-C a request (one in flight, or a cleanup sent afterwards) may take this long
# at most: long enough for an ordinary answer, so a record being created is still seen and removed.
INTERRUPT_GRACE = 5.0
DEADLINE = "no complete response within the request deadline"
INTERRUPTED = "interrupted (Ctrl-C)"
BUDGET = "the run budget (--max-duration) was spent"


class DeadlinePassed(Exception):
    """The request's overall deadline passed, or the run was interrupted (the text says which)."""


def set_run_end(seconds: float | None) -> None:
    """Start (or with None clear) the run's wall-time budget, in seconds from now."""
    global _run_end
    _run_end = None if seconds is None else time.monotonic() + seconds


def start_request(seconds: float) -> float:
    """Begin a request on this thread: its deadline is ``seconds`` from now, or the run's end if that
    comes first (a request started after the run's end, such as a cleanup, gets its own)."""
    now = time.monotonic()
    deadline = now + seconds
    budget = _run_end is not None and now < _run_end < deadline
    if budget and _run_end is not None:
        deadline = _run_end
    _local.deadline, _local.started, _local.budget = deadline, now, budget
    return deadline


def _due(deadline: float, started: float, budget: bool = False) -> tuple[float, str]:
    """When a request must end, and why: its deadline (or the run's end), or a grace after Ctrl-C."""
    at = interrupt.requested_at()
    if at is not None:
        cut = max(started, at) + INTERRUPT_GRACE
        if cut < deadline:
            return cut, INTERRUPTED
    return deadline, BUDGET if budget else DEADLINE


def _current() -> tuple[float, str] | None:
    deadline: float | None = getattr(_local, "deadline", None)
    return None if deadline is None else _due(deadline, _local.started, _local.budget)


def remaining() -> float | None:
    """Seconds left for this thread's request (None: no request deadline set)."""
    current = _current()
    return None if current is None else current[0] - time.monotonic()


def cut_reason() -> str | None:
    """Why this thread's request was cut (its deadline passed, or Ctrl-C), or None."""
    current = _current()
    return current[1] if current is not None and current[0] <= time.monotonic() else None


def clamp(timeout: float | None) -> float | None:
    """``timeout`` shortened to what is left of the request; raises when nothing is."""
    stop_reason()
    left = remaining()
    if left is None:
        return timeout
    return left if timeout is None else min(timeout, left)


def stop_reason() -> None:
    """Raise ``DeadlinePassed`` when the request may not go on."""
    reason = cut_reason()
    if reason is not None:
        raise DeadlinePassed(reason)


class Watchdog:
    """One daemon thread that shuts down armed sockets whose deadline passed (or on Ctrl-C)."""

    POLL = 0.2  # seconds between looks at the Ctrl-C flag while a socket is armed

    def __init__(self) -> None:
        self._armed: dict[int, tuple[float, float, Callable[[], None]]] = {}
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._next = 0

    def arm(self, deadline: float, started: float, shut: Callable[[], None]) -> int:
        with self._wake:
            self._next += 1
            self._armed[self._next] = (deadline, started, shut)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="conformance-watchdog", daemon=True)
                self._thread.start()
            if len(self._armed) == 1 or deadline - time.monotonic() < self.POLL:
                self._wake.notify()  # otherwise the watchdog looks again within POLL anyway
            return self._next

    def disarm(self, key: int) -> None:
        with self._wake:
            self._armed.pop(key, None)

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._armed:
                    self._wake.wait()
                now = time.monotonic()
                ends = {k: _due(deadline, started)[0] for k, (deadline, started, _) in self._armed.items()}
                actions = [self._armed.pop(k)[2] for k, end in ends.items() if end <= now]
                if not actions:
                    self._wake.wait(min(self.POLL, max(min(ends.values()) - now, 0.0)))
            for shut in actions:
                shut()


WATCHDOG = Watchdog()


def shutdown(sock: socket.socket) -> Callable[[], None]:
    """Unblock a ``recv`` waiting on ``sock`` from another thread, then close it."""

    def shut() -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    return shut


class GuardedIO:
    """Arm the watchdog for one blocking operation on ``sock`` under this thread's deadline."""

    def __init__(self, sock: socket.socket | None) -> None:
        self._sock = sock
        self._key: int | None = None

    def __enter__(self) -> None:
        stop_reason()
        deadline: float | None = getattr(_local, "deadline", None)
        if self._sock is not None:
            started = getattr(_local, "started", time.monotonic())
            end = deadline if deadline is not None else float("inf")
            self._key = WATCHDOG.arm(end, started, shutdown(self._sock))

    def __exit__(self, *exc: object) -> None:
        if self._key is not None:
            WATCHDOG.disarm(self._key)


# --- decoded-size cap ------------------------------------------------------------------------

_DECODABLE = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class TooLarge(Exception):
    """The decoded body passed the cap."""


class DecodedCap:
    """Decodes a body (gzip/deflate or identity) chunk by chunk, never past ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.size = 0
        name = encoding.strip().lower()
        self._decoder = None
        if name in _DECODABLE:
            wbits = _DECODABLE[name]
            # deflate is sent zlib-wrapped or raw; 32 + wbits detects zlib and gzip headers
            self._decoder = zlib.decompressobj(32 + zlib.MAX_WBITS if name == "deflate" else wbits)

    @staticmethod
    def decodes(encoding: str) -> bool:
        """True when this cap decodes ``encoding`` (then the caller drops Content-Encoding)."""
        return encoding.strip().lower() in _DECODABLE

    def feed(self, chunk: bytes) -> bytes:
        if self._decoder is None:
            return self._count(chunk)
        out = []
        data = chunk
        while data:
            piece = self._decoder.decompress(data, self.limit - self.size + 1)
            out.append(self._count(piece))
            data = self._decoder.unconsumed_tail
        return b"".join(out)

    def flush(self) -> bytes:
        return b"" if self._decoder is None else self._count(self._decoder.flush())

    def _count(self, piece: bytes) -> bytes:
        self.size += len(piece)
        if self.size > self.limit:
            raise TooLarge(f"response larger than {self.limit} bytes (decoded)")
        return piece


# --- httpx (httpcore) ------------------------------------------------------------------------


class GuardedNetworkStream(httpcore.NetworkStream):
    """A connection's stream whose every read and write is under the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def _guard(self) -> GuardedIO:
        return GuardedIO(self._inner.get_extra_info("socket"))

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            with self._guard():
                data = self._inner.read(max_bytes, clamp(timeout))
            if not data:
                stop_reason()  # the watchdog shut the socket: say why, not "server disconnected"
            return data
        except DeadlinePassed as exc:
            raise httpcore.ReadTimeout(str(exc)) from exc
        except httpcore.ReadError:
            try:
                stop_reason()
            except DeadlinePassed as exc:
                raise httpcore.ReadTimeout(str(exc)) from exc
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            with self._guard():
                self._inner.write(buffer, clamp(timeout))
        except DeadlinePassed as exc:
            raise httpcore.WriteTimeout(str(exc)) from exc

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        try:
            with self._guard():
                inner = self._inner.start_tls(ssl_context, server_hostname, clamp(timeout))
        except DeadlinePassed as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        return GuardedNetworkStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend with every connection under the request's deadline."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            limit = clamp(timeout)
        except DeadlinePassed as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        stream = self._inner.connect_tcp(host, port, limit, local_address, socket_options)
        return GuardedNetworkStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return GuardedNetworkStream(self._inner.connect_unix_socket(path, clamp(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def guard_transport(transport: Any) -> Any:
    """Put ``GuardedBackend`` under an ``httpx.HTTPTransport``'s connection pool (returns it)."""
    pool = getattr(transport, "_pool", None)
    if pool is not None and not isinstance(getattr(pool, "_network_backend", None), GuardedBackend):
        pool._network_backend = GuardedBackend(pool._network_backend)
    return transport
