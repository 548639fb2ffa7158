"""Waivers: accepted, known deviations with a reason, a ticket and an expiry date.

A waiver is applied as a post-pass on the finished report (``report.build_report`` decides the
verdicts; nothing here re-judges). A failed requirement whose failure a waiver covers becomes
``waived`` and no longer fails the run. A waiver past its date, or one that covers no failure any
more (stale), fails the run with a message naming it, so a waiver file cannot silently outlive
the defect it was written for. Active waivers are listed in every report.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.errors import ConfigError, ScenarioFormatError
from conformance.report import exit_code_of
from conformance.verdicts import ExitCode, Verdict
from conformance.yamlsafe import line_of, load_yaml

_SCHEMA = Path(__file__).with_name("waivers.schema.json")
MAX_WAIVER_YEARS = 1  # a waiver may expire at most one year after the run's date (docs/reports.md)


def horizon(today: datetime.date) -> datetime.date:
    """The latest expiry date a waiver may have on ``today``: the same day a year later."""
    try:
        return today.replace(year=today.year + MAX_WAIVER_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + MAX_WAIVER_YEARS, day=28)


def _requirement_waiver(
    waiver: Waiver, row: dict[str, Any], scenarios: dict[str, dict[str, Any]]
) -> tuple[bool, str | None]:
    """Apply a requirement waiver to its failed row: (matched, problem). It waives the row only when
    every failing scenario is one it names, so a new failure of the requirement is never hidden."""
    failing = [s for s in row["scenarios"] if scenarios.get(s, {}).get("verdict") == Verdict.FAIL.value]
    if not failing:  # judged without scenarios (CONTRACT-*, by fuzzing): the requirement is the subject
        row["verdict"] = Verdict.WAIVED.value
        row["waiver"] = waiver.to_dict()
        return True, None
    if waiver.scenarios is None:
        return True, (
            f"waiver names no scenarios (add `scenarios: [{', '.join(failing)}]` for the failures it "
            f"accepts): {waiver.describe()}"
        )
    covered = [s for s in failing if s in waiver.scenarios]
    for name in covered:
        scenarios[name]["verdict"] = Verdict.WAIVED.value
        scenarios[name]["waiver"] = waiver.to_dict()
    if len(covered) == len(failing):
        row["verdict"] = Verdict.WAIVED.value
        row["waiver"] = waiver.to_dict()
    return bool(covered), None


@dataclass(frozen=True)
class Waiver:
    """One entry of a waiver file."""

    reason: str
    ticket: str
    expires: datetime.date
    requirement: str | None = None
    scenario: str | None = None
    line: int | None = None
    scenarios: tuple[str, ...] | None = None  # with a requirement: the failing scenarios it covers

    @property
    def subject(self) -> str:
        return f"requirement {self.requirement}" if self.requirement else f"scenario {self.scenario}"

    def describe(self) -> str:
        return f"{self.subject} ({self.ticket}, expires {self.expires.isoformat()}): {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement,
            "scenario": self.scenario,
            "scenarios": None if self.scenarios is None else list(self.scenarios),
            "reason": self.reason,
            "ticket": self.ticket,
            "expires": self.expires.isoformat(),
            "line": self.line,
        }


@functools.cache
def waiver_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(_SCHEMA.read_text(encoding="utf-8"))
    return schema


def load_waivers(path: Path) -> list[Waiver]:
    """Read and validate a waiver file; every problem is reported with file:line."""
    try:
        data = load_yaml(path)
    except ScenarioFormatError as exc:
        raise ConfigError(f"waiver file: {exc}") from exc
    import jsonschema  # only runs with --waivers import it (70 ms)
    from jsonschema.exceptions import best_match

    _dates_as_text(data)
    validator = jsonschema.Draft202012Validator(waiver_schema())
    problems = []
    for error in validator.iter_errors(data):
        error = best_match([error]) or error
        where = list(error.absolute_path)
        line = line_of(data, where)
        entry = f"entry {where[0] + 1}" if where and isinstance(where[0], int) else "<top level>"
        detail = error.message
        if error.validator == "oneOf":
            detail = "give exactly one of `requirement` or `scenario`"
        problems.append((line or 0, f"{path}:{line}: {entry}: {detail}"))
    if problems:
        raise ConfigError("invalid waiver file:\n" + "\n".join(text for _, text in sorted(problems)))
    waivers = []
    for index, raw in enumerate(data):
        line = line_of(data, [index])
        try:
            expires = datetime.date.fromisoformat(raw["expires"])
        except ValueError as exc:
            raise ConfigError(f"{path}:{line}: entry {index + 1}: expires: {exc}") from exc
        waivers.append(
            Waiver(
                reason=raw["reason"],
                ticket=raw["ticket"],
                expires=expires,
                requirement=raw.get("requirement"),
                scenario=raw.get("scenario"),
                line=line,
                scenarios=tuple(raw["scenarios"]) if "scenarios" in raw else None,
            )
        )
    return waivers


def _dates_as_text(data: Any) -> None:
    """``expires: 2027-03-31`` unquoted is a YAML date: accept it as the ISO text it was written as."""
    for entry in data if isinstance(data, list) else []:
        value = entry.get("expires") if isinstance(entry, dict) else None
        if isinstance(value, datetime.datetime):
            entry["expires"] = value.date().isoformat()
        elif isinstance(value, datetime.date):
            entry["expires"] = value.isoformat()


def apply_waivers(
    report: dict[str, Any], waivers: list[Waiver], *, today: datetime.date, file: str | None = None
) -> dict[str, Any]:
    """Mark waived failures, record active/expired/stale waivers and recompute totals and exit code.

    ``report`` is changed in place and returned. Only ``fail`` verdicts can be waived: an error
    or an inconclusive result says the suite could not judge, which no waiver can settle.
    """
    rows = {row["id"]: row for row in report["requirements"]}
    scenarios = {s["id"]: s for s in report["scenarios"]}
    active: list[Waiver] = []
    expired: list[Waiver] = []
    stale: list[Waiver] = []
    unnamed: list[str] = []
    too_long = [w for w in waivers if w.expires > horizon(today)]
    for waiver in waivers:
        if waiver.expires < today:
            expired.append(waiver)
            continue
        if waiver in too_long:
            continue
        matched = False
        if waiver.scenario is not None:
            scenario = scenarios.get(waiver.scenario)
            if scenario is not None and scenario["verdict"] == Verdict.FAIL.value:
                scenario["verdict"] = Verdict.WAIVED.value
                scenario["waiver"] = waiver.to_dict()
                matched = True
        else:
            row = rows.get(str(waiver.requirement))
            if row is not None and row["verdict"] == Verdict.FAIL.value:
                matched, problem = _requirement_waiver(waiver, row, scenarios)
                if problem is not None:
                    unnamed.append(problem)
                    continue
        (active if matched else stale).append(waiver)
    # A requirement failed only by waived scenarios is waived; any other failure keeps it failed.
    for row in rows.values():
        if row["verdict"] != Verdict.FAIL.value or not row["scenarios"]:
            continue
        related = [scenarios[s] for s in row["scenarios"] if s in scenarios]
        verdicts = {s["verdict"] for s in related}
        if (
            Verdict.WAIVED.value in verdicts
            and Verdict.FAIL.value not in verdicts
            and not row["id"].startswith("CONTRACT-")
        ):
            row["verdict"] = Verdict.WAIVED.value
            row["waiver"] = next(s["waiver"] for s in related if "waiver" in s)
    problems = [f"waiver expired on {w.expires.isoformat()}: {w.describe()}" for w in expired]
    problems += [
        f"waiver expires after the one-year horizon ({horizon(today).isoformat()}): {w.describe()}"
        for w in too_long
    ]
    problems += unnamed
    if report.get("aborted"):  # nothing was judged, so no waiver can be shown stale
        stale = []
    problems += [f"stale waiver (no failure matches it): {w.describe()}" for w in stale]
    report["waivers"] = {
        "file": file,
        "active": [w.to_dict() for w in active],
        "expired": [w.to_dict() for w in expired],
        "stale": [w.to_dict() for w in stale],
        "problems": problems,
    }
    report["totals"]["requirements"] = dict(Counter(r["verdict"] for r in report["requirements"]))
    report["totals"]["scenarios"] = dict(Counter(s["verdict"] for s in report["scenarios"]))
    code = exit_code_of(report)
    if problems and not report.get("aborted"):  # an expired or stale waiver fails the run
        code = ExitCode.NON_CONFORMANT
    report["exit_code"] = int(code)
    return report


def waiver_lines(report: dict[str, Any]) -> list[str]:
    """The waiver part of the terminal summary (empty when no waiver file was given)."""
    waivers = report.get("waivers")
    if not waivers:
        return []
    lines = [f"waivers: {len(waivers['active'])} active"]
    for entry in waivers["active"]:
        subject = entry["requirement"] or entry["scenario"]
        lines.append(f"  waived {subject} ({entry['ticket']}, expires {entry['expires']}): {entry['reason']}")
    lines.extend(f"  FAILS THE RUN: {problem}" for problem in waivers["problems"])
    return lines
