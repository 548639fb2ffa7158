"""Problem details (RFC 7807) in the shape of Open Klant / commonground-api-common.

Every refusal of the server is an ``ApiError``; the app turns it into one JSON body with
``type, code, title, status, detail, instance`` and, for validation errors, ``invalidParams``.
Keeping the vocabulary in one place keeps the error answers of all routes identical.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

INVALID_TITLE = "Ongeldige invoerwaarde."
UNIQUE_REASON = "`PartijIdentificator` moet uniek zijn, er bestaat er al een met deze gegevenscombinatie."
SOORT_UNIQUE_REASON = "`CodeSoortObjectId` moet uniek zijn voor de Partij."
NUMMER_UNIQUE_REASON = "Er bestaat al een partij met eenzelfde Nummer."
PROTECTED_REASON = (
    "Het object kan niet verwijderd of gewijzigd worden: er verwijzen nog andere objecten naar."
)


@dataclass(frozen=True)
class InvalidParam:
    """One entry of ``invalidParams``: the camelCase (dotted) field name, a code and a reason."""

    name: str
    code: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "code": self.code, "reason": self.reason}


@dataclass
class ApiError(Exception):
    """A refusal with its HTTP status; raised anywhere, rendered once by the app."""

    status: int
    code: str
    title: str
    detail: str = ""
    invalid_params: list[InvalidParam] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    exception_name: str = "APIException"

    def __post_init__(self) -> None:
        super().__init__(f"{self.status} {self.code}: {self.detail or self.title}")

    def body(self, site: str) -> dict[str, Any]:
        """The problem document; ``site`` is the scheme and host the ``type`` URI is built on."""
        data: dict[str, Any] = {
            "type": f"{site}/ref/fouten/{self.exception_name}/",
            "code": self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail or self.title,
            "instance": f"urn:uuid:{uuid.uuid4()}",
        }
        if self.status == 400:
            data["invalidParams"] = [p.as_dict() for p in self.invalid_params]
        data.update(self.extra)
        return data


def validation_error(params: list[InvalidParam]) -> ApiError:
    """A 400 ``invalid`` with the given ``invalidParams`` (DRF's ValidationError)."""
    return ApiError(400, "invalid", INVALID_TITLE, invalid_params=params, exception_name="ValidationError")


def invalid(name: str, reason: str, code: str = "invalid") -> ApiError:
    """A 400 about a single field."""
    return validation_error([InvalidParam(name, code, reason)])


def not_found() -> ApiError:
    return ApiError(404, "not_found", "Niet gevonden.", exception_name="NotFound")


def unsupported_media_type(media_type: str) -> ApiError:
    title = f'Ongeldige media type "{media_type}" in aanvraag.'
    return ApiError(415, "unsupported_media_type", title, exception_name="UnsupportedMediaType")


def not_authenticated() -> ApiError:
    return ApiError(
        401,
        "not_authenticated",
        "Authenticatiegegevens zijn niet opgegeven.",
        headers={"WWW-Authenticate": "Token"},
        exception_name="NotAuthenticated",
    )


def authentication_failed(detail: str) -> ApiError:
    return ApiError(
        401,
        "authentication_failed",
        "Incorrecte authenticatiegegevens.",
        detail=detail,
        headers={"WWW-Authenticate": "Token"},
        exception_name="AuthenticationFailed",
    )


def server_error() -> ApiError:
    return ApiError(500, "error", "Er is een serverfout opgetreden.", exception_name="APIException")
