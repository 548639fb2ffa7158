"""The benchmarks' own logic: the replay's identifier mapping, and ``run_all.py`` printing its table.

No figure is asserted (speed goals live in the benchmark's table, never in a test); these tests check
that the baseline replays what it claims to replay.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_runner  # noqa: E402
from benchlib import run_child  # noqa: E402
from replay import IdentifierMap, Recorded, successes_first  # noqa: E402

A, B = "0b8a3f4e-1111-4c3a-9d2e-aaaaaaaaaaaa", "0b8a3f4e-2222-4c3a-9d2e-bbbbbbbbbbbb"
X, Y = "5c1e9d2f-3333-4b7a-8e1f-cccccccccccc", "5c1e9d2f-4444-4b7a-8e1f-dddddddddddd"


def test_uuids_are_paired_by_their_place_in_the_body_and_the_site_is_swapped() -> None:
    ids = IdentifierMap("http://127.0.0.1:1000", "http://127.0.0.1:2000")
    old = f'{{"uuid": "{A}", "url": "http://127.0.0.1:1000/api/partijen/{A}", "items": [{{"uuid": "{B}"}}]}}'
    new = f'{{"items": [{{"uuid": "{Y}"}}], "uuid": "{X}", "url": "http://127.0.0.1:2000/api/partijen/{X}"}}'
    ids.learn(old, new)
    assert ids.apply(f"http://127.0.0.1:1000/api/partijen/{A}?sub={B.upper()}") == (
        f"http://127.0.0.1:2000/api/partijen/{X}?sub={Y}"
    )


def test_strings_whose_uuids_do_not_correspond_teach_nothing() -> None:
    ids = IdentifierMap("http://h:1", "http://h:1")
    ids.learn(f'{{"detail": "{A} and {B}", "gone": "{A}"}}', f'{{"detail": "only {X}"}}')
    ids.learn(f"not json {A}", f"not json {X} {Y}")
    assert ids.uuids == {}
    assert ids.apply(f"/partijen/{A}") == f"/partijen/{A}"


def _recorded(status: int, step: str = "race") -> Recorded:
    return Recorded(step, "POST", "http://h/partijen", [], "{}", status, "")


def test_a_parallel_set_is_replayed_with_its_success_first() -> None:
    group = [_recorded(400), _recorded(201), _recorded(400)]
    after = _recorded(200, step="lookup")
    assert [r.status for r in successes_first([*group, after])] == [201, 400, 400, 200]


class _Forgetful(IdentifierMap):
    def learn(self, old_text: str, new_text: str) -> None:  # the replay without identifier mapping
        return None


@pytest.mark.parametrize("scenario_id", ["KI-R11-lookup-by-bsn"])
def test_a_recorded_scenario_replays_on_a_fresh_server_only_with_the_mapping(
    scenario_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenarios = [s for s in bench_runner.load_scenarios() if s.id == scenario_id]
    token = "benchmark-test-token-0123456789"
    recorded, site, _ = bench_runner.recording(scenarios, token, tmp_path)
    assert recorded and all(token not in value for r in recorded for _, value in r.headers)
    _, mismatches = bench_runner.replay_loop(recorded, site, token)
    assert mismatches == 0
    monkeypatch.setattr(bench_runner, "IdentifierMap", _Forgetful)
    _, mismatches = bench_runner.replay_loop(recorded, site, token)
    assert mismatches > 0  # the recorded uuids do not exist on a fresh server: 404s


def test_a_child_reports_its_own_peak_rss_not_the_benchmark_processes() -> None:
    held = bytearray(120 * 1024 * 1024)  # this process is large; a forked child would report it too
    held[::4096] = b"\x01" * len(held[::4096])
    small = run_child([sys.executable, "-c", "pass"])
    touch = "b = bytearray(80 * 1024 * 1024)\nb[::4096] = b'\\x01' * len(b[::4096])"
    large = run_child([sys.executable, "-c", touch])
    assert (small.returncode, large.returncode) == (0, 0), large.stderr
    assert small.peak_rss_mb < 60
    assert large.peak_rss_mb >= 80
    del held


def test_run_all_prints_one_table() -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run_all.py"), "--quick", "--only", "help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    header = next(line for line in proc.stdout.splitlines() if line.startswith("metric"))
    assert header.split() == ["metric", "ours", "baseline", "ratio", "goal", "met"]
    assert any(line.startswith("--help wall") for line in proc.stdout.splitlines())
