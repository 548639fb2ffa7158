"""One invariant run: sweep and Hypothesis sequences, shrinking, results and the report section.

Results go through the run's ``RunRecorder`` as one ``ScenarioResult`` per invariant id (its
requirement in ``verifies``), so the judge, the reports and the catalogue's contested marking
treat invariants like scenarios. Invariants that did not run (``--read-only``, no credentials, no
occasion in this budget) are recorded as not run, never as pass.
"""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.client import Client
from conformance.errors import ConfigError, TargetError
from conformance.evidence import Redactor
from conformance.generators import IdentifierGenerator
from conformance.invariants.checks import BY_ID, INVARIANTS, Violation
from conformance.invariants.credentials import CredentialForms
from conformance.invariants.driver import Budget, Driver
from conformance.invariants.export import scenario_for
from conformance.invariants.spec import InvariantSpec
from conformance.invariants.steps import Sequence, Step
from conformance.results import ScenarioResult
from conformance.verdicts import Verdict

SECTION = "invariants"


@dataclass
class Found:
    invariant: str
    violation: Violation
    steps: list[Step]
    origin: str


@dataclass
class InvariantOutcome:
    """Everything the run produced: results per invariant, not-run ones, the report section."""

    results: list[ScenarioResult] = field(default_factory=list)
    not_run: list[tuple[str, list[str], str]] = field(default_factory=list)
    section: dict[str, Any] = field(default_factory=dict)
    exports: dict[str, dict[str, Any]] = field(default_factory=dict)


class InvariantRun:
    """Runs the layer for one profile against one target."""

    def __init__(
        self,
        *,
        spec: InvariantSpec,
        client: Client,
        auth: Any,
        redactor: Redactor,
        generators: IdentifierGenerator,
        run_id: str,
        seed: int,
        profile: str,
        refusal_statuses: tuple[int, ...],
        read_only: bool = False,
        budget: Budget | None = None,
        report_dir: Path | None = None,
        variant: str | None = None,
    ) -> None:
        self.spec = spec
        self.forms = CredentialForms(auth)
        redactor.learn(*self.forms.secrets())
        self.driver = Driver(spec, client, self.forms, generators, run_id, budget or Budget())
        self.driver.read_only = read_only
        self.client = client
        self.seed = seed
        self.profile = profile
        self.refusal_statuses = refusal_statuses
        self.read_only = read_only
        self.report_dir = report_dir
        self.run_id = run_id
        self.variant = variant

    @classmethod
    def for_context(cls, ctx: Any, budget: Budget | None = None) -> InvariantRun:
        """From a ``RunContext`` (typed loosely: the core does not import ``session``)."""
        if not ctx.profile.invariants:
            raise ConfigError(f"profile {ctx.profile.name} has no invariants data")
        return cls(
            spec=InvariantSpec.from_profile(ctx.profile, ctx.profile.spec_path),
            client=ctx.client,
            auth=ctx.auth,
            redactor=ctx.redactor,
            generators=ctx.generators,
            run_id=ctx.settings.run_id,
            seed=ctx.settings.seed,
            profile=ctx.profile.name,
            refusal_statuses=ctx.profile.auth.refusal_statuses,
            read_only=ctx.settings.read_only,
            budget=budget,
            report_dir=ctx.settings.report_dir,
            variant=ctx.settings.reference_variant if ctx.server is not None else None,
        )

    def active_ids(self) -> set[str]:
        return {i.id for i in INVARIANTS if not self.read_only or i.side == "read"}

    def execute(self) -> InvariantOutcome:
        started = time.perf_counter()
        found: dict[str, Found] = {}
        active = self.active_ids()
        if not self.forms.has_credentials:
            active = set()

        def consume(sequence: Sequence) -> bool:
            open_ids = active - set(found)
            if not open_ids:
                return False
            run = self.driver.run(sequence.steps, open_ids, bounded=True)
            for index, violation in run.violations:
                if violation.invariant not in found:
                    found[violation.invariant] = Found(
                        violation.invariant, violation, sequence.steps[: index + 1], sequence.origin
                    )
            return not self.driver.budget.spent(self.driver.steps)

        error: str | None = None
        try:
            if active:
                for sequence in self.driver.sweep(self.read_only):
                    if not consume(sequence):
                        break
                if not self.driver.budget.spent(self.driver.steps):
                    self.driver.hypothesis(lambda steps: consume(Sequence(steps)), self.seed, self.read_only)
            evidence = {inv: self._minimal(f) for inv, f in found.items()}
        except TargetError as exc:
            error = str(exc)
            evidence = {}
        fault = None if error else self.driver.target_fault()
        error = error or fault
        outcome = InvariantOutcome()
        for invariant in INVARIANTS:
            verifies = [invariant.requirement]
            if invariant.id not in active:
                why = (
                    "--read-only: a write-side invariant"
                    if self.read_only
                    else "no valid credentials configured"
                )
                outcome.not_run.append((invariant.id, verifies, why))
                continue
            if error is not None and invariant.id not in found:
                outcome.results.append(
                    ScenarioResult(
                        invariant.id,
                        verifies,
                        Verdict.ERROR,
                        f"invariant run {'could not judge' if fault else 'stopped'}: {error}",
                    )
                )
                continue
            if invariant.id in found:
                steps, exchanges, message = evidence[invariant.id]
                outcome.results.append(
                    ScenarioResult(
                        invariant.id,
                        verifies,
                        Verdict.FAIL,
                        f"{message} (minimal sequence of {len(steps)} step(s); "
                        f"replay: {self.replay_command()})",
                        exchanges=exchanges,
                    )
                )
                outcome.exports[invariant.id] = self._export(invariant.id, message, steps, exchanges)
                continue
            if self.driver.checked.get(invariant.id):
                outcome.results.append(
                    ScenarioResult(
                        invariant.id,
                        verifies,
                        Verdict.PASS,
                        f"held in {self.driver.checked[invariant.id]} check(s)",
                    )
                )
            else:
                outcome.not_run.append(
                    (invariant.id, verifies, "no step of this run's budget gave it an occasion")
                )
        outcome.section = self._section(found, evidence, outcome, time.perf_counter() - started, error)
        return outcome

    def _minimal(self, found: Found) -> tuple[list[Step], list[Any], str]:
        steps = self.driver.shrink(found.steps, found.invariant)
        replay = self.driver.run(steps, {found.invariant}, stop_at_first=True)
        hit = next((v for _, v in replay.violations if v.invariant == found.invariant), found.violation)
        return steps, replay.exchanges, hit.message

    def replay_command(self) -> str:
        parts = [
            "klanten-conformance",
            "run",
            "--profile",
            self.profile,
            "--run-id",
            self.run_id,
            "--seed",
            str(self.seed),
        ]
        if self.variant:
            parts += ["--reference-variant", self.variant]
        return " ".join(shlex.quote(p) for p in parts) + " -- -k invariants"

    def _export(
        self, invariant: str, message: str, steps: list[Step], exchanges: list[Any]
    ) -> dict[str, Any]:
        sent = " ".join(f"{e.url} {e.request_body}" for e in exchanges)
        values = {v: k for v, k in self.driver.value_kinds.items() if v in sent}
        return scenario_for(
            invariant,
            message,
            exchanges,
            profile=self.profile,
            root_url=self.client.root_url,
            spec=self.spec,
            values=values,
            refusal_statuses=self.refusal_statuses,
        )

    def _section(
        self,
        found: dict[str, Found],
        evidence: dict[str, Any],
        outcome: InvariantOutcome,
        seconds: float,
        error: str | None,
    ) -> dict[str, Any]:
        declared = self.coverage_cells()
        exercised = self.driver.exercised
        hit = [c for c in declared if covered(c, exercised)]
        return {
            "seed": self.seed,
            "sequences": self.driver.sequences,
            "steps": self.driver.steps,
            "requests": self.driver.requests,
            "seconds": round(seconds, 3),
            "steps_per_second": round(self.driver.steps / seconds, 1) if seconds else None,
            "read_only": self.read_only,
            "error": error,
            "invariants": [
                {
                    "id": i.id,
                    "requirement": i.requirement,
                    "statement": i.statement,
                    "contested": i.contested,
                    "checks": self.driver.checked.get(i.id, 0),
                    "violated": i.id in found,
                }
                for i in INVARIANTS
            ],
            "violations": [
                {
                    "invariant": inv,
                    "requirement": BY_ID[inv].requirement,
                    "message": evidence[inv][2],
                    "origin": found[inv].origin,
                    "steps": [s.describe() for s in evidence[inv][0]],
                    "replay": self.replay_command(),
                    "scenario": outcome.exports.get(inv),
                }
                for inv in sorted(found)
                if inv in evidence
            ],
            "observations": self.driver.observations[:20],
            "cut_short": self.driver.budget.spent(self.driver.steps),
            "coverage": {
                "declared": len(declared),
                "exercised": len(hit),
                "percent": round(100.0 * len(hit) / len(declared), 1) if declared else 0.0,
                "table": [
                    {
                        "operation": c[0],
                        "method": c[1],
                        "form": c[2],
                        "identifier": c[3],
                        "exercised": covered(c, exercised),
                    }
                    for c in declared
                ],
                "missing": [list(c) for c in declared if not covered(c, exercised)][:200],
            },
            "cleanup": {
                "attempted": len(self.driver.cleanups),
                "failed": [
                    u
                    for u, status in self.driver.cleanups
                    if status is None or (status >= 400 and status not in (404, 410))
                ],
            },
        }

    def coverage_cells(self) -> list[tuple[str, str, str, str]]:
        """operation × method × credential form × identifier kind for every declared route; a route
        that carries no identifier in its request (a read, a delete) has the kind ``*`` (any)."""
        forms = self.forms.all() if self.forms.has_credentials else ()
        carriers = {
            (r.operation, r.method)
            for res in (self.spec.holder, self.spec.identificator)
            if res is not None
            for action, r in res.routes.items()
            if action in ("create", "update", "patch")
        }
        cells = []
        for route in self.spec.declared_routes():
            methods = [route.method, "HEAD"] if route.method == "GET" else [route.method]
            for method in methods:
                if self.read_only and method not in ("GET", "HEAD"):
                    continue
                kinds = list(self.spec.identifiers) if (route.operation, method) in carriers else ["*"]
                cells += [(route.operation, method, form, kind) for form in forms for kind in kinds]
        return cells


def covered(cell: tuple[str, str, str, str], exercised: set[tuple[str, str, str, str]]) -> bool:
    if cell[3] != "*":
        return cell in exercised
    return any(e[:3] == cell[:3] for e in exercised)
