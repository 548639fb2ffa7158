"""The run's HTTP client: bounded in time and size, never redirected, always recorded.

One ``httpx.Client`` serves the whole run (it is thread-safe, so parallel steps share it).
Every exchange is recorded, redacted, as evidence. Network trouble becomes a ``TargetError``:
the verdict is ``error`` (could not evaluate), never ``fail``.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.errors import ConfigError, TargetError
from conformance.evidence import MAX_EVIDENCE_BODY, Exchange, Redactor

USER_AGENT = "klanten-conformance"
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
        read_timeout: float = 30.0,
        max_response_bytes: int = 5 * 1024 * 1024,
    ) -> None:
        self.root_url = root_url.rstrip("/")
        self.redactor = redactor
        self.max_response_bytes = max_response_bytes
        self._http = httpx.Client(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )

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
            step=step,
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
            with self._http.stream(
                request.method, request.url, headers=request.headers, content=request.content
            ) as streamed:
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
        except httpx.TimeoutException as exc:
            raise TargetError(f"{label}: timed out ({type(exc).__name__})") from exc
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
