"""pytester tests of the plugin: collection, outcomes, options, reports and format errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.toy_server import TOKEN, free_port, make_app, running

TOY_SPEC = Path(__file__).parent.parent / "data" / "toy-openapi.yaml"

SCENARIO = """\
id: {id}
title: t
description: d
verifies: [KLOK01-R1]
profiles: [klantinteracties-v1]
level: MUST
tags: [smoke]
steps:
  - name: one
    request: {{method: GET, path: {path}}}
    expect: {{status: {status}}}
"""


@pytest.fixture(scope="module")
def toy() -> Iterator[str]:
    with running(make_app()) as url:
        yield url + "/api"


def _write(pytester: pytest.Pytester, name: str, **fields: object) -> Path:
    values = {"id": name, "path": "/items", "status": 200, **fields}
    path = pytester.path / f"{name}.scenario.yaml"
    path.write_text(SCENARIO.format(**values), encoding="utf-8")
    return path


def _args(pytester: pytest.Pytester, toy: str) -> list[str]:
    return [
        "--target-url",
        toy,
        "--spec",
        str(TOY_SPEC),
        "--token",
        TOKEN,
        "--report-dir",
        str(pytester.path / "reports"),
        "-p",
        "no:cacheprovider",
        "--skip-preflight",  # the toy API is not the profile's API; its scenarios still run
        "true",
    ]


def test_scenario_file_collects_one_item_with_markers(pytester: pytest.Pytester) -> None:
    _write(pytester, "KI-A")
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(["KI-A.scenario.yaml::KI-A"])
    result = pytester.runpytest("--collect-only", "-q", "-m", "requirement")
    result.stdout.fnmatch_lines(["KI-A.scenario.yaml::KI-A"])


def test_other_yaml_files_are_ignored(pytester: pytest.Pytester) -> None:
    (pytester.path / "notes.yaml").write_text("expcet: 1\n", encoding="utf-8")
    result = pytester.runpytest("--collect-only", "-q")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_malformed_file_is_a_collection_error_not_a_failure(pytester: pytest.Pytester) -> None:
    path = _write(pytester, "KI-B")
    path.write_text(path.read_text().replace("    expect:", "    expcet:"), encoding="utf-8")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1, failed=0, passed=0)
    result.stdout.fnmatch_lines(
        ["*scenario format error: *KI-B.scenario.yaml:11: unknown key `expcet`*did you mean `expect`?*"]
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_unknown_requirement_id_is_a_collection_error(pytester: pytest.Pytester) -> None:
    path = _write(pytester, "KI-C")
    path.write_text(path.read_text().replace("KLOK01-R1", "KLOK01-R99"), encoding="utf-8")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*KI-C.scenario.yaml:4: unknown requirement id `KLOK01-R99`*"])


def test_duplicate_ids_are_a_collection_error(pytester: pytest.Pytester) -> None:
    _write(pytester, "KI-D")
    (pytester.path / "sub").mkdir()
    (pytester.path / "sub" / "copy.scenario.yaml").write_text(
        SCENARIO.format(id="KI-D", path="/items", status=200)
    )
    result = pytester.runpytest("--collect-only")
    result.stdout.fnmatch_lines(["*duplicate scenario id `KI-D`*"])


def test_pass_fail_and_error_outcomes_and_report(pytester: pytest.Pytester, toy: str) -> None:
    _write(pytester, "KI-PASS")
    _write(pytester, "KI-FAIL", path="/boom", status=201)
    result = pytester.runpytest(*_args(pytester, toy))
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*scenario KI-FAIL (verifies KLOK01-R1)*",
            "*expected: 201*",
            "*received: 500*",
            "*klanten-conformance: verdict per requirement*",
            "KLOK01-R1 *MUST *fail*",
        ]
    )
    report = json.loads((pytester.path / "reports" / "conformance-report.json").read_text())
    assert report["profile"] == "klantinteracties-v1" and report["target"] == toy
    verdicts = {s["id"]: s["verdict"] for s in report["scenarios"]}
    assert verdicts == {"KI-PASS": "pass", "KI-FAIL": "fail"}
    r1 = next(r for r in report["requirements"] if r["id"] == "KLOK01-R1")
    assert r1["verdict"] == "fail" and sorted(r1["scenarios"]) == ["KI-FAIL", "KI-PASS"]
    assert any(f["requirement"] == "CONTRACT-NO-SERVER-ERROR" for f in report["contract_findings"])
    assert report["exit_code"] == 1
    assert (pytester.path / "reports" / "evidence" / "KI-FAIL.json").is_file()


def _run_against_closed_port(pytester: pytest.Pytester, *extra: str) -> pytest.RunResult:
    port = free_port()  # nothing listens there once the probe socket is closed
    _write(pytester, "KI-E")
    return pytester.runpytest(
        "--target-url", f"http://127.0.0.1:{port}/api", "--spec", str(TOY_SPEC),
        "--report-dir", str(pytester.path / "r"), *extra,
    )  # fmt: skip


def test_closed_port_stops_the_run_at_the_preflight(pytester: pytest.Pytester) -> None:
    result = _run_against_closed_port(pytester)
    result.assert_outcomes()  # nothing ran: the preflight stopped the run
    result.stdout.fnmatch_lines(["*klanten-conformance: preflight: the target * does not answer*"])
    report = json.loads((pytester.path / "r" / "conformance-report.json").read_text())
    assert report["exit_code"] == 3
    assert {r["verdict"] for r in report["requirements"]} <= {"error", "not-applicable"}


def test_closed_port_without_preflight_gives_pytest_error(pytester: pytest.Pytester) -> None:
    result = _run_against_closed_port(pytester, "--skip-preflight", "true")
    result.assert_outcomes(errors=1, failed=0)
    result.stdout.fnmatch_lines(["*could not evaluate the target: TargetError*"])
    report = json.loads((pytester.path / "r" / "conformance-report.json").read_text())
    assert report["exit_code"] == 3


def test_environment_supplies_settings(
    pytester: pytest.Pytester, toy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLANTEN_CONFORMANCE_TARGET_URL", toy)
    monkeypatch.setenv("KLANTEN_CONFORMANCE_TOKEN", TOKEN)
    monkeypatch.setenv("KLANTEN_CONFORMANCE_SPEC", str(TOY_SPEC))
    monkeypatch.setenv("KLANTEN_CONFORMANCE_SKIP_PREFLIGHT", "true")
    _write(pytester, "KI-ENV")
    result = pytester.runpytest("--report-dir", str(pytester.path / "r"))
    result.assert_outcomes(passed=1)


def test_ini_supplies_settings_and_cli_wins(pytester: pytest.Pytester, toy: str) -> None:
    pytester.makeini(
        f"[pytest]\nklanten_conformance_target_url = http://127.0.0.1:1/nothing\n"
        f"klanten_conformance_spec = {TOY_SPEC}\nklanten_conformance_token = {TOKEN}\n"
        "klanten_conformance_skip_preflight = true\n"
    )
    _write(pytester, "KI-INI")
    result = pytester.runpytest("--target-url", toy, "--report-dir", str(pytester.path / "r"))
    result.assert_outcomes(passed=1)


def test_unknown_profile_is_a_usage_error(pytester: pytest.Pytester) -> None:
    _write(pytester, "KI-P")
    result = pytester.runpytest("--profile", "klanten-v9")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown profile 'klanten-v9'*"])


def test_help_lists_every_option(pytester: pytest.Pytester) -> None:
    from conformance.config import OPTIONS

    result = pytester.runpytest("--help")
    text = result.stdout.str()
    for option in OPTIONS:
        assert option.cli_flag in text, option.cli_flag


def test_allure_results_carry_requirement_labels(pytester: pytest.Pytester, toy: str) -> None:
    _write(pytester, "KI-ALLURE")
    allure_dir = pytester.path / "allure"
    result = pytester.runpytest(*_args(pytester, toy), f"--alluredir={allure_dir}")
    result.assert_outcomes(passed=1)
    results = [json.loads(p.read_text()) for p in allure_dir.glob("*-result.json")]
    assert len(results) == 1
    labels = {(label["name"], label["value"]) for label in results[0]["labels"]}
    assert ("requirement", "KLOK01-R1") in labels and ("as_id", "KI-ALLURE") in labels
    assert results[0]["status"] == "passed"
    assert results[0].get("attachments") or any(s.get("attachments") for s in results[0].get("steps", []))
