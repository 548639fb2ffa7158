"""KLOK01 and identifier rules that a schema cannot express.

Pure functions over plain values, so that every route (nested create, /partij-identificatoren,
PUT/PATCH of either) applies the same rules with the same messages. Uniqueness of the BSN is not
checked here: it belongs to the database (a unique index), because only a constraint survives
concurrent requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from conformance.reference.problems import InvalidParam

BSN, RSIN, KVK, VESTIGING = "bsn", "rsin", "kvk_nummer", "vestigingsnummer"
NATUURLIJK_PERSOON_SOORTEN = frozenset({BSN})
NIET_NATUURLIJK_PERSOON_SOORTEN = frozenset({RSIN, KVK, VESTIGING})

# (codeRegister, codeObjecttype, codeSoortObjectId) -> (length, 11-proef)
ALLOWED: dict[tuple[str, str, str], tuple[int, bool]] = {
    ("brp", "natuurlijk_persoon", BSN): (9, True),
    ("hr", "niet_natuurlijk_persoon", RSIN): (9, True),
    ("hr", "niet_natuurlijk_persoon", KVK): (8, False),
    ("hr", "vestiging", VESTIGING): (12, False),
}

ZELFSTANDIG_REASON = (
    "Een zelfstandige partij (geregistreerd zonder identificerende gegevens) kan achteraf niet aangehaakt "
    "worden: er kunnen geen partij-identificatoren aan toegevoegd worden (KLOK01)."
)
ZELFSTANDIG_BETROKKENE_REASON = (
    "Een betrokkene die zonder partij geregistreerd is, kan achteraf niet aan een partij "
    "gekoppeld worden (KLOK01)."
)
BSN_WITH_NNP_REASON = (
    "Een partij kan niet tegelijk aan een natuurlijk persoon (bsn) en aan een niet-natuurlijk persoon "
    "(kvk_nummer, rsin of vestigingsnummer) gerelateerd zijn (KLOK01)."
)
SUB_REQUIRED_REASON = (
    "Voor een `vestigingsnummer` moet `subIdentificatorVan` verwijzen naar een `kvk_nummer`."
)
IDENTIFICATOR_REQUIRED_REASON = "Een partij moet ten minste één partij-identificator hebben."


def elfproef(digits: str) -> bool:
    """The 11-proef of BSN and RSIN: weights 9..2 and -1 for the last digit, sum divisible by 11."""
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0


def identifier_problems(group: Mapping[str, str], *, prefix: str, check_elfproef: bool) -> list[InvalidParam]:
    """Problems with one ``partijIdentificator`` group: the code combination and the objectId format.

    ``prefix`` is the dotted path of the group, e.g. ``partijIdentificatoren.0.partijIdentificator.``.
    """
    register, objecttype, soort = group["codeRegister"], group["codeObjecttype"], group["codeSoortObjectId"]
    object_id = group["objectId"]
    rule = ALLOWED.get((register, objecttype, soort))
    if rule is None:
        allowed = ", ".join(f"{r}/{o}/{s}" for r, o, s in ALLOWED)
        reason = (
            f"De combinatie codeRegister '{register}', codeObjecttype '{objecttype}' en codeSoortObjectId "
            f"'{soort}' is niet toegestaan; toegestaan zijn: {allowed}."
        )
        return [InvalidParam(prefix + "codeSoortObjectId", "invalid", reason)]
    length, needs_elfproef = rule
    name = prefix + "objectId"
    if len(object_id) != length:
        return [
            InvalidParam(
                name, "invalid", f"Deze waarde is ongeldig, reden: Waarde moet {length} tekens lang zijn"
            )
        ]
    if not (object_id.isascii() and object_id.isdigit()):
        return [InvalidParam(name, "invalid", "Deze waarde is ongeldig, reden: Voer een numerieke waarde in")]
    if needs_elfproef and check_elfproef and not elfproef(object_id):
        label = "BSN" if soort == BSN else "RSIN"
        return [InvalidParam(name, "invalid", f"Deze waarde is ongeldig, reden: Onjuist {label} nummer")]
    return []


def combination_problems(soorten: Iterable[str], *, name: str, bsn_with_nnp: bool) -> list[InvalidParam]:
    """KLOK01 R6 on the identificatoren of one partij: no BSN next to an NNP identifier, no soort twice."""
    seen: list[str] = list(soorten)
    problems: list[InvalidParam] = []
    if len(set(seen)) != len(seen):
        problems.append(InvalidParam(name, "invalid", "`CodeSoortObjectId` moet uniek zijn voor de Partij."))
    has_np = any(s in NATUURLIJK_PERSOON_SOORTEN for s in seen)
    has_nnp = any(s in NIET_NATUURLIJK_PERSOON_SOORTEN for s in seen)
    if has_np and has_nnp and not bsn_with_nnp:
        problems.append(InvalidParam(name, "invalid", BSN_WITH_NNP_REASON))
    return problems


def names_of_soort(identificatie: dict[str, Any], soort: str) -> dict[str, Any]:
    """B1304: one Partij resource, one name per soort: a persoon or contactpersoon has a contactnaam,
    an organisatie a naam; the other one is dropped, as Open Klant's polymorphic serializer does."""
    drop = "contactnaam" if soort == "organisatie" else "naam"
    return {k: v for k, v in identificatie.items() if k != drop}


def person_key(identificatie: dict[str, Any]) -> tuple[str, str] | None:
    """(voornaam, achternaam) of a contactnaam, for the dedupe-by-name variant; None without one."""
    naam = identificatie.get("contactnaam") or {}
    if not naam.get("achternaam"):
        return None
    return str(naam.get("voornaam", "")), str(naam["achternaam"])


def volledige_naam(contactnaam: Mapping[str, str] | None, naam: str = "") -> str:
    """The display name Open Klant derives: voornaam, voorvoegsel and achternaam, or the organisation name."""
    if contactnaam:
        parts = (contactnaam.get(k, "") for k in ("voornaam", "voorvoegselAchternaam", "achternaam"))
        text = " ".join(p for p in parts if p)
        if text:
            return text
    return naam
