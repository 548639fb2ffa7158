"""The log of every request the fuzzer sent, redacted, and its digest.

The digest proves determinism: the same seed against the same kind of server gives the same
digest. Two things legitimately differ between two runs and are normalised away: the target's
host/port (URLs are logged relative to the API root, and its origin in a body is ``<origin>``) and
values the *server* minted (a UUID or a timestamp first seen in a response and then sent back, as
stateful links do), which are replaced by ``<minted-N>`` in order of first appearance.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from conformance.evidence import Redactor

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_TIMESTAMP = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})"  # e.g. plaatsgevondenOp
_MINTABLE = re.compile(f"{_UUID}|{_TIMESTAMP}")
# Headers that say nothing about what was generated (or are transport noise).
_IGNORED_HEADERS = frozenset(
    {"user-agent", "content-length", "accept-encoding", "connection", "x-schemathesis-testcaseid"}
)


@dataclass(frozen=True)
class LoggedRequest:
    """One request, redacted and normalised."""

    phase: str
    operation: str
    method: str
    path: str  # relative to the API root, with query
    headers: tuple[tuple[str, str], ...]
    body_sha256: str | None
    status: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "headers": dict(self.headers),
            "body_sha256": self.body_sha256,
            "status": self.status,
        }


@dataclass
class RequestLog:
    """Appends requests in send order; knows the API root to strip and the redactor to apply."""

    target_url: str
    redactor: Redactor
    entries: list[LoggedRequest] = field(default_factory=list)
    _minted: dict[str, str] = field(default_factory=dict)
    _sent: set[str] = field(default_factory=set)

    def _normalise(self, text: str) -> str:
        def swap(match: re.Match[str]) -> str:
            value = match.group(0).lower()
            return self._minted.get(value, match.group(0))

        # A server URL sent back in a body (a stateful link passes a response's `url` on) carries
        # the target's host and port, which differ between two servers of the same kind.
        if self._origin:
            text = text.replace(self._origin, "<origin>")
        return _MINTABLE.sub(swap, text)

    def __post_init__(self) -> None:
        self._root = urlsplit(self.target_url)  # split once: every request is normalised with it
        self._origin = f"{self._root.scheme}://{self._root.netloc}" if self._root.netloc else ""

    def _relative(self, url: str) -> str:
        root = self._root
        parts = urlsplit(url)
        path = parts.path
        base = root.path.rstrip("/")
        if path.startswith(base):
            path = path[len(base) :] or "/"
        return path + (f"?{parts.query}" if parts.query else "")

    def add(
        self,
        *,
        phase: str,
        operation: str,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        status: int | None,
        response_text: str | None,
        response_location: str | None = None,
    ) -> None:
        raw_request = f"{url}\n{body.decode('utf-8', 'replace') if body else ''}"
        for value in _MINTABLE.findall(raw_request):
            self._sent.add(value.lower())
        path = self._normalise(self._relative(url))
        kept = sorted(
            (name.lower(), self._normalise(value))
            for name, value in self.redactor.headers(headers).items()
            if name.lower() not in _IGNORED_HEADERS
        )
        body_text = self._normalise(body.decode("utf-8", "replace")) if body else None
        digest = hashlib.sha256(self.redactor.text(body_text).encode()).hexdigest() if body_text else None
        self.entries.append(
            LoggedRequest(
                phase, operation, method.upper(), self.redactor.text(path), tuple(kept), digest, status
            )
        )
        # Identifiers and timestamps that first appear in a response were minted by the server.
        for value in _MINTABLE.findall(f"{response_text or ''}\n{response_location or ''}"):
            lowered = value.lower()
            if lowered not in self._sent and lowered not in self._minted:
                self._minted[lowered] = f"<minted-{len(self._minted) + 1}>"

    def digest(self) -> str:
        """SHA-256 over the normalised log (statuses excluded: they are the server's, not ours)."""
        sha = hashlib.sha256()
        for entry in self.entries:
            data = entry.to_dict()
            data.pop("status")
            sha.update(json.dumps(data, sort_keys=True).encode())
            sha.update(b"\n")
        return sha.hexdigest()

    def __len__(self) -> int:
        return len(self.entries)
