"""Issue 22, item 14: a Klanten API root under the default profile is named as such."""

from __future__ import annotations

from conformance.auth import NoAuth
from conformance.client import Client
from conformance.evidence import Redactor
from conformance.preflight import run_preflight
from conformance.profiles import load_profile
from conformance.reference.server import ReferenceServer


def test_the_klanten_api_root_under_the_default_profile_says_which_profile_to_use() -> None:
    profile = load_profile("klantinteracties-v1")
    with ReferenceServer() as server:
        client = Client(server.root_for("klanten"), redactor=Redactor())
        try:
            result = run_preflight(client, NoAuth(), profile)
        finally:
            client.close()
    assert result.failed
    assert "use --profile klanten-v1" in result.message
    assert "klanten/api/v1/klantinteracties" not in result.message  # not a root glued onto another
