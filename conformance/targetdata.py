"""Target-valid data: one model of what a real server accepts, for scenarios, fuzzing and invariants.

A strict server (domain.md §8) refuses valid-looking data that a contract allows: a BSN or RSIN
failing the 11-proef, a ``klantnummer`` longer than 8 characters or repeated within a
``bronorganisatie``, a repeated partij ``nummer``, a postcode or nummeraanduiding-id off its
pattern, a ``subject`` URL the server cannot fetch itself. Whatever the suite sends on a path it
expects to succeed comes from here, so scenarios (``gen.<name>``), fuzzing's positive phases
(``conformance.fuzz.formats``) and the invariant layer agree on one definition.

Public API (stable, for ``conformance.invariants`` and others):

* ``TargetData(seed, subject_url_template=..., bsn_range=..., kvk_range=...)``: an
  ``IdentifierGenerator`` with ``klantnummer()``, ``partij_nummer()``, ``postcode()``,
  ``nummeraanduiding_id()``, ``subject_url(bsn=None)`` and body builders ``klant()``,
  ``partij()``, ``klantcontact()``, ``digitaal_adres()``, ``betrokkene()``.
* ``MissingFixture``: what the suite cannot invent (a fetchable BRP URL); ``NotApplicable``.
* The value rules themselves: ``KLANTNUMMER_DIGITS``, ``POSTCODE_PATTERN``,
  ``NUMMERAANDUIDING_PATTERN``, ``PARTIJ_NUMMER_DIGITS``, ``SUBJECT_PLACEHOLDER``.
"""

from __future__ import annotations

from typing import Any

from conformance.config import subject_template
from conformance.errors import ConfigError, NotApplicable
from conformance.generators import IdentifierGenerator

KLANTNUMMER_DIGITS = 8  # legacy: at most 8 characters, unique per bronorganisatie
PARTIJ_NUMMER_DIGITS = 10  # Open Klant: unique when set, so omitted or fresh
POSTCODE_PATTERN = r"^[1-9][0-9]{3}[A-Z]{2}$"
NUMMERAANDUIDING_PATTERN = r"^[0-9]{16}$"
SUBJECT_PLACEHOLDER = "{bsn}"
SUBJECT_OPTION = "--subject-url-template"
WEBSITE_URL = "https://example.org/klanten-conformance"  # VNG's server requires websiteUrl


class MissingFixture(NotApplicable):
    """A scenario needs data only the vendor can supply (e.g. a person in their test BRP)."""


def check_subject_template(template: str) -> str:
    """``template`` when it is an http(s) URL with one ``{bsn}``; a ``ConfigError`` otherwise."""
    try:
        return subject_template(template)
    except ValueError as exc:
        raise ConfigError(f"subject_url_template: {exc}") from None


class TargetData(IdentifierGenerator):
    """Identifiers and bodies a strict server accepts, unique within a run and seeded by it."""

    def __init__(
        self,
        seed: str,
        *,
        subject_url_template: str | None = None,
        bsn_range: tuple[int, int] = (999_900_000, 999_999_999),
        kvk_range: tuple[int, int] = (99_990_000, 99_999_999),
    ) -> None:
        super().__init__(seed, bsn_range=bsn_range, kvk_range=kvk_range)
        self.subject_url_template = (
            check_subject_template(subject_url_template) if subject_url_template else None
        )
        self._makers.update(
            {
                "klantnummer": self.klantnummer,
                "partij_nummer": self.partij_nummer,
                "postcode": self.postcode,
                "nummeraanduiding_id": self.nummeraanduiding_id,
                "subject_url": self.subject_url,
            }
        )

    # -- identifiers ------------------------------------------------------------------------------
    def klantnummer(self) -> str:
        """8 digits, never repeated in a run (so unique per bronorganisatie whatever it is)."""
        return self._fresh(lambda: str(self._random.randint(10**7, 10**8 - 1)))

    def partij_nummer(self) -> str:
        """A 10-digit partij ``nummer``, never repeated in a run."""
        return self._fresh(lambda: self._digits(PARTIJ_NUMMER_DIGITS))

    def postcode(self) -> str:
        return f"{self._random.randint(1000, 9999)}{self._random.choice('ABCDEFGHJKLMNPRSTVWXZ') * 2}"

    def nummeraanduiding_id(self) -> str:
        return self._fresh(lambda: "0" + self._digits(15))

    def subject_url(self, bsn: str | None = None) -> str:
        """A natuurlijk-persoon ``subject`` the target can fetch: the vendor's template (the embedded
        reference supplies its own test register). ``MissingFixture`` when none is configured."""
        if self.subject_url_template is None:
            raise MissingFixture(
                "needs a subject URL the target can fetch itself (a person in the vendor's test BRP); "
                f"none is configured: set {SUBJECT_OPTION} (env KLANTEN_CONFORMANCE_SUBJECT_URL_TEMPLATE, "
                "pyproject subject_url_template), e.g. https://brp.test/ingeschrevenpersonen/{bsn}"
            )
        return self.subject_url_template.replace(SUBJECT_PLACEHOLDER, bsn or self.bsn())

    # -- bodies of a create that a strict server accepts --------------------------------------------
    def klant(self, **extra: Any) -> dict[str, Any]:
        """A legacy klant: RSIN bronorganisatie, fresh 8-digit klantnummer, websiteUrl."""
        return {
            "bronorganisatie": self.rsin(),
            "klantnummer": self.klantnummer(),
            "websiteUrl": WEBSITE_URL,
            "voornaam": "Conformance",
            "achternaam": "Testklant",
            "emailadres": f"klant-{self._digits(8)}@example.org",
            "telefoonnummer": "0201234567",
            "adres": {
                "straatnaam": "Teststraat",
                "huisnummer": 1,
                "postcode": self.postcode(),
                "woonplaatsnaam": "Utrecht",
            },
            **extra,
        }

    def partij(self, **extra: Any) -> dict[str, Any]:
        """A zelfstandige persoon partij without a ``nummer`` (omitted: never a repeat)."""
        return {
            "soortPartij": "persoon",
            "indicatieActief": True,
            "voorkeurstaal": "nld",
            "indicatieGeheimhouding": False,
            "partijIdentificatie": {"contactnaam": None},
            **extra,
        }

    def klantcontact(self, **extra: Any) -> dict[str, Any]:
        return {
            "kanaal": "telefoon",
            "onderwerp": "klanten-conformance",
            "taal": "nld",
            "vertrouwelijk": False,
            **extra,
        }

    def digitaal_adres(self, partij_uuid: str | None = None, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "adres": f"conformance-{self._digits(8)}@example.org",
            "soortDigitaalAdres": "email",
            "omschrijving": "klanten-conformance",
            "verstrektDoorBetrokkene": None,
            "verstrektDoorPartij": None if partij_uuid is None else {"uuid": partij_uuid},
        }
        return {**body, **extra}

    def betrokkene(
        self, klantcontact_uuid: str, partij_uuid: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        return {
            "hadKlantcontact": {"uuid": klantcontact_uuid},
            "wasPartij": None if partij_uuid is None else {"uuid": partij_uuid},
            "rol": "klant",
            "initiator": True,
            "organisatienaam": "",
            **extra,
        }
