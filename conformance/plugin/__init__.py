"""The pytest plugin (entry point ``klanten-conformance``): the adapter between pytest and the core.

Options come from ``config.OPTIONS`` so the CLI and plain pytest accept the same settings.
``*.scenario.yaml`` files become scenario items; the active contract file becomes fuzz items
when fuzzing is on. At session end the conformance report is written and its table printed.
"""

from __future__ import annotations

import datetime
import functools
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance import inventory
from conformance.claims import SECTION as CERTIFICATION
from conformance.claims import apply_claim, certification_facts
from conformance.config import OPTIONS, Settings, read_pyproject, resolve
from conformance.errors import ToolError
from conformance.loader import SCENARIO_SUFFIX
from conformance.plugin import progress
from conformance.plugin.guard import (
    RunGuard,
    XdistController,
    is_worker,
    worker_settings,
)
from conformance.plugin.items import ScenarioFile, ScenarioItem
from conformance.plugin.state import STATE_KEY, PluginState, get_state
from conformance.profiles import load_profile
from conformance.report import RunRecorder, build_report, terminal_table, write_report
from conformance.reports.badge import BADGE_NAME
from conformance.reports.bundle import BUNDLE_NAME
from conformance.reports.html import REPORT_HTML
from conformance.reports.junit import mark_waived
from conformance.reports.outputs import bundle_run, write_outputs
from conformance.reports.terminal import colour_table
from conformance.reports.waivers import apply_waivers, load_waivers, waiver_lines
from conformance.session import RunContext

_DEST = "klanten_conformance_"


class PresetSettings:
    """Registered by the CLI to hand already-resolved settings to the plugin (no secrets in argv)."""

    def __init__(self, settings: Settings, *, scenarios: bool = True) -> None:
        self.settings = settings
        self.scenarios = scenarios  # False for ``klanten-conformance fuzz``: a contract-only run


def _scenarios_in_scope(config: pytest.Config) -> bool:
    """Whether the command's scope has scenarios: ``run`` and plain pytest do, ``fuzz`` does not.
    Never inferred from what was collected: ``--ignore-glob='*.scenario.yaml'`` drops, not scopes."""
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, PresetSettings):
            return plugin.scenarios
    return True


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("klanten-conformance", "Klanten/Klantinteracties conformance")
    for option in OPTIONS:
        group.addoption(
            option.plugin_flag,
            dest=_DEST + option.name,
            default=None,
            metavar=option.metavar,
            help=f"{option.help} [env {option.env}; ini {option.ini}]",
            **({"nargs": "?", "const": "true"} if option.bare else {}),
        )
        parser.addini(option.ini, help=option.help, default=None)


def _settings(config: pytest.Config) -> Settings:
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, PresetSettings):
            return plugin.settings
    cli = {o.name: config.getoption(_DEST + o.name) for o in OPTIONS}
    file: dict[str, Any] = read_pyproject(config.rootpath)
    for option in OPTIONS:
        value = config.getini(option.ini)
        if value not in (None, "", []):
            file.setdefault(option.name, value)
    return resolve(cli, os.environ, file)


@pytest.hookimpl(trylast=True)  # after pytest's terminal plugin has made the reporter we replace
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(id): the scenario verifies this catalogue requirement")
    config.addinivalue_line("markers", "allure_label: allure label (registered here for --strict-markers)")
    config.addinivalue_line("markers", "allure_description: allure description (for --strict-markers)")
    try:
        settings = _settings(config)
        settings.load_profile()
        waivers = load_waivers(settings.waivers) if settings.waivers else None
    except ToolError as exc:
        raise pytest.UsageError(f"klanten-conformance: {exc}") from exc
    settings = worker_settings(config, settings)  # xdist: the controller's settings, preflight done
    if settings.max_duration is not None:  # fuzzing lives inside the run's budget
        settings = settings.with_overrides(fuzz_max_time=min(settings.fuzz_max_time, settings.max_duration))
    state = PluginState(settings, fuzz_spec=_fuzz_spec(settings), waivers=waivers)
    config.stash[STATE_KEY] = state
    guard = RunGuard(state, config)
    config.pluginmanager.register(guard, "klanten-conformance-guard")
    if not is_worker(config) and config.pluginmanager.hasplugin("xdist"):
        # xdist's own configure runs last, so whether this becomes a controller is not known yet.
        config.pluginmanager.register(XdistController(guard), "klanten-conformance-xdist")
    progress.install(config)


def _fuzz_spec(settings: Settings) -> Path | None:
    """The contract file that collects as fuzz items, when fuzzing is on."""
    if not settings.fuzz:
        return None
    if settings.spec and not settings.spec.startswith(("http://", "https://")):
        return Path(settings.spec).resolve()
    return settings.load_profile().spec_path.resolve()


@functools.cache
def _invariant_source(profile: str) -> Path | None:
    """The profile file that collects as the invariant layer's items (None: it has no invariants)."""
    loaded = load_profile(profile)
    return loaded.source.resolve() if loaded.invariants and loaded.source is not None else None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(SCENARIO_SUFFIX):
        return ScenarioFile.from_parent(parent, path=file_path)
    state = get_state(parent.config)
    invariants = _invariant_source(state.settings.profile) if state.settings.invariants else None
    if invariants is not None and file_path.suffix == ".yaml" and file_path.resolve() == invariants:
        from conformance.plugin.invariant_items import InvariantFile

        invariant_file: pytest.Collector = InvariantFile.from_parent(parent, path=file_path)
        return invariant_file
    spec = state.fuzz_spec
    if spec is not None and file_path.suffix in (".yaml", ".yml", ".json") and file_path.resolve() == spec:
        from conformance.plugin.fuzz_items import FuzzFile

        fuzz_file: pytest.Collector = FuzzFile.from_parent(parent, path=file_path)
        return fuzz_file
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    fuzz_items = sys.modules.get("conformance.plugin.fuzz_items")  # imported only when fuzzing
    if call.when == "setup" and fuzz_items is not None and isinstance(item, fuzz_items.FuzzItem):
        item.charge(report)  # its operation's share of the one engine run
    return report


def pytest_deselected(items: list[pytest.Item]) -> None:
    """Deselected scenarios are "not run" in this run, never silently absent."""
    for item in items:
        if isinstance(item, ScenarioItem):
            get_state(item.config).not_run.append((item, "deselected"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Scenarios in requirement order (R1, R3, R4, … R11), so progress reads like the catalogue;
    the collected scenarios are remembered, so those that never ran are reported "not run"."""
    progress.sort_by_requirement(items)
    get_state(config).scenario_items.extend(i for i in items if isinstance(i, ScenarioItem))


def _record_not_run(state: PluginState, recorder: RunRecorder) -> None:
    """Scenarios this run collected but did not run: deselected, or never executed (``-x``, stop)."""
    for item, reason in state.not_run:
        recorder.record_not_run(item.scenario.id, item.scenario.verifies, reason)
    for item in state.scenario_items:
        if item.result is None and not any(item is other for other, _ in state.not_run):
            recorder.record_not_run(item.scenario.id, item.scenario.verifies, "not executed")


def _declare_inventory(config: pytest.Config, ctx: RunContext) -> None:
    """The denominator: the profile's declared units (conformance.inventory), not pytest's items."""
    import conformance.invariants  # noqa: F401  (registers the invariant layer's units)

    ctx.recorder.scenarios_in_scope = _scenarios_in_scope(config)
    ctx.recorder.expected_units = inventory.expected(
        inventory.Inputs(
            profile=ctx.profile,
            catalogue=ctx.catalogue,
            spec_path=ctx.spec_path,
            scenarios=ctx.recorder.scenarios_in_scope,
            fuzz=True,  # contract fuzzing is always part of a conformance claim (--no-fuzz: partial)
        )
    )


@pytest.hookimpl(trylast=True)  # after pytest's own teardown (fuzz cleanup, also after Ctrl-C)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(STATE_KEY, None)
    if state is None or state.context_ is None:
        return
    ctx = state.context_
    if is_worker(session.config):  # the controller writes the report (guard shipped the results)
        ctx.close()
        return
    try:
        _record_not_run(state, ctx.recorder)
        _declare_inventory(session.config, ctx)
        in_scope = ctx.recorder.scenarios_in_scope
        ctx.recorder.record_section(
            CERTIFICATION, certification_facts(ctx.settings, ctx.profile, ctx.spec_path)
        )
        report = build_report(
            recorder=ctx.recorder,
            catalogue=ctx.catalogue,
            profile=ctx.profile.name,
            target=ctx.redactor.url(ctx.target_url)
            if ctx.server is None
            else f"embedded reference ({ctx.settings.reference_variant})",
            spec_path=ctx.spec_path,
            extra={"run_id": ctx.settings.run_id, "seed": ctx.settings.seed},
            strict=ctx.settings.strict,
            tagging=ctx.profile.tagging,
            reading=ctx.settings.reading,
        )
        if state.waivers is not None:
            today = datetime.datetime.now(datetime.UTC).date()
            apply_waivers(report, state.waivers, today=today, file=str(ctx.settings.waivers))
        apply_claim(report, ctx.recorder.sections.get(CERTIFICATION), scenarios_in_scope=in_scope)
        write_report(report, ctx.recorder, ctx.settings.report_dir)
        write_outputs(report, ctx)
        state.report = report
        state.bundle_inputs = (ctx.spec_path, ctx.profile)
    finally:
        ctx.close()


def pytest_unconfigure(config: pytest.Config) -> None:
    """After pytest wrote junit.xml (at session finish): waived failures in it, then the bundle."""
    state = config.stash.get(STATE_KEY, None)
    if state is None or state.report is None:
        return
    xmlpath = getattr(config.option, "xmlpath", None)  # --junitxml, wherever the user put it
    junit = Path(xmlpath) if xmlpath else state.settings.report_dir / "junit.xml"
    if state.waivers:
        mark_waived(junit, state.report)
    if not state.settings.bundle or state.bundle_inputs is None:
        return
    spec_path, profile = state.bundle_inputs
    bundle_run(
        state.settings.report_dir,
        spec_path=spec_path,
        profile=profile,
        waivers=state.settings.waivers,
        junit=junit,
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    state = terminalreporter.config.stash.get(STATE_KEY, None)
    if state is None or state.report is None:
        return
    table = terminal_table(state.report)
    if terminalreporter.verbosity <= -2:  # -qq: only the totals and where the report is
        table = "\n".join(line for line in table.splitlines() if line.startswith("requirements: "))
    else:
        terminalreporter.write_sep("=", "klanten-conformance: verdict per requirement")
    terminalreporter.write_line(colour_table(table, state.report, terminalreporter._tw.markup))
    for line in waiver_lines(state.report):
        terminalreporter.write_line(line)
    report_dir = state.settings.report_dir
    terminalreporter.write_line(f"report: {report_dir / 'conformance-report.json'}")
    if terminalreporter.verbosity > -2:
        terminalreporter.write_line(f"html: {report_dir / REPORT_HTML}   badge: {report_dir / BADGE_NAME}")
        if state.settings.bundle:
            terminalreporter.write_line(f"bundle: {report_dir / BUNDLE_NAME}")
