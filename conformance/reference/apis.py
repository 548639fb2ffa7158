"""The APIs the embedded reference server serves, by name; a profile's ``reference`` names one.

One server, one storage layer, several API roots: the Klantinteracties API (Open Klant 2.18 shape)
and the legacy Klanten API 1.0. Selecting the API by the profile's ``reference`` (never by default)
means a profile naming an API the server does not have is a clear configuration error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conformance.errors import ConfigError
from conformance.resources import specs_dir


@dataclass(frozen=True)
class ReferenceApi:
    """One API of the reference server: its root path, contract and how clients authenticate."""

    name: str
    root_path: str
    contract: str  # relative to specs/
    auth: str  # token | zgw-jwt

    def contract_path(self) -> Path:
        return specs_dir() / self.contract


KLANTINTERACTIES = ReferenceApi(
    "klantinteracties", "/klantinteracties/api/v1", "klantinteracties-v1/openapi.yaml", "token"
)
KLANTEN = ReferenceApi("klanten", "/klanten/api/v1", "klanten-v1/openapi.yaml", "zgw-jwt")
REFERENCE_APIS: dict[str, ReferenceApi] = {api.name: api for api in (KLANTINTERACTIES, KLANTEN)}


def get_reference_api(name: str) -> ReferenceApi:
    """The API called ``name``; a ``ConfigError`` names the ones the reference server has."""
    try:
        return REFERENCE_APIS[name]
    except KeyError:
        known = ", ".join(REFERENCE_APIS)
        raise ConfigError(
            f"the embedded reference server has no API {name!r} (it serves: {known}); give --target-url"
        ) from None
