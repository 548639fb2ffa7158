"""Less noise in spec-diff reports (issue 22 item 10).

- a change repeated across operations is grouped by the component it comes from;
- a camelCase/snake_case rename (or the only field removed and added, same schema) is a rename;
- two files of an API the profile does not cover say so, and name the profile that does.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from conformance.cli import main
from conformance.specdiff.changes import Change
from conformance.specdiff.compare import diff_specs
from conformance.specdiff.group import group_changes
from conformance.specdiff.render import report_schema, to_json
from tests.specdiff.conftest import document, spec

V004 = "open-klant-2.5.0-klantinteracties-0.0.4.yaml"
V021 = "open-klant-2.10.0-klantinteracties-0.2.1.yaml"
VNG_KLANTEN = "vng-klanten-api-1.0.0.yaml"
OK_KLANTEN = "open-klant-1.0.0-klanten-1.0.0.yaml"


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["spec-diff", *args])
    return code, capsys.readouterr().out


def _write(tmp_path: Path, name: str, doc: dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return str(path)


# --- grouping -------------------------------------------------------------------------------


def test_a_component_change_is_one_group_with_every_place() -> None:
    new = copy.deepcopy(document())
    new["components"]["schemas"]["Item"]["properties"]["naam"]["maxLength"] = 20
    diff = diff_specs(spec(document()), spec(new, "new"))
    places = {(c.operation, c.location, c.field) for c in diff.changes}
    assert places == {
        ("GET /items", "response 200", "results[].naam"),
        ("POST /items", "request", "naam"),
        ("POST /items", "response 201", "naam"),
        ("GET /items/{uuid}", "response 200", "naam"),
    }
    (group,) = group_changes(diff.changes)
    assert (group.component, group.kind, group.old, group.new) == (
        "Item.naam",
        "length",
        [None, 40],
        [None, 20],
    )
    assert group.changes == (0, 1, 2, 3)
    data = to_json(diff)
    jsonschema.Draft202012Validator(report_schema()).validate(data)
    assert data["groups"][0]["operations"] == ["GET /items", "GET /items/{uuid}", "POST /items"]
    assert data["groups"][0]["breaking"] == {"clients": True, "servers": True}
    assert {c["component"] for c in data["changes"]} == {"Item.naam"}


def test_an_inline_schema_change_in_one_place_is_not_grouped() -> None:
    new = copy.deepcopy(document())
    new["paths"]["/items"]["get"]["parameters"][0]["schema"]["maxLength"] = 5
    diff = diff_specs(spec(document()), spec(new, "new"))
    assert [c.kind for c in diff.changes] == ["length"] and group_changes(diff.changes) == []


def test_the_url_length_of_0_0_4_to_0_2_1_is_said_once(
    upstream_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old_doc = yaml.safe_load((upstream_dir / V004).read_text(encoding="utf-8"))
    new_doc = yaml.safe_load((upstream_dir / V021).read_text(encoding="utf-8"))
    # the fact, in the files: url has no length in 0.0.4 and 1..1000 in 0.2.1, in many components
    widened = [
        name
        for name, schema in new_doc["components"]["schemas"].items()
        if (schema.get("properties") or {}).get("url", {}).get("maxLength") == 1000
        and "maxLength"
        not in ((old_doc["components"]["schemas"].get(name) or {}).get("properties") or {}).get("url", {})
    ]
    assert len(widened) > 20
    old, new = str(upstream_dir / V004), str(upstream_dir / V021)
    code, out = _cli(capsys, old, new, "--json", "--no-impact")
    data = json.loads(out)
    jsonschema.Draft202012Validator(report_schema()).validate(data)
    url = [
        c
        for c in data["changes"]
        if c["kind"] == "length" and c["field"].endswith("url") and c["new"] == [1, 1000]
    ]
    assert len(url) == 297  # one change per place: what the impact and --fail-on work on
    url_groups = [g for g in data["groups"] if g["component"].endswith(".url") and g["kind"] == "length"]
    assert {c["id"] for c in url} == {i for g in url_groups for i in g["changes"]}
    components = {g["component"].split(".")[0] for g in url_groups}
    assert components <= set(widened) and len(components) > 20  # each from a component that changed
    code, markdown = _cli(capsys, old, new, "--no-impact")
    assert code == 0
    rows = [line for line in markdown.splitlines() if "length: [null, null] → [1, 1000]" in line]
    assert len(rows) == 1 and rows[0].startswith("| `url` |") and "| 297 |" in rows[0]
    assert sum("`url`" in line for line in markdown.splitlines()) < 10  # was 297 table rows


# --- renames --------------------------------------------------------------------------------


def _renamed(old_props: dict[str, Any], new_props: dict[str, Any]) -> list[Change]:
    old, new = document(), copy.deepcopy(document())
    old["components"]["schemas"]["Item"]["properties"].update(old_props)
    new["components"]["schemas"]["Item"]["properties"].update(new_props)
    changes = diff_specs(spec(old), spec(new, "new")).changes
    return [c for c in changes if (c.operation, c.location) == ("POST /items", "request")]


def test_a_snake_to_camel_rename_is_one_change() -> None:
    group = {"type": "object", "properties": {"x": {"type": "string"}}}
    changes = _renamed(
        {"digitale_adressen": group},
        {"digitaleAdressen": {**group, "properties": {"x": {"type": "string"}, "y": {"type": "integer"}}}},
    )
    assert [(c.kind, c.field, c.old, c.new, c.effect) for c in changes] == [
        ("field-renamed", "digitale_adressen", "digitale_adressen", "digitaleAdressen", "incompatible"),
        ("field-added", "digitaleAdressen.y", None, {"type": ["integer"], "required": False}, "looser"),
    ]
    assert "case or separators" in changes[0].detail
    assert changes[0].breaking_for_clients and changes[0].breaking_for_servers


def test_the_only_field_removed_and_added_with_the_same_schema_is_a_rename() -> None:
    schema = {"type": "string", "pattern": "^[0-9]{4}$", "maxLength": 4}
    changes = _renamed({"postcodeCijfers": schema}, {"cijfers": schema})
    assert [(c.kind, c.old, c.new) for c in changes] == [("field-renamed", "postcodeCijfers", "cijfers")]
    assert "same schema" in changes[0].detail


@pytest.mark.parametrize(
    ("old_props", "new_props"),
    [
        ({"a": {"type": "string"}}, {"b": {"type": "integer"}}),  # different schemas, different names
        (
            {"a": {"type": "string"}, "b": {"type": "string"}},
            {"c": {"type": "string"}, "d": {"type": "string"}},
        ),
    ],
    ids=["different-schema", "two-and-two"],
)
def test_no_rename_without_clear_evidence(old_props: dict[str, Any], new_props: dict[str, Any]) -> None:
    kinds = sorted(c.kind for c in _renamed(old_props, new_props))
    assert "field-renamed" not in kinds and kinds.count("field-removed") == len(old_props)


def test_a_scenario_reading_the_old_name_breaks() -> None:
    from conformance.specdiff.impact import _judge
    from conformance.specdiff.usage import Use

    (change,) = _renamed({"sub_type": {"type": "string"}}, {"subType": {"type": "string"}})
    sends = Use("S", "POST /items", "itemsCreate", "request", "sub_type", value="x")
    assert _judge(change, [sends]) == (True, "sends `sub_type`, renamed to `subType`")


# --- profile coverage -----------------------------------------------------------------------


def test_klanten_files_under_the_default_profile_name_the_right_profile(
    upstream_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = str(upstream_dir / VNG_KLANTEN), str(upstream_dir / OK_KLANTEN)
    code, out = _cli(capsys, old, new, "--json")
    data = json.loads(out)
    jsonschema.Draft202012Validator(report_schema()).validate(data)
    impact = data["impact"]
    assert impact["profile"] == "klantinteracties-v1" and impact["covered"] is False
    assert "does not cover this API" in impact["note"] and impact["note"].endswith("use --profile klanten-v1")
    code, markdown = _cli(capsys, old, new)
    assert "No scenario uses anything that changed" not in markdown
    assert "use --profile klanten-v1." in markdown
    code, out = _cli(capsys, old, new, "--json", "--profile", "klanten-v1")
    assert code == 0
    impact = json.loads(out)["impact"]
    assert impact["covered"] is True and impact["note"] is None and impact["scenarios_touched"]


def test_an_api_no_profile_covers_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = copy.deepcopy(document())
    new["components"]["schemas"]["SoortEnum"]["enum"].append("c")
    code, out = _cli(
        capsys, _write(tmp_path, "old.yaml", document()), _write(tmp_path, "new.yaml", new), "--json"
    )
    impact = json.loads(out)["impact"]
    assert code == 0 and impact["covered"] is False
    assert impact["note"].endswith("no profile of this suite covers it")
