"""What a fuzz session is allowed to do, and the schemathesis configuration that follows from it.

Everything that decides *which* requests are sent lives here, so determinism can be reviewed in
one place: the seed, the phases, the example budget, the disabled sources of run-to-run drift
(Hypothesis database, schemathesis cache, response-derived data, error feedback).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.config import Settings
from conformance.errors import ConfigError

PHASES: tuple[str, ...] = ("examples", "coverage", "fuzzing", "stateful")
UNIT_PHASES: tuple[str, ...] = ("examples", "coverage", "fuzzing")

# schemathesis check name -> CONTRACT requirement id (specs/requirements/contract.yaml).
CHECK_REQUIREMENTS: dict[str, str] = {
    "not_a_server_error": "CONTRACT-NO-SERVER-ERROR",
    "status_code_conformance": "CONTRACT-STATUS",
    "content_type_conformance": "CONTRACT-CONTENT-TYPE",
    "response_schema_conformance": "CONTRACT-SCHEMA",
    "negative_data_rejection": "CONTRACT-NEGATIVE-DATA",
    "ignored_auth": "CONTRACT-AUTH",
}
# Our own checks: anonymous requests must be refused with 401/403 (conformance.fuzz.authcheck); a
# 4xx body is a problem-details object (the profile's policy, conformance.policy).
AUTH_CHECK = "unauthenticated_refused"
PROBLEM_CHECK = "problem_details"
CHECK_REQUIREMENTS_ALL: dict[str, str] = {
    **CHECK_REQUIREMENTS,
    AUTH_CHECK: "CONTRACT-AUTH",
    PROBLEM_CHECK: "CONTRACT-PROBLEM-DETAILS",
}

# The statuses by which the contract lets a server refuse a request it considers invalid (see
# docs/fuzzing.md). schemathesis' default also accepts 428, 429 and any 5xx; a 5xx is a server error,
# never a refusal, and the contract documents neither 428 nor 429.
REFUSAL_STATUSES: tuple[int, ...] = (400, 401, 403, 404, 405, 406, 409, 415, 422)

DEFAULT_STATEFUL_STEPS = 6
# --read-only's only unexpected-method probe (schemathesis cannot probe with HEAD).
READ_ONLY_PROBES: tuple[str, ...] = ("OPTIONS",)

# PUT/PATCH of one resource (a path parameter): no coverage phase unless --fuzz-coverage-updates.
SKIP_UPDATE_COVERAGE: dict[str, Any] = {
    "include-name-regex": r"^(PUT|PATCH) .*\{",  # one filter: schemathesis ORs separate include-* keys
    "phases": {"coverage": {"enabled": False}},
}


def parse_phases(text: str) -> tuple[str, ...]:
    """``"coverage, fuzzing"`` -> ``("coverage", "fuzzing")`` in canonical order; unknown -> ConfigError."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = sorted(set(names) - set(PHASES))
    if unknown:
        raise ConfigError(f"unknown fuzz phase(s) {', '.join(unknown)}; known: {', '.join(PHASES)}")
    if not names:
        raise ConfigError(f"fuzz_phases is empty; choose from {', '.join(PHASES)}")
    return tuple(p for p in PHASES if p in names)


@dataclass(frozen=True)
class FuzzOptions:
    """The knobs of one fuzz session, resolved from ``Settings``."""

    seed: int = 20221206
    budget: int = 10  # fuzzing-phase examples per operation (and stateful scenarios)
    max_time: float = 120.0  # wall-time budget of the whole session, seconds
    phases: tuple[str, ...] = PHASES
    request_timeout: float = 30.0
    connect_timeout: float = 5.0
    stateful_steps: int = DEFAULT_STATEFUL_STEPS
    operation_ids: tuple[str, ...] = ()  # the profile's operations; the session is scoped to them
    # The coverage phase on PUT/PATCH of one resource: thousands of body variations, all sent to a
    # generated identifier, so a server that looks the resource up first answers each with 404.
    coverage_updates: bool = False
    # --read-only: the coverage phase's probes of methods an operation does not declare are limited
    # to OPTIONS (schemathesis' default also sends POST, PUT, PATCH, DELETE inside GET units).
    read_only: bool = False

    def __post_init__(self) -> None:
        if self.budget < 1:
            raise ConfigError(f"fuzz_budget must be at least 1, got {self.budget}")
        if self.max_time <= 0:
            raise ConfigError(f"fuzz_max_time must be positive, got {self.max_time}")
        if self.request_timeout <= 0:
            raise ConfigError(f"read_timeout must be positive, got {self.request_timeout}")

    @classmethod
    def from_settings(cls, settings: Settings) -> FuzzOptions:
        return cls(
            seed=settings.seed,
            budget=settings.fuzz_budget,
            max_time=settings.fuzz_max_time,
            phases=parse_phases(settings.fuzz_phases),
            request_timeout=settings.read_timeout,
            connect_timeout=settings.connect_timeout,
            operation_ids=settings.load_profile().operations,
            coverage_updates=settings.fuzz_coverage_updates,
            read_only=settings.read_only,
        )

    @property
    def unit_phases(self) -> tuple[str, ...]:
        return tuple(p for p in self.phases if p in UNIT_PHASES)

    @property
    def stateful(self) -> bool:
        return "stateful" in self.phases

    def schemathesis_config(
        self, *, base_url: str, headers: dict[str, str], phases: tuple[str, ...]
    ) -> dict[str, Any]:
        """The ``schemathesis.Config.from_dict`` mapping for one engine run over ``phases``."""
        no_drift = {"extra-data-sources": {"responses": False}}
        enabled: dict[str, dict[str, Any]] = {name: {"enabled": name in phases} for name in PHASES}
        enabled["examples"].update(no_drift)
        enabled["coverage"].update(no_drift)
        if self.read_only:
            enabled["coverage"]["unexpected-methods"] = list(READ_ONLY_PROBES)
        enabled["fuzzing"].update({**no_drift, "error-feedback": {"enabled": False}})
        enabled["stateful"].update(
            {
                "max-steps": self.stateful_steps,
                "generation": {"max-examples": self.budget},
                # Dependency analysis infers links that send a response body back as the next
                # request body: server-made values (timestamps) would make the requests differ
                # between two runs with the same seed. Location-header links carry only the uuid.
                "inference": {"algorithms": ["location-headers"]},
            }
        )
        checks: dict[str, Any] = {"enabled": False}
        for name in CHECK_REQUIREMENTS:
            checks[name] = {"enabled": True}
        checks["negative_data_rejection"]["expected-statuses"] = [str(s) for s in REFUSAL_STATUSES]
        return {
            "base-url": base_url,
            # Credentials travel as configured headers: schemathesis knows them, removes them itself
            # for its "missing auth" cases and for ignored_auth probes, and masks them in output.
            "headers": dict(headers),
            "seed": self.seed,
            "workers": 1,
            "request-timeout": self.request_timeout,
            "continue-on-failure": True,
            "suppress-health-check": ["all"],
            "cache": {"enabled": False},
            "auth": {"auto-signup": False},
            "output": {"sanitization": {"enabled": True}},
            "generation": {"max-examples": self.budget, "database": "none", "deterministic": False},
            "phases": enabled,
            "checks": checks,
            "operations": [] if self.coverage_updates else [SKIP_UPDATE_COVERAGE],
        }
