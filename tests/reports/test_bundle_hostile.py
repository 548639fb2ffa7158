"""Issue 22, items 4 and 5: a bundle cannot write outside its folder, nor verify with its own rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.catalogue import load_catalogues
from conformance.report import judge
from conformance.reports.bundle import read_member, recorder_from, rewrite_member, verify_bundle
from tests.cli.test_cli import _cli, _run

R4 = "KLOK01-R4"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A real bundle of a run in which R4 fails (the variant accepts a duplicate BSN)."""
    folder = tmp_path_factory.mktemp("bundle")
    proc = _run(folder, "--no-fuzz", "--reference-variant", "dup-bsn-accepted", "--bundle", only="R4")
    path = folder / "reports" / "conformance-bundle.zip"
    assert path.is_file(), proc.stdout[-2000:] + proc.stderr[-2000:]
    report = json.loads(read_member(path, "conformance-report.json"))
    assert {r["id"]: r["verdict"] for r in report["requirements"]}[R4] == "fail"
    assert verify_bundle(path) == []
    yield path


def _copy(bundle: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "conformance-bundle.zip"
    copy.write_bytes(bundle.read_bytes())
    return copy


def test_a_member_leaving_the_folder_is_refused_and_never_written(bundle: Path, tmp_path: Path) -> None:
    forged = _copy(bundle, tmp_path)
    outside = tmp_path / "escaped.txt"
    name = "catalogues/" + "../" * 30 + str(outside).lstrip("/")
    rewrite_member(forged, name, b"written outside the folder", fix_manifest=True)
    problems = verify_bundle(forged)
    assert not outside.exists()
    assert any(p.startswith(name) and "leaves the bundle's folder" in p for p in problems), problems
    proc = _cli("verify-bundle", str(forged), cwd=tmp_path)
    assert proc.returncode == 1 and "every hash matches" not in proc.stdout


def test_a_bundle_is_judged_with_the_installed_catalogue_not_its_own(bundle: Path, tmp_path: Path) -> None:
    """Item 5: R4 made not applicable in the bundled catalogue, the report forged to match it and
    every hash recomputed: the failing R4 must still be caught, and the edit named."""
    forged = _copy(bundle, tmp_path)
    text = read_member(forged, "catalogues/klok01.yaml").decode()
    start = text.index(f"- id: {R4}\n")
    at = text.index("applicable: true", start)
    edited = text[:at] + "applicable: false" + text[at + len("applicable: true") :]
    rewrite_member(forged, "catalogues/klok01.yaml", edited.encode(), fix_manifest=True)
    # The forger re-judges with the edited catalogue, as the old verify-bundle did, and writes that.
    (tmp_path / "catalogues").mkdir()
    (tmp_path / "catalogues" / "klok01.yaml").write_text(edited, encoding="utf-8")
    record = json.loads(read_member(forged, "run-record.json"))
    for name in record["catalogues"]:
        if name != "klok01":
            (tmp_path / "catalogues" / f"{name}.yaml").write_bytes(
                read_member(forged, f"catalogues/{name}.yaml")
            )
    catalogue = load_catalogues(record["catalogues"], folder=tmp_path / "catalogues")
    derived = judge(catalogue, record["profile"], recorder_from(record))
    report = json.loads(read_member(forged, "conformance-report.json"))
    report.update(requirements=derived["requirements"], exit_code=derived["exit_code"])
    assert {r["id"]: r["verdict"] for r in report["requirements"]}[R4] == "not-applicable"
    rewrite_member(forged, "conformance-report.json", json.dumps(report).encode(), fix_manifest=True)

    problems = verify_bundle(forged)
    assert any(p.startswith(f"{R4}:") for p in problems), problems
    assert any(p.startswith("catalogues/klok01.yaml: differs from the installed suite") for p in problems)


def test_another_suite_version_is_named(bundle: Path, tmp_path: Path) -> None:
    forged = _copy(bundle, tmp_path)
    manifest = json.loads(read_member(forged, "manifest.json"))
    manifest["suite_version"] = "0.0.1"
    rewrite_member(forged, "manifest.json", json.dumps(manifest).encode(), fix_manifest=False)
    problems = verify_bundle(forged)
    assert any(
        p.startswith("suite_version: the bundle was made by klanten-conformance 0.0.1") for p in problems
    )
