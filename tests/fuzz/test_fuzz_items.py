"""pytester tests of the fuzz items through the real plugin: collection, outcomes, JUnit, Allure, report."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from conformance.reference.server import ReferenceServer
from tests.fuzz.conftest import SPEC

BASE = ["--fuzz", "true", "--fuzz-budget", "1", "-p", "no:cacheprovider"]


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens of every reference server the plugin starts in-process."""
    seen: list[str] = []
    original = ReferenceServer.start

    def start(self: ReferenceServer) -> ReferenceServer:
        seen.append(self.token)
        return original(self)

    monkeypatch.setattr(ReferenceServer, "start", start)
    return seen


def test_collects_auth_each_operation_and_stateful(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(str(SPEC), *BASE, "--collect-only", "-q")
    ids = [line for line in result.outlines if "::fuzz " in line]
    assert len(ids) == 32
    assert len(set(ids)) == 32
    assert ids[0].endswith("::fuzz auth: unauthenticated requests are refused")
    assert ids[-1].endswith("::fuzz stateful links")
    assert any(i.endswith("::fuzz GET /partijen/{uuid}") for i in ids)


def test_phases_select_the_items(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(
        str(SPEC), *BASE, "--fuzz-phases", "stateful", "--collect-only", "-q"
    )
    ids = [line for line in result.outlines if "::fuzz " in line]
    assert [i.split("::")[1] for i in ids] == [
        "fuzz auth: unauthenticated requests are refused",
        "fuzz stateful links",
    ]


def test_no_fuzz_items_without_fuzz(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(str(SPEC), "-p", "no:cacheprovider", "--collect-only", "-q")
    assert not [line for line in result.outlines if "::fuzz " in line]


def _results(allure_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in allure_dir.glob("*-result.json")]


def test_anonymous_reads_fail_the_auth_item_with_junit_allure_and_report(
    pytester: pytest.Pytester, tokens: list[str]
) -> None:
    reports = pytester.path / "reports"
    junit = pytester.path / "junit.xml"
    allure_dir = pytester.path / "allure"
    result = pytester.runpytest_inprocess(
        str(SPEC),
        *BASE,
        "--fuzz-phases",
        "examples",
        "--reference-variant",
        "anonymous-reads",
        "--report-dir",
        str(reports),
        f"--junitxml={junit}",
        f"--alluredir={allure_dir}",
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1, result.stdout.str()
    assert outcomes.get("passed") == 30
    assert "errors" not in outcomes
    text = result.stdout.str()
    assert "CONTRACT-AUTH GET /partijen" in text
    assert "curl -X GET" in text

    # JUnit: one testcase per unit, distinct names; the auth one failed.
    cases = ET.parse(junit).getroot().iter("testcase")
    names = {case.get("name"): case for case in cases}
    assert len(names) == 31
    assert names["fuzz auth: unauthenticated requests are refused"].find("failure") is not None

    # Allure: distinct history ids, requirement labels.
    results = _results(allure_dir)
    assert len(results) == 31
    assert len({r["historyId"] for r in results}) == 31
    auth = next(r for r in results if "unauthenticated" in r["fullName"])
    assert {"name": "requirement", "value": "CONTRACT-AUTH"} in auth["labels"]
    assert auth["status"] == "failed"

    # The conformance report: the fuzz section and the CONTRACT-AUTH verdict.
    report = json.loads((reports / "conformance-report.json").read_text(encoding="utf-8"))
    fuzz = report["sections"]["fuzz"]
    assert fuzz["cleanup"]["failed"] == []
    assert fuzz["operations"] == 30
    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    assert verdicts["CONTRACT-AUTH"] == "fail"

    # The token is nowhere in what was written.
    assert tokens
    written = [text, junit.read_text(encoding="utf-8")]
    written += [p.read_text(encoding="utf-8", errors="replace") for p in reports.rglob("*") if p.is_file()]
    written += [p.read_text(encoding="utf-8", errors="replace") for p in allure_dir.iterdir() if p.is_file()]
    for token in tokens:
        assert all(token not in chunk for chunk in written)


def test_unreachable_target_is_an_error_on_every_item(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(
        str(SPEC),
        *BASE,
        "--fuzz-phases",
        "stateful",
        "--target-url",
        "http://127.0.0.1:9/klantinteracties/api/v1",
        "--token",
        "some-token-value",
        "--report-dir",
        str(pytester.path / "reports"),
        "--skip-preflight",  # the fuzz items' own handling, not the preflight's (tests/faults)
        "true",
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("errors") == 2, result.stdout.str()
    assert "unreachable" in result.stdout.str()
    assert "some-token-value" not in result.stdout.str()
