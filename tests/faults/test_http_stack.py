"""The one HTTP stack: circuit breaker, response-size cap and overall request deadline, shared by the
scenario client and the fuzzer's own clients; and the run budget (``--max-duration``)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import httpx
import pytest

from conformance.auth import SchemeAuth
from conformance.client import (
    CircuitBreaker,
    Client,
    DeadlineExceeded,
    GuardedTransport,
    HttpLimits,
    ResponseTooLarge,
    TargetGone,
)
from conformance.config import Settings
from conformance.errors import TargetError
from conformance.evidence import Redactor
from conformance.fuzz import FuzzSession
from conformance.fuzz.context import SimpleContext
from conformance.profiles import load_profile
from tests.faults.test_faulty_targets import run_cli
from tests.support.faulty_server import faulty


def _guarded(handler: httpx.MockTransport, breaker: CircuitBreaker) -> httpx.Client:
    transport = GuardedTransport(max_response_bytes=1000, request_deadline=30, breaker=breaker, inner=handler)
    return httpx.Client(transport=transport)


def test_breaker_opens_after_consecutive_transport_errors_and_then_sends_nothing() -> None:
    calls = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request.url)
        raise httpx.ConnectError("connection refused")

    breaker = CircuitBreaker(threshold=3)
    with _guarded(httpx.MockTransport(refuse), breaker) as http:
        for _ in range(3):
            with pytest.raises(httpx.ConnectError):
                http.get("http://t/x")
        assert breaker.open and "target stopped answering" in breaker.reason
        with pytest.raises(TargetGone):
            http.get("http://t/x")
    assert len(calls) == 3  # the fourth request never reached the network


def test_answers_of_any_status_keep_the_breaker_closed() -> None:
    outcomes = iter(["refuse", "refuse", 500, "refuse", "refuse", 503, "refuse", "refuse"])

    def flaky(request: httpx.Request) -> httpx.Response:
        outcome = next(outcomes)
        if outcome == "refuse":
            raise httpx.ConnectError("refused")
        return httpx.Response(int(outcome), stream=httpx.ByteStream(b"{}"))  # read through the guard

    breaker = CircuitBreaker(threshold=3)
    with _guarded(httpx.MockTransport(flaky), breaker) as http:
        for _ in range(8):
            with contextlib.suppress(httpx.ConnectError):
                http.get("http://t/x")
    assert not breaker.open


def test_size_cap_applies_to_a_plain_client_of_the_run() -> None:
    limits = HttpLimits(1, 2, max_response_bytes=100_000)
    with faulty("huge") as server, limits.http_client() as http, pytest.raises(ResponseTooLarge):
        http.get(server.root_url + "/partijen")


def test_request_deadline_stops_a_slow_drip() -> None:
    limits = HttpLimits(connect_timeout=1, read_timeout=3)  # one byte a second never trips a read timeout
    with faulty("drip") as server, limits.http_client() as http, pytest.raises(DeadlineExceeded):
        http.get(server.root_url + "/partijen")


def test_client_reports_an_open_breaker_as_target_error() -> None:
    limits = HttpLimits(1, 1)
    for _ in range(limits.breaker.threshold):
        limits.breaker.failure("ConnectError: refused")
    client = Client("http://127.0.0.1:9/api", redactor=Redactor(), limits=limits)
    with pytest.raises(TargetError, match="target stopped answering"):
        client.send(step="s", method="GET", path="/x", headers={})


def test_fuzzers_own_clients_share_the_caps() -> None:
    profile = load_profile("klantinteracties-v1")
    settings = Settings(target_url="http://t", max_response_bytes=100_000, read_timeout=2, connect_timeout=1)
    with faulty("huge") as server:
        ctx = SimpleContext(settings, SchemeAuth("x" * 40), Redactor(), server.root_url, profile.spec_path)
        with FuzzSession(ctx)._client() as http, pytest.raises(ResponseTooLarge):
            http.get(server.root_url + "/partijen")


def test_max_duration_zero_reports_every_item_as_error_with_the_reason(tmp_path: Path) -> None:
    proc = run_cli(
        "run",
        "--no-fuzz",
        "--max-duration",
        "0",
        "--report-dir",
        str(tmp_path / "r"),
        "--",
        "-k",
        "R5",
        cwd=tmp_path,
    )
    assert proc.returncode == 3, proc.stdout[-3000:]
    report = json.loads((tmp_path / "r" / "conformance-report.json").read_text())
    assert report["scenarios"] and all(s["verdict"] == "error" for s in report["scenarios"])
    assert all("--max-duration" in s["message"] for s in report["scenarios"])
    assert report["test_data"]["created"] == 0


def test_max_duration_ends_cleanly_and_cleans_up(tmp_path: Path) -> None:
    """Whatever the machine's speed: each item passed or was not started, and nothing leaked; what the
    budget cut is not-run (exit 4), never passed."""
    proc = run_cli(
        "run", "--max-duration", "4", "--fuzz-budget", "1", "--report-dir", str(tmp_path / "r"), cwd=tmp_path
    )
    assert proc.returncode in (0, 3, 4), proc.stdout[-3000:]
    report = json.loads((tmp_path / "r" / "conformance-report.json").read_text())
    # On a slow machine the budget can end before fuzzing starts: then every fuzz unit counts as cut.
    fuzz = report["sections"].get("fuzz")
    units = fuzz["units"] if fuzz else {"(fuzzing never started)": {"skipped": True, "cut_short": True}}
    cut = [name for name, unit in units.items() if unit["skipped"] or unit["cut_short"]]
    contract = {r["id"]: r["verdict"] for r in report["requirements"] if r["id"].startswith("CONTRACT-")}
    if cut:  # no "pass" on the strength of the units that happened to finish in time
        assert proc.returncode in (3, 4) and "pass" not in contract.values(), (cut, contract)
    for scenario in report["scenarios"]:
        assert scenario["verdict"] == "pass" or "--max-duration" in scenario["message"], scenario
    assert report["test_data"]["leaked"] == 0


def test_schemathesis_requests_are_capped_too(tmp_path: Path) -> None:
    """The engine's own requests meet the size cap: a 100 MB answer is cut at the cap, not read whole."""
    from conformance.fuzz import engine
    from conformance.fuzz.transport import capped_sessions

    profile = load_profile("klantinteracties-v1")
    settings = Settings(fuzz_budget=1, fuzz_phases="coverage")
    with faulty("huge") as server:
        ctx = SimpleContext(settings, SchemeAuth("x" * 40), Redactor(), server.root_url, profile.spec_path)
        session = FuzzSession(ctx)
        schema = session._schema_for(("coverage",)).include(
            func=lambda c: c.operation.label == "GET /partijen"
        )
        with capped_sessions(HttpLimits(1, 5, max_response_bytes=100_000)):
            run = engine.execute(schema, time_left=60)
    assert all(len(e.response_body or b"") <= 100_000 for e in run.exchanges)
    assert any("larger than 100000 bytes" in str(error) for error in run.errors), run.errors
