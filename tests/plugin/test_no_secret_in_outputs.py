"""No secret in any output: a target that echoes the credential, and user info in the target URL."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.toy_server import TOKEN, make_app, running

TOY_SPEC = Path(__file__).parent.parent / "data" / "toy-openapi.yaml"
PASSWORD = "pa55-userinfo-secret"
BASIC = base64.b64encode(f"conformance:{PASSWORD}".encode()).decode()

ECHO = """\
id: {id}
title: t
description: d
verifies: [KLOK01-R1]
profiles: [klantinteracties-v1]
level: MUST
steps:
  - name: the target echoes the credential
    request: {{method: GET, path: /echo}}
    expect:
      status: {status}
      body: [{{path: detail, {operator}: "{expected}"}}]
"""


@pytest.fixture(scope="module")
def toy() -> Iterator[str]:
    with running(make_app()) as url:
        yield url


@pytest.mark.parametrize("userinfo", [False, True], ids=["token", "userinfo"])
def test_an_echoing_target_leaks_no_secret_into_any_output(
    pytester: pytest.Pytester, toy: str, userinfo: bool
) -> None:
    # A failure (body mismatch quoting the echo) and an error (status the step did not expect).
    (pytester.path / "KI-ECHO-FAIL.scenario.yaml").write_text(
        ECHO.format(id="KI-ECHO-FAIL", status=400, operator="equals", expected="something else"),
        encoding="utf-8",
    )
    (pytester.path / "KI-ECHO-PASS.scenario.yaml").write_text(
        ECHO.format(id="KI-ECHO-PASS", status=400, operator="matches", expected="^you sent (Token|Basic) ."),
        encoding="utf-8",
    )
    # User info in the URL is never sent (no Basic auth replacing the token) and never printed.
    target = (toy.replace("http://", f"http://conformance:{PASSWORD}@") if userinfo else toy) + "/api"
    reports = pytester.path / "reports"
    result = pytester.runpytest(
        "--target-url", target, "--spec", str(TOY_SPEC), "--token", TOKEN, "--skip-preflight",
        "--report-dir", str(reports), f"--junitxml={reports / 'junit.xml'}",
        f"--alluredir={reports / 'allure-results'}", "-p", "no:cacheprovider", "-rA", "-v",
    )  # fmt: skip
    result.assert_outcomes(failed=1, passed=1)
    output = result.stdout.str() + result.stderr.str()
    assert "you sent Token [redacted]" in output
    files = [p for p in reports.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"junit.xml", "conformance-report.json"}
    assert list((reports / "allure-results").glob("*-result.json"))
    assert list((reports / "evidence").glob("*.json"))
    texts = {str(p): p.read_text(encoding="utf-8", errors="replace") for p in files}
    texts["terminal"] = output
    for secret in (TOKEN, PASSWORD, BASIC):
        leaking = sorted(name for name, text in texts.items() if secret in text)
        assert leaking == [], f"{secret!r} leaks into {leaking}"
    report = texts[str(reports / "conformance-report.json")]
    assert '"target": "http://127.0.0.1' in report
