"""Terminal progress in the suite's own words: requirement ids and scenario ids, never file paths.

pytest prints a file path per test file. For a conformance run that path is an install location
(``…/site-packages/conformance/_bundled/scenarios/…``) that says nothing to a reader and differs
between a checkout and a wheel. ``ConformanceReporter`` replaces pytest's terminal reporter and
changes only how conformance items are labelled:

- default verbosity: one line per requirement with a letter per scenario
  (``KLOK01-R4                 ..F...   [ 62%]``); one line per fuzzed operation with its case count;
- ``-v``: one line per scenario (``KLOK01-R4  KI-R4-duplicate-bsn-race PASSED``);
- ``-q``: pytest's dots.

Every other item (the project's own tests, a user's tests in the same session) is reported by
pytest's code unchanged. Colour is pytest's: ``--color``, ``NO_COLOR``, ``FORCE_COLOR`` and
whether the output is a terminal decide it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from _pytest.terminal import TerminalReporter

from conformance import __version__
from conformance.evidence import Redactor
from conformance.plugin.state import STATE_KEY
from conformance.resources import data_root

#: JUnit property (and report attribute) carrying the number of generated cases of a fuzz item.
FUZZ_CASES_PROPERTY = "fuzz_cases"


USERINFO_IGNORED = (
    "note: the user info in --target-url is ignored (never sent, never printed); "
    "for Basic auth give --auth-header 'Basic <base64 user:password>'"
)


@dataclass(frozen=True)
class Label:
    """How one conformance item is shown: its group (a requirement id or ``fuzz``) and its name."""

    group: str
    name: str
    fuzz: bool = False
    scenario: bool = True  # scenarios are reordered by requirement; other items keep their place


def label_of(item: pytest.Item) -> Label | None:
    """The label of a scenario, invariant or fuzz item; ``None`` for any other item."""
    from conformance.plugin.fuzz_items import FuzzItem
    from conformance.plugin.invariant_items import InvariantItem
    from conformance.plugin.items import ScenarioItem

    if isinstance(item, ScenarioItem):
        verifies = item.scenario.verifies
        return Label(verifies[0] if verifies else "-", item.scenario.id)
    if isinstance(item, FuzzItem):
        return Label(f"fuzz {item.unit.name}", item.unit.name, fuzz=True)
    if isinstance(item, InvariantItem):  # one file runs them all: they stay together, in order
        return Label("invariants", item.invariant.id, scenario=False)
    return None


def _natural(text: str) -> tuple[Any, ...]:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def sort_by_requirement(items: list[pytest.Item]) -> None:
    """Reorder the scenario items in place by (requirement, scenario id), naturally numbered.

    Other items keep their positions; the scenarios fill the slots scenarios had.
    """
    slots = [
        i
        for i, item in enumerate(items)
        if (lab := label_of(item)) is not None and lab.scenario and not lab.fuzz
    ]

    def key(item: pytest.Item) -> tuple[Any, ...]:
        label = label_of(item)
        assert label is not None
        return (_natural(label.group), label.name)

    ordered = sorted((items[i] for i in slots), key=key)
    for slot, item in zip(slots, ordered, strict=True):
        items[slot] = item


def _count(cases: int) -> str:
    return f"{cases} case{'' if cases == 1 else 's'}"


def _cases(report: pytest.TestReport) -> int | None:
    for name, value in getattr(report, "user_properties", ()):
        if name == FUZZ_CASES_PROPERTY:
            return int(value)
    return None


class ConformanceReporter(TerminalReporter):  # type: ignore[misc]  # final for typing only
    """pytest's terminal reporter with conformance items labelled by requirement and scenario."""

    def __init__(self, config: pytest.Config, file: Any = None) -> None:
        super().__init__(config, file)
        self.labels: dict[str, Label] = {}
        self._width = 12
        self._fuzz_width = 0

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            label = label_of(item)
            if label is not None:
                self.labels[item.nodeid] = label
        groups = [len(lab.group) for lab in self.labels.values() if not lab.fuzz]
        self._width = max([12, *groups])
        self._fuzz_width = max([0, *(len(lab.name) for lab in self.labels.values() if lab.fuzz)])
        super().pytest_collection_finish(session)

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        """A CLI run's rootdir is the shipped data (an install path): name the suite instead."""
        lines = list(super().pytest_report_header(config))
        if config.rootpath != data_root():
            return lines
        kept = [line for line in lines if not line.startswith(("rootdir:", "configfile:"))]
        state = config.stash.get(STATE_KEY, None)
        if state is None:
            return kept
        settings = state.settings
        target = (
            Redactor.for_secrets(settings.secrets()).url(settings.target_url)
            if settings.target_url
            else f"embedded reference ({settings.reference_variant})"
        )
        suite = f"klanten-conformance {__version__}: profile {settings.profile}, target {target}"
        if settings.target_userinfo:
            kept.insert(0, USERINFO_IGNORED)
        return [suite, *kept]

    def _label(self, nodeid: Any) -> Label | None:
        return self.labels.get(str(nodeid))

    def write_fspath_result(self, nodeid: str, res: str, **markup: bool) -> None:
        """Default verbosity: a line per requirement (scenarios) or per operation (fuzzing)."""
        label = self._label(nodeid)
        if label is None:
            super().write_fspath_result(nodeid, res, **markup)
            return
        if self.currentfspath != label.group:
            if self.currentfspath is not None and self._show_progress_info:
                self._write_progress_information_filling_space()
            self.currentfspath = label.group
            self._tw.line()
            shown = f"{'fuzz':<{self._width}} {label.name:<{self._fuzz_width}}" if label.fuzz else label.group
            self._tw.write(f"{shown:<{self._width}} ")
        self._tw.write(res, flush=True, **markup)

    def _locationline(self, nodeid: Any, fspath: str, lineno: int | None, domain: str) -> str:
        """``-v``: ``KLOK01-R4     KI-R4-duplicate-bsn-race``; ``fuzz          POST /partijen``."""
        label = self._label(nodeid)
        if label is None:
            return str(super()._locationline(nodeid, fspath, lineno, domain))
        group = "fuzz" if label.fuzz else label.group
        return f"{group:<{self._width}}  {label.name} "

    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        """``-v``: a fuzzed operation's word carries its case count (``PASSED 60 cases``)."""
        cases = _cases(report)
        if cases is None or report.when != "call" or self.verbosity <= 0:
            return None
        if report.passed:
            return "passed", ".", f"PASSED {_count(cases)}"
        if report.failed:
            return "failed", "F", f"FAILED {_count(cases)}"
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        super().pytest_runtest_logreport(report)
        label = self._label(report.nodeid)
        cases = _cases(report)
        if label is None or not label.fuzz or cases is None or self.verbosity != 0:
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self._tw.write(f" {_count(cases)}", flush=True)

    def short_test_summary(self) -> None:
        """pytest's summary, with conformance items named ``requirement scenario`` instead of paths."""
        hidden: dict[str, list[Any]] = {}
        for key in ("failed", "error"):
            reports = self.stats.get(key, [])
            ours = [r for r in reports if self._label(getattr(r, "nodeid", "")) is not None]
            if ours:
                hidden[key] = ours
                self.stats[key] = [r for r in reports if r not in ours]
        try:
            super().short_test_summary()
        finally:
            for key, ours in hidden.items():
                self.stats[key] = self.stats.get(key, []) + ours
        if not hidden or not self.reportchars:
            return
        lines = []
        for key, word, colour in (("failed", "FAILED", "red"), ("error", "ERROR", "red")):
            if key not in hidden or (key == "failed" and "f" not in self.reportchars):
                continue
            if key == "error" and "E" not in self.reportchars:
                continue
            for rep in hidden[key]:
                label = self._label(rep.nodeid)
                assert label is not None
                first = _first_line(rep)
                group = "fuzz" if label.fuzz else label.group
                lines.append(f"{self._tw.markup(word, **{colour: True})} {group} {label.name}{first}")
        if lines:
            self.write_sep("=", "conformance failures and errors (details above)")
            for line in lines:
                self.write_line(line)


def _first_line(report: Any) -> str:
    text = report.longreprtext or ""
    for line in text.splitlines():
        if line.strip() and not line.startswith("scenario "):
            return f" - {line.strip()}"
    return ""


def install(config: pytest.Config) -> None:
    """Swap pytest's terminal reporter for ``ConformanceReporter`` (when pytest has one)."""
    standard = config.pluginmanager.getplugin("terminalreporter")
    if standard is None or isinstance(standard, ConformanceReporter):
        return
    reporter = ConformanceReporter(config, standard._tw._file)
    config.pluginmanager.unregister(standard)
    config.pluginmanager.register(reporter, "terminalreporter")
