"""Time to catch: the whole kill matrix, every broken variant in every profile it applies to.

    python benchmarks/bench_catch.py [--quick]

For every (profile, variant) pair of the embedded reference (``conformance.reference.variants``;
the same pairs as ``tests/selftest/test_kill_matrix.py``), ``klanten-conformance run --profile P
--reference-variant V`` with default settings otherwise (scenarios and fuzzing), one after another
(each run spreads its own fuzzing over the cores). The figure is the total wall time; the note
says how many variants were caught, i.e. every requirement the variant claims to break read
``fail`` in its report (the reference: exit code 0), and names any that were not. ``--quick``
fuzzes with budget 1 (examples and fuzzing only) and judges no goal. Figures only, no asserts.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from benchlib import CLI, Row, at_most, clean_env, fmt_s, run_child, standalone, warm_up

from conformance.profiles import available_profiles, load_profile
from conformance.reference.variants import variants_for

QUICK_FUZZ = ["--fuzz-budget", "1", "--fuzz-phases", "examples,fuzzing"]


def pairs() -> list[tuple[str, str, frozenset[str]]]:
    """(profile, variant, the requirement ids it claims to break) for every pair."""
    return [
        (profile, name, frozenset(variant.breaks_in(profile)))
        for profile in available_profiles()
        if load_profile(profile).reference is not None
        for name, variant in sorted(variants_for(profile).items())
    ]


def caught(report: dict[str, object], breaks: frozenset[str]) -> bool:
    """Every claimed requirement failed; the reference (no claim) gets a clean exit."""
    verdicts = {r["id"]: r["verdict"] for r in report.get("requirements", [])}  # type: ignore[attr-defined]
    if not breaks:
        return report.get("exit_code") == 0
    return all(verdicts.get(rid) == "fail" for rid in breaks)


def rows(quick: bool) -> list[Row]:
    warm_up()
    total = cpu = 0.0
    missed: list[str] = []
    slowest = ("", 0.0)
    for profile, variant, breaks in pairs():
        with tempfile.TemporaryDirectory() as tmp:
            command = [CLI, "run", "--profile", profile, "--reference-variant", variant]
            child = run_child([*command, *(QUICK_FUZZ if quick else [])], env=clean_env(), cwd=Path(tmp))
            report_file = Path(tmp) / "reports" / "conformance-report.json"
            report = json.loads(report_file.read_text()) if report_file.is_file() else {}
        total += child.wall_s
        cpu += child.cpu_s
        slowest = max(slowest, (f"{variant} [{profile}]", child.wall_s), key=lambda item: item[1])
        if not caught(report, breaks):
            missed.append(f"{variant} [{profile}]")
    count = len(pairs())
    what = "quick: fuzz budget 1, examples+fuzzing" if quick else "default settings"
    note = (
        f"{count} (profile, variant) runs one after another, {what}; CPU {cpu:.0f} s; slowest "
        f"{slowest[0]} {fmt_s(slowest[1])}; caught {count - len(missed)}/{count}"
        + (f"; NOT caught: {', '.join(missed)}" if missed else "")
    )
    met = None if quick else at_most(total, 120.0)
    return [Row("time to catch: the whole kill matrix", fmt_s(total), goal="< 2 min", met=met, note=note)]


if __name__ == "__main__":
    standalone(rows, __doc__)
