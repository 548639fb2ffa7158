"""Requirement verdicts, the JSON report and the terminal table.

The recorder collects what a run produced (scenario results, contract findings, extra sections
such as fuzzing). A requirement's verdict is the worst of its scenarios; a contract requirement
fails on any finding. Every catalogued requirement appears, tested or not, with a reason.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conformance import __version__
from conformance.catalogue import Catalogue, Requirement
from conformance.hygiene import data_account
from conformance.profiles import Tagging
from conformance.results import ContractFinding, ScenarioResult
from conformance.verdicts import ExitCode, Verdict, exit_code_for, worst

REPORT_NAME = "conformance-report.json"
SUITE_NAME = "klanten-conformance"


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


@dataclass
class RunRecorder:
    """Thread-safe collector of everything one run produces."""

    started_at: str = field(default_factory=_now)
    scenarios: list[ScenarioResult] = field(default_factory=list)
    contract_findings: list[ContractFinding] = field(default_factory=list)
    contract_checked: set[str] = field(default_factory=set)
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Set when the run was stopped before judging (failed preflight): every requirement gets it.
    aborted: tuple[Verdict, str] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record_scenario(self, result: ScenarioResult) -> None:
        with self._lock:
            self.scenarios.append(result)
            self.contract_findings.extend(result.contract_findings)
            self.contract_checked.update(result.contract_checked)

    def record_contract(self, findings: Iterable[ContractFinding], checked: Iterable[str]) -> None:
        with self._lock:
            self.contract_findings.extend(findings)
            self.contract_checked.update(checked)

    def record_section(self, name: str, data: dict[str, Any]) -> None:
        with self._lock:
            self.sections[name] = data


@dataclass(frozen=True)
class RequirementVerdict:
    requirement: Requirement
    verdict: Verdict
    scenarios: tuple[str, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.requirement.id,
            "catalogue": self.requirement.catalogue,
            "level": self.requirement.level,
            "testability": self.requirement.testability,
            "verdict": self.verdict.value,
            "scenarios": list(self.scenarios),
            "reason": self.reason,
        }


def _contract_verdict(requirement: Requirement, recorder: RunRecorder) -> tuple[Verdict, str]:
    findings = [f for f in recorder.contract_findings if f.requirement == requirement.id]
    if findings:
        operations = sorted({f.operation for f in findings})
        distinct = len(group_findings(findings))
        return Verdict.FAIL, f"{distinct} finding(s) ({len(findings)} occurrences) on {', '.join(operations)}"
    if requirement.id in recorder.contract_checked:
        return Verdict.PASS, "no finding"
    return Verdict.NOT_TESTED, "no response was checked for it in this run (fuzzing off?)"


def requirement_verdicts(
    catalogue: Catalogue, profile: str, recorder: RunRecorder
) -> list[RequirementVerdict]:
    """One verdict per catalogued requirement, in catalogue order."""
    out = []
    for requirement in catalogue.requirements:
        related = [s for s in recorder.scenarios if requirement.id in s.verifies]
        ids = tuple(s.scenario_id for s in related)
        if not requirement.applicable_to(profile):
            note = requirement.profiles[profile].note
            out.append(RequirementVerdict(requirement, Verdict.NOT_APPLICABLE, ids, note or "not applicable"))
            continue
        if recorder.aborted is not None:
            out.append(RequirementVerdict(requirement, recorder.aborted[0], ids, recorder.aborted[1]))
            continue
        if requirement.verified_by == "contract":
            verdict, reason = _contract_verdict(requirement, recorder)
            out.append(RequirementVerdict(requirement, verdict, ids, reason))
            continue
        if requirement.testability == "untestable":
            out.append(RequirementVerdict(requirement, Verdict.NOT_TESTED, ids, requirement.reason))
            continue
        decided = [s.verdict for s in related if s.verdict is not Verdict.NOT_APPLICABLE]
        verdict = worst(decided, empty=Verdict.NOT_APPLICABLE if related else Verdict.NOT_TESTED)
        bad = [s for s in related if s.verdict is verdict and verdict is not Verdict.PASS]
        if bad:
            reason = "; ".join(
                f"{s.scenario_id}: {s.message.splitlines()[0] if s.message else verdict}" for s in bad[:3]
            )
        elif not related:
            reason = "no scenario ran"
        else:
            reason = f"{len(decided)} scenario(s) passed"
        if requirement.testability == "proxy":
            reason = f"{reason} (proxy: {requirement.proxy})"
        out.append(RequirementVerdict(requirement, verdict, ids, reason))
    return out


def group_findings(findings: Iterable[ContractFinding]) -> list[dict[str, Any]]:
    """One entry per distinct defect: the same check failing the same way on the same operation.

    A defect seen by thirty scenarios is one finding with thirty occurrences and its sources, not
    thirty rows; the first occurrence's reproduction is kept.
    """
    grouped: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for finding in findings:
        first_line = finding.message.splitlines()[0] if finding.message else ""
        key = (finding.requirement, finding.check, finding.operation, first_line)
        entry = grouped.get(key)
        if entry is None:
            grouped[key] = {**finding.to_dict(), "occurrences": 1, "sources": [finding.source]}
        else:
            entry["occurrences"] += 1
            if finding.source not in entry["sources"]:
                entry["sources"].append(finding.source)
    return list(grouped.values())


def spec_facts(spec_path: Path) -> dict[str, Any]:
    """Title, version and sha256 of the contract used."""
    raw = spec_path.read_bytes()
    try:
        info = (yaml.safe_load(raw) or {}).get("info", {})
    except yaml.YAMLError:
        info = {}
    return {
        "path": str(spec_path),
        "title": info.get("title"),
        "version": info.get("version"),
        "sha256": hashlib.sha256(raw).hexdigest(),
    }


def _safe_name(scenario_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", scenario_id)


def build_report(
    *,
    recorder: RunRecorder,
    catalogue: Catalogue,
    profile: str,
    target: str,
    spec_path: Path,
    extra: dict[str, Any] | None = None,
    tagging: Tagging | None = None,
) -> dict[str, Any]:
    """The JSON report as a dict (written by ``write_report``)."""
    rows = requirement_verdicts(catalogue, profile, recorder)
    scenarios = sorted(recorder.scenarios, key=lambda s: s.scenario_id)
    cleanups = [c for s in scenarios for c in s.cleanups]
    findings = group_findings(recorder.contract_findings)
    report: dict[str, Any] = {
        "suite": {"name": SUITE_NAME, "version": __version__},
        "profile": profile,
        "target": target,
        "spec": spec_facts(spec_path),
        "started_at": recorder.started_at,
        "finished_at": _now(),
        "exit_code": int(
            ExitCode.TARGET_OR_TOOL_ERROR if recorder.aborted else exit_code_for(r.verdict for r in rows)
        ),
        "requirements": [r.to_dict() for r in rows],
        "scenarios": [
            {**s.to_dict(), "evidence": f"evidence/{_safe_name(s.scenario_id)}.json"} for s in scenarios
        ],
        "contract_findings": findings,
        "cleanup": {
            "attempted": len(cleanups),
            "succeeded": sum(1 for c in cleanups if c.ok),
            "failed": sum(1 for c in cleanups if not c.ok),
        },
        "test_data": data_account(cleanups, (recorder.sections.get("fuzz") or {}).get("cleanup"), tagging),
        "totals": {
            "requirements": dict(Counter(r.verdict.value for r in rows)),
            "scenarios": dict(Counter(s.verdict.value for s in scenarios)),
            "contract_findings": len(findings),
        },
        "sections": dict(recorder.sections),
    }
    if extra:
        report.update(extra)
    return report


def write_report(report: dict[str, Any], recorder: RunRecorder, report_dir: Path) -> Path:
    """Write the JSON report and one evidence file per scenario; return the report's path."""
    evidence_dir = report_dir / "evidence"
    evidence_dir.mkdir(parents=True, exist_ok=True)
    for result in recorder.scenarios:
        data = {"scenario": result.scenario_id, "exchanges": [e.to_dict() for e in result.exchanges]}
        path = evidence_dir / f"{_safe_name(result.scenario_id)}.json"
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    path = report_dir / REPORT_NAME
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def terminal_table(report: dict[str, Any]) -> str:
    """The per-requirement table printed at the end of a run."""
    rows = report["requirements"]
    width = max([len(r["id"]) for r in rows] + [11])
    lines = [f"{'requirement':<{width}}  {'level':<6} {'verdict':<14} scenarios  reason"]
    for row in rows:
        reason = row["reason"].splitlines()[0] if row["reason"] else ""
        if len(reason) > 70:
            reason = reason[:67] + "..."
        lines.append(
            f"{row['id']:<{width}}  {row['level']:<6} {row['verdict']:<14} "
            f"{len(row['scenarios']):>9}  {reason}"
        )
    totals = ", ".join(
        f"{count} {verdict}" for verdict, count in sorted(report["totals"]["requirements"].items())
    )
    lines.append(f"requirements: {totals}")
    cleanup = report["cleanup"]
    lines.append(
        f"cleanup (scenarios): {cleanup['succeeded']}/{cleanup['attempted']} removed"
        + (f", {cleanup['failed']} FAILED (test data may be left on the target)" if cleanup["failed"] else "")
    )
    data = report.get("test_data")
    if data is not None:
        lines.append(
            f"test data: {data['created']} created, {data['deleted']} deleted, {data['leaked']} leaked"
            + "".join(f"\n  LEFT ON THE TARGET: {url}" for url in data["leaked_urls"])
        )
    fuzz = report["sections"].get("fuzz") or {}
    if fuzz.get("cleanup"):
        left = len(fuzz["cleanup"]["failed"])
        lines.append(
            f"cleanup (fuzzing): {fuzz['cleanup']['deleted']}/{fuzz['cleanup']['created']} removed"
            + (f", {left} FAILED (test data may be left on the target)" if left else "")
        )
    if fuzz:
        cut = f", CUT SHORT: {fuzz.get('cut_short_reason')}" if fuzz.get("cut_short") else ""
        lines.append(f"fuzzing: {fuzz.get('cases', 0)} cases, seed {fuzz.get('seed')}{cut}")
    return "\n".join(lines)
