"""Klantcontacten, betrokkenen and digitale adressen: the interaction side of Klantinteracties.

A betrokkene without ``wasPartij`` is the other shape of a zelfstandige klant (KLOK01 R9, R13):
its contact data belong to one klantcontact, and it cannot be linked to a partij afterwards.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from conformance.reference import problems, quirks, rules
from conformance.reference.service import Resource, Result, fk
from conformance.reference.storage import Row
from conformance.reference.validation import parse_datetime


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class DigitaalAdresResource(Resource):
    table = "digitaal_adres"
    path = "digitaleadressen"
    reference_filters = (
        ("verstrektDoorPartij__uuid", "partij_id", "partij"),
        ("verstrektDoorBetrokkene__uuid", "betrokkene_id", "betrokkene"),
    )

    def represent(self, row: Row, base: str) -> dict[str, Any]:
        partij = self.store.scalar("SELECT uuid FROM partij WHERE id = ?", (row["partij_id"],))
        betrokkene = self.store.scalar("SELECT uuid FROM betrokkene WHERE id = ?", (row["betrokkene_id"],))
        return {
            "uuid": row["uuid"],
            "url": f"{base}/digitaleadressen/{row['uuid']}",
            "verstrektDoorBetrokkene": fk(base, "betrokkenen", betrokkene),
            "verstrektDoorPartij": fk(base, "partijen", partij),
            "adres": row["adres"],
            "soortDigitaalAdres": row["soort"],
            "isStandaardAdres": bool(row["is_standaard"]),
            "omschrijving": row["omschrijving"],
        }

    def _write(self, row: Row | None, body: dict[str, Any], base: str) -> Result:
        values: dict[str, Any] = {}
        if "verstrektDoorPartij" in body:
            partij = self.lookup("partij", body["verstrektDoorPartij"], "verstrektDoorPartij")
            values["partij_id"] = None if partij is None else partij["id"]
        if "verstrektDoorBetrokkene" in body:
            betrokkene = self.lookup("betrokkene", body["verstrektDoorBetrokkene"], "verstrektDoorBetrokkene")
            values["betrokkene_id"] = None if betrokkene is None else betrokkene["id"]
        for key, column in (
            ("adres", "adres"),
            ("soortDigitaalAdres", "soort"),
            ("omschrijving", "omschrijving"),
        ):
            if key in body:
                values[column] = body[key]
        if "isStandaardAdres" in body:
            values["is_standaard"] = int(body["isStandaardAdres"])
        fresh = self.save(row, values)
        row_id = fresh["id"]
        if fresh["is_standaard"] and fresh["partij_id"] is not None:
            # One standaard adres per partij and soort, as Open Klant keeps it.
            self.store.execute(
                "UPDATE digitaal_adres SET is_standaard = 0 WHERE partij_id = ? AND soort = ? AND id != ?",
                (fresh["partij_id"], fresh["soort"], row_id),
            )
        return (201 if row is None else 200), self.represent(fresh, base)


class KlantcontactResource(Resource):
    table = "klantcontact"
    path = "klantcontacten"

    def represent(self, row: Row, base: str) -> dict[str, Any]:
        betrokkenen = self.store.all(
            "SELECT uuid FROM betrokkene WHERE klantcontact_id = ? ORDER BY id", (row["id"],)
        )
        gelukt = row["indicatie_contact_gelukt"]
        return {
            "uuid": row["uuid"],
            "url": f"{base}/klantcontacten/{row['uuid']}",
            "hadBetrokkenen": [fk(base, "betrokkenen", r[0]) for r in betrokkenen],
            "kanaal": row["kanaal"],
            "onderwerp": row["onderwerp"],
            "inhoud": row["inhoud"],
            "indicatieContactGelukt": None if gelukt is None else bool(gelukt),
            "taal": row["taal"],
            "vertrouwelijk": bool(row["vertrouwelijk"]),
            "plaatsgevondenOp": row["plaatsgevonden_op"],
            # Upstream 0.9.0 requires these read-only lists; the reference has no onderwerpobjecten,
            # actoren, interne taken or bijlagen, so they are truthfully empty.
            "gingOverOnderwerpobjecten": [],
            "hadBetrokkenActoren": [],
            "leiddeTotInterneTaken": [],
            "omvatteBijlagen": [],
        }

    def filters(self, query: dict[str, Any]) -> tuple[list[str], list[Any]]:
        if "hadBetrokkene__wasPartij__uuid" not in query:
            return [], []
        clause = (
            "id IN (SELECT b.klantcontact_id FROM betrokkene b JOIN partij p ON p.id = b.partij_id "
            "WHERE p.uuid = ?)"
        )
        return [clause], [str(query["hadBetrokkene__wasPartij__uuid"]).lower()]

    def _write(self, row: Row | None, body: dict[str, Any], base: str) -> Result:
        values: dict[str, Any] = {k: body[k] for k in ("kanaal", "onderwerp", "inhoud", "taal") if k in body}
        if "vertrouwelijk" in body:
            values["vertrouwelijk"] = int(body["vertrouwelijk"])
        if "indicatieContactGelukt" in body:
            gelukt = body["indicatieContactGelukt"]
            values["indicatie_contact_gelukt"] = None if gelukt is None else int(gelukt)
        if "plaatsgevondenOp" in body:
            moment = parse_datetime(body["plaatsgevondenOp"])
            assert moment is not None  # the contract check already refused anything else
            values["plaatsgevonden_op"] = _iso(moment)
        if row is None:
            values.setdefault("plaatsgevonden_op", _iso(datetime.now(UTC)))
        fresh = self.save(row, values)
        return (201 if row is None else 200), self.represent(fresh, base)


class BetrokkeneResource(Resource):
    table = "betrokkene"
    path = "betrokkenen"
    reference_filters = (
        ("hadKlantcontact__uuid", "klantcontact_id", "klantcontact"),
        ("wasPartij__uuid", "partij_id", "partij"),
    )

    def represent(self, row: Row, base: str) -> dict[str, Any]:
        partij = self.store.scalar("SELECT uuid FROM partij WHERE id = ?", (row["partij_id"],))
        klantcontact = self.store.scalar(
            "SELECT uuid FROM klantcontact WHERE id = ?", (row["klantcontact_id"],)
        )
        adressen = self.store.all(
            "SELECT uuid FROM digitaal_adres WHERE betrokkene_id = ? ORDER BY id", (row["id"],)
        )
        contactnaam = None if row["contactnaam"] is None else json.loads(row["contactnaam"])
        return {
            "uuid": row["uuid"],
            "url": f"{base}/betrokkenen/{row['uuid']}",
            "wasPartij": fk(base, "partijen", partij),
            "hadKlantcontact": fk(base, "klantcontacten", klantcontact),
            "digitaleAdressen": [fk(base, "digitaleadressen", r[0]) for r in adressen],
            "contactnaam": contactnaam,
            "volledigeNaam": rules.volledige_naam(contactnaam, row["organisatienaam"]),
            "rol": row["rol"],
            "organisatienaam": row["organisatienaam"],
            "initiator": bool(row["initiator"]),
        }

    def update(self, uuid: str, body: dict[str, Any], base: str, *, partial: bool) -> Result:
        with self.store.transaction():
            return self._write(self.get(uuid), body, base, put=not partial)

    def _write(self, row: Row | None, body: dict[str, Any], base: str, *, put: bool = False) -> Result:
        values: dict[str, Any] = {}
        if "hadKlantcontact" in body:
            klantcontact = self.lookup("klantcontact", body["hadKlantcontact"], "hadKlantcontact")
            assert klantcontact is not None  # not nullable in the contract
            values["klantcontact_id"] = klantcontact["id"]
        if row is None and self.switches.betrokkene_limit and "hadKlantcontact" in body:
            self._refuse_beyond_limit(values["klantcontact_id"])
        if "wasPartij" in body and not (row is None and self.switches.betrokkene_drops_partij):
            partij = self.lookup("partij", body["wasPartij"], "wasPartij")
            values["partij_id"] = None if partij is None else partij["id"]
            linking = partij is not None and (row is None or partij["id"] != row["partij_id"])
            linkable = self.switches.zelfstandig_linkable or (
                put and self.switches.quirk == quirks.BETROKKENE_LINK_VIA_PUT
            )
            if linking and row is not None and row["zelfstandig"] and not linkable:
                raise problems.invalid("wasPartij", rules.ZELFSTANDIG_BETROKKENE_REASON)
        if "contactnaam" in body:
            naam = body["contactnaam"]
            values["contactnaam"] = None if naam is None else json.dumps(naam, ensure_ascii=False)
        for key in ("rol", "organisatienaam"):
            if key in body:
                values[key] = body[key]
        if "initiator" in body:
            values["initiator"] = int(body["initiator"])
        if row is None:
            values["zelfstandig"] = int(values.get("partij_id") is None)
            if values["zelfstandig"] and self.switches.quirk == quirks.BETROKKENE_NEEDS_PARTIJ:
                raise problems.invalid(
                    "wasPartij", "Een betrokkene moet bij een partij horen.", code="required"
                )
        fresh = self.save(row, values)
        return (201 if row is None else 200), self.represent(fresh, base)

    def _refuse_beyond_limit(self, klantcontact_id: int) -> None:
        """The betrokkene-limit variant: B2207's one klant per klantcontact, superseded by B7682."""
        count = self.store.scalar(
            "SELECT COUNT(*) FROM betrokkene WHERE klantcontact_id = ?", (klantcontact_id,)
        )
        if int(count) >= self.switches.betrokkene_limit:
            raise problems.invalid("hadKlantcontact", "Dit klantcontact heeft al een betrokkene.")
