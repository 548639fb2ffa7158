"""ZGW JWT minting (klanten-v1): known tokens, the claims and header, and the invalid variants."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest

from conformance.auth import AuthMode, SchemeAuth, ZgwJwtAuth, mint_zgw_jwt
from conformance.config import resolve
from conformance.errors import ConfigError
from conformance.profiles import load_profile

SECRET = "s3cret-value-that-is-32-bytes-long!"
# Minted once with PyJWT 2.15 and checked by hand below; a change in header, claim order or
# signing shows up here before a real server refuses the token.
KNOWN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJpc3MiOiJrbGFudGVuLWNvbmZvcm1hbmNlIiwiaWF0IjoxNzY0NzIwMDAwLCJjbGllbnRfaWQiOiJrbGFudGVuLWNvbmZvcm1hbmNl"
    "IiwidXNlcl9pZCI6ImtsYW50ZW4tY29uZm9ybWFuY2UiLCJ1c2VyX3JlcHJlc2VudGF0aW9uIjoia2xhbnRlbi1jb25mb3JtYW5jZSJ9."
    "x2WRisXNxt8xRjs3HEBRyb7RIZemmnN-IUpgSwu-8XM"
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(token: str) -> tuple[dict[str, object], dict[str, object], str]:
    header, payload, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (
        json.loads(base64.urlsafe_b64decode(pad(header))),
        json.loads(base64.urlsafe_b64decode(pad(payload))),
        signature,
    )


def test_minting_reproduces_a_known_token() -> None:
    assert mint_zgw_jwt("klanten-conformance", SECRET, issued_at=1764720000) == KNOWN


def test_known_token_has_the_zgw_header_claims_and_an_hs256_signature() -> None:
    header, claims, signature = _segments(KNOWN)
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims == {
        "iss": "klanten-conformance",
        "iat": 1764720000,
        "client_id": "klanten-conformance",
        "user_id": "klanten-conformance",
        "user_representation": "klanten-conformance",
    }
    assert "exp" not in claims  # VNG 1.0 answers an expired exp with 500, not 403 (domain.md §7)
    signing_input = KNOWN.rsplit(".", 1)[0].encode()
    assert signature == _b64(hmac.new(SECRET.encode(), signing_input, hashlib.sha256).digest())


def test_custom_user_claims_are_signed_too() -> None:
    token = mint_zgw_jwt("client-a", SECRET, issued_at=1700000000, user_id="u1", user_representation="Tester")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["user_id"] == "u1" and claims["user_representation"] == "Tester"
    assert claims["iss"] == claims["client_id"] == "client-a"


def test_provider_mints_once_per_run_with_iat_now_and_names_every_token_secret() -> None:
    auth = ZgwJwtAuth("client", SECRET, issued_at=1764720000)
    valid = auth.headers(AuthMode.DEFAULT)["Authorization"].removeprefix("Bearer ")
    assert valid == mint_zgw_jwt("client", SECRET, issued_at=1764720000)
    assert auth.headers(AuthMode.DEFAULT)["Authorization"] == f"Bearer {valid}"  # the same all run
    assert auth.headers(AuthMode.WRONG_SCHEME) == {"Authorization": f"Token {valid}"}
    assert auth.headers(AuthMode.NONE) == {}
    sent = [auth.headers(m)["Authorization"].split(" ", 1)[1] for m in AuthMode if m is not AuthMode.NONE]
    assert SECRET in auth.secrets() and set(sent) <= set(auth.secrets())
    fresh = ZgwJwtAuth("client", SECRET)
    iat = jwt.decode(fresh.token(), SECRET, algorithms=["HS256"])["iat"]
    assert isinstance(iat, int) and abs(iat - int(__import__("time").time())) < 600


def test_invalid_modes_fail_in_exactly_one_way() -> None:
    auth = ZgwJwtAuth("client", SECRET, issued_at=1764720000)
    token = {
        m: auth.headers(m)["Authorization"].removeprefix("Bearer ")
        for m in AuthMode
        if m is not AuthMode.NONE
    }
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token[AuthMode.INVALID], SECRET, algorithms=["HS256"])
    assert jwt.decode(token[AuthMode.INVALID], options={"verify_signature": False})["client_id"] == "client"
    header, claims, signature = _segments(token[AuthMode.ALG_NONE])
    assert header["alg"] == "none" and signature == "" and claims["client_id"] == "client"
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(token[AuthMode.ALG_NONE], SECRET, algorithms=["HS256"])
    unknown = jwt.decode(token[AuthMode.UNKNOWN_CLIENT], SECRET, algorithms=["HS256"])  # validly signed
    assert unknown["client_id"] != "client" and unknown["iss"] == unknown["client_id"]


def test_settings_wire_the_jwt_options_and_their_environment_variables() -> None:
    profile = load_profile("klanten-v1")
    env = {"KLANTEN_CONFORMANCE_JWT_CLIENT_ID": "envclient", "KLANTEN_CONFORMANCE_JWT_SECRET": SECRET}
    settings = resolve({"profile": "klanten-v1"}, env)
    auth = settings.auth_provider(profile)
    assert isinstance(auth, ZgwJwtAuth) and auth.client_id == "envclient"
    assert SECRET in settings.secrets()
    cli_wins = resolve({"profile": "klanten-v1", "jwt_client_id": "cli"}, env).auth_provider(profile)
    assert isinstance(cli_wins, ZgwJwtAuth) and cli_wins.client_id == "cli"


def test_a_pre_made_token_or_header_is_sent_as_bearer_and_half_a_jwt_config_is_an_error() -> None:
    profile = load_profile("klanten-v1")
    premade = resolve({"profile": "klanten-v1", "token": "eyJ.premade.jwt"}, {}).auth_provider(profile)
    assert isinstance(premade, SchemeAuth)
    assert premade.headers(AuthMode.DEFAULT) == {"Authorization": "Bearer eyJ.premade.jwt"}
    header = resolve({"profile": "klanten-v1", "auth_header": "Bearer x.y.z"}, {}).auth_provider(profile)
    assert header.headers(AuthMode.DEFAULT) == {"Authorization": "Bearer x.y.z"}
    with pytest.raises(ConfigError, match="both"):
        resolve({"profile": "klanten-v1", "jwt_client_id": "only-id"}, {}).auth_provider(profile)


def test_profile_declares_bearer_jwt_and_its_refusal_statuses() -> None:
    profile = load_profile("klanten-v1")
    assert (profile.auth.kind, profile.auth.scheme) == ("zgw-jwt", "Bearer")
    assert 403 in profile.auth.refusal_statuses
    assert profile.reference == "klanten"
