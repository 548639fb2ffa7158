"""Throughput of the reference server: sequential and concurrent create + read of partijen.

Run: .venv/bin/python benchmarks/bench_reference.py [iterations]
Prints requests per second; no assertions (figures are recorded in docs/reference-server.md; the
reference at 1x/10x/100x stored partijen is `bench_scaling.py`).
"""

from __future__ import annotations

import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from conformance.reference import ReferenceServer
from conformance.reference.rules import elfproef


def _bsns(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    found: set[str] = set()
    while len(found) < count:
        candidate = str(rng.randrange(999_900_000, 1_000_000_000))
        if elfproef(candidate):
            found.add(candidate)
    return sorted(found)


def _body(bsn: str) -> dict[str, object]:
    group = {
        "codeObjecttype": "natuurlijk_persoon",
        "codeSoortObjectId": "bsn",
        "objectId": bsn,
        "codeRegister": "brp",
    }
    return {
        "soortPartij": "persoon",
        "indicatieActief": True,
        "partijIdentificatoren": [{"partijIdentificator": group}],
    }


def _create_and_read(client: httpx.Client, bsn: str) -> None:
    created = client.post("/partijen", json=_body(bsn))
    created.raise_for_status()
    client.get(f"/partijen/{created.json()['uuid']}").raise_for_status()


def main(iterations: int = 500, threads: int = 8) -> None:
    bsns = _bsns(iterations * 2, seed=7)
    with ReferenceServer() as server:
        headers = {"Authorization": f"Token {server.token}"}
        with httpx.Client(base_url=server.root_url, headers=headers) as client:
            start = time.perf_counter()
            for bsn in bsns[:iterations]:
                _create_and_read(client, bsn)
            elapsed = time.perf_counter() - start
            rate = 2 * iterations / elapsed
            print(f"sequential: {iterations} create+read in {elapsed:.2f} s = {rate:.0f} req/s")

        limits = httpx.Limits(max_connections=threads)
        with httpx.Client(base_url=server.root_url, headers=headers, limits=limits) as pooled:
            start = time.perf_counter()
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(lambda b: _create_and_read(pooled, b), bsns[iterations:]))
            elapsed = time.perf_counter() - start
            print(
                f"concurrent ({threads} threads): {iterations} create+read in {elapsed:.2f} s "
                f"= {2 * iterations / elapsed:.0f} req/s"
            )
            start = time.perf_counter()
            for page in range(1, 6):
                pooled.get("/partijen", params={"page": page, "pageSize": 100}).raise_for_status()
            elapsed = time.perf_counter() - start
            print(f"list: 5 pages of 100 partijen in {elapsed:.2f} s = {5 / elapsed:.1f} pages/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
