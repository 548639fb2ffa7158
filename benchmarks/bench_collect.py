"""Collection: 200 generated scenarios plus the spec, through the plugin; and spec loading alone.

    python benchmarks/bench_collect.py [--quick]

The scenarios are valid copies of the shipped klantinteracties-v1 files with new ids, written to a
temporary directory. They are collected by ``pytest --collect-only`` in a subprocess, with the
options ``klanten-conformance run`` gives pytest (``-c run.ini``, ``--rootdir``) and fuzzing on (so
the contract collects as fuzz items, one per operation, which loads the spec). The baseline is the
same command with the spec alone; (ours - baseline) / 200 is the cost of one scenario. Spec loading
(the contract validator the scenarios use and the fuzz plan), each timed in a fresh interpreter, is a
second row: that is what a run pays before its first item. Figures only, no asserts.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from benchlib import PYTHON, Row, clean_env, fmt_s, median_of, ratio, run_child, standalone, warm_up

from conformance.config import Settings
from conformance.loader import scenario_files
from conformance.resources import package_file

PROFILE = "klantinteracties-v1"
COUNT = 200
_ID = re.compile(r"^id: *(\S+) *$", re.MULTILINE)


def generate(target: Path, count: int = COUNT) -> list[Path]:
    """``count`` valid scenario files: the profile's own, cycled, each with a new id."""
    profile = Settings(profile=PROFILE).load_profile()
    sources = list(scenario_files([profile.scenarios_path]))
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(count):
        source = sources[index % len(sources)]
        text, replaced = _ID.subn(rf"id: \g<1>-gen{index:04d}", source.read_text("utf-8"), count=1)
        if replaced != 1:
            raise ValueError(f"{source}: no top-level `id:` line to rename")
        path = target / f"gen{index:04d}-{source.name}"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def collect(paths: list[Path], rootdir: Path) -> tuple[float, int, str]:
    """Wall time of ``pytest --collect-only`` over ``paths`` (fuzzing on) and the items it counted."""
    command = [
        PYTHON, "-m", "pytest", *map(str, paths), "-c", str(package_file("run.ini")),
        "--rootdir", str(rootdir), "--collect-only", "-q",
    ]  # fmt: skip
    child = run_child(command, env=clean_env(KLANTEN_CONFORMANCE_FUZZ="true"), cwd=rootdir)
    found = re.search(r"(\d+) tests? collected", child.stdout)
    if child.returncode != 0 or found is None:
        return child.wall_s, 0, (child.stdout + child.stderr)[-1500:]
    return child.wall_s, int(found.group(1)), ""


SPEC_LOAD_CHILD = """
import json, time
t0 = time.perf_counter()
from conformance.config import Settings
from conformance.contract import ContractValidator
from conformance.evidence import Redactor
from conformance.fuzz.fuzzer import plan
from conformance.fuzz.options import FuzzOptions
t1 = time.perf_counter()
settings = Settings(profile=%r, fuzz=True)
profile = settings.load_profile()
ContractValidator.for_profile(profile.spec_path, "http://127.0.0.1:9/api", Redactor(), profile)
t2 = time.perf_counter()
plan(profile.spec_path, FuzzOptions.from_settings(settings))
t3 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "contract": t2 - t1, "fuzz_plan": t3 - t2}))
"""


def spec_loading(repeats: int) -> dict[str, float]:
    """Median seconds of the imports, the contract validator and the fuzz plan, each fresh process."""
    runs = []
    for _ in range(repeats):
        child = run_child([PYTHON, "-c", SPEC_LOAD_CHILD % PROFILE], env=clean_env())
        runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
    return {key: median_of([r[key] for r in runs]) for key in runs[0]}


def rows(quick: bool) -> list[Row]:
    warm_up()
    repeats = 1 if quick else 3
    spec = Settings(profile=PROFILE).load_profile().spec_path
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        scenarios = root / "scenarios"
        generate(scenarios)
        with_s, alone = [], []
        items = base_items = 0
        problem = ""
        for _ in range(repeats):
            wall, items, problem = collect([scenarios, spec], root)
            with_s.append(wall)
            wall, base_items, _ = collect([spec], root)
            alone.append(wall)
    ours, base = median_of(with_s), median_of(alone)
    per = (ours - base) / COUNT
    loading = spec_loading(repeats)
    total = sum(loading.values())
    return [
        Row(
            f"collection: {COUNT} scenarios + spec",
            fmt_s(ours),
            fmt_s(base),
            ratio(ours, base),
            note=f"baseline: the spec alone ({base_items} fuzz items); {items} items collected; "
            f"{per * 1000:.1f} ms per scenario; median of {repeats}"
            + (f"; PROBLEM: {problem}" if problem else ""),
        ),
        Row(
            "spec loading before the first item",
            fmt_s(total),
            note=f"fresh interpreter, median of {repeats}: imports {fmt_s(loading['imports'])}, contract "
            f"validator {fmt_s(loading['contract'])}, fuzz plan {fmt_s(loading['fuzz_plan'])}",
        ),
    ]


if __name__ == "__main__":
    standalone(rows, __doc__)
