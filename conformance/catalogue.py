"""Requirement catalogues: data files in ``specs/requirements/``, and the coverage they imply.

Every requirement appears in every report, tested or not, so nothing is silently absent; the
coverage check keeps the catalogue and the scenarios honest with each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import ScenarioFormatError
from conformance.model import Scenario
from conformance.resources import specs_dir
from conformance.yamlsafe import load_yaml

TESTABILITY = ("tested", "proxy", "untestable")
LEVELS = ("MUST", "SHOULD")  # RFC 2119; a SHOULD failure is a warning unless --strict


@dataclass(frozen=True)
class ProfileNote:
    applicable: bool = True
    note: str = ""


@dataclass(frozen=True)
class Requirement:
    """One catalogued requirement."""

    id: str
    catalogue: str
    level: str
    section: str
    quote: str
    statement: str
    testability: str
    proxy: str = ""
    reason: str = ""
    verified_by: str = "scenarios"  # scenarios | contract
    check: str | None = None
    profiles: dict[str, ProfileNote] = field(default_factory=dict)
    level_reason: str = ""  # why the level is MUST or SHOULD, citing the text that supports it
    source: str = ""  # where the quote can be read (repository, commit, path); else the catalogue's

    def applicable_to(self, profile: str) -> bool:
        note = self.profiles.get(profile)
        return note.applicable if note else True

    def needs_scenarios(self) -> bool:
        return self.testability != "untestable" and self.verified_by == "scenarios"


@dataclass(frozen=True)
class Catalogue:
    """The requirements of the active profile's catalogues, in file order."""

    requirements: tuple[Requirement, ...]

    def ids(self) -> set[str]:
        return {r.id for r in self.requirements}

    def get(self, requirement_id: str) -> Requirement | None:
        return next((r for r in self.requirements if r.id == requirement_id), None)


def _requirement(
    raw: dict[str, Any], catalogue: str, file: str, line: int | None, source: str = ""
) -> Requirement:
    def need(key: str) -> Any:
        if key not in raw or raw[key] in (None, ""):
            raise ScenarioFormatError(
                file, line, f"requirement {raw.get('id', '?')}: missing `{key}`", key=key
            )
        return raw[key]

    if need("level") not in LEVELS:
        raise ScenarioFormatError(file, line, f"level must be one of {', '.join(LEVELS)}", key="level")
    need("level_reason")
    testability = need("testability")
    if testability not in TESTABILITY:
        raise ScenarioFormatError(
            file, line, f"testability must be one of {', '.join(TESTABILITY)}", key="id"
        )
    if testability == "proxy":
        need("proxy")
    if testability == "untestable":
        need("reason")
    profiles = {
        name: ProfileNote(bool((note or {}).get("applicable", True)), str((note or {}).get("note", "")))
        for name, note in (raw.get("profiles") or {}).items()
    }
    return Requirement(
        id=need("id"),
        catalogue=catalogue,
        level=need("level"),
        section=need("section"),
        quote=need("quote"),
        statement=need("statement"),
        testability=testability,
        proxy=str(raw.get("proxy", "")),
        reason=str(raw.get("reason", "")),
        verified_by=str(raw.get("verified_by", "scenarios")),
        check=raw.get("check"),
        profiles=profiles,
        level_reason=str(raw["level_reason"]).strip(),
        source=str(raw.get("source") or source),
    )


def load_catalogue_file(path: Path) -> list[Requirement]:
    """Load one catalogue file; malformed entries are format errors with a line."""
    data = load_yaml(path)
    file = str(path)
    if not isinstance(data, dict) or "requirements" not in data or "catalogue" not in data:
        raise ScenarioFormatError(file, 1, "a catalogue needs `catalogue` and `requirements`")
    lines = getattr(data["requirements"], "item_lines", [])
    out = []
    for index, raw in enumerate(data["requirements"]):
        line = lines[index] if index < len(lines) else None
        out.append(_requirement(raw, str(data["catalogue"]), file, line, str(data.get("source") or "")))
    return out


def load_catalogues(names: Iterable[str], folder: Path | None = None) -> Catalogue:
    """Load the named catalogues (``specs/requirements/<name>.yaml``); ids must be unique."""
    folder = folder or specs_dir() / "requirements"
    requirements: list[Requirement] = []
    seen: set[str] = set()
    for name in names:
        path = folder / f"{name}.yaml"
        for requirement in load_catalogue_file(path):
            if requirement.id in seen:
                raise ScenarioFormatError(str(path), None, f"duplicate requirement id {requirement.id}")
            seen.add(requirement.id)
            requirements.append(requirement)
    return Catalogue(tuple(requirements))


@dataclass(frozen=True)
class CoverageRow:
    requirement: Requirement
    scenarios: tuple[str, ...]
    applicable: bool = True
    note: str = ""
    """The catalogue's note for the profile (why it does not apply, or how it is tested there)."""

    @property
    def gap(self) -> bool:
        """A requirement that should be verified by scenarios but has none."""
        return self.applicable and self.requirement.needs_scenarios() and not self.scenarios


def coverage(catalogue: Catalogue, scenarios: Iterable[Scenario], profile: str) -> list[CoverageRow]:
    """Which scenarios of ``profile`` verify each requirement."""
    by_requirement: dict[str, list[str]] = {r.id: [] for r in catalogue.requirements}
    for scenario in scenarios:
        if profile not in scenario.profiles:
            continue
        for requirement in scenario.verifies:
            by_requirement.setdefault(requirement, []).append(scenario.id)
    return [
        CoverageRow(
            r,
            tuple(sorted(by_requirement[r.id])),
            r.applicable_to(profile),
            r.profiles[profile].note if profile in r.profiles else "",
        )
        for r in catalogue.requirements
    ]
