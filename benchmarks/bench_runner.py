"""Scenario-runner overhead: our runner beside a bare httpx loop replaying the same requests.

    python benchmarks/bench_runner.py [--quick]

(a) In the loop: the profile's scenarios (klantinteracties-v1, 37) through ``ScenarioRunner`` against
a fresh embedded reference, only the loop over the loaded scenarios timed (run context, contract and
scenario loading are outside it); beside it ``replay.replay`` sends the same requests with a bare
``httpx.Client`` against another fresh reference. The requests come from an in-process recording
run: a ``Client`` that keeps each request as it was sent (the exchanges of a ``ScenarioResult`` are
redacted, so a step sent with an invalid token could not be told from one with the run's token).
(b) As a whole process: ``klanten-conformance run --no-fuzz --target URL`` (token in the environment)
beside ``python benchmarks/replay.py`` with the recording, each against a fresh reference started by
this process. Ratio = ours / replay (medians of the repetitions). Goals: <=1.10x and <=2x.
"""

from __future__ import annotations

import dataclasses
import functools
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from benchlib import (
    BENCH_DIR,
    CLI,
    PYTHON,
    ChildRun,
    Row,
    at_most,
    clean_env,
    fmt_s,
    median_of,
    ratio,
    run_child,
    standalone,
    warm_up,
)
from replay import TOKEN_PLACEHOLDER, IdentifierMap, Recorded, replay, save, successes_first

from conformance.client import Client, Reply
from conformance.config import Settings
from conformance.evidence import Exchange
from conformance.loader import load_scenario, scenario_files
from conformance.model import Scenario
from conformance.reference import ReferenceServer
from conformance.results import ScenarioResult
from conformance.runner import ScenarioRunner
from conformance.session import RunContext

PROFILE = "klantinteracties-v1"


class RecordingClient(Client):
    """The run's client, also keeping every request as sent (unredacted) with its answer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recorded: list[Recorded] = []
        self._lock = threading.Lock()

    def send(self, **kwargs: Any) -> tuple[Reply, Exchange]:
        reply, exchange = super().send(**kwargs)
        request = reply.response.request
        content = request.content
        with self._lock:
            self.recorded.append(
                Recorded(
                    step=str(kwargs.get("step", "")),
                    method=request.method,
                    url=str(request.url),
                    headers=list(request.headers.multi_items()),
                    body=content.decode() if content else None,
                    status=reply.status,
                    response=reply.text,
                    location=reply.response.headers.get("location"),
                )
            )
        return reply, exchange


def load_scenarios() -> list[Scenario]:
    settings = Settings(profile=PROFILE)
    return [load_scenario(p) for p in scenario_files([settings.load_profile().scenarios_path])]


def _run_context(server: ReferenceServer, report_dir: Path, run_id: str) -> RunContext:
    settings = Settings(
        target_url=server.root_url, token=server.token, profile=PROFILE, report_dir=report_dir, run_id=run_id
    )
    return RunContext.open(settings)


@dataclass(frozen=True)
class Timing:
    wall_s: float
    cpu_s: float  # CPU of the measuring thread only: the client's work, not the server thread's


def runner_loop(
    scenarios: list[Scenario], token: str, report_dir: Path, run_id: str, *, record: bool = False
) -> tuple[Timing, list[ScenarioResult], list[Recorded], str]:
    """Our runner over ``scenarios`` against a fresh reference: (loop timing, results, recording, site)."""
    with ReferenceServer(token=token) as server:
        ctx = _run_context(server, report_dir, run_id)
        try:
            client = ctx.client
            if record:
                client = RecordingClient(ctx.target_url, redactor=ctx.redactor, limits=ctx.limits)
            runner = ScenarioRunner(dataclasses.replace(ctx.runner_context(), client=client))
            started, cpu = time.perf_counter(), time.thread_time()
            results = [runner.run(scenario) for scenario in scenarios]
            elapsed = Timing(time.perf_counter() - started, time.thread_time() - cpu)
            recorded = client.recorded if isinstance(client, RecordingClient) else []
            if client is not ctx.client:
                client.close()
        finally:
            ctx.close()
        return elapsed, results, recorded, server.site


def recording(scenarios: list[Scenario], token: str, report_dir: Path) -> tuple[list[Recorded], str, Timing]:
    """The requests of one run (token replaced by a placeholder), its server's site, its loop time."""
    elapsed, results, recorded, site = runner_loop(scenarios, token, report_dir, "benchrecord", record=True)
    bad = [r.scenario_id for r in results if r.verdict.value != "pass"]
    if bad:
        print(f"warning: the recording run did not pass: {', '.join(bad)}")
    hidden = [
        dataclasses.replace(r, headers=[(k, v.replace(token, TOKEN_PLACEHOLDER)) for k, v in r.headers])
        for r in recorded
    ]
    return successes_first(hidden), site, elapsed


def replay_loop(recorded: list[Recorded], site: str, token: str) -> tuple[Timing, int]:
    """The bare loop against a fresh reference: (timing, status mismatches)."""
    with ReferenceServer(token=token) as server, httpx.Client(timeout=30) as client:
        cpu = time.thread_time()
        result = replay(client, recorded, IdentifierMap(site, server.site), token)
        cpu = time.thread_time() - cpu
    return Timing(result.elapsed_s, cpu), result.status_mismatches


def _process(command: Callable[[str], list[str]], token: str, env_token: str) -> ChildRun:
    """``command(root URL of a fresh reference)`` run to its end, the token in its environment."""
    with ReferenceServer(token=token) as server:
        child = run_child(command(server.root_url), env=clean_env(**{env_token: token}))
    if child.returncode not in (0, 4):
        print(child.stdout[-2000:], child.stderr[-2000:])
    return child


def _replay_command(recording: Path, url: str) -> list[str]:
    return [PYTHON, str(BENCH_DIR / "replay.py"), str(recording), "--target", url]


def rows(quick: bool) -> list[Row]:
    warm_up()
    repeats = 1 if quick else 3
    token = secrets.token_hex(20)
    scenarios = load_scenarios()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        recorded, site, cold = recording(scenarios, token, work / "record")
        ours_s: list[Timing] = []
        bare_s: list[Timing] = []
        mismatches = 0
        for index in range(repeats):
            ours_s.append(runner_loop(scenarios, token, work / f"loop{index}", f"benchloop{index}")[0])
            timing, wrong = replay_loop(recorded, site, token)
            bare_s.append(timing)
            mismatches = max(mismatches, wrong)
        file = work / "recorded.json"
        save(file, site, recorded)
        ours_p: list[ChildRun] = []
        bare_p: list[ChildRun] = []
        for index in range(repeats):
            report_dir = str(work / f"proc{index}")

            def run(url: str, report_dir: str = report_dir) -> list[str]:
                return [CLI, "run", "--no-fuzz", "--report-dir", report_dir, "--target", url, "--", "-q"]

            ours_p.append(_process(run, token, "KLANTEN_CONFORMANCE_TOKEN"))
            bare_p.append(_process(functools.partial(_replay_command, file), token, "KC_BENCH_TOKEN"))
    loop = (median_of([t.wall_s for t in ours_s]), median_of([t.wall_s for t in bare_s]))
    loop_cpu = (median_of([t.cpu_s for t in ours_s]), median_of([t.cpu_s for t in bare_s]))
    loop_ratio = ratio(*loop)
    ours_wall, bare_wall = median_of([c.wall_s for c in ours_p]), median_of([c.wall_s for c in bare_p])
    proc_ratio = ratio(ours_wall, bare_wall)
    cpu = (median_of([c.cpu_s for c in ours_p]), median_of([c.cpu_s for c in bare_p]))
    codes = sorted({c.returncode for c in ours_p})
    requests = f"{len(scenarios)} scenarios, {len(recorded)} requests"
    return [
        Row(
            "runner overhead, in the loop",
            fmt_s(loop[0]),
            fmt_s(loop[1]),
            loop_ratio,
            "<= 1.10x",
            at_most(loop_ratio, 1.10),
            f"{requests}; median of {repeats}; client-thread CPU {loop_cpu[0]:.3f} s vs {loop_cpu[1]:.3f} s "
            f"({ratio(*loop_cpu) or 0:.2f}x); first (cold) runner loop {fmt_s(cold.wall_s)}; replay status "
            f"mismatches {mismatches}",
        ),
        Row(
            "runner overhead, as a process",
            fmt_s(ours_wall),
            fmt_s(bare_wall),
            proc_ratio,
            "<= 2x",
            at_most(proc_ratio, 2.0),
            f"`run --no-fuzz --target` vs `replay.py`; median of {repeats}; CPU {cpu[0]:.2f} s vs "
            f"{cpu[1]:.2f} s; exit codes {codes} (4: CONTRACT-* not run without fuzzing)",
        ),
    ]


if __name__ == "__main__":
    standalone(rows, __doc__)
