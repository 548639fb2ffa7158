"""Klanten of the legacy Klanten API 1.0: where KLOK01 is decided for this API.

The legacy API identifies a klant through ``subject`` (a URL into the BRP or HR) or
``subjectIdentificatie`` (a group chosen by ``subjectType``). The reference honours KLOK01 where
VNG's 1.0 server does not: one klant per BSN and per natuurlijk-persoon subject URL (R4, unique
indexes), any number per RSIN (R5), one subjectType per klant that never changes (R6), a klant
without identifying data is accepted (R9) and never gets it later (R13).
"""

from __future__ import annotations

import json
from typing import Any

from conformance.reference import problems, quirks, registers, rules
from conformance.reference.problems import InvalidParam
from conformance.reference.service import Resource, Result
from conformance.reference.storage import Row, Store
from conformance.reference.variants import Switches

NP, NNP, VESTIGING = "natuurlijk_persoon", "niet_natuurlijk_persoon", "vestiging"

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS klant (
        id INTEGER PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        bronorganisatie TEXT NOT NULL,
        klantnummer TEXT NOT NULL,
        gegevens TEXT NOT NULL DEFAULT '{}',
        subject TEXT NOT NULL DEFAULT '',
        subject_type TEXT,
        identificatie TEXT,
        inp_bsn TEXT,
        inn_nnp_id TEXT,
        vestigings_nummer TEXT,
        zelfstandig INTEGER NOT NULL,
        UNIQUE (bronorganisatie, klantnummer)
    )""",
    "CREATE INDEX IF NOT EXISTS ix_klant_nnp ON klant(inn_nnp_id)",
)
# R4, both ways: one klant per BSN and per natuurlijk-persoon subject URL (a URL without a
# subjectType is taken to be one too: its kind is unknown, so it may be a person).
_R4_INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_klant_bsn ON klant(inp_bsn) WHERE inp_bsn IS NOT NULL",
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_klant_np_subject ON klant(subject) "
    "WHERE subject != '' AND (subject_type IS NULL OR subject_type = 'natuurlijk_persoon')",
)
_NNP_UNIQUE = (
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_klant_nnp ON klant(inn_nnp_id) WHERE inn_nnp_id IS NOT NULL"
)

# Plain klantgegevens, stored as one JSON document; the identifying ones have columns.
GEGEVENS = (
    "bedrijfsnaam",
    "functie",
    "websiteUrl",
    "voornaam",
    "voorvoegselAchternaam",
    "achternaam",
    "telefoonnummer",
    "emailadres",
    "adres",
)
_FORMATTED = ("subject", "emailadres")
# subjectType -> (identifying key in subjectIdentificatie, its column, 11-proef, label)
KEYS: dict[str, tuple[str, str, bool, str]] = {
    NP: ("inpBsn", "inp_bsn", True, "BSN"),
    NNP: ("innNnpId", "inn_nnp_id", True, "RSIN"),
    VESTIGING: ("vestigingsNummer", "vestigings_nummer", False, ""),
}
# The properties of each upstream subjectIdentificatie group that the contract declares.
GROUP_FIELDS: dict[str, frozenset[str]] = {
    NP: frozenset(
        {
            "inpBsn",
            "anpIdentificatie",
            "inpANummer",
            "geslachtsnaam",
            "voorvoegselGeslachtsnaam",
            "voorletters",
            "voornamen",
            "geslachtsaanduiding",
            "geboortedatum",
        }
    ),
    NNP: frozenset({"innNnpId", "annIdentificatie", "statutaireNaam", "bezoekadres"}),
    VESTIGING: frozenset({"vestigingsNummer", "handelsnaam"}),
}

ZELFSTANDIG_REASON = (
    "Een zelfstandige klant (geregistreerd zonder identificerende gegevens) kan achteraf niet aangehaakt "
    "worden: subject en de identificerende gegevens in subjectIdentificatie kunnen niet toegevoegd "
    "worden (KLOK01)."
)
SUBJECT_TYPE_FIXED_REASON = "Het wijzigen van het attribuut is niet toegestaan (subjectType, KLOK01)."
SUBJECT_TYPE_NEEDED_REASON = "subjectType is verplicht wanneer subjectIdentificatie opgegeven is."
SUBJECT_REQUIRED_REASON = "subject or subjectIdentificatie must be provided"


def install(store: Store, switches: Switches) -> None:
    """Create the klant table and the indexes this variant's rules need, in the shared store."""
    for statement in SCHEMA:
        store.execute(statement)
    if switches.bsn_uniqueness != "none" and switches.quirk != quirks.KLANT_BSN_ON_CREATE_ONLY:
        for statement in _R4_INDEXES:
            if switches.quirk == quirks.BSN_PER_BRONORGANISATIE:  # per gemeente: a conformant reading
                statement = statement.replace(
                    "ux_klant_bsn ON klant(inp_bsn)", "ux_klant_bsn ON klant(bronorganisatie, inp_bsn)"
                )
            store.execute(statement)
    if switches.kvk_unique:
        store.execute(_NNP_UNIQUE)


def _number_problem(value: str, name: str, label: str, *, check_elfproef: bool) -> InvalidParam | None:
    """A 9-digit BSN or RSIN: digits and length, and the 11-proef unless the variant skips it."""
    if len(value) != 9 or not (value.isascii() and value.isdigit()):
        return InvalidParam(name, "invalid", f"Onjuist {label} nummer: 9 cijfers verwacht.")
    if check_elfproef and not rules.elfproef(value):
        return InvalidParam(name, "invalid", f"Onjuist {label} nummer.")
    return None


class KlantResource(Resource):
    """/klanten of the legacy API."""

    table = "klant"
    path = "klanten"

    # -- representation ---------------------------------------------------------------------------
    def represent(self, row: Row, base: str) -> dict[str, Any]:
        gegevens = json.loads(row["gegevens"])
        shown = self.switches.show_identificatoren
        body: dict[str, Any] = {
            "url": f"{base}/{self.path}/{row['uuid']}",
            "bronorganisatie": row["bronorganisatie"],
            "klantnummer": row["klantnummer"],
            **{key: gegevens.get(key, "") for key in GEGEVENS if key != "adres"},
            "adres": gegevens.get("adres"),
            "subject": row["subject"] if shown else "",
            "subjectType": row["subject_type"] if shown else None,
            "subjectIdentificatie": None,
        }
        if shown and row["identificatie"]:
            body["subjectIdentificatie"] = json.loads(row["identificatie"])
        # The contract gives these a format (uri, email) that an empty string does not meet, so an
        # unset one is left out rather than rendered "" as DRF would.
        for key in _FORMATTED:
            if not body[key]:
                del body[key]
        return quirks.extra_fields(self.switches.quirk, body)

    def filters(self, query: dict[str, Any]) -> tuple[list[str], list[Any]]:
        columns = {
            "bronorganisatie": "bronorganisatie",
            "klantnummer": "klantnummer",
            "subject": "subject",
            "subjectType": "subject_type",
            "subjectNatuurlijkPersoon__inpBsn": "inp_bsn",
            "subjectVestiging__vestigingsNummer": "vestigings_nummer",
        }
        if self.switches.nnp_filter:
            columns["subjectNietNatuurlijkPersoon__innNnpId"] = "inn_nnp_id"
        clauses = [f"{column} = ?" for name, column in columns.items() if name in query]
        params = [query[name] for name in columns if name in query]
        for name in ("achternaam", "emailadres"):
            if name in query:
                clauses.append(f"json_extract(gegevens, '$.{name}') = ?")
                params.append(query[name])
        return clauses, params

    def list_page(self, query: dict[str, Any], base: str, url: str) -> Result:
        """As DRF, except that a page past the last is an empty 200: the 1.0 contract documents no
        404 on klant_list."""
        try:
            return super().list_page(query, base, url)
        except problems.ApiError as error:
            if error.status != 404:
                raise
            last = super().list_page({k: v for k, v in query.items() if k != "page"}, base, url)[1]
            return 200, {**last, "next": None, "previous": None, "results": []}

    # -- writes -----------------------------------------------------------------------------------
    def create(self, body: dict[str, Any], base: str) -> Result:
        self._check_subject(body)
        return super().create(body, base)

    def update(self, uuid: str, body: dict[str, Any], base: str, *, partial: bool) -> Result:
        self._check_subject(body)
        return super().update(uuid, body, base, partial=partial)

    def _check_subject(self, body: dict[str, Any]) -> None:
        """The strict mode: a ``subject`` the server cannot fetch is refused (``bad-url``), before any
        transaction (the fetch must not hold the store)."""
        subject = body.get("subject")
        if self.switches.fetch_subject and subject and not registers.fetchable(str(subject)):
            raise problems.invalid("subject", registers.BAD_URL_REASON, code="bad-url")

    def _write(self, row: Row | None, body: dict[str, Any], base: str) -> Result:
        errors: list[InvalidParam] = []
        old_gegevens = json.loads(row["gegevens"]) if row is not None else {}
        gegevens = {**old_gegevens, **{k: body[k] for k in GEGEVENS if k in body}}
        bron = body.get("bronorganisatie", row["bronorganisatie"] if row is not None else "")
        if "bronorganisatie" in body:
            problem = _number_problem(bron, "bronorganisatie", "RSIN", check_elfproef=self.switches.elfproef)
            errors += [problem] if problem else []
        identity = self._identity(row, body, errors)
        if errors:
            raise problems.validation_error(errors)
        if row is None and self._bsn_taken(identity.get("inp_bsn")):
            raise problems.validation_error(
                [InvalidParam("subjectIdentificatie.inpBsn", "unique", problems.UNIQUE_REASON)]
            )
        identifying = bool(identity["subject"]) or any(identity[column] for _, column, _, _ in KEYS.values())
        if row is None and self.switches.identificator_required and not self._has_subject(body):
            if self.switches.missing_subject_status >= 500:
                raise problems.server_error()
            raise problems.invalid("nonFieldErrors", SUBJECT_REQUIRED_REASON, code="invalid-subject")
        if row is not None and row["zelfstandig"] and identifying and not self.switches.zelfstandig_linkable:
            raise problems.invalid("subjectIdentificatie", ZELFSTANDIG_REASON, code="zelfstandige-klant")
        values = {
            "bronorganisatie": bron,
            "klantnummer": body.get("klantnummer", row["klantnummer"] if row is not None else ""),
            "gegevens": json.dumps(gegevens, ensure_ascii=False),
            **identity,
        }
        if row is None:
            values["zelfstandig"] = int(not identifying)
        saved = self.save(row, values)
        return (201 if row is None else 200), self.represent(saved, base)

    def _bsn_taken(self, bsn: str | None) -> bool:
        """The klant-bsn-unique-on-create-only quirk's check (no index; creates only)."""
        if self.switches.quirk != quirks.KLANT_BSN_ON_CREATE_ONLY or not bsn:
            return False
        return self.store.one("SELECT 1 FROM klant WHERE inp_bsn = ?", (bsn,)) is not None

    @staticmethod
    def _has_subject(body: dict[str, Any]) -> bool:
        """VNG's own test: ``subject`` or ``subjectIdentificatie`` is present (names alone will do)."""
        return bool(body.get("subject")) or body.get("subjectIdentificatie") is not None

    def _identity(self, row: Row | None, body: dict[str, Any], errors: list[InvalidParam]) -> dict[str, Any]:
        """The identifying columns after this write: subject, subjectType, the group and its keys."""
        old_type = row["subject_type"] if row is not None else None
        new_type = body.get("subjectType", old_type)
        mixed = self.switches.bsn_with_nnp or (
            row is not None and self.switches.quirk == quirks.KLANT_MIXED_ON_UPDATE
        )
        if row is not None and old_type is not None and new_type != old_type and not mixed:
            errors.append(InvalidParam("subjectType", "wijzigen-niet-toegelaten", SUBJECT_TYPE_FIXED_REASON))
            return {}
        old_group = json.loads(row["identificatie"]) if row is not None and row["identificatie"] else None
        group = body.get("subjectIdentificatie", old_group)
        if group is not None and new_type is None:
            errors.append(InvalidParam("subjectType", "required", SUBJECT_TYPE_NEEDED_REASON))
            return {}
        if group is not None and mixed:
            group = {**(old_group or {}), **group}  # the defect: every identity sent is kept
        elif group is not None:
            group = {k: v for k, v in group.items() if k in GROUP_FIELDS[str(new_type)]}
        identity: dict[str, Any] = {
            "subject": body.get("subject", row["subject"] if row is not None else "") or "",
            "subject_type": new_type,
            "identificatie": None if group is None else json.dumps(group, ensure_ascii=False),
        }
        for subject_type, (key, column, needs_elfproef, label) in KEYS.items():
            value = (group or {}).get(key) or None
            if value is not None and subject_type != new_type and not mixed:
                value = None
            if value is not None and label:
                problem = _number_problem(
                    value,
                    f"subjectIdentificatie.{key}",
                    label,
                    check_elfproef=needs_elfproef and self.switches.elfproef,
                )
                errors += [problem] if problem else []
            identity[column] = value
        return identity
