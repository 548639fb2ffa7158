"""Credentials never appear in any output: report dir (report, evidence, JUnit, Allure, request log,
downloaded contract), terminal output and logs, at normal and ``-v`` verbosity, for ``--token``,
``--auth-header`` and the ZGW JWT options.

The JWT case runs the ``klanten-v1`` profile against the reference's legacy API, which accepts ZGW
JWTs for the configured client, so every scenario and fuzz case sends the run's minted token.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.reference.server import JwtClient, ReferenceServer

# Any JWT (base64url JSON header and payload): a minted token must not survive anywhere.
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}")
SELECTION = "R4 or R7 or R8 or fuzz"
FUZZ = ("--fuzz-budget", "1", "--fuzz-phases", "examples,coverage")


def _outputs(tmp_path: Path, proc: subprocess.CompletedProcess[str]) -> dict[str, str]:
    texts = {"<stdout>": proc.stdout, "<stderr>": proc.stderr}
    for path in tmp_path.rglob("*"):
        if path.is_file() and "specs" not in path.relative_to(tmp_path).parts:
            texts[str(path.relative_to(tmp_path))] = path.read_text(encoding="utf-8", errors="replace")
    return texts


@pytest.mark.parametrize("verbosity", ["normal", "-v"])
@pytest.mark.parametrize("kind", ["token", "auth-header", "jwt"])
def test_no_credential_in_any_output(kind: str, verbosity: str, tmp_path: Path) -> None:
    token = "5ec7e75ec7e7" * 4
    jwt_secret = "jwt-secret-" + "9f" * 12
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLANTEN_CONFORMANCE_")}
    with ReferenceServer(token=token, jwt=JwtClient("conformance", jwt_secret)) as server:
        common = ["--report-dir", str(tmp_path / "reports"), *FUZZ]
        pytest_args = ["--", "-k", SELECTION, *(["-v"] if verbosity == "-v" else [])]
        if kind == "jwt":
            args = [*common, "--profile", "klanten-v1", "--target-url", server.root_for("klanten")]
            args += ["--jwt-client-id", "conformance", "--jwt-secret", jwt_secret]
            secrets = [jwt_secret]
        else:
            flag = ["--token", token] if kind == "token" else ["--auth-header", f"Token {token}"]
            args = [*common, "--target-url", server.root_url, *flag]
            secrets = [token]
        proc = subprocess.run(
            [sys.executable, "-m", "conformance", "run", *args, *pytest_args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    report = tmp_path / "reports" / "conformance-report.json"
    assert report.is_file(), proc.stdout[-3000:] + proc.stderr[-3000:]
    outputs = _outputs(tmp_path, proc)
    assert any(name.endswith("junit.xml") for name in outputs)
    assert any("allure-results" in name for name in outputs)
    assert any("evidence" in name for name in outputs)
    leaks = [name for name, text in outputs.items() if any(s in text for s in secrets) or JWT.search(text)]
    assert leaks == [], {name: _context(outputs[name], secrets) for name in leaks[:3]}


def _context(text: str, secrets: list[str]) -> str:
    for needle in secrets:
        at = text.find(needle)
        if at >= 0:
            return text[max(0, at - 200) : at + 60]
    match = JWT.search(text)
    return text[max(0, match.start() - 200) : match.end()] if match else ""
