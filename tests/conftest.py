"""Shared test configuration."""

from __future__ import annotations

# pytester's in-process runs restore sys.modules afterwards; importing the HTTP stack here keeps one
# copy of its exception classes for the whole session (httpx maps httpcore errors by class).
import httpcore  # noqa: F401
import httpx  # noqa: F401
import pytest
from hypothesis import settings

# Hypothesis' per-example deadline (200 ms) is a timed assert: on a loaded 2-core machine, all the
# more with the tests spread over both cores, a property test failed with DeadlineExceeded though
# nothing was wrong. The properties are what is tested; a test that sets its own deadline keeps it.
settings.register_profile("klanten-conformance-tests", deadline=None)
settings.load_profile("klanten-conformance-tests")

TEST_TIMEOUT_S = 300
# The project's own tests run on every core by default (pytest-xdist): `.ci/run` is the README's
# `pytest`. `-n 0` (or `-p no:xdist`) runs them serially; an explicit `-n N` or `--dist` wins.
# Whole files go to one worker (`loadfile`): module-scoped servers and runs are built once, and the
# tests of a file that share such state stay together. Set here, not in pyproject's addopts, so a
# plain `pytest scenarios/...` in a checkout is not parallelised behind the plugin's back.
PARALLEL_DIST = "loadfile"


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Default to ``-n auto --dist loadfile`` for the project's own tests (see PARALLEL_DIST)."""
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):
        return
    option = config.option
    if option.numprocesses is not None or option.collectonly or config.getoption("usepdb", False):
        return
    option.numprocesses = "auto"  # xdist's own hook (after this one) resolves it to the core count
    if option.dist == "no":
        option.dist = PARALLEL_DIST


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test gets a 300 s limit when pytest-timeout (a dev extra) is installed."""
    if not config.pluginmanager.hasplugin("timeout"):
        return
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT_S))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker: hand the kill-matrix rows it recorded to the controller."""
    from tests.selftest import matrix

    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["kill_matrix"] = matrix.export()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """On the xdist controller: fold each worker's kill-matrix rows into the printed matrix."""
    from tests.selftest import matrix

    matrix.absorb(getattr(node, "workeroutput", {}).get("kill_matrix", {}))


def pytest_terminal_summary(terminalreporter: object) -> None:
    from tests.selftest import matrix

    text = matrix.render()
    if text:
        terminalreporter.write_sep("=", "kill matrix (variant x requirement; X = caught)")  # type: ignore[attr-defined]
        terminalreporter.write_line(text)  # type: ignore[attr-defined]
