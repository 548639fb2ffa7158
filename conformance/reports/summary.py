"""A Markdown summary of a report, for a CI job summary (``$GITHUB_STEP_SUMMARY``) or a job log."""

from __future__ import annotations

from html import escape
from typing import Any

from conformance.readings import reading_line
from conformance.reports.badge import outcome


def markdown_summary(report: dict[str, Any]) -> str:
    """Verdict line, totals, the requirements that are not passing, waiver problems."""
    verdict = outcome(report["exit_code"], report)
    spec = report["spec"]
    lines = [
        f"## klanten-conformance: **{verdict}** ({report['profile']})",
        "",
        f"Target `{report['target']}`, contract {spec.get('title')} {spec.get('version')}, "
        f"suite {report['suite']['version']}, finished {report['finished_at']}, "
        f"exit code {report['exit_code']}. KLOK01 reading: {reading_line(report)}.",
        "",
        "| verdict | requirements |",
        "|---|---|",
    ]
    for name, count in sorted(report["totals"]["requirements"].items()):
        lines.append(f"| {name} | {count} |")
    notable = [
        r
        for r in report["requirements"]
        if r["verdict"] in ("fail", "error", "inconclusive", "waived")
        or (r.get("contested") and r["warning"])
    ]
    if notable:
        lines += ["", "| requirement | level | verdict | reason |", "|---|---|---|---|"]
        for row in notable:
            # Escaped: a job summary renders HTML, and a reason can quote what the target answered.
            reason = escape(row["reason"].splitlines()[0]).replace("|", "\\|") if row["reason"] else ""
            shown = (
                "contested (warning)" if row.get("contested") and row["verdict"] != "fail" else row["verdict"]
            )
            lines.append(f"| {row['id']} | {row['level']} | {shown} | {reason} |")
    for reason in (report.get("claim") or {}).get("reasons", []):
        lines.append(f"\n**Not a conformance claim:** {escape(reason)}")
    for problem in (report.get("waivers") or {}).get("problems", []):
        lines.append(f"\n**Fails the run:** {escape(problem)}")
    return "\n".join(lines) + "\n"
