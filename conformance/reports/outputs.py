"""Write every output of a finished run beside the JSON report: HTML, badge, run record, bundle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.evidence import curl
from conformance.loader import scenario_files
from conformance.profiles import Profile
from conformance.report import REPORT_NAME, RunRecorder
from conformance.reports.badge import BADGE_NAME, write_badge
from conformance.reports.bundle import BUNDLE_NAME, RECORD_NAME, BundleContents, run_record, write_bundle
from conformance.reports.failure import failing_exchange
from conformance.reports.html import REPORT_HTML, render_html, write_html
from conformance.resources import data_root, specs_dir
from conformance.session import RunContext
from conformance.verdicts import Verdict


def reproductions(recorder: RunRecorder) -> dict[str, dict[str, str]]:
    """A redacted curl of the request each non-passing scenario is about."""
    out = {}
    for result in recorder.scenarios:
        if result.verdict is Verdict.PASS:
            continue
        exchange = failing_exchange(result.exchanges, getattr(result.failure, "step", None))
        if exchange is not None:
            out[result.scenario_id] = {"step": exchange.step, "curl": curl(exchange)}
    return out


def write_outputs(report: dict[str, Any], ctx: RunContext) -> dict[str, Path]:
    """HTML report, badge and run record into the report folder; returns their paths by name."""
    report_dir = ctx.settings.report_dir
    evidence = {s.scenario_id: [e.to_dict() for e in s.exchanges] for s in ctx.recorder.scenarios}
    html = render_html(report, ctx.catalogue, evidence, reproductions(ctx.recorder))
    record = run_record(ctx.recorder, profile=ctx.profile.name, catalogues=ctx.profile.catalogues)
    scrub = ctx.redactor.text  # the last pass where bytes leave the process (see ``write_report``)
    (report_dir / RECORD_NAME).write_text(
        scrub(json.dumps(record, indent=2, ensure_ascii=False)), encoding="utf-8"
    )
    return {
        "html": write_html(scrub(html), report_dir),
        "badge": write_badge(report, report_dir),
    }


def bundle_run(
    report_dir: Path, *, spec_path: Path, profile: Profile, waivers: Path | None, junit: Path
) -> Path:
    """``conformance-bundle.zip`` from the written outputs (call after JUnit is written)."""
    contents = BundleContents()
    for name in (REPORT_NAME, REPORT_HTML, BADGE_NAME, RECORD_NAME):
        contents.add_file(name, report_dir / name)
    if junit.is_file():
        contents.add_file("junit.xml", junit)
    for path in sorted((report_dir / "evidence").glob("*.json")):
        contents.add_file(f"evidence/{path.name}", path)
    contents.add_file(f"contract/{spec_path.name}", spec_path)
    for name in profile.catalogues:
        contents.add_file(f"catalogues/{name}.yaml", specs_dir() / "requirements" / f"{name}.yaml")
    for path in scenario_files([profile.scenarios_path]):
        try:
            name = path.resolve().relative_to(data_root().resolve()).as_posix()
        except ValueError:
            name = f"scenarios/{path.name}"
        contents.add_file(name, path)
    if waivers is not None:
        contents.add_file(f"waivers/{waivers.name}", waivers)
    return write_bundle(contents, report_dir / BUNDLE_NAME)
