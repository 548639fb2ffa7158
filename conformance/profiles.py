"""Profiles: the data that makes one API flavour testable (contract, scenarios, auth scheme)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import ConfigError
from conformance.policy import ProblemPolicy, StatusPolicy
from conformance.resources import scenarios_dir, specs_dir
from conformance.yamlsafe import safe_load

DEFAULT_PROFILE = "klantinteracties-v1"


@dataclass(frozen=True)
class AuthScheme:
    """How a profile sends credentials."""

    kind: str  # token | bearer | zgw-jwt
    scheme: str  # "Token" or "Bearer"
    header: str = "Authorization"
    refusal_statuses: tuple[int, ...] = (401, 403)
    """Statuses that count as refusing missing or invalid credentials (``{{ refusal_statuses }}``)."""


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
    """Name of the embedded reference API for this profile (``conformance.reference.apis``)."""
    capabilities: frozenset[str] = field(default_factory=frozenset)
    served_spec: str | None = None  # where a target serves its contract, relative to the API root
    fuzz_formats: tuple[tuple[str, str], ...] = ()
    """Property (or query parameter) name -> identifier format the fuzzer generates for it."""
    # Issue 9: what a contract leaves unsaid, decided by the profile with its sources.
    operations: tuple[str, ...] = ()  # operationIds the profile tests; fuzzing a --spec is scoped to them
    status_policy: StatusPolicy = field(default_factory=StatusPolicy)
    problem_policy: ProblemPolicy | None = None
    source: Path | None = None  # the profile file (findings judged by its policies cite it)
    probe: Probe | None = None  # the preflight request; None: preflight only checks that it answers
    tagging: Tagging | None = None  # where created records carry the run id; None: nowhere
    invariants: dict[str, Any] | None = None
    """The invariant layer's data (``conformance.invariants.spec`` parses it); None: no invariants."""

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
                    kind=auth["kind"],
                    scheme=auth["scheme"],
                    header=auth.get("header", "Authorization"),
                    refusal_statuses=tuple(int(s) for s in auth.get("refusal_statuses", (401, 403))),
                ),
                reference=data.get("reference"),
                capabilities=frozenset(data.get("capabilities", [])),
                served_spec=data.get("served_spec"),
                fuzz_formats=tuple((data.get("fuzz") or {}).get("formats", {}).items()),
                operations=tuple(str(o) for o in data.get("operations", [])),
                status_policy=StatusPolicy.from_data(data.get("implicit_error_statuses"), source=str(source)),
                problem_policy=ProblemPolicy.from_data(data.get("problem_details"), source=str(source)),
                source=source,
                probe=Probe.from_dict(data["preflight"]) if data.get("preflight") else None,
                tagging=Tagging(**data["tagging"]) if data.get("tagging") else None,
                invariants=data.get("invariants"),
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
    data = safe_load(path.read_bytes())
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a profile must be a mapping")
    for policy in data.get("policies", []):
        _merge_policy(data, str(policy), path)
    return Profile.from_dict(data, source=path)


def _merge_policy(data: dict[str, Any], name: str, profile_path: Path) -> None:
    """Add a shared policy file's keys (``specs/policies/<name>.yaml``) the profile does not set."""
    path = specs_dir() / "policies" / f"{name}.yaml"
    try:
        policy = safe_load(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"{profile_path}: policy {name!r} not found ({path})") from exc
    if not isinstance(policy, dict):
        raise ConfigError(f"{path}: a policy file must be a mapping")
    for key, value in policy.items():
        data.setdefault(key, value)
