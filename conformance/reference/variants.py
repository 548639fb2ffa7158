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
from conformance.reference import quirks

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
    quirk: str = ""
    """One named gap or conformant oddity of the invariant layer's variants (``reference.quirks``)."""
    # strict modes (issue 19): conformant behaviour real servers show (domain.md §8)
    fetch_subject: bool = False
    """Legacy API: a klant's ``subject`` must be a URL the server itself can fetch (200), else 400
    ``bad-url`` and nothing stored. Only loopback URLs are fetched (``reference.registers``)."""
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
    invariant_only: bool = False
    """Its defect is on a route or form no scenario was written for: the scenario kill matrix does not
    require the scenarios to catch it, the invariant matrix (tests/invariants) does."""

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
    # strict modes (issue 19)
    _variant(
        "strict-vng",
        (),
        "Conformant, but as strict with valid-looking data as VNG's klanten-api 1.0.0 (domain.md §8): "
        "a subject must be a URL the server can fetch itself (400 bad-url otherwise; the server fetches "
        "only 127.0.0.1 and serves test persons under /test-registers), RSIN 11-proef on "
        "bronorganisatie and innNnpId, websiteUrl required, klantnummer at most 8 characters and "
        "unique per bronorganisatie. The suite must pass it and stay decisive.",
        Switches(fetch_subject=True),
        profiles=(KA,),
    ),
    _variant(
        "strict-openklant",
        (),
        "Conformant, but as strict as Open Klant 2.18 (domain.md §8): a partij's nummer is unique when "
        "set (a repeated one is refused with 400; since the decisions catalogue, B9045, the reference "
        "enforces this too), besides every rule the reference enforces. The suite must pass it and stay "
        "decisive.",
        Switches(nummer_unique=True),
        profiles=(KI,),
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


# invariant-layer variants (issue 18): each flips one quirk (conformance/reference/quirks.py) on a route,
# method, credential form or URL form the scenarios were not written for. Broken ones must be caught by
# the invariant layer with the scenarios off; controls (breaks=()) must give no failure at all.
def _invariant_variant(
    name: str,
    breaks: tuple[str, ...],
    description: str,
    quirk: str,
    *,
    profiles: tuple[str, ...] = (KI,),
    profile_breaks: dict[str, tuple[str, ...]] | None = None,
    **switches: object,
) -> Variant:
    return Variant(
        name,
        breaks,
        description,
        Switches(quirk=quirk, **switches),  # type: ignore[arg-type]
        profiles,
        tuple((profile_breaks or {}).items()),
        invariant_only=bool(breaks),
    )


_R7_R8 = ("KLOK01-R7", "KLOK01-R8")
_INVARIANT_VARIANTS = (
    _invariant_variant(
        "inv-bsn-unique-on-create-only",
        ("KLOK01-R4", "DEC-F8226"),  # F8226: a correction is checked for uniqueness as a create is
        "One partij per BSN is checked by the application when a partij or identificator is created, not "
        "when an identificator's value is changed or a partij's identificatoren are replaced (PUT/PATCH).",
        quirks.BSN_ON_CREATE_ONLY,
        bsn_uniqueness="none",
    ),
    _invariant_variant(
        "inv-bsn-unique-per-soort",
        ("KLOK01-R4",),
        "A BSN is unique among partijen of one soortPartij only: a persoon and an organisatie (or "
        "contactpersoon) can carry the same BSN.",
        quirks.BSN_PER_SOORT,
        bsn_uniqueness="none",
    ),
    _invariant_variant(
        "inv-bsn-link-unchecked",
        ("KLOK01-R4",),
        "BSN uniqueness ignores orphan identificatoren and is not checked when an identificator is only "
        "linked or moved (PATCH/PUT identificeerdePartij): orphan-then-link gives two partijen one BSN.",
        quirks.BSN_LINK_UNCHECKED,
        bsn_uniqueness="none",
    ),
    _invariant_variant(
        "inv-np-nnp-on-separate-route",
        ("KLOK01-R6",),
        "BSN next to a KvK-nummer/RSIN is refused in a partij's own body but not through "
        "/partij-identificatoren (POST, PUT, PATCH).",
        quirks.NP_NNP_SEPARATE,
    ),
    _invariant_variant(
        "inv-np-nnp-on-partij-update",
        ("KLOK01-R6",),
        "BSN next to a KvK-nummer/RSIN is refused when a partij is created, not when its identificatoren "
        "are replaced by PUT/PATCH /partijen.",
        quirks.NP_NNP_UPDATE,
    ),
    _invariant_variant(
        "inv-zelfstandig-via-move",
        ("KLOK01-R13",),
        "A zelfstandige partij refuses new identificatoren, but an existing identificator can be moved "
        "to it (PATCH/PUT identificeerdePartij).",
        quirks.ZELFSTANDIG_VIA_MOVE,
    ),
    _invariant_variant(
        "inv-zelfstandig-via-put",
        ("KLOK01-R13",),
        "A zelfstandige partij refuses identificatoren by PATCH and POST, but a PUT /partijen with "
        "partijIdentificatoren attaches them.",
        quirks.ZELFSTANDIG_VIA_PUT,
    ),
    _invariant_variant(
        "inv-betrokkene-link-via-put",
        ("KLOK01-R13",),
        "A betrokkene stored without a partij cannot be linked by PATCH, but a PUT sets wasPartij.",
        quirks.BETROKKENE_LINK_VIA_PUT,
    ),
    _invariant_variant(
        "inv-betrokkene-needs-partij",
        ("KLOK01-R9",),
        "A betrokkene without wasPartij (contact data of a zelfstandige klant) is refused (400).",
        quirks.BETROKKENE_NEEDS_PARTIJ,
    ),
    _invariant_variant(
        "inv-scheme-alone-accepted",
        _R7_R8,
        "An Authorization header that is empty or holds only the word 'Token' counts as authenticated.",
        quirks.SCHEME_ALONE_ACCEPTED,
    ),
    _invariant_variant(
        "inv-malformed-accepted",
        _R7_R8,
        "A malformed 'Token <a> <b>' credential (spaces in the key) counts as authenticated.",
        quirks.MALFORMED_ACCEPTED,
    ),
    _invariant_variant(
        "inv-anonymous-patch",
        _R7_R8,
        "PATCH needs no credentials (POST, PUT and DELETE do): identifying data is changed, and the "
        "answer shows the record, without authentication.",
        quirks.ANONYMOUS_PATCH,
        profiles=BOTH,
        # The legacy PATCH answer holds only what the request sent and the klant's plain data.
        profile_breaks={KA: ("KLOK01-R7",)},
    ),
    _invariant_variant(
        "inv-head-unauthenticated",
        ("KLOK01-R8",),
        "HEAD is served without credentials: 200 for a partij that exists, 404 for one that does not.",
        quirks.HEAD_UNAUTHENTICATED,
    ),
    _invariant_variant(
        "inv-anonymous-search",
        ("KLOK01-R8",),
        "A collection search by identifier (objectId, inpBsn, innNnpId) is answered without credentials.",
        quirks.ANONYMOUS_SEARCH,
        profiles=BOTH,
    ),
    _invariant_variant(
        "inv-slash-unauthenticated",
        ("KLOK01-R8",),
        "The detail URL with a trailing slash is served, without credentials.",
        quirks.SLASH_UNAUTHENTICATED,
    ),
    _invariant_variant(
        "inv-refused-but-stored",
        ("KLOK01-R7",),
        "A write without valid credentials is answered 401, but was carried out first.",
        quirks.REFUSED_BUT_STORED,
    ),
    _invariant_variant(
        "inv-jwt-signature-stripped",
        _R7_R8,
        "Legacy API: a JWT whose signature part is empty is accepted for the configured client_id.",
        quirks.JWT_SIGNATURE_STRIPPED,
        profiles=(KA,),
    ),
    _invariant_variant(
        "inv-jwt-empty-secret",
        _R7_R8,
        "Legacy API: a JWT signed with an empty secret is accepted for the configured client_id.",
        quirks.JWT_EMPTY_SECRET,
        profiles=(KA,),
    ),
    _invariant_variant(
        "inv-klant-bsn-unique-on-create-only",
        ("KLOK01-R4",),
        "Legacy API: one klant per BSN is checked on create, not when PUT/PATCH gives a klant another "
        "klant's inpBsn.",
        quirks.KLANT_BSN_ON_CREATE_ONLY,
        profiles=(KA,),
    ),
    _invariant_variant(
        "inv-klant-mixed-on-update",
        ("KLOK01-R6",),
        "Legacy API: on PUT/PATCH a klant keeps every identification it is sent and may change its "
        "subjectType (on create the rules hold).",
        quirks.KLANT_MIXED_ON_UPDATE,
        profiles=(KA,),
    ),
    # conformant-but-unusual controls: no failure
    _invariant_variant(
        "ctl-refuse-403-409",
        (),
        "Control: missing or invalid credentials are refused with 403 (not 401), a duplicate with 409.",
        quirks.REFUSE_403,
        profiles=BOTH,
        duplicate_status=409,
    ),
    _invariant_variant(
        "ctl-extra-response-fields",
        (),
        "Control: partijen and klanten carry fields the contract does not name.",
        quirks.EXTRA_FIELDS,
        profiles=BOTH,
    ),
    _invariant_variant(
        "ctl-soort-must-match",
        (),
        "Control, stricter than required: a BSN identificator only on a partij of soort persoon "
        "(decisions.md C7 SHOULD), refused elsewhere.",
        quirks.SOORT_MUST_MATCH,
    ),
    _invariant_variant(
        "ctl-other-scheme-alias",
        (),
        "Control: the valid key is also accepted under the other scheme word (Bearer for Token; Token for "
        "the legacy JWT). Not a KLOK01 failure: the requester holds the key (issue 18, point 6).",
        quirks.OTHER_SCHEME_ALIAS,
        profiles=BOTH,
    ),
    _invariant_variant(
        "ctl-bsn-unique-per-bronorganisatie",
        (),
        "Control, legacy API: one klant per BSN per bronorganisatie (per gemeente), not per installation.",
        quirks.BSN_PER_BRONORGANISATIE,
        profiles=(KA,),
    ),
)

VARIANTS: dict[str, Variant] = {v.name: v for v in (*_ALL, *_INVARIANT_VARIANTS)}
INVARIANT_LAYER = frozenset(v.name for v in _INVARIANT_VARIANTS)
"""The variants that prove the invariant layer (tests/invariants); controls among them break nothing."""
STRICT_MODES = ("strict-vng", "strict-openklant")
"""Conformant variants modelled on real servers' strictness: every requirement must pass on them."""


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
