"""No false fail from a well-behaved front end, and --read-only never writes (issue 21, causes 4, 5).

``tests.support.front_end`` stands in front of the embedded reference (a correct server): it logs
every request, answers 501 to methods it has no handler for (``http.server``'s default), and can
rate-limit writes with 429 like a gateway.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.fuzz.refusals import is_method_refusal
from conformance.reference.server import ReferenceServer
from tests.certification.test_inventory import _cli_run
from tests.support.front_end import WRITES, front_end


def _run(tmp_path: Path, url: str, token: str, *args: str) -> tuple[int, dict[str, Any]]:
    return _cli_run(tmp_path, "--target-url", url, "--token", token, *args)


def _verdict(report: dict[str, Any], requirement: str) -> str:
    return str(next(r["verdict"] for r in report["requirements"] if r["id"] == requirement))


def test_a_refused_undeclared_method_is_no_finding() -> None:
    assert is_method_refusal("QUERY", "GET /partijen", 501)
    assert is_method_refusal("POST", "GET /partijen/{uuid}", 405)
    assert not is_method_refusal("GET", "GET /partijen", 501)  # its own method: a server error
    assert not is_method_refusal("QUERY", "GET /partijen", 500)


@pytest.mark.parametrize("parallel", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_501_from_a_front_end_to_unknown_methods_fails_nothing(
    tmp_path: Path, parallel: tuple[str, ...]
) -> None:
    with ReferenceServer() as server, front_end(server.root_url) as gateway:
        fuzz = ("--fuzz-phases", "coverage", "--fuzz-budget", "1", "--seed", "3")
        _code, report = _run(
            tmp_path,
            gateway.url_for(server.root_url),
            server.token,
            *fuzz,
            "--",
            "-k",
            "fuzz and GET",
            *parallel,
        )
        unknown = [m for m, _ in gateway.log if m not in ("GET", "HEAD", "OPTIONS", *WRITES)]
    assert unknown, "the coverage phase sent no unknown method: the test proves nothing"
    server_errors = [f for f in report["contract_findings"] if f["requirement"] == "CONTRACT-NO-SERVER-ERROR"]
    assert server_errors == [], server_errors[:3]
    assert _verdict(report, "CONTRACT-NO-SERVER-ERROR") != "fail"


@pytest.mark.parametrize("parallel", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_read_only_sends_no_writing_request(tmp_path: Path, parallel: tuple[str, ...]) -> None:
    with ReferenceServer() as server, front_end(server.root_url) as logger:
        fuzz = ("--fuzz-phases", "examples,coverage", "--fuzz-budget", "1", "--seed", "3")
        _code, report = _run(
            tmp_path,
            logger.url_for(server.root_url),
            server.token,
            "--read-only",
            "true",
            *fuzz,
            "--",
            *parallel,
        )
        sent = list(logger.log)
    writes = sorted({f"{m} {p.split('?')[0]}" for m, p in sent if m not in ("GET", "HEAD", "OPTIONS")})
    assert sent and writes == [], writes[:10]
    assert report["test_data"]["created"] == 0


def test_a_gateway_throttling_the_race_makes_it_inconclusive_not_failed(tmp_path: Path) -> None:
    with ReferenceServer() as server, front_end(server.root_url, max_writes=4, hold_writes=True) as gateway:
        code, report = _run(
            tmp_path, gateway.url_for(server.root_url), server.token, "--no-fuzz", "--", "-k", "race"
        )
        throttled = gateway.throttled
    assert throttled > 0, "the gateway throttled nothing: the test proves nothing"
    race = next(s for s in report["scenarios"] if s["id"] == "KI-R4-duplicate-bsn-race")
    assert race["verdict"] == "inconclusive", race["message"]
    assert "throttled or unavailable" in race["message"]
    assert _verdict(report, "KLOK01-R4") == "inconclusive"
    assert code == 4
