"""Test data hygiene: the run tag, the created/deleted/leaked account, and leftover removal.

Scenarios tag what they create with the run id where the API has a free-text field for it (the
profile names it: ``tagging`` in ``specs/profiles/*.yaml``; for Klantinteracties that is a partij's
``interneNotitie``). Every report says how many records the run created, deleted and left behind
(with their URLs), and where tagging was not possible. ``klanten-conformance cleanup --run-id ID``
lists the tagged collection and deletes what an earlier run left (a crash, a kill -9).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from conformance.auth import AuthMode, AuthProvider
from conformance.client import Client
from conformance.errors import ConfigError, TargetError
from conformance.profiles import Profile, Tagging
from conformance.results import CleanupRecord

TAG_PREFIX = "klanten-conformance run "
_MAX_PAGES = 1000  # a safety stop for a server whose `next` never ends
_DELETED = frozenset({200, 202, 204, 404, 410})


def run_tag(run_id: str) -> str:
    """The text scenarios put in the tag field (``{{ run_id }}`` in the scenario bodies)."""
    return TAG_PREFIX + run_id


def data_account(
    scenario_cleanups: Iterable[CleanupRecord], fuzz_cleanup: dict[str, Any] | None, tagging: Tagging | None
) -> dict[str, Any]:
    """The report's account of test data: created, deleted, leaked (with URLs), and tagging."""
    records = list(scenario_cleanups)
    leaked = [c.url or c.description for c in records if not c.ok]
    unaddressed = [c.description for c in records if c.unaddressed]
    created, deleted = len(records), sum(1 for c in records if c.ok)
    if fuzz_cleanup:
        fuzz_unaddressed = [str(u) for u in fuzz_cleanup.get("unaddressed", [])]
        created += int(fuzz_cleanup.get("created", 0)) + len(fuzz_unaddressed)
        deleted += int(fuzz_cleanup.get("deleted", 0))
        leaked += [f.get("url") or f.get("description", "") for f in fuzz_cleanup.get("failed", [])]
        leaked += fuzz_unaddressed
        unaddressed += fuzz_unaddressed
    return {
        "created": created,
        "deleted": deleted,
        "leaked": len(leaked),
        "leaked_urls": leaked,
        # Creations (2xx) whose answer gave no address: counted as created and as left behind.
        "unaddressed": unaddressed,
        "tagging": None
        if tagging is None
        else {
            "tag": f"{TAG_PREFIX}<run id>",
            "tagged": f"{tagging.collection} ({tagging.field})",
            "not_tagged": tagging.not_tagged,
        },
    }


class _Paging:
    """Whether the listing reached the last page (``next`` empty) or stopped at ``_MAX_PAGES``."""

    complete = True


def _pages(
    client: Client, auth: AuthProvider, collection: str, paging: _Paging | None = None
) -> Iterator[list[Any]]:
    path: str | None = collection
    for _ in range(_MAX_PAGES):
        if path is None:
            return
        reply, _ = client.send(
            step="find leftovers", method="GET", path=path, headers=auth.headers(AuthMode.DEFAULT)
        )
        if reply.status != 200:
            raise TargetError(f"GET {path} answered {reply.status}; cannot list {collection}")
        body = reply.json()
        if isinstance(body, list):
            yield body
            return
        if not isinstance(body, dict):
            raise TargetError(f"GET {path} answered a JSON {type(body).__name__}, not a page")
        yield list(body.get("results") or [])
        following = body.get("next")
        path = following if isinstance(following, str) and following else None
    if path is not None and paging is not None:
        paging.complete = False  # the safety stop: the pages after it were never looked at


def find_leftovers(client: Client, auth: AuthProvider, profile: Profile, run_id: str) -> list[str]:
    """URLs of the records in the profile's tagged collection that carry this run's tag."""
    return scan_leftovers(client, auth, profile, run_id)[0]


def scan_leftovers(
    client: Client, auth: AuthProvider, profile: Profile, run_id: str
) -> tuple[list[str], str | None]:
    """``find_leftovers``, and why the scan is incomplete (None when every page was read)."""
    tagging = profile.tagging
    if tagging is None:
        raise ConfigError(f"profile {profile.name} declares no tag field; leftovers cannot be found by tag")
    tag = run_tag(run_id)
    found: list[str] = []
    paging = _Paging()
    for page in _pages(client, auth, tagging.collection, paging):
        for record in page:
            if not isinstance(record, dict) or record.get(tagging.field) != tag:
                continue
            if isinstance(record.get("url"), str):
                found.append(record["url"])
    if paging.complete:
        return found, None
    return found, (
        f"stopped after {_MAX_PAGES} pages of {tagging.collection} (its `next` did not end): records on "
        "later pages were not examined"
    )


def remove(client: Client, auth: AuthProvider, urls: Iterable[str]) -> list[CleanupRecord]:
    """DELETE each URL; a 404/410 counts as removed (already gone)."""
    records = []
    for url in urls:
        try:
            reply, _ = client.send(
                step="cleanup", method="DELETE", path=url, headers=auth.headers(AuthMode.DEFAULT)
            )
        except (TargetError, ConfigError) as exc:
            records.append(CleanupRecord(f"DELETE {url}", None, False, str(exc), url))
            continue
        ok = reply.status in _DELETED
        error = None if ok else reply.text[:300]
        records.append(CleanupRecord(f"DELETE {url}", reply.status, ok, error, url))
    return records
