"""A diff (and its impact) as JSON (shape: ``report.schema.json`` here) or as Markdown."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.specdiff.changes import Change, SpecDiff
from conformance.specdiff.group import Group, families, group_changes
from conformance.specdiff.impact import Impact

SCHEMA_FILE = Path(__file__).resolve().parent / "report.schema.json"
TOOL = "klanten-conformance spec-diff"
SUMMARY_KEYS = (
    "changes",
    "breaking_for_clients",
    "breaking_for_servers",
    "operations_added",
    "operations_removed",
    "operations_changed",
)


@functools.cache
def report_schema() -> dict[str, Any]:
    """The JSON Schema of ``to_json``'s output (shipped in the package)."""
    with SCHEMA_FILE.open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema


def impact_dict(impact: Impact, new_source: str) -> dict[str, Any]:
    return {
        "profile": impact.profile,
        "covered": impact.note is None,
        "note": impact.note,
        "scenarios_touched": impact.touched(),
        "scenarios_breaking": impact.broken(),
        "requirements": impact.requirements(),
        "untested_requirements": impact.untested_requirements(),
        "hits": [
            {"change": h.change, "scenario": h.scenario, "breaks": h.breaks, "reason": h.reason}
            for h in impact.hits
        ],
        "rerun": impact.rerun_command(new_source),
    }


def to_json(diff: SpecDiff, impact: Impact | None = None) -> dict[str, Any]:
    """The machine-readable report."""
    return {
        "tool": {"name": TOOL, "version": __version__},
        "old": diff.old.to_dict(),
        "new": diff.new.to_dict(),
        "summary": diff.summary(),
        "changes": [{"id": i, **c.to_dict()} for i, c in enumerate(diff.changes)],
        "groups": [g.to_dict(diff.changes) for g in group_changes(diff.changes)],
        "impact": impact_dict(impact, diff.new.source) if impact is not None else None,
    }


def _value(value: Any, limit: int = 60) -> str:
    if value is None:
        return "–"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _yes(flag: bool) -> str:
    return "**yes**" if flag else "no"


def _change_row(index: int, change: Change) -> str:
    field = f"`{change.field}`" if change.field else ""
    what = f"{change.kind}: {_value(change.old)} → {_value(change.new)}"
    return (
        f"| {index} | {change.location} | {field} | {what} | "
        f"{_yes(change.breaking_for_clients)} | {_yes(change.breaking_for_servers)} |"
    )


_TABLE_HEAD = [
    "| # | where | field | change | breaks clients | breaks servers |",
    "|---|---|---|---|---|---|",
]


def to_markdown(diff: SpecDiff, impact: Impact | None = None) -> str:
    """The report for people: summary, changes per operation, then the impact on the scenarios."""
    summary = diff.summary()
    counts = " | ".join(str(summary[k]) for k in SUMMARY_KEYS)
    lines = [
        f"# Spec diff: {diff.old.title} {diff.old.version} → {diff.new.title} {diff.new.version}",
        "",
        f"- old: `{diff.old.source}`",
        f"- new: `{diff.new.source}`",
        "",
        "| changes | breaking for clients | breaking for servers | operations added | "
        "operations removed | operations changed |",
        "|---|---|---|---|---|---|",
        f"| {counts} |",
        "",
        "A change *breaks clients* when a client written for the old contract can fail against a server "
        "of the new one; it *breaks servers* when a server implementing the old contract no longer "
        "conforms to the new one.",
    ]
    groups = group_changes(diff.changes)
    grouped = {i for g in groups for i in g.changes}
    if groups:
        lines += ["", *_groups_markdown(diff, groups)]
    by_operation: dict[str, list[tuple[int, Change]]] = {}
    for index, change in enumerate(diff.changes):
        by_operation.setdefault(change.operation or "(document)", []).append((index, change))
    lines += ["", "## Changes by operation"]
    if not by_operation:
        lines += ["", "No differences."]
    for operation, changes in by_operation.items():
        ids = {c.operation_id or c.old_operation_id for _, c in changes} - {None}
        title = f"{operation} ({', '.join(sorted(str(i) for i in ids))})" if ids else operation
        own = [(index, change) for index, change in changes if index not in grouped]
        lines += ["", f"### {title}"]
        if own:
            lines += ["", *_TABLE_HEAD, *(_change_row(index, change) for index, change in own)]
        if len(own) < len(changes):
            lines += ["", f"And {len(changes) - len(own)} change(s) from shared components (above)."]
    if impact is not None:
        lines += ["", *_impact_markdown(diff, impact)]
    return "\n".join(lines) + "\n"


def _groups_markdown(diff: SpecDiff, groups: list[Group]) -> list[str]:
    """Each change repeated from a shared component once, with how many places it affects."""
    places = sum(len(g.changes) for g in groups)
    lines = [
        "## Changes from shared components",
        "",
        f"{places} of the {len(diff.changes)} changes repeat {len(groups)} change(s) of component "
        "fields in every operation and body using them; each is listed once here, not per operation.",
        "",
        "| field | components | change | places | operations | breaks clients | breaks servers |",
        "|---|---|---|---|---|---|---|",
    ]
    for family in families(groups):
        first = family[0]
        names = [g.component.split(".", 1)[0] for g in family]
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        count = sum(len(g.changes) for g in family)
        operations = {op for g in family for op in g.operations(diff.changes)}
        breaking = [g.breaking(diff.changes) for g in family]
        what = f"{first.kind}: {_value(first.old)} → {_value(first.new)}"
        lines.append(
            f"| `{first.field}` | {shown} | {what} | {count} | {len(operations)} | "
            f"{_yes(any(b['clients'] for b in breaking))} | {_yes(any(b['servers'] for b in breaking))} |"
        )
    return lines


def _impact_markdown(diff: SpecDiff, impact: Impact) -> list[str]:
    lines = [f"## Impact on the scenarios of {impact.profile}", ""]
    if impact.note is not None:
        return [*lines, impact.note[:1].upper() + impact.note[1:] + "."]
    if not impact.hits:
        return [*lines, "No scenario uses anything that changed."]
    broken = impact.broken()
    lines.append(f"{len(impact.touched())} scenario(s) touched, {len(broken)} would break.")
    if broken:
        lines += ["", "### Scenarios that would break", ""]
        for scenario in broken:
            reasons = sorted({h.reason for h in impact.hits if h.scenario == scenario and h.breaks})
            requirements = ", ".join(impact.verifies.get(scenario, ()))
            lines.append(f"- **{scenario}** ({requirements}): " + "; ".join(reasons))
    lines += ["", "### Requirements", "", "| requirement | scenarios touched | breaking | left untested |"]
    lines.append("|---|---|---|---|")
    for row in impact.requirements():
        lines.append(
            f"| {row['id']} | {', '.join(row['touched'])} | {', '.join(row['breaking']) or '–'} | "
            f"{_yes(row['left_untested'])} |"
        )
    untested = impact.untested_requirements()
    lines += ["", f"Requirements left untested: {', '.join(untested) if untested else 'none'}."]
    lines += ["", "### Touched scenarios", "", "| scenario | changes | reason (first) |", "|---|---|---|"]
    for scenario in impact.touched():
        hits = [h for h in impact.hits if h.scenario == scenario]
        first = next((h for h in hits if h.breaks), hits[0])
        numbers = ", ".join(str(h.change) for h in hits[:12]) + (" …" if len(hits) > 12 else "")
        lines.append(f"| {scenario} | {numbers} | {_value(first.reason, 100)} |")
    command = impact.rerun_command(diff.new.source)
    if command:
        lines += [
            "",
            "### How the touched scenarios fare under the new contract",
            "",
            "Run them against the embedded reference server (or your target) with the new contract:",
            "",
            "```sh",
            command,
            "```",
        ]
    return lines
