"""``run`` and ``fuzz``: settings → ``pytest.main`` → exit code (part of the CLI adapter).

The settings travel to the plugin as a registered object, never as argv, so no credential
ends up in a process listing or in a report that records the command line. The exit code comes
from the conformance report, except when nothing could be judged (usage or format problems).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from conformance.config import Settings
from conformance.errors import ToolError
from conformance.plugin import PresetSettings
from conformance.report import REPORT_NAME
from conformance.resources import data_root, package_file
from conformance.session import http_limits, resolve_spec
from conformance.verdicts import ExitCode


class _Observer:
    """Notices collection errors and interrupts, which pytest folds into one exit code."""

    def __init__(self) -> None:
        self.collect_errors = 0
        self.interrupted = False

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors += 1

    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        # pytest.exit (a failed preflight under xdist) takes this path too; the report tells that exit.
        self.interrupted = not excinfo.errisinstance(pytest.exit.Exception)


def pytest_args(settings: Settings, extra: list[str], *, scenarios: bool) -> tuple[list[str], Settings]:
    """The pytest command line for a run (and the settings with a downloaded spec resolved)."""
    profile = settings.load_profile()
    report_dir = settings.report_dir
    args: list[str] = []
    if scenarios:
        args.append(str(profile.scenarios_path))
        if settings.invariants and profile.invariants and profile.source is not None:
            args.append(str(profile.source))  # collected as the invariant layer's items
    if settings.fuzz:
        spec = resolve_spec(settings.spec, profile, report_dir / "contract", http_limits(settings))
        settings = settings.with_overrides(spec=str(spec))
        args.append(str(spec))
    args += [
        "-c",
        str(package_file("run.ini")),
        # Node ids relative to the shipped data (``scenarios/…``, ``specs/…``): the same JUnit and
        # Allure names on every machine, whatever the working directory.
        "--rootdir",
        str(data_root()),
        f"--junitxml={report_dir / 'junit.xml'}",
        f"--alluredir={report_dir / 'allure-results'}",
        "-o",
        "junit_suite_name=klanten-conformance",
    ]
    extra = [a for a in extra if a != "--"] if extra[:1] == ["--"] else extra
    parallel = any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in extra)
    if parallel and not any(a.startswith(("--dist", "-d")) for a in extra):
        args.append("--dist=loadfile")  # one fuzz session per contract file: its units stay on one worker
    return args + extra, settings


def run_suite(settings: Settings, extra: list[str], *, scenarios: bool) -> int:
    """Run pytest in-process with the plugin and turn the outcome into ``ExitCode``."""
    args, settings = pytest_args(settings, list(extra), scenarios=scenarios)
    report_path = settings.report_dir / REPORT_NAME
    report_path.unlink(missing_ok=True)  # never read a stale report from an earlier run
    observer = _Observer()
    preset = PresetSettings(settings, scenarios=scenarios)
    code = pytest.main(args, plugins=[observer, preset])
    if observer.interrupted:
        return int(ExitCode.INTERRUPTED)
    if observer.collect_errors or code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
        return int(ExitCode.USAGE_OR_FORMAT)
    if not report_path.is_file():
        sys.stderr.write("klanten-conformance: no report was written (see the errors above)\n")
        return int(ExitCode.TARGET_OR_TOOL_ERROR)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return int(report["exit_code"])


def remove_leftovers(settings: Settings) -> int:
    """``cleanup --run-id``: find the run's tagged records and delete them; 0 when none is left."""
    from conformance.client import Client
    from conformance.evidence import Redactor
    from conformance.hygiene import remove, run_tag, scan_leftovers

    profile = settings.load_profile()
    auth = settings.auth_provider(profile)
    redactor = Redactor.for_secrets([*settings.secrets(), *auth.secrets()])
    client = Client(str(settings.target_url), redactor=redactor, limits=http_limits(settings))
    try:
        found, incomplete = scan_leftovers(client, auth, profile, settings.run_id)
        records = remove(client, auth, found)
    except ToolError as exc:
        sys.stderr.write(f"klanten-conformance cleanup: {redactor.text(str(exc))}\n")
        return int(ExitCode.TARGET_OR_TOOL_ERROR)
    finally:
        client.close()
    for record in records:
        sys.stdout.write(
            f"{'removed' if record.ok else 'FAILED '} {record.url} ({record.status or record.error})\n"
        )
    left = [r for r in records if not r.ok]
    sys.stdout.write(
        f"{len(found)} record(s) tagged '{run_tag(settings.run_id)}', {len(records) - len(left)} removed, "
        f"{len(left)} left" + (" among the pages read" if incomplete else "") + "\n"
    )
    if incomplete:
        sys.stderr.write(f"klanten-conformance cleanup: incomplete: {incomplete}\n")
    return int(ExitCode.TARGET_OR_TOOL_ERROR if left or incomplete else ExitCode.CONFORMANT)
