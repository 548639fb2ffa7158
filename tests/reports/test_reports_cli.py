"""Reports as a user gets them from the CLI: HTML, badge, waivers, bundle, and no token anywhere."""

from __future__ import annotations

import datetime
import json
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest

from conformance.reference.server import ReferenceServer
from conformance.reports.bundle import read_member, rewrite_member, verify_bundle
from conformance.resources import package_file
from tests.cli.test_cli import _cli, _run

REPORT_SCHEMA = json.loads(package_file("report.schema.json").read_text(encoding="utf-8"))
R4 = "KLOK01-R4"
R4_FAILING = (  # the R4 units dup-bsn-accepted fails; a requirement waiver names those it covers
    "KI-R4-duplicate-bsn-nested",
    "KI-R4-duplicate-bsn-patch-identificator",
    "KI-R4-duplicate-bsn-patch-partij",
    "KI-R4-duplicate-bsn-race",
    "KI-R4-duplicate-bsn-sub-identificator",
    "INV-R4-bsn-unique",  # the invariant layer (issue 18), part of every default run
)
FUTURE = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
# dup-bsn-accepted also accepts a correction to a BSN another partij holds: it declares DEC-F8226
# broken on klantinteracties-v1 (conformance/reference/variants.py), caught by this scenario.
F8226_WAIVER = (
    "- scenario: KI-DEC-F8226-correction-stays-unique\n  reason: same vendor fix\n  ticket: VEND-13\n"
    f"  expires: '{FUTURE}'\n"
)
PAST = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()


class _Page(HTMLParser):
    """Collects what the structural checks need: ids, external references, script text."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.external: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("src", "href") and value and "//" in value:
                self.external.append(value)
        if tag in ("link", "img", "iframe"):
            self.external.extend(str(v) for n, v in attrs if n in ("href", "src"))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def _waivers(tmp_path: Path, entries: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(entries, encoding="utf-8")
    return path


def _report(tmp_path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((tmp_path / "reports" / "conformance-report.json").read_text())


def test_waived_failure_does_not_fail_the_run(tmp_path: Path) -> None:
    waivers = _waivers(
        tmp_path,
        f"- requirement: {R4}\n  reason: vendor fix pending\n  ticket: VEND-12\n  expires: '{FUTURE}'\n"
        f"  scenarios: [{', '.join(R4_FAILING)}]\n" + F8226_WAIVER,
    )
    proc = _run(tmp_path, "--no-fuzz", "--reference-variant", "dup-bsn-accepted", "--waivers", str(waivers))
    # Not failed (1): the only failures are waived. --no-fuzz leaves CONTRACT-* not run, so partial (4).
    assert proc.returncode == 4, proc.stdout[-3000:] + proc.stderr[-2000:]
    report = _report(tmp_path)
    jsonschema.validate(report, REPORT_SCHEMA)
    row = next(r for r in report["requirements"] if r["id"] == R4)
    assert row["verdict"] == "waived" and row["waiver"]["ticket"] == "VEND-12"
    assert report["waivers"]["active"][0]["requirement"] == R4 and not report["waivers"]["problems"]
    assert f"waived {R4} (VEND-12" in proc.stdout
    html = (tmp_path / "reports" / "report.html").read_text()
    assert "VEND-12" in html and "vendor fix pending" in html
    suite = ET.parse(tmp_path / "reports" / "junit.xml").getroot().find("testsuite")
    # Skipped: the waived R4 scenarios, the waived R4 invariant (INV-R4-bsn-unique, issue 18) and
    # the waived F8226 scenario.
    assert suite is not None and suite.get("failures") == "0" and suite.get("skipped") == "7"
    race = next(c for c in suite.iter("testcase") if c.get("name") == "KI-R4-duplicate-bsn-race")
    skipped = race.find("skipped")
    assert skipped is not None and skipped.get("type") == "waived"
    assert skipped.get("message", "").startswith("waived: vendor fix pending (VEND-12")


def test_waiving_every_failing_scenario_waives_the_requirement(tmp_path: Path) -> None:
    scenarios = [
        "KI-R4-duplicate-bsn-nested",
        "KI-R4-duplicate-bsn-patch-identificator",
        "KI-R4-duplicate-bsn-patch-partij",
        "KI-R4-duplicate-bsn-race",
        "KI-R4-duplicate-bsn-sub-identificator",
        "INV-R4-bsn-unique",  # the invariant layer's result is waived by its id like a scenario's
    ]
    text = F8226_WAIVER + "".join(
        f"- scenario: {s}\n  reason: r\n  ticket: T-{i}\n  expires: '{FUTURE}'\n"
        for i, s in enumerate(scenarios)
    )
    proc = _run(
        tmp_path,
        "--no-fuzz",
        "--reference-variant",
        "dup-bsn-accepted",
        "--waivers",
        str(_waivers(tmp_path, text)),
    )
    assert proc.returncode == 4, proc.stdout[-3000:]  # waived, not failed; partial under --no-fuzz
    row = next(r for r in _report(tmp_path)["requirements"] if r["id"] == R4)
    assert row["verdict"] == "waived"


def test_an_expired_waiver_fails_the_run(tmp_path: Path) -> None:
    waivers = _waivers(
        tmp_path, f"- requirement: {R4}\n  reason: old\n  ticket: VEND-1\n  expires: '{PAST}'\n"
    )
    proc = _run(tmp_path, "--no-fuzz", "--reference-variant", "dup-bsn-accepted", "--waivers", str(waivers))
    assert proc.returncode == 1
    report = _report(tmp_path)
    assert next(r for r in report["requirements"] if r["id"] == R4)["verdict"] == "fail"
    assert report["waivers"]["problems"] == [
        f"waiver expired on {PAST}: requirement {R4} (VEND-1, expires {PAST}): old"
    ]
    assert "FAILS THE RUN: waiver expired" in proc.stdout


def test_an_expired_waiver_fails_even_a_conformant_run(tmp_path: Path) -> None:
    waivers = _waivers(tmp_path, f"- requirement: {R4}\n  reason: old\n  ticket: V-1\n  expires: '{PAST}'\n")
    proc = _run(tmp_path, "--no-fuzz", "--waivers", str(waivers), only="R4")
    assert proc.returncode == 1, proc.stdout[-2000:]


def test_a_stale_waiver_fails_the_run_and_is_named(tmp_path: Path) -> None:
    waivers = _waivers(
        tmp_path,
        "- scenario: KI-R5-same-kvk-three-partijen\n  reason: was broken\n  ticket: VEND-7\n"
        f"  expires: '{FUTURE}'\n",
    )
    proc = _run(tmp_path, "--no-fuzz", "--waivers", str(waivers), only="R5")
    assert proc.returncode == 1, proc.stdout[-2000:]
    problems = _report(tmp_path)["waivers"]["problems"]
    assert problems == [
        "stale waiver (no failure matches it): scenario KI-R5-same-kvk-three-partijen "
        f"(VEND-7, expires {FUTURE}): was broken"
    ]
    assert "stale waiver (no failure matches it): scenario KI-R5-same-kvk-three-partijen" in proc.stdout


def test_an_invalid_waiver_file_is_a_usage_error_with_lines(tmp_path: Path) -> None:
    waivers = _waivers(
        tmp_path,
        "- requirement: KLOK01-R4\n  reason: r\n  ticket: T\n  expires: 'soon'\n"
        "- reason: no subject\n  ticket: T\n  expires: '2030-01-01'\n",
    )
    proc = _run(tmp_path, "--no-fuzz", "--waivers", str(waivers))
    assert proc.returncode == 2
    out = proc.stdout + proc.stderr
    assert f"{waivers}:4: entry 1: 'soon' does not match" in out
    assert f"{waivers}:5: entry 2: give exactly one of `requirement` or `scenario`" in out


def test_bundle_verifies_and_catches_a_modified_file_and_a_tampered_verdict(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--no-fuzz", "--reference-variant", "dup-bsn-accepted", "--bundle")
    assert proc.returncode == 1, proc.stdout[-3000:]
    bundle = tmp_path / "reports" / "conformance-bundle.zip"
    names = set(zipfile.ZipFile(bundle).namelist())
    for required in (
        "conformance-report.json",
        "report.html",
        "junit.xml",
        "badge.svg",
        "run-record.json",
        "manifest.json",
        "VERSION",
        "contract/openapi.yaml",
        "catalogues/klok01.yaml",
        "evidence/KI-R4-duplicate-bsn-race.json",
        "scenarios/klantinteracties-v1/KLOK01-R4/KI-R4-duplicate-bsn-race.scenario.yaml",
    ):
        assert required in names, required
    assert verify_bundle(bundle) == []
    ok = _cli("verify-bundle", str(bundle), cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr

    modified = tmp_path / "modified.zip"
    modified.write_bytes(bundle.read_bytes())
    rewrite_member(modified, "evidence/KI-R4-duplicate-bsn-race.json", b"{}", fix_manifest=False)
    proc = _cli("verify-bundle", str(modified), cwd=tmp_path)
    assert proc.returncode == 1
    assert "evidence/KI-R4-duplicate-bsn-race.json: sha256 differs from the manifest" in proc.stderr

    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(bundle.read_bytes())
    report = json.loads(read_member(tampered, "conformance-report.json"))
    for row in report["requirements"]:
        if row["id"] == R4:
            row["verdict"] = "pass"
    report["exit_code"] = 0
    rewrite_member(tampered, "conformance-report.json", json.dumps(report).encode(), fix_manifest=True)
    proc = _cli("verify-bundle", str(tampered), cwd=tmp_path)
    assert proc.returncode == 1
    assert f"{R4}: the report says 'pass', the recorded results give 'fail'" in proc.stderr
    assert "sha256" not in proc.stderr  # the forger fixed the hash; the re-derivation caught it


def test_html_report_is_self_contained_structured_and_escaped(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--no-fuzz", "--reference-variant", "dup-bsn-accepted", only="R4 or R5")
    assert proc.returncode == 1
    html = (tmp_path / "reports" / "report.html").read_text()
    page = _Page()
    page.feed(html)
    assert page.external == []
    assert {"header", "requirements", "scenarios", "findings", "fuzzing", "cleanup", "waivers"} <= page.ids
    assert {"req-KLOK01-R4", "scn-KI-R4-duplicate-bsn-race"} <= page.ids
    text = "".join(page.text)
    assert "Bij een persoon" in text or "BSN" in text  # a quoted seed sentence of R4
    assert "expected: 400 or 409 or 422" in text and "curl -X POST" in text


def test_html_escapes_what_the_target_said() -> None:
    from conformance.catalogue import Catalogue
    from conformance.reports.html import render_html

    report = json.loads((Path(__file__).parent / "minimal-report.json").read_text())
    report["scenarios"][0]["message"] = "received: <script>alert(1)</script>"
    html = render_html(report, Catalogue(()), {"KI-X": []}, {"KI-X": {"step": "s<b>", "curl": "curl '<x>'"}})
    page = _Page()
    page.feed(html)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert all("alert" not in s for s in page.scripts)
    assert "s&lt;b&gt;" in html


def test_badge_names_profile_verdict_and_date() -> None:
    from conformance.reports.badge import render_badge

    svg = render_badge(
        {"profile": "klantinteracties-v1", "exit_code": 1, "finished_at": "2026-12-03T04:00:00+00:00"}
    )
    assert "klantinteracties-v1" in svg and "non-conformant 2026-12-03" in svg and "#c62828" in svg
    assert "http://www.w3.org/2000/svg" in svg and "href" not in svg


def test_token_is_in_no_report_bundle_or_badge(tmp_path: Path) -> None:
    token = "c0ffee42" * 5
    with ReferenceServer(token=token, variant="dup-bsn-accepted") as server:
        proc = _run(tmp_path, "--no-fuzz", "--target", server.root_url, "--token", token, "--bundle")
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert token not in proc.stdout + proc.stderr
    reports = tmp_path / "reports"
    for path in reports.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path
    with zipfile.ZipFile(reports / "conformance-bundle.zip") as archive:
        for name in archive.namelist():
            assert token.encode() not in archive.read(name), name
    assert "Token [redacted]" in (reports / "report.html").read_text()


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KLANTEN_CONFORMANCE_WAIVERS", raising=False)


def test_summary_command_prints_the_verdict_in_markdown(tmp_path: Path) -> None:
    report = Path(__file__).parent / "minimal-report.json"
    proc = _cli("summary", str(report), cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.startswith("## klanten-conformance: **non-conformant** (p)")
    assert "| KLOK01-R1 | MUST | fail | &lt;i&gt;r&lt;/i&gt; |" in proc.stdout


def test_html_report_shows_fuzzing_per_operation() -> None:
    from conformance.catalogue import Catalogue
    from conformance.reports.html import render_html

    report = json.loads((Path(__file__).parent / "minimal-report.json").read_text())
    report["sections"]["fuzz"] = {
        "seed": 7,
        "phases": ["examples"],
        "cases": 12,
        "cut_short": False,
        "request_log_sha256": "ab",
        "units": {"POST /partijen": {"cases": 12, "requests": 13, "findings": 0, "skipped": None}},
    }
    html = render_html(report, Catalogue(()), {}, {})
    assert "<td>POST /partijen</td><td>12</td><td>13</td><td>0</td>" in html
    assert "Seed 7, phases examples, 12 cases" in html
