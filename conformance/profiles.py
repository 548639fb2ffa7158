"""Profiles: the data that makes one API flavour testable (contract, scenarios, auth scheme)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import ConfigError
from conformance.resources import scenarios_dir, specs_dir

DEFAULT_PROFILE = "klantinteracties-v1"


@dataclass(frozen=True)
class AuthScheme:
    """How a profile sends credentials."""

    kind: str  # token | bearer | zgw-jwt
    scheme: str  # "Token" or "Bearer"
    header: str = "Authorization"


@dataclass(frozen=True)
class Probe:
    """The profile's cheap preflight request: an operation any server of the API answers.

    ``statuses`` are the answers that prove the API is there (a list answering 200, or a refusal
    with a JSON body); ``json_keys`` must all be in a 200 body (e.g. the pagination envelope).
    """

    method: str = "GET"
    path: str = "/"
    query: tuple[tuple[str, str], ...] = ()
    statuses: frozenset[int] = frozenset({200, 401, 403})
    json_keys: tuple[str, ...] = ()
    version_header: str = "API-version"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Probe:
        return cls(
            method=str(data.get("method", "GET")).upper(),
            path=str(data["path"]),
            query=tuple((str(k), str(v)) for k, v in (data.get("query") or {}).items()),
            statuses=frozenset(int(s) for s in data.get("statuses", (200, 401, 403))),
            json_keys=tuple(str(k) for k in data.get("json_keys", ())),
            version_header=str(data.get("version_header", "API-version")),
        )


@dataclass(frozen=True)
class Tagging:
    """Where scenarios put the run tag: a free-text ``field`` of the records in ``collection``."""

    collection: str
    field: str
    not_tagged: str = ""  # what cannot carry the tag (said in every report)


@dataclass(frozen=True)
class Profile:
    """One API flavour the suite can test."""

    name: str
    title: str
    api_version: str
    root_path: str
    spec_path: Path
    scenarios_path: Path
    catalogues: tuple[str, ...]
    auth: AuthScheme
    reference: str | None = None
    capabilities: frozenset[str] = field(default_factory=frozenset)
    probe: Probe | None = None  # the preflight request; None: preflight only checks that it answers
    tagging: Tagging | None = None  # where created records carry the run id; None: nowhere

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: Path) -> Profile:
        try:
            auth = data["auth"]
            return cls(
                name=data["name"],
                title=data.get("title", data["name"]),
                api_version=str(data.get("api_version", "")),
                root_path=data.get("root_path", ""),
                spec_path=specs_dir() / data["spec"],
                scenarios_path=scenarios_dir() / data["scenarios"],
                catalogues=tuple(data.get("catalogues", [])),
                auth=AuthScheme(
                    kind=auth["kind"], scheme=auth["scheme"], header=auth.get("header", "Authorization")
                ),
                reference=data.get("reference"),
                capabilities=frozenset(data.get("capabilities", [])),
                probe=Probe.from_dict(data["preflight"]) if data.get("preflight") else None,
                tagging=Tagging(**data["tagging"]) if data.get("tagging") else None,
            )
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"{source}: profile is missing or mistypes {exc}") from exc


def available_profiles() -> list[str]:
    """Names of the shipped profiles."""
    return sorted(p.stem for p in (specs_dir() / "profiles").glob("*.yaml"))


def load_profile(name: str) -> Profile:
    """Load a shipped profile by name; a clear ``ConfigError`` names the alternatives."""
    path = specs_dir() / "profiles" / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(available_profiles()) or "none"
        raise ConfigError(f"unknown profile {name!r}; known profiles: {known}")
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a profile must be a mapping")
    return Profile.from_dict(data, source=path)
