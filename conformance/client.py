"""The run's HTTP client: bounded in time and size, never redirected, always recorded.

One ``httpx.Client`` serves the whole run (it is thread-safe, so parallel steps share it).
Every exchange is recorded, redacted, as evidence. Network trouble becomes a ``TargetError``:
the verdict is ``error`` (could not evaluate), never ``fail``.

``GuardedTransport`` is the one HTTP stack of a run: every httpx client the suite makes (scenarios,
preflight, the fuzzer's auth probe and cleanup, spec download) sends through it, so all of them
share the response-size cap, an overall deadline per request (a slow drip cannot stretch a per-read
timeout) and the run's ``CircuitBreaker`` (after a few consecutive refusals or timeouts the rest of
the run fails fast with "target stopped answering" instead of waiting out every timeout).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import json
import os
import ssl
import threading
import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance import netguard
from conformance.errors import ConfigError, TargetError
from conformance.evidence import MAX_EVIDENCE_BODY, Exchange, Redactor
from conformance.netguard import DecodedCap, TooLarge, guard_transport

USER_AGENT = "klanten-conformance"
BREAKER_THRESHOLD = 3  # consecutive refusals/timeouts before the target counts as gone


class ResponseTooLarge(httpx.TransportError):
    """The body exceeded the run's response-size cap (not a sign that the target is gone)."""


class TargetGone(httpx.TransportError):
    """Not sent: the circuit breaker is open (the target stopped answering earlier in the run)."""


class DeadlineExceeded(httpx.TimeoutException):
    """The whole request (connect, headers and body) took longer than its overall deadline."""


class Interrupted(httpx.TransportError):
    """Ctrl-C: the request's socket was shut after the grace period (never a sign the target is gone)."""


def _explained(exc: Exception, label: str, breaker: CircuitBreaker) -> Exception:
    """``exc`` counted by the breaker (unless Ctrl-C caused it) and, when ``netguard`` cut the
    request (its overall deadline, or Ctrl-C), replaced by an exception that says so."""
    reason = netguard.cut_reason()
    if reason != netguard.INTERRUPTED:
        breaker.failure(f"{type(exc).__name__}: {exc}"[:200])
    if reason == netguard.INTERRUPTED:
        return Interrupted(f"{label}: {reason}")
    if reason is not None:
        return DeadlineExceeded(f"{label}: {reason}")
    return exc


class CircuitBreaker:
    """Counts consecutive transport failures; once open, every further request fails at once.

    Thread-safe. A response that came back completely closes the count again; the breaker never
    opens on an HTTP status (a 500 is an answer), only on refusals, resets and timeouts.
    """

    def __init__(self, threshold: int = BREAKER_THRESHOLD) -> None:
        self.threshold = threshold
        self._failures = 0
        self._last = ""
        self._lock = threading.Lock()

    @property
    def open(self) -> bool:
        return self.threshold > 0 and self._failures >= self.threshold

    @property
    def reason(self) -> str:
        return f"target stopped answering ({self._failures} consecutive transport errors, last: {self._last})"

    def check(self) -> None:
        """Raise ``TargetError`` when open (checked before each item)."""
        if self.open:
            raise TargetError(self.reason)

    def failure(self, what: str) -> None:
        with self._lock:
            self._failures += 1
            self._last = what

    def success(self) -> None:
        with self._lock:
            if not self.open:
                self._failures = 0


# Transport failures that suggest the target is gone (an HTTP status never does).
_GONE_SIGNS = (httpx.TimeoutException, httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError)


class _GuardedStream(httpx.SyncByteStream):
    """The response body, decoded here (gzip/deflate) and cut off by its decoded size and by the
    request's overall deadline (which ``netguard`` enforces on the socket as well)."""

    def __init__(
        self,
        inner: httpx.SyncByteStream,
        *,
        cap: DecodedCap,
        deadline: float,
        breaker: CircuitBreaker,
        label: str,
    ) -> None:
        self._inner = inner
        self._cap = cap
        self._deadline = deadline
        self._breaker = breaker
        self._label = label

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self._inner:
                if time.monotonic() > self._deadline:
                    raise DeadlineExceeded(f"{self._label}: no complete response within the request deadline")
                decoded = self._cap.feed(chunk)
                if decoded:
                    yield decoded
            tail = self._cap.flush()
            if tail:
                yield tail
        except TooLarge as exc:
            raise ResponseTooLarge(f"{self._label}: {exc}") from None
        except zlib.error as exc:
            raise httpx.DecodingError(f"{self._label}: {exc}") from None
        except _GONE_SIGNS as exc:
            explained = _explained(exc, self._label, self._breaker)
            if explained is exc:
                raise
            raise explained from exc
        self._breaker.success()

    def close(self) -> None:
        self._inner.close()


@functools.lru_cache(maxsize=8)
def _ssl_context(verify: bool, cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    return httpx.create_ssl_context(verify=verify)


def shared_ssl_context(verify: bool) -> ssl.SSLContext:
    """One TLS context per process (and CA settings): loading the CA bundle costs ~15 ms a client."""
    return _ssl_context(verify, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport with the run's caps; see the module docstring."""

    def __init__(
        self,
        *,
        max_response_bytes: int,
        request_deadline: float,
        breaker: CircuitBreaker | None = None,
        inner: httpx.BaseTransport | None = None,
        verify: bool = True,
    ) -> None:
        self.max_response_bytes = max_response_bytes
        self.request_deadline = request_deadline
        self.breaker = breaker or CircuitBreaker()
        # Every socket read and write of the pool runs under the request's deadline (``netguard``).
        self._inner = inner or guard_transport(httpx.HTTPTransport(verify=shared_ssl_context(verify)))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        label = f"{request.method} {request.url}"
        if self.breaker.open:
            raise TargetGone(self.breaker.reason)
        deadline = netguard.start_request(self.request_deadline)
        try:
            response = self._inner.handle_request(request)
        except _GONE_SIGNS as exc:
            explained = _explained(exc, label, self.breaker)
            if explained is exc:
                raise
            raise explained from exc
        assert isinstance(response.stream, httpx.SyncByteStream)
        encoding = response.headers.get("content-encoding", "")
        headers = response.headers
        if DecodedCap.decodes(encoding):  # decoded here, under the cap: httpx must not decode again
            headers = httpx.Headers(
                [
                    (k, v)
                    for k, v in headers.multi_items()
                    if k.lower() not in ("content-encoding", "content-length")
                ]
            )
        stream = _GuardedStream(
            response.stream,
            cap=DecodedCap(encoding if DecodedCap.decodes(encoding) else "identity", self.max_response_bytes),
            deadline=deadline,
            breaker=self.breaker,
            label=label,
        )
        return httpx.Response(
            response.status_code,
            headers=headers,
            stream=stream,
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        self._inner.close()


@dataclass(frozen=True)
class HttpLimits:
    """The caps every client of a run shares (built once per run from the settings)."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    max_response_bytes: int = 5 * 1024 * 1024
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)

    @property
    def request_deadline(self) -> float:
        """Overall time one request may take: connect plus two read timeouts (headers, body)."""
        return self.connect_timeout + 2 * self.read_timeout

    def http_client(self, **kwargs: Any) -> httpx.Client:
        """A plain ``httpx.Client`` with these caps: timeouts, size cap, deadline, breaker, no redirects."""
        kwargs.setdefault("follow_redirects", False)
        return httpx.Client(
            timeout=httpx.Timeout(self.read_timeout, connect=self.connect_timeout),
            transport=GuardedTransport(
                max_response_bytes=self.max_response_bytes,
                request_deadline=self.request_deadline,
                breaker=self.breaker,
            ),
            **kwargs,
        )


_UNPARSED = object()  # Reply.json() has not run yet (None is a valid JSON body)


@dataclass
class Reply:
    """A fully read response."""

    response: httpx.Response
    elapsed_s: float
    _parsed: Any = field(default=_UNPARSED, repr=False)

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.response.headers.items())

    @property
    def text(self) -> str:
        return self.response.text

    def json(self) -> Any:
        """The parsed body (parsed once); a body that is not JSON is a target error, not a failure."""
        if self._parsed is not _UNPARSED:
            return self._parsed
        try:
            self._parsed = json.loads(self.response.content)
            return self._parsed
        except ValueError as exc:
            ctype = self.response.headers.get("content-type", "<none>")
            raise TargetError(
                f"{self.response.request.method} {self.response.request.url} answered {self.status} "
                f"with a body that is not JSON (content-type {ctype}): {exc}"
            ) from exc


class Client:
    """Sends requests under the target root and records each exchange."""

    def __init__(
        self,
        root_url: str,
        *,
        redactor: Redactor,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        max_response_bytes: int = 5 * 1024 * 1024,
        limits: HttpLimits | None = None,
    ) -> None:
        self.root_url = root_url.rstrip("/")
        self.redactor = redactor
        self.limits = limits or HttpLimits(connect_timeout, read_timeout, max_response_bytes)
        self.max_response_bytes = self.limits.max_response_bytes
        self._http = self.limits.http_client(
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )

    @property
    def breaker(self) -> CircuitBreaker:
        return self.limits.breaker

    def close(self) -> None:
        self._http.close()

    def url_for(self, path: str) -> str:
        """Absolute URL of ``path``; absolute URLs must stay under the root (no credential leaks)."""
        if path.startswith(("http://", "https://")):
            if path != self.root_url and not path.startswith(self.root_url + "/"):
                raise ConfigError(f"refusing to send a request outside the target root: {path}")
            return path
        return self.root_url + "/" + path.lstrip("/")

    def send(
        self,
        *,
        step: str,
        method: str,
        path: str,
        headers: Mapping[str, str],
        query: Mapping[str, Any] | None = None,
        json_body: Any = None,
        has_json: bool = False,
    ) -> tuple[Reply, Exchange]:
        """Send one request; return the read reply and its redacted evidence."""
        url = self.url_for(path)
        params = {k: _query_value(v) for k, v in (query or {}).items()}
        request = self._http.build_request(
            method,
            url,
            headers=dict(headers),
            params=params or None,
            content=json.dumps(json_body).encode() if has_json else None,
        )
        if has_json:
            request.headers["Content-Type"] = "application/json"
        self.redactor.learn_headers(request.headers.items())  # a credential minted for this request
        exchange = Exchange(
            step=self.redactor.text(step),
            method=method,
            url=self.redactor.text(str(request.url)),
            request_headers=self.redactor.headers(request.headers.items()),
            request_body=self.redactor.value(json_body) if has_json else None,
        )
        started = time.perf_counter()
        try:
            reply = self._read(request, started)
        except TargetError as exc:
            exchange.error = self.redactor.text(str(exc))
            exchange.elapsed_s = time.perf_counter() - started
            raise TargetError(exchange.error) from exc
        sent = reply.response.request  # what went out (an httpx auth flow may have changed it)
        self.redactor.learn_headers(sent.headers.items())
        exchange.url = self.redactor.url(str(sent.url))
        exchange.request_headers = self.redactor.headers(sent.headers.items())
        exchange.status = reply.status
        exchange.elapsed_s = reply.elapsed_s
        exchange.response_headers = self.redactor.headers(reply.response.headers.items())
        body = reply.response.content[:MAX_EVIDENCE_BODY]
        exchange.truncated = len(reply.response.content) > MAX_EVIDENCE_BODY
        exchange.response_body = self.redactor.text(body.decode("utf-8", errors="replace"))
        return reply, exchange

    def _read(self, request: httpx.Request, started: float) -> Reply:
        label = f"{request.method} {request.url}"
        try:
            # The request built (and recorded) in ``send`` is the one sent: not rebuilt a second time.
            streamed = self._http.send(request, stream=True)
            with contextlib.closing(streamed):
                chunks: list[bytes] = []
                size = 0
                for chunk in streamed.iter_bytes():  # decoded: the cap also stops gzip bombs
                    size += len(chunk)
                    if size > self.max_response_bytes:
                        raise TargetError(f"{label}: response larger than {self.max_response_bytes} bytes")
                    chunks.append(chunk)
                content = b"".join(chunks)
                headers = streamed.headers
                status = streamed.status_code
                http_request = streamed.request
        except DeadlineExceeded as exc:
            if netguard.BUDGET in str(exc):
                raise TargetError(f"{label}: cut short: {netguard.BUDGET}") from exc
            raise TargetError(
                f"{label}: timed out: no complete response within the request deadline of "
                f"{self.limits.request_deadline:g}s (a slow or dripping answer)"
            ) from exc
        except httpx.TimeoutException as exc:
            raise TargetError(f"{label}: timed out ({type(exc).__name__})") from exc
        except (ResponseTooLarge, TargetGone, Interrupted) as exc:
            raise TargetError(f"{label}: {exc}" if isinstance(exc, TargetGone) else str(exc)) from exc
        except TargetError:
            raise
        except Exception as exc:  # transport-level trouble of any kind (httpx, httpcore, ssl, h11)
            raise TargetError(f"{label}: {type(exc).__name__}: {exc or 'connection failed'}") from exc
        elapsed = time.perf_counter() - started
        # A plain, fully read response (already decoded) that contract checks can inspect.
        decoded_headers = [(k, v) for k, v in headers.multi_items() if k.lower() != "content-encoding"]
        response = httpx.Response(status, headers=decoded_headers, content=content, request=http_request)
        response.elapsed = datetime.timedelta(seconds=elapsed)
        return Reply(response, elapsed)


def _query_value(value: Any) -> str | list[str]:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value)
