"""Shared fixtures of the fault, hygiene and parallel-run tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance.reference.server import ReferenceServer

COLLECTIONS = ("partijen", "partij-identificatoren", "digitaleadressen", "klantcontacten", "betrokkenen")


def record_counts(server: ReferenceServer) -> dict[str, int]:
    headers = {"Authorization": f"Token {server.token}"}
    counts = {}
    for name in COLLECTIONS:
        response = httpx.get(f"{server.root_url}/{name}", headers=headers, params={"pageSize": 1}, timeout=30)
        counts[name] = response.json()["count"]
    return counts


@pytest.fixture
def persistent(tmp_path: Path) -> Iterator[ReferenceServer]:
    """A reference server on a database file, with one record that is not ours."""
    with ReferenceServer(db_path=str(tmp_path / "reference.sqlite3")) as server:
        response = httpx.post(
            f"{server.root_url}/partijen",
            headers={"Authorization": f"Token {server.token}"},
            json={"soortPartij": "persoon", "indicatieActief": True, "interneNotitie": "not ours"},
            timeout=30,
        )
        assert response.status_code == 201
        yield server


def run_args(server: ReferenceServer, tmp_path: Path, *extra: str) -> list[str]:
    return [
        "run",
        "--target-url",
        server.root_url,
        "--token",
        server.token,
        "--report-dir",
        str(tmp_path / "reports"),
        *extra,
    ]
