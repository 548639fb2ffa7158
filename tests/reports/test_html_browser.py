"""The HTML report rendered by a real browser (headless Chromium from Debian's ``chromium`` package).

Skips with a reason where Chromium is not installed (``apt-get install chromium``). The page must
render offline, its verdict filter must work, and a screenshot must be produced.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_cli import _run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
)


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("html")
    proc = _run(tmp, "--no-fuzz", "--reference-variant", "dup-bsn-accepted", only="R4 or R5")
    assert proc.returncode == 1, proc.stdout[-2000:]
    return tmp / "reports" / "report.html"


def test_chromium_renders_the_report_and_the_filter_works(report_html: Path) -> None:
    dom = _chromium("--dump-dom", report_html.as_uri() + "#only=fail").stdout
    assert "<h2>Requirements</h2>" in dom and 'id="scn-KI-R4-duplicate-bsn-race"' in dom
    rows = re.findall(r'<tr data-verdict="([^"]+)"( hidden="")?>', dom)
    assert rows, dom[:2000]
    assert all(bool(hidden) == (verdict != "fail") for verdict, hidden in rows), rows
    assert any(verdict == "fail" for verdict, _ in rows)


def test_chromium_takes_a_screenshot(report_html: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    _chromium(f"--screenshot={shot}", "--window-size=1280,1600", report_html.as_uri())
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
