"""Issue 22, items 1-3: no credential leaves the run in any spelling, and user info is never sent.

The target is hostile: a proxy in front of the reference server echoes the token, the URL's
password and the ``Authorization`` it received, in every spelling (raw, upper-case,
percent-encoded in either case, ``\\u``-escaped, base64 at each alignment), into a header,
``Location``, the (gzip-encoded) body and the ``uuid`` later steps and cleanups put in their paths.
The preflight runs. Every output is searched: terminal, every file of the report folder and every
member of the bundle.
"""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conformance.reference.server import ReferenceServer
from tests.support.echo_proxy import EchoProxy, base64_fragments, spellings
from tests.support.toy_server import free_port, running

TOKEN = "tk+/=" + "5ec7e7" * 4
USER, PASSWORD = "vendor", "Pw-userinfo-" + "0a1b2c" * 3
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def _run(tmp_path: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLANTEN_CONFORMANCE_")}
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _outputs(folder: Path, proc: subprocess.CompletedProcess[str]) -> dict[str, str]:
    texts = {"<stdout>": proc.stdout, "<stderr>": proc.stderr}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        texts[str(path.relative_to(folder))] = data.decode("utf-8", errors="replace")
        if path.suffix == ".zip":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for name in archive.namelist():
                    texts[f"{path.name}!{name}"] = archive.read(name).decode("utf-8", errors="replace")
    return texts


def _leaks(texts: dict[str, str], secrets: list[str]) -> dict[str, str]:
    """Outputs holding any spelling of any secret, with the spelling found."""
    found = {}
    for name, text in texts.items():
        lowered = text.lower()
        for secret in secrets:
            for form in spellings(secret):
                if form.lower() in lowered:
                    at = lowered.index(form.lower())
                    found[name] = f"{form!r}: …{text[max(0, at - 120) : at + 40]}…"
            for fragment in base64_fragments(secret):
                if fragment in text:
                    found[name] = f"base64 {fragment!r}"
    return found


def test_a_hostile_echoing_target_gets_no_secret_into_any_output(tmp_path: Path) -> None:
    with ReferenceServer(token=TOKEN) as server:
        proxy = EchoProxy(server.root_url.split("/klantinteracties")[0], [TOKEN, PASSWORD, BASIC])
        with running(proxy.app) as url:
            target = url.replace("http://", f"http://{USER}:{PASSWORD}@") + "/klantinteracties/api/v1"
            proc = _run(
                tmp_path, "run", "--target-url", target, "--token", TOKEN, "--bundle",
                "--report-dir", str(tmp_path / "reports"), "--fuzz-budget", "1",
                "--fuzz-phases", "examples", "--", "-k", "R4 or R7 or fuzz", "-v",
            )  # fmt: skip
    texts = _outputs(tmp_path / "reports", proc)
    assert "conformance-report.json" in texts, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert '"status": "passed"' in texts["run-record.json"]  # the preflight ran and let the run go on
    assert any(name.startswith("evidence") for name in texts)
    assert any(name.startswith("conformance-bundle.zip!evidence/") for name in texts)
    # The echoes reached the evidence (the test would prove nothing otherwise) ...
    assert any("x-echo" in text for name, text in texts.items() if name.startswith("evidence"))
    # ... but never a spelling of a secret.
    assert _leaks(texts, [TOKEN, PASSWORD, BASIC]) == {}
    # Item 2: the user info was never sent as Basic auth, and evidence records the header sent.
    assert proxy.received and not any(sent.startswith("Basic") for sent in proxy.received)
    assert "Basic" not in texts["conformance-report.json"]


def test_user_info_of_a_failed_preflight_is_nowhere(tmp_path: Path) -> None:
    """Item 1: the preflight fails (nothing listens) and every output names the target."""
    target = f"http://{USER}:{PASSWORD}@127.0.0.1:{free_port()}/klantinteracties/api/v1"
    proc = _run(tmp_path, "run", "--target-url", target, "--bundle", "--report-dir", str(tmp_path / "r"))
    texts = _outputs(tmp_path / "r", proc)
    assert {"conformance-report.json", "report.html", "run-record.json"} <= set(texts), proc.stderr[-2000:]
    assert any(name.startswith("conformance-bundle.zip!") for name in texts)
    assert "127.0.0.1" in texts["conformance-report.json"]
    assert _leaks(texts, [PASSWORD, f"{USER}:"]) == {}


@pytest.mark.parametrize(
    "command",
    [
        ["cleanup", "--run-id", "abc", "--target-url", "{target}"],
        ["spec-diff", "--against-target", "{target}"],
        ["run", "--spec", "{target}/openapi.yaml", "--target-url", "{target}"],
    ],
    ids=["cleanup", "spec-diff", "spec-download"],
)
def test_user_info_in_other_commands_is_never_printed(tmp_path: Path, command: list[str]) -> None:
    target = f"http://{USER}:{PASSWORD}@127.0.0.1:{free_port()}/api"
    proc = _run(tmp_path, *[part.format(target=target) for part in command], timeout=120)
    assert proc.returncode != 0
    assert "127.0.0.1" in proc.stdout + proc.stderr
    assert _leaks({"out": proc.stdout + proc.stderr}, [PASSWORD, f"{USER}:"]) == {}


def test_a_contract_url_that_cannot_be_downloaded_exits_3(tmp_path: Path) -> None:
    """Item 12: the README files a target or tool problem under exit code 3, not 2 (usage)."""
    proc = _run(tmp_path, "run", "--spec", f"http://127.0.0.1:{free_port()}/openapi.yaml", timeout=120)
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert "cannot download the contract" in proc.stderr
