"""The invariant layer: KLOK01's rules as properties of the API's state (issue 18).

Sequences of requests over every route that creates, attaches, changes, moves, links, unlinks,
deletes or reads identifying data are generated from the profile's ``invariants:`` data and its
contract (``spec``), sent with every credential form (``credentials``), and after each step the
state is read back with valid credentials and judged (``checks``). A violation is shrunk to a
minimal sequence and exported as a scenario file (``export``). ``run`` ties it together for one
run and records a ``ScenarioResult`` per invariant id, so the judge and reports treat invariants
like scenarios. This package never imports pytest (``plugin/invariant_items.py`` adapts it).
"""

from __future__ import annotations

from conformance import inventory
from conformance.invariants.checks import INVARIANTS, Invariant
from conformance.invariants.run import InvariantOutcome, InvariantRun

INVARIANT = "invariant"


def invariant_units(inputs: inventory.Inputs) -> list[inventory.Unit]:
    """Every invariant of a profile that declares the layer: part of the KLOK01 inventory, so a run
    with the layer off, deselected or cut short is partial for the requirements it verifies."""
    if not inputs.scenarios or not inputs.profile.invariants:
        return []
    return [inventory.Unit(i.id, INVARIANT, (i.requirement,)) for i in INVARIANTS]


inventory.register(INVARIANT, invariant_units)

__all__ = ["INVARIANTS", "Invariant", "InvariantOutcome", "InvariantRun"]
