"""What a run should have run: the profile's declared inventory, never what pytest collected.

A verdict of "pass" on a requirement means every unit that verifies it ran. pytest can drop
units in many ways (``-k``, ``-m``, ``--deselect``, ``--ignore``, ``--ignore-glob``, an xdist
worker that deselected or crashed, a budget, ``--read-only``), and not all of them tell a plugin.
So the denominator comes from the profile: every scenario of the profile's scenario folder, the
fuzz auth check and one fuzz unit per operation the profile declares. A unit is *ran* when the
recorder holds its result; anything expected and not ran leaves its requirements ``not-run`` and
the run partial, whatever dropped it.

Other layers add their own kinds with one call, e.g. the invariant layer::

    inventory.register("invariant", lambda inputs: [Unit("invariant R4-unique", "invariant", ("KLOK01-R4",))])

and record what ran with ``RunRecorder.record_ran(unit_id)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.catalogue import Catalogue
from conformance.errors import ToolError
from conformance.loader import load_scenario, scenario_files
from conformance.profiles import Profile
from conformance.yamlsafe import safe_load

SCENARIO = "scenario"
FUZZ_AUTH = "fuzz-auth"
FUZZ_OPERATION = "fuzz-operation"
AUTH_REQUIREMENT = "CONTRACT-AUTH"
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Unit:
    """One expected unit: a stable id (as recorded when it runs), its kind and what it verifies."""

    id: str
    kind: str
    requirements: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "requirements": list(self.requirements)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Unit:
        return cls(str(data["id"]), str(data["kind"]), tuple(data["requirements"]))


@dataclass(frozen=True)
class Inputs:
    """What a unit source may read to declare its units."""

    profile: Profile
    catalogue: Catalogue
    spec_path: Path
    scenarios: bool  # False for a contract-only run (``klanten-conformance fuzz``)
    fuzz: bool  # contract fuzzing is part of this run's scope


UnitSource = Callable[[Inputs], Iterable[Unit]]
_SOURCES: dict[str, UnitSource] = {}


def register(kind: str, source: UnitSource) -> None:
    """Declare a kind of unit; ``source`` lists the units of that kind a run should have run."""
    _SOURCES[kind] = source


def expected(inputs: Inputs) -> list[Unit]:
    """Every unit of every registered kind, in registration order."""
    return [unit for source in _SOURCES.values() for unit in source(inputs)]


def scenario_units(inputs: Inputs) -> list[Unit]:
    """Every scenario of the profile (its ``scenarios/<profile>/`` folder), however pytest was told."""
    if not inputs.scenarios:
        return []
    units = []
    for path in scenario_files([inputs.profile.scenarios_path]):
        try:
            scenario = load_scenario(path)
        except ToolError:
            continue  # a malformed file is a collection error (exit 2) already
        if inputs.profile.name in scenario.profiles:
            units.append(Unit(scenario.id, SCENARIO, tuple(scenario.verifies)))
    return units


def operation_labels(spec_path: Path) -> dict[str, str]:
    """operationId -> ``METHOD /path`` (schemathesis' label, the fuzz item's name) of a contract."""
    try:
        document = safe_load(spec_path.read_bytes()) or {}
    except (OSError, ToolError):
        return {}
    labels: dict[str, str] = {}
    for path, item in (document.get("paths") or {}).items():
        for method, operation in (item or {}).items():
            if method in _HTTP_METHODS and isinstance(operation, dict) and operation.get("operationId"):
                labels[str(operation["operationId"])] = f"{method.upper()} {path}"
    return labels


def fuzz_unit_id(name: str) -> str:
    """The inventory id of a fuzz unit named as in the ``fuzz`` report section."""
    return f"fuzz {name}"


def fuzz_units(inputs: Inputs) -> list[Unit]:
    """The auth check and one unit per operation the profile declares. An operation the contract in
    use lacks (a ``--spec`` missing part of the profile) is expected all the same: it never runs."""
    if not inputs.fuzz:
        return []
    contract = tuple(r.id for r in inputs.catalogue.requirements if r.verified_by == "contract")
    units = [Unit(fuzz_unit_id("auth"), FUZZ_AUTH, tuple(r for r in contract if r == AUTH_REQUIREMENT))]
    labels = operation_labels(inputs.spec_path)
    for operation_id in inputs.profile.operations:
        label = labels.get(operation_id, f"{operation_id} (not in the contract used)")
        units.append(Unit(fuzz_unit_id(label), FUZZ_OPERATION, contract))
    return units


register(SCENARIO, scenario_units)
register(FUZZ_OPERATION, fuzz_units)


def fuzz_ran(section: dict[str, Any] | None) -> set[str]:
    """Fuzz units that ran whole: present in the ``fuzz`` section, neither skipped nor cut short."""
    units = (section or {}).get("units") or {}
    return {
        fuzz_unit_id(name)
        for name, unit in units.items()
        if not unit.get("skipped") and not unit.get("cut_short")
    }


def missing(units: Iterable[Unit], ran: set[str]) -> list[Unit]:
    """The expected units that did not run."""
    return [unit for unit in units if unit.id not in ran]


def summary(units: list[Unit], absent: list[Unit]) -> dict[str, Any]:
    """The report's ``inventory`` entry: how much of the declared inventory ran, and what did not."""
    return {
        "expected": len(units),
        "ran": len(units) - len(absent),
        "missing": [unit.id for unit in absent],
    }
