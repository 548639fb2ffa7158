"""Executes one scenario: variables, steps, captures, parallel sets and cleanups.

The runner is pytest-agnostic: it returns a ``ScenarioResult`` whose verdict follows from the
exception tree (``ConformanceFailure`` → fail, ``ToolError`` → error). Cleanups always run, in
reverse order, whatever happened before.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from conformance import checks, interrupt, jsonpath, throttle
from conformance.auth import AuthMode, AuthProvider
from conformance.client import Client, Reply
from conformance.contract import ContractValidator
from conformance.errors import ConfigError, NotApplicable, PreconditionUnmet, TargetError, ToolError
from conformance.evidence import Exchange
from conformance.failures import BodyMismatch, ConformanceFailure
from conformance.generators import IdentifierGenerator
from conformance.model import CountAssertion, Expect, RequestSpec, Scenario, Step
from conformance.results import CleanupRecord, ScenarioResult
from conformance.templating import TEMPLATE, UndefinedVariable, render
from conformance.verdicts import Verdict

CLEANUP_OK = (200, 202, 204, 404, 410)
REFUSED = (401, 403)


class CredentialsRefused(ToolError):
    """A step sent with the run's own credentials was refused: a setup problem, not non-conformance."""


class OperationNotFound(ToolError):
    """A collection operation the contract declares answered 404: wrong API root, not non-conformance."""


class PathOutsideRoot(ConfigError):
    """A rendered path would leave the API root (a ``..`` segment)."""


@dataclass(frozen=True)
class RunnerContext:
    """What the runner needs from the run; built once per session."""

    client: Client
    auth: AuthProvider
    generators: IdentifierGenerator
    run_id: str
    profile: str
    capabilities: frozenset[str]
    contract: ContractValidator | None = None
    validate_contract: bool = True
    refusal_statuses: tuple[int, ...] = (401, 403)


@dataclass
class _Pending:
    description: str
    method: str
    path: str


@dataclass
class _State:
    variables: dict[str, Any] = field(default_factory=dict)
    cleanups: list[_Pending] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def check_preconditions(scenario: Scenario, ctx: RunnerContext) -> None:
    """Raise ``NotApplicable`` or ``PreconditionUnmet`` when the scenario cannot be decided here."""
    if ctx.profile not in scenario.profiles:
        raise NotApplicable(f"applies to {', '.join(scenario.profiles)}, not to profile {ctx.profile}")
    for requirement in scenario.requires:
        kind, _, name = requirement.partition(":")
        if kind == "credentials" and not ctx.auth.has_credentials:
            raise PreconditionUnmet("needs valid credentials; none configured (--token or --auth-header)")
        if kind == "operation" and (ctx.contract is None or not ctx.contract.has_operation(name)):
            raise PreconditionUnmet(f"needs operation {name}, which the contract does not have")
        if kind == "capability" and name not in ctx.capabilities:
            raise PreconditionUnmet(f"needs capability {name}, which the profile does not declare")


class ScenarioRunner:
    """Runs scenarios against one target."""

    def __init__(self, ctx: RunnerContext) -> None:
        self.ctx = ctx

    def run(self, scenario: Scenario) -> ScenarioResult:
        result = ScenarioResult(scenario.id, list(scenario.verifies), Verdict.PASS)
        state = _State()
        started = time.perf_counter()
        try:
            check_preconditions(scenario, self.ctx)
            for name, value in scenario.vars:
                state.variables[name] = render(value, self._resolver(state.variables))
            for step in scenario.steps:
                interrupt.check()  # Ctrl-C stops between steps, never inside a request
                try:
                    self._run_step(scenario, step, state, result)
                except ConformanceFailure as exc:
                    if not step.setup:
                        raise
                    detail = "; ".join(line.strip() for line in exc.describe(with_step=False).splitlines())
                    raise PreconditionUnmet(
                        f"setup step {step.name!r} did not succeed, so the rule cannot be judged: {detail}"
                    ) from exc
        except NotApplicable as exc:
            self._finish(result, Verdict.NOT_APPLICABLE, str(exc), exc)
        except PreconditionUnmet as exc:
            self._finish(result, Verdict.INCONCLUSIVE, str(exc), exc)
        except ConformanceFailure as exc:
            self._finish(result, Verdict.FAIL, exc.describe(), exc)
        except ToolError as exc:
            self._finish(result, Verdict.ERROR, f"{type(exc).__name__}: {exc}", exc)
        except Exception as exc:  # a bug in the tool must not look like a conformance verdict
            detail = "".join(traceback.format_exception_only(exc)).strip()
            self._finish(result, Verdict.ERROR, f"internal error: {detail}", exc)
        except KeyboardInterrupt as exc:  # cleaned up below; the caller records it and stops the run
            self._finish(result, Verdict.ERROR, "interrupted (Ctrl-C) before the scenario finished", exc)
        finally:
            self._cleanup(state, result)
            result.duration_s = time.perf_counter() - started
        return result

    def _finish(self, result: ScenarioResult, verdict: Verdict, message: str, exc: BaseException) -> None:
        """Record the verdict; its message and exception leave the run, so both are redacted."""
        redactor = self.ctx.client.redactor
        result.verdict, result.message = verdict, redactor.text(message)
        result.failure = redactor.exception(exc)

    def _resolver(self, variables: dict[str, Any]) -> Callable[[str], Any]:
        def resolve(name: str) -> Any:
            if name.startswith("gen."):
                return self.ctx.generators.generate(name[4:])
            if name == "run_id":
                return self.ctx.run_id
            if name == "refusal_statuses":
                return list(self.ctx.refusal_statuses)
            if name in variables:
                return variables[name]
            raise UndefinedVariable(f"variable `{name}` is not defined (a capture that did not happen?)")

        return resolve

    def _target(self, request: RequestSpec, resolve: Callable[[str], Any]) -> tuple[str, str]:
        """Method and path of a request: every rendered value quoted as one path segment."""
        if request.operation:
            if self.ctx.contract is None:
                raise ConfigError(f"operation {request.operation} needs a contract; none is loaded")
            method, path = self.ctx.contract.operation_id(request.operation)
        else:
            method, path = str(request.method), str(request.path)
            whole = TEMPLATE.fullmatch(path)
            url = str(resolve(whole.group(1))) if whole else ""
            if url.startswith(("http://", "https://")):
                # A resource's own URL as the target gave it: sent as is; the client refuses any
                # URL outside the API root, and the check below any `.`/`..` segment.
                path = url
            elif not path.startswith(("http://", "https://")):
                path = "/".join(
                    str(render(segment, lambda name: quote(str(resolve(name)), safe="")))
                    for segment in path.split("/")
                )
        for name, value in render(request.path_params, resolve).items():
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        if any(segment in (".", "..") for segment in path.split("?", 1)[0].split("/")):
            raise PathOutsideRoot(f"path {path!r} has a `.` or `..` segment and could leave the API root")
        return method, path

    def _send(
        self, step: Step, request: RequestSpec, resolve: Callable[[str], Any]
    ) -> tuple[Reply, Exchange]:
        method, path = self._target(request, resolve)
        headers = {**self.ctx.auth.headers(request.auth), **render(request.headers, resolve)}
        return self.ctx.client.send(
            step=step.name,
            method=method,
            path=path,
            headers=headers,
            query=render(request.query, resolve),
            json_body=render(request.json, resolve) if request.has_json else None,
            has_json=request.has_json,
        )

    def _record(
        self,
        scenario: Scenario,
        reply: Reply,
        exchange: Exchange,
        expect: Expect | None,
        result: ScenarioResult,
    ) -> None:
        result.exchanges.append(exchange)
        wanted = self.ctx.validate_contract and (expect is None or expect.contract)
        if self.ctx.contract is not None and wanted:
            findings, checked = self.ctx.contract.validate(
                exchange, reply.response, f"scenario:{scenario.id}"
            )
            result.contract_findings.extend(findings)
            result.contract_checked.update(checked)

    def _run_step(self, scenario: Scenario, step: Step, state: _State, result: ScenarioResult) -> None:
        if step.parallel:
            self._run_parallel(scenario, step, state, result)
            return
        resolve = self._resolver(state.variables)
        reply, exchange = self._send(step, step.request, resolve)
        accepted = () if step.expect is None else _as_statuses(_render_expect(step.expect, resolve).status)
        if throttle.is_throttled(reply.status, accepted):  # no decision yet: once more, as told
            self._record(scenario, reply, exchange, None, result)
            time.sleep(throttle.retry_after([reply]))
            reply, exchange = self._send(step, step.request, resolve)
            if throttle.is_throttled(reply.status, accepted):
                self._record(scenario, reply, exchange, None, result)
                raise PreconditionUnmet(
                    f"step {step.name!r} answered {reply.status} twice (throttled or unavailable), so "
                    "the target never decided and the rule cannot be judged"
                )
        self._record(scenario, reply, exchange, step.expect, result)
        captured = self._capture(step, reply, state)
        expect = None if step.expect is None else _render_expect(step.expect, self._resolver(state.variables))
        self._judge_transport(step, step.request, reply, expect)
        if step.verify and not 200 <= reply.status < 300:
            raise PreconditionUnmet(
                f"verify step {step.name!r} answered {reply.status}, so the rule cannot be judged"
                f" (a control lookup must succeed): {reply.text[:200]}"
            )
        try:
            verify(expect, reply)
            if 200 <= reply.status < 300:
                missing = [c.name for c in step.captures if c.name not in captured]
                if missing:
                    raise BodyMismatch(
                        "a value to capture is missing from the response",
                        expected=", ".join(missing),
                        received="<absent>",
                    )
        except ConformanceFailure as exc:
            exc.step = step.name
            raise

    def _capture(
        self, step: Step, reply: Reply, state: _State, *, into: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Take the captures a response allows and register the step's cleanup on 2xx."""
        captured: dict[str, Any] = {}
        body: Any = None
        if any(c.source == "body" for c in step.captures):
            try:
                body = reply.json()
            except TargetError:
                body = None
        for capture in step.captures:
            if capture.source == "status":
                captured[capture.name] = reply.status
            elif capture.source == "header":
                value = reply.response.headers.get(capture.path)
                if value is not None:
                    captured[capture.name] = value
            elif body is not None:
                found, value = jsonpath.resolve(body, capture.path)
                if found:
                    captured[capture.name] = value
        with state.lock:
            (state.variables if into is None else into).update(captured)
            if step.cleanup is not None and 200 <= reply.status < 300:
                scope = {**state.variables, **captured}
                try:
                    method, path = self._target(step.cleanup, self._resolver(scope))
                except UndefinedVariable:
                    # Created, but nothing identifies what to delete: counted and reported as left.
                    sent = reply.response.request
                    what = f"{step.name}: {sent.method} {sent.url.path} answered {reply.status}"
                    state.cleanups.append(_Pending(what, "", ""))
                    return captured
                state.cleanups.append(_Pending(f"{step.name}: {method} {path}", method, path))
        return captured

    def _run_parallel(self, scenario: Scenario, step: Step, state: _State, result: ScenarioResult) -> None:
        count = int(step.parallel or 0)
        resolve = self._resolver(state.variables)
        outcomes, problem = self._fire(step, count, resolve)
        first_success = self._keep(scenario, step, outcomes, state, result)
        expect = None if step.expect_each is None else _render_expect(step.expect_each, resolve)
        accepted = () if expect is None else _as_statuses(expect.status)
        throttled = [
            i for i, (reply, _) in enumerate(outcomes) if throttle.is_throttled(reply.status, accepted)
        ]
        if throttled and problem is None:  # the gateway held some back: send those once more, as told
            time.sleep(throttle.retry_after(outcomes[i][0] for i in throttled))
            again, problem = self._fire(step, len(throttled), resolve)
            first_success = first_success or self._keep(scenario, step, again, state, result)
            for index, outcome in zip(throttled, again, strict=False):
                outcomes[index] = outcome
        if problem is not None:
            raise problem
        state.variables.update(first_success or {})
        resolve = self._resolver(state.variables)
        expect = None if step.expect_each is None else _render_expect(step.expect_each, resolve)
        unknown = [reply for reply, _ in outcomes if throttle.is_throttled(reply.status, accepted)]
        decided = [
            (i, r) for i, (r, _) in enumerate(outcomes) if not throttle.is_throttled(r.status, accepted)
        ]
        for _, reply in decided:
            self._judge_transport(step, step.request, reply, expect)
        try:
            for index, reply in decided:
                try:
                    verify(expect, reply)
                except ConformanceFailure as exc:
                    exc.message = f"response {index + 1} of {count}: {exc.message}"
                    raise
            statuses = [reply.status for _, reply in decided]
            open_bounds = False
            for assertion in step.counts:
                rendered = _render_count(assertion, resolve)
                if throttle.undecided(rendered, _as_statuses(rendered.status), statuses, len(unknown)):
                    open_bounds = True
                else:
                    counts_hold(rendered, statuses)
        except ConformanceFailure as exc:
            exc.step = step.name
            raise
        if unknown and (open_bounds or not step.counts):
            raise PreconditionUnmet(
                f"step {step.name!r}: {len(unknown)} of {count} requests were answered "
                f"{'/'.join(str(s) for s in sorted({r.status for r in unknown}))} twice (throttled or "
                "unavailable), so the target never decided them and the rule cannot be judged"
            )

    def _keep(
        self,
        scenario: Scenario,
        step: Step,
        outcomes: list[tuple[Reply, Exchange]],
        state: _State,
        result: ScenarioResult,
    ) -> dict[str, Any] | None:
        """Record a parallel set's exchanges and register their cleanups; the first success's captures."""
        first_success: dict[str, Any] | None = None
        for reply, exchange in outcomes:
            self._record(scenario, reply, exchange, step.expect_each, result)
            captured = self._capture(step, reply, state, into={})
            if first_success is None and 200 <= reply.status < 300:
                first_success = captured
        return first_success

    def _fire(
        self, step: Step, count: int, resolve: Callable[[str], Any]
    ) -> tuple[list[tuple[Reply, Exchange]], BaseException | None]:
        """Send ``count`` copies of the step's request at once; the replies and the first problem."""
        barrier = threading.Barrier(count)

        def one(_: int) -> tuple[Reply, Exchange]:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=30)  # start together; if the barrier breaks, start anyway
            return self._send(step, step.request, resolve)

        pool = ThreadPoolExecutor(max_workers=count)
        futures = [pool.submit(one, index) for index in range(count)]
        problem: BaseException | None = None
        try:
            pool.shutdown(wait=True)
        except KeyboardInterrupt as exc:  # Ctrl-C: let the requests in flight finish, clean up their records
            problem = exc
            pool.shutdown(wait=True)
        outcomes: list[tuple[Reply, Exchange]] = []
        for future in futures:
            try:
                outcomes.append(future.result())
            except BaseException as exc:  # keep the rest: their cleanups must still be registered
                problem = problem or exc
        return outcomes, problem

    def _judge_transport(self, step: Step, request: RequestSpec, reply: Reply, expect: Expect | None) -> None:
        """An unexpected refusal of the run's own credentials, or a 404 on a declared collection,
        says the run is set up wrongly (token, API root): ``error``, never a conformance ``fail``."""
        accepted = () if expect is None else _as_statuses(expect.status)
        if accepted and checks.status_matches(reply.status, accepted):
            return
        if reply.status in REFUSED and request.auth is AuthMode.DEFAULT and self.ctx.auth.has_credentials:
            raise CredentialsRefused(
                f"credentials refused: step {step.name!r} was sent with the run's credentials and got "
                f"{reply.status}; check --token / --auth-header (nothing about the target was judged)"
            )
        if reply.status == 404 and self.ctx.contract is not None:
            sent = reply.response.request
            operation, _ = self.ctx.contract.operation_of(sent.method, str(sent.url))
            if operation is not None and "{" not in str(operation.path):
                raise OperationNotFound(
                    f"operation not found at this root: {operation.label} answered 404 at "
                    f"{self.ctx.client.redactor.url(str(reply.response.request.url))}; check --target "
                    "(it must be the API root under which the collections live)"
                )

    def _cleanup(self, state: _State, result: ScenarioResult) -> None:
        redactor = self.ctx.client.redactor
        for pending in reversed(state.cleanups):
            # A captured value may echo a credential into the path (and so into this label).
            pending = dataclasses.replace(pending, description=redactor.text(pending.description))
            if not pending.method:  # a creation whose answer gave no address: nothing can be sent
                reason = "created, but the answer gave no address to delete it by (left on the target)"
                result.cleanups.append(
                    CleanupRecord(pending.description, None, False, reason, unaddressed=True)
                )
                continue
            headers = self.ctx.auth.headers(AuthMode.DEFAULT)
            try:
                reply, exchange = self.ctx.client.send(
                    step=f"cleanup {pending.description}",
                    method=pending.method,
                    path=pending.path,
                    headers=headers,
                )
            except ToolError as exc:
                url = pending.path
                if not url.startswith(("http://", "https://")):
                    url = f"{self.ctx.client.root_url}/{url.lstrip('/')}"
                result.cleanups.append(
                    CleanupRecord(pending.description, None, False, str(exc), url=redactor.url(url))
                )
                continue
            result.exchanges.append(exchange)
            ok = reply.status in CLEANUP_OK
            result.cleanups.append(CleanupRecord(pending.description, reply.status, ok, url=exchange.url))


def _render_expect(expect: Expect, resolve: Callable[[str], Any]) -> Expect:
    return dataclasses.replace(
        expect,
        status=tuple(render(list(expect.status), resolve)),
        headers=tuple(dataclasses.replace(h, operand=render(h.operand, resolve)) for h in expect.headers),
        body=tuple(dataclasses.replace(a, operand=render(a.operand, resolve)) for a in expect.body),
        body_excludes=tuple(render(list(expect.body_excludes), resolve)),
    )


def _render_count(assertion: CountAssertion, resolve: Callable[[str], Any]) -> CountAssertion:
    return dataclasses.replace(assertion, status=tuple(render(list(assertion.status), resolve)))


def verify(expect: Expect | None, reply: Reply) -> None:
    """Check one response: status first (a 5xx only passes when expected), then headers, body,
    problem details and leaks."""
    accepted = () if expect is None else _as_statuses(expect.status)
    checks.status_is_accepted(reply.status, accepted)
    checks.server_error_is_expected(reply.status, accepted)
    if expect is None:
        return
    for header in expect.headers:
        checks.header_assertion_holds(reply.headers, header)
    if expect.body or expect.problem or expect.invalid_params:
        body = reply.json()
        for assertion in expect.body:
            checks.body_assertion_holds(body, assertion)
        if expect.problem:
            checks.body_is_problem_details(body, reply.status)
        if expect.invalid_params:
            checks.invalid_params_name(body, expect.invalid_params)
    if expect.body_excludes:
        checks.body_excludes_values(reply.text, reply.headers, expect.body_excludes)


def _as_statuses(items: tuple[Any, ...]) -> tuple[int | str, ...]:
    """Statuses after templating: a captured status arrives as an int (or a numeric string), and
    ``{{ refusal_statuses }}`` as a list, which is spliced in."""
    flat = [s for i in items for s in (i if isinstance(i, list) else [i])]
    return tuple(int(i) if isinstance(i, str) and i.isdigit() else i for i in flat)


def counts_hold(assertion: CountAssertion, statuses: list[int]) -> None:
    """The number of responses with the given status meets the bound."""
    accepted = _as_statuses(assertion.status)
    matched = sum(1 for s in statuses if checks.status_matches(s, accepted))
    label = " or ".join(str(s) for s in accepted)
    bounds = [
        (assertion.equals, matched == assertion.equals, f"exactly {assertion.equals}"),
        (
            assertion.at_least,
            assertion.at_least is not None and matched >= assertion.at_least,
            f"at least {assertion.at_least}",
        ),
        (
            assertion.at_most,
            assertion.at_most is not None and matched <= assertion.at_most,
            f"at most {assertion.at_most}",
        ),
    ]
    for bound, holds, text in bounds:
        if bound is not None and not holds:
            raise BodyMismatch(
                f"wrong number of {label} responses in the parallel set",
                expected=f"{text} with status {label}",
                received=f"{matched} (statuses: {sorted(statuses)})",
            )
