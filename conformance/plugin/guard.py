"""Run guards: the preflight stop, the run budget, the circuit breaker and pytest-xdist plumbing.

- **Preflight**: the run context probes the target when it opens (``conformance.preflight``). A
  failed preflight stops the run before the first item: every requirement gets the preflight's
  verdict and reason, the exit code is 3. Under pytest-xdist the controller probes once and tells
  the workers; their items then error at once without a request.
- **Budget** (``--max-duration``): an item that has not started when the budget is spent is
  reported as ``error`` with that reason; cleanups (scenario ``finally``, fuzz teardown) still run.
- **Breaker**: once the target stopped answering, remaining items are ``error`` at once.
- **Read-only** (``--read-only``): scenarios with any writing step, and fuzz units that may write
  (write operations, the stateful run, the anonymous write probes of the auth check), are
  deselected; the ``read_only`` report section names them and the requirements left unjudged.
- **xdist**: workers ship their recorder to the controller, which writes the one report.
"""

from __future__ import annotations

import dataclasses
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from conformance import interrupt, netguard
from conformance.config import Settings
from conformance.errors import TargetError, ToolError
from conformance.merge import merge, to_payload
from conformance.plugin.state import PluginState
from conformance.results import ScenarioResult
from conformance.verdicts import Verdict
from conformance.yamlsafe import safe_load

WORKER_KEY = "klanten_conformance"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class RunStopped(TargetError):
    """An item that was not run: failed preflight, spent budget or a target that stopped answering."""


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def is_controller(config: pytest.Config) -> bool:
    return config.pluginmanager.hasplugin("dsession")


def _conformance_item(item: pytest.Item) -> bool:
    from conformance.plugin.fuzz_items import FuzzItem
    from conformance.plugin.items import ScenarioItem

    return isinstance(item, ScenarioItem | FuzzItem)


def _refused_with_the_run(item: pytest.Item) -> bool:
    """Items the run's refusals apply to: scenarios, fuzz units and invariants alike (an invariant
    item whose layer has not run would start it, budget spent or not)."""
    from conformance.plugin.invariant_items import InvariantItem

    return _conformance_item(item) or isinstance(item, InvariantItem)


class RunGuard:
    """Registered once per pytest session by the plugin's ``pytest_configure``."""

    def __init__(self, state: PluginState, config: pytest.Config) -> None:
        self.state = state
        self.config = config
        self.stopped: str | None = None  # why every item is refused (failed preflight)
        self.read_only: dict[str, Any] | None = None  # what --read-only deselected
        settings = state.settings
        self.deadline: float | None = None
        if is_worker(config):
            self.deadline = config.workerinput.get(WORKER_KEY, {}).get("deadline")  # type: ignore[attr-defined]
        elif settings.max_duration is not None:
            self.deadline = time.time() + settings.max_duration
        # Requests in flight when the budget ends are cut there (a dripping target cannot outlast it).
        netguard.set_run_end(None if self.deadline is None else self.deadline - time.time())

    # -- preflight ------------------------------------------------------------------------------

    def _open_and_check(self) -> bool:
        """Open the run context (which runs the preflight); True when the run must stop."""
        try:
            ctx = self.state.context()
        except ToolError:
            return False  # items report the error themselves
        preflight = ctx.preflight
        if preflight is None or not preflight.failed or preflight.verdict is None:
            return False
        ctx.recorder.aborted = (preflight.verdict, preflight.message)
        self.stopped = preflight.message
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("")
            reporter.write_line(f"klanten-conformance: {preflight.message}", red=True, bold=True)
            reporter.write_line("klanten-conformance: run stopped before any scenario or fuzz case", red=True)
        return True

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        if is_worker(self.config) or is_controller(self.config) or session.config.option.collectonly:
            return None
        if not any(_conformance_item(item) for item in session.items):
            return None
        self._catch_sigint()
        if self._open_and_check():
            session.testsfailed += 1
            return True
        return None

    # -- read-only ------------------------------------------------------------------------------

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        if not self.state.settings.read_only:
            return
        methods = operation_methods(self._spec_path())
        keep = [item for item in items if not writes(item, methods)]
        dropped = [item for item in items if writes(item, methods)]
        if not dropped:
            return
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
        from conformance.plugin.fuzz_items import FuzzItem

        # A write-side invariant stays collected but the layer does not run it under --read-only
        # (conformance.invariants.run: not run): it judges nothing here.
        idle = [item for item in keep if _idle_read_only(item)]
        judged = {r for item in keep if item not in idle for r in _verifies(item)}
        # Fuzzing judges a CONTRACT-* requirement on the whole contract (conformance.report): one
        # dropped fuzz unit leaves it unjudged, whatever the kept units check.
        partly = {r for item in dropped if isinstance(item, FuzzItem) for r in _verifies(item)}
        unjudged = ({r for item in [*dropped, *idle] for r in _verifies(item)} - judged) | partly
        self.read_only = {
            "deselected": sorted(item.name for item in dropped),
            "requirements_not_judged": sorted(unjudged),
        }

    def _spec_path(self) -> Path:
        spec = self.state.settings.spec
        if spec and not spec.startswith(("http://", "https://")):
            return Path(spec)
        return self.state.settings.load_profile().spec_path

    @pytest.hookimpl(tryfirst=True)  # before xdist's worker sends its output to the controller
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        ctx = self.state.context_
        if ctx is not None and self.read_only is not None:
            ctx.recorder.record_section("read_only", self.read_only)
        if is_worker(self.config) and ctx is not None:
            self.config.workeroutput[WORKER_KEY] = to_payload(ctx.recorder)  # type: ignore[attr-defined]

    # -- per item -------------------------------------------------------------------------------

    def _refusal(self) -> str | None:
        if self.stopped is not None:
            return self.stopped
        if self.deadline is not None and time.time() > self.deadline:
            return f"not run: the run budget (--max-duration {self.state.settings.max_duration:g}s) was spent"
        ctx = self.state.context_
        if ctx is not None and ctx.client.breaker.open:
            return f"not run: {ctx.client.breaker.reason}"
        return None

    # -- Ctrl-C ---------------------------------------------------------------------------------

    def _catch_sigint(self) -> None:
        """Only for a session with conformance items, from the main thread (signal's rule)."""
        if threading.current_thread() is not threading.main_thread():
            return
        interrupt.reset()
        self._previous_handler = signal.signal(signal.SIGINT, self._on_sigint)

    def _on_sigint(self, signum: int, frame: Any) -> None:
        if interrupt.requested():
            raise KeyboardInterrupt  # the second Ctrl-C: at once
        interrupt.request()
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                "\nklanten-conformance: stopping after the requests in flight, then cleaning up "
                "(Ctrl-C again to stop at once)",
                yellow=True,
            )

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        previous = getattr(self, "_previous_handler", None)
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        interrupt.reset()
        netguard.set_run_end(None)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        interrupt.check()  # a requested stop ends the session before the next item
        if not _refused_with_the_run(item):
            return
        reason = self._refusal()
        if reason is None:
            return
        from conformance.plugin.invariant_items import InvariantItem
        from conformance.plugin.items import ScenarioItem

        ctx = self.state.context_
        if isinstance(item, InvariantItem) and item.parent.outcome_ is not None:
            return  # the layer ran before the budget was spent: its recorded verdict stands
        if ctx is not None and self.stopped is None:
            if isinstance(item, ScenarioItem):
                scenario = item.scenario
                result = ScenarioResult(scenario.id, list(scenario.verifies), Verdict.ERROR, reason)
                item.result = result
            elif isinstance(item, InvariantItem):
                invariant = item.invariant
                result = ScenarioResult(invariant.id, [invariant.requirement], Verdict.ERROR, reason)
            else:
                raise RunStopped(reason)
            result.failure = RunStopped(reason)
            ctx.recorder.record_scenario(result)
        raise RunStopped(reason)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        """A target or tool problem in an item's setup is its reason, not a stack trace (pytest renders
        setup errors as tracebacks, which also print every frame's arguments)."""
        report = yield
        excinfo = call.excinfo
        problem = excinfo is not None and isinstance(excinfo.value, ToolError)
        if call.when == "setup" and problem and excinfo is not None and _refused_with_the_run(item):
            report.longrepr = item.repr_failure(excinfo)
        return report

    # -- report ---------------------------------------------------------------------------------

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        report = self.state.report
        if report is None:
            return
        for warning in (report["sections"].get("preflight") or {}).get("warnings", []):
            terminalreporter.write_line(f"preflight warning: {warning}", yellow=True)
        read_only = report["sections"].get("read_only")
        if read_only:
            terminalreporter.write_line(
                f"read-only: {len(read_only['deselected'])} writing scenario(s)/fuzz unit(s) not run; "
                f"not judged: {', '.join(read_only['requirements_not_judged']) or 'none'}",
                yellow=True,
            )


def operation_methods(spec_path: Path) -> dict[str, str]:
    """operationId -> HTTP method (upper case) of a contract file."""
    document = safe_load(spec_path.read_bytes()) or {}
    methods: dict[str, str] = {}
    for item in (document.get("paths") or {}).values():
        for method, operation in (item or {}).items():
            if method in _HTTP_METHODS and isinstance(operation, dict) and operation.get("operationId"):
                methods[str(operation["operationId"])] = method.upper()
    return methods


def writes(item: pytest.Item, methods: dict[str, str]) -> bool:
    """Whether running ``item`` may create, change or delete data (unknown operations: yes)."""
    from conformance.plugin.fuzz_items import FuzzItem
    from conformance.plugin.items import ScenarioItem

    if isinstance(item, ScenarioItem):
        for step in item.scenario.steps:
            request = step.request
            method = methods.get(request.operation, "POST") if request.operation else str(request.method)
            if method.upper() not in SAFE_METHODS:
                return True
        return False
    if isinstance(item, FuzzItem):
        operation = item.unit.operation
        return operation is None or operation.method not in SAFE_METHODS
    return False


def _idle_read_only(item: pytest.Item) -> bool:
    """Whether ``item`` is kept under --read-only but not run there (a write-side invariant)."""
    from conformance.plugin.invariant_items import InvariantItem

    return isinstance(item, InvariantItem) and item.invariant.side != "read"


def _verifies(item: pytest.Item) -> list[str]:
    return [str(m.args[0]) for m in item.iter_markers("requirement") if m.args]


def _to_wire(settings: Settings) -> dict[str, Any]:
    """Settings as plain data for the execnet channel (secrets included: never argv, never a file)."""
    data = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}
    data["report_dir"] = str(settings.report_dir)
    data["bsn_range"], data["kvk_range"] = list(settings.bsn_range), list(settings.kvk_range)
    return data


def _part(bounds: tuple[int, int], index: int, count: int) -> tuple[int, int]:
    """The ``index``-th of ``count`` disjoint slices of an inclusive range."""
    low, high = bounds
    size = (high - low + 1) // count
    return low + index * size, (high if index == count - 1 else low + (index + 1) * size - 1)


def worker_settings(config: pytest.Config, settings: Settings) -> Settings:
    """On an xdist worker: the controller's settings, without a second preflight, and with its own
    slice of the BSN and KvK ranges so two workers never generate the same identifier."""
    if not is_worker(config):
        return settings
    workerinput: dict[str, Any] = config.workerinput  # type: ignore[attr-defined]
    wire = dict(workerinput.get(WORKER_KEY, {}).get("settings") or _to_wire(settings))
    wire["report_dir"] = Path(wire["report_dir"])
    index, count = int(str(workerinput["workerid"]).lstrip("gw") or 0), int(workerinput["workercount"])
    wire["bsn_range"] = _part((wire["bsn_range"][0], wire["bsn_range"][1]), index, count)
    wire["kvk_range"] = _part((wire["kvk_range"][0], wire["kvk_range"][1]), index, count)
    wire["skip_preflight"] = True
    return Settings(**wire)


class XdistController:
    """Controller-side xdist hooks (registered only when xdist is active)."""

    def __init__(self, guard: RunGuard) -> None:
        self.guard = guard
        self.checked = False

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[WORKER_KEY] = {
            "deadline": self.guard.deadline,
            "settings": _to_wire(self.guard.state.settings),
        }

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Before the first item is scheduled: the one preflight of the run, when it has conformance
        items; a failure ends the session at once (the report is still written)."""
        fuzz = self.guard.state.fuzz_spec
        markers = (".scenario.yaml::", *((f"{fuzz.name}::",) if fuzz else ()))
        if self.checked or not any(marker in i for i in ids for marker in markers):
            return
        self.checked = True
        if self.guard._open_and_check():
            pytest.exit("run stopped by the preflight", returncode=3)

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        payload = getattr(node, "workeroutput", {}).get(WORKER_KEY)
        ctx = self.guard.state.context_
        if payload and ctx is not None:
            merge(ctx.recorder, payload)
        elif ctx is not None and error is not None:
            # Its results never arrived: its units stay not-run (conformance.inventory), and what
            # it created cannot be counted, so the report says so instead of "0 leaked".
            worker = getattr(getattr(node, "gateway", None), "id", "?")
            why = str(error).splitlines()[0] if str(error) else "no reason"
            ctx.recorder.record_incident(
                f"xdist worker {worker} crashed ({why}): "
                "its results were lost and it may have left data on the target"
            )
