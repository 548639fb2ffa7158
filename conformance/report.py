"""Requirement verdicts, the JSON report and the terminal table.

The recorder collects what a run produced (scenario results, contract findings, extra sections
such as fuzzing). A requirement's verdict is the worst of its scenarios; a contract requirement
fails on any finding. Every catalogued requirement appears, tested or not, with a reason.
"""

from __future__ import annotations

import datetime
import json
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.basis import Document
from conformance.catalogue import Catalogue, Requirement
from conformance.evidence import Redactor
from conformance.hygiene import data_account
from conformance.inventory import Unit, fuzz_ran, missing
from conformance.inventory import summary as inventory_summary
from conformance.profiles import Tagging
from conformance.readings import (
    LITERAL,
    Contested,
    contested_failures,
    contested_lines,
    load_readings,
    reading_facts,
    reading_line,
)
from conformance.recording import scenario_from_dict, scenario_to_dict
from conformance.results import ContractFinding, ScenarioResult
from conformance.verdicts import ExitCode, Verdict, exit_code_for, verdict_for_exit, worst

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
    contract_errors: dict[str, str] = field(default_factory=dict)  # CONTRACT-* id -> why not judged
    not_run: list[NotRun] = field(default_factory=list)  # scenarios collected but not run
    scenarios_in_scope: bool = True  # False for a contract-only (``fuzz``) run
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    redactor: Redactor = field(default_factory=Redactor, repr=False)  # the run's: sections are scrubbed
    # Set when the run was stopped before judging (failed preflight): every requirement gets it.
    aborted: tuple[Verdict, str] | None = None
    # The profile's declared inventory (conformance.inventory) and the ids of units that ran beyond
    # scenarios and fuzz units (those are read from their results): the denominator of "pass".
    expected_units: list[Unit] = field(default_factory=list)
    units_ran: set[str] = field(default_factory=set)
    incidents: list[str] = field(default_factory=list)  # a crashed xdist worker, data possibly left
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

    def record_contract_error(self, requirements: Iterable[str], reason: str) -> None:
        """These requirements could not be judged (refused credentials, a dead target): ``error``."""
        with self._lock:
            for requirement in requirements:
                self.contract_errors.setdefault(requirement, reason)

    def record_not_run(self, scenario_id: str, verifies: Iterable[str], reason: str) -> None:
        """A scenario of this run that did not run (deselected, not executed)."""
        with self._lock:
            self.not_run.append(NotRun(scenario_id, tuple(verifies), reason))

    def record_section(self, name: str, data: dict[str, Any]) -> None:
        """A report section (fuzzing, drift, ...); it leaves the run, so it goes through the redactor."""
        with self._lock:
            self.sections[name] = self.redactor.value(data)

    def record_ran(self, unit_id: str) -> None:
        """An inventory unit of a registered kind ran whole (scenarios and fuzz units need not call it)."""
        with self._lock:
            self.units_ran.add(unit_id)

    def record_incident(self, text: str) -> None:
        """Something the report must say although no verdict carries it (a worker crashed)."""
        with self._lock:
            self.incidents.append(self.redactor.text(text))

    def ran_ids(self) -> set[str]:
        """Ids of the inventory units this run ran: scenarios with a result, whole fuzz units, others."""
        return {s.scenario_id for s in self.scenarios} | fuzz_ran(self.sections.get("fuzz")) | self.units_ran

    def missing_units(self) -> list[Unit]:
        return missing(self.expected_units, self.ran_ids())

    def to_dict(self) -> dict[str, Any]:
        """Everything the recorder holds as JSON-safe data: the one form xdist (``merge``) and the
        bundle's run record both use (``tests/certification/test_recorder_wire.py`` fails on a field
        left out)."""
        with self._lock:
            return {
                "started_at": self.started_at,
                "scenarios": [scenario_to_dict(s) for s in sorted(self.scenarios, key=_scenario_key)],
                "contract_findings": [f.to_dict() for f in self.contract_findings],
                "contract_checked": sorted(self.contract_checked),
                "contract_errors": dict(self.contract_errors),
                "not_run": [n.to_dict() for n in self.not_run],
                "scenarios_in_scope": self.scenarios_in_scope,
                "sections": dict(self.sections),
                "aborted": None if self.aborted is None else [self.aborted[0].value, self.aborted[1]],
                "expected_units": [u.to_dict() for u in self.expected_units],
                "units_ran": sorted(self.units_ran),
                "incidents": list(self.incidents),
            }

    @classmethod
    def from_dict(cls, data: dict[str, Any], redactor: Redactor | None = None) -> RunRecorder:
        """The inverse of ``to_dict``. A scenario's own findings stay in ``contract_findings`` only once."""
        recorder = cls(redactor=redactor or Redactor())
        recorder.started_at = data["started_at"]
        recorder.scenarios = [scenario_from_dict(s) for s in data["scenarios"]]
        recorder.contract_findings = [ContractFinding(**f) for f in data["contract_findings"]]
        recorder.contract_checked = set(data["contract_checked"])
        recorder.contract_errors = dict(data["contract_errors"])
        recorder.not_run = [NotRun(n["id"], tuple(n["verifies"]), n["reason"]) for n in data["not_run"]]
        recorder.scenarios_in_scope = bool(data["scenarios_in_scope"])
        recorder.sections = dict(data["sections"])
        if data.get("aborted"):
            recorder.aborted = (Verdict(data["aborted"][0]), data["aborted"][1])
        recorder.expected_units = [Unit.from_dict(u) for u in data["expected_units"]]
        recorder.units_ran = set(data["units_ran"])
        recorder.incidents = list(data["incidents"])
        return recorder


def _scenario_key(result: ScenarioResult) -> str:
    return result.scenario_id


@dataclass(frozen=True)
class NotRun:
    scenario_id: str
    verifies: tuple[str, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.scenario_id, "verifies": list(self.verifies), "reason": self.reason}


NOT_RUN_REASON = "testable requirement not run in this run"


@dataclass(frozen=True)
class RequirementVerdict:
    requirement: Requirement
    verdict: Verdict
    scenarios: tuple[str, ...]
    reason: str
    # Failures a later decision contests (register reading); ``counted``: they weigh in the verdict.
    contested: tuple[Contested, ...] = ()
    counted: bool = True

    def is_warning(self, strict: bool) -> bool:
        """A failed SHOULD requirement outside strict mode, or failures set aside as contested:
        reported, not fatal for the exit code."""
        if self.verdict is not Verdict.FAIL:
            return bool(self.contested) and not self.counted
        return verdict_for_exit(self.verdict, self.requirement.level, strict=strict) is not Verdict.FAIL

    def to_dict(self, strict: bool = False) -> dict[str, Any]:
        return {
            "id": self.requirement.id,
            "catalogue": self.requirement.catalogue,
            "level": self.requirement.level,
            "level_reason": self.requirement.level_reason,
            "warning": self.is_warning(strict),
            "testability": self.requirement.testability,
            "verdict": self.verdict.value,
            "scenarios": list(self.scenarios),
            "reason": self.reason,
            **({"contested": self._contested_dicts()} if self.contested else {}),
        }

    def _contested_dicts(self) -> list[dict[str, Any]]:
        quote = {"section": self.requirement.section, "quote": " ".join(self.requirement.quote.split())}
        return [{**c.to_dict(quote), "counted": self.counted} for c in self.contested]


def _contract_verdict(requirement: Requirement, recorder: RunRecorder) -> tuple[Verdict, str]:
    findings = [f for f in recorder.contract_findings if f.requirement == requirement.id]
    if findings:
        operations = sorted({f.operation for f in findings})
        distinct = len(group_findings(findings))
        return Verdict.FAIL, f"{distinct} finding(s) ({len(findings)} occurrences) on {', '.join(operations)}"
    if requirement.id in recorder.contract_errors:
        return Verdict.ERROR, f"fuzzing could not judge it: {recorder.contract_errors[requirement.id]}"
    if "fuzz" not in recorder.sections:
        seen = requirement.id in recorder.contract_checked
        note = " (scenario responses were checked without finding)" if seen else ""
        return Verdict.NOT_RUN, f"{NOT_RUN_REASON}: contract fuzzing did not run (--no-fuzz?){note}"
    unrun = _fuzz_units_not_run(requirement.id, recorder.sections["fuzz"])
    if unrun:  # a budget cut or --read-only: "no finding" on part of the contract is no pass
        more = f" and {len(unrun) - 3} more" if len(unrun) > 3 else ""
        names = ", ".join(unrun[:3])
        return Verdict.NOT_RUN, f"{NOT_RUN_REASON}: fuzz units not run or cut short: {names}{more}"
    if requirement.id in recorder.contract_checked:
        partly = _partly_judged(requirement.id, recorder.sections["fuzz"])
        if partly:  # only refusals were judged on these: a qualified pass, counted as partial
            more = f" and {len(partly) - 3} more" if len(partly) > 3 else ""
            names = ", ".join(partly[:3])
            return Verdict.PASS, f"no finding, {PARTLY_JUDGED}: {NOT_EXERCISED} on {names}{more}"
        return Verdict.PASS, "no finding"
    return Verdict.NOT_RUN, f"{NOT_RUN_REASON}: no response was checked for it"


PARTLY_JUDGED = "judged only partly"
NOT_EXERCISED = "valid path not exercised"
# Judged on the answers of requests that succeeded: when a write operation never got a 2xx in
# fuzzing (the section's ``valid_path_not_exercised``), only its refusals were judged for these.
VALID_PATH_REQUIREMENTS = frozenset({"CONTRACT-SCHEMA", "CONTRACT-STATUS", "CONTRACT-CONTENT-TYPE"})


def _partly_judged(requirement_id: str, fuzz: dict[str, Any]) -> list[str]:
    """The write operations whose valid path fuzzing never reached, when ``requirement_id`` is judged
    on successful answers (empty otherwise): its "no finding" is then only partly a pass."""
    if requirement_id not in VALID_PATH_REQUIREMENTS:
        return []
    return list(fuzz.get("valid_path_not_exercised") or [])


def valid_path_lines(fuzz: dict[str, Any]) -> list[str]:
    """Terminal lines: each write operation's 2xx share (all requests, positive cases), the ones
    that never succeeded named."""
    rows = fuzz.get("valid_path") or {}
    if not rows:
        return []

    def share(row: dict[str, Any]) -> str:
        positive = row.get("positive_share_2xx")
        text = f"{row['share_2xx']:.0%}" + (f" ({positive:.0%} of positive)" if positive is not None else "")
        return text if row["exercised"] else f"{text} {NOT_EXERCISED.upper()}"

    lines = ["valid path (2xx share per write operation, all requests and positive cases):"]
    return lines + [f"  {op}: {share(row)}" for op, row in rows.items()]


def _fuzz_units_not_run(requirement_id: str, fuzz: dict[str, Any]) -> list[str]:
    """Fuzz units that would have judged the requirement but did not run, or not all their phases
    (a budget cut). The auth unit only judges CONTRACT-AUTH; every operation unit judges every
    fuzz-judged requirement."""
    units = fuzz.get("units") or {}
    return [
        name
        for name, unit in units.items()
        if (unit.get("skipped") or unit.get("cut_short"))
        and (name != "auth" or requirement_id == "CONTRACT-AUTH")
    ]


def _scenario_verdict(
    requirement: Requirement, recorder: RunRecorder, set_aside: frozenset[str] = frozenset()
) -> tuple[Verdict, str]:
    """The worst of the requirement's results; a result in ``set_aside`` (a contested failure that
    does not count) weighs as a pass."""
    related = [
        replace(s, verdict=Verdict.PASS) if s.scenario_id in set_aside else s
        for s in recorder.scenarios
        if requirement.id in s.verifies
    ]
    skipped = [n for n in recorder.not_run if requirement.id in n.verifies]
    decided = [s.verdict for s in related if s.verdict is not Verdict.NOT_APPLICABLE]
    verdict = worst(decided, empty=Verdict.NOT_APPLICABLE if related else Verdict.NOT_RUN)
    bad = [s for s in related if s.verdict is verdict and verdict is not Verdict.PASS]
    if bad:
        return verdict, "; ".join(
            f"{s.scenario_id}: {s.message.splitlines()[0] if s.message else verdict}" for s in bad[:3]
        )
    if skipped and verdict in (Verdict.PASS, Verdict.NOT_APPLICABLE, Verdict.NOT_RUN):
        names = ", ".join(f"{n.scenario_id} ({n.reason})" for n in skipped[:5])
        more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
        return Verdict.NOT_RUN, f"{NOT_RUN_REASON}: {names}{more}"
    if not related:
        scope = "" if recorder.scenarios_in_scope else " (a contract-only run)"
        return Verdict.NOT_RUN, f"{NOT_RUN_REASON}: no scenario for it ran{scope}"
    return verdict, f"{len(decided)} scenario(s) passed"


def requirement_verdicts(
    catalogue: Catalogue, profile: str, recorder: RunRecorder, *, reading: str = LITERAL, strict: bool = False
) -> list[RequirementVerdict]:
    """One verdict per catalogued requirement, in catalogue order, under ``reading``."""
    dropped = recorder.missing_units()
    rows = _verdicts(catalogue, profile, recorder, reading=reading, strict=strict)
    return [_unless_dropped(row, profile, dropped) for row in rows]


def _unless_dropped(row: RequirementVerdict, profile: str, units: list[Unit]) -> RequirementVerdict:
    """A requirement with a unit of the declared inventory that did not run is no pass (nor
    not-applicable): ``not-run``, naming the units, whatever dropped them (conformance.inventory)."""
    if row.verdict not in (Verdict.PASS, Verdict.NOT_APPLICABLE):  # a not-run keeps its own reason
        return row
    dropped = [u.id for u in units if row.requirement.id in u.requirements]
    if not dropped or not row.requirement.applicable_to(profile):
        return row
    more = f" and {len(dropped) - 3} more" if len(dropped) > 3 else ""
    reason = f"{NOT_RUN_REASON}: declared unit(s) did not run: {', '.join(dropped[:3])}{more}"
    return RequirementVerdict(row.requirement, Verdict.NOT_RUN, row.scenarios, reason)


def _verdicts(
    catalogue: Catalogue, profile: str, recorder: RunRecorder, *, reading: str, strict: bool
) -> list[RequirementVerdict]:
    readings = load_readings()
    out = []
    for requirement in catalogue.requirements:
        ids = tuple(s.scenario_id for s in recorder.scenarios if requirement.id in s.verifies)
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
        bearing = readings.bearing(requirement.id, profile)
        contested = contested_failures(bearing, requirement.id, recorder.scenarios, reading)
        counted = strict or reading == LITERAL
        set_aside = frozenset() if counted else frozenset(c.result_id for c in contested)
        verdict, reason = _scenario_verdict(requirement, recorder, set_aside)
        if set_aside:
            cited = ", ".join(sorted({f"{c.reading.id}: {c.result_id}" for c in contested}))
            note = f"{len(set_aside)} contested failure(s) set aside (register reading, a warning): {cited}"
            reason = note if verdict is Verdict.PASS else f"{reason}; {note}"
        if requirement.testability == "proxy":
            reason = f"{reason} (proxy: {requirement.proxy})"
        out.append(RequirementVerdict(requirement, verdict, ids, reason, contested, counted))
    return out


def not_run_ids(rows: Iterable[RequirementVerdict], recorder: RunRecorder) -> list[str]:
    """Testable requirements this run did not (fully) run and that count for the run's scope."""
    return [
        r.requirement.id
        for r in rows
        if r.verdict is Verdict.NOT_RUN
        and (recorder.scenarios_in_scope or r.requirement.verified_by == "contract")
    ]


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
    return Document.of(spec_path).to_dict()


def _safe_name(scenario_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", scenario_id)


def judge(
    catalogue: Catalogue,
    profile: str,
    recorder: RunRecorder,
    *,
    strict: bool = False,
    reading: str | None = None,
) -> dict[str, Any]:
    """Every verdict-bearing field of the report, from what the run recorded.

    The one place verdicts, partiality and the exit code are decided: the run's report and
    ``verify-bundle``'s offline re-derivation both call it. ``reading`` (default: the profile's)
    decides whether failures a later decision contests count (``literal``) or warn (``register``).
    """
    applied = load_readings().resolve(profile, reading)
    rows = requirement_verdicts(catalogue, profile, recorder, reading=applied, strict=strict)
    not_run = not_run_ids(rows, recorder)
    levels = {r.requirement.id: r.requirement.level for r in rows}
    dropped = recorder.missing_units()
    fuzz = recorder.sections.get("fuzz") or {}
    partly = [
        r.requirement.id for r in rows if r.verdict is Verdict.PASS and _partly_judged(r.requirement.id, fuzz)
    ]
    # A declared unit that did not run makes the run partial whatever its requirements' levels.
    partial = any(levels[rid] == "MUST" for rid in [*not_run, *partly]) or bool(dropped)
    report: dict[str, Any] = {
        "requirements": [r.to_dict(strict) for r in rows],
        "strict": strict,
        "aborted": recorder.aborted is not None,
        "partial": partial,
        "not_run": not_run,
        "inventory": inventory_summary(recorder.expected_units, dropped),
        "reading": reading_facts(profile, applied, strict, explicit=reading is not None),
    }
    if partly:  # issue 19: a pass whose write operations never succeeded is only partly judged
        report["partly_judged"] = partly
    report["exit_code"] = int(exit_code_of(report))
    return report


def exit_code_of(report: dict[str, Any]) -> ExitCode:
    """The exit code a report's requirement rows give (also after a waiver post-pass)."""
    if report.get("aborted"):  # stopped before judging (failed preflight): a target problem
        return ExitCode.TARGET_OR_TOOL_ERROR
    strict = bool(report.get("strict"))
    verdicts = (
        verdict_for_exit(Verdict(r["verdict"]), r["level"], strict=strict) for r in report["requirements"]
    )
    return exit_code_for(verdicts, partial=bool(report.get("partial")))


def build_report(
    *,
    recorder: RunRecorder,
    catalogue: Catalogue,
    profile: str,
    target: str,
    spec_path: Path,
    extra: dict[str, Any] | None = None,
    strict: bool = False,
    tagging: Tagging | None = None,
    reading: str | None = None,
) -> dict[str, Any]:
    """The JSON report as a dict (written by ``write_report``); ``strict`` makes SHOULD failures fatal."""
    judged = judge(catalogue, profile, recorder, strict=strict, reading=reading)
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
        "exit_code": judged["exit_code"],
        "strict": strict,
        "reading": judged["reading"],
        "aborted": judged["aborted"],
        "partial": judged["partial"],
        "not_run": judged["not_run"],
        "inventory": judged["inventory"],
        "incidents": list(recorder.incidents),
        **({"partly_judged": judged["partly_judged"]} if "partly_judged" in judged else {}),
        "requirements": judged["requirements"],
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
            "requirements": dict(Counter(r["verdict"] for r in judged["requirements"])),
            "scenarios": dict(Counter(s.verdict.value for s in scenarios)),
            "contract_findings": len(findings),
            "warnings": sum(1 for r in judged["requirements"] if r["warning"]),
        },
        "sections": dict(recorder.sections),
    }
    if extra:
        report.update(extra)
    return report


def write_report(report: dict[str, Any], recorder: RunRecorder, report_dir: Path) -> Path:
    """Write the JSON report and one evidence file per scenario; return the report's path.

    Everything was redacted when recorded; the text is scrubbed once more as it leaves the process,
    so a credential learnt after an exchange was recorded (or echoed in a new spelling) is caught too.
    """
    scrub = recorder.redactor.text
    evidence_dir = report_dir / "evidence"
    evidence_dir.mkdir(parents=True, exist_ok=True)
    for result in recorder.scenarios:
        data = {"scenario": result.scenario_id, "exchanges": [e.to_dict() for e in result.exchanges]}
        path = evidence_dir / f"{_safe_name(result.scenario_id)}.json"
        path.write_text(scrub(json.dumps(data, indent=2, ensure_ascii=False)), encoding="utf-8")
    path = report_dir / REPORT_NAME
    path.write_text(scrub(json.dumps(report, indent=2, ensure_ascii=False)), encoding="utf-8")
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
        verdict = row["verdict"]
        if row.get("warning"):  # a failed SHOULD, or contested failures set aside
            verdict = "fail (warning)" if verdict == "fail" else "contested"

        lines.append(
            f"{row['id']:<{width}}  {row['level']:<6} {verdict:<14} {len(row['scenarios']):>9}  {reason}"
        )
    totals = ", ".join(
        f"{count} {verdict}" for verdict, count in sorted(report["totals"]["requirements"].items())
    )
    lines.append(f"requirements: {totals}")
    lines.append(f"reading: {reading_line(report)}")
    contested = contested_lines(report)
    if contested:
        lines.append("contested by later decisions of the standard (KLOK01 quote vs decision, our words):")
        lines.extend(contested)
    warned = [row["id"] for row in rows if row.get("warning") and row["verdict"] == "fail"]
    if warned:
        lines.append(
            f"warnings: {len(warned)} SHOULD requirement(s) failed ({', '.join(warned)}); they do not change "
            "the exit code unless --strict"
        )
    if report.get("partial"):
        lines.append(
            f"PARTIAL RUN: {len(report['not_run'])} testable requirement(s) not run "
            f"({', '.join(report['not_run'])}); not a conformance verdict"
        )
    missing_units = (report.get("inventory") or {}).get("missing") or []
    if missing_units:
        more = f" and {len(missing_units) - 5} more" if len(missing_units) > 5 else ""
        lines.append(f"NOT RUN: {len(missing_units)} declared unit(s): {', '.join(missing_units[:5])}{more}")
    lines.extend(f"INCIDENT: {incident}" for incident in report.get("incidents") or [])
    claim = report.get("claim") or {}
    if claim.get("reasons"):
        lines.append(f"NOT A CONFORMANCE CLAIM ({claim['status']}): {'; '.join(claim['reasons'])}")
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
        lines.extend(valid_path_lines(fuzz))
    return "\n".join(lines)
