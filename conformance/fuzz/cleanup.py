"""Every resource the fuzzer created, and their deletion at the end of the session.

A resource is "created" when a POST answered 2xx. Its address comes from, in order: the
``Location`` header, the body's ``url``, ``<request url>/<body uuid>``. A body without either but
with top-level objects that carry ``url`` (``/maak-klantcontact`` creates a klantcontact, a
betrokkene and an onderwerpobject at once) contributes each of them; nested references of an
ordinary resource are never touched. A DELETE the fuzzer itself sent with a 2xx/404 answer marks the
resource gone. Cleanup deletes the rest newest first (children before parents), retries the
failures once, and counts a 404/410 as already deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance.evidence import Redactor
from conformance.results import CleanupRecord

GONE = frozenset({404, 410})


def _json(body: bytes | None) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _norm(url: str) -> str:
    parts = urlsplit(url)
    return parts.path.rstrip("/")


@dataclass
class ResourceTracker:
    """Created resources in creation order, keyed by URL path (host-independent)."""

    target_url: str
    _created: dict[str, str] = field(default_factory=dict)  # path -> absolute url to DELETE
    unaddressed: list[str] = field(default_factory=list)  # 2xx creations that gave no address
    _gone: set[str] = field(default_factory=set)
    lost: list[str] = field(default_factory=list)  # units stopped hard: their in-flight creations unseen

    def _absolute(self, url: str) -> str | None:
        """``url`` rebased onto the target root when it points below the target's base path."""
        root = urlsplit(self.target_url)
        parts = urlsplit(url)
        base = root.path.rstrip("/")
        if not parts.path.startswith(base + "/"):
            return None
        return f"{root.scheme}://{root.netloc}{parts.path}"

    def _add(self, url: str | None) -> None:
        if not url:
            return
        absolute = self._absolute(url)
        if absolute is not None:
            self._created.setdefault(_norm(absolute), absolute)

    def observe(
        self, method: str, url: str, status: int, headers: dict[str, str], body: bytes | None
    ) -> None:
        """Feed one exchange the fuzzer made (any method)."""
        method = method.upper()
        if method == "DELETE" and (200 <= status < 300 or status in GONE):
            self._gone.add(_norm(url))
            return
        if method != "POST" or not 200 <= status < 300:
            return
        location = next((v for k, v in headers.items() if k.lower() == "location"), None)
        data = _json(body)
        if location:
            self._add(location)
            return
        if isinstance(data, dict):
            if isinstance(data.get("url"), str):
                self._add(data["url"])
                return
            if isinstance(data.get("uuid"), str):
                self._add(url.split("?", 1)[0].rstrip("/") + "/" + data["uuid"])
                return
            nested = [
                v["url"] for v in data.values() if isinstance(v, dict) and isinstance(v.get("url"), str)
            ]
            for address in nested:
                self._add(address)
            if nested:
                return
        if status == 201:  # a 200 to a POST may be a query; a 201 created something
            self.unaddressed.append(f"POST {urlsplit(url).path} answered {status} without an address")

    @property
    def created(self) -> list[str]:
        return list(self._created.values())

    def pending(self) -> list[str]:
        """Created and not yet known to be deleted, newest first."""
        return [url for path, url in reversed(self._created.items()) if path not in self._gone]

    def deleted_during_fuzz(self) -> int:
        return sum(1 for path in self._created if path in self._gone)

    def cleanup(self, client: httpx.Client, redactor: Redactor) -> CleanupReport:
        """DELETE every pending resource; one retry round for failures (dependency order)."""
        report = CleanupReport(
            created=len(self._created),
            deleted_during_fuzz=self.deleted_during_fuzz(),
            unaddressed=list(self.unaddressed),
        )
        failures: list[tuple[str, CleanupRecord]] = []
        for attempt in (1, 2):
            todo = self.pending() if attempt == 1 else [url for url, _ in failures]
            failures = []
            for url in todo:
                record = _delete(client, url, redactor)
                if record.ok:
                    self._gone.add(_norm(url))
                    report.deleted_at_cleanup += 1
                else:
                    failures.append((url, record))
            if not failures:
                break
        report.failed = [record for _, record in failures]
        report.failed += [
            CleanupRecord(
                f"{unit}: resources created by cases in flight when the engine was stopped hard",
                None,
                False,
                "not tracked, so not deleted: test data may be left on the target",
            )
            for unit in self.lost
        ]
        return report


def _delete(client: httpx.Client, url: str, redactor: Redactor) -> CleanupRecord:
    description = redactor.text(f"DELETE {url}")
    address = redactor.text(url)
    try:
        response = client.delete(url)
    except httpx.HTTPError as exc:
        return CleanupRecord(description, None, False, redactor.text(f"{type(exc).__name__}: {exc}"), address)
    ok = 200 <= response.status_code < 300 or response.status_code in GONE
    error = None if ok else redactor.text(response.text[:300])
    return CleanupRecord(description, response.status_code, ok, error, address)


@dataclass
class CleanupReport:
    """Created vs deleted; ``failed`` lists what is still on the target."""

    created: int = 0
    deleted_during_fuzz: int = 0
    deleted_at_cleanup: int = 0
    failed: list[CleanupRecord] = field(default_factory=list)
    unaddressed: list[str] = field(default_factory=list)  # created, left: nothing to delete them by

    @property
    def deleted(self) -> int:
        return self.deleted_during_fuzz + self.deleted_at_cleanup

    def to_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "deleted": self.deleted,
            "deleted_during_fuzz": self.deleted_during_fuzz,
            "deleted_at_cleanup": self.deleted_at_cleanup,
            "failed": [record.to_dict() for record in self.failed],
            "unaddressed": list(self.unaddressed),
        }
