"""A fuzz session: plan, run each unit (auth check, operations, stateful), clean up, record.

``FuzzSession`` is driven one unit at a time by the pytest adapter (one item per unit, so JUnit and
Allure get one testcase per operation) or all at once by ``run_all`` (library, benchmark). Either
way the session owns the wall-time budget, the request log, the resource tracker and the findings,
and ``finish`` deletes what was created and writes the ``fuzz`` report section.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from conformance.auth import AuthMode
from conformance.client import HttpLimits
from conformance.discriminator import load_document
from conformance.errors import ConfigError, TargetError, ToolError
from conformance.fuzz import authcheck, engine, formats, positive, scope, unique
from conformance.fuzz.cleanup import CleanupReport, ResourceTracker
from conformance.fuzz.context import FuzzRunContext
from conformance.fuzz.engine import OperationInfo
from conformance.fuzz.findings import (
    BasisLookup,
    FindingCollector,
    RawFailure,
    problem_failures,
    requirement_for,
)
from conformance.fuzz.options import (
    AUTH_CHECK,
    CHECK_REQUIREMENTS,
    PROBLEM_CHECK,
    REFUSAL_STATUSES,
    FuzzOptions,
)
from conformance.fuzz.requestlog import RequestLog
from conformance.fuzz.transport import capped_sessions
from conformance.results import ContractFinding
from conformance.targetdata import TargetData

AUTH_UNIT = "auth"
STATEFUL_UNIT = "stateful"


@dataclass(frozen=True)
class Unit:
    """A planned unit: its name (the operation label for operations) and what it covers."""

    name: str
    kind: str  # "auth" | "operation" | "stateful"
    operation: OperationInfo | None = None


def plan(spec_path: Path, options: FuzzOptions) -> list[Unit]:
    """The units a session over ``spec_path`` will run, in order; reads the contract only."""
    config = options.schemathesis_config(
        base_url="http://planning.invalid", headers={}, phases=options.phases
    )
    units = [Unit(AUTH_UNIT, "auth")]
    if options.unit_phases:
        operations = scope.covered(
            engine.list_operations(engine.load_schema(spec_path, config)), options.operation_ids
        )
        units += [Unit(op.label, "operation", op) for op in operations]
    if options.stateful:
        units.append(Unit(STATEFUL_UNIT, "stateful"))
    return units


@dataclass
class UnitOutcome:
    """What one unit (an operation, the stateful run or the auth check) produced."""

    unit: str
    findings: list[ContractFinding] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)  # CONTRACT-* ids evaluated
    requests: int = 0
    cases: int = 0
    duration_s: float = 0.0
    skipped: str | None = None  # why it did not run (budget exhausted)
    error: ToolError | None = None  # what stopped it; findings found before it still count
    cut_short: bool = False
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)  # phase -> status class -> n

    def share_2xx(self, phase: str | None = None) -> float | None:
        """Share of answers that were 2xx (in one phase, or all): near 0 means only the validator
        was exercised. The coverage phase is mostly deliberate negatives and boundary values."""
        counts = [c for p, c in self.statuses.items() if phase in (None, p)]
        answered = sum(n for c in counts for n in c.values())
        return round(sum(c.get("2xx", 0) for c in counts) / answered, 3) if answered else None


class FuzzSession:
    """One fuzz session against one target. Not thread-safe; units run one after another."""

    def __init__(self, ctx: FuzzRunContext, options: FuzzOptions | None = None) -> None:
        self.ctx = ctx
        self.options = options or FuzzOptions.from_settings(ctx.settings)
        self.target_url = ctx.target_url.rstrip("/")
        self._auth_headers = ctx.auth.headers(AuthMode.DEFAULT)
        # Providers that mint credentials (ZGW JWT) know them only now: the run's redactor learns them.
        self.redactor = ctx.redactor
        self.redactor.learn(*ctx.auth.secrets())
        self.log = RequestLog(self.target_url, self.redactor)
        self.tracker = ResourceTracker(self.target_url)
        # Generated identifiers: unique per session (reproducibly) and from the run's ranges.
        formats.reset(
            bsn_range=ctx.settings.bsn_range,
            kvk_range=ctx.settings.kvk_range,
            subject_url_template=ctx.settings.subject_url_template,
        )
        self.outcomes: dict[str, UnitOutcome] = {}
        self.profile = ctx.settings.load_profile()
        self._collector = FindingCollector(
            self.redactor,
            status_policy=self.profile.status_policy,
            basis=BasisLookup(ctx.spec_path, self.profile.source),
        )
        self._schemas: dict[tuple[str, ...], Any] = {}
        self._expected: set[str] | None = None
        self._left_out: list[str] = []
        self._operations: list[OperationInfo] | None = None
        self._started: float | None = None
        self._cut_reason: str | None = None
        self._finished: CleanupReport | None = None
        # The positive path (conformance.fuzz.positive): a pool of resources for updates and
        # references, created before the first engine run that writes; each write op's 2xx share.
        self.valid_path = positive.ValidPath()
        self._pool: dict[str, list[str]] | None = None
        self._unique = unique.UniqueKeys(dict(self.profile.fuzz_formats))

    # -- planning -------------------------------------------------------------------------------

    def _config(self, phases: tuple[str, ...]) -> dict[str, Any]:
        return self.options.schemathesis_config(
            base_url=self.target_url, headers=self._auth_headers, phases=phases
        )

    @property
    def operations(self) -> list[OperationInfo]:
        """The contract's operations (reads the spec; no network)."""
        if self._operations is None:
            self._operations = engine.list_operations(self._schema_for(self.options.phases))
        return self._operations

    def units(self) -> list[str]:
        """Unit names in run order: the auth check, each operation (when a unit phase is on), stateful."""
        names = [AUTH_UNIT]
        if self.options.unit_phases:
            names += [op.label for op in self.operations]
        if self.options.stateful:
            names.append(STATEFUL_UNIT)
        return names

    # -- budget ---------------------------------------------------------------------------------

    def _clock(self) -> float:
        if self._started is None:
            self._started = time.monotonic()
        return time.monotonic() - self._started

    def time_left(self) -> float:
        return self.options.max_time - self._clock()

    @property
    def cut_short(self) -> str | None:
        """Why the session did not run everything it planned, or None."""
        return self._cut_reason

    # -- running --------------------------------------------------------------------------------

    def check_reachable(self) -> None:
        """Raise TargetError unless the target answers HTTP at all (any status will do)."""
        with self._client() as client:
            try:
                client.get(self.target_url)
            except httpx.HTTPError as exc:
                error = TargetError(
                    self.redactor.text(f"target {self.target_url} unreachable: {type(exc).__name__}: {exc}")
                )
                self.ctx.recorder.record_contract_error(self.requirements(), str(error))
                raise error from exc

    @functools.cached_property
    def limits(self) -> HttpLimits:
        """The run's one HTTP stack (size cap, request deadline, circuit breaker), or one like it."""
        shared = getattr(self.ctx, "limits", None)
        if isinstance(shared, HttpLimits):
            return shared
        return HttpLimits(
            self.options.connect_timeout, self.options.request_timeout, self.ctx.settings.max_response_bytes
        )

    def _client(self) -> httpx.Client:
        return self.limits.http_client()

    def _observe(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        r: httpx.Response,
        *,
        phase: str = "auth",
        operation: str = AUTH_UNIT,
    ) -> None:
        self.tracker.observe(method, url, r.status_code, dict(r.headers), r.content)
        self.log.add(
            phase=phase,
            operation=operation,
            method=method,
            url=url,
            headers=headers,
            body=body,
            status=r.status_code,
            response_text=r.text,
            response_location=r.headers.get("location"),
        )

    def expect(self, units: Iterable[str]) -> None:
        """Limit the one engine run over the operations to these units (the items pytest will run);
        by default it covers every operation of the contract."""
        self._expected = set(units)

    def run_unit(self, unit: str) -> UnitOutcome:
        """Run one unit (idempotent: a second call returns the first outcome).

        The first operation unit runs one engine over every expected operation not run yet (the
        engine's own order, phase by phase, as ``st run``); the others then return their share."""
        if unit in self.outcomes:
            return self.outcomes[unit]
        started = time.monotonic()
        left = self.time_left()
        if left <= 0:
            outcomes = {unit: self._not_reached(unit)}
        elif unit == AUTH_UNIT:
            outcomes = {unit: self._run_auth()}
        elif unit == STATEFUL_UNIT:
            self._seed_pool()
            outcomes = {unit: self._run_engine(unit, self._schema_for(("stateful",)), left)}
        else:
            if unit not in {op.label for op in self.operations}:
                raise ConfigError(f"no operation {unit!r} in {self.ctx.spec_path}")
            outcomes = self._run_operations(unit, left)
        if len(outcomes) == 1:
            outcomes[unit].duration_s = time.monotonic() - started
        for outcome in outcomes.values():
            self._settle(outcome)
        return self.outcomes[unit]

    def _settle(self, outcome: UnitOutcome) -> None:
        self.outcomes[outcome.unit] = outcome
        if outcome.findings or outcome.checked:
            self.ctx.recorder.record_contract(outcome.findings, outcome.checked)
        if outcome.error is not None:
            # Could not judge: its requirements are `error` with the reason, never a silent pass.
            reason = f"{outcome.unit}: {type(outcome.error).__name__}: {outcome.error}"
            self.ctx.recorder.record_contract_error(self.requirements(outcome.unit), reason)

    def _run_operations(self, unit: str, left: float) -> dict[str, UnitOutcome]:
        """One engine run over ``unit`` and every other expected operation not run yet, split into
        one outcome per operation (its duration: the engine's time on its scenarios)."""
        labels = [
            op.label
            for op in self.operations
            if op.label == unit or (op.label not in self.outcomes and self._is_expected(op.label))
        ]
        batch = set(labels)
        if any(label.split()[0] in positive.WRITE_METHODS for label in labels):
            self._seed_pool()
        # An exclusion: schemathesis ORs inclusions, and a config with `operations` already has one.
        schema = self._schema_for(self.options.unit_phases).exclude(
            func=lambda c: c.operation.label not in batch
        )
        run = self._execute(schema, left)
        if isinstance(run, ToolError):
            return {label: UnitOutcome(label, error=run) for label in labels}
        outcomes: dict[str, UnitOutcome] = {}
        for label in labels:
            part = run.part(label, self.options.unit_phases)
            if run.stopped_by_timer and not part.started(label):
                outcomes[label] = self._not_reached(label)
                continue
            outcomes[label] = self._outcome(label, part)
            outcomes[label].duration_s = part.operation_seconds.get(label, 0.0)
        return outcomes

    def _not_reached(self, unit: str) -> UnitOutcome:
        """A unit the time budget did not reach."""
        self._cut_reason = self._cut_reason or f"fuzz_max_time of {self.options.max_time:g}s exhausted"
        return UnitOutcome(unit, skipped=f"not run: {self._cut_reason}", cut_short=True)

    def _is_expected(self, unit: str) -> bool:
        return self._expected is None or unit in self._expected

    def requirements(self, unit: str | None = None) -> set[str]:
        """The CONTRACT-* ids a unit (or, with None, the whole session) judges."""
        if unit == AUTH_UNIT:
            return {requirement_for(AUTH_CHECK)}
        judged = set(CHECK_REQUIREMENTS.values())
        if self.profile.problem_policy is not None:
            judged.add(requirement_for(PROBLEM_CHECK))
        return judged if unit is not None else judged | {requirement_for(AUTH_CHECK)}

    def _findings_of(self, failures: list[RawFailure]) -> list[ContractFinding]:
        return self._collector.add_all(failures)

    def _run_auth(self) -> UnitOutcome:
        outcome = UnitOutcome(AUTH_UNIT)
        with self._client() as client:
            try:
                authcheck.verify_credentials(
                    client,
                    target_url=self.target_url,
                    operations=self.operations,
                    auth=self.ctx.auth,
                    observe=self._observe,
                )
                result = authcheck.probe_unauthenticated(
                    client,
                    target_url=self.target_url,
                    operations=self.operations,
                    auth=self.ctx.auth,
                    redactor=self.redactor,
                    seed=self.options.seed,
                    observe=self._observe,
                )
            except ToolError as exc:
                outcome.error = self.redactor.exception(exc)
                return outcome
        outcome.requests = outcome.cases = result.probes
        if result.probes:
            outcome.checked.add(requirement_for(AUTH_CHECK))
        outcome.findings = self._findings_of(result.failures)
        return outcome

    def _schema_for(self, phases: tuple[str, ...]) -> Any:
        """The contract configured for an engine run over ``phases`` (one load per phase set)."""
        if phases not in self._schemas:
            pool = self._pool
            whole = engine.load_schema(
                self.ctx.spec_path,
                self._config(phases),
                dict(self.profile.fuzz_formats),
                transform=(lambda document: self._positive_copy(document, pool)) if pool else None,
            )
            self._unique.install(whole)  # repeats of unique keys in positive cases: conformance.fuzz.unique
            self._schemas[phases] = scope.scoped(whole, self.options.operation_ids)
            self._left_out = scope.left_out(whole, self.options.operation_ids)
        return self._schemas[phases]

    def _observe_pool(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, r: httpx.Response
    ) -> None:
        """A pool creation: tracked for cleanup and logged, but no engine case."""
        self._observe(method, url, headers, body, r, phase="pool", operation=f"{method} pool")

    def _positive_copy(self, document: dict[str, Any], pool: dict[str, list[str]]) -> dict[str, Any]:
        """The generator's copy: updates and foreign keys on the pool, target-valid examples."""
        examples = TargetData(
            f"fuzz-examples-{self.options.seed}",
            subject_url_template=self.ctx.settings.subject_url_template,
            bsn_range=self.ctx.settings.bsn_range,
            kvk_range=self.ctx.settings.kvk_range,
        )
        return positive.with_examples(positive.with_pool(document, pool), pool, examples)

    def _seed_pool(self) -> None:
        """Create the positive path's pool once (positive.seed_pool); later schemas are loaded with it."""
        if self._pool is not None:
            return
        document = load_document(self.ctx.spec_path)
        data = TargetData(
            f"fuzz-pool-{self.options.seed}",
            subject_url_template=self.ctx.settings.subject_url_template,
            bsn_range=self.ctx.settings.bsn_range,
            kvk_range=self.ctx.settings.kvk_range,
        )
        with self._client() as client:
            client.headers.update(self._auth_headers)
            self._pool = positive.seed_pool(
                client, self.target_url, positive.pooled_collections(document), data, self._observe_pool
            )
        positive.register(self._pool)
        self._schemas.clear()  # reloaded with the pool

    def _execute(self, schema: Any, left: float) -> engine.EngineRun | ToolError:
        """One engine run (its exchanges logged and tracked at once), or the error that prevented it."""
        try:
            with capped_sessions(self.limits):  # schemathesis' own requests: the run's caps too
                run = engine.execute(schema, time_left=left)
        except ToolError as exc:
            return self.redactor.exception(exc)
        if run.lost_in_flight and not run.stopped_by_timer:  # an engine error, not the budget
            self.tracker.lost.append(
                f"engine run stopped by an error ({run.errors[0] if run.errors else '?'})"
            )
        for exchange in run.exchanges:
            self.valid_path.observe(exchange.operation, exchange.method, exchange.status, exchange.mode)
            self.tracker.observe(
                exchange.method,
                exchange.url,
                exchange.status or 0,
                exchange.response_headers,
                exchange.response_body,
            )
            location = next(
                (v for k, v in exchange.response_headers.items() if k.lower() == "location"), None
            )
            self.log.add(
                phase=exchange.phase,
                operation=exchange.operation,
                method=exchange.method,
                url=exchange.url,
                headers=exchange.headers,
                body=exchange.body,
                status=exchange.status,
                response_text=exchange.response_body.decode("utf-8", "replace")
                if exchange.response_body
                else None,
                response_location=location,
            )
        return run

    def _run_engine(self, unit: str, schema: Any, left: float) -> UnitOutcome:
        run = self._execute(schema, left)
        if isinstance(run, ToolError):
            return UnitOutcome(unit, error=run)
        return self._outcome(unit, run)

    def _outcome(self, unit: str, run: engine.EngineRun) -> UnitOutcome:
        """A unit's outcome from its (part of an) engine run."""
        outcome = UnitOutcome(unit)
        outcome.requests = len(run.exchanges)
        for phase in sorted({e.phase for e in run.exchanges}):
            outcome.statuses[phase] = status_classes(e.status for e in run.exchanges if e.phase == phase)
        outcome.cases = run.cases
        problems, judged = problem_failures(run.exchanges, self.profile.problem_policy, self.redactor)
        outcome.findings = self._findings_of(run.failures + problems)
        if run.stopped_by_timer:
            outcome.cut_short = True
            self._cut_reason = f"fuzz_max_time of {self.options.max_time:g}s exhausted during {unit}"
        if run.lost_in_flight and run.stopped_by_timer:  # an engine error's loss: see _execute
            self.tracker.lost.append(unit)
        if run.errors:
            outcome.error = self.redactor.exception(run.errors[0])
        elif self._credentials_refused(run):
            outcome.error = ConfigError(
                f"{unit}: every request sent with the configured credentials was refused (401/403); "
                "nothing was tested. Check --token / --auth-header."
            )
        if self._reached(run):
            # A check counts as run only on cases that reached the operation with accepted credentials.
            outcome.checked = {requirement_for(name) for name in run.checks_ran}
            if judged:
                outcome.checked.add(requirement_for(PROBLEM_CHECK))
        return outcome

    def _ours(self, exchange: engine.Exchange) -> bool:
        """Sent with our credentials to the unit's own method (unexpected-method probes aside)."""
        header = {k.lower(): v for k, v in self._auth_headers.items()}
        sent = {k.lower(): v for k, v in exchange.headers.items()}
        same_method = exchange.method.upper() == exchange.operation.split(" ", 1)[0].upper()
        return same_method and all(sent.get(k) == v for k, v in header.items())

    def _reached(self, run: engine.EngineRun) -> bool:
        """Whether some request with our credentials got an answer other than 401/403."""
        return any(
            e.status is not None and e.status not in authcheck.REFUSED and self._ours(e)
            for e in run.exchanges
        )

    def _credentials_refused(self, run: engine.EngineRun) -> bool:
        """Whether every request with our credentials (unexpected-method probes aside) got 401/403."""
        statuses = [e.status for e in run.exchanges if e.status is not None and self._ours(e)]
        return bool(statuses) and all(status in authcheck.REFUSED for status in statuses)

    def run_all(self) -> list[UnitOutcome]:
        """Every unit in order, then ``finish``."""
        outcomes = [self.run_unit(unit) for unit in self.units()]
        self.finish()
        return outcomes

    # -- finishing ------------------------------------------------------------------------------

    def finish(self) -> CleanupReport:
        """Delete what the session created and record the ``fuzz`` section (once)."""
        if self._finished is not None:
            return self._finished
        for unit in self.units():
            # Units that never ran are listed, so no CONTRACT-* requirement reads as passed on the
            # strength of the units that did: deselected ones (--read-only, -k), and expected ones
            # the session never reached (--max-duration spent, a stopped target).
            if unit in self.outcomes:
                continue
            if self._is_expected(unit):
                self._cut_reason = self._cut_reason or "session ended before every unit ran"
                reason = f"not run: {self._cut_reason}"
            else:
                reason = "not run: not selected (--read-only, -k or another deselection)"
            self.outcomes[unit] = UnitOutcome(unit, skipped=reason)
        headers = dict(self._auth_headers)
        with self._client() as client:
            client.headers.update(headers)
            self._finished = self.tracker.cleanup(client, self.redactor)
        self.ctx.recorder.record_section("fuzz", self.section())
        return self._finished

    @property
    def findings(self) -> list[ContractFinding]:
        return self._collector.findings

    def section(self) -> dict[str, Any]:
        """The report's ``fuzz`` section: what ran, what it found, what it left behind."""
        cleanup = self._finished.to_dict() if self._finished is not None else None
        return {
            "seed": self.options.seed,
            "phases": list(self.options.phases),
            "budget": {"max_examples": self.options.budget, "max_time_s": self.options.max_time},
            "request_timeout_s": self.options.request_timeout,
            "refusal_statuses": list(REFUSAL_STATUSES),
            "operations": len(self.operations),
            "left_out": list(self._left_out),  # operations of the contract the profile does not declare
            "implicit_error_statuses": sorted(self.profile.status_policy.implicit),
            "units": {
                name: {
                    "requests": o.requests,
                    "cases": o.cases,
                    "findings": len(o.findings),
                    "duration_s": round(o.duration_s, 3),
                    "skipped": o.skipped,
                    "cut_short": o.cut_short,
                    "error": str(o.error) if o.error else None,
                    "statuses": o.statuses,
                    "share_2xx": o.share_2xx(),
                    "share_2xx_by_phase": {phase: o.share_2xx(phase) for phase in o.statuses},
                }
                for name, o in self.outcomes.items()
            },
            "valid_path": self.valid_path.section(),
            "valid_path_not_exercised": self.valid_path.not_exercised(),
            "cases": sum(o.cases for o in self.outcomes.values()),
            "requests": len(self.log),
            "findings": len(self.findings),
            "failure_occurrences": self._collector.occurrences(),
            "checked": sorted({c for o in self.outcomes.values() for c in o.checked}),
            "duration_s": round(self._clock(), 3),
            "cut_short": self._cut_reason is not None,
            "cut_short_reason": self._cut_reason,
            "request_log_sha256": self.log.digest(),
            "cleanup": cleanup,
        }


def status_classes(statuses: Iterable[int | None]) -> dict[str, int]:
    """Answers per status class, e.g. ``{"2xx": 40, "4xx": 360}``; no answer counts as "none"."""
    counts = Counter(f"{status // 100}xx" if status else "none" for status in statuses)
    return dict(sorted(counts.items()))
