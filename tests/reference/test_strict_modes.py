"""The strict reference modes (issue 19): conformant servers as strict as the real ones (domain.md §8)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from conformance.auth import AuthMode, ZgwJwtAuth
from conformance.reference import ReferenceServer
from conformance.reference.registers import fetchable
from conformance.reference.server import JwtClient
from conformance.reference.variants import STRICT_MODES, VARIANTS
from tests.reference.conftest import new_bsn, new_kvk

CLIENT = JwtClient("klanten-tests", "reference-secret-0123456789abcdefghij")


@pytest.fixture(scope="module")
def strict_vng() -> Iterator[ReferenceServer]:
    with ReferenceServer(jwt=CLIENT, variant="strict-vng", profile="klanten-v1") as server:
        yield server


def _klant(**extra: str) -> dict[str, str]:
    return {
        "bronorganisatie": new_bsn(),
        "klantnummer": new_kvk(),
        "websiteUrl": "https://example.org/k",
        **extra,
    }


def _post(server: ReferenceServer, body: dict[str, str]) -> httpx.Response:
    auth = ZgwJwtAuth(CLIENT.client_id, CLIENT.secret)
    url = server.root_for("klanten") + "/klanten"
    return httpx.post(url, json=body, headers=auth.headers(AuthMode.DEFAULT), timeout=10)


def test_strict_modes_are_conformant_variants() -> None:
    assert set(STRICT_MODES) <= set(VARIANTS)
    assert all(VARIANTS[name].breaks == () for name in STRICT_MODES)


def test_strict_vng_refuses_a_subject_it_cannot_fetch(strict_vng: ReferenceServer) -> None:
    for subject in (
        f"https://brp.example.org/ingeschrevenpersonen/{new_bsn()}",  # not loopback: never fetched
        strict_vng.site + "/test-registers/brp/ingeschrevenpersonen/123456789",  # 404 in the register
    ):
        answer = _post(strict_vng, _klant(subjectType="natuurlijk_persoon", subject=subject))
        assert answer.status_code == 400, answer.text
        assert answer.json()["invalidParams"][0]["name"] == "subject"
        assert answer.json()["invalidParams"][0]["code"] == "bad-url"


def test_strict_vng_accepts_a_subject_in_its_test_register(strict_vng: ReferenceServer) -> None:
    subject = strict_vng.subject_url_template.format(bsn=new_bsn())
    assert fetchable(subject)
    answer = _post(strict_vng, _klant(subjectType="natuurlijk_persoon", subject=subject))
    assert answer.status_code == 201, answer.text
    assert answer.json()["subject"] == subject


def test_strict_vng_keeps_the_contract_rules_real_servers_have(strict_vng: ReferenceServer) -> None:
    bad_rsin = _post(strict_vng, _klant(bronorganisatie="123456789"))
    assert bad_rsin.status_code == 400 and bad_rsin.json()["invalidParams"][0]["name"] == "bronorganisatie"
    no_website = _klant()
    del no_website["websiteUrl"]
    assert _post(strict_vng, no_website).status_code == 400
    assert _post(strict_vng, _klant(klantnummer="123456789")).status_code == 400  # more than 8
    first = _klant()
    assert _post(strict_vng, first).status_code == 201
    again = _post(strict_vng, {**first})  # same klantnummer, same bronorganisatie
    assert again.status_code == 400


def test_the_plain_reference_does_not_fetch_subjects() -> None:
    with ReferenceServer(jwt=CLIENT, profile="klanten-v1") as server:
        subject = f"https://brp.example.org/ingeschrevenpersonen/{new_bsn()}"
        assert _post(server, _klant(subjectType="natuurlijk_persoon", subject=subject)).status_code == 201


def test_strict_openklant_refuses_a_repeated_nummer() -> None:
    with ReferenceServer(token="t0ken", variant="strict-openklant") as server:
        headers = {"Authorization": "Token t0ken"}
        url = server.root_for("klantinteracties") + "/partijen"

        def partij(nummer: str | None) -> int:
            body: dict[str, object] = {
                "soortPartij": "persoon",
                "indicatieActief": True,
                "voorkeurstaal": "nld",
                "indicatieGeheimhouding": False,
                "interneNotitie": "",
                "partijIdentificatie": {"contactnaam": None},
            }
            if nummer is not None:
                body["nummer"] = nummer
            return httpx.post(url, json=body, headers=headers, timeout=10).status_code

        assert [partij("0000000042"), partij("0000000042")] == [201, 400]
        assert [partij(""), partij(""), partij(None), partij(None)] == [201, 201, 201, 201]


def test_the_plain_reference_also_keeps_nummer_unique_when_set() -> None:
    # B9045 (specs/requirements/decisions.yaml, DEC-B9045): the reference enforces what
    # strict-openklant was built for; only the nummer-not-unique variant breaks it.
    for variant, second in (("reference", 400), ("nummer-not-unique", 201)):
        with ReferenceServer(token="t0ken", variant=variant) as server:
            headers = {"Authorization": "Token t0ken"}
            url = server.root_for("klantinteracties") + "/partijen"
            statuses = [
                httpx.post(
                    url,
                    json={"soortPartij": "persoon", "indicatieActief": True, "nummer": nummer},
                    headers=headers,
                    timeout=10,
                ).status_code
                for nummer in ("42", "42", None, None)
            ]
            assert statuses == [201, second, 201, 201], variant
