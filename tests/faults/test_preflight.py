"""The preflight: a wrong root, another API, refused credentials or a faulty target stop the run
before any scenario, with one clear message, exit 3 and not a single `fail`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.auth import NoAuth, SchemeAuth
from conformance.client import Client, HttpLimits
from conformance.evidence import Redactor
from conformance.preflight import likely_root, run_preflight
from conformance.profiles import load_profile
from conformance.reference.server import ReferenceServer
from conformance.verdicts import Verdict
from tests.faults.test_faulty_targets import run_against
from tests.support.faulty_server import faulty
from tests.support.toy_server import make_app, running

PROFILE = load_profile("klantinteracties-v1")


def _client(root: str) -> Client:
    return Client(root, redactor=Redactor(), limits=HttpLimits(connect_timeout=1, read_timeout=1))


@pytest.fixture(scope="module")
def reference() -> Iterator[ReferenceServer]:
    with ReferenceServer(token="r" * 40) as server:
        yield server


def test_wrong_root_stops_the_run_without_a_single_fail(reference: ReferenceServer, tmp_path: Path) -> None:
    origin = reference.root_url.removesuffix("/klantinteracties/api/v1")
    proc, report = run_against(origin, tmp_path, "--no-fuzz", only=None)
    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    assert "fail" not in verdicts.values(), verdicts
    assert set(verdicts.values()) <= {"error", "not-applicable"}
    assert proc.returncode == 3
    assert report["scenarios"] == []  # nothing ran
    preflight = report["sections"]["preflight"]
    assert preflight["status"] == "failed"
    assert f"the API answers at {reference.root_url}" in preflight["message"]
    assert proc.stdout.count("klanten-conformance: preflight:") == 1  # one clear message
    assert all(r["reason"] == preflight["message"] for r in report["requirements"] if r["verdict"] == "error")


def test_refused_credentials_make_every_requirement_inconclusive(
    reference: ReferenceServer, tmp_path: Path
) -> None:
    proc, report = run_against(reference.root_url, tmp_path, "--no-fuzz", only=None)  # token "ttt…"
    assert proc.returncode == 3
    assert {r["verdict"] for r in report["requirements"]} <= {"inconclusive", "not-applicable"}
    assert "credentials are refused" in report["sections"]["preflight"]["message"]


def test_right_root_and_credentials_pass(reference: ReferenceServer) -> None:
    client = _client(reference.root_url)
    result = run_preflight(client, SchemeAuth(reference.token), PROFILE)
    assert result.status == "passed" and result.verdict is None and not result.warnings, result


def test_no_credentials_is_a_warning_not_a_stop(reference: ReferenceServer) -> None:
    result = run_preflight(_client(reference.root_url), NoAuth(), PROFILE)
    assert result.status == "passed"
    assert any("no credentials" in w for w in result.warnings)


def test_another_api_is_named() -> None:
    with running(make_app()) as base:  # the toy Items API under /api
        result = run_preflight(_client(base + "/api"), NoAuth(), PROFILE)
    assert result.failed and result.verdict is Verdict.ERROR
    assert "does not serve the API of profile klantinteracties-v1" in result.message
    assert "did you mean --target-url" in result.message and "/api/klantinteracties/api/v1" in result.message


def _versioned_app(version: str) -> Starlette:
    async def partijen(request: Request) -> JSONResponse:
        body = {"count": 0, "next": None, "previous": None, "results": []}
        return JSONResponse(body, headers={"API-version": version})

    return Starlette(routes=[Route("/klantinteracties/api/v1/partijen", partijen)])


def test_served_version_mismatch_is_a_warning() -> None:
    with running(_versioned_app("1.2.0")) as base:
        root = base + "/klantinteracties/api/v1"
        result = run_preflight(_client(root), SchemeAuth("x" * 40), PROFILE)
    assert result.status == "passed" and result.served_version == "1.2.0"
    assert any("1.2.0" in w and "0.9.0" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("mode", "found"),
    [
        ("hang", "does not answer"),
        ("drip", "does not answer"),
        ("500", "answered 500"),
        ("html502", "answered 502 with an HTML page"),
        ("reset", "does not answer"),
        ("malformed-json", "malformed JSON"),
        ("huge", "does not answer"),
        ("redirect-loop", "302 redirect to"),
    ],
)
def test_faulty_target_fails_the_preflight_with_a_reason(mode: str, found: str) -> None:
    with faulty(mode) as server:
        result = run_preflight(_client(server.root_url), SchemeAuth("x" * 40), PROFILE)
    assert result.failed and result.verdict is Verdict.ERROR
    assert found in result.message and "\n" not in result.message, result.message


def test_json_under_a_wrong_content_type_is_left_to_the_contract_checks() -> None:
    """The API is there; its content type is a CONTRACT-CONTENT-TYPE matter, not a wrong root."""
    with faulty("wrong-content-type") as server:
        result = run_preflight(_client(server.root_url), SchemeAuth("x" * 40), PROFILE)
    assert result.status == "passed"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("http://h", "http://h/klantinteracties/api/v1"),
        ("http://h/", "http://h/klantinteracties/api/v1"),
        ("http://h/klantinteracties/api/v1/partijen", "http://h/klantinteracties/api/v1"),
        ("http://h/klantinteracties/api/v1", None),
    ],
)
def test_likely_root(target: str, expected: str | None) -> None:
    assert likely_root(target, PROFILE) == expected
