"""The pytest plugin (entry point ``klanten-conformance``): the adapter between pytest and the core.

Options come from ``config.OPTIONS`` so the CLI and plain pytest accept the same settings.
``*.scenario.yaml`` files become scenario items; the active contract file becomes fuzz items
when fuzzing is on. At session end the conformance report is written and its table printed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from conformance.config import OPTIONS, Settings, read_pyproject, resolve
from conformance.errors import ToolError
from conformance.loader import SCENARIO_SUFFIX
from conformance.plugin.guard import (
    RunGuard,
    XdistController,
    is_worker,
    worker_settings,
)
from conformance.plugin.items import ScenarioFile
from conformance.plugin.state import STATE_KEY, PluginState, get_state
from conformance.report import build_report, terminal_table, write_report

_DEST = "klanten_conformance_"


class PresetSettings:
    """Registered by the CLI to hand already-resolved settings to the plugin (no secrets in argv)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("klanten-conformance", "Klanten/Klantinteracties conformance")
    for option in OPTIONS:
        group.addoption(
            option.cli_flag,
            dest=_DEST + option.name,
            default=None,
            metavar=option.metavar,
            help=f"{option.help} [env {option.env}; ini {option.ini}]",
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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(id): the scenario verifies this catalogue requirement")
    config.addinivalue_line("markers", "allure_label: allure label (registered here for --strict-markers)")
    try:
        settings = _settings(config)
        settings.load_profile()
    except ToolError as exc:
        raise pytest.UsageError(f"klanten-conformance: {exc}") from exc
    settings = worker_settings(config, settings)  # xdist: the controller's settings, preflight done
    if settings.max_duration is not None:  # fuzzing lives inside the run's budget
        settings = settings.with_overrides(fuzz_max_time=min(settings.fuzz_max_time, settings.max_duration))
    state = PluginState(settings, fuzz_spec=_fuzz_spec(settings))
    config.stash[STATE_KEY] = state
    guard = RunGuard(state, config)
    config.pluginmanager.register(guard, "klanten-conformance-guard")
    if not is_worker(config) and config.pluginmanager.hasplugin("xdist"):
        # xdist's own configure runs last, so whether this becomes a controller is not known yet.
        config.pluginmanager.register(XdistController(guard), "klanten-conformance-xdist")


def _fuzz_spec(settings: Settings) -> Path | None:
    """The contract file that collects as fuzz items, when fuzzing is on."""
    if not settings.fuzz:
        return None
    if settings.spec and not settings.spec.startswith(("http://", "https://")):
        return Path(settings.spec).resolve()
    return settings.load_profile().spec_path.resolve()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(SCENARIO_SUFFIX):
        return ScenarioFile.from_parent(parent, path=file_path)
    spec = get_state(parent.config).fuzz_spec
    if spec is not None and file_path.suffix in (".yaml", ".yml", ".json") and file_path.resolve() == spec:
        from conformance.plugin.fuzz_items import FuzzFile

        fuzz_file: pytest.Collector = FuzzFile.from_parent(parent, path=file_path)
        return fuzz_file
    return None


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
        report = build_report(
            recorder=ctx.recorder,
            catalogue=ctx.catalogue,
            profile=ctx.profile.name,
            target=ctx.target_url
            if ctx.server is None
            else f"embedded reference ({ctx.settings.reference_variant})",
            spec_path=ctx.spec_path,
            tagging=ctx.profile.tagging,
        )
        write_report(report, ctx.recorder, ctx.settings.report_dir)
        state.report = report
    finally:
        ctx.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    state = terminalreporter.config.stash.get(STATE_KEY, None)
    if state is None or state.report is None:
        return
    terminalreporter.write_sep("=", "klanten-conformance: verdict per requirement")
    terminalreporter.write_line(terminal_table(state.report))
    report_path = state.settings.report_dir / "conformance-report.json"
    terminalreporter.write_line(f"report: {report_path}")
