"""``report.html``: the whole report in one self-contained file (no script, style or font fetched).

A municipality opens it from a mail or a zip without a network. Every value from the run (target
answers, scenario messages) is HTML-escaped; the verdict filter is a few lines of inline script
over ``data-verdict`` attributes and the page reads fine without it.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from conformance.catalogue import Catalogue
from conformance.readings import reading_line, where

REPORT_HTML = "report.html"

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4}.v,td:first-child{font-weight:bold;white-space:nowrap}
.pass{color:#17702a}.fail,.error{color:#b00020}.inconclusive{color:#a86400}.waived{color:#0b6e8a}
.not-tested,.not-applicable{color:#777}
blockquote{border-left:4px solid #ccc;margin:.5em 0;padding:.2em .8em;color:#444;font-style:italic}
pre{background:#f7f7f7;padding:6px;overflow-x:auto;white-space:pre-wrap;word-break:break-all;font-size:12px}
details{margin:.4em 0}summary{cursor:pointer}.filters label{margin-right:1em}
dl.h{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dl.h dt{font-weight:bold}
"""

# Filters hide rows and scenarios by verdict; ``report.html#only=fail,error`` opens pre-filtered.
_SCRIPT = """
function apply(){var on={};
document.querySelectorAll('.filters input').forEach(function(b){on[b.value]=b.checked;});
document.querySelectorAll('[data-verdict]').forEach(function(el){el.hidden=!on[el.dataset.verdict];});}
document.querySelectorAll('.filters input').forEach(function(box){box.addEventListener('change',apply);});
var m=/^#only=(.*)$/.exec(location.hash);if(m){var want=decodeURIComponent(m[1]).split(',');
document.querySelectorAll('.filters input').forEach(function(b){b.checked=want.indexOf(b.value)>=0;});
apply();}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _verdict(verdict: str) -> str:
    return f'<span class="v {_e(verdict)}">{_e(verdict)}</span>'


def _header(report: dict[str, Any]) -> str:
    spec = report["spec"]
    fuzz = report["sections"].get("fuzz") or {}
    totals = ", ".join(f"{n} {v}" for v, n in sorted(report["totals"]["requirements"].items()))
    facts = [
        ("suite", f"{report['suite']['name']} {report['suite']['version']}"),
        ("profile", report["profile"]),
        ("target", report["target"]),
        ("contract", f"{spec.get('title')} {spec.get('version')}"),
        ("contract sha256", spec.get("sha256")),
        ("date", f"{report['started_at']} – {report['finished_at']}"),
        ("run id", report.get("run_id", "-")),
        ("seed", fuzz.get("seed", report.get("seed", "-"))),
        ("requirements", totals),
        ("scenarios", ", ".join(f"{n} {v}" for v, n in sorted(report["totals"]["scenarios"].items()))),
        ("contract findings", report["totals"]["contract_findings"]),
        ("exit code", report["exit_code"]),
        ("claim", (report.get("claim") or {}).get("status", "-")),
        ("KLOK01 reading", reading_line(report)),
    ]
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    return f'<section id="header"><dl class="h">{rows}</dl></section>'


def _requirements(report: dict[str, Any]) -> str:
    verdicts = sorted({r["verdict"] for r in report["requirements"]})
    boxes = "".join(
        f'<label><input type="checkbox" value="{_e(v)}" checked> {_e(v)}</label>' for v in verdicts
    )
    rows = "".join(
        f'<tr data-verdict="{_e(r["verdict"])}"><td id="req-{_e(r["id"])}">{_e(r["id"])}</td>'
        f"<td>{_e(r['level'])}</td><td>{_verdict(r['verdict'])}</td><td>{len(r['scenarios'])}</td>"
        f"<td>{_e(r['reason'])}{_contested(r)}</td></tr>"
        for r in report["requirements"]
    )
    return (
        '<section id="requirements"><h2>Requirements</h2>'
        f'<div class="filters">Show: {boxes}</div>'
        "<table><thead><tr><th>id</th><th>level</th><th>verdict</th><th>scenarios</th><th>reason</th>"
        f"</tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _contested(row: dict[str, Any]) -> str:
    """Contested failures of a requirement row: the result, KLOK01's quote and the decisions cited."""
    items = []
    for item in row.get("contested") or ():
        decisions = "".join(
            f"<li>{_e(d['id'])} – {_e(d['title'])} ({_e(d['date'])}): {_e(d['sentence'])} "
            f"<code>{_e(where(d))}</code></li>"
            for d in item["decisions"]
        )
        state = "counted" if item["counted"] else "warning: not counted under this reading"
        items.append(
            f'<details class="contested"><summary>contested ({_e(item["reading"])}, {_e(state)}): '
            f"{_e(item['result'])}</summary><p>KLOK01 {_e(item['klok01']['section'])}: "
            f"<q>{_e(item['klok01']['quote'])}</q></p><p>Literal: {_e(item['literal'])}</p>"
            f"<p>Register: {_e(item['register'])}</p><ul>{decisions}</ul></details>"
        )
    return "".join(items)


def _exchange(exchange: dict[str, Any]) -> str:
    request, response = exchange["request"], exchange.get("response")
    head = f"{request['method']} {request['url']} → " + (
        str(response["status"]) if response else f"error: {exchange.get('error')}"
    )
    body = json.dumps({"request": request, "response": response}, indent=2, ensure_ascii=False)
    return f"<details><summary>{_e(exchange['step'])}: {_e(head)}</summary><pre>{_e(body)}</pre></details>"


def _scenarios(
    report: dict[str, Any],
    catalogue: Catalogue,
    evidence: dict[str, list[dict[str, Any]]],
    reproductions: dict[str, dict[str, str]],
) -> str:
    parts = ['<section id="scenarios"><h2>Scenarios</h2>']
    for scenario in report["scenarios"]:
        sid = scenario["id"]
        quotes = []
        for rid in scenario["verifies"]:
            requirement = catalogue.get(rid)
            if requirement is not None:
                quotes.append(
                    f"<p>{_e(rid)} ({_e(requirement.section)}):</p>"
                    f"<blockquote>{_e(requirement.quote)}</blockquote>"
                )
        parts.append(
            f'<article class="scenario" id="scn-{_e(sid)}" data-verdict="{_e(scenario["verdict"])}">'
            f"<h3>{_e(sid)} {_verdict(scenario['verdict'])}</h3>{''.join(quotes)}"
        )
        if scenario["verdict"] not in ("pass",) and scenario["message"]:
            parts.append(f'<p>Expected vs received:</p><pre class="message">{_e(scenario["message"])}</pre>')
        if "waiver" in scenario:
            parts.append(
                f"<p>Waived: {_e(scenario['waiver']['reason'])} ({_e(scenario['waiver']['ticket'])})</p>"
            )
        repro = reproductions.get(sid)
        if repro:
            parts.append(
                f'<p>Reproduce (step {_e(repro["step"])}):</p><pre class="curl">{_e(repro["curl"])}</pre>'
            )
        exchanges = evidence.get(sid, [])
        parts.append(f"<p>{len(exchanges)} exchange(s):</p>" + "".join(_exchange(x) for x in exchanges))
        parts.append("</article>")
    parts.append("</section>")
    return "".join(parts)


def _findings(report: dict[str, Any]) -> str:
    groups: dict[str, list[dict[str, Any]]] = {}
    for finding in report["contract_findings"]:
        groups.setdefault(finding["requirement"], []).append(finding)
    parts = ['<section id="findings"><h2>Contract findings</h2>']
    if not groups:
        parts.append("<p>No contract finding.</p>")
    for requirement, findings in groups.items():
        parts.append(f"<h3>{_e(requirement)}</h3><ul>")
        for f in findings:
            parts.append(
                f"<li>{_e(f['operation'])} ({_e(f['check'])}, {f.get('occurrences', 1)} occurrence(s), "
                f"from {_e(', '.join(f.get('sources', [f['source']])))}): {_e(f['message'])}"
                + (f"<pre>{_e(f['reproduction'])}</pre>" if f.get("reproduction") else "")
                + "</li>"
            )
        parts.append("</ul>")
    parts.append("</section>")
    return "".join(parts)


def _fuzzing(report: dict[str, Any]) -> str:
    fuzz = report["sections"].get("fuzz")
    if not fuzz:
        return '<section id="fuzzing"><h2>Contract fuzzing</h2><p>Fuzzing did not run.</p></section>'
    cut = f", cut short: {fuzz.get('cut_short_reason')}" if fuzz.get("cut_short") else ""
    rows = "".join(
        f"<tr><td>{_e(name)}</td><td>{_e(unit.get('cases'))}</td><td>{_e(unit.get('requests'))}</td>"
        f"<td>{_e(unit.get('findings'))}</td>"
        f"<td>{_e(unit.get('skipped') or unit.get('error') or '')}</td></tr>"
        for name, unit in (fuzz.get("units") or {}).items()
    )
    return (
        '<section id="fuzzing"><h2>Contract fuzzing</h2>'
        f"<p>Seed {_e(fuzz.get('seed'))}, phases {_e(', '.join(fuzz.get('phases', [])))}, "
        f"{_e(fuzz.get('cases'))} cases{_e(cut)}; "
        f"request log sha256 {_e(fuzz.get('request_log_sha256'))}.</p>"
        "<table><thead><tr><th>unit</th><th>cases</th><th>requests</th><th>findings</th><th>note</th>"
        f"</tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _cleanup_and_waivers(report: dict[str, Any]) -> str:
    cleanup = report["cleanup"]
    fuzz = (report["sections"].get("fuzz") or {}).get("cleanup")
    parts = [
        '<section id="cleanup"><h2>Cleanup</h2>',
        f"<p>Scenarios: {cleanup['succeeded']}/{cleanup['attempted']} removed, "
        f"{cleanup['failed']} failed.</p>",
    ]
    if fuzz:
        parts.append(
            f"<p>Fuzzing: {fuzz['deleted']}/{fuzz['created']} removed, {len(fuzz['failed'])} failed.</p>"
        )
    parts.append('</section><section id="waivers"><h2>Waivers</h2>')
    waivers = report.get("waivers")
    if not waivers:
        parts.append("<p>No waiver file was given.</p>")
    else:
        parts.append(f"<p>{len(waivers['active'])} active waiver(s).</p><ul>")
        for w in waivers["active"]:
            parts.append(
                f"<li>{_e(w['requirement'] or w['scenario'])}: {_e(w['reason'])} "
                f"({_e(w['ticket'])}, expires {_e(w['expires'])})</li>"
            )
        parts.append("</ul>")
        for problem in waivers["problems"]:
            parts.append(f'<p class="fail">Fails the run: {_e(problem)}</p>')
    parts.append("</section>")
    return "".join(parts)


def render_html(
    report: dict[str, Any],
    catalogue: Catalogue,
    evidence: dict[str, list[dict[str, Any]]],
    reproductions: dict[str, dict[str, str]],
) -> str:
    """The report page; ``evidence`` maps scenario ids to exchange dicts, ``reproductions`` to curls."""
    title = f"klanten-conformance report: {report['profile']} – {report['target']}"
    body = (
        _header(report)
        + _requirements(report)
        + _scenarios(report, catalogue, evidence, reproductions)
        + _findings(report)
        + _fuzzing(report)
        + _cleanup_and_waivers(report)
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{_e(title)}</h1>{body}<script>{_SCRIPT}</script></body></html>\n"
    )


def write_html(html: str, report_dir: Path) -> Path:
    path = report_dir / REPORT_HTML
    path.write_text(html, encoding="utf-8")
    return path
