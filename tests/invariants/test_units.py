"""Unit tests of the invariant layer's parts: profile data and contract, credential forms,
answer comparison, read-only, and the plugin's collection."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
import pytest

from conformance.auth import SchemeAuth, ZgwJwtAuth
from conformance.client import Reply
from conformance.config import Settings
from conformance.errors import ConfigError, TargetError
from conformance.evidence import Exchange
from conformance.invariants import INVARIANTS, InvariantRun
from conformance.invariants.checks import BY_ID
from conformance.invariants.credentials import OTHER_SCHEME, VALID, CredentialForms
from conformance.invariants.probes import normalised
from conformance.invariants.spec import InvariantSpec
from conformance.profiles import load_profile
from conformance.runcmd import pytest_args
from conformance.session import RunContext


def _spec(name: str) -> InvariantSpec:
    profile = load_profile(name)
    return InvariantSpec.from_profile(profile, profile.spec_path)


def test_searches_and_routes_are_derived_from_the_contract() -> None:
    ki = _spec("klantinteracties-v1")
    assert {(s.route.operation, s.value_param, s.kind_param) for s in ki.searches} == {
        ("partijenList", "partijIdentificator__objectId", "partijIdentificator__codeSoortObjectId"),
        ("partijIdentificatorenList", "partijIdentificatorObjectId", "partijIdentificatorCodeSoortObjectId"),
    }
    assert ki.holder.routes["update"].method == "PUT" and ki.holder.routes["patch"].method == "PATCH"
    assert {r.method for r in ki.declared_routes()} == {"GET", "POST", "PUT", "PATCH", "DELETE"}
    ka = _spec("klanten-v1")
    assert {s.identifier for s in ka.searches} == {"inpBsn", "innNnpId", "vestigingsNummer"}
    assert ka.scope_field == "bronorganisatie"


def test_a_profile_without_invariant_data_or_with_an_unknown_operation_is_a_config_error() -> None:
    profile = load_profile("klantinteracties-v1")
    bare = type(profile)(**{**profile.__dict__, "invariants": None})
    with pytest.raises(ConfigError, match="invariants"):
        InvariantSpec.from_profile(bare, profile.spec_path)
    data = {
        **(profile.invariants or {}),
        "holder": {**(profile.invariants or {})["holder"], "patch": "noSuchOp"},
    }
    wrong = type(profile)(**{**profile.__dict__, "invariants": data})
    with pytest.raises(ConfigError, match="noSuchOp"):
        InvariantSpec.from_profile(wrong, profile.spec_path)


def test_token_credential_forms() -> None:
    forms = CredentialForms(SchemeAuth("a" * 40))
    assert forms.headers(VALID) == {"Authorization": "Token " + "a" * 40}
    assert forms.headers("none") == {}
    assert forms.headers("empty-value") == {"Authorization": ""}
    assert forms.headers("scheme-alone") == {"Authorization": "Token"}
    assert len(forms.headers("malformed")["Authorization"].split()) == 3
    assert forms.headers(OTHER_SCHEME) == {"Authorization": "Bearer " + "a" * 40}
    assert OTHER_SCHEME not in forms.invalid() and VALID not in forms.invalid()


def test_jwt_credential_forms_are_each_wrong_in_one_way() -> None:
    auth = ZgwJwtAuth("client", "s" * 40)
    forms = CredentialForms(auth)
    stripped = forms.headers("signature-stripped")["Authorization"].split()[1]
    assert stripped.endswith(".") and stripped.rsplit(".", 1)[0] == auth.token().rsplit(".", 1)[0]
    head, body, signature = forms.headers("empty-secret")["Authorization"].split()[1].split(".")
    expected = hmac.new(b"", f"{head}.{body}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64encode(expected).rstrip(b"=").decode() == signature
    assert json.loads(base64.urlsafe_b64decode(body + "==")).get("client_id") == "client"
    assert forms.headers(OTHER_SCHEME)["Authorization"].startswith("Token ")
    assert {"alg-none", "wrong-signature", "unknown-client"} <= set(forms.invalid())
    assert all(
        auth.token() not in h.get("Authorization", "") for f in forms.invalid() for h in [forms.headers(f)]
    )


def test_answers_are_compared_without_what_legitimately_differs() -> None:
    a = '{"instance": "urn:uuid:0b6c5b8e-8a77-4a5f-9a1e-3c0d1f1a2b3c", "at": "2026-12-07T14:00:00Z", "x":"a"}'
    b = '{"instance": "urn:uuid:9f9f5b8e-8a77-4a5f-9a1e-3c0d1f1a2b3c", "at": "2026-12-07T14:00:01Z", "x":"b"}'
    assert normalised(a, {'"a"'}) == normalised(b, {'"b"'})
    assert normalised(a, set()) != normalised(b, set())


def test_every_invariant_names_a_catalogued_requirement_and_its_contested_readings() -> None:
    from conformance.plugin.items import known_requirement_ids

    assert {i.requirement for i in INVARIANTS} <= known_requirement_ids()
    assert len(BY_ID) == len(INVARIANTS)
    assert all(i.contested for i in INVARIANTS)


def test_read_only_runs_only_read_side_invariants_against_existing_records() -> None:
    ctx = RunContext.open(
        Settings(
            profile="klantinteracties-v1",
            reference_variant="anonymous-reads",
            run_id="ro",
            read_only=True,
            skip_preflight=True,
        )
    )
    try:
        from conformance.auth import AuthMode

        body = {
            "soortPartij": "persoon",
            "indicatieActief": True,
            "partijIdentificatoren": [
                {
                    "partijIdentificator": {
                        "codeRegister": "brp",
                        "codeObjecttype": "natuurlijk_persoon",
                        "codeSoortObjectId": "bsn",
                        "objectId": ctx.generators.bsn(),
                    }
                }
            ],
        }
        reply, _ = ctx.client.send(
            step="existing",
            method="POST",
            path="/partijen",
            headers=ctx.auth.headers(AuthMode.DEFAULT),
            json_body=body,
            has_json=True,
        )
        assert reply.status == 201
        outcome = InvariantRun.for_context(ctx).execute()
    finally:
        ctx.close()
    writes = {i.id for i in INVARIANTS if i.side == "write"}
    assert {n[0] for n in outcome.not_run} == writes
    assert all("--read-only" in n[2] for n in outcome.not_run)
    assert {r.scenario_id for r in outcome.results if r.verdict.value == "fail"} <= {
        "INV-R8-no-disclosure",
        "INV-R8-existence-hidden",
    }
    assert any(r.verdict.value == "fail" for r in outcome.results)  # anonymous reads disclose it
    assert not any(
        e.method in ("POST", "PUT", "PATCH", "DELETE") for r in outcome.results for e in r.exchanges
    )


def test_the_run_command_collects_the_invariant_items_unless_switched_off() -> None:
    profile = load_profile("klantinteracties-v1")
    args, _ = pytest_args(Settings(), [], scenarios=True)
    assert str(profile.source) in args
    args, _ = pytest_args(Settings(invariants=False), [], scenarios=True)
    assert str(profile.source) not in args


def _reply(status: int, ctype: str, body: bytes) -> Reply:
    request = httpx.Request("GET", "http://target/x")
    return Reply(httpx.Response(status, headers={"content-type": ctype}, content=body, request=request), 0.0)


LISTING = json.dumps({"count": 0, "results": []}).encode()


@pytest.mark.parametrize(
    ("status", "ctype", "body"),
    [
        (500, "application/json", b'{"status": 500}'),
        (502, "text/html", b"<html>Bad Gateway</html>"),
        (302, "text/plain", b""),
        (200, "text/plain", LISTING),
        (200, "application/json", b"[]"),
    ],
)
def test_a_read_back_without_a_decisive_answer_judges_nothing(status: int, ctype: str, body: bytes) -> None:
    """Every search a read-back asks answers a fault: no holder set (an empty one would let R4 pass)."""
    from conformance.generators import IdentifierGenerator
    from conformance.invariants.api import Executor
    from conformance.invariants.identificatoren import IdentificatorActions

    class Answering:
        def send(self, **_: object) -> tuple[Reply, Exchange]:
            return _reply(status, ctype, body), Exchange("s", "GET", "http://target/x", {}, status=status)

    spec = _spec("klantinteracties-v1")
    forms = CredentialForms(SchemeAuth("a" * 40))
    ex = Executor(spec, Answering(), forms, IdentifierGenerator("1"), "run", ("",))  # type: ignore[arg-type]
    assert Executor.decisive(_reply(status, ctype, body)) is None
    with pytest.raises(TargetError, match="every search answered"):
        IdentificatorActions(ex).holders_of("bsn", "999990019")
    assert Executor.decisive(_reply(200, "application/json; charset=utf-8", LISTING)) == json.loads(LISTING)
