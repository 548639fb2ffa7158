"""The contract loads in schemathesis, and the reference server's responses conform to it.

Responses are judged as a run judges them: ``ContractValidator`` with the profile's status and
problem-details policies.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import schemathesis

from conformance.reference import ReferenceServer
from conformance.reference.server import contract_path
from conformance.results import ContractFinding
from tests.reference.conftest import bsn_group, kvk_group, new_bsn, new_kvk, partij
from tests.support.contract import judge


@pytest.fixture(scope="module")
def schema() -> Any:
    return schemathesis.openapi.from_path(str(contract_path()))


def _findings(reference: ReferenceServer, response: httpx.Response) -> list[ContractFinding]:
    findings, checked = judge(contract_path(), reference.root_url, response)
    assert {"CONTRACT-STATUS", "CONTRACT-SCHEMA"} <= checked
    return findings


def _validate(reference: ReferenceServer, response: httpx.Response) -> None:
    findings = _findings(reference, response)
    assert findings == [], f"{response.request.method} {response.request.url}: {findings}"


def test_contract_loads_with_all_operations(schema: Any) -> None:
    operations = {result.ok().definition.raw["operationId"] for result in schema.get_all_operations()}
    for prefix in ("partijen", "partijIdentificatoren", "digitaleadressen", "klantcontacten", "betrokkenen"):
        for action in ("List", "Create", "Retrieve", "Update", "PartialUpdate", "Destroy"):
            assert prefix + action in operations
    assert len(operations) == 30


def test_reference_responses_conform(reference: ReferenceServer, client: httpx.Client) -> None:
    responses: list[httpx.Response] = []
    send = responses.append
    person = client.post("/partijen", json=partij(bsn_group(new_bsn())))
    send(person)
    pid = person.json()["uuid"]
    org = client.post(
        "/partijen",
        json={**partij(kvk_group(new_kvk()), soort="organisatie"), "partijIdentificatie": {"naam": "Acme"}},
    )
    send(org)
    send(
        client.post(
            "/partijen",
            json=partij(
                bsn_group(person.json()["partijIdentificatoren"][0]["partijIdentificator"]["objectId"])
            ),
        )
    )
    send(client.post("/partijen", json={"soortPartij": 1}))
    send(client.get("/partijen", params={"pageSize": 1}))
    send(client.get("/partijen", params={"page": 99999}))
    send(client.get("/partijen", params={"onbekend": 1}))
    send(client.get(f"/partijen/{pid}"))
    send(client.get(f"/partijen/{uuid.uuid4()}"))
    send(client.patch(f"/partijen/{pid}", json={"interneNotitie": "bijgewerkt"}))
    send(client.put(f"/partijen/{pid}", json=partij()))
    send(client.post("/partijen", content=b"x", headers={"Content-Type": "text/plain"}))
    send(httpx.get(f"{reference.root_url}/partijen/{pid}"))
    ident = client.post("/partij-identificatoren", json={"partijIdentificator": bsn_group(new_bsn())})
    send(ident)
    send(client.get("/partij-identificatoren", params={"partijIdentificatorCodeSoortObjectId": "bsn"}))
    send(
        client.patch(
            f"/partij-identificatoren/{ident.json()['uuid']}", json={"anderePartijIdentificator": "x"}
        )
    )
    contact = client.post(
        "/klantcontacten",
        json={
            "kanaal": "e-mail",
            "onderwerp": "o",
            "taal": "nld",
            "vertrouwelijk": False,
            "plaatsgevondenOp": "2024-05-01T10:00:00+02:00",
        },
    )
    send(contact)
    betrokkene = client.post(
        "/betrokkenen",
        json={
            "hadKlantcontact": {"uuid": contact.json()["uuid"]},
            "wasPartij": {"uuid": pid},
            "rol": "klant",
            "initiator": True,
        },
    )
    send(betrokkene)
    adres = client.post(
        "/digitaleadressen",
        json={
            "verstrektDoorBetrokkene": {"uuid": betrokkene.json()["uuid"]},
            "adres": "06",
            "soortDigitaalAdres": "telefoonnummer",
        },
    )
    send(adres)
    for path in (
        "/klantcontacten",
        "/betrokkenen",
        "/digitaleadressen",
        f"/partijen/{pid}",
        f"/klantcontacten/{contact.json()['uuid']}",
    ):
        send(client.get(path))
    send(client.delete(f"/digitaleadressen/{adres.json()['uuid']}"))
    send(client.delete(f"/partij-identificatoren/{ident.json()['uuid']}"))
    statuses = {r.status_code for r in responses}
    assert statuses >= {200, 201, 204, 400, 401, 404, 415}
    for response in responses:
        _validate(reference, response)


def test_contract_drift_is_caught_by_response_validation(servers: Any) -> None:
    drift = servers.get("contract-drift")
    with httpx.Client(base_url=drift.root_url, headers={"Authorization": f"Token {drift.token}"}) as c:
        response = c.post("/partijen", json=partij())
    [finding] = _findings(drift, response)
    assert finding.requirement == "CONTRACT-SCHEMA"
    assert 'is not of type "boolean"' in finding.message
    assert finding.basis is not None
    assert finding.basis["pointer"] == "/paths/~1partijen/post/responses/201/content/application~1json/schema"
    assert finding.basis["document"]["title"].startswith(
        "klanten-conformance contract of the Klantinteracties API"
    )
    assert (
        finding.basis["published"]["title"] == "klantinteracties"
        and finding.basis["published"]["version"] == "0.9.0"
    )
    assert len(finding.basis["document"]["sha256"]) == 64
