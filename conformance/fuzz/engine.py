"""Thin, typed wrapper over the schemathesis engine (the same engine ``st run`` drives).

One engine run covers either every operation in the unit phases (examples, coverage, fuzzing), as
``st run`` does, or the whole contract in the stateful phase. Its events are flattened into an
``EngineRun``: every exchange (for the request log and the cleanup tracker), every failed check, the
names of the checks that ran, and the errors that stopped it, each also by operation, so that
``EngineRun.part`` gives the pytest adapter one outcome (one JUnit entry) per operation. A timer
winds down a run that would overrun the session's wall-time budget.
"""

from __future__ import annotations

import importlib
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.discriminator import load_document
from conformance.errors import ConfigError, TargetError, ToolError
from conformance.fuzz.findings import RawFailure, failures_from_recorder
from conformance.fuzz.formats import hinted
from conformance.fuzz.refusals import without_method_refusals
from conformance.fuzz.unicode import prime_utf8_table

# Titles schemathesis gives errors that mean "the target did not answer".
_TARGET_ERROR_TITLES = frozenset(
    {"Network Error", "Server Unavailable", "Unresponsive Operation", "Unhealthy API"}
)
# Errors that are not problems: the stateful phase without links, a phase with nothing to do.
_BENIGN_ERROR_TITLES = frozenset({"Missing Open API links"})


@dataclass(frozen=True)
class OperationInfo:
    """What the fuzzer and the pytest adapter need to know about one operation, without schemathesis types."""

    label: str  # "GET /partijen/{uuid}"
    method: str  # upper case
    path: str  # template relative to the API root
    operation_id: str | None
    secured: bool  # the contract requires credentials for it
    path_parameters: tuple[str, ...]
    required_query: tuple[str, ...]
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exchange:
    """One request the engine sent and what came back (raw; redaction happens when it is logged)."""

    phase: str
    operation: str
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    status: int | None
    response_headers: dict[str, str]
    response_body: bytes | None
    mode: str = ""  # the case's generation mode ("positive", "negative"; "" when unknown)


@dataclass
class EngineRun:
    """The flattened outcome of one engine run, over one operation or several (``part`` splits it).

    Kept per operation label; the run's totals (``cases``, ``checks_ran``, ``errors``) are derived.
    An error without an operation concerns every part."""

    exchanges: list[Exchange] = field(default_factory=list)
    failures: list[RawFailure] = field(default_factory=list)
    stopped_by_timer: bool = False  # the unit's share of the budget ran out
    lost_in_flight: bool = False  # stopped hard: cases in flight were dropped, their creations unseen
    operation_checks: dict[str, set[str]] = field(default_factory=dict)
    operation_errors: list[tuple[str | None, ToolError]] = field(default_factory=list)
    operation_cases: Counter[str] = field(default_factory=Counter)
    operation_seconds: dict[str, float] = field(default_factory=dict)
    operation_phases: dict[str, set[str]] = field(default_factory=dict)  # phases finished per operation
    operation_cut: set[str] = field(default_factory=set)  # a scenario of it finished after the timer

    @property
    def cases(self) -> int:
        return sum(self.operation_cases.values())

    @property
    def checks_ran(self) -> set[str]:
        return set().union(*self.operation_checks.values())

    @property
    def errors(self) -> list[ToolError]:
        return [error for _, error in self.operation_errors]

    def add_error(self, error: ToolError, operation: str | None = None) -> None:
        self.operation_errors.append((operation, error))

    def part(self, operation: str, phases: tuple[str, ...]) -> EngineRun:
        """What this run did for one operation. After the timer stopped the run, an operation reads as
        cut when a scenario of it was wound down or it did not finish every one of ``phases``."""
        done = self.operation_phases.get(operation, set())
        cut = self.stopped_by_timer and (operation in self.operation_cut or not set(phases) <= done)
        return EngineRun(
            exchanges=[e for e in self.exchanges if e.operation == operation],
            failures=[f for f in self.failures if f.operation == operation],
            stopped_by_timer=cut,
            lost_in_flight=self.lost_in_flight and cut,
            operation_checks={operation: set(self.operation_checks.get(operation, set()))},
            operation_errors=[(label, e) for label, e in self.operation_errors if label in (None, operation)],
            operation_cases=Counter({operation: self.operation_cases[operation]}),
            operation_seconds={operation: self.operation_seconds.get(operation, 0.0)},
            operation_phases={operation: set(done)},
        )

    def started(self, operation: str) -> bool:
        return bool(self.operation_phases.get(operation)) or self.operation_cases[operation] > 0


def load_schema(
    spec_path: Path,
    config: dict[str, Any],
    formats: Mapping[str, str] | None = None,
    transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Any:
    """The schemathesis schema for ``spec_path`` with ``config``; a ConfigError on any problem.

    ``formats`` names identifier formats for properties (``conformance.fuzz.formats``)."""
    import schemathesis

    prime_utf8_table()  # before anything generates a string: see conformance.fuzz.unicode
    try:
        # Discriminators applied (conformance.discriminator): a oneOf is judged by its selected branch;
        # the profile's identifier formats hinted (conformance.fuzz.formats).
        document = load_document(spec_path)
        if formats:
            document = hinted(document, formats)
        if transform is not None:  # e.g. conformance.fuzz.positive: updates go to existing resources
            document = transform(document)
        return schemathesis.openapi.from_dict(document, config=schemathesis.Config.from_dict(config))
    except FileNotFoundError as exc:
        raise ConfigError(f"contract not found: {spec_path}") from exc
    except Exception as exc:  # schemathesis raises several unrelated types for a bad document
        raise ConfigError(f"cannot load contract {spec_path}: {type(exc).__name__}: {exc}") from exc


def _effective_security(raw_operation: dict[str, Any], raw_schema: dict[str, Any]) -> bool:
    security = raw_operation.get("security", raw_schema.get("security"))
    if not security:
        return False
    # `security: [{}]` (or any empty alternative) makes credentials optional.
    return all(requirement for requirement in security)


def list_operations(schema: Any) -> list[OperationInfo]:
    """Operations in contract order; an operation schemathesis cannot read is a ConfigError."""
    operations: list[OperationInfo] = []
    for result in schema.get_all_operations():
        try:
            operation = result.ok()
        except Exception as exc:
            raise ConfigError(f"contract operation cannot be used: {exc}") from exc
        raw = operation.definition.raw
        operations.append(
            OperationInfo(
                label=str(operation.label),
                method=str(operation.method).upper(),
                path=str(operation.path),
                operation_id=raw.get("operationId"),
                secured=_effective_security(raw, schema.raw_schema),
                path_parameters=tuple(str(p.name) for p in operation.path_parameters),
                required_query=tuple(str(p.name) for p in operation.query if p.is_required),
                tags=tuple(str(t) for t in raw.get("tags", ())),
            )
        )
    return operations


def _headers(raw: Any) -> dict[str, str]:
    return {str(k): str(v[0] if isinstance(v, list) and v else v) for k, v in dict(raw).items()}


def _collect_recorder(recorder: Any, phase: str, run: EngineRun, label: str | None, seconds: float) -> None:
    operation = str(label or recorder.label)
    run.operation_cases[operation] += len(recorder.cases)
    run.operation_seconds[operation] = run.operation_seconds.get(operation, 0.0) + seconds
    run.operation_phases.setdefault(operation, set()).add(phase)
    for case_id, interaction in recorder.interactions.items():
        node = recorder.cases.get(case_id)
        response = interaction.response
        run.exchanges.append(
            Exchange(
                phase=phase,
                operation=str(node.value.operation.label) if node is not None else operation,
                method=str(interaction.request.method),
                url=str(interaction.request.uri),
                headers=_headers(interaction.request.headers),
                body=interaction.request.body,
                status=int(response.status_code) if response is not None else None,
                response_headers=_headers(response.headers) if response is not None else {},
                response_body=bytes(response.content) if response is not None and response.content else None,
                mode=_mode(node),
            )
        )
    for checks in recorder.checks.values():
        run.operation_checks.setdefault(operation, set()).update(str(node.name) for node in checks)
    # A 405/501 to an undeclared method is a refusal, not a finding (conformance.fuzz.refusals).
    run.failures.extend(without_method_refusals(failures_from_recorder(recorder, phase), recorder))


def _mode(node: Any) -> str:
    """The generation mode of a recorded case ("positive"/"negative"), "" when it has none."""
    meta = getattr(getattr(node, "value", None), "meta", None)
    mode = getattr(getattr(meta, "generation", None), "mode", None)
    return str(getattr(mode, "value", "")) if mode is not None else ""


def _as_error(title: str, message: str, label: str) -> ToolError | None:
    if title in _BENIGN_ERROR_TITLES:
        return None
    text = f"{label}: {title}: {message}".strip()
    if title in _TARGET_ERROR_TITLES:
        return TargetError(text)
    return ToolError(text)


# A hard stop (``stream.stop()``) drops the events still queued: schemathesis raises on an
# interrupted stream, so what the cases in flight created would never be seen, counted or deleted.
# When the unit's share of the budget is spent the engine's own time limit is pulled forward instead:
# no new cases start, the running ones finish and are handed over. The hard stop stays as a safety
# net after a grace period.
HARD_STOP_GRACE_S = 30.0


def _control(stream: Any) -> Any:
    """The engine's ``ExecutionControl`` (its time limit), or None when it cannot be reached.

    schemathesis does not expose it; it is the ``engine`` argument of the not yet started event
    generator. tests/fuzz/test_fuzz_session.py proves the wind-down keeps in-flight creations.
    """
    frame = getattr(getattr(stream, "generator", None), "gi_frame", None)
    engine = frame.f_locals.get("engine") if frame is not None else None
    control = getattr(engine, "control", None)
    return control if hasattr(control, "max_time") else None


def execute(schema: Any, *, time_left: float) -> EngineRun:
    """Run the engine over ``schema`` (already filtered and configured); wind down after ``time_left`` s.

    At ``time_left`` the engine's time limit is reached: every finished case is still handed over.
    Only when that does not end the run within ``HARD_STOP_GRACE_S`` is it stopped hard
    (``lost_in_flight``).
    """
    from schemathesis.engine import StopReason, from_schema

    # From sys.modules, not the package attribute: after an in-process pytest run (pytester) has
    # restored sys.modules, the attribute can be a stale copy whose classes the events are not.
    events = importlib.import_module("schemathesis.engine.events")

    run = EngineRun()
    stream = from_schema(schema).execute()
    control = _control(stream)  # read before the generator starts: its arguments are its locals
    hard: list[threading.Timer] = []

    def stop_hard() -> None:
        run.lost_in_flight = True
        stream.stop()

    def wind_down() -> None:
        run.stopped_by_timer = True
        if control is None:
            stop_hard()
            return
        control.max_time = 0  # the time limit is reached now; running cases finish and are reported
        backstop = threading.Timer(HARD_STOP_GRACE_S, stop_hard)
        backstop.daemon = True
        hard.append(backstop)
        backstop.start()

    timer = threading.Timer(max(time_left, 0.0), wind_down)
    timer.daemon = True
    timer.start()
    try:
        for event in stream:
            if isinstance(event, events.ScenarioFinished):
                seconds = float(event.elapsed_time or 0.0)
                _collect_recorder(event.recorder, str(event.phase.value), run, event.label, seconds)
                if run.stopped_by_timer:  # it was running when the timer wound the run down
                    run.operation_cut.add(str(event.label or event.recorder.label))
            elif isinstance(event, events.NonFatalError):
                error = _as_error(event.info.title, event.info.message, event.label)
                if error is not None:
                    run.add_error(error, str(event.label) if event.related_to_operation else None)
            elif isinstance(event, events.FatalError):
                run.add_error(ToolError(f"schemathesis crashed: {event.exception!r}"))
                run.lost_in_flight = True  # scenarios in flight never finish: their creations unseen
            elif isinstance(event, events.Interrupted) and not run.stopped_by_timer:
                raise KeyboardInterrupt  # a real Ctrl-C the engine caught: stop the whole run
            elif isinstance(event, events.EngineFinished) and event.stop_reason == StopReason.MAX_TIME:
                run.stopped_by_timer = True
    except (ToolError, Exception) as exc:  # not KeyboardInterrupt: a Ctrl-C still stops the run
        # What was collected before the error stays (its creations are tracked and deleted); what
        # was in flight is unseen, so the cleanup account says data may be left.
        error = (
            exc
            if isinstance(exc, ToolError)
            else ToolError(f"schemathesis stopped: {type(exc).__name__}: {exc}")
        )
        run.add_error(error)
        run.lost_in_flight = True
    finally:
        timer.cancel()
        for pending in hard:
            pending.cancel()
    return run
