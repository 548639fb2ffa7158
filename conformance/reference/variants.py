"""Broken variants of the reference server: one behaviour switch each, never a fork.

A conformance suite is only as good as the defects it can see. Every variant flips one switch of
the real server so that the kill matrix can show which scenarios catch which defect; ``breaks``
names the requirements a correct suite should report as failing against it.
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
    """Show a partij's identificatoren in its own representation (``partijIdentificatoren``)."""


@dataclass(frozen=True)
class Variant:
    """A named server behaviour and the requirement ids a correct suite should report as broken."""

    name: str
    breaks: tuple[str, ...]
    description: str
    switches: Switches = field(default_factory=Switches)


def _variant(
    name: str, breaks: tuple[str, ...], description: str, switches: Switches | None = None
) -> Variant:
    return Variant(name, breaks, description, switches or Switches())


_ALL = (
    _variant("reference", (), "The correct server: Open Klant 2.18 shape with every KLOK01 rule enforced."),
    _variant(
        "dup-bsn-accepted",
        ("KLOK01-R4",),
        "No uniqueness on BSN: a second partij with the same BSN is created (201).",
        Switches(bsn_uniqueness="none"),
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
    ),
    _variant(
        "bsn-with-kvk",
        ("KLOK01-R6",),
        "A partij may carry a BSN together with a KvK-nummer or RSIN.",
        Switches(bsn_with_nnp=True),
    ),
    _variant(
        "zelfstandig-linkable",
        ("KLOK01-R13",),
        "A zelfstandige partij (or betrokkene) can be linked to identifying data after registration.",
        Switches(zelfstandig_linkable=True),
    ),
    _variant(
        "anonymous-reads",
        ("KLOK01-R8", "CONTRACT-AUTH"),
        "GET requests without credentials are served.",
        Switches(anonymous_reads=True),
    ),
    _variant(
        "anonymous-writes",
        ("KLOK01-R7", "CONTRACT-AUTH"),
        "POST/PUT/PATCH/DELETE without credentials are accepted.",
        Switches(anonymous_writes=True),
    ),
    _variant(
        "any-token",
        ("KLOK01-R7", "KLOK01-R8", "CONTRACT-AUTH"),
        "Any 'Token <anything>' credential is accepted.",
        Switches(any_token=True),
    ),
    _variant(
        "leaky-401",
        ("KLOK01-R8",),
        "The 401 for a partij or identificator that exists carries the resource in its body.",
        Switches(leaky_401=True),
    ),
    _variant(
        "no-elfproef",
        ("IDENT-FORMAT",),
        "BSN and RSIN are checked for length and digits only, not for the 11-proef.",
        Switches(elfproef=False),
    ),
    _variant(
        "contract-drift",
        ("CONTRACT-SCHEMA",),
        'Partij responses carry indicatieActief as the string "true"/"false" instead of a boolean.',
        Switches(drift_indicatie_actief=True),
    ),
    _variant(
        "dup-500",
        ("KLOK01-R4", "CONTRACT-NO-SERVER-ERROR", "CONTRACT-STATUS"),
        "A duplicate BSN (or any other uniqueness clash) answers 500 instead of 400.",
        Switches(duplicate_status=500),
    ),
    _variant(
        "identificator-required",
        ("KLOK01-R1", "KLOK01-R9"),
        "A partij without partijIdentificatoren is refused (400): zelfstandige klanten cannot be stored.",
        Switches(identificator_required=True),
    ),
    _variant(
        "identificatoren-hidden",
        ("KLOK01-R3",),
        "A partij is always shown with partijIdentificatoren: [], so an aangehaakte klant cannot be told "
        "from a zelfstandige one.",
        Switches(show_identificatoren=False),
    ),
    _variant(
        "bsn-filter-ignored",
        ("KLOK01-R11",),
        "The partijIdentificator__objectId filter on /partijen is ignored: lookups by BSN return everyone.",
        Switches(bsn_filter=False),
    ),
)

VARIANTS: dict[str, Variant] = {v.name: v for v in _ALL}


def get_variant(name: str) -> Variant:
    """The variant called ``name``; a ``ConfigError`` names the known ones."""
    try:
        return VARIANTS[name]
    except KeyError:
        known = ", ".join(VARIANTS)
        raise ConfigError(f"unknown reference variant {name!r}; known variants: {known}") from None
