"""Issue 22, item 19: an unquoted YAML date is the natural way to write ``expires``."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from conformance.errors import ConfigError
from conformance.reports.waivers import load_waivers


def test_an_unquoted_yaml_date_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(
        "- requirement: KLOK01-R4\n  reason: fix pending\n  ticket: T-1\n  expires: 2027-03-31\n"
        "- scenario: KI-R4-x\n  reason: r\n  ticket: T-2\n  expires: '2027-04-01'\n",
        encoding="utf-8",
    )
    waivers = load_waivers(path)
    assert [w.expires for w in waivers] == [datetime.date(2027, 3, 31), datetime.date(2027, 4, 1)]


def test_a_value_that_is_no_date_is_still_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(
        "- requirement: KLOK01-R4\n  reason: r\n  ticket: T\n  expires: 31-03-2027\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"waivers.yaml:4: entry 1: '31-03-2027' does not match"):
        load_waivers(path)
