"""Shared test configuration."""

from __future__ import annotations

# pytester's in-process runs restore sys.modules afterwards; importing the HTTP stack here keeps one
# copy of its exception classes for the whole session (httpx maps httpcore errors by class).
import httpcore  # noqa: F401
import httpx  # noqa: F401
import pytest

TEST_TIMEOUT_S = 300


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test gets a 300 s limit when pytest-timeout (a dev extra) is installed."""
    if not config.pluginmanager.hasplugin("timeout"):
        return
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT_S))


def pytest_terminal_summary(terminalreporter: object) -> None:
    from tests.selftest import matrix

    text = matrix.render()
    if text:
        terminalreporter.write_sep("=", "kill matrix (variant x requirement; X = caught)")  # type: ignore[attr-defined]
        terminalreporter.write_line(text)  # type: ignore[attr-defined]
