"""``klanten-conformance spec-diff``: Markdown and JSON output (the JSON against its shipped schema)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from conformance.cli import main
from conformance.specdiff.render import report_schema
from tests.specdiff.conftest import document

V060 = "open-klant-2.15.0-klantinteracties-0.6.0.yaml"
V090 = "open-klant-2.18-klantinteracties-0.9.0.yaml"


def _validate(data: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(report_schema()).validate(data)


def _write(tmp_path: Path, name: str, doc: dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return str(path)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["spec-diff", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def pair(tmp_path: Path) -> tuple[str, str]:
    new = copy.deepcopy(document())
    del new["components"]["schemas"]["Item"]["properties"]["tags"]
    new["components"]["schemas"]["SoortEnum"]["enum"].append("c")
    props = new["components"]["schemas"]["Item"]["properties"]
    props["naam"]["maxLength"] = 20
    props["nummer"] = {"type": "string", "pattern": "^[0-9]{3}$"}
    return _write(tmp_path, "old.yaml", document()), _write(tmp_path, "new.yaml", new)


def test_json_output_matches_its_schema_and_the_changes(
    pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _cli(capsys, *pair, "--json", "--no-impact")
    assert code == 0
    data = json.loads(out)
    _validate(data)
    assert data["impact"] is None
    assert data["old"]["source"] == pair[0] and data["new"]["source"] == pair[1]
    kinds = {(c["kind"], c["operation"], c["location"], c["field"]) for c in data["changes"]}
    assert ("field-removed", "GET /items/{uuid}", "response 200", "tags") in kinds
    assert ("enum", "POST /items", "request", "soort") in kinds
    enum = next(
        c for c in data["changes"] if (c["kind"], c["location"], c["field"]) == ("enum", "request", "soort")
    )
    assert enum["breaking"] == {"clients": False, "servers": True}  # a new request enum value breaks servers
    assert [c["id"] for c in data["changes"]] == list(range(len(data["changes"])))
    assert data["summary"]["changes"] == len(data["changes"])


def test_the_schema_is_not_vacuous(pair: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _cli(capsys, *pair, "--json", "--no-impact")
    data = json.loads(out)
    broken = copy.deepcopy(data)
    del broken["changes"][0]["breaking"]
    with pytest.raises(jsonschema.ValidationError):
        _validate(broken)
    wrong_kind = copy.deepcopy(data)
    wrong_kind["changes"][0]["kind"] = "renamed"
    with pytest.raises(jsonschema.ValidationError):
        _validate(wrong_kind)


def test_markdown_output(pair: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, *pair, "--markdown", "--no-impact")
    assert code == 0
    assert out.startswith("# Spec diff: items 1 → items 1\n")
    assert "### GET /items/{uuid} (itemsRetrieve)" in out
    # Item is shared by every operation: its changes are listed once, with the places they affect
    assert "| `tags` | Item | field-removed:" in out
    assert "And 5 change(s) from shared components (above)." in out
    row = next(line for line in out.splitlines() if "| `soort` | Item | enum:" in line)
    assert row.endswith("| 4 | 3 | **yes** | **yes** |")  # a new enum value: requests and responses


def test_fail_on_and_output_file(
    pair: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out" / "diff.json"
    target.parent.mkdir()
    code, out, _ = _cli(
        capsys, *pair, "--json", "--no-impact", "--fail-on", "clients", "--output", str(target)
    )
    assert code == 1 and out == ""
    _validate(json.loads(target.read_text()))
    same = _write(tmp_path, "same.yaml", document())
    assert _cli(capsys, pair[0], same, "--fail-on", "any")[0] == 0


def test_usage_errors_exit_2(pair: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(capsys, pair[0])
    assert code == 2 and "needs OLD and NEW" in err
    code, _, err = _cli(capsys, pair[0], "/nowhere/new.yaml")
    assert code == 2 and "not found" in err


def test_0_6_0_to_0_9_0_report(upstream_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = str(upstream_dir / V060), str(upstream_dir / V090)
    code, out, _ = _cli(capsys, old, new, "--json")
    assert code == 0
    data = json.loads(out)
    _validate(data)
    assert (data["old"]["version"], data["new"]["version"]) == ("0.6.0", "0.9.0")
    changes = {(c["kind"], c["operation"], c["location"], c["field"]): c for c in data["changes"]}
    required = changes[("required", "POST /partij-identificatoren", "request", "partijIdentificator")]
    assert required["breaking"] == {"clients": True, "servers": False}
    assert ("field-added", "POST /klantcontacten", "request", "referentienummer") in changes
    impact = data["impact"]
    assert impact["profile"] == "klantinteracties-v1"
    assert "KI-R13-attach-via-identificator-post" in impact["scenarios_touched"]
    hit = next(h for h in impact["hits"] if h["scenario"] == "KI-R13-attach-via-identificator-post")
    assert data["changes"][hit["change"]]["operation"] == "POST /partij-identificatoren"
    assert impact["rerun"].startswith(f"klanten-conformance run --spec {new} --no-fuzz -- -k '")

    code, markdown, _ = _cli(capsys, old, new)
    assert code == 0
    assert "# Spec diff: klantinteracties 0.6.0 → klantinteracties 0.9.0" in markdown
    assert "### POST /partij-identificatoren (partijIdentificatorenCreate)" in markdown
    assert "## Impact on the scenarios of klantinteracties-v1" in markdown
    assert "| KI-R13-attach-via-identificator-post |" in markdown
    assert "| KLOK01-R13 |" in markdown
    assert impact["rerun"] in markdown


def test_the_report_is_the_same_whatever_the_hash_seed(pair: tuple[str, str], tmp_path: Path) -> None:
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [sys.executable, "-m", "conformance", "spec-diff", *pair, "--no-impact"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
            check=True,
        )
        outputs.add(proc.stdout)
    assert len(outputs) == 1
