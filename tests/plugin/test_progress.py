"""pytester tests of the terminal: labels by requirement and scenario, verbosity, colour, failures."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

import pytest

from tests.plugin.test_plugin import _args, _write
from tests.support.toy_server import TOKEN, make_app, running

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def toy() -> Iterator[str]:
    with running(make_app()) as url:
        yield url + "/api"


def _two(pytester: pytest.Pytester) -> None:
    _write(pytester, "KI-PASS")
    _write(pytester, "KI-FAIL", path="/boom", status=201)


def _progress(text: str) -> list[str]:
    """The lines between the collection line and the first summary separator."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "collected" in line) + 1
    end = next(i for i, line in enumerate(lines[start:], start) if line.startswith("==="))
    return [line for line in lines[start:end] if line.strip()]


def test_default_progress_is_one_line_per_requirement_without_paths(
    pytester: pytest.Pytester, toy: str
) -> None:
    _two(pytester)
    result = pytester.runpytest(*_args(pytester, toy))
    progress = _progress(result.stdout.str())
    assert len(progress) == 1, progress
    assert re.match(r"^KLOK01-R1 +(F\.|\.F) +\[100%\]$", progress[0]), progress
    assert ".scenario.yaml" not in "\n".join(progress)


def test_verbose_progress_names_requirement_and_scenario(pytester: pytest.Pytester, toy: str) -> None:
    _two(pytester)
    result = pytester.runpytest(*_args(pytester, toy), "-v")
    progress = _progress(result.stdout.str())
    assert any(re.match(r"^KLOK01-R1 +KI-PASS PASSED +\[ *\d+%\]$", line) for line in progress), progress
    assert any(re.match(r"^KLOK01-R1 +KI-FAIL FAILED +\[ *\d+%\]$", line) for line in progress), progress
    assert ".scenario.yaml" not in "\n".join(progress)


def test_quiet_is_dots_and_the_table_stays(pytester: pytest.Pytester, toy: str) -> None:
    _two(pytester)
    result = pytester.runpytest(*_args(pytester, toy), "-q")
    text = result.stdout.str()
    assert re.search(r"^(F\.|\.F) +\[100%\]$", text, re.M), text
    assert "KLOK01-R1 " in text.split("verdict per requirement", 1)[1]
    quieter = pytester.runpytest_subprocess(*_args(pytester, toy), "-qq").stdout.str()
    assert "verdict per requirement" not in quieter
    assert re.search(r"^requirements: \d+ fail", quieter, re.M), quieter


def test_a_failure_prints_once_with_step_expected_received_and_curl(
    pytester: pytest.Pytester, toy: str
) -> None:
    _two(pytester)
    result = pytester.runpytest(*_args(pytester, toy))
    text = result.stdout.str()
    assert text.count("expected: 201") == 1 and text.count("received: 500") == 1
    block = text.split("scenario KI-FAIL (verifies KLOK01-R1)", 1)[1]
    assert "step 'one': unexpected status" in block
    assert "reproduce (one):" in block
    curl = next(line.strip() for line in block.splitlines() if line.strip().startswith("curl "))
    assert "'authorization: Token [redacted]'" in curl.lower() or "Token [redacted]" in curl
    assert curl.endswith("/api/boom")
    assert TOKEN not in text
    assert re.search(r"^FAILED KLOK01-R1 KI-FAIL - step 'one': unexpected status", text, re.M), text
    assert "KI-FAIL.scenario.yaml::KI-FAIL" not in text


@pytest.mark.parametrize(
    ("env", "flags", "coloured"),
    [
        ({"NO_COLOR": "1"}, [], False),
        ({}, [], False),  # not a terminal
        ({"FORCE_COLOR": "1"}, [], True),
        ({"NO_COLOR": "1"}, ["--color=yes"], True),  # an explicit flag wins, as in pytest
    ],
)
def test_colour_follows_no_color_and_the_terminal(
    pytester: pytest.Pytester,
    toy: str,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    flags: list[str],
    coloured: bool,
) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "PY_COLORS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    _two(pytester)
    result = pytester.runpytest_subprocess(*_args(pytester, toy), *flags)
    table = result.stdout.str().split("verdict per requirement", 1)[1]
    assert bool(ANSI.search(table)) is coloured
    if coloured:
        assert re.search(
            r"KLOK01-R1 +MUST +\x1b\[31m\x1b\[1m?fail|KLOK01-R1 +MUST +\x1b\[[0-9;]*mfail", table
        )


def test_a_plain_test_keeps_pytest_s_own_progress(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert re.search(r"^test_plain.py \. +\[100%\]$", result.stdout.str(), re.M)


def test_plain_pytest_takes_waivers_and_bundle_with_its_own_junit_path(
    pytester: pytest.Pytester, toy: str
) -> None:
    import xml.etree.ElementTree as ET
    import zipfile

    _two(pytester)
    waivers = pytester.path / "w.yaml"
    soon = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()  # within the one-year horizon
    waivers.write_text(f"- scenario: KI-FAIL\n  reason: known\n  ticket: T-1\n  expires: '{soon}'\n")
    junit = pytester.path / "elsewhere" / "results.xml"
    result = pytester.runpytest(
        *_args(pytester, toy), "--waivers", str(waivers), "--bundle", "true", f"--junitxml={junit}"
    )
    assert f"waived KI-FAIL (T-1, expires {soon}): known" in result.stdout.str()
    case = next(c for c in ET.parse(junit).iter("testcase") if c.get("name") == "KI-FAIL")
    assert case.find("failure") is None and case.find("skipped") is not None
    with zipfile.ZipFile(pytester.path / "reports" / "conformance-bundle.zip") as archive:
        assert archive.read("junit.xml") == junit.read_bytes()
