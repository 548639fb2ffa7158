"""Scaling: the reference's throughput and the suite's run time at 1x, 10x and 100x stored partijen.

    python benchmarks/bench_scaling.py [--quick]

A SQLite file is seeded through the reference's storage layer (``Store``: its schema, one
transaction) with ``scale x BASE`` partijen, each with one BSN identificator (11-proef-valid, from
100000000 upward: outside the suite's own 999900000-999999999), and served by ``klanten-conformance
serve --db`` in a separate process, all scales at once. At each scale: requests per second of a
lookup by BSN (``GET /partijen?partijIdentificator__objectId=``), a retrieve (``GET /partijen/{uuid}``),
the first page and a random page of ``GET /partijen`` (100 per page), each over random seeded
records, the scales taking turns in rounds (so a neighbour's changing load falls on all alike); then
the suite's scenarios against each (``run --no-fuzz --target``, a process; twice, in mirrored order,
median). Each row compares 100x
(ours) with 1x (baseline); "flat" means within a noise margin of 1x (>= 0.8x for a rate, <= 1.25x
for a time), a margin this benchmark chose, not the issue. Figures only, no asserts.
"""

from __future__ import annotations

import contextlib
import random
import tempfile
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from benchlib import (
    CLI,
    ChildRun,
    Row,
    at_least,
    at_most,
    clean_env,
    fmt_s,
    median_of,
    ratio,
    run_child,
    served_reference,
    standalone,
    warm_up,
)

from conformance.reference.rules import elfproef
from conformance.reference.storage import Store
from conformance.reference.variants import get_variant

SCALES = (1, 10, 100)
PAGE_SIZE = 100


@dataclass(frozen=True)
class Seeded:
    bsns: list[str]
    uuids: list[str]


def bsns(count: int, start: int = 10_000_000) -> list[str]:
    """``count`` 11-proef-valid BSNs: each 8-digit prefix from ``start`` with its check digit."""
    found: list[str] = []
    prefix = start
    while len(found) < count:
        head = f"{prefix:08d}"
        check = sum(int(d) * w for d, w in zip(head, range(9, 1, -1), strict=True)) % 11
        if check <= 9 and elfproef(head + str(check)):
            found.append(head + str(check))
        prefix += 1
    return found


def seed(path: Path, count: int) -> Seeded:
    """``count`` partijen with one BSN each, written through the reference's ``Store``."""
    store = Store(str(path), get_variant("reference").switches)
    numbers = bsns(count)
    uuids = [str(uuidlib.uuid4()) for _ in range(count)]
    try:
        with store.transaction():
            for bsn, uuid in zip(numbers, uuids, strict=True):
                partij = store.insert(
                    "partij",
                    {"uuid": uuid, "soort": "persoon", "indicatie_actief": 1, "zelfstandig": 0,
                     "interne_notitie": "bench_scaling seed"},
                )  # fmt: skip
                group: dict[str, Any] = {"code_objecttype": "natuurlijk_persoon", "code_soort": "bsn",
                                         "object_id": bsn, "code_register": "brp"}  # fmt: skip
                group |= {"uuid": str(uuidlib.uuid4()), "partij_id": partij}
                store.insert("partij_identificator", group)
    finally:
        store.close()
    return Seeded(numbers, uuids)


def _batch(
    client: httpx.Client, paths: Callable[[], str], requests: int, budget_s: float
) -> tuple[int, float]:
    """Up to ``requests`` sequential GETs (each must answer 200), stopping early after ``budget_s``
    (a slow kind at 100x would otherwise take minutes): (requests sent, seconds)."""
    started = time.perf_counter()
    sent = 0
    while sent < requests and (sent < 2 or time.perf_counter() - started < budget_s):
        client.get(paths()).raise_for_status()
        sent += 1
    return sent, time.perf_counter() - started


@dataclass(frozen=True)
class Scale:
    records: int
    seed_s: float
    rates: dict[str, float]
    suite_s: float
    suite_exit: int


KINDS = ("lookup by BSN", "retrieve by uuid", "list, first page", "list, random page")
ROUNDS = 4  # the scales take turns, so a neighbour's changing load falls on all of them alike


def _paths(seeded: Seeded, rng: random.Random) -> dict[str, Callable[[], str]]:
    pages = max(1, len(seeded.uuids) // PAGE_SIZE)
    return {
        KINDS[0]: lambda: f"partijen?partijIdentificator__objectId={rng.choice(seeded.bsns)}",
        KINDS[1]: lambda: f"partijen/{rng.choice(seeded.uuids)}",
        KINDS[2]: lambda: f"partijen?pageSize={PAGE_SIZE}",
        KINDS[3]: lambda: f"partijen?pageSize={PAGE_SIZE}&page={rng.randint(1, pages)}",
    }


def measure(sizes: list[int], requests: int, suite_runs: int, work: Path) -> list[Scale]:
    """Seed one database per size, serve them all at once, and let the sizes take turns."""
    seeded: dict[int, Seeded] = {}
    seed_s: dict[int, float] = {}
    for records in sizes:
        started = time.perf_counter()
        seeded[records] = seed(work / f"seeded-{records}.sqlite3", records)
        seed_s[records] = time.perf_counter() - started
    sent = {(records, kind): 0 for records in sizes for kind in KINDS}
    spent = {(records, kind): 0.0 for records in sizes for kind in KINDS}
    suites: dict[int, list[ChildRun]] = {records: [] for records in sizes}
    with contextlib.ExitStack() as stack:
        servers = {r: stack.enter_context(served_reference(work / f"seeded-{r}.sqlite3")) for r in sizes}
        clients = {
            r: stack.enter_context(
                httpx.Client(
                    base_url=server.root_url + "/",
                    headers={"Authorization": f"Token {server.token}"},
                    timeout=60,
                )
            )
            for r, server in servers.items()
        }
        paths = {r: _paths(seeded[r], random.Random(r)) for r in sizes}
        for kind in KINDS:
            for records in sizes:
                clients[records].get(paths[records][kind]()).raise_for_status()  # warm-up
            for _ in range(ROUNDS):
                for records in sizes:
                    count, seconds = _batch(clients[records], paths[records][kind], requests // ROUNDS, 1.5)
                    sent[records, kind] += count
                    spent[records, kind] += seconds
        for index in range(suite_runs):
            for records in sizes if index % 2 == 0 else reversed(sizes):
                server = servers[records]
                command = [CLI, "run", "--no-fuzz", "--report-dir", str(work / f"report-{records}-{index}"),
                           "--target", server.root_url, "--", "-q"]  # fmt: skip
                env = clean_env(KLANTEN_CONFORMANCE_TOKEN=server.token)
                suites[records].append(run_child(command, env=env))
    return [
        Scale(
            records,
            seed_s[records],
            {kind: sent[records, kind] / spent[records, kind] for kind in KINDS},
            median_of([c.wall_s for c in suites[records]]),
            max(c.returncode for c in suites[records]),
        )
        for records in sizes
    ]


def rows(quick: bool) -> list[Row]:
    warm_up()
    base = 200 if quick else 1000
    requests = 50 if quick else 200
    with tempfile.TemporaryDirectory() as tmp:
        scales = measure([base * factor for factor in SCALES], requests, 1 if quick else 2, Path(tmp))
    first, last = scales[0], scales[-1]
    out = []
    for kind in KINDS:
        share = ratio(last.rates[kind], first.rates[kind])
        across = ", ".join(f"{s.records}: {s.rates[kind]:.0f}/s" for s in scales)
        out.append(
            Row(f"scaling: {kind} (req/s, 100x vs 1x)", f"{last.rates[kind]:.0f}/s",
                f"{first.rates[kind]:.0f}/s", share, "flat (>= 0.8x)", at_least(share, 0.8), across)
        )  # fmt: skip
    share = ratio(last.suite_s, first.suite_s)
    across = ", ".join(
        f"{s.records}: {fmt_s(s.suite_s)} (exit {s.suite_exit}, seeded in {fmt_s(s.seed_s)})" for s in scales
    )
    out.append(
        Row("scaling: suite --no-fuzz (100x vs 1x)", fmt_s(last.suite_s), fmt_s(first.suite_s), share,
            "flat (<= 1.25x)", at_most(share, 1.25), f"partijen stored -> {across}")
    )  # fmt: skip
    return out


if __name__ == "__main__":
    standalone(rows, __doc__)
