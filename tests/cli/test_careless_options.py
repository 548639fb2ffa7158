"""Issue 22, item 11: a bad option value is a usage error (exit 2) naming the option the user set."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.cli import main
from conformance.config import resolve
from conformance.errors import ConfigError


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--fuzz-budget", "0"], "--fuzz-budget"),
        (["--fuzz-phases", "bogus"], "--fuzz-phases"),
        (["--max-duration", "-5"], "--max-duration"),
        (["--read-timeout", "0"], "--read-timeout"),
        (["--max-response-bytes", "-1"], "--max-response-bytes"),
    ],
)
def test_a_bad_option_value_exits_2_naming_that_option(
    args: list[str],
    named: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(["run", *args, "--report-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2, err[-2000:]
    assert named in err and "Traceback" not in err
    assert "fuzz_max_time" not in err  # never an option the user did not set


def test_an_environment_value_is_named_as_such() -> None:
    with pytest.raises(ConfigError, match="environment KLANTEN_CONFORMANCE_FUZZ_BUDGET"):
        resolve({}, {"KLANTEN_CONFORMANCE_FUZZ_BUDGET": "0"}, {})
    with pytest.raises(ConfigError, match="configuration file"):
        resolve({}, {}, {"fuzz_phases": "examples,nope"})
    assert resolve({"max_duration": "0"}, {}, {}).max_duration == 0
