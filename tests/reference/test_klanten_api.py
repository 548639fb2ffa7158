"""The legacy Klanten API 1.0 of the reference server: ZGW JWT auth and the KLOK01 rules over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from conformance.auth import AuthMode, ZgwJwtAuth
from conformance.config import Settings
from conformance.errors import ConfigError
from conformance.profiles import Profile, load_profile
from conformance.reference import ReferenceServer
from conformance.reference.apis import get_reference_api
from conformance.reference.server import JwtClient
from conformance.reference.variants import INVARIANT_LAYER, VARIANTS, get_variant, variants_for
from conformance.session import RunContext
from tests.reference.conftest import new_bsn, new_kvk

CLIENT = JwtClient("klanten-tests", "reference-secret-0123456789abcdefghij")


@pytest.fixture(scope="module")
def legacy() -> Iterator[tuple[str, ZgwJwtAuth]]:
    with ReferenceServer(jwt=CLIENT) as server:
        yield server.root_for("klanten"), ZgwJwtAuth(CLIENT.client_id, CLIENT.secret)


def _klant(**extra: Any) -> dict[str, Any]:
    return {
        "bronorganisatie": new_bsn(),
        "klantnummer": new_kvk(),
        "websiteUrl": "https://example.org/klant",
        **extra,
    }


def _np(bsn: str, **extra: Any) -> dict[str, Any]:
    return _klant(subjectType="natuurlijk_persoon", subjectIdentificatie={"inpBsn": bsn}, **extra)


def _post(
    root: str, auth: ZgwJwtAuth, body: dict[str, Any], mode: AuthMode = AuthMode.DEFAULT
) -> httpx.Response:
    return httpx.post(f"{root}/klanten", json=body, headers=auth.headers(mode), timeout=10)


def _count(root: str, auth: ZgwJwtAuth, **query: str) -> int:
    response = httpx.get(f"{root}/klanten", params=query, headers=auth.headers(AuthMode.DEFAULT), timeout=10)
    assert response.status_code == 200, response.text
    return int(response.json()["count"])


@pytest.mark.parametrize(
    "mode", [AuthMode.NONE, AuthMode.INVALID, AuthMode.ALG_NONE, AuthMode.UNKNOWN_CLIENT]
)
def test_every_invalid_credential_gets_403_before_any_lookup(
    legacy: tuple[str, ZgwJwtAuth], mode: AuthMode
) -> None:
    root, auth = legacy
    existing = _post(root, auth, _np(new_bsn())).json()["url"]
    missing = f"{root}/klanten/00000000-0000-4000-8000-000000000000"
    answers = [httpx.get(url, headers=auth.headers(mode), timeout=10) for url in (existing, missing)]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json()["code"] == answers[1].json()["code"]
    assert answers[0].headers["API-version"] == "1.0.0"
    assert _post(root, auth, _np(new_bsn()), mode).status_code == 403


def test_an_expired_token_is_403_not_500(legacy: tuple[str, ZgwJwtAuth]) -> None:
    root, _ = legacy
    claims = {"iss": CLIENT.client_id, "client_id": CLIENT.client_id, "iat": int(time.time()) - 100, "exp": 1}
    token = jwt.encode(claims, CLIENT.secret, algorithm="HS256")
    response = httpx.get(f"{root}/klanten", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 403


def test_wrong_signature_is_named(legacy: tuple[str, ZgwJwtAuth]) -> None:
    root, auth = legacy
    response = httpx.get(f"{root}/klanten", headers=auth.headers(AuthMode.INVALID), timeout=10)
    assert response.json()["code"] == "invalid-jwt-signature"


def test_required_fields_and_api_version(legacy: tuple[str, ZgwJwtAuth]) -> None:
    root, auth = legacy
    response = _post(root, auth, {"voornaam": "X"})
    assert response.status_code == 400
    names = {p["name"] for p in response.json()["invalidParams"]}
    assert names == {"bronorganisatie", "klantnummer", "websiteUrl"}
    assert response.headers["API-version"] == "1.0.0"
    bad_bron = _post(root, auth, _klant(bronorganisatie="123456789"))
    assert bad_bron.status_code == 400 and bad_bron.json()["invalidParams"][0]["name"] == "bronorganisatie"


def test_r4_one_klant_per_bsn_and_per_natuurlijk_persoon_subject(legacy: tuple[str, ZgwJwtAuth]) -> None:
    root, auth = legacy
    bsn = new_bsn()
    assert _post(root, auth, _np(bsn)).status_code == 201
    assert _post(root, auth, _np(bsn)).status_code == 400
    subject = f"https://brp.example.org/ingeschrevenpersonen/{new_bsn()}"
    first = _klant(subjectType="natuurlijk_persoon", subject=subject)
    assert _post(root, auth, first).status_code == 201
    assert _post(root, auth, {**first, "klantnummer": new_kvk()}).status_code == 400
    assert _count(root, auth, subjectNatuurlijkPersoon__inpBsn=bsn) == 1
    assert _count(root, auth, subject=subject) == 1


def test_r5_many_klanten_per_rsin_and_r11_lookup(legacy: tuple[str, ZgwJwtAuth]) -> None:
    root, auth = legacy
    rsin = new_bsn()
    for _ in range(3):
        body = _klant(subjectType="niet_natuurlijk_persoon", subjectIdentificatie={"innNnpId": rsin})
        assert _post(root, auth, body).status_code == 201
    assert _count(root, auth, subjectNietNatuurlijkPersoon__innNnpId=rsin) == 3


def test_r6_subject_type_is_immutable_and_foreign_fields_are_dropped(legacy: tuple[str, ZgwJwtAuth]) -> None:
    root, auth = legacy
    bsn, rsin = new_bsn(), new_bsn()
    created = _post(
        root,
        auth,
        _klant(subjectType="natuurlijk_persoon", subjectIdentificatie={"inpBsn": bsn, "innNnpId": rsin}),
    )
    assert created.status_code == 201 and created.json()["subjectIdentificatie"] == {"inpBsn": bsn}
    patch = {"subjectType": "niet_natuurlijk_persoon", "subjectIdentificatie": {"innNnpId": rsin}}
    response = httpx.patch(
        created.json()["url"], json=patch, headers=auth.headers(AuthMode.DEFAULT), timeout=10
    )
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["code"] == "wijzigen-niet-toegelaten"


def test_r9_zelfstandige_klant_is_accepted_and_r13_never_linked(legacy: tuple[str, ZgwJwtAuth]) -> None:
    root, auth = legacy
    body = _klant(achternaam="Zelfstandig")
    created = _post(root, auth, body)
    assert created.status_code == 201 and created.json()["subjectType"] is None
    url, bsn = created.json()["url"], new_bsn()
    headers = auth.headers(AuthMode.DEFAULT)
    attach = {"subjectType": "natuurlijk_persoon", "subjectIdentificatie": {"inpBsn": bsn}}
    assert httpx.patch(url, json=attach, headers=headers, timeout=10).status_code == 400
    assert httpx.put(url, json={**body, **attach}, headers=headers, timeout=10).status_code == 400
    subject = {"subjectType": "natuurlijk_persoon", "subject": "https://brp.example.org/p/1"}
    assert httpx.patch(url, json=subject, headers=headers, timeout=10).status_code == 400
    assert httpx.patch(url, json={"achternaam": "Nog steeds"}, headers=headers, timeout=10).status_code == 200
    assert _count(root, auth, subjectNatuurlijkPersoon__inpBsn=bsn) == 0


def test_a_name_only_identification_is_zelfstandig(legacy: tuple[str, ZgwJwtAuth]) -> None:
    root, auth = legacy
    named = _klant(subjectType="natuurlijk_persoon", subjectIdentificatie={"geslachtsnaam": "Naam"})
    url = _post(root, auth, named).json()["url"]
    patch = {"subjectIdentificatie": {"geslachtsnaam": "Naam", "inpBsn": new_bsn()}}
    assert httpx.patch(url, json=patch, headers=auth.headers(AuthMode.DEFAULT), timeout=10).status_code == 400


def test_identificator_required_variant_behaves_like_vng(legacy: tuple[str, ZgwJwtAuth]) -> None:
    with ReferenceServer(jwt=CLIENT, variant="identificator-required", profile="klanten-v1") as server:
        root, auth = server.root_for("klanten"), legacy[1]
        response = _post(root, auth, _klant())
        assert (
            response.status_code == 400 and response.json()["invalidParams"][0]["code"] == "invalid-subject"
        )


def test_references_and_variants_are_keyed_by_profile() -> None:
    with pytest.raises(ConfigError, match="no API 'nope'"):
        get_reference_api("nope")
    with pytest.raises(ConfigError, match="for profile klanten-v1"):
        get_variant("dup-bsn-race", "klanten-v1")
    assert get_variant("dup-bsn-race", "klantinteracties-v1").name == "dup-bsn-race"
    assert get_variant("nnp-filter-ignored", "klanten-v1").breaks_in("klanten-v1") == ("KLOK01-R11",)


def test_a_profile_naming_an_unknown_reference_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = load_profile("klanten-v1")
    fake = Profile(**{**real.__dict__, "name": "klanten-v1", "reference": "elsewhere"})
    monkeypatch.setattr(Settings, "load_profile", lambda self: fake)
    with pytest.raises(ConfigError, match="no API 'elsewhere'"):
        RunContext.open(Settings(profile="klanten-v1"))


def test_run_context_for_klanten_v1_targets_the_legacy_root_with_a_jwt() -> None:
    ctx = RunContext.open(Settings(profile="klanten-v1", run_id="legacy-root"))
    try:
        assert ctx.target_url.endswith("/klanten/api/v1")
        assert isinstance(ctx.auth, ZgwJwtAuth)
        assert ctx.server is not None and ctx.server.jwt.secret in ctx.redactor.secrets
        assert ctx.auth.token() in ctx.redactor.secrets
    finally:
        ctx.close()


def test_legacy_only_variants_have_an_observable_defect(legacy: tuple[str, ZgwJwtAuth]) -> None:
    only = {n for n in variants_for("klanten-v1") if "klantinteracties-v1" not in VARIANTS[n].profiles}
    assert only - INVARIANT_LAYER == {
        "nnp-filter-ignored",
        "vng-klanten-1.0",
        "strict-vng",
    }  # invariants: tests/invariants; strict-vng: test_strict_modes
    with ReferenceServer(jwt=CLIENT, variant="vng-klanten-1.0", profile="klanten-v1") as server:
        root, auth = server.root_for("klanten"), legacy[1]
        assert _post(root, auth, _klant()).status_code == 500  # as VNG's server answers it
        bsn = new_bsn()
        assert [_post(root, auth, _np(bsn)).status_code for _ in range(2)] == [201, 201]
        named = _klant(subjectType="natuurlijk_persoon", subjectIdentificatie={"geslachtsnaam": "N"})
        url = _post(root, auth, named).json()["url"]
        patch = {"subjectIdentificatie": {"inpBsn": new_bsn()}}
        assert (
            httpx.patch(url, json=patch, headers=auth.headers(AuthMode.DEFAULT), timeout=10).status_code
            == 200
        )
    with ReferenceServer(jwt=CLIENT, variant="nnp-filter-ignored", profile="klanten-v1") as server:
        root, auth = server.root_for("klanten"), legacy[1]
        for rsin in (new_bsn(), new_bsn()):
            body = _klant(subjectType="niet_natuurlijk_persoon", subjectIdentificatie={"innNnpId": rsin})
            assert _post(root, auth, body).status_code == 201
        assert _count(root, auth, subjectNietNatuurlijkPersoon__innNnpId=rsin) == 2  # the filter is ignored
