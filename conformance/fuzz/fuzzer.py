"""A fuzz session: plan, run each unit (auth check, operations, stateful), clean up, record.

``FuzzSession`` is driven one unit at a time by the pytest adapter (one item per unit, so JUnit and
Allure get one testcase per operation) or all at once by ``run_all`` (library, benchmark). Either
way the session owns the wall-time budget, the request log, the resource tracker and the findings,
and ``finish`` deletes what was created and writes the ``fuzz`` report section.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from conformance.auth import AuthMode
from conformance.client import HttpLimits
from conformance.errors import ConfigError, TargetError, ToolError
from conformance.evidence import Redactor
from conformance.fuzz import authcheck, engine
from conformance.fuzz.cleanup import CleanupReport, ResourceTracker
from conformance.fuzz.context import FuzzRunContext
from conformance.fuzz.engine import OperationInfo
from conformance.fuzz.findings import FindingCollector, RawFailure, requirement_for
from conformance.fuzz.options import AUTH_CHECK, REFUSAL_STATUSES, FuzzOptions
from conformance.fuzz.requestlog import RequestLog
from conformance.fuzz.transport import capped_sessions
from conformance.results import ContractFinding

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
        operations = engine.list_operations(engine.load_schema(spec_path, config))
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


class FuzzSession:
    """One fuzz session against one target. Not thread-safe; units run one after another."""

    def __init__(self, ctx: FuzzRunContext, options: FuzzOptions | None = None) -> None:
        self.ctx = ctx
        self.options = options or FuzzOptions.from_settings(ctx.settings)
        self.target_url = ctx.target_url.rstrip("/")
        self._auth_headers = ctx.auth.headers(AuthMode.DEFAULT)
        # Providers that mint credentials (ZGW JWT) know them only now: redact those too.
        self.redactor = Redactor.for_secrets([*ctx.redactor.secrets, *ctx.auth.secrets()])
        self.log = RequestLog(self.target_url, self.redactor)
        self.tracker = ResourceTracker(self.target_url)
        self.outcomes: dict[str, UnitOutcome] = {}
        self._collector = FindingCollector(self.redactor)
        self._schemas: dict[tuple[str, ...], Any] = {}
        self._operations: list[OperationInfo] | None = None
        self._started: float | None = None
        self._cut_reason: str | None = None
        self._finished: CleanupReport | None = None

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
                raise TargetError(
                    self.redactor.text(f"target {self.target_url} unreachable: {type(exc).__name__}: {exc}")
                ) from exc

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
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, r: httpx.Response
    ) -> None:
        self.tracker.observe(method, url, r.status_code, dict(r.headers), r.content)
        self.log.add(
            phase="auth",
            operation=AUTH_UNIT,
            method=method,
            url=url,
            headers=headers,
            body=body,
            status=r.status_code,
            response_text=r.text,
            response_location=r.headers.get("location"),
        )

    def run_unit(self, unit: str) -> UnitOutcome:
        """Run one unit (idempotent: a second call returns the first outcome)."""
        if unit in self.outcomes:
            return self.outcomes[unit]
        started = time.monotonic()
        left = self.time_left()
        if left <= 0:
            self._cut_reason = self._cut_reason or f"fuzz_max_time of {self.options.max_time:g}s exhausted"
            outcome = UnitOutcome(unit, skipped=f"not run: {self._cut_reason}", cut_short=True)
        elif unit == AUTH_UNIT:
            outcome = self._run_auth()
        elif unit == STATEFUL_UNIT:
            outcome = self._run_engine(unit, self._schema_for(("stateful",)), left)
        else:
            if unit not in {op.label for op in self.operations}:
                raise ConfigError(f"no operation {unit!r} in {self.ctx.spec_path}")
            only = self._schema_for(self.options.unit_phases).include(
                func=lambda c, label=unit: c.operation.label == label
            )
            outcome = self._run_engine(unit, only, left)
        outcome.duration_s = time.monotonic() - started
        self.outcomes[unit] = outcome
        if outcome.findings or outcome.checked:
            self.ctx.recorder.record_contract(outcome.findings, outcome.checked)
        return outcome

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
                outcome.error = _redacted(exc, self.redactor)
                return outcome
        outcome.requests = outcome.cases = result.probes
        if result.probes:
            outcome.checked.add(requirement_for(AUTH_CHECK))
        outcome.findings = self._findings_of(result.failures)
        return outcome

    def _schema_for(self, phases: tuple[str, ...]) -> Any:
        """The contract configured for an engine run over ``phases`` (one load per phase set)."""
        if phases not in self._schemas:
            self._schemas[phases] = engine.load_schema(self.ctx.spec_path, self._config(phases))
        return self._schemas[phases]

    def _run_engine(self, unit: str, schema: Any, left: float) -> UnitOutcome:
        outcome = UnitOutcome(unit)
        try:
            with capped_sessions(self.limits):  # schemathesis' own requests: the run's caps too
                run = engine.execute(schema, time_left=left)
        except ToolError as exc:
            outcome.error = _redacted(exc, self.redactor)
            return outcome
        for exchange in run.exchanges:
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
        outcome.requests = len(run.exchanges)
        outcome.cases = run.cases
        outcome.checked = {requirement_for(name) for name in run.checks_ran}
        outcome.findings = self._findings_of(run.failures)
        if run.stopped_by_timer:
            outcome.cut_short = True
            self._cut_reason = f"fuzz_max_time of {self.options.max_time:g}s exhausted during {unit}"
        if run.errors and not outcome.findings:
            outcome.error = _redacted(run.errors[0], self.redactor)
        elif self._credentials_refused(run) and not outcome.findings:
            outcome.error = ConfigError(
                f"{unit}: every request sent with the configured credentials was refused (401/403); "
                "nothing was tested. Check --token / --auth-header."
            )
        return outcome

    def _credentials_refused(self, run: engine.EngineRun) -> bool:
        """Whether every request with our credentials (unexpected-method probes aside) got 401/403."""
        header = {k.lower(): v for k, v in self._auth_headers.items()}

        def ours(exchange: engine.Exchange) -> bool:
            sent = {k.lower(): v for k, v in exchange.headers.items()}
            same_method = exchange.method.upper() == exchange.operation.split(" ", 1)[0].upper()
            return same_method and all(sent.get(k) == v for k, v in header.items())

        statuses = [e.status for e in run.exchanges if e.status is not None and ours(e)]
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
            if unit not in self.outcomes:
                self._cut_reason = self._cut_reason or "session ended before every unit ran"
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
            "units": {
                name: {
                    "requests": o.requests,
                    "cases": o.cases,
                    "findings": len(o.findings),
                    "duration_s": round(o.duration_s, 3),
                    "skipped": o.skipped,
                    "error": str(o.error) if o.error else None,
                }
                for name, o in self.outcomes.items()
            },
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


def _redacted(error: ToolError, redactor: Redactor) -> ToolError:
    text = redactor.text(str(error))
    if text == str(error):
        return error
    return TargetError(text) if isinstance(error, TargetError) else type(error)(text)
