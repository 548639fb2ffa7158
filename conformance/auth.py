"""Auth providers: how each step's ``auth`` mode becomes request headers.

Every scenario step picks a mode: the default credentials, none, an invalid credential, or a
valid credential under the wrong scheme. Providers also name their secrets so evidence can be
redacted.
"""

from __future__ import annotations

import enum
import secrets
import time
from dataclasses import dataclass, field
from typing import Protocol

import jwt


class AuthMode(enum.StrEnum):
    """The per-step choice of credentials."""

    DEFAULT = "default"
    NONE = "none"
    INVALID = "invalid"
    WRONG_SCHEME = "wrong-scheme"
    ALG_NONE = "alg-none"
    """A JWT with ``alg: none`` (JWT profiles; elsewhere the same as ``invalid``)."""
    UNKNOWN_CLIENT = "unknown-client"
    """A well-signed JWT for a client id the server does not know (elsewhere: ``invalid``)."""


_INVALID_LIKE = frozenset({AuthMode.INVALID, AuthMode.ALG_NONE, AuthMode.UNKNOWN_CLIENT})


class AuthProvider(Protocol):
    """Turns an auth mode into headers; ``has_credentials`` is false for anonymous runs."""

    has_credentials: bool

    def headers(self, mode: AuthMode) -> dict[str, str]: ...

    def secrets(self) -> list[str]: ...


def _other_scheme(scheme: str) -> str:
    return "Bearer" if scheme.lower() != "bearer" else "Token"


@dataclass
class NoAuth:
    """No credentials configured: default and none both send nothing."""

    scheme: str = "Token"
    header: str = "Authorization"
    has_credentials: bool = False

    def headers(self, mode: AuthMode) -> dict[str, str]:
        if mode in _INVALID_LIKE:
            return {self.header: f"{self.scheme} {secrets.token_hex(20)}"}
        return {}

    def secrets(self) -> list[str]:
        return []


@dataclass
class SchemeAuth:
    """``<scheme> <credential>``: DRF's ``Token <key>``, an OAuth-style ``Bearer <token>``, or (with
    an empty scheme) a bare header value."""

    credential: str = field(repr=False)  # never in a traceback or a repr
    scheme: str = "Token"
    header: str = "Authorization"
    has_credentials: bool = True

    @classmethod
    def from_header_value(cls, value: str, header: str = "Authorization") -> SchemeAuth:
        """A value given verbatim (``--auth-header``); its scheme word is kept if it has one."""
        scheme, _, rest = value.partition(" ")
        return cls(rest, scheme, header) if rest else cls(value, "", header)

    def _value(self, scheme: str, credential: str) -> dict[str, str]:
        return {self.header: f"{scheme} {credential}" if scheme else credential}

    def headers(self, mode: AuthMode) -> dict[str, str]:
        if mode is AuthMode.NONE:
            return {}
        if mode in _INVALID_LIKE:
            # Same shape as a real credential, so only its value is wrong.
            return self._value(self.scheme, secrets.token_hex(max(len(self.credential) // 2, 20)))
        if mode is AuthMode.WRONG_SCHEME:
            return self._value(_other_scheme(self.scheme), self.credential)
        return self._value(self.scheme, self.credential)

    def secrets(self) -> list[str]:
        return [self.credential]


def mint_zgw_jwt(
    client_id: str,
    secret: str,
    *,
    issued_at: int,
    user_id: str = "klanten-conformance",
    user_representation: str = "klanten-conformance",
) -> str:
    """A ZGW JWT as vng-api-common reads it: HS256, claims iss, iat, client_id, user_id,
    user_representation. No ``exp``: VNG's 1.0 server answers an expired one with 500, not 403
    (domain.md §7), and the ZGW convention is that the server judges ``iat`` itself."""
    claims = {
        "iss": client_id,
        "iat": issued_at,
        "client_id": client_id,
        "user_id": user_id,
        "user_representation": user_representation,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def unsigned_jwt(claims: dict[str, object]) -> str:
    """The same claims with ``alg: none`` and an empty signature: a server must never accept it."""
    return jwt.encode(claims, None, algorithm="none")


@dataclass
class ZgwJwtAuth:
    """ZGW-style JWT: HS256 signed with the client's secret, sent as ``Bearer <jwt>``.

    Tokens are minted once, when the run starts (``iat`` = now), so that every one of them is known
    to the redactor before the first request: the valid token, one signed with a wrong secret, one
    with ``alg: none`` and one for a client id the server does not know.
    """

    client_id: str
    secret: str = field(repr=False)  # never in a traceback or a repr
    user_id: str = "klanten-conformance"
    user_representation: str = "klanten-conformance"
    header: str = "Authorization"
    issued_at: int | None = None
    has_credentials: bool = True
    _tokens: dict[AuthMode, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        iat = int(time.time()) if self.issued_at is None else self.issued_at
        self.issued_at = iat
        users = {"user_id": self.user_id, "user_representation": self.user_representation}
        valid = mint_zgw_jwt(self.client_id, self.secret, issued_at=iat, **users)
        unknown = f"{self.client_id}-unknown-{secrets.token_hex(4)}"
        self._tokens = {
            AuthMode.DEFAULT: valid,
            AuthMode.WRONG_SCHEME: valid,
            AuthMode.INVALID: mint_zgw_jwt(self.client_id, secrets.token_hex(32), issued_at=iat, **users),
            AuthMode.ALG_NONE: unsigned_jwt(jwt.decode(valid, options={"verify_signature": False})),
            AuthMode.UNKNOWN_CLIENT: mint_zgw_jwt(unknown, self.secret, issued_at=iat, **users),
        }

    def token(self) -> str:
        """The valid token of this run."""
        return self._tokens[AuthMode.DEFAULT]

    def headers(self, mode: AuthMode) -> dict[str, str]:
        if mode is AuthMode.NONE:
            return {}
        scheme = "Token" if mode is AuthMode.WRONG_SCHEME else "Bearer"
        return {self.header: f"{scheme} {self._tokens[mode]}"}

    def secrets(self) -> list[str]:
        return [self.secret, *dict.fromkeys(self._tokens.values())]
