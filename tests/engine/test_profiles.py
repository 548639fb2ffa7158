"""Profiles are data: each names its catalogues, and each catalogue says how it applies to each profile."""

from __future__ import annotations

from conformance.catalogue import coverage, load_catalogues
from conformance.loader import load_scenario, scenario_files
from conformance.profiles import available_profiles, load_profile


def test_every_requirement_says_how_it_applies_to_every_profile_that_loads_it() -> None:
    missing = []
    for name in available_profiles():
        profile = load_profile(name)
        for requirement in load_catalogues(profile.catalogues).requirements:
            note = requirement.profiles.get(name)
            if note is None or not note.note.strip():
                missing.append(f"{requirement.id} has no note for {name}")
    assert not missing, "\n".join(missing)


def test_both_profiles_report_the_same_requirement_ids_and_test_them_with_their_own_scenarios() -> None:
    ids = {}
    for name in ("klantinteracties-v1", "klanten-v1"):
        profile = load_profile(name)
        catalogue = load_catalogues(profile.catalogues)
        ids[name] = [r.id for r in catalogue.requirements]
        scenarios = [load_scenario(p) for p in scenario_files([profile.scenarios_path])]
        assert all(s.profiles == (name,) for s in scenarios)
        gaps = [row.requirement.id for row in coverage(catalogue, scenarios, name) if row.gap]
        assert not gaps, f"{name}: no scenario for {gaps}"
    assert ids["klantinteracties-v1"] == ids["klanten-v1"]


def test_a_not_applicable_requirement_is_reported_with_its_reason() -> None:
    from conformance.catalogue import Catalogue, ProfileNote
    from conformance.report import RunRecorder, requirement_verdicts
    from conformance.verdicts import Verdict

    requirement = load_catalogues(["klok01"]).requirements[0]
    restricted = Catalogue(
        (
            requirement.__class__(
                **{**requirement.__dict__, "profiles": {"klanten-v1": ProfileNote(False, "no such route")}}
            ),
        )
    )
    (row,) = requirement_verdicts(restricted, "klanten-v1", RunRecorder())
    assert row.verdict is Verdict.NOT_APPLICABLE and row.reason == "no such route"
    (row,) = coverage(restricted, [], "klanten-v1")
    assert not row.applicable and not row.gap and row.note == "no such route"
