"""Unit tests of the fuzz core: options, findings, cleanup tracking, request log."""

from __future__ import annotations

import pytest
import schemathesis

from conformance.errors import ConfigError
from conformance.evidence import Redactor
from conformance.fuzz import REFUSAL_STATUSES, FuzzOptions, parse_phases
from conformance.fuzz.cleanup import ResourceTracker
from conformance.fuzz.findings import FindingCollector, RawFailure
from conformance.fuzz.requestlog import RequestLog

ROOT = "http://127.0.0.1:8000/klantinteracties/api/v1"
U1 = "11111111-1111-4111-8111-111111111111"
U2 = "22222222-2222-4222-8222-222222222222"


def test_parse_phases_is_canonical_and_strict() -> None:
    assert parse_phases("stateful, coverage") == ("coverage", "stateful")
    with pytest.raises(ConfigError, match="unknown fuzz phase"):
        parse_phases("coverage,explore")
    with pytest.raises(ConfigError):
        parse_phases(" , ")


def test_options_validate_and_build_a_config_schemathesis_accepts() -> None:
    with pytest.raises(ConfigError):
        FuzzOptions(budget=0)
    options = FuzzOptions(seed=5, budget=3, phases=("fuzzing",))
    config = options.schemathesis_config(
        base_url=ROOT, headers={"Authorization": "Token x"}, phases=("fuzzing",)
    )
    schemathesis.Config.from_dict(config)  # raises on an unknown or mistyped key
    assert config["seed"] == 5 and config["workers"] == 1
    assert config["generation"]["database"] == "none"
    assert config["phases"]["stateful"]["enabled"] is False
    expected = config["checks"]["negative_data_rejection"]["expected-statuses"]
    assert expected == [str(s) for s in REFUSAL_STATUSES]
    assert not any(s.startswith("5") for s in expected)


def _failure(check: str, case: str, code: str = "ST101", status: int = 500) -> RawFailure:
    return RawFailure(
        check,
        "POST /partijen",
        code,
        "t",
        "m\nmore",
        "curl -H 'Authorization: Token s3cret-token'",
        case,
        status,
    )


def test_findings_are_deduplicated_redacted_and_5xx_is_not_negative_data() -> None:
    collector = FindingCollector(Redactor.for_secrets(["s3cret-token"]))
    batch = [
        _failure("not_a_server_error", "a"),
        _failure("negative_data_rejection", "a", "ST201"),
        _failure("status_code_conformance", "a", "ST103"),
        _failure("not_a_server_error", "b"),
    ]
    findings = collector.add_all(batch)
    # the 500's undocumented status is the same defect as the server error (issue 20)
    assert [f.requirement for f in findings] == ["CONTRACT-NO-SERVER-ERROR"]
    assert collector.occurrences() == 2
    assert all("s3cret-token" not in (f.reproduction or "") for f in findings)


def test_tracker_finds_created_resources_and_forgets_deleted_ones() -> None:
    tracker = ResourceTracker(ROOT)
    tracker.observe("POST", f"{ROOT}/partijen", 201, {"Location": f"{ROOT}/partijen/{U1}"}, None)
    tracker.observe(
        "POST",
        f"{ROOT}/betrokkenen",
        201,
        {},
        f'{{"url": "http://other:1/klantinteracties/api/v1/betrokkenen/{U2}"}}'.encode(),
    )
    tracker.observe("POST", f"{ROOT}/x", 201, {}, b'{"uuid": "abc"}')
    tracker.observe("POST", f"{ROOT}/partijen", 400, {}, b'{"url": "nope"}')
    tracker.observe("GET", f"{ROOT}/partijen", 200, {}, b"{}")
    assert tracker.created == [f"{ROOT}/partijen/{U1}", f"{ROOT}/betrokkenen/{U2}", f"{ROOT}/x/abc"]
    tracker.observe("DELETE", f"{ROOT}/partijen/{U1}", 204, {}, None)
    assert tracker.pending() == [f"{ROOT}/x/abc", f"{ROOT}/betrokkenen/{U2}"]  # newest first
    assert tracker.deleted_during_fuzz() == 1


def test_request_log_normalises_host_and_minted_ids_and_redacts() -> None:
    def run(port: int, minted: str, stamp: str = "2026-12-03T09:17:52.080559Z") -> RequestLog:
        log = RequestLog(
            f"http://127.0.0.1:{port}/klantinteracties/api/v1", Redactor.for_secrets(["s3cret-token"])
        )
        base = f"http://127.0.0.1:{port}/klantinteracties/api/v1"
        log.add(
            phase="stateful",
            operation="POST /partijen",
            method="POST",
            url=f"{base}/partijen",
            headers={"Authorization": "Token s3cret-token"},
            body=f'{{"ref": "{U1}"}}'.encode(),
            status=201,
            response_text=f'{{"uuid": "{minted}", "ref": "{U1}", "plaatsgevondenOp": "{stamp}"}}',
        )
        log.add(
            phase="stateful",
            operation="GET /partijen/{uuid}",
            method="GET",
            url=f"{base}/partijen/{minted}",
            headers={"Authorization": "Token s3cret-token"},
            body=None,
            status=200,
            response_text="{}",
        )
        # A stateful link sends the server's url and timestamp back in a body.
        log.add(
            phase="stateful",
            operation="POST /klantcontacten",
            method="POST",
            url=f"{base}/klantcontacten",
            headers={},
            body=f'{{"partij": "{base}/partijen/{minted}", "op": "{stamp}"}}'.encode(),
            status=201,
            response_text="{}",
        )
        return log

    first = run(1111, U2)
    second = run(2222, "33333333-3333-4333-8333-333333333333", "2026-12-03T09:17:57.409675Z")
    assert first.digest() == second.digest()

    def generated(stamp: str) -> str:  # a timestamp the fuzzer made up is ours: it must count
        log = RequestLog("http://127.0.0.1:1/klantinteracties/api/v1", Redactor.for_secrets([]))
        body = f'{{"op": "{stamp}"}}'.encode()
        log.add(
            phase="fuzzing", operation="POST /klantcontacten", method="POST",
            url="http://127.0.0.1:1/klantinteracties/api/v1/klantcontacten", headers={}, body=body,
            status=400, response_text=f'{{"echo": "{stamp}"}}',
        )  # fmt: skip
        return log.digest()

    assert generated("2000-01-01T00:00:00Z") != generated("2001-01-01T00:00:00Z")
    assert first.entries[1].path == "/partijen/<minted-1>"
    assert dict(first.entries[0].headers)["authorization"] == "Token [redacted]"


def test_a_5xx_is_one_finding_under_no_server_error() -> None:
    """A 500 is not also an undocumented status, a wrong body or content type (one defect, one MUST)."""
    collector = FindingCollector(Redactor())
    findings = collector.add_all(
        [
            _failure("not_a_server_error", "a"),
            _failure("status_code_conformance", "a", "ST103"),
            _failure("response_schema_conformance", "a", "ST104"),
            _failure("content_type_conformance", "a", "ST105"),
            _failure("status_code_conformance", "b", "ST103", status=418),  # no 5xx on case b: judged
        ]
    )
    assert [(f.requirement, f.source) for f in findings] == [
        ("CONTRACT-NO-SERVER-ERROR", "fuzz"),
        ("CONTRACT-STATUS", "fuzz"),
    ]
    assert "418" in findings[1].message


def test_a_finding_of_an_options_request_is_filed_under_options() -> None:
    """schemathesis covers GET /partijen with an OPTIONS request; its finding is OPTIONS /partijen's."""
    options = RawFailure(
        "not_a_server_error",
        "GET /partijen",
        "ST101",
        "t",
        "m",
        "curl -X OPTIONS",
        "c",
        500,
        method="OPTIONS",
    )
    collector = FindingCollector(Redactor())
    (finding,) = collector.add_all([options, _failure("not_a_server_error", "d")])[:1]
    assert finding.operation == "OPTIONS /partijen"
    assert {f.operation for f in collector.findings} == {"OPTIONS /partijen", "POST /partijen"}
    assert (
        RawFailure("x", "GET /partijen", "", "t", "m", "", "e", method="GET").filed_under == "GET /partijen"
    )
