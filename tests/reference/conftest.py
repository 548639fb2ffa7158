"""Fixtures for the reference server tests: one server per variant per session, unique identifiers."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from conformance.reference import ReferenceServer
from conformance.reference.rules import elfproef

_rng = random.Random(20221206)
_used: set[str] = set()
_kvk = itertools.count(99_990_000 + _rng.randrange(5000))


def new_bsn() -> str:
    """A fresh 11-proef-valid number in 999900000-999999999 (also usable as RSIN)."""
    while True:
        candidate = str(_rng.randrange(999_900_000, 1_000_000_000))
        if elfproef(candidate) and candidate not in _used:
            _used.add(candidate)
            return candidate


def new_kvk() -> str:
    return str(next(_kvk))


def _group(objecttype: str, soort: str, object_id: str, register: str) -> dict[str, str]:
    return {
        "codeObjecttype": objecttype,
        "codeSoortObjectId": soort,
        "objectId": object_id,
        "codeRegister": register,
    }


def bsn_group(bsn: str) -> dict[str, str]:
    return _group("natuurlijk_persoon", "bsn", bsn, "brp")


def kvk_group(kvk: str) -> dict[str, str]:
    return _group("niet_natuurlijk_persoon", "kvk_nummer", kvk, "hr")


def rsin_group(rsin: str) -> dict[str, str]:
    return _group("niet_natuurlijk_persoon", "rsin", rsin, "hr")


def partij(*groups: dict[str, str], soort: str = "persoon") -> dict[str, Any]:
    body: dict[str, Any] = {"soortPartij": soort, "indicatieActief": True}
    if groups:
        body["partijIdentificatoren"] = [{"partijIdentificator": g} for g in groups]
    return body


def param_names(response: httpx.Response) -> list[str]:
    return [p["name"] for p in response.json().get("invalidParams", [])]


class Servers:
    """Starts each variant once and keeps it for the session."""

    def __init__(self) -> None:
        self._running: dict[str, ReferenceServer] = {}

    def get(self, variant: str) -> ReferenceServer:
        if variant not in self._running:
            self._running[variant] = ReferenceServer(variant=variant).start()
        return self._running[variant]

    def stop(self) -> None:
        for server in self._running.values():
            server.stop()


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    running = Servers()
    yield running
    running.stop()


def _client(server: ReferenceServer) -> httpx.Client:
    return httpx.Client(
        base_url=server.root_url, headers={"Authorization": f"Token {server.token}"}, timeout=10
    )


@pytest.fixture(scope="session")
def reference(servers: Servers) -> ReferenceServer:
    return servers.get("reference")


@pytest.fixture(scope="session")
def client(reference: ReferenceServer) -> Iterator[httpx.Client]:
    with _client(reference) as c:
        yield c


@pytest.fixture(scope="session")
def client_for(servers: Servers) -> Iterator[Callable[[str], httpx.Client]]:
    clients: dict[str, httpx.Client] = {}

    def make(variant: str) -> httpx.Client:
        if variant not in clients:
            clients[variant] = _client(servers.get(variant))
        return clients[variant]

    yield make
    for c in clients.values():
        c.close()
