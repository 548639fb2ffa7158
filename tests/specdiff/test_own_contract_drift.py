"""Drift check: the project's contract against the upstream file it was written from (Open Klant 0.9.0).

Our contract is a subset of Open Klant's schema with the same paths, operationIds, field names,
types and enums; it documents error responses and input constraints upstream leaves out. So from
ours to upstream: no operation, field or enum value of ours may be missing, no operationId or
type may differ, and security must be the same. Differences that are allowed (upstream has more
operations and fields, fewer documented statuses, a polymorphic partij) are not asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.profiles import load_profile
from conformance.specdiff.changes import SpecDiff
from conformance.specdiff.compare import diff_specs
from conformance.specdiff.load import load_spec

UPSTREAM_FILE = "open-klant-2.18-klantinteracties-0.9.0.yaml"


@pytest.fixture(scope="module")
def drift(upstream_dir: Path) -> SpecDiff:
    ours = load_profile("klantinteracties-v1").spec_path
    return diff_specs(load_spec(ours), load_spec(upstream_dir / UPSTREAM_FILE))


def _where(diff: SpecDiff, *kinds: str) -> list[str]:
    return [f"{c.kind}: {c.where()} {c.old} → {c.new}" for c in diff.of_kind(*kinds)]


def test_every_operation_of_ours_exists_upstream_under_the_same_id(drift: SpecDiff) -> None:
    assert _where(drift, "operation-removed", "operation-id") == []


def test_no_field_or_parameter_of_ours_is_missing_upstream(drift: SpecDiff) -> None:
    assert _where(drift, "field-removed", "parameter-removed", "request-body-removed") == []


def test_no_field_of_ours_has_another_type_upstream(drift: SpecDiff) -> None:
    assert _where(drift, "type") == []


def test_no_enum_value_of_ours_is_unknown_upstream(drift: SpecDiff) -> None:
    missing = [
        c.where()
        for c in drift.of_kind("enum")
        if isinstance(c.old, list) and isinstance(c.new, list) and set(c.old) - set(c.new)
    ]
    assert missing == []


def test_security_is_the_same(drift: SpecDiff) -> None:
    assert _where(drift, "security", "security-scheme") == []


def test_upstream_partij_variants_are_compared_by_field_not_reported_removed(drift: SpecDiff) -> None:
    # upstream's Partij is a oneOf by soortPartij; ours is one object. The names of a persoon exist
    # only in the persoon and contactpersoon variants, the naam of an organisatie only in its own.
    variants = {(c.operation, c.location, c.field): c.new for c in drift.of_kind("variants")}
    assert variants[("GET /partijen/{uuid}", "response 200", "partijIdentificatie.naam")] == ["organisatie"]
    assert variants[("POST /partijen", "request", "partijIdentificatie.contactnaam.voornaam")] == [
        "contactpersoon",
        "persoon",
    ]
