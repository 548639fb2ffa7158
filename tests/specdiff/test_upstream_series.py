"""spec-diff over the published version series, checked against facts read from the files themselves.

Each test first asserts the fact in the raw YAML (plain dictionary look-ups, no project code), then
that the diff reports it, located and classified. Skipped when ../shared is absent.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.specdiff.changes import Change, SpecDiff
from conformance.specdiff.compare import diff_specs
from conformance.specdiff.load import load_spec

V003 = "open-klant-2.0.0-klantinteracties-0.0.3.yaml"
V004 = "open-klant-2.5.0-klantinteracties-0.0.4.yaml"
V021 = "open-klant-2.10.0-klantinteracties-0.2.1.yaml"
V060 = "open-klant-2.15.0-klantinteracties-0.6.0.yaml"
V090 = "open-klant-2.18-klantinteracties-0.9.0.yaml"
VNG_KLANTEN = "vng-klanten-api-1.0.0.yaml"
OK_KLANTEN = "open-klant-1.0.0-klanten-1.0.0.yaml"


@functools.cache
def _raw(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data


@functools.cache
def _diff(old: Path, new: Path) -> SpecDiff:
    return diff_specs(load_spec(old), load_spec(new))


class Pair:
    def __init__(self, upstream: Path, old: str, new: str) -> None:
        self.old = _raw(upstream / old)
        self.new = _raw(upstream / new)
        self.diff = _diff(upstream / old, upstream / new)

    def schema(self, side: str, name: str) -> dict[str, Any]:
        doc = self.old if side == "old" else self.new
        schema: dict[str, Any] = doc["components"]["schemas"][name]
        return schema

    def find(self, kind: str, operation: str, location: str, field: str | None = None) -> Change:
        found = [
            c
            for c in self.diff.changes
            if (c.kind, c.operation, c.location, c.field) == (kind, operation, location, field)
        ]
        assert len(found) == 1, f"{kind} {operation} {location} {field}: {[c.where() for c in found]}"
        return found[0]


def _param_names(doc: dict[str, Any], path: str, method: str) -> set[str]:
    return {p["name"] for p in doc["paths"][path][method].get("parameters", [])}


def test_0_0_3_to_0_0_4(upstream_dir: Path) -> None:
    pair = Pair(upstream_dir, V003, V004)
    # maak-klantcontact appears
    assert "/maak-klantcontact" not in pair.old["paths"] and "/maak-klantcontact" in pair.new["paths"]
    added = pair.find("operation-added", "POST /maak-klantcontact", "operation")
    assert added.operation_id == "maakKlantcontactCreate" and added.breaking_for_servers
    # the actor__naam filter of /internetaken disappears
    assert "actor__naam" in _param_names(pair.old, "/internetaken", "get")
    assert "actor__naam" not in _param_names(pair.new, "/internetaken", "get")
    removed = pair.find("parameter-removed", "GET /internetaken", "parameter query", "actor__naam")
    assert removed.breaking_for_clients and not removed.breaking_for_servers
    # indicatieGeheimhouding of a partij: no longer required, now nullable
    old_partij, new_partij = pair.schema("old", "Partij"), pair.schema("new", "Partij")
    assert "indicatieGeheimhouding" in old_partij["required"]
    assert "indicatieGeheimhouding" not in new_partij["required"]
    assert new_partij["properties"]["indicatieGeheimhouding"]["nullable"] is True
    required = pair.find("required", "GET /partijen/{uuid}", "response 200", "indicatieGeheimhouding")
    assert (required.old, required.new, required.breaking_for_clients) == (True, False, True)
    nullable = pair.find("nullable", "POST /partijen", "request", "indicatieGeheimhouding")
    assert (nullable.old, nullable.new, nullable.breaking_for_servers) == (False, True, True)
    assert pair.diff.summary()["operations_added"] == 1 and pair.diff.summary()["operations_removed"] == 0


def test_0_0_4_to_0_2_1_partij_becomes_polymorphic(upstream_dir: Path) -> None:
    pair = Pair(upstream_dir, V004, V021)
    old_partij, new_partij = pair.schema("old", "Partij"), pair.schema("new", "Partij")
    assert old_partij["type"] == "object" and "oneOf" not in old_partij
    assert new_partij["discriminator"]["propertyName"] == "soortPartij" and len(new_partij["oneOf"]) == 3
    # compared by the fields the variants have: nothing of the old partij is reported removed ...
    for operation, location in (("POST /partijen", "response 201"), ("GET /partijen/{uuid}", "response 200")):
        removed = [
            c
            for c in pair.diff.changes
            if c.operation == operation and c.location == location and c.kind == "field-removed"
        ]
        assert removed == [], [c.where() for c in removed]
    # ... and partijIdentificatie, which each variant brings in its own shape, is added
    assert "partijIdentificatie" not in old_partij["properties"]
    assert new_partij["oneOf"][1] == {"$ref": "#/components/schemas/persoon_PartijSerializer"}
    pair.find("field-added", "GET /partijen/{uuid}", "response 200", "partijIdentificatie")
    # PatchedPartij now points at the full variants, which require soortPartij
    assert "required" not in pair.schema("old", "PatchedPartij")
    assert "soortPartij" in pair.schema("new", "Base_PartijSerializer")["required"]
    required = pair.find("required", "PATCH /partijen/{uuid}", "request", "soortPartij")
    assert (required.old, required.new, required.breaking_for_clients) == (False, True, True)
    # bezoekadres.land: a 4-character Landentabel code became a 2-letter ISO 3166 code
    old_land = pair.schema("old", "PartijBezoekadres")["properties"]["land"]
    new_land = pair.schema("new", "PartijBezoekadres")["properties"]["land"]
    assert (old_land["minLength"], old_land["maxLength"], new_land["minLength"], new_land["maxLength"]) == (
        4,
        4,
        2,
        2,
    )
    land = pair.find("length", "POST /partijen", "request", "bezoekadres.land")
    assert (land.old, land.new, land.effect) == ([4, 4], [2, 2], "incompatible")
    assert land.breaking_for_clients and land.breaking_for_servers


def test_0_2_1_to_0_6_0(upstream_dir: Path) -> None:
    pair = Pair(upstream_dir, V021, V060)
    delete = ("/onderwerpobjecten/{uuid}", "delete")
    assert list(pair.old["paths"][delete[0]][delete[1]]["responses"]) == ["204"]
    assert "200" in pair.new["paths"][delete[0]][delete[1]]["responses"]
    pair.find("status-added", "DELETE /onderwerpobjecten/{uuid}", "response 200")
    assert "cascade" in _param_names(pair.new, *delete) - _param_names(pair.old, *delete)
    pair.find("parameter-added", "DELETE /onderwerpobjecten/{uuid}", "parameter query", "cascade")
    # verificatieDatum of a digitaal adres
    assert "verificatieDatum" not in pair.schema("old", "DigitaalAdres")["properties"]
    assert pair.schema("new", "DigitaalAdres")["properties"]["verificatieDatum"]["format"] == "date"
    added = pair.find("field-added", "POST /digitaleadressen", "request", "verificatieDatum")
    assert added.new["format"] == "date" and not added.new["required"] and not added.breaking_for_clients
    # a medewerker's telefoonnummer pattern was rewritten
    old_pattern = pair.schema("old", "Medewerker")["properties"]["telefoonnummer"]["pattern"]
    new_pattern = pair.schema("new", "Medewerker")["properties"]["telefoonnummer"]["pattern"]
    assert old_pattern != new_pattern
    pattern = pair.find("pattern", "POST /actoren", "request", "actorIdentificatie.telefoonnummer")
    assert (pattern.old, pattern.new, pattern.effect) == (old_pattern, new_pattern, "incompatible")
    assert pair.diff.summary()["operations_added"] == 0 and pair.diff.summary()["operations_removed"] == 0


def test_0_6_0_to_0_9_0(upstream_dir: Path) -> None:
    pair = Pair(upstream_dir, V060, V090)
    # the blank choice of the identificator codes is gone (BlankEnum no longer used)
    assert (
        "BlankEnum" in pair.old["components"]["schemas"]
        and "BlankEnum" not in pair.new["components"]["schemas"]
    )
    register = pair.find(
        "enum", "POST /partijen", "request", "partijIdentificatoren[].partijIdentificator.codeRegister"
    )
    assert (register.old, register.new) == (["", "brp", "hr"], ["brp", "hr"])
    assert register.breaking_for_clients and not register.breaking_for_servers
    # the partijIdentificator group of an identificator became required
    assert "partijIdentificator" not in pair.schema("old", "PartijIdentificator").get("required", [])
    assert "partijIdentificator" in pair.schema("new", "PartijIdentificator")["required"]
    required = pair.find("required", "POST /partij-identificatoren", "request", "partijIdentificator")
    assert (required.old, required.new, required.breaking_for_clients) == (False, True, True)
    # the _expand keys of a betrokkene switched to camelCase
    old_expand = pair.schema("old", "ExpandBetrokkene")["allOf"][1]["properties"]["_expand"]["properties"]
    new_expand = pair.schema("new", "ExpandBetrokkene")["allOf"][1]["properties"]["_expand"]["properties"]
    assert "digitale_adressen" in old_expand and "digitaleAdressen" in new_expand
    assert "digitale_adressen" not in new_expand
    # ... reported as a rename (issue 22 item 10), not an unrelated removal and addition
    renamed = pair.find(
        "field-renamed", "GET /betrokkenen/{uuid}", "response 200", "_expand.digitale_adressen"
    )
    assert (renamed.old, renamed.new) == ("_expand.digitale_adressen", "_expand.digitaleAdressen")
    assert renamed.breaking_for_clients  # a client reading the old name finds nothing
    assert not [
        c
        for c in pair.diff.changes
        if c.kind in ("field-removed", "field-added")
        and "_expand." in (c.field or "")
        and not any(mark in (c.field or "").split("_expand.")[1] for mark in ".[")
    ]
    # what changed inside a renamed field is still reported, under its new name
    pair.find(
        "field-added",
        "GET /klantcontacten/{uuid}",
        "response 200",
        "_expand.leiddeTotInterneTaken[].referentienummer",
    )
    # klantcontacten gain a referentienummer (field and filter)
    assert "referentienummer" not in pair.schema("old", "Klantcontact")["properties"]
    assert "referentienummer" in pair.schema("new", "Klantcontact")["properties"]
    pair.find("field-added", "POST /klantcontacten", "request", "referentienummer")
    assert "referentienummer" in _param_names(pair.new, "/klantcontacten", "get")
    pair.find("parameter-added", "GET /klantcontacten", "parameter query", "referentienummer")
    assert pair.diff.summary()["operations_added"] == 0 and pair.diff.summary()["operations_removed"] == 0


def test_vng_klanten_1_0_0_to_open_klant_klanten_1_0_0(upstream_dir: Path) -> None:
    pair = Pair(upstream_dir, VNG_KLANTEN, OK_KLANTEN)
    old_klant, new_klant = pair.schema("old", "Klant"), pair.schema("new", "Klant")
    # websiteUrl: required with minLength 1 at VNG, optional without a minimum at Open Klant
    assert "websiteUrl" in old_klant["required"] and "websiteUrl" not in new_klant["required"]
    assert old_klant["properties"]["websiteUrl"]["minLength"] == 1
    assert "minLength" not in new_klant["properties"]["websiteUrl"]
    required = pair.find("required", "POST /klanten", "request", "websiteUrl")
    assert (required.old, required.new, required.breaking_for_servers) == (True, False, True)
    length = pair.find("length", "POST /klanten", "request", "websiteUrl")
    assert (length.old, length.new, length.effect) == ([1, 1000], [None, 1000], "looser")
    # Open Klant adds aanmaakkanaal and geverifieerd
    assert set(new_klant["properties"]) - set(old_klant["properties"]) == {"aanmaakkanaal", "geverifieerd"}
    assert {
        c.field for c in pair.diff.changes if c.kind == "field-added" and c.operation == "POST /klanten"
    } == {
        "aanmaakkanaal",
        "geverifieerd",
    }
    # and geboortedatum filters on /klanten
    new_filters = _param_names(pair.new, "/klanten", "get") - _param_names(pair.old, "/klanten", "get")
    assert "subjectNatuurlijkPersoon__geboortedatum" in new_filters
    added = {c.field for c in pair.diff.changes if c.kind == "parameter-added"}
    assert added == new_filters
    # same operations, same security
    assert pair.diff.summary()["operations_added"] == pair.diff.summary()["operations_removed"] == 0
    assert not pair.diff.of_kind("security", "security-scheme")


@pytest.mark.parametrize(("old", "new"), [(V003, V004), (V004, V021), (V021, V060), (V060, V090)])
def test_no_operation_changes_its_id_across_the_series(upstream_dir: Path, old: str, new: str) -> None:
    assert not _diff(upstream_dir / old, upstream_dir / new).of_kind("operation-id")
