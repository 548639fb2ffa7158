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
        if mode is AuthMode.INVALID:
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
        if mode is AuthMode.INVALID:
            # Same shape as a real credential, so only its value is wrong.
            return self._value(self.scheme, secrets.token_hex(max(len(self.credential) // 2, 20)))
        if mode is AuthMode.WRONG_SCHEME:
            return self._value(_other_scheme(self.scheme), self.credential)
        return self._value(self.scheme, self.credential)

    def secrets(self) -> list[str]:
        return [self.credential]


@dataclass
class ZgwJwtAuth:
    """ZGW-style JWT: HS256 signed with the client's secret, sent as ``Bearer <jwt>``.

    Claims follow vng-api-common: iss, iat, client_id, user_id, user_representation. A fresh
    token is built per request so long runs never send an expired ``iat``.
    """

    client_id: str
    secret: str = field(repr=False)  # never in a traceback or a repr
    user_id: str = "klanten-conformance"
    user_representation: str = "klanten-conformance"
    header: str = "Authorization"
    has_credentials: bool = True
    _issued: list[str] = field(default_factory=list, repr=False)

    def token(self, *, secret: str | None = None) -> str:
        claims = {
            "iss": self.client_id,
            "iat": int(time.time()),
            "client_id": self.client_id,
            "user_id": self.user_id,
            "user_representation": self.user_representation,
        }
        encoded = jwt.encode(claims, secret or self.secret, algorithm="HS256")
        self._issued.append(encoded)
        del self._issued[:-64]  # the recent ones are enough to redact; bounded memory
        return encoded

    def headers(self, mode: AuthMode) -> dict[str, str]:
        if mode is AuthMode.NONE:
            return {}
        if mode is AuthMode.INVALID:
            return {self.header: f"Bearer {self.token(secret=secrets.token_hex(32))}"}
        if mode is AuthMode.WRONG_SCHEME:
            return {self.header: f"Token {self.token()}"}
        return {self.header: f"Bearer {self.token()}"}

    def secrets(self) -> list[str]:
        return [self.secret, *self._issued]
