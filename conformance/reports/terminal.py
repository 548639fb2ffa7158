"""Colour for the terminal table: the verdict words only, and only where colour is wanted.

Whether colour is wanted is the terminal writer's decision (``--color``, ``NO_COLOR``,
``FORCE_COLOR``, a terminal or not); ``markup`` is its ``markup`` method.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

VERDICT_COLOURS: dict[str, str] = {
    "pass": "green",
    "fail": "red",
    "error": "red",
    "inconclusive": "yellow",
    "waived": "cyan",
    "not-applicable": "light",
    "not-tested": "light",
}


def colour_table(table: str, report: dict[str, Any], markup: Callable[..., str]) -> str:
    """``table`` (from ``report.terminal_table``) with each row's verdict word coloured."""
    verdicts = {row["id"]: row["verdict"] for row in report["requirements"]}
    lines = []
    for line in table.splitlines():
        first = line.split(" ", 1)[0]
        verdict = verdicts.get(first)
        colour = VERDICT_COLOURS.get(verdict or "")
        if verdict and colour:
            head, sep, tail = line.partition(f" {verdict} ")
            if sep:
                line = f"{head} {markup(verdict, **{colour: True})} {tail}"
        lines.append(line)
    return "\n".join(lines)
