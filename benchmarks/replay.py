"""The baseline of the runner benchmark: a bare httpx loop replaying recorded requests.

    KC_BENCH_TOKEN=… python benchmarks/replay.py RECORDED.json --target URL

Imports nothing of ``conformance`` (so that, run as a process, it measures only Python, httpx and
the target). The identifiers the recorded run got from its server (uuids, and the server's own
address inside URLs) differ on a fresh server, so each response teaches an ``IdentifierMap`` the
pairs "recorded value -> replayed value" and later requests are rewritten with it; without it the
replay would meet 404s and measure another server path. The credential in the recording is a
placeholder, filled from ``KC_BENCH_TOKEN``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
TOKEN_PLACEHOLDER = "${KC_BENCH_TOKEN}"
_SKIPPED_HEADERS = frozenset({"host", "content-length"})  # httpx sets them for the new target


@dataclass(frozen=True)
class Recorded:
    """One request as it was sent, with the response it got."""

    step: str
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: str | None
    status: int
    response: str
    location: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recorded:
        return cls(**{**data, "headers": [tuple(h) for h in data["headers"]]})


def save(path: Path, site: str, recorded: Sequence[Recorded]) -> None:
    """Write a recording; ``site`` is the recorded server's ``http://host:port``."""
    data = {"site": site, "requests": [asdict(r) for r in recorded]}
    path.write_text(json.dumps(data), encoding="utf-8")


def load(path: Path) -> tuple[str, list[Recorded]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["site"], [Recorded.from_dict(r) for r in data["requests"]]


def successes_first(recorded: Sequence[Recorded]) -> list[Recorded]:
    """A parallel set (consecutive identical requests of one step) with its 2xx answers first.

    The runner sends such a set at once and records the answers as they come; the replay sends them
    one after another, so the first one is the one that succeeds. Ordering the recording the same
    way keeps "recorded answer" and "replayed answer" about the same request."""
    out: list[Recorded] = []
    index = 0
    while index < len(recorded):
        end = index + 1
        first = recorded[index]
        while end < len(recorded) and _same_request(first, recorded[end]):
            end += 1
        group = recorded[index:end]
        out += sorted(group, key=lambda r: not 200 <= r.status < 300)
        index = end
    return out


def _same_request(a: Recorded, b: Recorded) -> bool:
    return (a.step, a.method, a.url, a.body) == (b.step, b.method, b.url, b.body)


def paired_strings(old: Any, new: Any) -> Iterator[tuple[str, str]]:
    """String leaves at the same place in two JSON values (lists pair by index)."""
    if isinstance(old, str) and isinstance(new, str):
        yield old, new
    elif isinstance(old, dict) and isinstance(new, dict):
        for key, value in old.items():
            if key in new:
                yield from paired_strings(value, new[key])
    elif isinstance(old, list) and isinstance(new, list):
        for a, b in zip(old, new, strict=False):
            yield from paired_strings(a, b)


class IdentifierMap:
    """Recorded identifiers -> the ones a fresh server gave: uuids, and the server's address."""

    def __init__(self, old_site: str, new_site: str) -> None:
        self.old_site = old_site.rstrip("/")
        self.new_site = new_site.rstrip("/")
        self.uuids: dict[str, str] = {}

    def learn(self, old_text: str, new_text: str) -> None:
        """Pair the uuids of a recorded response with those at the same place in its replay."""
        if old_text == new_text or UUID.search(old_text) is None:
            return
        try:
            pairs = list(paired_strings(json.loads(old_text), json.loads(new_text)))
        except ValueError:  # not JSON: the same text shape, uuid for uuid
            pairs = [(old_text, new_text)]
        for old, new in pairs:
            found_old, found_new = UUID.findall(old), UUID.findall(new)
            if len(found_old) != len(found_new):
                continue
            for a, b in zip(found_old, found_new, strict=True):
                self.uuids.setdefault(a.lower(), b)

    def apply(self, text: str) -> str:
        """``text`` with the recorded server's address and every learned uuid replaced."""
        if self.old_site != self.new_site:
            text = text.replace(self.old_site, self.new_site)
        if not self.uuids:
            return text
        return UUID.sub(lambda m: self.uuids.get(m.group(0).lower(), m.group(0)), text)


@dataclass
class ReplayResult:
    elapsed_s: float
    requests: int
    status_mismatches: int  # replayed status differs from the recorded one (0: the same server paths)


def replay(
    client: httpx.Client, recorded: Sequence[Recorded], ids: IdentifierMap, token: str
) -> ReplayResult:
    """Send every recorded request in order; learn identifiers from each answer. Only this is timed."""
    mismatches = 0
    started = time.perf_counter()
    for item in recorded:
        headers = [
            (name, ids.apply(value.replace(TOKEN_PLACEHOLDER, token)))
            for name, value in item.headers
            if name.lower() not in _SKIPPED_HEADERS
        ]
        body = None if item.body is None else ids.apply(item.body).encode()
        response = client.request(item.method, ids.apply(item.url), headers=headers, content=body)
        mismatches += response.status_code != item.status
        ids.learn(item.response, response.text)
        if item.location is not None and "location" in response.headers:
            ids.learn(item.location, response.headers["location"])
    return ReplayResult(time.perf_counter() - started, len(recorded), mismatches)


def new_site(target: str) -> str:
    """``http://host:port`` of an API root URL."""
    match = re.match(r"^(https?://[^/]+)", target)
    if match is None:
        raise ValueError(f"not an absolute URL: {target}")
    return match.group(1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("recording", type=Path)
    parser.add_argument("--target", required=True, help="the API root of a fresh reference server")
    args = parser.parse_args(argv)
    site, recorded = load(args.recording)
    token = os.environ.get("KC_BENCH_TOKEN", "")
    with httpx.Client(timeout=30) as client:
        result = replay(client, recorded, IdentifierMap(site, new_site(args.target)), token)
    print(json.dumps(asdict(result)))
    return 0 if result.status_mismatches == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
