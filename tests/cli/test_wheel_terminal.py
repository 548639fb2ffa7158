"""Golden test of the terminal as a user sees it after ``pip install``: from a built wheel.

The wheel is built from this checkout and installed into a fresh virtual environment; its
dependencies come from the test environment through a ``.pth`` line (no download, and the
checkout's editable install is not visible there). The same run from the checkout must print
the same text: no install path, no difference between the two.
Regenerate the golden file with ``UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden" / "terminal-reference-no-fuzz.txt"
_VOLATILE = ("platform ", "plugins:", "hypothesis profile", "cachedir:")


@pytest.fixture(scope="module")
def wheel_python(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"), str(ROOT)], check=True)
    wheel = next((tmp / "dist").glob("klanten_conformance-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp / "venv")], check=True)
    python = tmp / "venv" / "bin" / "python"
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", "-q", str(wheel)], check=True)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    yield python


def _run(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KLANTEN_CONFORMANCE_", "PYTEST_"))}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [str(python), "-m", "conformance", "run", "--no-fuzz", "--report-dir", str(cwd / "reports"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )


def normalise(stdout: str, report_dir: Path) -> str:
    """Drop environment lines and timings; name the report folder ``<reports>``."""
    lines = []
    for line in stdout.splitlines():
        if line.startswith(_VOLATILE):
            continue
        line = line.replace(str(report_dir), "<reports>")
        line = re.sub(r" in \d+\.\d+s( \([0-9:]+\))? =", " in <time> =", line)
        line = re.sub(r"^([=_-])\1* (.*) \1+$", lambda m: f"{m[1] * 3} {m[2]} {m[1] * 3}", line)
        lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


def test_the_installed_wheel_prints_the_golden_terminal(wheel_python: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(wheel_python), "-c", "import conformance; print(conformance.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert where.startswith(str(wheel_python.parent.parent)), where  # the wheel, not the checkout
    (tmp_path / "wheel").mkdir()
    proc = _run(wheel_python, tmp_path / "wheel")
    # --no-fuzz: CONTRACT-* are not run, so the run is partial (exit 4), never "conformant".
    assert proc.returncode == 4, proc.stdout[-3000:] + proc.stderr[-2000:]
    text = normalise(proc.stdout, tmp_path / "wheel" / "reports")
    assert "site-packages" not in text and "_bundled" not in text and ".scenario.yaml" not in text
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")

    (tmp_path / "checkout").mkdir()
    checkout = _run(Path(sys.executable), tmp_path / "checkout")
    assert checkout.returncode == 4, checkout.stdout[-3000:]
    assert normalise(checkout.stdout, tmp_path / "checkout" / "reports") == text

    # Allure: the same history ids from another install location and working directory.
    wheel_ids = _history_ids(tmp_path / "wheel" / "reports" / "allure-results")
    assert len(wheel_ids) == 55  # the scenarios of klantinteracties-v1 and its 9 invariants
    assert _history_ids(tmp_path / "checkout" / "reports" / "allure-results") == wheel_ids


def _history_ids(folder: Path) -> dict[str, str]:
    results = [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*-result.json")]
    return {r["fullName"]: r["historyId"] for r in results}


def test_allure_labels_epic_feature_story_link_and_exchanges(tmp_path: Path) -> None:
    proc = _run(Path(sys.executable), tmp_path, "--", "-k", "KI-R4-duplicate-bsn-race")
    assert proc.returncode == 4, proc.stdout[-2000:]  # one scenario selected: a partial run
    folder = tmp_path / "reports" / "allure-results"
    (result,) = [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*-result.json")]
    labels = {(label["name"], label["value"]) for label in result["labels"]}
    assert ("epic", "klantinteracties-v1 (API 0.9.0)") in labels
    assert ("feature", "KLOK01-R4") in labels and ("story", "KI-R4-duplicate-bsn-race") in labels
    assert {"type": "requirement", "url": "KLOK01-R4", "name": "KLOK01-R4"} in result["links"]
    assert "maximaal één klant" in result["description"]
    exchanges = [a for a in result["attachments"] if a["type"] == "application/json"]
    assert len(exchanges) >= 16  # sixteen concurrent creates, each attached
