"""Every CONTRACT-* finding's citation resolves: the sha256 and the JSON pointer it cites are those of
the document it names, ours and the published one it was derived from (issue 20)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from conformance.basis import Document
from conformance.config import Settings
from conformance.fuzz import AUTH_UNIT, FuzzSession
from conformance.fuzz.findings import BasisLookup, RawFailure
from conformance.profiles import load_profile
from conformance.session import RunContext
from tests.fuzz.test_fuzz_session import ALL_CONTRACT
from tests.selftest.test_kill_matrix import _run
from tests.upstream.conftest import load

PROFILES = ("klantinteracties-v1", "klanten-v1")
METHODS = ("get", "post", "put", "patch", "delete")


def _resolve(document: dict[str, Any], pointer: str) -> Any:
    node: Any = document
    for token in pointer.split("/")[1:] if pointer else ():
        token = token.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and token in node, f"{pointer}: {token!r} not found"
        node = node[token]
    return node


@cache
def _load(path: Path) -> dict[str, Any]:
    return load(path)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


CONTRACT_IDS = sorted(ALL_CONTRACT - {"CONTRACT-PROBLEM-DETAILS"})  # that one cites the profile


def _cited(contract: dict[str, Any], lookup: BasisLookup) -> list[dict[str, Any]]:
    """The basis fuzzing cites for every requirement, operation and status (documented or not)."""
    out = []
    for path, item in contract["paths"].items():
        for method in (m for m in METHODS if m in item):
            statuses = [int(k) for k in item[method].get("responses", {}) if str(k).isdigit()] + [418, 500]
            for status in statuses:
                failure = RawFailure("check", f"{method.upper()} {path}", "", "t", "m", "", "c", status)
                out += [lookup(failure, requirement) for requirement in CONTRACT_IDS]
    return [b for b in out if b is not None]


def assert_basis_resolves(basis: dict[str, Any], documents: dict[str, Path], upstream_dir: Path) -> None:
    """The cited document is the file with that sha256 and the pointer resolves in it; the same for
    the published document."""
    sha = basis["document"]["sha256"]
    assert sha in documents, f"cited sha256 {sha} is none of {sorted(documents)}"
    _resolve(_load(documents[sha]), basis["pointer"])
    published = basis.get("published")
    if published is not None:
        path = upstream_dir / published["file"]
        assert path.is_file(), published
        assert _sha(path) == published["sha256"], f"{published['file']}: the cited sha256 is not the file's"
        _resolve(_load(path), published["pointer"])


@pytest.mark.parametrize("profile", PROFILES)
def test_every_pointer_a_finding_can_cite_resolves_in_ours_and_the_published_document(
    profile: str, upstream_dir: Path
) -> None:
    spec = load_profile(profile).spec_path
    document = Document.of(spec)
    assert document.published is not None, f"{spec} names no published document (x-klanten-conformance)"
    assert document.title and document.title.startswith("klanten-conformance contract")
    cited = _cited(load(spec), BasisLookup(spec, None))
    assert len(cited) > 100
    for basis in cited:
        assert_basis_resolves(basis, {_sha(spec): spec}, upstream_dir)


def _documents(profile: str) -> dict[str, Path]:
    """The documents a finding of ``profile`` may cite, by sha256: its contract and its profile file."""
    loaded = load_profile(profile)
    return {_sha(path): path for path in (loaded.spec_path, loaded.source)}


# Variants whose findings exercise every kind of basis: a schema pointer (contract-drift), the
# responses list of a 5xx (dup-500) and security (anonymous-reads, found by the auth unit).
SCENARIO_FINDINGS = [
    ("klantinteracties-v1", "contract-drift"),
    ("klantinteracties-v1", "dup-500"),
    ("klanten-v1", "dup-500"),
]


@pytest.mark.parametrize(("profile", "variant"), SCENARIO_FINDINGS)
def test_every_scenario_finding_cites_what_resolves(profile: str, variant: str, upstream_dir: Path) -> None:
    _, _, recorder = _run(profile, variant)
    findings = recorder.contract_findings
    assert findings, f"{variant} gave no contract finding: the test would prove nothing"
    for finding in findings:
        assert finding.basis is not None and finding.basis.get("published"), finding
        assert_basis_resolves(finding.basis, _documents(profile), upstream_dir)


@pytest.mark.parametrize("profile", PROFILES)
def test_every_auth_finding_cites_the_security_that_resolves(profile: str, upstream_dir: Path) -> None:
    ctx = RunContext.open(Settings(profile=profile, reference_variant="anonymous-reads", fuzz=True))
    try:
        outcome = FuzzSession(ctx).run_unit(AUTH_UNIT)
    finally:
        ctx.close()
    assert outcome.findings, "no CONTRACT-AUTH finding: the test would prove nothing"
    for finding in outcome.findings:
        assert finding.basis is not None
        assert_basis_resolves(finding.basis, _documents(profile), upstream_dir)
        assert finding.basis["published"]["pointer"].endswith("/security")
