"""Impact: changes to the project's own contract mapped to the shipped scenarios and requirements.

The expected scenario sets are computed from the scenario files independently of the analysis
(which operation a step calls, which body path it asserts on), so the tests follow the scenarios.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

from conformance.loader import load_scenario, scenario_files
from conformance.model import Scenario
from conformance.profiles import load_profile
from conformance.specdiff.analysis import analyse_specs, profile_impact
from conformance.specdiff.compare import diff_specs
from conformance.specdiff.impact import Impact
from conformance.specdiff.load import load_spec, spec_from_document

PROFILE = load_profile("klantinteracties-v1")


@functools.cache
def _contract() -> dict[str, Any]:
    with PROFILE.spec_path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


@functools.cache
def _scenarios() -> tuple[Scenario, ...]:
    return tuple(load_scenario(p) for p in scenario_files([PROFILE.scenarios_path]))


def _impact(new: dict[str, Any], old_document: dict[str, Any] | None = None) -> Impact:
    old = spec_from_document(old_document or copy.deepcopy(_contract()), str(PROFILE.spec_path))
    analysis = analyse_specs(old, spec_from_document(new, "/in-memory/new.yaml"), PROFILE)
    assert analysis.impact is not None
    return analysis.impact


def _calling(operation_id: str) -> set[str]:
    return {
        s.id
        for s in _scenarios()
        for step in s.steps
        for request in (step.request, step.cleanup)
        if request is not None and request.operation == operation_id
    }


def test_an_unchanged_contract_touches_nothing() -> None:
    impact = _impact(copy.deepcopy(_contract()))
    assert impact.hits == () and impact.rerun_command("x.yaml") is None


def test_a_removed_operation_breaks_every_scenario_calling_it_and_leaves_requirements_untested() -> None:
    new = copy.deepcopy(_contract())
    del new["paths"]["/partij-identificatoren"]["get"]
    impact = _impact(new)
    callers = _calling("partijIdentificatorenList")
    assert callers and set(impact.broken()) == callers
    verifies = {s.id: set(s.verifies) for s in _scenarios()}
    by_requirement: dict[str, set[str]] = {}
    for scenario, requirements in verifies.items():
        for requirement in requirements:
            by_requirement.setdefault(requirement, set()).add(scenario)
    expected_untested = sorted(r for r, ids in by_requirement.items() if ids <= callers)
    assert expected_untested  # e.g. KLOK01-R4: every duplicate-BSN scenario looks the BSN up afterwards
    assert impact.untested_requirements() == expected_untested
    assert "KLOK01-R4" in expected_untested
    reasons = {h.reason for h in impact.hits if h.scenario == "KI-R4-duplicate-bsn-nested"}
    assert reasons == {"calls partijIdentificatorenList, removed"}


def test_a_removed_response_field_breaks_the_scenarios_asserting_on_it() -> None:
    new = copy.deepcopy(_contract())
    del new["components"]["schemas"]["PartijIdentificator"]["properties"]["identificeerdePartij"]
    impact = _impact(new)
    asserting = {
        s.id
        for s in _scenarios()
        for step in s.steps
        if step.expect is not None
        for a in step.expect.body
        if "identificeerdePartij" in a.path and a.operator != "absent"
    }
    assert "KI-R4-duplicate-bsn-nested" in asserting
    assert asserting <= set(impact.broken())
    reason = next(h.reason for h in impact.hits if h.scenario == "KI-R4-duplicate-bsn-nested" and h.breaks)
    assert "results[].identificeerdePartij.uuid" in reason and "removed" in reason


def test_an_enum_value_removed_breaks_only_scenarios_sending_it_as_a_valid_value() -> None:
    new = copy.deepcopy(_contract())
    new["components"]["schemas"]["CodeSoortObjectIdEnum"]["enum"].remove("kvk_nummer")
    new["components"]["schemas"]["CodeRegisterEnum"]["enum"].remove("hr")
    impact = _impact(new)
    assert "KI-R5-same-kvk-three-partijen" in impact.broken()
    reasons = {h.reason for h in impact.hits if h.scenario == "KI-R5-same-kvk-three-partijen" and h.breaks}
    assert "sends 'kvk_nummer', not in the enum any more" in reasons
    # a scenario sending an unknown register on purpose was invalid before and stays invalid
    assert "KI-IDENT-unknown-code-register" in impact.touched()
    assert "KI-IDENT-unknown-code-register" not in impact.broken()


def test_a_newly_required_request_field_breaks_the_scenarios_that_do_not_send_it() -> None:
    new = copy.deepcopy(_contract())
    partij = new["components"]["schemas"]["Partij"]
    partij["properties"]["voorkeurstaal"] = {"type": "string", "maxLength": 3}
    partij["required"] = [*partij["required"], "voorkeurstaal"]
    impact = _impact(new)
    creating = _calling("partijenCreate")
    assert creating and creating <= set(impact.broken())
    reason = next(h.reason for h in impact.hits if h.scenario == "KI-R9-zelfstandige-minimal" and h.breaks)
    assert reason == "does not send `voorkeurstaal`, now required"


def test_a_renamed_operation_id_breaks_its_callers() -> None:
    new = copy.deepcopy(_contract())
    new["paths"]["/partijen"]["post"]["operationId"] = "partijAanmaken"
    impact = _impact(new)
    assert set(impact.broken()) == _calling("partijenCreate")


def test_the_rerun_command_selects_the_touched_scenarios(tmp_path: Path) -> None:
    new = copy.deepcopy(_contract())
    del new["paths"]["/partij-identificatoren"]["get"]
    command = _impact(new).rerun_command(str(tmp_path / "new spec.yaml"))
    assert command is not None
    assert command.startswith(
        f"klanten-conformance run --spec '{tmp_path / 'new spec.yaml'}' --no-fuzz -- -k '"
    )
    for scenario in _calling("partijIdentificatorenList"):
        assert scenario in command


def test_upstream_0_6_0_to_0_9_0_names_concrete_scenarios(upstream_dir: Path) -> None:
    old = load_spec(upstream_dir / "open-klant-2.15.0-klantinteracties-0.6.0.yaml")
    new = load_spec(upstream_dir / "open-klant-2.18-klantinteracties-0.9.0.yaml")
    impact = profile_impact(diff_specs(old, new), old, PROFILE)
    # partijIdentificator became required and lost its blank codes: the scenarios posting one are touched
    assert "KI-R13-attach-via-identificator-post" in impact.touched()
    assert "KI-R4-duplicate-bsn-nested" in impact.touched()
    # none sends a blank code or omits the group, so none breaks for certain
    assert impact.broken() == []
    rows = {row["id"]: row for row in impact.requirements()}
    assert "KI-R4-duplicate-bsn-nested" in rows["KLOK01-R4"]["touched"]
    assert not rows["KLOK01-R4"]["left_untested"]


def test_upstream_0_0_4_to_0_2_1_breaks_partij_patches_without_soort_partij(upstream_dir: Path) -> None:
    # 0.2.1's PatchedPartij is a oneOf of the full partij variants, which require soortPartij and
    # indicatieActief: a PATCH that sends neither no longer matches the contract.
    old = load_spec(upstream_dir / "open-klant-2.5.0-klantinteracties-0.0.4.yaml")
    new = load_spec(upstream_dir / "open-klant-2.10.0-klantinteracties-0.2.1.yaml")
    impact = profile_impact(diff_specs(old, new), old, PROFILE)
    patching = {
        s.id
        for s in _scenarios()
        for step in s.steps
        if step.request.operation == "partijenPartialUpdate"
        and isinstance(step.request.json, dict)
        and "soortPartij" not in step.request.json
    }
    assert patching and set(impact.broken()) == patching
    reasons = {h.reason for h in impact.hits if h.breaks}
    assert reasons == {
        "does not send `soortPartij`, now required",
        "does not send `indicatieActief`, now required",
    }


def test_a_status_no_longer_documented_touches_only_the_scenarios_expecting_it() -> None:
    # Our contract documents no 400 (upstream does not): an old version that did, a new one without.
    old, new = copy.deepcopy(_contract()), copy.deepcopy(_contract())
    assert "400" not in new["paths"]["/partijen"]["post"]["responses"]
    old["paths"]["/partijen"]["post"]["responses"]["400"] = {"description": "Ongeldige invoer."}
    impact = _impact(new, old)
    expecting = {
        s.id
        for s in _scenarios()
        for step in s.steps
        for expect in (step.expect or step.expect_each,)  # a parallel step's expectation is per response
        if step.request.operation == "partijenCreate"
        and expect is not None
        and (400 in expect.status or "4xx" in expect.status)
    }
    creating = _calling("partijenCreate")
    assert expecting and creating - expecting  # both kinds exist among the shipped scenarios
    assert set(impact.touched()) == expecting and impact.broken() == []
