"""Open Klant's contested behaviours, run as users run them: a warning under the default reading
(exit 0), a failure under --strict or --reading literal (exit 1)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from tests.cli.test_cli import REPORT_SCHEMA, _run

FAST_FUZZ = ("--fuzz-budget", "1", "--fuzz-phases", "examples", "--seed", "7")

# variant (an Open Klant behaviour) -> the requirement it breaks on a reading the register contests
CONTESTED = {
    "dup-bsn-via-sub-identificator": "KLOK01-R4",  # scoped BSN (C1)
    "kvk-unique": "KLOK01-R5",  # one partij per KvK-nummer (C2)
    "zelfstandig-linkable": "KLOK01-R13",  # identificator attached later (C4)
}


def _report(tmp_path: Path) -> dict[str, object]:
    report = json.loads((tmp_path / "reports" / "conformance-report.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, REPORT_SCHEMA)
    return report


@pytest.mark.parametrize(("variant", "extra"), [(v, ()) for v in CONTESTED] + [("kvk-unique", ("--strict",))])
def test_a_contested_behaviour_warns_by_default_and_fails_when_counted(
    tmp_path: Path, variant: str, extra: tuple[str, ...]
) -> None:
    proc = _run(tmp_path, "--reference-variant", variant, *FAST_FUZZ, *extra)
    report = _report(tmp_path)
    row = next(r for r in report["requirements"] if r["id"] == CONTESTED[variant])  # type: ignore[union-attr]
    assert row["contested"] and all(c["decisions"] for c in row["contested"])
    if extra:
        assert proc.returncode == 1, proc.stdout[-3000:]
        assert row["verdict"] == "fail" and report["reading"]["contested_count"] is True  # type: ignore[index]
    else:
        # No failure counts: clean, but FAST_FUZZ is below the fuzz floor, so the run claims "reduced
        # fuzzing" (exit 5) rather than "conformant" (exit 0, tests/certification/test_claims.py).
        assert proc.returncode == 5, proc.stdout[-3000:] + proc.stderr[-2000:]
        assert "reduced fuzzing" in report["claim"]["status"]  # type: ignore[index]
        assert row["verdict"] == "pass" and row["warning"] is True
        assert "contested failures are warnings" in proc.stdout and f"{CONTESTED[variant]} " in proc.stdout


def test_reading_literal_counts_a_contested_failure(tmp_path: Path) -> None:
    proc = _run(
        tmp_path,
        "--reference-variant",
        "dup-bsn-via-sub-identificator",
        "--reading",
        "literal",
        "--no-fuzz",
        only="R4",
    )
    assert proc.returncode == 1, proc.stdout[-3000:]
    report = _report(tmp_path)
    assert report["reading"]["applied"] == "literal" and report["reading"]["explicit"] is True  # type: ignore[index]
    assert "reading: literal (--reading; contested failures count)" in proc.stdout


def test_the_legacy_profile_refuses_the_register_reading(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--profile", "klanten-v1", "--reading", "register", "--no-fuzz")
    assert proc.returncode in (2, 3), proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "only the literal reading" in proc.stdout + proc.stderr


def test_requirements_lists_the_decisions_with_their_source(capsys: pytest.CaptureFixture[str]) -> None:
    from conformance.cli import main

    assert main(["requirements", "--check"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^DEC-B4749 +MUST +tested +scenarios +1$", out, re.M)
    artefact = "VNG-Realisatie/klantinteracties@cf57c15 docs/achtergronddocumentatie/artefacten/0862.md:11"
    assert f"DEC-B0862: {artefact}" in out
    assert "KLOK01: Ontwerpkeuzes API-standaarden voor Klantinteracties" in out
    assert main(["requirements", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["DEC-F8226"]["catalogue"] == "DECISIONS" and "8226.md" in rows["DEC-F8226"]["source"]
