"""Partijen and partij-identificatoren: where KLOK01 R4, R5, R6 and R13 are decided.

Both collections write identificatoren, so both go through ``IdentificatorRules``: the same format
checks, the same R6 check and the same R13 refusal, whichever route a client takes. R4 (one partij
per BSN) is left to the database's unique index, which also covers identificatoren scoped with
``subIdentificatorVan`` and concurrent requests.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from typing import Any

from conformance.reference import problems, quirks, rules
from conformance.reference.problems import InvalidParam
from conformance.reference.service import Resource, Result, fk
from conformance.reference.storage import Row

_GROUP_COLUMNS = {
    "codeObjecttype": "code_objecttype",
    "codeSoortObjectId": "code_soort",
    "objectId": "object_id",
    "codeRegister": "code_register",
}


class IdentificatorRules(Resource):
    """Checks shared by every route that writes a partij-identificator."""

    def represent_identificator(self, row: Row, base: str) -> dict[str, Any]:
        partij = self.store.scalar("SELECT uuid FROM partij WHERE id = ?", (row["partij_id"],))
        sub = self.store.scalar("SELECT uuid FROM partij_identificator WHERE id = ?", (row["sub_van_id"],))
        return {
            "uuid": row["uuid"],
            "url": f"{base}/partij-identificatoren/{row['uuid']}",
            "identificeerdePartij": fk(base, "partijen", partij),
            "anderePartijIdentificator": row["andere"],
            "partijIdentificator": {key: row[column] for key, column in _GROUP_COLUMNS.items()},
            "subIdentificatorVan": fk(base, "partij-identificatoren", sub),
        }

    def check_item(
        self, item: dict[str, Any], prefix: str, *, own_id: int | None = None
    ) -> tuple[dict[str, Any], list[InvalidParam]]:
        """Columns for one identificator and the problems with it (format, parent)."""
        group = item["partijIdentificator"]
        errors = rules.identifier_problems(
            group, prefix=prefix + "partijIdentificator.", check_elfproef=self.switches.elfproef
        )
        sub: Row | None = None
        sub_ref = item.get("subIdentificatorVan")
        if sub_ref is not None:
            sub = self.store.by_uuid("partij_identificator", str(sub_ref["uuid"]).lower())
            if sub is None or sub["id"] == own_id:
                reason = f'Ongeldige uuid "{sub_ref["uuid"]}" - object bestaat niet.'
                errors.append(InvalidParam(prefix + "subIdentificatorVan", "does_not_exist", reason))
        if group["codeSoortObjectId"] == rules.VESTIGING and (sub is None or sub["code_soort"] != rules.KVK):
            errors.append(InvalidParam(prefix + "subIdentificatorVan", "invalid", rules.SUB_REQUIRED_REASON))
        columns = {column: group[key] for key, column in _GROUP_COLUMNS.items()}
        columns["sub_van_id"] = None if sub is None else sub["id"]
        columns["andere"] = item.get("anderePartijIdentificator", "")
        return columns, errors

    def check_link(self, partij: Row | None, name: str, current_partij: int | None = None) -> None:
        """KLOK01 R13: a partij registered without identificatoren never gets one."""
        if partij is None or partij["id"] == current_partij:
            return
        if partij["zelfstandig"] and not self.switches.zelfstandig_linkable:
            raise problems.invalid(name, rules.ZELFSTANDIG_REASON)

    def soorten_of(self, partij_id: int, exclude_id: int | None = None) -> list[str]:
        rows = self.store.all(
            "SELECT code_soort FROM partij_identificator WHERE partij_id = ? AND id != ?",
            (partij_id, exclude_id or -1),
        )
        return [row[0] for row in rows]


def _bsns(groups: list[dict[str, Any]]) -> list[str]:
    return [g["objectId"] for g in groups if g.get("codeSoortObjectId") == rules.BSN]


class PartijResource(IdentificatorRules):
    table = "partij"
    path = "partijen"

    def represent(self, row: Row, base: str) -> dict[str, Any]:
        identificatoren = self.store.all(
            "SELECT * FROM partij_identificator WHERE partij_id = ? ORDER BY id", (row["id"],)
        )
        betrokkenen = self.store.all(
            "SELECT uuid FROM betrokkene WHERE partij_id = ? ORDER BY id", (row["id"],)
        )
        adressen = self.store.all(
            "SELECT uuid FROM digitaal_adres WHERE partij_id = ? ORDER BY id", (row["id"],)
        )
        identificatie: dict[str, Any] = json.loads(row["identificatie"])
        identificatie["volledigeNaam"] = rules.volledige_naam(
            identificatie.get("contactnaam"), identificatie.get("naam", "")
        )
        actief: bool | str = bool(row["indicatie_actief"])
        if self.switches.drift_indicatie_actief:
            actief = "true" if actief else "false"
        geheim = row["indicatie_geheimhouding"]
        body: dict[str, Any] = {
            "uuid": row["uuid"],
            "url": f"{base}/partijen/{row['uuid']}",
            "interneNotitie": row["interne_notitie"],
            "betrokkenen": [fk(base, "betrokkenen", r[0]) for r in betrokkenen],
            "digitaleAdressen": [fk(base, "digitaleadressen", r[0]) for r in adressen],
            "partijIdentificatoren": [self.represent_identificator(r, base) for r in identificatoren]
            if self.switches.show_identificatoren
            else [],
            "soortPartij": row["soort"],
            "indicatieGeheimhouding": None if geheim is None else bool(geheim),
            "voorkeurstaal": row["voorkeurstaal"],
            "indicatieActief": actief,
            "partijIdentificatie": identificatie,
            "nummer": row["nummer"],
            # Upstream 0.9.0 requires these read-only lists; the reference has no categorie-relaties
            # or vertegenwoordigingen, so they are truthfully empty.
            "categorieRelaties": [],
            "vertegenwoordigden": [],
        }
        return quirks.extra_fields(self.switches.quirk, body)

    def filters(self, query: dict[str, Any]) -> tuple[list[str], list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if "soortPartij" in query:
            clauses.append("soort = ?")
            params.append(query["soortPartij"])
        inner: list[str] = []
        for key, column in _GROUP_COLUMNS.items():
            name = f"partijIdentificator__{key}"
            if name not in query or (key == "objectId" and not self.switches.bsn_filter):
                continue
            inner.append(f"pi.{column} = ?")
            params.append(query[name])
        if inner:
            condition = " AND ".join(inner)
            # IN, not a correlated EXISTS: SQLite then looks the identificator up by its index
            # (ix_identificator_object) instead of probing it for every stored partij.
            clauses.append(
                f"partij.id IN (SELECT pi.partij_id FROM partij_identificator pi WHERE {condition})"
            )
        return clauses, params

    def columns(self, body: dict[str, Any]) -> dict[str, Any]:
        simple = {
            "soortPartij": "soort",
            "voorkeurstaal": "voorkeurstaal",
            "interneNotitie": "interne_notitie",
        }
        values = {column: body[key] for key, column in simple.items() if key in body}
        if "indicatieActief" in body:
            values["indicatie_actief"] = int(body["indicatieActief"])
        if "indicatieGeheimhouding" in body:
            geheim = body["indicatieGeheimhouding"]
            values["indicatie_geheimhouding"] = None if geheim is None else int(geheim)
        if "partijIdentificatie" in body:
            values["identificatie"] = json.dumps(body["partijIdentificatie"], ensure_ascii=False)
        if "nummer" in body:  # B9045: settable; an empty nummer is no nummer
            values["nummer"] = body["nummer"] or None
        return values

    def _decided(self, body: dict[str, Any], row: Row | None) -> dict[str, Any]:
        """``columns`` with the standard's decisions applied: one name per soort (B1304), a nummer
        change never re-keys the partij (B4733), no dedupe of persons by name (B0862)."""
        values = self.columns(body)
        soort = body.get("soortPartij") or (row["soort"] if row is not None else "persoon")
        identificatie = body.get("partijIdentificatie")
        if identificatie is not None and not self.switches.both_names:
            values["identificatie"] = json.dumps(
                rules.names_of_soort(identificatie, soort), ensure_ascii=False
            )
        if self.switches.dedupe_by_name and identificatie is not None:
            self._refuse_known_name(identificatie, row)
        if (
            self.switches.nummer_rekeys
            and row is not None
            and values.get("nummer", row["nummer"]) != row["nummer"]
        ):
            values["uuid"] = str(uuidlib.uuid4())
        return values

    def _refuse_known_name(self, identificatie: dict[str, Any], row: Row | None) -> None:
        key = rules.person_key(identificatie)
        if key is None:
            return
        for other in self.store.all(
            "SELECT id, identificatie FROM partij WHERE id != ?", (-1 if row is None else row["id"],)
        ):
            if rules.person_key(json.loads(other["identificatie"])) == key:
                raise problems.invalid("partijIdentificatie", "Deze persoon is al geregistreerd.")

    def get(self, uuid: str) -> Row:
        """By uuid; the alternate-keys variant also by nummer or BSN (what B1767 and B4733 forbid)."""
        row = self.store.by_uuid(self.table, uuid)
        if row is None and self.switches.alternate_keys:
            row = self.store.one(
                "SELECT * FROM partij WHERE nummer = ? OR id IN (SELECT partij_id FROM partij_identificator "
                "WHERE code_soort = 'bsn' AND object_id = ?)",
                (uuid, uuid),
            )
        if row is None:
            raise problems.not_found()
        return row

    def plan(
        self, items: list[dict[str, Any]], name: str, *, soort: str | None = None, update: bool = False
    ) -> list[dict[str, Any]]:
        planned: list[dict[str, Any]] = []
        errors: list[InvalidParam] = []
        for i, item in enumerate(items):
            columns, problems_ = self.check_item(item, f"{name}.{i}.")
            planned.append(columns)
            errors.extend(problems_)
        soorten = [item["partijIdentificator"]["codeSoortObjectId"] for item in items]
        mixed = self.switches.bsn_with_nnp or (update and self.switches.quirk == quirks.NP_NNP_UPDATE)
        errors.extend(rules.combination_problems(soorten, name=name, bsn_with_nnp=mixed))
        errors.extend(quirks.soort_problem(self.switches.quirk, soort, soorten, name))
        if errors:
            raise problems.validation_error(errors)
        return planned

    def _require_identificatoren(self, items: list[dict[str, Any]]) -> None:
        if self.switches.identificator_required and not items:
            raise problems.invalid(
                "partijIdentificatoren", rules.IDENTIFICATOR_REQUIRED_REASON, code="required"
            )

    def create(self, body: dict[str, Any], base: str) -> Result:
        items: list[dict[str, Any]] = body.get("partijIdentificatoren") or []
        self._require_identificatoren(items)
        self.race_window(_bsns([item["partijIdentificator"] for item in items]))
        with self.store.transaction():
            planned = self.plan(items, "partijIdentificatoren", soort=body.get("soortPartij"))
            values = {
                "uuid": str(uuidlib.uuid4()),
                "zelfstandig": int(not items),
                **self._decided(body, None),
            }
            partij_id = self.store.insert("partij", values)
            for columns in planned:
                self.store.insert(
                    "partij_identificator", {**columns, "uuid": str(uuidlib.uuid4()), "partij_id": partij_id}
                )
            quirks.check_bsn(
                self.store,
                self.switches.quirk,
                "partij-create",
                _bsns([i["partijIdentificator"] for i in items]),
                partij_id,
            )
            row = self.store.one("SELECT * FROM partij WHERE id = ?", (partij_id,))
            assert row is not None
            return 201, self.represent(row, base)

    def update(self, uuid: str, body: dict[str, Any], base: str, *, partial: bool) -> Result:
        items: list[dict[str, Any]] | None = body.get("partijIdentificatoren")
        current = self.get(uuid)
        skip_link = not partial and self.switches.quirk == quirks.ZELFSTANDIG_VIA_PUT
        if items is not None:
            if items and not skip_link:
                self.check_link(current, "partijIdentificatoren")
            self._require_identificatoren(items)
            self.race_window(
                _bsns([item["partijIdentificator"] for item in items]), exclude_partij=current["id"]
            )
        with self.store.transaction():
            row = self.get(uuid)
            if items is not None:
                if items and not skip_link:
                    self.check_link(row, "partijIdentificatoren")
                planned = self.plan(
                    items, "partijIdentificatoren", soort=body.get("soortPartij", row["soort"]), update=True
                )
                self.store.execute("DELETE FROM partij_identificator WHERE partij_id = ?", (row["id"],))
                for columns in planned:
                    self.store.insert(
                        "partij_identificator",
                        {**columns, "uuid": str(uuidlib.uuid4()), "partij_id": row["id"]},
                    )
                bsns = _bsns([i["partijIdentificator"] for i in items])
                quirks.check_bsn(self.store, self.switches.quirk, "partij-update", bsns, row["id"])
            values = self._decided(body, row)
            self.store.update("partij", row["id"], values)
            return 200, self.represent(self.get(values.get("uuid", uuid)), base)


class IdentificatorResource(IdentificatorRules):
    table = "partij_identificator"
    path = "partij-identificatoren"

    def represent(self, row: Row, base: str) -> dict[str, Any]:
        return self.represent_identificator(row, base)

    def filters(self, query: dict[str, Any]) -> tuple[list[str], list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for key, column in _GROUP_COLUMNS.items():
            name = "partijIdentificator" + key[0].upper() + key[1:]
            if name in query:
                clauses.append(f"{column} = ?")
                params.append(query[name])
        return clauses, params

    def _write(self, row: Row | None, body: dict[str, Any], base: str) -> Result:
        """Create (``row`` None) or update one identificator, with every rule of every route."""
        own_id = None if row is None else row["id"]
        if row is not None and "identificeerdePartij" not in body:
            partij = self.store.one("SELECT * FROM partij WHERE id = ?", (row["partij_id"],))
        else:
            partij = self.lookup("partij", body.get("identificeerdePartij"), "identificeerdePartij")
            if row is None or self.switches.quirk != quirks.ZELFSTANDIG_VIA_MOVE:
                self.check_link(partij, "identificeerdePartij", None if row is None else row["partij_id"])
        item = dict(body)
        if row is not None:
            current = self.represent_identificator(row, base)
            for key in ("partijIdentificator", "subIdentificatorVan", "anderePartijIdentificator"):
                item.setdefault(key, current[key])
        columns, errors = self.check_item(item, "", own_id=own_id)
        if partij is not None:
            soorten = [*self.soorten_of(partij["id"], own_id), columns["code_soort"]]
            mixed = self.switches.bsn_with_nnp or self.switches.quirk == quirks.NP_NNP_SEPARATE
            errors.extend(
                rules.combination_problems(soorten, name="identificeerdePartij", bsn_with_nnp=mixed)
            )
            errors.extend(
                quirks.soort_problem(self.switches.quirk, partij["soort"], soorten, "identificeerdePartij")
            )
        if errors:
            raise problems.validation_error(errors)
        columns["partij_id"] = None if partij is None else partij["id"]
        fresh = self.save(row, columns)
        link_only = row is not None and "partijIdentificator" not in body
        route = (
            "identificator-create"
            if row is None
            else ("identificator-link" if link_only else "identificator-update")
        )
        bsns = [columns["object_id"]] if columns["code_soort"] == rules.BSN else []
        quirks.check_bsn(self.store, self.switches.quirk, route, bsns, columns["partij_id"])
        return (201 if row is None else 200), self.represent(fresh, base)

    def create(self, body: dict[str, Any], base: str) -> Result:
        self.race_window(_bsns([body["partijIdentificator"]]))
        return super().create(body, base)

    def update(self, uuid: str, body: dict[str, Any], base: str, *, partial: bool) -> Result:
        current = self.get(uuid)
        changed = (body.get("partijIdentificator") or {}).get("objectId", current["object_id"])
        if self.switches.identificator_immutable and changed != current["object_id"]:
            raise problems.invalid(
                "partijIdentificator.objectId", "Een partij-identificator is niet te wijzigen."
            )
        if "partijIdentificator" in body:
            self.race_window(_bsns([body["partijIdentificator"]]), exclude_id=current["id"])
        return super().update(uuid, body, base, partial=partial)
