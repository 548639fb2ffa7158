"""The contract loads in schemathesis, and the reference server's responses conform to it."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conformance.reference import ReferenceServer
from conformance.reference.server import contract_path
from tests.reference.conftest import bsn_group, kvk_group, new_bsn, new_kvk, partij

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def schema() -> Any:
    return schemathesis.openapi.from_path(str(contract_path()))


def _validate(schema: Any, reference: ReferenceServer, response: httpx.Response) -> None:
    path = response.request.url.path.removeprefix("/klantinteracties/api/v1")
    operation = schema.find_operation_by_path(response.request.method, path)
    assert operation is not None, f"{response.request.method} {path} is not in the contract"
    pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(operation.path)) + "$"
    match = re.match(pattern, path)
    assert match is not None
    case = operation.Case(path_parameters=match.groupdict(), query=dict(response.request.url.params) or None)
    case.validate_response(response, checks=CHECKS)


def test_contract_loads_with_all_operations(schema: Any) -> None:
    operations = {result.ok().definition.raw["operationId"] for result in schema.get_all_operations()}
    for prefix in ("partijen", "partijIdentificatoren", "digitaleadressen", "klantcontacten", "betrokkenen"):
        for action in ("List", "Create", "Retrieve", "Update", "PartialUpdate", "Destroy"):
            assert prefix + action in operations
    assert len(operations) == 30


def test_reference_responses_conform(schema: Any, reference: ReferenceServer, client: httpx.Client) -> None:
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
        _validate(schema, reference, response)


def test_contract_drift_is_caught_by_response_validation(schema: Any, servers: Any) -> None:
    drift = servers.get("contract-drift")
    with httpx.Client(base_url=drift.root_url, headers={"Authorization": f"Token {drift.token}"}) as c:
        response = c.post("/partijen", json=partij())
    # NB: in schemathesis 4.32.5 FailureGroup is a BaseExceptionGroup, not an AssertionError.
    with pytest.raises(FailureGroup) as caught:
        _validate(schema, drift, response)
    assert 'is not of type "boolean"' in str(caught.value.exceptions[0])
