"""Settings and their precedence: CLI > environment > pyproject/ini > defaults.

The options are declared once in ``OPTIONS``; the pytest plugin and the CLI both build their
flags from this table, so ``klanten-conformance run --x`` and ``pytest --x`` never drift apart.
"""

from __future__ import annotations

import os
import tomllib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from conformance.auth import AuthProvider, NoAuth, SchemeAuth, ZgwJwtAuth
from conformance.errors import ConfigError
from conformance.evidence import split_userinfo, userinfo_secrets
from conformance.profiles import DEFAULT_PROFILE, Profile, load_profile

ENV_PREFIX = "KLANTEN_CONFORMANCE_"
INI_PREFIX = "klanten_conformance_"
PYPROJECT_TABLE = "klanten-conformance"


def _range(text: str) -> tuple[int, int]:
    low, sep, high = text.partition("-")
    if not sep:
        raise ValueError(f"expected LOW-HIGH, got {text!r}")
    start, end = int(low), int(high)
    if start > end:
        raise ValueError(f"empty range {text!r}")
    return start, end


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected true/false, got {text!r}")


def subject_template(text: str) -> str:
    """A subject URL template: an http(s) URL with ``{bsn}`` exactly once (ValueError otherwise)."""
    if not text.startswith(("http://", "https://")) or text.count("{bsn}") != 1:
        raise ValueError(f"expected an http(s) URL with {{bsn}} once, got {text!r}")
    return text


def _reading(text: str) -> str:
    value = text.strip().lower()
    if value not in ("literal", "register"):
        raise ValueError(f"expected literal or register, got {text!r}")
    return value


@dataclass(frozen=True)
class Option:
    """One setting: its flag, environment variable, converter and help text."""

    name: str
    help: str
    convert: Callable[[str], Any] = str
    secret: bool = False
    flag: str = ""
    metavar: str | None = None
    pytest_flag: str = ""  # when pytest itself owns the CLI flag (pytest's own --strict)
    bare: bool = False  # the flag alone means "true" (``--strict``)

    @property
    def cli_flag(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def plugin_flag(self) -> str:
        return self.pytest_flag or self.cli_flag

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def ini(self) -> str:
        return INI_PREFIX + self.name


OPTIONS: tuple[Option, ...] = (
    Option(
        "target_url",
        "API root of the target, e.g. http://host/klantinteracties/api/v1. "
        "Without it the embedded reference server is started for the run.",
        metavar="URL",
    ),
    Option("profile", f"Profile to test (default {DEFAULT_PROFILE}).", metavar="NAME"),
    Option(
        "token", "Credential sent in the profile's scheme (e.g. 'Token KEY').", secret=True, metavar="KEY"
    ),
    Option(
        "auth_header",
        "Authorization header value sent verbatim instead of --token.",
        secret=True,
        metavar="VALUE",
    ),
    Option("jwt_client_id", "ZGW JWT client_id (profiles with zgw-jwt auth).", metavar="ID"),
    Option("jwt_secret", "ZGW JWT HS256 secret (profiles with zgw-jwt auth).", secret=True, metavar="SECRET"),
    Option(
        "spec",
        "OpenAPI contract (path or URL); default: the profile's contract in specs/.",
        metavar="PATH|URL",
    ),
    Option(
        "report_dir",
        "Folder for conformance-report.json, junit.xml, allure-results/ (default reports).",
        convert=Path,
        metavar="DIR",
    ),
    Option("connect_timeout", "Seconds to wait for a connection (default 5).", convert=float, metavar="S"),
    Option(
        "read_timeout",
        "Seconds to wait for each read of a response (default 10); a whole request may take at most "
        "connect + 2 x read timeout.",
        convert=float,
        metavar="S",
    ),
    Option(
        "max_response_bytes",
        "Largest response body read; larger is a target error (default 5 MiB).",
        convert=int,
        metavar="BYTES",
    ),
    Option(
        "reference_variant",
        "Variant of the embedded reference server used when no target is given "
        "(default: the correct one; see `klanten-conformance variants`).",
        metavar="NAME",
    ),
    Option(
        "bsn_range",
        "Range for generated BSNs and RSINs (default 999900000-999999999).",
        convert=_range,
        metavar="LOW-HIGH",
    ),
    Option(
        "kvk_range",
        "Range for generated KvK-nummers (default 99990000-99999999).",
        convert=_range,
        metavar="LOW-HIGH",
    ),
    Option(
        "subject_url_template",
        "URL of a person in the vendor's test BRP that the target can fetch, with {bsn} where the BSN "
        "goes (e.g. https://brp.test/ingeschrevenpersonen/{bsn}); scenarios that register a subject URL "
        "are not-applicable without it (default: the embedded reference's own test register).",
        convert=subject_template,
        metavar="URL",
    ),
    Option("run_id", "Identifier of this run (default: random); seeds the data generators.", metavar="ID"),
    Option(
        "contract",
        "Validate every response against the contract (default true).",
        convert=_bool,
        metavar="BOOL",
    ),
    Option(
        "fuzz",
        "Fuzz the contract with schemathesis as part of the run (default: on for `run`).",
        convert=_bool,
        metavar="BOOL",
    ),
    Option("fuzz_budget", "Fuzzing examples per operation (default 10).", convert=int, metavar="N"),
    Option(
        "fuzz_max_time",
        "Wall-time budget of the whole fuzz session in seconds (default 120).",
        convert=float,
        metavar="S",
    ),
    Option(
        "fuzz_phases",
        "Comma-separated fuzz phases: examples,coverage,fuzzing,stateful (default all).",
        metavar="LIST",
    ),
    Option(
        "fuzz_coverage_updates",
        "Also run the coverage phase on PUT/PATCH of one resource, whose body variations all address a "
        "generated identifier (default false: thorough runs only; see docs/fuzzing.md).",
        convert=_bool,
        metavar="BOOL",
        bare=True,
    ),
    Option(
        "strict",
        "Treat failed SHOULD requirements as failures (exit 1) instead of warnings (default false). "
        "Under plain pytest: --conformance-strict (pytest owns --strict).",
        convert=_bool,
        metavar="BOOL",
        pytest_flag="--conformance-strict",
        bare=True,
    ),
    Option(
        "reading",
        "How KLOK01 is read: 'register' (failures the standard's later decisions contest are warnings "
        "with both citations) or 'literal' (every failure counts). Default: the profile's "
        "(klantinteracties-v1: register; klanten-v1: literal, its only reading). --strict also counts "
        "contested failures.",
        convert=_reading,
        metavar="literal|register",
    ),
    Option(
        "seed",
        "Seed of the fuzzer; the same seed sends the same requests (default 20221206).",
        convert=int,
        metavar="N",
    ),
    Option(
        "waivers",
        "YAML list of accepted deviations {requirement|scenario, reason, ticket, expires}; "
        "a waived failure does not fail the run, an expired or stale waiver does.",
        convert=Path,
        metavar="FILE",
    ),
    Option(
        "bundle",
        "Also write conformance-bundle.zip (reports, evidence, contract, scenarios, SHA-256 manifest).",
        convert=_bool,
        metavar="BOOL",
        bare=True,
    ),
    Option(
        "skip_preflight",
        "Do not probe the target before the run (for a target that cannot answer the probe).",
        convert=_bool,
        metavar="BOOL",
        bare=True,
    ),
    Option(
        "max_duration",
        "Wall-time budget of the whole run in seconds; what has not started by then is reported as "
        "error, cleanups still run (default: none).",
        convert=float,
        metavar="S",
    ),
    Option(
        "invariants",
        "Run the invariant layer (stateful property checks of KLOK01 over every route and credential "
        "form) as part of `run` (default true).",
        convert=_bool,
        metavar="BOOL",
    ),
    Option(
        "read_only",
        "Run only scenarios and fuzz operations that create nothing (for production-like targets).",
        convert=_bool,
        metavar="BOOL",
        bare=True,
    ),
)
OPTIONS_BY_NAME = {o.name: o for o in OPTIONS}


@dataclass(frozen=True)
class Settings:
    """Resolved settings of one run."""

    target_url: str | None = None
    profile: str = DEFAULT_PROFILE
    token: str | None = field(default=None, repr=False)  # secrets never in a repr or traceback
    auth_header: str | None = field(default=None, repr=False)
    jwt_client_id: str | None = None
    jwt_secret: str | None = field(default=None, repr=False)
    spec: str | None = None
    report_dir: Path = Path("reports")
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    max_response_bytes: int = 5 * 1024 * 1024
    reference_variant: str = "reference"
    bsn_range: tuple[int, int] = (999_900_000, 999_999_999)
    kvk_range: tuple[int, int] = (99_990_000, 99_999_999)
    subject_url_template: str | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    contract: bool = True
    fuzz: bool = False
    fuzz_budget: int = 10
    fuzz_max_time: float = 120.0
    fuzz_phases: str = "examples,coverage,fuzzing,stateful"
    fuzz_coverage_updates: bool = False
    seed: int = 20221206
    waivers: Path | None = None
    bundle: bool = False
    strict: bool = False
    reading: str | None = None  # None: the profile's default (conformance.readings)
    skip_preflight: bool = False
    max_duration: float | None = None
    read_only: bool = False
    invariants: bool = True
    # User info found in target_url (stripped from it): never sent, only redacted.
    target_userinfo: str | None = field(default=None, repr=False)
    # Where each explicitly set option came from ("cli", "env", "file", "command default"); an
    # option absent here has its built-in default. The report says where the fuzz knobs came from.
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def load_profile(self) -> Profile:
        return load_profile(self.profile)

    def auth_provider(self, profile: Profile) -> AuthProvider:
        """The provider for this run: --auth-header wins; a zgw-jwt profile mints its token from
        --jwt-client-id and --jwt-secret (or sends a pre-made one given as --token)."""
        if self.auth_header:
            return SchemeAuth.from_header_value(self.auth_header, header=profile.auth.header)
        if profile.auth.kind == "zgw-jwt":
            if bool(self.jwt_client_id) != bool(self.jwt_secret):
                raise ConfigError("a ZGW JWT needs both --jwt-client-id and --jwt-secret")
            if self.jwt_client_id and self.jwt_secret:
                return ZgwJwtAuth(self.jwt_client_id, self.jwt_secret, header=profile.auth.header)
        if self.token:
            return SchemeAuth(self.token, scheme=profile.auth.scheme, header=profile.auth.header)
        return NoAuth(scheme=profile.auth.scheme, header=profile.auth.header)

    def secrets(self) -> list[str]:
        """Every configured credential, for redaction."""
        options = [getattr(self, o.name) for o in OPTIONS if o.secret and getattr(self, o.name)]
        return [*options, *userinfo_secrets(self.target_userinfo)]

    def with_overrides(self, **changes: Any) -> Settings:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(changes)
        return Settings(**data)


def _convert(option: Option, raw: Any, origin: str) -> Any:
    if not isinstance(raw, str):
        if option.convert is _range and isinstance(raw, list | tuple) and len(raw) == 2:
            return int(raw[0]), int(raw[1])
        if option.convert is Path:
            return Path(str(raw))
        return _checked(option, raw, origin)
    try:
        value = option.convert(raw)
    except ValueError as exc:
        raise ConfigError(f"{origin}: invalid value for {option.name}: {exc}") from exc
    return _checked(option, value, origin)


FUZZ_PHASES = ("examples", "coverage", "fuzzing", "stateful")


def _phases_problem(value: Any) -> str | None:
    names = [p.strip() for p in str(value).split(",") if p.strip()]
    unknown = [p for p in names if p not in FUZZ_PHASES]
    if not names or unknown:
        found = f"unknown phase(s) {', '.join(unknown)}" if unknown else "no phase"
        return f"{found}; choose from {', '.join(FUZZ_PHASES)}"
    return None


# What a converted value must satisfy, checked where the user set it (so the message names that
# option, not the internal setting a later layer derives from it).
_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "fuzz_budget": lambda v: None if v >= 1 else "must be at least 1",
    "fuzz_max_time": lambda v: None if v > 0 else "must be a positive number of seconds",
    "max_duration": lambda v: None if v >= 0 else "must be 0 or more seconds",
    "connect_timeout": lambda v: None if v > 0 else "must be a positive number of seconds",
    "read_timeout": lambda v: None if v > 0 else "must be a positive number of seconds",
    "max_response_bytes": lambda v: None if v > 0 else "must be a positive number of bytes",
    "fuzz_phases": _phases_problem,
}


def _checked(option: Option, value: Any, origin: str) -> Any:
    check = _CHECKS.get(option.name)
    problem = check(value) if check is not None else None
    if problem:
        raise ConfigError(f"{origin}: invalid value {value!r}: {problem}")
    return value


def read_pyproject(rootdir: Path) -> dict[str, Any]:
    """``[tool.klanten-conformance]`` of ``rootdir/pyproject.toml``, or empty."""
    path = rootdir / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            table = tomllib.load(fh).get("tool", {}).get(PYPROJECT_TABLE, {})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return {k.replace("-", "_"): v for k, v in table.items()}


def resolve(
    cli: Mapping[str, Any],
    env: Mapping[str, str] | None = None,
    file: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> Settings:
    """Merge the layers: a value set on the CLI beats the environment, which beats the file.

    ``defaults`` replaces built-in defaults for one command (``run`` fuzzes by default).
    """
    env = os.environ if env is None else env
    file = file or {}
    unknown = set(file) - set(OPTIONS_BY_NAME)
    if unknown:
        raise ConfigError(f"unknown setting(s) in [tool.{PYPROJECT_TABLE}]: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for option in OPTIONS:
        if cli.get(option.name) is not None:
            values[option.name] = _convert(option, cli[option.name], f"option {option.cli_flag}")
            sources[option.name] = "cli"
        elif env.get(option.env):
            values[option.name] = _convert(option, env[option.env], f"environment {option.env}")
            sources[option.name] = f"env {option.env}"
        elif file.get(option.name) is not None:
            values[option.name] = _convert(option, file[option.name], "configuration file")
            sources[option.name] = "file"
    for name, value in (defaults or {}).items():
        if name not in values:
            values[name] = value
            sources[name] = "command default"
    values["sources"] = sources
    if values.get("target_url"):
        url, userinfo = split_userinfo(str(values["target_url"]).rstrip("/"))
        values["target_url"] = url
        if userinfo:
            values["target_userinfo"] = userinfo
    return Settings(**values)
