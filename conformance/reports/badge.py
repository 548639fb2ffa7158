"""``badge.svg``: profile, overall verdict and date, for a README. Plain SVG, no external font."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from conformance.verdicts import ExitCode

BADGE_NAME = "badge.svg"

_OUTCOMES = {
    ExitCode.CONFORMANT: ("conformant", "#2e7d32"),
    ExitCode.NON_CONFORMANT: ("non-conformant", "#c62828"),
    ExitCode.TARGET_OR_TOOL_ERROR: ("error", "#ef6c00"),
    ExitCode.INCONCLUSIVE: ("inconclusive", "#f9a825"),
    ExitCode.QUALIFIED: ("not certification-grade", "#0277bd"),
}


def outcome(exit_code: int, report: dict[str, Any] | None = None) -> str:
    """The overall verdict of a run: its claim (``conformant`` only from a certification-grade run,
    else e.g. ``custom contract``, see conformance.claims), or the word of its exit code."""
    status = ((report or {}).get("claim") or {}).get("status")
    if status:
        return str(status)
    try:
        return _OUTCOMES[ExitCode(exit_code)][0]
    except (KeyError, ValueError):
        return "unknown"


def _width(text: str) -> int:
    return 7 * len(text) + 12  # Verdana 11px averages under 7px a character


def render_badge(report: dict[str, Any]) -> str:
    """An SVG badge: ``<profile> | <verdict> <date>``."""
    colour = _OUTCOMES.get(ExitCode(report["exit_code"]), ("unknown", "#777"))[1]
    verdict = outcome(report["exit_code"], report)
    left = str(report["profile"])
    right = f"{verdict} {str(report['finished_at'])[:10]}"
    lw, rw = _width(left), _width(right)
    label = escape(f"{left}: {right}", quote=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lw + rw}" height="20" role="img" '
        f'aria-label="{label}"><title>{label}</title>'
        f'<rect width="{lw}" height="20" fill="#555"/>'
        f'<rect x="{lw}" width="{rw}" height="20" fill="{colour}"/>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{lw / 2}" y="14">{escape(left)}</text>'
        f'<text x="{lw + rw / 2}" y="14">{escape(right)}</text></g></svg>\n'
    )


def write_badge(report: dict[str, Any], report_dir: Path) -> Path:
    path = report_dir / BADGE_NAME
    path.write_text(render_badge(report), encoding="utf-8")
    return path
