"""What a run may claim: "conformant" (exit 0, the badge, the summary) only from a certification-grade run.

A run without failures is certification-grade when the whole declared inventory ran (else it is
partial, exit 4), against the profile's published contract, with fuzz settings at or above
``FUZZ_FLOOR``, and with no active waiver. Every other clean run is named for what it is ("contract
only: no findings", "custom contract", "reduced fuzzing", "conformant with 2 waivers (expires …)")
and exits ``ExitCode.QUALIFIED`` (5). This is a post-pass on the finished report, after the waivers,
reading only what the run recorded (the ``certification`` section), so ``verify-bundle`` can redo it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from conformance.config import Settings
from conformance.errors import ToolError
from conformance.fuzz.options import PHASES, parse_phases
from conformance.inventory import operation_labels
from conformance.profiles import Profile
from conformance.verdicts import ExitCode

SECTION = "certification"
# The documented floor (docs/reports.md, README): every phase and at least the default example budget.
FUZZ_FLOOR: dict[str, Any] = {"phases": list(PHASES), "budget": 10}
_FUZZ_KNOBS = ("fuzz_phases", "fuzz_budget", "fuzz_max_time", "seed")
CONFORMANT = "conformant"
_OTHER = {
    ExitCode.NON_CONFORMANT: "non-conformant",
    ExitCode.TARGET_OR_TOOL_ERROR: "error",
    ExitCode.INCONCLUSIVE: "inconclusive",
    ExitCode.USAGE_OR_FORMAT: "usage error",
    ExitCode.INTERRUPTED: "interrupted",
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def certification_facts(settings: Settings, profile: Profile, spec_path: Path) -> dict[str, Any]:
    """The run's ``certification`` section: which contract, which fuzz settings and where each came
    from (``cli``, ``env``, ``file``, a command's default, or the built-in ``default``)."""
    published = _sha256(profile.spec_path)
    used = _sha256(spec_path)
    labels = operation_labels(spec_path)
    return {
        "contract": {
            "kind": "published" if used == published else "custom",
            "sha256": used,
            "published_sha256": published,
            "missing_operations": [o for o in profile.operations if o not in labels],
        },
        "fuzz": {
            "enabled": settings.fuzz,
            "phases": _phases(settings.fuzz_phases),
            "budget": settings.fuzz_budget,
            "max_time_s": settings.fuzz_max_time,
            "sources": {name: settings.sources.get(name, "default") for name in _FUZZ_KNOBS},
        },
        "floor": FUZZ_FLOOR,
    }


def _phases(text: str) -> list[str]:
    """The phases named (an unparsable list names none: below the floor, never a crash at the end)."""
    try:
        return list(parse_phases(text))
    except ToolError:
        return []


def _reduced(fuzz: dict[str, Any]) -> list[str]:
    """How the fuzz settings fall below the floor (empty when they do not)."""
    below = []
    missing = [p for p in FUZZ_FLOOR["phases"] if p not in fuzz.get("phases", [])]
    if missing:
        below.append(f"phases without {', '.join(missing)}")
    if int(fuzz.get("budget", 0)) < FUZZ_FLOOR["budget"]:
        below.append(f"budget {fuzz.get('budget')} < {FUZZ_FLOOR['budget']}")
    return below


def _waiver_text(active: list[dict[str, Any]]) -> str:
    expires = min(str(w["expires"]) for w in active)
    return f"conformant with {len(active)} waiver{'s' if len(active) != 1 else ''} (expires {expires})"


def claim(
    report: dict[str, Any], facts: dict[str, Any] | None, *, scenarios_in_scope: bool
) -> dict[str, Any]:
    """The claim of a finished report (after waivers); ``facts`` is its ``certification`` section."""
    code = ExitCode(int(report["exit_code"]))
    if code is not ExitCode.CONFORMANT:
        status = "partial" if code is ExitCode.INCONCLUSIVE and report.get("partial") else _OTHER[code]
        return {"status": status, "certification_grade": False, "reasons": [], "exit_code": int(code)}
    reasons: list[str] = []
    labels: list[str] = []
    if not scenarios_in_scope:
        labels.append("contract only: no findings")
        reasons.append("a contract-only run (klanten-conformance fuzz): no scenario ran")
    contract = (facts or {}).get("contract") or {}
    if contract.get("kind") == "custom":
        labels.append("custom contract")
        reasons.append(f"judged against a custom contract (--spec), sha256 {contract.get('sha256')}")
    fuzz = (facts or {}).get("fuzz")
    below = _reduced(fuzz) if fuzz else []
    if below:
        labels.append("reduced fuzzing")
        origin = ", ".join(
            f"{k} from {v}" for k, v in (fuzz or {}).get("sources", {}).items() if v != "default"
        )
        reasons.append(
            f"fuzz settings below the floor: {'; '.join(below)}" + (f" ({origin})" if origin else "")
        )
    active = (report.get("waivers") or {}).get("active") or []
    if active:
        labels.append(_waiver_text(active))
        reasons.append(f"{len(active)} active waiver(s)")
    if not labels:
        return {"status": CONFORMANT, "certification_grade": True, "reasons": [], "exit_code": 0}
    return {
        "status": ", ".join(labels),
        "certification_grade": False,
        "reasons": reasons,
        "exit_code": int(ExitCode.QUALIFIED),
    }


def apply_claim(
    report: dict[str, Any], facts: dict[str, Any] | None, *, scenarios_in_scope: bool
) -> dict[str, Any]:
    """Set ``report["claim"]`` and the exit code it gives; ``report`` is changed in place and returned."""
    result = claim(report, facts, scenarios_in_scope=scenarios_in_scope)
    report["exit_code"] = result.pop("exit_code")
    report["claim"] = result
    return report
