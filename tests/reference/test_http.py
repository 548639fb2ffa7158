"""HTTP behaviour of the reference server: auth, problem details, pagination, media types, lifecycle."""

from __future__ import annotations

import uuid

import httpx
import pytest

from conformance.errors import ConfigError
from conformance.reference import ReferenceServer
from tests.reference.conftest import bsn_group, new_bsn, param_names, partij

PROBLEM_KEYS = {"type", "code", "title", "status", "detail", "instance"}


# -- authentication (R7, R8) -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "not_authenticated"),
        ("Token wrong", "authentication_failed"),
        ("Token", "authentication_failed"),
        ("Bearer {token}", "not_authenticated"),
        ("Token a b", "authentication_failed"),
    ],
)
def test_requests_without_valid_token_get_401(
    reference: ReferenceServer, authorization: str | None, code: str
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization.format(token=reference.token)}
    for method, path in (
        ("GET", "/partijen"),
        ("POST", "/partijen"),
        ("GET", f"/betrokkenen/{uuid.uuid4()}"),
    ):
        response = httpx.request(method, reference.root_url + path, headers=headers, json=partij())
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Token"
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == code and set(body) == PROBLEM_KEYS
        assert body["instance"].startswith("urn:uuid:")


def test_401_is_identical_for_existing_and_missing_partij(
    reference: ReferenceServer, client: httpx.Client
) -> None:
    bsn = new_bsn()
    existing = client.post("/partijen", json=partij(bsn_group(bsn))).json()["uuid"]
    answers = [httpx.get(f"{reference.root_url}/partijen/{u}") for u in (existing, str(uuid.uuid4()))]
    assert [a.status_code for a in answers] == [401, 401]
    strip = [{k: v for k, v in a.json().items() if k != "instance"} for a in answers]
    assert strip[0] == strip[1]
    assert existing not in answers[0].text and bsn not in answers[0].text


def test_unauthenticated_write_registers_nothing(reference: ReferenceServer, client: httpx.Client) -> None:
    bsn = new_bsn()
    assert httpx.post(reference.root_url + "/partijen", json=partij(bsn_group(bsn))).status_code == 401
    assert client.get("/partijen", params={"partijIdentificator__objectId": bsn}).json()["count"] == 0


def test_openapi_is_served_without_auth(reference: ReferenceServer) -> None:
    response = httpx.get(reference.root_url + "/openapi.yaml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.oai.openapi")
    assert "partijenCreate" in response.text


# -- errors ------------------------------------------------------------------------------------------
def test_unknown_uuid_and_malformed_uuid_give_404(client: httpx.Client) -> None:
    for path in (
        f"/partijen/{uuid.uuid4()}",
        "/partijen/not-a-uuid",
        f"/partij-identificatoren/{uuid.uuid4()}",
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_non_json_body_gives_415(client: httpx.Client) -> None:
    response = client.post(
        "/partijen",
        content=b"soortPartij=persoon",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_unknown_query_parameter_gives_400(client: httpx.Client) -> None:
    response = client.get("/partijen", params={"bsn": "999990019"})
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["reason"] == "Onbekende query parameters: bsn"


def test_validation_errors_name_camelcase_fields(client: httpx.Client) -> None:
    response = client.post("/partijen", json={"soortPartij": "klant"})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == PROBLEM_KEYS | {"invalidParams"}
    assert sorted(param_names(response)) == ["indicatieActief", "soortPartij"]
    assert {p["code"] for p in body["invalidParams"]} == {"required", "invalid_choice"}


def test_invalid_json_and_non_object_bodies_give_400(client: httpx.Client) -> None:
    assert (
        client.post("/partijen", content=b"{", headers={"Content-Type": "application/json"}).status_code
        == 400
    )
    assert client.post("/partijen", json=[1, 2]).status_code == 400
    assert client.post("/partijen", json={"soortPartij": "persoon", "indicatieActief": 1}).status_code == 400


def test_every_response_carries_api_version(reference: ReferenceServer, client: httpx.Client) -> None:
    responses = [
        client.get("/partijen"),
        client.get("/nope"),
        client.delete("/partijen"),
        httpx.get(reference.root_url + "/partijen"),
    ]
    assert [r.headers.get("API-version") for r in responses] == ["0.9.0"] * 4
    assert [r.status_code for r in responses] == [200, 404, 405, 401]


# -- resources ---------------------------------------------------------------------------------------
def test_create_has_location_and_absolute_urls(reference: ReferenceServer, client: httpx.Client) -> None:
    response = client.post("/partijen", json=partij(bsn_group(new_bsn())))
    body = response.json()
    assert response.headers["Location"] == body["url"] == f"{reference.root_url}/partijen/{body['uuid']}"
    assert body["partijIdentificatoren"][0]["url"].startswith(reference.root_url + "/partij-identificatoren/")
    assert client.get(body["url"]).json() == body


def test_pagination(client: httpx.Client) -> None:
    for _ in range(3):
        client.post("/partijen", json=partij(soort="contactpersoon"))
    total = client.get("/partijen", params={"soortPartij": "contactpersoon"}).json()["count"]
    assert total >= 3
    first = client.get("/partijen", params={"soortPartij": "contactpersoon", "pageSize": 2}).json()
    assert len(first["results"]) == 2 and first["previous"] is None and "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert second["previous"] is not None
    assert {r["uuid"] for r in first["results"]}.isdisjoint({r["uuid"] for r in second["results"]})
    assert client.get("/partijen", params={"page": 10_000}).status_code == 404
    assert client.get("/partijen", params={"page": "x"}).status_code == 400
    assert client.get("/partijen", params={"pageSize": 100_000}).status_code == 200


def test_delete_partij_cascades_and_clears_references(client: httpx.Client) -> None:
    created = client.post("/partijen", json=partij(bsn_group(new_bsn()))).json()
    ident = created["partijIdentificatoren"][0]["uuid"]
    contact = client.post(
        "/klantcontacten", json={"kanaal": "telefoon", "onderwerp": "x", "taal": "nld", "vertrouwelijk": True}
    ).json()
    betrokkene = client.post(
        "/betrokkenen",
        json={
            "hadKlantcontact": {"uuid": contact["uuid"]},
            "wasPartij": {"uuid": created["uuid"]},
            "rol": "klant",
            "initiator": False,
        },
    ).json()
    adres = client.post(
        "/digitaleadressen",
        json={
            "verstrektDoorPartij": {"uuid": created["uuid"]},
            "adres": "a@example.org",
            "soortDigitaalAdres": "email",
        },
    ).json()
    assert client.get(f"/partijen/{created['uuid']}").json()["digitaleAdressen"][0]["uuid"] == adres["uuid"]
    by_partij = client.get("/digitaleadressen", params={"verstrektDoorPartij__uuid": created["uuid"]}).json()
    assert [a["uuid"] for a in by_partij["results"]] == [adres["uuid"]]
    by_contact = client.get("/betrokkenen", params={"hadKlantcontact__uuid": contact["uuid"]}).json()
    assert [b["uuid"] for b in by_contact["results"]] == [betrokkene["uuid"]]
    other = str(uuid.uuid4())
    assert client.get("/betrokkenen", params={"wasPartij__uuid": other}).json()["count"] == 0
    assert (
        client.get("/digitaleadressen", params={"verstrektDoorBetrokkene__uuid": other}).json()["count"] == 0
    )
    assert client.delete(f"/partijen/{created['uuid']}").status_code == 204
    assert client.get(f"/partijen/{created['uuid']}").status_code == 404
    assert client.get(f"/partij-identificatoren/{ident}").status_code == 404
    assert client.get(f"/digitaleadressen/{adres['uuid']}").status_code == 404
    assert client.get(f"/betrokkenen/{betrokkene['uuid']}").json()["wasPartij"] is None


def test_server_lifecycle_and_unknown_variant() -> None:
    with pytest.raises(ConfigError, match="known variants: reference"):
        ReferenceServer(variant="nope").start()
    server = ReferenceServer(token="t" * 40).start()
    assert server.token == "t" * 40 and server.root_url.endswith("/klantinteracties/api/v1")
    server.stop()
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.root_url + "/openapi.yaml", timeout=2)
