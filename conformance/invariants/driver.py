"""Generates and runs sequences: a coverage sweep, then Hypothesis-generated sequences.

Why Hypothesis, and why not its ``RuleBasedStateMachine``: a sequence here is plain data
(``Step``s whose references resolve modulo what exists), drawn by a seeded ``@given`` over
``st.lists`` of steps. Hypothesis gives the seeded, reproducible draw and its bias toward small
and edge values; its own shrinker is off (``Phase.generate`` only), because shrinking replays
hundreds of sequences against a live server, which no 20 s run affords. A violation is instead
shrunk here by removing steps one at a time while the same invariant still fails (each replay
costs real requests, so the passes are bounded). The sweep comes first and is what makes route
coverage reach every declared (operation, method, credential form, identifier kind) cell.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from conformance.client import Client
from conformance.errors import TargetError
from conformance.evidence import Exchange
from conformance.generators import IdentifierGenerator
from conformance.invariants.api import Executor, Outcome, discover, step_label
from conformance.invariants.checks import Judge, Violation
from conformance.invariants.credentials import OTHER_SCHEME, VALID, CredentialForms
from conformance.invariants.identificatoren import IdentificatorActions
from conformance.invariants.probes import do_list, do_read, do_search
from conformance.invariants.spec import InvariantSpec
from conformance.invariants.steps import FRESH, READ_ACTIONS, Sequence, Step
from conformance.invariants.subject import SubjectActions
from conformance.invariants.sweep import plan

_STYLES: dict[str, Callable[[Executor], Any]] = {
    "identificatoren": IdentificatorActions,
    "subject": SubjectActions,
}


@dataclass
class Budget:
    """Steps bound the run (deterministic against the reference); seconds only cap a slow target."""

    max_steps: int = 900
    max_seconds: float = 30.0
    examples: int = 10
    sequence_length: int = 6
    shrink_replays: int = 24
    started: float = field(default_factory=time.perf_counter)

    def spent(self, steps: int) -> bool:
        return steps >= self.max_steps or time.perf_counter() - self.started >= self.max_seconds


@dataclass
class SequenceRun:
    steps: list[Step]
    violations: list[tuple[int, Violation]] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    cleanup: list[tuple[str, int | None]] = field(default_factory=list)
    steps_run: int = 0


class Driver:
    """Runs sequences against one target, judging every step; see the module docstring."""

    def __init__(
        self,
        spec: InvariantSpec,
        client: Client,
        forms: CredentialForms,
        generators: IdentifierGenerator,
        run_id: str,
        budget: Budget,
    ) -> None:
        self.spec = spec
        self.client = client
        self.forms = forms
        self.gen = generators
        self.run_id = run_id
        self.budget = budget
        self.exercised: set[tuple[str, str, str, str]] = set()
        self.checked: dict[str, int] = {}
        self.observations: list[dict[str, Any]] = []
        self.steps = 0
        self.sequences = 0
        self.requests = 0
        self.cleanups: list[tuple[str, int | None]] = []
        self.read_only = False  # set by the run: sequences start from what the target already holds
        self.faulty_steps = 0  # steps whose own request got a server error or a redirect
        self.first_fault: str | None = None
        self.value_kinds: dict[str, str] = {}  # every identifier value used -> its kind (for export)
        bron = [self.gen.rsin(), self.gen.rsin()] if spec.scope_field else [""]
        self.scope_values = tuple(bron)

    def run(
        self, steps: list[Step], active: set[str], *, stop_at_first: bool = False, bounded: bool = False
    ) -> SequenceRun:
        """One sequence from an empty model; every record it made is deleted, also after a crash."""
        ex = Executor(self.spec, self.client, self.forms, self.gen, self.run_id, self.scope_values)
        actions = _STYLES[self.spec.style](ex)
        if self.read_only:
            discover(ex, actions)
        judge = Judge(ex, actions, active, self.checked)
        result = SequenceRun(list(steps))
        self.sequences += 1
        unsure: set[tuple[str, str]] = set()  # values sent by writes whose effect the run may not know
        try:
            for index, step in enumerate(steps):
                if bounded and self.budget.spent(self.steps):
                    break
                label = step_label(index, step)
                if step.action in READ_ACTIONS:
                    out = Outcome()
                    probe = {"read": do_read, "search": do_search, "list": do_list}[step.action]
                    probe(ex, actions, step, label, out)
                else:
                    out = actions.perform(step, label)
                if step.action not in READ_ACTIONS and (
                    step.form != VALID or step.action == "concurrent" or not 200 <= (out.status or 0) < 300
                ):
                    unsure |= out.values
                self._note_fault(out)
                result.steps_run += 1
                self.steps += 1
                for violation in judge.judge(step, out):
                    result.violations.append((index, violation))
                if stop_at_first and result.violations:
                    break
        finally:
            orphans = getattr(actions, "adopt_orphans", None)
            if orphans is not None and unsure and not self.read_only:
                with suppress(TargetError):  # the deletes below still run; what fails is reported
                    orphans(unsure)
            result.cleanup = ex.cleanup()
            result.exchanges = list(ex.log)
            self.cleanups += result.cleanup
            self.exercised |= ex.exercised
            self.requests += ex.requests
            self.observations += judge.observations
            self.value_kinds.update({v: k for k, used in ex.values.items() for v in used})
        return result

    def _note_fault(self, out: Outcome) -> None:
        fault = next(
            (
                f"{e.method} {e.url} answered {e.status}"
                for e in out.exchanges
                if e.status is not None and (e.status >= 500 or 300 <= e.status < 400)
            ),
            None,
        )
        if fault is not None:
            self.faulty_steps += 1
            self.first_fault = self.first_fault or fault

    def target_fault(self) -> str | None:
        """Why the run judged too little to let an invariant pass: most of its steps got a server
        error or a redirect, so what was read back shows what the target failed to do, not a rule."""
        if not self.steps or self.faulty_steps * 2 <= self.steps:
            return None
        return (
            f"the target answered {self.faulty_steps} of {self.steps} steps with a server error or a "
            f"redirect (first: {self.first_fault})"
        )

    def shrink(self, steps: list[Step], invariant: str) -> list[Step]:
        """Remove steps one at a time while ``invariant`` still fails (bounded replays)."""
        current = list(steps)
        replays = 0
        index = len(current) - 1
        while index >= 0 and replays < self.budget.shrink_replays:
            candidate = current[:index] + current[index + 1 :]
            replays += 1
            if candidate and self._fails(candidate, invariant):
                current = candidate
            index -= 1
        return current

    def _fails(self, steps: list[Step], invariant: str) -> bool:
        run = self.run(steps, {invariant}, stop_at_first=True)
        return any(v.invariant == invariant for _, v in run.violations)

    # -- generation -----------------------------------------------------------------------------
    def sweep(self, read_only: bool) -> Iterator[Sequence]:
        """The deterministic sweep (``sweep.plan``)."""
        forms = self.forms.all() if self.forms.has_credentials else (VALID,)
        return plan(self.spec, forms, read_only)

    def hypothesis(self, consume: Callable[[list[Step]], bool], run_seed: int, read_only: bool) -> None:
        """Hypothesis-drawn sequences handed to ``consume`` until it returns False or the budget ends."""
        kinds = list(self.spec.identifiers)
        forms = list(self.forms.all()) if self.forms.has_credentials else [VALID]
        ref = st.sampled_from([FRESH, 0, 1])
        idents = st.lists(st.tuples(st.sampled_from(kinds), ref), max_size=2).map(tuple)
        writes = ("create", "attach", "move", "change", "delete", "concurrent", "zelfstandig", "link")
        actions = ("read", "search") if read_only else writes + READ_ACTIONS
        step = st.builds(
            Step,
            action=st.sampled_from(actions),
            form=st.one_of(st.just(VALID), st.sampled_from(forms)),
            kind=st.integers(0, 2),
            idents=idents,
            target=st.integers(0, 2),
            other=st.integers(0, 2),
            route=st.sampled_from(("separate", "patch", "put", "documented", "slash", "head")),
            scoped=st.booleans(),
            scope=st.integers(0, 1),
            orphan=st.booleans(),
        )
        state = {"go": True}

        @seed(run_seed)
        @settings(
            max_examples=self.budget.examples,
            phases=[Phase.generate],
            database=None,
            deadline=None,
            derandomize=False,
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
        )
        @given(st.lists(step, min_size=1, max_size=self.budget.sequence_length))
        def draw(steps: list[Step]) -> None:
            if state["go"] and not self.budget.spent(self.steps):
                state["go"] = consume(steps)

        draw()


__all__ = ["OTHER_SCHEME", "Budget", "Driver", "SequenceRun"]
