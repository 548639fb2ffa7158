"""Fuzz throughput: cases per second of our fuzz session beside ``st run``, same spec and budget.

    python benchmarks/bench_fuzz.py [--quick] [--budget N] [--phases LIST] [--seed S]

Both sides run single-worker against a fresh embedded reference served by a separate process
(``klanten-conformance serve``), with the same spec, seed, phases, max-examples, request timeout and
checks (and every phase on every operation, as ``st run`` does). ``st run`` also gets the contract
as our generator reads it (discriminators applied, the profile's identifier formats hinted) and,
through a hooks module, the same format strategies and Hypothesis' utf-8 table: both sides generate
and send the same kind of requests, so the ratio compares the drivers, not two workloads. Ours is
driven through the public ``FuzzSession`` API (``units()``, ``run_unit()``, ``finish()``), without
the auth-probe unit, which ``st run`` has no counterpart for; its time is the units' (spec loading
and the cleanup in ``finish()`` are outside it). ``st run``'s time is the test time it prints itself
("... in 13.30s": its interpreter start and spec loading are outside it), its process wall time is
in the note. The token reaches ``st`` through an environment-substituted config file, never argv.
Ratio = our cases/s / st's cases/s (goal >= 1.2x). Figures only, no asserts.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlib import Row, at_least, clean_env, median_of, render, run_child, served_reference

from conformance.auth import SchemeAuth
from conformance.config import Settings
from conformance.evidence import Redactor
from conformance.fuzz import AUTH_UNIT, FuzzSession, SimpleContext
from conformance.fuzz.options import CHECK_REQUIREMENTS
from conformance.resources import specs_dir

SPEC = specs_dir() / "klantinteracties-v1" / "openapi.yaml"
ST = str(Path(sys.executable).with_name("st"))
PHASES = "examples,coverage,fuzzing"
QUICK_PHASES = "examples,fuzzing"  # the coverage phase is most of the cases
# ``st run`` runs every phase on every operation; where our default leaves the coverage phase out
# for some operations (PUT/PATCH of one resource), the benchmark turns that back on: the same work.
SAME_WORK: dict[str, Any] = (
    {"fuzz_coverage_updates": True} if "fuzz_coverage_updates" in Settings.__dataclass_fields__ else {}
)
# Loaded by ``st`` (SCHEMATHESIS_HOOKS): our identifier formats, and the utf-8 table ours writes.
_HOOKS = """
from conformance.fuzz import formats, unicode
formats.register()
unicode.prime_utf8_table()
"""


def _our_contract(directory: Path) -> Path:
    """The contract as our generator reads it, for ``st run``: discriminators applied, formats hinted."""
    from conformance.discriminator import load_document
    from conformance.fuzz.formats import with_formats
    from conformance.profiles import load_profile

    hints = dict(load_profile("klantinteracties-v1").fuzz_formats)
    path = directory / "contract.json"
    path.write_text(json.dumps(with_formats(load_document(SPEC), hints)), encoding="utf-8")
    (directory / "kc_bench_hooks.py").write_text(_HOOKS, encoding="utf-8")
    return path


@dataclass(frozen=True)
class Throughput:
    cases: int
    findings: int
    seconds: float  # what the rate is computed from
    wall_s: float  # the whole measured side, for the note
    cpu_s: float  # CPU time of the fuzzing side (the server runs in another process)

    @property
    def rate(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


def ours(budget: int, phases: str, seed: int) -> Throughput:
    with served_reference() as server:
        started = time.perf_counter()
        settings = Settings(
            target_url=server.root_url,
            token=server.token,
            fuzz_budget=budget,
            fuzz_phases=phases,
            seed=seed,
            fuzz_max_time=3600,
            **SAME_WORK,
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
        begun, cpu = time.perf_counter(), _cpu()
        outcomes = [session.run_unit(unit) for unit in units]
        elapsed, cpu = time.perf_counter() - begun, _cpu() - cpu
        session.finish()
        wall = time.perf_counter() - started
    cases, findings = sum(o.cases for o in outcomes), sum(len(o.findings) for o in outcomes)
    return Throughput(cases, findings, elapsed, wall, cpu)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def schemathesis_cli(budget: int, phases: str, seed: int) -> Throughput:
    with served_reference() as server, tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "schemathesis.toml"
        # Same determinism settings as ours: no example database, no on-disk cache (it would also
        # leave a .schemathesis/ folder behind).
        config.write_text(
            'headers = { Authorization = "Token ${KC_BENCH_TOKEN}" }\n[cache]\nenabled = false\n',
            encoding="utf-8",
        )
        contract = _our_contract(Path(tmp))
        command = [
            ST, "--config-file", str(config), "run", str(contract), "--url", server.root_url,
            "-n", str(budget), "--seed", str(seed), "--phases", phases, "--workers", "1",
            "--request-timeout", "30", "--continue-on-failure", "--generation-database", "none",
            "--checks", ",".join(CHECK_REQUIREMENTS),
        ]  # fmt: skip
        hooks = {"SCHEMATHESIS_HOOKS": "kc_bench_hooks", "PYTHONPATH": tmp}
        child = run_child(command, env=clean_env(KC_BENCH_TOKEN=server.token, **hooks), cwd=Path(tmp))
    generated = re.search(r"(\d+) generated", child.stdout)
    failures = re.search(r"(\d+) unique failure", child.stdout)
    own_time = re.search(r" in ([\d.]+)s =+\s*$", child.stdout)
    if generated is None:
        print(child.stdout[-2000:], child.stderr[-2000:])
        return Throughput(0, 0, child.wall_s, child.wall_s, child.cpu_s)
    seconds = float(own_time.group(1)) if own_time else child.wall_s
    return Throughput(
        int(generated.group(1)), int(failures.group(1)) if failures else 0, seconds, child.wall_s, child.cpu_s
    )


def rows(quick: bool, budget: int | None = None, phases: str | None = None, seed: int = 1) -> list[Row]:
    budget = budget or (5 if quick else 10)
    phases = phases or (QUICK_PHASES if quick else PHASES)
    mine: list[Throughput] = []
    theirs: list[Throughput] = []
    for index in range(1 if quick else 2):  # ours, st; then st, ours: a drifting load hits both alike
        sides = [(ours, mine), (schemathesis_cli, theirs)]
        for measure, into in sides if index % 2 == 0 else reversed(sides):
            into.append(measure(budget, phases, seed))
    rate, base = median_of([t.rate for t in mine]), median_of([t.rate for t in theirs])
    ratio = rate / base if base else None
    cpu_rate = median_of([t.cases / t.cpu_s for t in mine if t.cpu_s])
    cpu_base = median_of([t.cases / t.cpu_s for t in theirs if t.cpu_s])
    last, other = mine[-1], theirs[-1]
    return [
        Row(
            "fuzz throughput (cases/s)",
            f"{rate:.0f}/s",
            f"{base:.0f}/s",
            ratio,
            ">= 1.2x",
            at_least(ratio, 1.2),
            f"budget {budget}, phases {phases}, seed {seed}, 1 worker, median of {len(mine)}; ours "
            f"{last.cases} cases in {last.seconds:.1f} s ({last.findings} findings, {last.wall_s:.1f} s with "
            f"spec loading and cleanup); st run {other.cases} cases in {other.seconds:.1f} s by its own "
            f"clock ({other.wall_s:.1f} s as a process, {other.findings} failures by its default rules); "
            f"per CPU second: ours {cpu_rate:.0f}, st {cpu_base:.0f} (its process start included)",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help=f"budget 5, phases {QUICK_PHASES}")
    parser.add_argument("--budget", type=int, default=None, help="max examples per operation (default 10)")
    parser.add_argument("--phases", default=None, help=f"default {PHASES}")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(render(rows(args.quick, args.budget, args.phases, args.seed)))


if __name__ == "__main__":
    main()
