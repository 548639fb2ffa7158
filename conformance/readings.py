"""Contested readings of KLOK01: the standard's later decisions, and which results they contest.

KLOK01 (2022) was written for the legacy Klanten API; the Klantinteracties standard has since
recorded decisions that read some of its rules differently for the new API. ``specs/readings/``
holds, per requirement and profile, the decisions bearing on it and the results (scenario or
invariant ids, fnmatch patterns allowed) whose failure they contest. Under the ``register`` reading
such a failure is a warning with both citations; under ``literal`` (or ``--strict``) it counts.
``report.judge`` asks here; nothing here decides a verdict on its own.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from conformance.errors import ConfigError, ScenarioFormatError
from conformance.resources import specs_dir
from conformance.results import ScenarioResult
from conformance.verdicts import Verdict
from conformance.yamlsafe import load_yaml

LITERAL = "literal"
REGISTER = "register"
READINGS = (LITERAL, REGISTER)


@dataclass(frozen=True)
class Decision:
    """One later text of the standard, citable: repository, commit, path, lines, our sentence."""

    id: str
    title: str
    date: str
    repository: str
    commit: str
    path: str
    lines: str
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "date": self.date,
            "repository": self.repository,
            "commit": self.commit,
            "path": self.path,
            "lines": self.lines,
            "sentence": self.sentence,
        }


@dataclass(frozen=True)
class ContestedReading:
    """One of decisions.md's C1-C8: the two readings and the decisions that ground the later one."""

    id: str
    title: str
    decisions: tuple[Decision, ...]
    literal: str
    register: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "literal": self.literal,
            "register": self.register,
            "decisions": [d.to_dict() for d in self.decisions],
        }


@dataclass(frozen=True)
class Bearing:
    """What bears on one requirement in one profile, and the results it contests (id or pattern)."""

    readings: tuple[ContestedReading, ...] = ()
    decisions: tuple[Decision, ...] = ()
    contested: dict[str, ContestedReading] = field(default_factory=dict)

    def contest(self, result_id: str) -> ContestedReading | None:
        """The reading that contests ``result_id``: an exact key first, then the first matching pattern."""
        if result_id in self.contested:
            return self.contested[result_id]
        return next((c for key, c in self.contested.items() if fnmatch.fnmatchcase(result_id, key)), None)


@dataclass(frozen=True)
class Readings:
    """The readings data of one catalogue file."""

    default: dict[str, str]  # profile -> its default reading
    reasons: dict[str, str]  # profile -> why (when it has only the literal reading)
    readings: dict[str, ContestedReading]
    decisions: dict[str, Decision]
    bearings: dict[tuple[str, str], Bearing]  # (requirement, profile) -> bearing

    def bearing(self, requirement: str, profile: str) -> Bearing:
        return self.bearings.get((requirement, profile), Bearing())

    def contested_in(self, profile: str) -> bool:
        """Whether any result of ``profile`` can be contested (else only the literal reading exists)."""
        return any(b.contested for (_, p), b in self.bearings.items() if p == profile)

    def resolve(self, profile: str, requested: str | None) -> str:
        """The reading a run of ``profile`` applies: ``requested``, else the profile's default.

        A profile without contested results has only the literal reading; asking for ``register``
        there is a ``ConfigError`` rather than a reading that silently changes nothing.
        """
        if requested is not None and requested not in READINGS:
            raise ConfigError(f"unknown reading {requested!r}; known: {', '.join(READINGS)}")
        if requested == REGISTER and not self.contested_in(profile):
            why = self.reasons.get(profile, "no decision of the register contests a result of it")
            raise ConfigError(f"profile {profile} has only the literal reading: {why.strip()}")
        return requested or self.default.get(profile, LITERAL)


def _need(raw: dict[str, Any], key: str, file: str, where: str) -> Any:
    if key not in raw or raw[key] in (None, ""):
        raise ScenarioFormatError(file, None, f"{where}: missing `{key}`", key=key)
    return raw[key]


def load_readings_file(path: Path) -> Readings:
    """Parse one readings file; a dangling decision, reading or profile is a format error."""
    data = load_yaml(path)
    file = str(path)
    if not isinstance(data, dict):
        raise ScenarioFormatError(file, 1, "a readings file is a mapping")
    source = (data.get("sources") or {}).get("STD") or {}
    decisions = {
        str(key): Decision(
            id=str(key),
            title=str(_need(raw, "title", file, f"decision {key}")),
            date=str(raw.get("date", "")),
            repository=str(raw.get("repository", source.get("repository", ""))),
            commit=str(raw.get("commit", source.get("commit", ""))),
            path=str(_need(raw, "path", file, f"decision {key}")),
            lines=str(raw.get("lines", "")),
            sentence=str(_need(raw, "sentence", file, f"decision {key}")),
        )
        for key, raw in (data.get("decisions") or {}).items()
    }

    def decision(key: str, where: str) -> Decision:
        if key not in decisions:
            raise ScenarioFormatError(file, None, f"{where}: unknown decision {key!r}")
        return decisions[key]

    readings = {
        str(key): ContestedReading(
            id=str(key),
            title=str(_need(raw, "title", file, f"reading {key}")),
            decisions=tuple(decision(str(d), f"reading {key}") for d in _need(raw, "decisions", file, key)),
            literal=str(_need(raw, "literal", file, f"reading {key}")),
            register=str(_need(raw, "register", file, f"reading {key}")),
        )
        for key, raw in (data.get("contested_readings") or {}).items()
    }

    def reading(key: str, where: str) -> ContestedReading:
        if key not in readings:
            raise ScenarioFormatError(file, None, f"{where}: unknown contested reading {key!r}")
        return readings[key]

    profiles = data.get("profiles") or {}
    default = {str(p): str((raw or {}).get("default", LITERAL)) for p, raw in profiles.items()}
    bad = sorted(p for p, r in default.items() if r not in READINGS)
    if bad:
        raise ScenarioFormatError(file, None, f"profiles {bad}: default must be one of {READINGS}")
    bearings: dict[tuple[str, str], Bearing] = {}
    for requirement, per_profile in (data.get("requirements") or {}).items():
        for profile, raw in (per_profile or {}).items():
            where = f"{requirement} / {profile}"
            if profile not in profiles:
                raise ScenarioFormatError(file, None, f"{where}: profile not under `profiles`")
            raw = raw or {}
            bearings[(str(requirement), str(profile))] = Bearing(
                readings=tuple(reading(str(r), where) for r in raw.get("bearing") or ()),
                decisions=tuple(decision(str(d), where) for d in raw.get("decisions") or ()),
                contested={str(k): reading(str(v), where) for k, v in (raw.get("contested") or {}).items()},
            )
    reasons = {str(p): str((raw or {}).get("reason", "")) for p, raw in profiles.items()}
    return Readings(default, reasons, readings, decisions, bearings)


@cache
def _load(folder: Path) -> Readings:
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    parts = [load_readings_file(path) for path in files]
    merged = Readings({}, {}, {}, {}, {})
    for part in parts:
        merged.default.update(part.default)
        merged.reasons.update(part.reasons)
        merged.readings.update(part.readings)
        merged.decisions.update(part.decisions)
        merged.bearings.update(part.bearings)
    return merged


def load_readings(folder: Path | None = None) -> Readings:
    """Every readings file of ``specs/readings/`` (cached per folder: judging asks per run)."""
    return _load((folder or specs_dir() / "readings").resolve())


@dataclass(frozen=True)
class Contested:
    """A failed result that a later decision contests, with both citations."""

    result_id: str
    message: str
    reading: ContestedReading

    def to_dict(self, quote_of: dict[str, str]) -> dict[str, Any]:
        return {
            "result": self.result_id,
            "message": self.message.splitlines()[0] if self.message else "",
            "reading": self.reading.id,
            "title": self.reading.title,
            "klok01": quote_of,
            "literal": self.reading.literal,
            "register": self.reading.register,
            "decisions": [d.to_dict() for d in self.reading.decisions],
        }


def contested_failures(
    bearing: Bearing, requirement_id: str, results: Iterable[ScenarioResult], reading: str
) -> tuple[Contested, ...]:
    """The requirement's failed results a later decision contests (none under the literal reading)."""
    if reading == LITERAL:
        return ()
    found = []
    for result in results:
        contest = bearing.contest(result.scenario_id) if requirement_id in result.verifies else None
        if contest is not None and result.verdict is Verdict.FAIL:
            found.append(Contested(result.scenario_id, result.message, contest))
    return tuple(found)


def reading_facts(profile: str, applied: str, strict: bool, *, explicit: bool) -> dict[str, Any]:
    """The report's ``reading`` block: which reading was applied and whether contested failures count."""
    readings = load_readings()
    return {
        "applied": applied,
        "default": readings.default.get(profile, LITERAL),
        "explicit": explicit,
        "contested_count": strict or applied == LITERAL,
        "contestable": readings.contested_in(profile),
    }


def reading_line(report: dict[str, Any]) -> str:
    """One line saying which reading a report applied (terminal table, HTML header, summary)."""
    facts = report.get("reading")
    if not facts:
        return "literal (no reading recorded)"
    origin = "--reading" if facts["explicit"] else f"default of {report.get('profile', 'the profile')}"
    if not facts["contestable"]:
        return f"{facts['applied']} ({origin}; no result of this profile is contested)"
    weight = "contested failures count" if facts["contested_count"] else "contested failures are warnings"
    return f"{facts['applied']} ({origin}; {weight})"


def where(decision: dict[str, Any]) -> str:
    """Where a cited decision can be read: ``repository@commit path:lines``."""
    return f"{decision['repository']}@{decision['commit']} {decision['path']}:{decision['lines']}"


def contested_lines(report: dict[str, Any]) -> list[str]:
    """Per requirement with contested failures: the results, the reading and the decisions cited."""
    lines = []
    for row in report.get("requirements", []):
        for item in row.get("contested") or ():
            cited = ", ".join(f"{d['id']} ({where(d)})" for d in item["decisions"])
            state = "counted" if item["counted"] else "warning"
            lines.append(
                f"  {row['id']} {item['result']} [{item['reading']}, {state}]: "
                f"KLOK01 {item['klok01']['section']} vs {cited}"
            )
    return lines
