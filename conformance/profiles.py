"""Profiles: the data that makes one API flavour testable (contract, scenarios, auth scheme)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import ConfigError
from conformance.policy import ProblemPolicy, StatusPolicy
from conformance.resources import scenarios_dir, specs_dir

DEFAULT_PROFILE = "klantinteracties-v1"


@dataclass(frozen=True)
class AuthScheme:
    """How a profile sends credentials."""

    kind: str  # token | bearer | zgw-jwt
    scheme: str  # "Token" or "Bearer"
    header: str = "Authorization"


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
    # Issue 9: what a contract leaves unsaid, decided by the profile with its sources.
    operations: tuple[str, ...] = ()  # operationIds the profile tests; fuzzing a --spec is scoped to them
    status_policy: StatusPolicy = field(default_factory=StatusPolicy)
    problem_policy: ProblemPolicy | None = None
    source: Path | None = None  # the profile file (findings judged by its policies cite it)

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
                operations=tuple(str(o) for o in data.get("operations", [])),
                status_policy=StatusPolicy.from_data(data.get("implicit_error_statuses"), source=str(source)),
                problem_policy=ProblemPolicy.from_data(data.get("problem_details"), source=str(source)),
                source=source,
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
