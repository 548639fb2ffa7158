"""Verdicts and how they combine: one vocabulary for scenarios, requirements and exit codes."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Verdict(enum.StrEnum):
    """The outcome of a scenario or a requirement."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    INCONCLUSIVE = "inconclusive"
    NOT_APPLICABLE = "not-applicable"
    NOT_TESTED = "not-tested"  # untestable over HTTP: the catalogue says why
    WAIVED = "waived"  # a failure accepted by an active waiver (``--waivers``); never set by judging
    NOT_RUN = "not-run"  # testable, but not (fully) run in this run: deselected, --no-fuzz, ...


# Worst first. A requirement is as bad as its worst scenario: one failure outweighs any number of
# passes, and an error means we could not tell, which outweighs inconclusive and pass.
_SEVERITY = {
    Verdict.FAIL: 7,
    Verdict.ERROR: 6,
    Verdict.INCONCLUSIVE: 5,
    Verdict.WAIVED: 4,
    Verdict.PASS: 3,
    Verdict.NOT_RUN: 2,
    Verdict.NOT_APPLICABLE: 1,
    Verdict.NOT_TESTED: 0,
}


def worst(verdicts: Iterable[Verdict], *, empty: Verdict = Verdict.NOT_TESTED) -> Verdict:
    """The most severe verdict of ``verdicts``; ``empty`` when there are none."""
    items = list(verdicts)
    if not items:
        return empty
    return max(items, key=_SEVERITY.__getitem__)


class ExitCode(enum.IntEnum):
    """Exit codes of ``klanten-conformance run``; documented in the README, keep them stable."""

    CONFORMANT = 0
    NON_CONFORMANT = 1
    USAGE_OR_FORMAT = 2
    TARGET_OR_TOOL_ERROR = 3
    INCONCLUSIVE = 4
    # Nothing failed, errored or went unrun, but the run cannot claim "conformant": a contract-only
    # run, a custom contract, fuzzing below the floor, or active waivers (conformance.claims).
    QUALIFIED = 5
    INTERRUPTED = 130


def verdict_for_exit(verdict: Verdict, level: str, *, strict: bool = False) -> Verdict:
    """How a requirement's verdict weighs on the exit code (RFC 2119 levels).

    A failed SHOULD requirement is a warning: reported, but the run stays conformant (exit 0)
    unless ``strict``. A MUST failure always makes the run non-conformant.
    """
    if verdict is Verdict.FAIL and level == "SHOULD" and not strict:
        return Verdict.PASS
    return verdict


def exit_code_for(requirement_verdicts: Iterable[Verdict], *, partial: bool = False) -> ExitCode:
    """Map the requirement verdicts of a finished run to the process exit code.

    ``partial``: a testable MUST requirement was not run, so the run cannot say "conformant".
    """
    overall = worst(requirement_verdicts)
    if overall is Verdict.FAIL:
        return ExitCode.NON_CONFORMANT
    if overall is Verdict.ERROR:
        return ExitCode.TARGET_OR_TOOL_ERROR
    if overall is Verdict.INCONCLUSIVE or partial:
        return ExitCode.INCONCLUSIVE
    return ExitCode.CONFORMANT
