"""Credential forms sent on every operation: valid, and every way of not being authenticated.

``valid`` is the run's credential. The invalid forms are what a requester without the key can
send: nothing, an empty value, the scheme alone, a malformed value, an invalid key; for a ZGW JWT
also an unsigned token, a stripped signature, a wrong signature, an unknown client and a token
signed with an empty secret. ``other-scheme`` (the valid key under another scheme word) is no
KLOK01 matter: the requester holds the key (issue 18, point 6); it is only observed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

import jwt

from conformance.auth import AuthMode, AuthProvider, SchemeAuth, ZgwJwtAuth, mint_zgw_jwt, unsigned_jwt

VALID = "valid"
OTHER_SCHEME = "other-scheme"
COMMON_FORMS = ("none", "empty-value", "scheme-alone", "malformed", "invalid-key")
JWT_FORMS = ("alg-none", "signature-stripped", "wrong-signature", "unknown-client", "empty-secret")


class CredentialForms:
    """Headers for each form name; built once per run so every minted token is known up front."""

    def __init__(self, auth: AuthProvider) -> None:
        self.auth = auth
        self.header = getattr(auth, "header", "Authorization")
        scheme = getattr(auth, "scheme", "Bearer" if isinstance(auth, ZgwJwtAuth) else "Token") or "Token"
        other = "Bearer" if scheme.lower() != "bearer" else "Token"
        valid = auth.headers(AuthMode.DEFAULT).get(self.header, "")
        key = valid.split(" ", 1)[1] if " " in valid else valid
        forms: dict[str, dict[str, str]] = {
            VALID: auth.headers(AuthMode.DEFAULT),
            "none": {},
            "empty-value": {self.header: ""},
            "scheme-alone": {self.header: scheme},
            "malformed": {self.header: f"{scheme} {secrets.token_hex(6)} {secrets.token_hex(6)}"},
            "invalid-key": {self.header: f"{scheme} {secrets.token_hex(max(len(key) // 2, 20))}"},
        }
        if isinstance(auth, ZgwJwtAuth):
            claims = jwt.decode(auth.token(), options={"verify_signature": False})
            head, payload, _ = auth.token().split(".")
            iat = int(claims.get("iat", 0))
            forms.update(
                {
                    "alg-none": {self.header: f"Bearer {unsigned_jwt(claims)}"},
                    "signature-stripped": {self.header: f"Bearer {head}.{payload}."},
                    "wrong-signature": {
                        self.header: "Bearer "
                        + mint_zgw_jwt(auth.client_id, secrets.token_hex(32), issued_at=iat)
                    },
                    "unknown-client": {
                        self.header: "Bearer "
                        + mint_zgw_jwt(
                            f"{auth.client_id}-unknown-{secrets.token_hex(4)}", auth.secret, issued_at=iat
                        )
                    },
                    "empty-secret": {self.header: "Bearer " + empty_secret_jwt(claims)},
                }
            )
        if auth.has_credentials and key:
            forms[OTHER_SCHEME] = {self.header: f"{other} {key}"}
        self.forms = forms

    @property
    def has_credentials(self) -> bool:
        return self.auth.has_credentials

    def invalid(self) -> tuple[str, ...]:
        """The forms a requester without valid credentials can send (KLOK01 R7/R8 judge these)."""
        return tuple(f for f in self.forms if f not in (VALID, OTHER_SCHEME))

    def all(self) -> tuple[str, ...]:
        return tuple(self.forms)

    def headers(self, form: str) -> dict[str, str]:
        return dict(self.forms[form])

    def secrets(self) -> list[str]:
        """Every minted token (the redactor learns them before the first request)."""
        values = [v.split(" ", 1)[1] for h in self.forms.values() for v in h.values() if " " in v]
        return [v for v in values if len(v) >= 8]


def empty_secret_jwt(claims: dict[str, object]) -> str:
    """HS256 over ``claims`` with an empty secret (PyJWT refuses to make one, servers must refuse it)."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(b"", f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


def is_scheme_auth(auth: AuthProvider) -> bool:
    return isinstance(auth, SchemeAuth)
