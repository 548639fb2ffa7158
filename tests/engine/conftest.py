from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conformance.auth import AuthProvider, NoAuth, SchemeAuth
from conformance.client import Client
from conformance.contract import ContractValidator
from conformance.evidence import Redactor
from conformance.generators import IdentifierGenerator
from conformance.loader import parse_scenario
from conformance.model import Scenario
from conformance.results import ScenarioResult
from conformance.runner import RunnerContext, ScenarioRunner
from conformance.yamlsafe import loads
from tests.support.toy_server import TOKEN, make_app, running

TOY_SPEC = Path(__file__).parent.parent / "data" / "toy-openapi.yaml"


@pytest.fixture(scope="session")
def toy_url() -> Iterator[str]:
    with running(make_app()) as url:
        yield url + "/api"


def scenario_from(text: str) -> Scenario:
    return parse_scenario(loads(text, name="inline.scenario.yaml"), Path("inline.scenario.yaml"))


RunScenario = Callable[..., ScenarioResult]


@pytest.fixture
def run_scenario(toy_url: str) -> Iterator[RunScenario]:
    clients: list[Client] = []

    def run(
        text: str,
        *,
        root: str | None = None,
        token: str | None = TOKEN,
        auth: AuthProvider | None = None,
        **client_kwargs: object,
    ) -> ScenarioResult:
        """``auth`` replaces the token provider; the redactor then starts knowing no secret."""
        root = root or toy_url
        redactor = Redactor.for_secrets([TOKEN] if auth is None else [])
        client = Client(root, redactor=redactor, **client_kwargs)  # type: ignore[arg-type]
        clients.append(client)
        if auth is None:
            auth = SchemeAuth(token) if token else NoAuth()
        ctx = RunnerContext(
            client=client,
            auth=auth,
            generators=IdentifierGenerator("test"),
            run_id="test-run",
            profile="klantinteracties-v1",
            capabilities=frozenset({"items"}),
            contract=ContractValidator(TOY_SPEC, root, redactor),
        )
        return ScenarioRunner(ctx).run(scenario_from(text))

    yield run
    for client in clients:
        client.close()
