"""The certification bundle and its offline check.

``conformance-bundle.zip`` holds the reports (JSON, HTML, JUnit, badge), the redacted evidence,
the run record (every scenario result and contract finding the verdicts were decided from), the
contract, the requirement catalogues and scenario files used, the waiver file, the suite version,
and ``manifest.json`` with a SHA-256 per file. ``verify_bundle`` checks every hash, then decides
every requirement verdict again from the run record with the same function the run used
(``report.requirement_verdicts``, then the waiver post-pass), and compares. It reads members in
memory (a member path leaving the folder is refused) and judges with the *installed* suite's
catalogues, naming every difference from the bundled ones (``reports/provenance``). The bundle is not
signed: it proves internal consistency, not who made it.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.catalogue import load_catalogues
from conformance.claims import SECTION as CERTIFICATION
from conformance.claims import apply_claim
from conformance.report import REPORT_NAME, RunRecorder, judge
from conformance.reports.provenance import installed_differences, unsafe_member
from conformance.reports.waivers import apply_waivers, load_waivers

BUNDLE_NAME = "conformance-bundle.zip"
RECORD_NAME = "run-record.json"
MANIFEST = "manifest.json"


def run_record(recorder: RunRecorder, *, profile: str, catalogues: Iterable[str]) -> dict[str, Any]:
    """What the verdicts were decided from, as data: the recorder's one wire form (``to_dict``)."""
    return {"profile": profile, "catalogues": list(catalogues), **recorder.to_dict()}


def recorder_from(record: dict[str, Any]) -> RunRecorder:
    """A recorder holding what ``record`` recorded (the inverse of ``run_record``)."""
    return RunRecorder.from_dict(record)


@dataclass
class BundleContents:
    """Files to bundle: archive name → bytes."""

    files: dict[str, bytes] = field(default_factory=dict)

    def add(self, name: str, data: bytes) -> None:
        self.files[name] = data

    def add_file(self, name: str, path: Path) -> None:
        self.files[name] = path.read_bytes()


def write_bundle(contents: BundleContents, path: Path) -> Path:
    """Write the zip with ``VERSION`` and ``manifest.json`` (sha256 of every other file)."""
    contents.add("VERSION", f"klanten-conformance {__version__}\n".encode())
    manifest = {
        "suite_version": __version__,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(contents.files.items())},
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(contents.files.items()):
            archive.writestr(name, data)
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
    return path


def verify_bundle(path: Path) -> list[str]:
    """Every problem found in the bundle at ``path``; empty when it is consistent."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"cannot open {path}: {exc}"]
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names:
            return [f"{MANIFEST} is missing"]
        manifest = json.loads(archive.read(MANIFEST))
        listed: dict[str, str] = manifest["files"]
        problems = [f"{name}: not in the manifest" for name in sorted(names - set(listed) - {MANIFEST})]
        problems += [f"{name}: listed in the manifest but missing" for name in sorted(set(listed) - names)]
        for name, digest in sorted(listed.items()):
            if name in names and hashlib.sha256(archive.read(name)).hexdigest() != digest:
                problems.append(f"{name}: sha256 differs from the manifest (the file was modified)")
        if REPORT_NAME not in names or RECORD_NAME not in names:
            return [*problems, f"{REPORT_NAME} or {RECORD_NAME} is missing: verdicts cannot be re-derived"]
        report = json.loads(archive.read(REPORT_NAME))
        record = json.loads(archive.read(RECORD_NAME))
        # Members are read in memory, never extracted; a path leaving the folder is refused outright.
        problems += [
            f"{name}: refused: its path leaves the bundle's folder"
            for name in sorted(names)
            if unsafe_member(name)
        ]
        members = {name: archive.read(name) for name in names if not unsafe_member(name)}
    problems += installed_differences(
        members,
        suite_version=manifest.get("suite_version"),
        profile=record["profile"],
        catalogues=record["catalogues"],
    )
    waiver = next((data for name, data in sorted(members.items()) if name.startswith("waivers/")), None)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if waiver is not None:  # under a fixed name: the member's own name never becomes a path
            (folder / "waivers").mkdir()
            (folder / "waivers" / "waivers.yaml").write_bytes(waiver)
        problems += _rederive(report, record, folder)
    return problems


def _rederive(report: dict[str, Any], record: dict[str, Any], folder: Path) -> list[str]:
    catalogue = load_catalogues(record["catalogues"])  # the installed suite's, never the bundle's
    reading = (report.get("reading") or {}).get("applied")  # None in a bundle from before readings
    derived = judge(
        catalogue,
        record["profile"],
        recorder_from(record),
        strict=bool(report.get("strict")),
        reading=reading,
    )
    derived.update(scenarios=[dict(s) for s in record["scenarios"]], totals={})
    # The same post-pass as the run (with no waiver file it only recomputes the exit code).
    waiver_files = sorted((folder / "waivers").glob("*"))
    waivers = load_waivers(waiver_files[0]) if waiver_files else []
    day = datetime.date.fromisoformat(str(report["finished_at"])[:10])
    derived = apply_waivers(derived, waivers, today=day)
    apply_claim(
        derived, record["sections"].get(CERTIFICATION), scenarios_in_scope=record["scenarios_in_scope"]
    )
    problems = []
    reported = {r["id"]: r["verdict"] for r in report["requirements"]}
    for row in derived["requirements"]:
        if reported.get(row["id"]) != row["verdict"]:
            problems.append(
                f"{row['id']}: the report says {reported.get(row['id'])!r}, "
                f"the recorded results give {row['verdict']!r}"
            )
    for extra in sorted(set(reported) - {r["id"] for r in derived["requirements"]}):
        problems.append(f"{extra}: in the report but in no bundled catalogue")
    if report["exit_code"] != derived["exit_code"]:
        problems.append(
            f"exit code: the report says {report['exit_code']}, the verdicts give {derived['exit_code']}"
        )
    return problems


def read_member(path: Path, name: str) -> bytes:
    """One file of a bundle (tests and tools)."""
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


def rewrite_member(path: Path, name: str, data: bytes, *, fix_manifest: bool) -> None:
    """Replace one file of a bundle, optionally updating its hash (how a forger would; for tests)."""
    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    files[name] = data
    if fix_manifest:
        manifest = json.loads(files[MANIFEST])
        manifest["files"][name] = hashlib.sha256(data).hexdigest()
        files[MANIFEST] = json.dumps(manifest).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n, d in files.items():
            archive.writestr(n, d)
    path.write_bytes(buffer.getvalue())
