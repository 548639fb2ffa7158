"""Fuzz findings follow the profile's policies and cite their basis (no network)."""

from __future__ import annotations

import jsonschema
import pytest

from conformance.discriminator import with_discriminators_applied
from conformance.evidence import Redactor
from conformance.fuzz.engine import Exchange
from conformance.fuzz.findings import BasisLookup, FindingCollector, RawFailure, problem_failures
from conformance.profiles import load_profile

PROFILE = load_profile("klantinteracties-v1")


def _failure(
    check: str, status: int, operation: str = "GET /partijen/{uuid}", case: str = "c1"
) -> RawFailure:
    return RawFailure(
        check=check,
        operation=operation,
        code="ST103",
        title="Undocumented HTTP status code",
        message=f"Received: {status}",
        curl="curl …",
        case_id=case,
        status=status,
    )


def test_status_failures_on_implicit_statuses_are_dropped_others_kept() -> None:
    collector = FindingCollector(
        Redactor.for_secrets([]),
        status_policy=PROFILE.status_policy,
        basis=BasisLookup(PROFILE.spec_path, PROFILE.source),
    )
    kept = collector.add_all(
        [
            _failure("status_code_conformance", 401, case="a"),
            _failure("status_code_conformance", 404, case="b"),
            _failure("status_code_conformance", 200, operation="DELETE /partijen/{uuid}", case="c"),
            _failure("status_code_conformance", 500, case="d"),
            _failure("status_code_conformance", 422, case="e"),
        ]
    )
    assert sorted(f.message.split(": ")[-1] for f in kept) == ["200", "422", "500"]
    assert {f.requirement for f in kept} == {"CONTRACT-STATUS"}
    delete = next(f for f in kept if f.operation == "DELETE /partijen/{uuid}")
    assert (
        delete.basis is not None and delete.basis["pointer"] == "/paths/~1partijen~1{uuid}/delete/responses"
    )
    assert delete.basis["document"]["version"] == "0.9.0"


def test_without_a_policy_every_undocumented_status_is_a_finding() -> None:
    collector = FindingCollector(Redactor.for_secrets([]))
    assert len(collector.add_all([_failure("status_code_conformance", 404)])) == 1


def _exchange(status: int, body: bytes, headers: dict[str, str] | None = None) -> Exchange:
    return Exchange(
        "coverage", "GET /partijen", "GET", "http://t/partijen", headers or {}, None, status, {}, body
    )


def test_problem_failures_judge_4xx_bodies_and_cite_the_profile() -> None:
    token = "s3cr3t-token"
    exchanges = [
        _exchange(404, b'{"detail": "Not found."}', {"Authorization": f"Token {token}"}),
        _exchange(200, b"{}"),
        _exchange(401, b'{"code": "c", "title": "t", "status": 401, "detail": "d", "instance": "i"}'),
    ]
    failures, judged = problem_failures(exchanges, PROFILE.problem_policy, Redactor.for_secrets([token]))
    assert judged and failures and all(f.status == 404 for f in failures)
    assert all(token not in f.curl for f in failures)
    collector = FindingCollector(
        Redactor.for_secrets([token]), basis=BasisLookup(PROFILE.spec_path, PROFILE.source)
    )
    [finding, *_] = collector.add_all(failures)
    assert finding.requirement == "CONTRACT-PROBLEM-DETAILS"
    assert finding.basis is not None and finding.basis["pointer"] == "/problem_details/schema"
    assert finding.basis["document"]["title"] == PROFILE.title


def test_a_discriminator_decides_its_oneof() -> None:
    document = {
        "components": {
            "schemas": {
                "P": {
                    "oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}],
                    "discriminator": {"propertyName": "kind", "mapping": {"a": "#/components/schemas/A"}},
                },
                "A": {"type": "object", "properties": {"kind": {"type": "string"}}},
                "B": {"type": "object", "properties": {"kind": {"type": "string"}, "x": {"type": "integer"}}},
            }
        }
    }

    def validate(doc: dict[str, object], body: object) -> None:
        schema = {**doc, "$ref": "#/components/schemas/P"}
        jsonschema.Draft4Validator(schema).validate(body)

    with pytest.raises(jsonschema.ValidationError, match="is valid under each of"):
        validate(document, {"kind": "a"})  # literally: valid under A and B
    applied = with_discriminators_applied(document)
    validate(applied, {"kind": "a"})  # explicit mapping: A
    validate(applied, {"kind": "B", "x": 1})  # implicit mapping: the schema name
    with pytest.raises(jsonschema.ValidationError):
        validate(applied, {"kind": "B", "x": "not an integer"})
    assert document["components"]["schemas"]["P"]["oneOf"][0] == {"$ref": "#/components/schemas/A"}  # copy
