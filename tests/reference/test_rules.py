"""KLOK01 rules on every route of the reference server (R1, R4, R5, R6, R9, R11, R13, identifier formats)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from conformance.reference.problems import SOORT_UNIQUE_REASON, UNIQUE_REASON
from conformance.reference.rules import BSN_WITH_NNP_REASON, ZELFSTANDIG_REASON, elfproef
from tests.reference.conftest import bsn_group, kvk_group, new_bsn, new_kvk, param_names, partij, rsin_group


def _count_bsn(client: httpx.Client, bsn: str) -> int:
    query = {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": bsn}
    return int(client.get("/partijen", params=query).json()["count"])


def _reasons(response: httpx.Response) -> list[str]:
    return [p["reason"] for p in response.json()["invalidParams"]]


# -- R1, R9: both shapes are storable ---------------------------------------------------------------
def test_partij_with_and_without_identificatoren_are_created(client: httpx.Client) -> None:
    zelfstandig = client.post("/partijen", json=partij())
    aangehaakt = client.post("/partijen", json=partij(bsn_group(new_bsn())))
    assert (zelfstandig.status_code, aangehaakt.status_code) == (201, 201)
    assert zelfstandig.json()["partijIdentificatoren"] == []
    nested = aangehaakt.json()["partijIdentificatoren"][0]
    assert nested["identificeerdePartij"]["uuid"] == aangehaakt.json()["uuid"]


# -- R4: one partij per BSN on every route ----------------------------------------------------------
def test_duplicate_bsn_nested_create_is_refused_and_rolled_back(client: httpx.Client) -> None:
    bsn = new_bsn()
    assert client.post("/partijen", json=partij(bsn_group(bsn))).status_code == 201
    before = client.get("/partijen").json()["count"]
    second = client.post("/partijen", json=partij(bsn_group(bsn)))
    assert second.status_code == 400
    assert second.json()["invalidParams"] == [{"name": "__all__", "code": "invalid", "reason": UNIQUE_REASON}]
    assert client.get("/partijen").json()["count"] == before
    assert _count_bsn(client, bsn) == 1


def test_duplicate_bsn_via_partij_identificatoren_is_refused(client: httpx.Client) -> None:
    bsn = new_bsn()
    client.post("/partijen", json=partij(bsn_group(bsn)))
    orphan = client.post("/partij-identificatoren", json={"partijIdentificator": bsn_group(bsn)})
    assert orphan.status_code == 400
    assert UNIQUE_REASON in _reasons(orphan)


def test_duplicate_bsn_via_patch_and_put_of_partij_is_refused(client: httpx.Client) -> None:
    bsn = new_bsn()
    client.post("/partijen", json=partij(bsn_group(bsn)))
    other = client.post("/partijen", json=partij(bsn_group(new_bsn()))).json()
    items = [{"partijIdentificator": bsn_group(bsn)}]
    patched = client.patch(f"/partijen/{other['uuid']}", json={"partijIdentificatoren": items})
    put = client.put(f"/partijen/{other['uuid']}", json={**partij(), "partijIdentificatoren": items})
    assert (patched.status_code, put.status_code) == (400, 400)
    assert _count_bsn(client, bsn) == 1


def test_duplicate_bsn_via_patch_of_identificator_is_refused(client: httpx.Client) -> None:
    bsn = new_bsn()
    client.post("/partijen", json=partij(bsn_group(bsn)))
    other = client.post("/partijen", json=partij(bsn_group(new_bsn()))).json()
    ident = other["partijIdentificatoren"][0]["uuid"]
    response = client.patch(f"/partij-identificatoren/{ident}", json={"partijIdentificator": bsn_group(bsn)})
    assert response.status_code == 400
    assert _count_bsn(client, bsn) == 1


def test_duplicate_bsn_scoped_with_sub_identificator_is_refused(client: httpx.Client) -> None:
    """Open Klant's loophole: a BSN under a subIdentificatorVan escapes its constraint; ours does not."""
    bsn = new_bsn()
    client.post("/partijen", json=partij(bsn_group(bsn)))
    org = client.post("/partijen", json=partij(kvk_group(new_kvk()), soort="organisatie")).json()
    kvk_ident = org["partijIdentificatoren"][0]["uuid"]
    body = {"partijIdentificator": bsn_group(bsn), "subIdentificatorVan": {"uuid": kvk_ident}}
    assert client.post("/partij-identificatoren", json=body).status_code == 400
    nested = partij()
    nested["partijIdentificatoren"] = [body]
    assert client.post("/partijen", json=nested).status_code == 400
    assert _count_bsn(client, bsn) == 1


def test_sixteen_concurrent_duplicate_creates_give_one_partij(client: httpx.Client) -> None:
    bsn = new_bsn()
    with ThreadPoolExecutor(16) as pool:
        statuses = sorted(
            pool.map(lambda _: client.post("/partijen", json=partij(bsn_group(bsn))).status_code, range(16))
        )
    assert statuses.count(201) == 1
    assert all(400 <= s < 500 for s in statuses if s != 201)
    assert _count_bsn(client, bsn) == 1


def test_two_bsn_on_one_partij_are_refused(client: httpx.Client) -> None:
    response = client.post("/partijen", json=partij(bsn_group(new_bsn()), bsn_group(new_bsn())))
    assert response.status_code == 400
    assert SOORT_UNIQUE_REASON in _reasons(response)


# -- R5: many partijen per KvK-nummer or RSIN -------------------------------------------------------
@pytest.mark.parametrize("soort", ["kvk_nummer", "rsin"])
def test_many_partijen_per_kvk_or_rsin(client: httpx.Client, soort: str) -> None:
    group = kvk_group(new_kvk()) if soort == "kvk_nummer" else rsin_group(new_bsn())
    first = client.post("/partijen", json=partij(group, soort="organisatie"))
    second = client.post("/partijen", json=partij(group, soort="organisatie"))
    assert (first.status_code, second.status_code) == (201, 201)


# -- R6: never a BSN together with a KvK-nummer or RSIN ---------------------------------------------
def test_bsn_with_kvk_or_rsin_is_refused_on_every_route(client: httpx.Client) -> None:
    nested = client.post("/partijen", json=partij(bsn_group(new_bsn()), kvk_group(new_kvk())))
    assert nested.status_code == 400
    assert BSN_WITH_NNP_REASON in _reasons(nested)
    person = client.post("/partijen", json=partij(bsn_group(new_bsn()))).json()
    added = client.post(
        "/partij-identificatoren",
        json={"identificeerdePartij": {"uuid": person["uuid"]}, "partijIdentificator": rsin_group(new_bsn())},
    )
    assert added.status_code == 400
    assert param_names(added) == ["identificeerdePartij"]
    items = [{"partijIdentificator": bsn_group(new_bsn())}, {"partijIdentificator": kvk_group(new_kvk())}]
    assert (
        client.patch(f"/partijen/{person['uuid']}", json={"partijIdentificatoren": items}).status_code == 400
    )


# -- R13: a zelfstandige partij stays zelfstandig --------------------------------------------------
def test_zelfstandige_partij_cannot_be_linked(client: httpx.Client) -> None:
    zelfstandig = client.post("/partijen", json=partij()).json()
    ref = {"uuid": zelfstandig["uuid"]}
    via_post = client.post(
        "/partij-identificatoren",
        json={"identificeerdePartij": ref, "partijIdentificator": bsn_group(new_bsn())},
    )
    items = [{"partijIdentificator": bsn_group(new_bsn())}]
    via_patch = client.patch(f"/partijen/{zelfstandig['uuid']}", json={"partijIdentificatoren": items})
    via_put = client.put(
        f"/partijen/{zelfstandig['uuid']}", json={**partij(), "partijIdentificatoren": items}
    )
    orphan = client.post("/partij-identificatoren", json={"partijIdentificator": bsn_group(new_bsn())}).json()
    via_move = client.patch(f"/partij-identificatoren/{orphan['uuid']}", json={"identificeerdePartij": ref})
    for response in (via_post, via_patch, via_put, via_move):
        assert response.status_code == 400, response.text
        assert ZELFSTANDIG_REASON in _reasons(response)
    assert client.get(f"/partijen/{zelfstandig['uuid']}").json()["partijIdentificatoren"] == []
    assert (
        client.patch(f"/partijen/{zelfstandig['uuid']}", json={"partijIdentificatoren": []}).status_code
        == 200
    )


def test_aangehaakte_partij_may_replace_and_remove_its_identificatoren(client: httpx.Client) -> None:
    created = client.post("/partijen", json=partij(bsn_group(new_bsn()))).json()
    new = new_bsn()
    replaced = client.patch(
        f"/partijen/{created['uuid']}",
        json={"partijIdentificatoren": [{"partijIdentificator": bsn_group(new)}]},
    )
    assert replaced.status_code == 200
    assert [i["partijIdentificator"]["objectId"] for i in replaced.json()["partijIdentificatoren"]] == [new]
    emptied = client.patch(f"/partijen/{created['uuid']}", json={"partijIdentificatoren": []})
    assert emptied.status_code == 200 and emptied.json()["partijIdentificatoren"] == []


def test_zelfstandige_betrokkene_cannot_be_linked_to_a_partij(client: httpx.Client) -> None:
    contact = client.post(
        "/klantcontacten",
        json={"kanaal": "balie", "onderwerp": "vraag", "taal": "nld", "vertrouwelijk": False},
    ).json()
    betrokkene = client.post(
        "/betrokkenen",
        json={
            "hadKlantcontact": {"uuid": contact["uuid"]},
            "wasPartij": None,
            "rol": "klant",
            "initiator": True,
            "contactnaam": {"voornaam": "Anoniem"},
        },
    )
    assert betrokkene.status_code == 201
    assert betrokkene.json()["volledigeNaam"] == "Anoniem"
    person = client.post("/partijen", json=partij(bsn_group(new_bsn()))).json()
    linked = client.patch(
        f"/betrokkenen/{betrokkene.json()['uuid']}", json={"wasPartij": {"uuid": person["uuid"]}}
    )
    assert linked.status_code == 400
    assert param_names(linked) == ["wasPartij"]


# -- identifier formats ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("group", "fragment"),
    [
        (bsn_group("123456789"), "Onjuist BSN nummer"),
        (bsn_group("12345678"), "9 tekens"),
        (rsin_group("123456789"), "Onjuist RSIN nummer"),
        (kvk_group("123456789"), "8 tekens"),
        ({**kvk_group("12345678"), "codeRegister": "brp"}, "niet toegestaan"),
    ],
)
def test_identifier_formats_are_checked(client: httpx.Client, group: dict[str, str], fragment: str) -> None:
    response = client.post("/partijen", json=partij(group))
    assert response.status_code == 400
    [param] = response.json()["invalidParams"]
    assert param["name"].startswith("partijIdentificatoren.0.partijIdentificator.")
    assert fragment in param["reason"]


def test_objectid_digits_are_a_rule_not_a_contract_pattern(client: httpx.Client) -> None:
    """The contract has upstream's free objectId (maxLength 200); IDENT-FORMAT is the rule code's."""
    response = client.post("/partij-identificatoren", json={"partijIdentificator": bsn_group("12345678A")})
    assert response.status_code == 400
    assert param_names(response) == ["partijIdentificator.objectId"]


def test_vestigingsnummer_needs_a_kvk_parent(client: httpx.Client) -> None:
    vestiging = {
        "codeObjecttype": "vestiging",
        "codeSoortObjectId": "vestigingsnummer",
        "objectId": "296648875154",
        "codeRegister": "hr",
    }
    orphan = client.post("/partij-identificatoren", json={"partijIdentificator": vestiging})
    assert orphan.status_code == 400 and param_names(orphan) == ["subIdentificatorVan"]
    org = client.post("/partijen", json=partij(kvk_group(new_kvk()), soort="organisatie")).json()
    parent = {"uuid": org["partijIdentificatoren"][0]["uuid"]}
    scoped = client.post(
        "/partij-identificatoren", json={"partijIdentificator": vestiging, "subIdentificatorVan": parent}
    )
    assert scoped.status_code == 201
    assert scoped.json()["subIdentificatorVan"]["uuid"] == parent["uuid"]


def test_elfproef() -> None:
    assert elfproef("999990019") and elfproef("123456782") and elfproef("000000000")
    assert not elfproef("123456789") and not elfproef("12345678") and not elfproef("12345678A")


# -- R11: lookup by BSN ----------------------------------------------------------------------------
def test_lookup_by_bsn_finds_exactly_one(client: httpx.Client) -> None:
    bsn = new_bsn()
    created = client.post("/partijen", json=partij(bsn_group(bsn))).json()
    client.post("/partijen", json=partij(bsn_group(new_bsn())))
    found = client.get(
        "/partijen",
        params={"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": bsn},
    ).json()
    assert found["count"] == 1 and found["results"][0]["uuid"] == created["uuid"]
    idents = client.get("/partij-identificatoren", params={"partijIdentificatorObjectId": bsn}).json()
    assert idents["count"] == 1
    # Filters Open Klant does not have are refused, as Open Klant refuses unknown query parameters.
    refused = client.get("/partij-identificatoren", params={"identificeerdePartij__uuid": created["uuid"]})
    assert refused.status_code == 400


def test_a_lookup_by_identifier_uses_the_index_not_a_scan_of_every_partij() -> None:
    """The suite's lookups must not grow with the target's size (benchmarks/bench_scaling.py): a
    correlated EXISTS made SQLite probe the identificatoren once per stored partij."""
    from conformance.reference.partijen import PartijResource
    from conformance.reference.storage import Store
    from conformance.reference.variants import Switches

    store = Store(":memory:", Switches())
    try:
        where, params = PartijResource(store, Switches()).filters(
            {"partijIdentificator__objectId": "999990019"}
        )
        sql = f"EXPLAIN QUERY PLAN SELECT * FROM partij WHERE {' AND '.join(where)}"
        plan = " | ".join(str(row[-1]) for row in store.all(sql, params))
    finally:
        store.close()
    assert "SEARCH pi USING INDEX ix_identificator_object" in plan and "SCAN partij" not in plan, plan
