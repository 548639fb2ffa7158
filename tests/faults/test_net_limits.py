"""Issue 22, items 6 and 7: one HTTP limit rule for every client of a run.

A target that drips its *headers* (one byte every 3 s: every read succeeds) must be cut at the
overall request deadline, by ``--max-duration`` and by the first Ctrl-C, and the run must end with
a report. A gzip bomb must be cut at the decoded-size cap by every client, including the plain
``HttpLimits`` clients the fuzzer's auth probe, its cleanup and the drift check use.

A request that hangs is run in a thread joined with a generous safety limit: the limit only turns
a hang (the old behaviour) into a failure; nothing asserts how fast the cut is.
"""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests

from conformance.client import DeadlineExceeded, GuardedTransport, HttpLimits, ResponseTooLarge
from conformance.fuzz.transport import CappedAdapter
from tests.support.faulty_server import BOMB_BYTES, faulty

SAFETY = 120  # seconds: only a hang reaches it


def _outcome(call: Any) -> BaseException | None:
    """Run ``call`` in a thread; the exception it raised (None when it returned)."""
    box: list[BaseException | None] = []

    def target() -> None:
        try:
            call()
            box.append(None)
        except BaseException as exc:  # the outcome under test
            box.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(SAFETY)
    assert not thread.is_alive(), "the request hung past every deadline"
    return box[0]


def test_dripped_headers_are_cut_at_the_overall_deadline() -> None:
    limits = HttpLimits(connect_timeout=1, read_timeout=4)  # 3 s between bytes: no read times out
    with faulty("drip-headers") as server, limits.http_client() as http:
        error = _outcome(lambda: http.get(server.root_url + "/partijen"))
    assert isinstance(error, DeadlineExceeded), repr(error)


def test_dripped_headers_are_cut_for_the_fuzzers_requests_sessions() -> None:
    session = requests.Session()
    session.mount("http://", CappedAdapter(HttpLimits(connect_timeout=1, read_timeout=4)))
    with faulty("drip-headers") as server:
        error = _outcome(lambda: session.get(server.root_url + "/partijen", timeout=(1, 4)))
    assert isinstance(error, requests.exceptions.ReadTimeout), repr(error)
    assert "deadline" in str(error)


def test_a_gzip_bomb_is_cut_at_the_decoded_cap_by_a_plain_client_of_the_run() -> None:
    limits = HttpLimits(max_response_bytes=1024 * 1024)
    assert limits.max_response_bytes < BOMB_BYTES
    with (
        faulty("gzip-bomb") as server,
        limits.http_client() as http,
        pytest.raises(ResponseTooLarge, match="decoded"),
    ):
        http.get(server.root_url + "/partijen").read()


def test_a_gzip_answer_under_the_cap_is_decoded_once() -> None:
    body = {"count": 0, "results": []}
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200,
            headers={"Content-Encoding": "gzip"},
            content=gzip.compress(json.dumps(body).encode()),
        )
    )
    guarded = GuardedTransport(max_response_bytes=1000, request_deadline=5, inner=transport)
    with httpx.Client(transport=guarded) as http:
        response = http.get("http://x/")
    assert response.json() == body and "content-encoding" not in response.headers


def _cli(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "conformance", "run", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    """The run's output; a run still going after ``timeout`` (a hang) is killed and fails the test."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the run hung")


def test_max_duration_ends_a_run_whose_target_drips_its_headers(tmp_path: Path) -> None:
    with faulty("drip-headers") as server:
        proc = _cli("--target-url", server.root_url, "--max-duration", "3", "--report-dir", "r", cwd=tmp_path)
        out, err = _finish(proc, SAFETY * 2)
    assert proc.returncode == 3, out[-2000:] + err[-2000:]
    report = json.loads((tmp_path / "r" / "conformance-report.json").read_text())
    message = report["sections"]["preflight"]["message"]
    # Cut at the run's end; on a machine so loaded that the budget was spent before the probe was
    # sent, the probe gets its own deadline instead (a cleanup after the budget must still run).
    assert "--max-duration" in message or "request deadline" in message, message


def test_the_first_ctrl_c_ends_a_dripping_run_with_a_report(tmp_path: Path) -> None:
    with faulty("drip-headers") as server:
        # A request deadline of over two minutes: only the Ctrl-C can end this run early.
        proc = _cli(
            "--target-url", server.root_url, "--read-timeout", "60", "--report-dir", "r", cwd=tmp_path
        )
        while not server.requests and proc.poll() is None:
            time.sleep(0.1)
        time.sleep(0.5)  # the probe is now waiting for its headers
        proc.send_signal(signal.SIGINT)
        out, err = _finish(proc, SAFETY)
    report = json.loads((tmp_path / "r" / "conformance-report.json").read_text())
    assert "interrupted" in report["sections"]["preflight"]["message"], out[-2000:]
    assert proc.returncode in (3, 130), out[-2000:] + err[-2000:]
