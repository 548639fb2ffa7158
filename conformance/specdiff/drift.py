"""Served-spec drift: does the contract a target serves still match the profile's contract?

The profile names where a target serves its contract (``served_spec``, relative to the API root;
Open Klant and the embedded reference serve ``<root>/openapi.yaml``). The diff runs from the
profile's contract (old) to the served one (new), so *breaking for clients* reads "a client
written for the standard can fail against what this server declares". During a run the check
only ever adds a note: a fetch failure or a target serving no spec is never an error of the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from conformance.profiles import Profile
from conformance.specdiff.changes import SpecDiff
from conformance.specdiff.compare import diff_specs
from conformance.specdiff.load import fetch_url, load_spec, parse_document, spec_from_document

SECTION = "spec_drift"
TOP = 10
DEFAULT_TIMEOUT = 10.0
Timeout = float | httpx.Timeout


def served_spec_url(target_url: str, profile: Profile) -> str | None:
    """Where the target serves its contract, or None when the profile does not say."""
    if not profile.served_spec:
        return None
    return f"{target_url.rstrip('/')}/{profile.served_spec.lstrip('/')}"


def served_drift(
    url: str,
    contract: Path,
    *,
    headers: dict[str, str] | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    client: httpx.Client | None = None,
) -> SpecDiff | None:
    """The diff from the contract to the served spec; None when they are byte-identical."""
    served = fetch_url(url, headers=headers, timeout=timeout, client=client)
    if served == contract.read_bytes():
        return None
    document = parse_document(served, url)
    return diff_specs(load_spec(contract), spec_from_document(document, url))


def summarise(diff: SpecDiff | None) -> dict[str, Any]:
    """The short drift summary a run report carries."""
    if diff is None:
        return {
            "identical": True,
            "changes": 0,
            "breaking_for_clients": 0,
            "breaking_for_servers": 0,
            "missing_operations": [],
            "breaking": [],
        }
    breaking = [c for c in diff.changes if c.breaking_for_clients]
    missing = [f"{c.operation} ({c.old_operation_id})" for c in diff.of_kind("operation-removed")]
    return {
        "identical": False,
        **{
            k: v
            for k, v in diff.summary().items()
            if k in ("changes", "breaking_for_clients", "breaking_for_servers")
        },
        "contract_version": diff.old.version,
        "served_version": diff.new.version,
        "missing_operations_total": len(missing),
        "missing_operations": missing[: TOP * 2],
        "breaking": [
            {"where": c.where(), "kind": c.kind, "old": c.old, "new": c.new} for c in breaking[:TOP]
        ],
    }


def drift_section(
    target_url: str,
    profile: Profile,
    contract: Path,
    *,
    headers: dict[str, str] | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    client: httpx.Client | None = None,
) -> dict[str, Any]:
    """The ``spec_drift`` report section: a summary, or a note saying why nothing was compared."""
    url = served_spec_url(target_url, profile)
    section: dict[str, Any] = {"served_spec": url, "contract": str(contract), "checked": False, "note": None}
    if url is None:
        section["note"] = f"profile {profile.name} names no served spec"
        return section
    try:
        summary = summarise(served_drift(url, contract, headers=headers, timeout=timeout, client=client))
    except Exception as exc:  # the drift check informs; it never fails a run
        section["note"] = f"served spec not compared: {exc or type(exc).__name__}"
        return section
    section.update(checked=True, **summary)
    if summary["identical"]:
        section["note"] = "the served spec is byte-identical to the contract"
    else:
        section["note"] = (
            f"{summary['changes']} difference(s), {summary['breaking_for_clients']} breaking for clients "
            "written for the contract"
        )
    return section
