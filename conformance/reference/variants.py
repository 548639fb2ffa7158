"""Broken variants of the reference server: one behaviour switch each, never a fork.

A conformance suite is only as good as the defects it can see. Every variant flips one switch of
the real server so that the kill matrix can show which scenarios catch which defect (one,
``vng-klanten-1.0``, combines the switches a real server is observed to need, to pin the verdicts
predicted for it); ``breaks`` names the requirements a correct suite should report as failing
against it, in each profile the variant applies to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from conformance.errors import ConfigError

BsnUniqueness = Literal["index", "unscoped-index", "none", "check-then-insert"]


@dataclass(frozen=True)
class Switches:
    """The behaviour switches of the server; the defaults are the correct (KLOK01) behaviour."""

    bsn_uniqueness: BsnUniqueness = "index"
    """How one partij per BSN is enforced: a DB unique index over every BSN identificator, an index
    that skips identificatoren scoped with ``subIdentificatorVan`` (Open Klant's loophole), nothing,
    or a racy read-then-insert without any constraint."""
    kvk_unique: bool = False
    """Also make unscoped KvK-nummers and RSINs unique (as Open Klant does, contrary to R5)."""
    bsn_with_nnp: bool = False
    """Accept a BSN together with a KvK-nummer, RSIN or vestigingsnummer on one partij."""
    zelfstandig_linkable: bool = False
    """Let identificatoren be attached to a partij created without them."""
    anonymous_reads: bool = False
    anonymous_writes: bool = False
    any_token: bool = False
    leaky_401: bool = False
    """Look the resource up before authenticating and put it in the 401 body."""
    elfproef: bool = True
    drift_indicatie_actief: bool = False
    """Serialise ``indicatieActief`` of a partij as the string "true"/"false" (contract drift)."""
    duplicate_status: int = 400
    identificator_required: bool = False
    bsn_filter: bool = True
    """Honour the ``partijIdentificator__objectId`` filter on /partijen."""
    show_identificatoren: bool = True
    """Show a partij's identificatoren in its own representation (``partijIdentificatoren``); in the
    legacy API, a klant's ``subject``, ``subjectType`` and ``subjectIdentificatie``."""
    nnp_filter: bool = True
    """Legacy API: honour the ``subjectNietNatuurlijkPersoon__innNnpId`` filter on /klanten."""
    missing_subject_status: int = 400
    """Legacy API, with ``identificator_required``: the status of "subject or subjectIdentificatie
    must be provided" (VNG's 1.0 server is observed to answer 500)."""
    # The standard's own decisions (issue 20; specs/requirements/decisions.yaml): what breaks them.
    nummer_unique: bool = True
    """B9045: a partij's ``nummer`` is unique when set."""
    nummer_rekeys: bool = False
    """Break B4733: a change of ``nummer`` gives the partij a new uuid (nummer used as the key)."""
    alternate_keys: bool = False
    """Break B1767/B4733: ``GET /partijen/{x}`` also finds a partij by its nummer or BSN."""
    both_names: bool = False
    """Break B1304: a persoon keeps an organisation ``naam`` (an organisatie a contactnaam) it was sent."""
    betrokkene_limit: int = 0
    """Break B7682 (as superseded B2207 would): at most this many betrokkenen per klantcontact (0: none)."""
    dedupe_by_name: bool = False
    """Break B0862: a partij with the contactnaam of an existing partij is refused (merged by name)."""
    identificator_immutable: bool = False
    """Break F8226: the objectId of an existing partij-identificator cannot be corrected."""
    betrokkene_drops_partij: bool = False
    """Break F2173/F2599: a betrokkene's ``wasPartij`` sent on create is not stored."""


KI = "klantinteracties-v1"
KA = "klanten-v1"
BOTH = (KI, KA)


@dataclass(frozen=True)
class Variant:
    """A named server behaviour, the profiles whose API it changes, and the requirement ids a correct
    suite should report as broken (``breaks``, or per profile in ``profile_breaks``)."""

    name: str
    breaks: tuple[str, ...]
    description: str
    switches: Switches = field(default_factory=Switches)
    profiles: tuple[str, ...] = (KI,)
    profile_breaks: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def breaks_in(self, profile: str) -> tuple[str, ...]:
        """What a correct suite reports as failing for this variant under ``profile``."""
        return dict(self.profile_breaks).get(profile, self.breaks)


def _variant(
    name: str,
    breaks: tuple[str, ...],
    description: str,
    switches: Switches | None = None,
    *,
    profiles: tuple[str, ...] = (KI,),
    profile_breaks: dict[str, tuple[str, ...]] | None = None,
) -> Variant:
    return Variant(
        name, breaks, description, switches or Switches(), profiles, tuple((profile_breaks or {}).items())
    )


_ALL = (
    _variant(
        "reference",
        (),
        "The correct server: Open Klant 2.18 shape and the legacy Klanten API 1.0, every KLOK01 rule "
        "enforced.",
        profiles=BOTH,
    ),
    _variant(
        "dup-bsn-accepted",
        ("KLOK01-R4",),
        "No uniqueness on BSN: a second partij (legacy: klant) with the same BSN, or the same "
        "natuurlijk-persoon subject URL, is created (201).",
        Switches(bsn_uniqueness="none"),
        profiles=BOTH,
        profile_breaks={KI: ("KLOK01-R4", "DEC-F8226"), KA: ("KLOK01-R4",)},  # F8226: also on correction
    ),
    _variant(
        "dup-bsn-via-sub-identificator",
        ("KLOK01-R4",),
        "Open Klant's loophole: a BSN identificator scoped with subIdentificatorVan escapes uniqueness.",
        Switches(bsn_uniqueness="unscoped-index"),
    ),
    _variant(
        "dup-bsn-race",
        ("KLOK01-R4",),
        "BSN uniqueness is a read-then-insert without a constraint; concurrent creates all succeed.",
        Switches(bsn_uniqueness="check-then-insert"),
    ),
    _variant(
        "kvk-unique",
        ("KLOK01-R5",),
        "Unscoped KvK-nummers and RSINs are unique: a second partij for one organisation is refused.",
        Switches(kvk_unique=True),
        profiles=BOTH,
    ),
    _variant(
        "bsn-with-kvk",
        ("KLOK01-R6",),
        "A partij may carry a BSN together with a KvK-nummer or RSIN; a legacy klant keeps every "
        "identification it is sent, of any subjectType, and its subjectType can change.",
        Switches(bsn_with_nnp=True),
        profiles=BOTH,
    ),
    _variant(
        "zelfstandig-linkable",
        ("KLOK01-R13",),
        "A zelfstandige partij (or betrokkene) can be linked to identifying data after registration.",
        Switches(zelfstandig_linkable=True),
        profiles=BOTH,
    ),
    _variant(
        "anonymous-reads",
        ("KLOK01-R8", "CONTRACT-AUTH"),
        "GET requests without credentials are served.",
        Switches(anonymous_reads=True),
        profiles=BOTH,
    ),
    _variant(
        "anonymous-writes",
        ("KLOK01-R7", "CONTRACT-AUTH"),
        "POST/PUT/PATCH/DELETE without credentials are accepted.",
        Switches(anonymous_writes=True),
        profiles=BOTH,
    ),
    _variant(
        "any-token",
        ("KLOK01-R7", "KLOK01-R8", "CONTRACT-AUTH"),
        "Any 'Token <anything>' credential is accepted; in the legacy API any Bearer JWT, whatever its "
        "signature, algorithm or client_id.",
        Switches(any_token=True),
        profiles=BOTH,
    ),
    _variant(
        "leaky-401",
        ("KLOK01-R8",),
        "The 401 for a partij or identificator that exists carries the resource in its body (legacy: "
        "the 403 for a klant).",
        Switches(leaky_401=True),
        profiles=BOTH,
    ),
    _variant(
        "no-elfproef",
        ("IDENT-FORMAT",),
        "BSN and RSIN are checked for length and digits only, not for the 11-proef.",
        Switches(elfproef=False),
        profiles=BOTH,
    ),
    _variant(
        "contract-drift",
        ("CONTRACT-SCHEMA",),
        'Partij responses carry indicatieActief as the string "true"/"false" instead of a boolean.',
        Switches(drift_indicatie_actief=True),
    ),
    _variant(
        "dup-500",
        ("KLOK01-R4", "CONTRACT-NO-SERVER-ERROR"),
        "A duplicate BSN (or any other uniqueness clash) answers 500 instead of 400. One defect: a 5xx "
        "is CONTRACT-NO-SERVER-ERROR's alone, never also an undocumented status (CONTRACT-STATUS).",
        Switches(duplicate_status=500),
        profiles=BOTH,
        # the decisions catalogue's uniqueness clashes (a nummer, a corrected BSN) answer 500 too
        profile_breaks={
            KI: ("KLOK01-R4", "CONTRACT-NO-SERVER-ERROR", "DEC-B9045", "DEC-F8226"),
            KA: ("KLOK01-R4", "CONTRACT-NO-SERVER-ERROR"),
        },
    ),
    _variant(
        "identificator-required",
        ("KLOK01-R1", "KLOK01-R9"),
        "A partij without partijIdentificatoren (legacy: a klant without subject or subjectIdentificatie, "
        "as VNG's 1.0 server does) is refused (400): zelfstandige klanten cannot be stored.",
        Switches(identificator_required=True),
        profiles=BOTH,
        profile_breaks={
            KI: ("KLOK01-R1", "KLOK01-R9", "DEC-B4749", "DEC-B0862"),
            KA: ("KLOK01-R1", "KLOK01-R9"),
        },
    ),
    _variant(
        "identificatoren-hidden",
        ("KLOK01-R3",),
        "A partij is always shown with partijIdentificatoren: [], so an aangehaakte klant cannot be told "
        "from a zelfstandige one (legacy: subject, subjectType and subjectIdentificatie always empty).",
        Switches(show_identificatoren=False),
        profiles=BOTH,
    ),
    _variant(
        "bsn-filter-ignored",
        ("KLOK01-R11",),
        "The partijIdentificator__objectId filter on /partijen is ignored: lookups by BSN return everyone.",
        Switches(bsn_filter=False),
    ),
    _variant(
        "vng-klanten-1.0",
        ("KLOK01-R1", "KLOK01-R4", "KLOK01-R9", "KLOK01-R13", "CONTRACT-NO-SERVER-ERROR"),
        "Legacy API as VNG's klanten-api 1.0.0 behaves (domain.md §5, §7; several switches at once): no "
        "uniqueness on inpBsn or subject, a klant without subject or subjectIdentificatie answered with "
        "500, and identifying data added later by PATCH/PUT accepted. The verdicts the suite predicts "
        "for that server.",
        Switches(
            bsn_uniqueness="none",
            zelfstandig_linkable=True,
            identificator_required=True,
            missing_subject_status=500,
        ),
        profiles=(KA,),
    ),
    _variant(
        "nnp-filter-ignored",
        ("KLOK01-R11",),
        "Legacy API: the subjectNietNatuurlijkPersoon__innNnpId filter on /klanten is ignored, so a lookup "
        "by RSIN returns every klant.",
        Switches(nnp_filter=False),
        profiles=(KA,),
    ),
    # decision-register variants (issue 20)
    _variant(
        "nummer-not-unique",
        ("DEC-B9045",),
        "A second partij with a nummer already in use is created (B9045: unique when set).",
        Switches(nummer_unique=False),
    ),
    _variant(
        "nummer-rekeys",
        ("DEC-B4733",),
        "A change of nummer gives the partij a new uuid: the nummer is used as its key (B4733).",
        Switches(nummer_rekeys=True),
    ),
    _variant(
        "alternate-keys",
        ("DEC-B1767", "DEC-B4733"),
        "GET /partijen/{x} also finds a partij by its nummer or BSN (B1767: retrieval by id only; B4733).",
        Switches(alternate_keys=True),
    ),
    _variant(
        "both-names",
        ("DEC-B1304",),
        "A persoon keeps an organisation naam it was sent, an organisatie a contactnaam (B1304).",
        Switches(both_names=True),
    ),
    _variant(
        "one-betrokkene-per-klantcontact",
        ("DEC-B7682",),
        "A second betrokkene on a klantcontact is refused (the superseded B2207; B7682 allows several).",
        Switches(betrokkene_limit=1),
    ),
    _variant(
        "dedupe-by-name",
        ("DEC-B0862",),
        "A partij with the contactnaam of an existing partij is refused: persons merged by name, one "
        "capacity each (B0862).",
        Switches(dedupe_by_name=True),
    ),
    _variant(
        "identificator-immutable",
        ("DEC-F8226",),
        "The objectId of a partij-identificator cannot be corrected (F8226 provides the correction).",
        Switches(identificator_immutable=True),
    ),
    _variant(
        "betrokkene-drops-partij",
        ("DEC-F2173",),
        "A betrokkene created with wasPartij is stored without it (F2173/F2599: the known partij).",
        Switches(betrokkene_drops_partij=True),
    ),
)

VARIANTS: dict[str, Variant] = {v.name: v for v in _ALL}


def variants_for(profile: str) -> dict[str, Variant]:
    """The variants that change the API ``profile`` tests, by name."""
    return {name: v for name, v in VARIANTS.items() if profile in v.profiles}


def get_variant(name: str, profile: str | None = None) -> Variant:
    """The variant called ``name`` (for ``profile``, when given); a ``ConfigError`` names the known ones."""
    known = variants_for(profile) if profile else VARIANTS
    if name in known:
        return known[name]
    scope = f" for profile {profile}" if profile else ""
    raise ConfigError(f"unknown reference variant {name!r}{scope}; known variants: {', '.join(known)}")
