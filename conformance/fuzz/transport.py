"""The run's HTTP caps for the requests schemathesis sends itself.

schemathesis 4.32.5 sends through ``requests`` sessions it builds in
``schemathesis.engine.context.make_session`` and reads every body whole (``response.content``); it
offers a per-read ``request-timeout`` but no size cap, no overall deadline and no hook to replace its
transport. While an engine run is active, ``capped_sessions`` wraps that factory so each session gets
an adapter with the same caps as ``conformance.client.GuardedTransport``: the response-size cap, the
overall deadline per request, and the run's circuit breaker. (Extra requests some checks send on a
session of their own, such as ``ignored_auth``'s, are bounded by ``request-timeout`` only.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from conformance import interrupt, netguard
from conformance.client import HttpLimits

_PATCH_LOCK = threading.Lock()


class CappedAdapter(HTTPAdapter):
    """A ``requests`` adapter that enforces the run's ``HttpLimits``."""

    def __init__(self, limits: HttpLimits) -> None:
        super().__init__()
        self.limits = limits

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        # Connections whose wait for the headers is under the request's deadline (netguard).
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        breaker = self.limits.breaker
        if interrupt.requested():  # Ctrl-C: send nothing more; the session's cleanup still runs
            raise requests.exceptions.ConnectionError("interrupted (Ctrl-C)", request=request)
        if breaker.open:
            raise requests.exceptions.ConnectionError(breaker.reason, request=request)
        deadline = netguard.start_request(self.limits.request_deadline)
        try:
            response = super().send(request, *args, **kwargs)
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            stopped = _stopped(request)
            if stopped is None or isinstance(stopped, requests.exceptions.Timeout):
                breaker.failure(f"{type(exc).__name__}: {exc}"[:200])
            if stopped is not None:
                raise stopped from exc
            raise
        read: Callable[..., Iterator[Any]] = response.iter_content
        limit = self.limits.max_response_bytes
        sock = getattr(getattr(response.raw, "connection", None), "sock", None)

        def pieces(chunk_size: int | None, decode_unicode: bool) -> Iterator[Any]:
            chunks = read(chunk_size, decode_unicode)
            while True:
                try:
                    with netguard.GuardedIO(sock):  # the watchdog shuts the socket at the deadline
                        chunk = next(chunks)
                except StopIteration:
                    return
                except (netguard.DeadlinePassed, requests.exceptions.RequestException) as exc:
                    stopped = _stopped(request)
                    if stopped is None:
                        raise
                    raise stopped from exc
                yield chunk

        def iter_content(chunk_size: int | None = 1, decode_unicode: bool = False) -> Iterator[Any]:
            size = 0
            for chunk in pieces(chunk_size, decode_unicode):
                size += len(chunk)
                if size > limit:
                    raise requests.exceptions.ContentDecodingError(f"response larger than {limit} bytes")
                if time.monotonic() > deadline:
                    breaker.failure("overall request deadline exceeded")
                    raise requests.exceptions.ReadTimeout("no complete response within the request deadline")
                yield chunk
            breaker.success()

        response.iter_content = iter_content  # type: ignore[method-assign]
        return response


def _stopped(request: requests.PreparedRequest) -> requests.exceptions.RequestException | None:
    """The error to report when Ctrl-C or the overall deadline ended the request (else None)."""
    reason = netguard.cut_reason()
    if reason == netguard.INTERRUPTED:
        return requests.exceptions.ConnectionError(reason, request=request)
    if reason is not None:
        return requests.exceptions.ReadTimeout(reason, request=request)
    return None


class _GuardedConnection(HTTPConnection):
    def getresponse(self) -> Any:
        with netguard.GuardedIO(self.sock):  # waiting for the headers: a drip is cut at the deadline
            return super().getresponse()


class _GuardedTLSConnection(HTTPSConnection):
    def getresponse(self) -> Any:
        with netguard.GuardedIO(self.sock):
            return super().getresponse()


class _Pool(HTTPConnectionPool):
    ConnectionCls = _GuardedConnection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedTLSConnection


@contextmanager
def capped_sessions(limits: HttpLimits) -> Iterator[None]:
    """Within the block, every session the schemathesis engine makes carries ``CappedAdapter``."""
    from schemathesis.engine import context

    with _PATCH_LOCK:
        original: Callable[..., requests.Session] = context.make_session

        def make_session(*args: Any, **kwargs: Any) -> requests.Session:
            session = original(*args, **kwargs)
            adapter = CappedAdapter(limits)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            return session

        context.make_session = make_session
        try:
            yield
        finally:
            context.make_session = original
