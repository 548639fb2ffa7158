"""Target-valid data (conformance.targetdata) and the vendor-supplied subject URL (issue 19)."""

from __future__ import annotations

import re

import pytest

from conformance.config import Settings, resolve
from conformance.errors import ConfigError
from conformance.generators import elfproef_valid
from conformance.loader import load_scenario, scenario_files
from conformance.reference import ReferenceServer
from conformance.runner import ScenarioRunner
from conformance.session import RunContext
from conformance.targetdata import (
    KLANTNUMMER_DIGITS,
    NUMMERAANDUIDING_PATTERN,
    POSTCODE_PATTERN,
    MissingFixture,
    TargetData,
)
from conformance.verdicts import Verdict


def test_identifiers_are_what_a_strict_server_accepts() -> None:
    data = TargetData("seed")
    nummers = [data.klantnummer() for _ in range(500)]
    assert len(set(nummers)) == 500 and all(len(n) <= KLANTNUMMER_DIGITS and n.isdigit() for n in nummers)
    assert len({data.partij_nummer() for _ in range(200)}) == 200
    assert re.match(POSTCODE_PATTERN, data.postcode()) and re.match(
        NUMMERAANDUIDING_PATTERN, data.nummeraanduiding_id()
    )
    klant = data.klant()
    assert elfproef_valid(klant["bronorganisatie"]) and klant["websiteUrl"]
    assert "nummer" not in data.partij()  # omitted, never repeated


def test_a_subject_url_needs_the_vendors_template() -> None:
    with pytest.raises(MissingFixture, match="--subject-url-template"):
        TargetData("seed").generate("subject_url")
    url = TargetData("seed", subject_url_template="https://brp.test/p/{bsn}").generate("subject_url")
    assert url.startswith("https://brp.test/p/") and elfproef_valid(url.rsplit("/", 1)[1])


@pytest.mark.parametrize("bad", ["https://brp.test/p/", "brp.test/{bsn}", "https://x/{bsn}/{bsn}"])
def test_a_template_without_one_bsn_placeholder_is_a_config_error(bad: str) -> None:
    with pytest.raises(ConfigError, match="subject_url_template"):
        resolve({}, env={"KLANTEN_CONFORMANCE_SUBJECT_URL_TEMPLATE": bad})
    with pytest.raises(ConfigError):
        TargetData("seed", subject_url_template=bad)


def test_env_and_pyproject_equivalents_exist() -> None:
    settings = resolve({}, env={"KLANTEN_CONFORMANCE_SUBJECT_URL_TEMPLATE": "https://b/{bsn}"})
    assert settings.subject_url_template == "https://b/{bsn}"
    from_file = resolve({}, env={}, file={"subject_url_template": "https://f/{bsn}"})
    assert from_file.subject_url_template == "https://f/{bsn}"


def _legacy_verdicts(server: ReferenceServer, template: str | None) -> dict[str, tuple[Verdict, str]]:
    settings = Settings(
        profile="klanten-v1",
        target_url=server.root_for("klanten"),
        jwt_client_id=server.jwt.client_id,
        jwt_secret=server.jwt.secret,
        subject_url_template=template,
        run_id="targetdata-test",
    )
    ctx = RunContext.open(settings)
    try:
        runner = ScenarioRunner(ctx.runner_context())
        results = {}
        for path in scenario_files([ctx.profile.scenarios_path]):
            scenario = load_scenario(path)
            if "KLOK01-R7" in scenario.verifies or "subject" in scenario.tags:
                result = runner.run(scenario)
                results[scenario.id] = (result.verdict, result.message)
        return results
    finally:
        ctx.close()


def test_against_a_strict_server_subject_scenarios_are_not_applicable_without_the_option() -> None:
    with ReferenceServer(variant="strict-vng", profile="klanten-v1") as server:
        without = _legacy_verdicts(server, None)
        subject_ids = {sid for sid in without if "subject" in sid}
        assert len(subject_ids) >= 6  # 4 R7 halves, R4 duplicate subject URL, R13 attach subject
        for sid, (verdict, message) in without.items():
            if sid in subject_ids:
                assert verdict is Verdict.NOT_APPLICABLE, (sid, verdict, message)
                assert "--subject-url-template" in message
            else:  # controls that need no external register stay decisive
                assert verdict is Verdict.PASS, (sid, verdict, message)
        with_template = _legacy_verdicts(server, server.subject_url_template)
        assert {sid: v for sid, (v, _) in with_template.items()} == dict.fromkeys(without, Verdict.PASS)
