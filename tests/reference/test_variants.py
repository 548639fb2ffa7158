"""Every broken variant shows its defect over HTTP, and the reference does not."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from conformance.errors import ConfigError
from conformance.reference import VARIANTS, ReferenceServer, get_variant
from conformance.reference.variants import INVARIANT_LAYER, STRICT_MODES, variants_for
from tests.reference.conftest import Servers, bsn_group, kvk_group, new_bsn, new_kvk, partij

Probe = Callable[[httpx.Client, ReferenceServer], bool]


def _dup_bsn(c: httpx.Client, s: ReferenceServer) -> bool:
    bsn = new_bsn()
    c.post("/partijen", json=partij(bsn_group(bsn)))
    return c.post("/partijen", json=partij(bsn_group(bsn))).status_code == 201


def _dup_bsn_scoped(c: httpx.Client, s: ReferenceServer) -> bool:
    bsn = new_bsn()
    c.post("/partijen", json=partij(bsn_group(bsn)))
    org = c.post("/partijen", json=partij(kvk_group(new_kvk()), soort="organisatie")).json()
    body = {
        "partijIdentificator": bsn_group(bsn),
        "subIdentificatorVan": {"uuid": org["partijIdentificatoren"][0]["uuid"]},
    }
    return c.post("/partij-identificatoren", json=body).status_code == 201


def _race(c: httpx.Client, s: ReferenceServer) -> bool:
    bsn = new_bsn()
    with ThreadPoolExecutor(16) as pool:
        statuses = list(
            pool.map(lambda _: c.post("/partijen", json=partij(bsn_group(bsn))).status_code, range(16))
        )
    return statuses.count(201) > 1


def _kvk_unique(c: httpx.Client, s: ReferenceServer) -> bool:
    kvk = new_kvk()
    c.post("/partijen", json=partij(kvk_group(kvk), soort="organisatie"))
    return c.post("/partijen", json=partij(kvk_group(kvk), soort="organisatie")).status_code != 201


def _bsn_with_kvk(c: httpx.Client, s: ReferenceServer) -> bool:
    return c.post("/partijen", json=partij(bsn_group(new_bsn()), kvk_group(new_kvk()))).status_code == 201


def _zelfstandig_linkable(c: httpx.Client, s: ReferenceServer) -> bool:
    created = c.post("/partijen", json=partij()).json()
    body = {"identificeerdePartij": {"uuid": created["uuid"]}, "partijIdentificator": bsn_group(new_bsn())}
    return c.post("/partij-identificatoren", json=body).status_code == 201


def _anonymous_reads(c: httpx.Client, s: ReferenceServer) -> bool:
    return httpx.get(s.root_url + "/partijen").status_code == 200


def _anonymous_writes(c: httpx.Client, s: ReferenceServer) -> bool:
    return httpx.post(s.root_url + "/partijen", json=partij(bsn_group(new_bsn()))).status_code == 201


def _any_token(c: httpx.Client, s: ReferenceServer) -> bool:
    return (
        httpx.get(s.root_url + "/partijen", headers={"Authorization": "Token not-the-key"}).status_code == 200
    )


def _leaky_401(c: httpx.Client, s: ReferenceServer) -> bool:
    bsn = new_bsn()
    created = c.post("/partijen", json=partij(bsn_group(bsn))).json()
    response = httpx.get(f"{s.root_url}/partijen/{created['uuid']}")
    return response.status_code == 401 and bsn in response.text


def _no_elfproef(c: httpx.Client, s: ReferenceServer) -> bool:
    valid = new_bsn()
    broken = valid[:8] + str((int(valid[8]) + 1) % 10)  # one off in the last digit fails the 11-proef
    return c.post("/partijen", json=partij(bsn_group(broken))).status_code == 201


def _contract_drift(c: httpx.Client, s: ReferenceServer) -> bool:
    return not isinstance(c.post("/partijen", json=partij()).json()["indicatieActief"], bool)


def _dup_500(c: httpx.Client, s: ReferenceServer) -> bool:
    bsn = new_bsn()
    c.post("/partijen", json=partij(bsn_group(bsn)))
    return c.post("/partijen", json=partij(bsn_group(bsn))).status_code == 500


def _identificator_required(c: httpx.Client, s: ReferenceServer) -> bool:
    return c.post("/partijen", json=partij()).status_code != 201


def _bsn_filter_ignored(c: httpx.Client, s: ReferenceServer) -> bool:
    bsn = new_bsn()
    c.post("/partijen", json=partij(bsn_group(bsn)))
    c.post("/partijen", json=partij(bsn_group(new_bsn())))
    query = {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": bsn}
    return c.get("/partijen", params=query).json()["count"] != 1


def _identificatoren_hidden(c: httpx.Client, s: ReferenceServer) -> bool:
    created = c.post("/partijen", json=partij(bsn_group(new_bsn()))).json()
    return c.get(f"/partijen/{created['uuid']}").json()["partijIdentificatoren"] == []


PROBES: dict[str, Probe] = {
    "dup-bsn-accepted": _dup_bsn,
    "dup-bsn-via-sub-identificator": _dup_bsn_scoped,
    "dup-bsn-race": _race,
    "kvk-unique": _kvk_unique,
    "bsn-with-kvk": _bsn_with_kvk,
    "zelfstandig-linkable": _zelfstandig_linkable,
    "anonymous-reads": _anonymous_reads,
    "anonymous-writes": _anonymous_writes,
    "any-token": _any_token,
    "leaky-401": _leaky_401,
    "no-elfproef": _no_elfproef,
    "contract-drift": _contract_drift,
    "dup-500": _dup_500,
    "identificator-required": _identificator_required,
    "bsn-filter-ignored": _bsn_filter_ignored,
    "identificatoren-hidden": _identificatoren_hidden,
}


# decision-register variants (issue 20)
def _nummer_not_unique(c: httpx.Client, s: ReferenceServer) -> bool:
    nummer = new_kvk()
    c.post("/partijen", json={**partij(), "nummer": nummer})
    return c.post("/partijen", json={**partij(), "nummer": nummer}).status_code == 201


def _nummer_rekeys(c: httpx.Client, s: ReferenceServer) -> bool:
    created = c.post("/partijen", json={**partij(), "nummer": new_kvk()}).json()
    changed = c.patch(f"/partijen/{created['uuid']}", json={"nummer": new_kvk()}).json()
    return bool(changed["uuid"] != created["uuid"])


def _alternate_keys(c: httpx.Client, s: ReferenceServer) -> bool:
    bsn = new_bsn()
    c.post("/partijen", json=partij(bsn_group(bsn)))
    return c.get(f"/partijen/{bsn}").status_code == 200


def _both_names(c: httpx.Client, s: ReferenceServer) -> bool:
    body = {**partij(), "partijIdentificatie": {"naam": "Dubbel BV", "contactnaam": {"achternaam": "Dubbel"}}}
    return "naam" in c.post("/partijen", json=body).json()["partijIdentificatie"]


def _one_betrokkene(c: httpx.Client, s: ReferenceServer) -> bool:
    contact = {"kanaal": "balie", "onderwerp": "probe", "taal": "dut", "vertrouwelijk": False}
    klantcontact = c.post("/klantcontacten", json=contact).json()["uuid"]
    body = {"hadKlantcontact": {"uuid": klantcontact}, "wasPartij": None, "rol": "klant", "initiator": True}
    c.post("/betrokkenen", json=body)
    return c.post("/betrokkenen", json=body).status_code != 201


def _dedupe_by_name(c: httpx.Client, s: ReferenceServer) -> bool:
    naam = {"voornaam": "Henk", "achternaam": f"Probe-{uuid.uuid4()}"}
    body = {**partij(), "partijIdentificatie": {"contactnaam": naam}}
    c.post("/partijen", json=body)
    return c.post("/partijen", json={**body, "soortPartij": "contactpersoon"}).status_code != 201


def _identificator_immutable(c: httpx.Client, s: ReferenceServer) -> bool:
    created = c.post("/partijen", json=partij(bsn_group(new_bsn()))).json()
    identificator = created["partijIdentificatoren"][0]["uuid"]
    body = {"partijIdentificator": bsn_group(new_bsn())}
    return c.patch(f"/partij-identificatoren/{identificator}", json=body).status_code != 200


def _betrokkene_drops_partij(c: httpx.Client, s: ReferenceServer) -> bool:
    known = c.post("/partijen", json=partij(bsn_group(new_bsn()))).json()["uuid"]
    contact = {"kanaal": "balie", "onderwerp": "probe", "taal": "dut", "vertrouwelijk": False}
    klantcontact = c.post("/klantcontacten", json=contact).json()["uuid"]
    body = {
        "hadKlantcontact": {"uuid": klantcontact},
        "wasPartij": {"uuid": known},
        "rol": "klant",
        "initiator": True,
    }
    return c.post("/betrokkenen", json=body).json()["wasPartij"] is None


PROBES.update(
    {
        "nummer-not-unique": _nummer_not_unique,
        "nummer-rekeys": _nummer_rekeys,
        "alternate-keys": _alternate_keys,
        "both-names": _both_names,
        "one-betrokkene-per-klantcontact": _one_betrokkene,
        "dedupe-by-name": _dedupe_by_name,
        "identificator-immutable": _identificator_immutable,
        "betrokkene-drops-partij": _betrokkene_drops_partij,
    }
)


def test_every_variant_has_a_probe() -> None:
    # Probes on the Klantinteracties API; legacy-only variants: tests/reference/test_klanten_api.py.
    # Conformant variants (the reference, the strict modes: tests/reference/test_strict_modes.py)
    # have no defect to probe; the invariant layer's variants are proven by tests/invariants (their
    # defect needs a sequence), its controls included.
    conformant = {"reference", *STRICT_MODES}
    assert set(PROBES) == set(variants_for("klantinteracties-v1")) - conformant - INVARIANT_LAYER
    assert all(VARIANTS[name].breaks == () for name in conformant)
    unbroken = conformant | {n for n in INVARIANT_LAYER if not VARIANTS[n].breaks}
    assert all(v.breaks and v.description for name, v in VARIANTS.items() if name not in unbroken)


@pytest.mark.parametrize("variant", sorted(PROBES))
def test_variant_defect_is_observable(
    variant: str, servers: Servers, client_for: Callable[[str], httpx.Client]
) -> None:
    probe = PROBES[variant]
    assert probe(client_for(variant), servers.get(variant)), f"{variant}: defect not observable"
    assert not probe(client_for("reference"), servers.get("reference")), (
        f"reference shows the {variant} defect"
    )


def test_dup_bsn_accepted_also_misses_the_race_and_variants_keep_other_rules(
    servers: Servers, client_for: Callable[[str], httpx.Client]
) -> None:
    """A variant flips one switch: the dup-500 server still refuses a bad 11-proef with 400."""
    response = client_for("dup-500").post("/partijen", json=partij(bsn_group("123456789")))
    assert response.status_code == 400
    assert client_for("anonymous-reads").get(f"/partijen/{uuid.uuid4()}").status_code == 404


def test_get_variant_names_the_known_variants() -> None:
    assert get_variant("dup-500").breaks == ("KLOK01-R4", "CONTRACT-NO-SERVER-ERROR")
    with pytest.raises(ConfigError, match="bsn-filter-ignored"):
        get_variant("does-not-exist")
