"""spec-diff and references into other documents (issue 22 item 8).

The standard's own drafts (``vng-klantinteracties-*.yaml`` in ../shared/specs/upstream) point
into the API-Kennisbank's ``common.yaml`` by URL. Without that document the command exits 2 naming
the reference (never a traceback, never exit 1, the ``--fail-on`` code); with a local copy given by
``--ref-dir`` or ``--ref-map`` it diffs. The local copy here is a small stand-in written by the
test, with every part the drafts refer to.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cli import main
from conformance.errors import ConfigError
from conformance.specdiff import load as load_module
from conformance.specdiff.compare import operations
from conformance.specdiff.flatten import flatten
from conformance.specdiff.load import load_spec
from conformance.specdiff.refs import RefSources
from tests.specdiff.conftest import document

CRUD = "vng-klantinteracties-crud-0.0.3.yaml"
LISTS = "vng-klantinteracties-referentielijsten-0.0.6.yaml"
KENNISBANK = "https://raw.githubusercontent.com/VNG-Realisatie/API-Kennisbank/master/common/common.yaml"
_PROBLEM = {
    "description": "error",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Fout"}}},
}


def common_document() -> dict[str, Any]:
    """A stand-in for the Kennisbank's common.yaml: every part the drafts refer to."""
    statuses = ["400", "401", "403", "404", "409", "410", "415", "429", "500", "501", "503", "default"]
    responses: dict[str, Any] = {status: copy.deepcopy(_PROBLEM) for status in statuses}
    responses["204"] = {"description": "no content"}
    headers = ["api_version", "warning", "X_Rate_Limit_Limit", "X_Rate_Limit_Remaining", "X_Rate_Limit_Reset"]
    link = {"$ref": "#/components/schemas/HalLink"}
    return {
        "openapi": "3.0.3",
        "info": {"title": "common", "version": "1"},
        "paths": {},
        "components": {
            "headers": {name: {"schema": {"type": "string"}} for name in headers},
            "responses": responses,
            "schemas": {
                "Fout": {
                    "type": "object",
                    "required": ["title", "status"],
                    "properties": {
                        "title": {"type": "string"},
                        "status": {"type": "integer", "minimum": 100, "maximum": 599},
                    },
                },
                "HalLink": {"type": "object", "properties": {"href": {"type": "string", "format": "uri"}}},
                "HalCollectionLinks": {"type": "object", "properties": {"self": link, "next": link}},
            },
        },
    }


def _write(path: Path, doc: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["spec-diff", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every fetch fails the way an offline machine's does; the URLs asked for are recorded."""
    asked: list[str] = []

    def refuse(url: str, **_: Any) -> bytes:
        asked.append(url)
        raise ConfigError(f"cannot fetch {url}: [Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(load_module, "fetch_url", refuse)
    return asked


@pytest.mark.parametrize("draft", [CRUD, LISTS])
def test_a_draft_whose_kennisbank_reference_cannot_be_fetched_exits_2_naming_it(
    upstream_dir: Path, draft: str, no_network: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    text = (upstream_dir / draft).read_text(encoding="utf-8")
    assert f'$ref: "{KENNISBANK}#/components/' in text  # the fact, read from the file itself
    path = str(upstream_dir / draft)
    code, out, err = _cli(capsys, path, path, "--fail-on", "any")
    assert code == 2, err
    assert out == "" and "Traceback" not in err
    assert f"cannot resolve $ref '{KENNISBANK}#/components/" in err
    assert "--ref-dir" in err and "--ref-map" in err and "Temporary failure in name resolution" in err
    assert no_network == [KENNISBANK]  # asked once, not once per reference


def test_offline_never_fetches(
    upstream_dir: Path, no_network: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(upstream_dir / CRUD)
    code, _, err = _cli(capsys, path, path, "--offline")
    assert code == 2 and no_network == []
    assert "--offline" in err and KENNISBANK in err


@pytest.mark.parametrize("how", ["ref-dir", "ref-map", "ref-map-folder"])
def test_a_local_copy_of_common_yaml_resolves_the_drafts(
    upstream_dir: Path, tmp_path: Path, no_network: list[str], capsys: pytest.CaptureFixture[str], how: str
) -> None:
    common = _write(tmp_path / "kennisbank" / "common.yaml", common_document())
    option = {
        "ref-dir": ["--ref-dir", str(common.parent)],
        "ref-map": ["--ref-map", f"{KENNISBANK}={common}"],
        "ref-map-folder": ["--ref-map", f"{KENNISBANK.rsplit('/', 1)[0]}/={common.parent}"],
    }[how]
    old = yaml.safe_load((upstream_dir / CRUD).read_text(encoding="utf-8"))
    new = copy.deepcopy(old)
    schemas = new["components"]["schemas"]
    name = next(n for n, s in schemas.items() if isinstance(s.get("properties"), dict) and s["properties"])
    removed = next(iter(schemas[name]["properties"]))
    del schemas[name]["properties"][removed]
    new_path = _write(tmp_path / "new.yaml", new)
    code, out, err = _cli(capsys, str(upstream_dir / CRUD), str(new_path), "--json", "--no-impact", *option)
    assert code == 0, err
    assert no_network == []
    changes = json.loads(out)["changes"]
    assert any(c["kind"] == "field-removed" and c["field"] == removed for c in changes), changes[:5]


def test_the_referenced_parts_are_compared(upstream_dir: Path, tmp_path: Path, no_network: list[str]) -> None:
    common = _write(tmp_path / "common.yaml", common_document())
    spec = load_spec(upstream_dir / CRUD, RefSources(ref_dir=common.parent))
    some = next(op for op in operations(spec).values() if "400" in op.responses)
    fields = flatten(*some.responses["400"], "response")
    assert {"title", "status"} <= fields.keys()  # read from the stand-in, through the URL reference


def test_a_relative_reference_beside_the_spec_or_in_ref_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = document(Soort={"$ref": "shared/common.yaml#/components/schemas/Fout"})
    doc["components"]["schemas"]["Item"]["properties"]["soort"] = {"$ref": "#/components/schemas/Soort"}
    spec_path = str(_write(tmp_path / "api" / "openapi.yaml", doc))
    code, _, err = _cli(capsys, spec_path, spec_path)
    assert code == 2 and "Traceback" not in err
    assert "cannot resolve $ref 'shared/common.yaml#/components/schemas/Fout'" in err
    elsewhere = _write(tmp_path / "copies" / "common.yaml", common_document())
    assert _cli(capsys, spec_path, spec_path, "--ref-dir", str(elsewhere.parent))[0] == 0
    _write(tmp_path / "api" / "shared" / "common.yaml", common_document())
    assert _cli(capsys, spec_path, spec_path)[0] == 0


@pytest.mark.parametrize(
    "ref", ["common.yaml#/components/schemas/NoSuchSchema", "#/components/schemas/NoSuchSchema"]
)
def test_a_reference_to_a_missing_part_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ref: str
) -> None:
    doc = document(Soort={"$ref": ref})
    doc["components"]["schemas"]["Item"]["properties"]["soort"] = {"$ref": "#/components/schemas/Soort"}
    _write(tmp_path / "common.yaml", common_document())
    spec_path = str(_write(tmp_path / "openapi.yaml", doc))
    code, out, err = _cli(capsys, spec_path, spec_path, "--fail-on", "any")
    assert code == 2 and out == "" and "Traceback" not in err
    assert ref.lstrip("#") in err


def test_a_malformed_ref_map_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec_path = str(_write(tmp_path / "openapi.yaml", document()))
    code, _, err = _cli(capsys, spec_path, spec_path, "--ref-map", "no-equals-sign")
    assert code == 2 and "URL=FILE" in err
