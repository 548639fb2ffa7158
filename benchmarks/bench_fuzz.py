"""Cases per second of our fuzz session beside ``st run`` on the same spec, target and budget.

    python benchmarks/bench_fuzz.py [--budget N] [--phases examples,coverage,fuzzing] [--seed S]

Both sides run the schemathesis engine single-worker against a fresh embedded reference server with
the same seed, phases, max-examples, request timeout and checks. Ours runs one engine per operation
(one pytest item each) plus the auth-probe unit, which this benchmark leaves out; ``st run`` runs one
engine over all operations. The token reaches ``st`` through an environment-substituted config file,
never argv. Figures only, no asserts.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conformance.auth import SchemeAuth
from conformance.config import Settings
from conformance.evidence import Redactor
from conformance.fuzz import AUTH_UNIT, FuzzSession, SimpleContext
from conformance.fuzz.options import CHECK_REQUIREMENTS, REFUSAL_STATUSES
from conformance.reference import ReferenceServer
from conformance.resources import specs_dir

SPEC = specs_dir() / "klantinteracties-v1" / "openapi.yaml"
ST = Path(sys.executable).with_name("st")


def ours(budget: int, phases: str, seed: int) -> tuple[int, int, float]:
    with ReferenceServer() as server:
        settings = Settings(
            token=server.token, fuzz_budget=budget, fuzz_phases=phases, seed=seed, fuzz_max_time=3600
        )
        ctx = SimpleContext(
            settings=settings,
            auth=SchemeAuth(server.token),
            redactor=Redactor.for_secrets([server.token]),
            target_url=server.root_url,
            spec_path=SPEC,
        )
        session = FuzzSession(ctx)
        units = [u for u in session.units() if u != AUTH_UNIT]
        started = time.perf_counter()
        outcomes = [session.run_unit(unit) for unit in units]
        elapsed = time.perf_counter() - started
        session.finish()
    return sum(o.cases for o in outcomes), sum(len(o.findings) for o in outcomes), elapsed


def schemathesis_cli(budget: int, phases: str, seed: int) -> tuple[int, int, float]:
    with ReferenceServer() as server, tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "schemathesis.toml"
        # Same determinism settings as ours: no example database, no on-disk cache (it would also
        # leave a .schemathesis/ folder behind).
        config.write_text(
            'headers = { Authorization = "Token ${KC_BENCH_TOKEN}" }\n[cache]\nenabled = false\n',
            encoding="utf-8",
        )
        command = [
            str(ST), "--config-file", str(config), "run", str(SPEC), "--url", server.root_url,
            "-n", str(budget), "--seed", str(seed), "--phases", phases, "--workers", "1",
            "--request-timeout", "30", "--continue-on-failure", "--generation-database", "none",
            "--checks", ",".join(CHECK_REQUIREMENTS),
        ]  # fmt: skip
        env = {**os.environ, "KC_BENCH_TOKEN": server.token}
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False, cwd=tmp)
        elapsed = time.perf_counter() - started
    match = re.search(r"(\d+) generated", result.stdout)
    failures = re.search(r"(\d+) unique failure", result.stdout)
    if match is None:
        print(result.stdout[-2000:], result.stderr[-2000:])
        return 0, 0, elapsed
    return int(match.group(1)), int(failures.group(1)) if failures else 0, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--budget", type=int, default=5)
    parser.add_argument("--phases", default="examples,coverage,fuzzing")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"spec {SPEC.name}, budget {args.budget}, phases {args.phases}, seed {args.seed}, workers 1")
    print(f"negative_data_rejection expected statuses: {', '.join(map(str, REFUSAL_STATUSES))}")
    print(f"{'runner':<28}{'cases':>8}{'findings':>10}{'wall s':>9}{'cases/s':>9}")
    for name, run in (("klanten-conformance fuzz", ours), ("st run (CLI)", schemathesis_cli)):
        cases, findings, elapsed = run(args.budget, args.phases, args.seed)
        rate = cases / elapsed if elapsed else 0.0
        print(f"{name:<28}{cases:>8}{findings:>10}{elapsed:>9.1f}{rate:>9.0f}")


if __name__ == "__main__":
    main()
