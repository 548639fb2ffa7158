"""Collects the variant × requirement verdicts of the self-test and renders the kill matrix."""

from __future__ import annotations

from conformance.verdicts import Verdict

_ROWS: dict[str, dict[str, Verdict]] = {}
_SYMBOL = {
    Verdict.PASS: ".",
    Verdict.FAIL: "X",
    Verdict.ERROR: "E",
    Verdict.INCONCLUSIVE: "?",
    Verdict.NOT_RUN: "-",
}


def record(variant: str, verdicts: dict[str, Verdict]) -> None:
    _ROWS[variant] = verdicts


def export() -> dict[str, dict[str, str]]:
    """The rows as plain data (an xdist worker sends them to the controller)."""
    return {variant: {rid: v.value for rid, v in row.items()} for variant, row in _ROWS.items()}


def absorb(rows: dict[str, dict[str, str]]) -> None:
    """Rows another process recorded (``export``)."""
    for variant, row in rows.items():
        _ROWS[variant] = {rid: Verdict(v) for rid, v in row.items()}


def render() -> str:
    """``X`` = fail (caught), ``.`` = pass, ``E`` = error, ``?`` = inconclusive, ``-`` = not run
    (a contract requirement without fuzzing), blank = not decided."""
    if not _ROWS:
        return ""
    seen = dict.fromkeys(rid for row in _ROWS.values() for rid in row)  # rows of several profiles
    columns = [rid for rid in seen if any(row.get(rid) in _SYMBOL for row in _ROWS.values())]
    short = [c.replace("KLOK01-", "").replace("CONTRACT-", "C-").replace("IDENT-", "I-") for c in columns]
    width = max(len(v) for v in _ROWS) + 2
    lines = [" " * width + " ".join(f"{s:>4}" for s in short)]
    for variant, row in sorted(_ROWS.items()):  # the same order whichever worker recorded a row
        cells = " ".join(f"{_SYMBOL.get(row.get(c, Verdict.NOT_TESTED), ' '):>4}" for c in columns)
        lines.append(f"{variant:<{width}}{cells}")
    return "\n".join(lines)
