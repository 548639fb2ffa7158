"""One entry point for the CLI: two sources (paths or URLs) → the diff and its impact on a profile."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.loader import load_scenario, scenario_files
from conformance.profiles import Profile
from conformance.specdiff.changes import SpecDiff
from conformance.specdiff.compare import diff_specs
from conformance.specdiff.coverage import coverage_note
from conformance.specdiff.impact import Impact, analyse
from conformance.specdiff.load import Spec, load_spec
from conformance.specdiff.refs import RefSources


@dataclass(frozen=True)
class Analysis:
    diff: SpecDiff
    impact: Impact | None


def profile_impact(diff: SpecDiff, old: Spec, profile: Profile) -> Impact:
    """The impact on the profile's shipped scenarios (those that apply to the profile); none, with
    a note saying which profile to use, when the profile does not cover the API of ``old``."""
    note = coverage_note(old, profile)
    if note is not None:
        return Impact(profile.name, {}, (), note=note)
    scenarios = [load_scenario(path) for path in scenario_files([profile.scenarios_path])]
    applicable = [s for s in scenarios if not s.profiles or profile.name in s.profiles]
    return analyse(diff, applicable, old, profile.name)


def analyse_specs(old: Spec, new: Spec, profile: Profile | None) -> Analysis:
    diff = diff_specs(old, new)
    return Analysis(diff, profile_impact(diff, old, profile) if profile is not None else None)


def analyse_sources(old: str, new: str, profile: Profile | None, refs: RefSources | None = None) -> Analysis:
    """Load both contracts and compare them; with a profile, map the changes to its scenarios."""
    return analyse_specs(load_spec(old, refs), load_spec(new, refs), profile)
