"""Fixtures of the fuzz tests: run a FuzzSession against an embedded reference server variant."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.auth import SchemeAuth
from conformance.config import Settings
from conformance.evidence import Redactor
from conformance.fuzz import FuzzSession, MemoryRecorder, SimpleContext
from conformance.reference import ReferenceServer
from conformance.resources import specs_dir

SPEC = specs_dir() / "klantinteracties-v1" / "openapi.yaml"
COLLECTIONS = ("/partijen", "/partij-identificatoren", "/digitaleadressen", "/klantcontacten", "/betrokkenen")
# Small budgets: the whole project's CI has to fit in ~20 minutes on 2 cores.
BUDGET = 2


@dataclass
class FuzzRun:
    server: ReferenceServer
    session: FuzzSession
    recorder: MemoryRecorder

    @property
    def section(self) -> dict[str, Any]:
        return self.recorder.sections["fuzz"]

    @property
    def requirements(self) -> set[str]:
        return {f.requirement for f in self.recorder.findings}

    def everything_written(self) -> str:
        """Every byte the fuzzer produced for reports and terminals, as one string."""
        return "\n".join(
            [
                json.dumps(self.section),
                json.dumps([f.to_dict() for f in self.recorder.findings]),
                json.dumps([e.to_dict() for e in self.session.log.entries]),
                *(str(o.error) for o in self.session.outcomes.values() if o.error),
            ]
        )


def counts(server: ReferenceServer) -> dict[str, int]:
    """``count`` of every collection, read with the server's own token."""
    headers = {"Authorization": f"Token {server.token}"}
    out = {}
    with httpx.Client(timeout=10) as client:
        for path in COLLECTIONS:
            out[path] = client.get(server.root_url + path, headers=headers).json()["count"]
    return out


@pytest.fixture
def fuzz_run() -> Iterator[Any]:
    servers: list[ReferenceServer] = []

    def run(
        variant: str = "reference",
        *,
        spec: Path = SPEC,
        token: str | None = None,
        finish: bool = True,
        **overrides: Any,
    ) -> FuzzRun:
        server = ReferenceServer(variant=variant).start()
        servers.append(server)
        values: dict[str, Any] = {"token": server.token, "fuzz_budget": BUDGET, "fuzz_max_time": 120.0}
        values.update(overrides)
        settings = Settings(**values)
        credential = token if token is not None else server.token
        recorder = MemoryRecorder()
        ctx = SimpleContext(
            settings=settings,
            auth=SchemeAuth(credential),
            redactor=Redactor.for_secrets([server.token, credential]),
            target_url=server.root_url,
            spec_path=spec,
            recorder=recorder,
        )
        session = FuzzSession(ctx)
        if finish:
            session.run_all()
        return FuzzRun(server, session, recorder)

    yield run
    for server in servers:
        server.stop()
