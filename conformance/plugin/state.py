"""Per-session plugin state: resolved settings and the lazily opened ``RunContext``.

The context (and with it the embedded reference server) is only opened when the first scenario
or fuzz item needs it, so plain unit-test runs with the plugin installed start nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.config import Settings
from conformance.profiles import Profile
from conformance.reports.waivers import Waiver
from conformance.session import RunContext


@dataclass
class PluginState:
    settings: Settings
    context_: RunContext | None = None
    open_error: BaseException | None = None
    seen_ids: dict[str, Path] = field(default_factory=dict)
    report: dict[str, Any] | None = None
    fuzz_spec: Path | None = None  # the contract file that collects as fuzz items (resolved once)
    bundle_inputs: tuple[Path, Profile] | None = None  # contract and profile, for the bundle
    waivers: list[Waiver] | None = None  # --waivers, loaded and validated at configure time
    scenario_items: list[Any] = field(default_factory=list)  # ScenarioItem (no import cycle)
    not_run: list[tuple[Any, str]] = field(default_factory=list)  # (ScenarioItem, reason)

    def context(self) -> RunContext:
        """Open the run context once; a failure to open is remembered and raised for every item."""
        if self.context_ is None:
            if self.open_error is not None:
                raise self.open_error
            try:
                self.context_ = RunContext.open(self.settings)
            except BaseException as exc:
                self.open_error = exc
                raise
        return self.context_


STATE_KEY = pytest.StashKey[PluginState]()


def get_state(config: pytest.Config) -> PluginState:
    return config.stash[STATE_KEY]


def get_context(config: pytest.Config) -> RunContext:
    """The run's shared context (opened on first use)."""
    return get_state(config).context()
