"""Fuzzing's positive path (conformance.fuzz.positive, issue 19): a pool for updates and references,
each write operation's 2xx share, and "judged only partly" when a write operation never succeeded."""

from __future__ import annotations

from typing import Any

from conformance.catalogue import load_catalogues
from conformance.discriminator import load_document
from conformance.fuzz import positive
from conformance.report import RunRecorder, judge, valid_path_lines
from conformance.resources import specs_dir

SPEC = specs_dir() / "klantinteracties-v1" / "openapi.yaml"


def test_updates_and_foreign_keys_draw_from_the_pool_in_a_copy_only() -> None:
    document = load_document(SPEC)
    assert positive.pooled_collections(document) >= {"partijen", "klantcontacten", "betrokkenen"}
    pool = {"partijen": ["11111111-1111-4111-8111-111111111111"], "klantcontacten": []}
    hinted = positive.with_pool(document, pool)
    for method in ("put", "patch"):
        params = hinted["paths"]["/partijen/{uuid}"][method]["parameters"]
        uuid = next(p for p in params if p["name"] == "uuid")
        assert uuid["schema"] == {"type": "string", "format": "existing-partijen"}
    assert "parameters" not in hinted["paths"]["/partijen/{uuid}"]["delete"]  # DELETE stays random
    schemas = hinted["components"]["schemas"]
    assert schemas["PartijForeignKey"]["properties"]["uuid"]["format"] == "existing-partijen"
    assert schemas["KlantcontactForeignKey"]["properties"]["uuid"]["format"] == "uuid"  # empty pool
    assert document["components"]["schemas"]["PartijForeignKey"]["properties"]["uuid"]["format"] == "uuid"


def test_valid_path_counts_write_operations_only() -> None:
    counted = positive.ValidPath()
    for status, mode in ((201, "positive"), (400, "positive"), (400, "negative"), (400, "negative")):
        counted.observe("POST /partijen", "POST", status, mode)
    counted.observe("PUT /partijen/{uuid}", "PUT", 404)
    counted.observe("GET /partijen", "GET", 200)
    section = counted.section()
    assert set(section) == {"POST /partijen", "PUT /partijen/{uuid}"}
    assert section["POST /partijen"]["share_2xx"] == 0.25
    assert section["POST /partijen"]["positive_share_2xx"] == 0.5
    assert counted.not_exercised() == ["PUT /partijen/{uuid}"]
    lines = valid_path_lines({"valid_path": section})
    assert "  PUT /partijen/{uuid}: 0% VALID PATH NOT EXERCISED" in lines


def _judged(not_exercised: list[str]) -> dict[str, Any]:
    recorder = RunRecorder()
    catalogue = load_catalogues(["contract"])
    recorder.record_contract([], {r.id for r in catalogue.requirements})
    recorder.record_section("fuzz", {"units": {}, "valid_path_not_exercised": not_exercised})
    return judge(catalogue, "klantinteracties-v1", recorder)


def test_a_write_operation_that_never_succeeded_makes_its_requirements_only_partly_judged() -> None:
    report = _judged(["PUT /partijen/{uuid}"])
    rows = {r["id"]: r for r in report["requirements"]}
    for rid in ("CONTRACT-SCHEMA", "CONTRACT-STATUS", "CONTRACT-CONTENT-TYPE"):
        assert rows[rid]["verdict"] == "pass"
        assert "judged only partly: valid path not exercised on PUT /partijen/{uuid}" in rows[rid]["reason"]
    assert rows["CONTRACT-NO-SERVER-ERROR"]["reason"] == "no finding"  # refusals judge it fully
    assert report["partial"] is True and "CONTRACT-SCHEMA" in report["partly_judged"]
    assert report["exit_code"] == 4


def test_every_write_operation_succeeding_is_a_plain_pass() -> None:
    report = _judged([])
    assert report["partial"] is False and "partly_judged" not in report
    assert {r["reason"] for r in report["requirements"] if r["id"].startswith("CONTRACT-SCHEMA")} == {
        "no finding"
    }


def test_creates_and_pooled_updates_get_target_valid_examples() -> None:
    from conformance.targetdata import TargetData

    legacy = load_document(specs_dir() / "klanten-v1" / "openapi.yaml")
    pool = {"klanten": ["11111111-1111-4111-8111-111111111111"]}
    hinted = positive.with_examples(positive.with_pool(legacy, pool), pool, TargetData("s"))
    for path, method in (("/klanten", "post"), ("/klanten/{uuid}", "put"), ("/klanten/{uuid}", "patch")):
        media = hinted["paths"][path][method]["requestBody"]["content"]["application/json"]
        examples = [e["value"] for e in media["examples"].values()]
        assert len(examples) == positive.EXAMPLES_PER_OPERATION
        assert len({e["klantnummer"] for e in examples}) == len(examples)  # fresh, never repeated
    # the shared components/requestBodies entry is copied, never changed
    assert "examples" not in str(hinted["components"]["requestBodies"])
    assert "examples" not in str(legacy)


def test_positive_cases_keep_unique_keys_unique_after_one_probe() -> None:
    from types import SimpleNamespace

    from conformance.fuzz import formats, unique

    formats.reset()
    hook = unique.UniqueKeys({"klantnummer": "klantnummer", "objectId": "bsn", "bronorganisatie": "rsin"})

    def case(body: dict[str, Any], negative: bool = False) -> Any:
        mode = SimpleNamespace(is_negative=negative)
        return SimpleNamespace(meta=SimpleNamespace(generation=SimpleNamespace(mode=mode)), body=body)

    sent = [
        hook.map_case(None, case({"klantnummer": "12345678", "bronorganisatie": "999990019"})).body
        for _ in range(5)
    ]
    assert [b["klantnummer"] for b in sent[:2]] == ["12345678", "12345678"]  # the duplicate probe
    assert len({b["klantnummer"] for b in sent}) == 4  # later repeats are fresh
    assert {b["bronorganisatie"] for b in sent} == {"999990019"}  # an RSIN may repeat (R5)
    negative = hook.map_case(None, case({"klantnummer": "12345678"}, negative=True)).body
    assert negative == {"klantnummer": "12345678"}  # a negative case is never touched
    group = {
        "codeObjecttype": "vestiging",
        "codeSoortObjectId": "kvk_nummer",
        "codeRegister": "hr",
        "objectId": "999990019",
    }
    shaped = hook.map_case(
        None, case({"identificeerdePartij": {"uuid": "x"}, "partijIdentificator": group})
    ).body
    assert shaped["identificeerdePartij"] is None
    assert shaped["partijIdentificator"] == {
        **group,
        "codeObjecttype": "natuurlijk_persoon",
        "codeSoortObjectId": "bsn",
        "codeRegister": "brp",
    }
    formats.reset()
