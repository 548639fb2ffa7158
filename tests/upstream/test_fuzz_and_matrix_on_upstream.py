"""The reference is faithful to the published Open Klant 2.18 (Klantinteracties 0.9.0) contract.

Fuzzing it against that file, scoped to the operations the profile declares, finds nothing; the
operations the profile does not declare are listed as left out. And the kill matrix is exact when
scenario responses are judged by that file instead of ours.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.reference.variants import variants_for
from tests.selftest.test_kill_matrix import _verdicts, assert_exact
from tests.upstream.test_contract_facts import UPSTREAM_FILE


def test_fuzzing_the_reference_against_upstream_finds_nothing(upstream_dir: Path, fuzz_run: Any) -> None:
    run = fuzz_run(spec=upstream_dir / UPSTREAM_FILE)
    section = run.section
    assert run.recorder.findings == [], [f.to_dict() for f in run.recorder.findings]
    assert {
        "CONTRACT-SCHEMA",
        "CONTRACT-STATUS",
        "CONTRACT-NEGATIVE-DATA",
        "CONTRACT-AUTH",
        "CONTRACT-PROBLEM-DETAILS",
    } <= set(section["checked"])
    assert section["operations"] == 30
    assert "GET /actoren" in section["left_out"] and "POST /maak-klantcontact" in section["left_out"]
    assert not any(label.endswith(("/partijen", "/partijen/{uuid}")) for label in section["left_out"])
    assert section["cleanup"]["failed"] == []


PROFILE = "klantinteracties-v1"  # the profile whose published contract this is


@pytest.mark.parametrize("variant", sorted(variants_for(PROFILE)))
def test_kill_matrix_is_exact_under_the_upstream_contract(upstream_dir: Path, variant: str) -> None:
    spec = str(upstream_dir / UPSTREAM_FILE)
    assert_exact(PROFILE, variant, _verdicts(PROFILE, variant, spec=spec))
