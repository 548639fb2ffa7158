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

from conformance import interrupt
from conformance.client import HttpLimits

_PATCH_LOCK = threading.Lock()


class CappedAdapter(HTTPAdapter):
    """A ``requests`` adapter that enforces the run's ``HttpLimits``."""

    def __init__(self, limits: HttpLimits) -> None:
        super().__init__()
        self.limits = limits

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        breaker = self.limits.breaker
        if interrupt.requested():  # Ctrl-C: send nothing more; the session's cleanup still runs
            raise requests.exceptions.ConnectionError("interrupted (Ctrl-C)", request=request)
        if breaker.open:
            raise requests.exceptions.ConnectionError(breaker.reason, request=request)
        started = time.monotonic()
        try:
            response = super().send(request, *args, **kwargs)
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            breaker.failure(f"{type(exc).__name__}: {exc}"[:200])
            raise
        read: Callable[..., Iterator[Any]] = response.iter_content
        limit, deadline = self.limits.max_response_bytes, started + self.limits.request_deadline

        def iter_content(chunk_size: int | None = 1, decode_unicode: bool = False) -> Iterator[Any]:
            size = 0
            for chunk in read(chunk_size, decode_unicode):
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
