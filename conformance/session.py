"""``RunContext``: everything one run shares, built once from ``Settings``.

It starts the embedded reference server when no target is given, resolves the contract (a URL
is downloaded once), builds the auth provider, redactor, client, generators, catalogue and
recorder, and tears the server down at the end. The plugin holds one per pytest session.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from conformance.auth import AuthMode, AuthProvider
from conformance.catalogue import Catalogue, load_catalogues
from conformance.client import Client, HttpLimits
from conformance.config import Settings
from conformance.contract import ContractValidator
from conformance.errors import ConfigError, TargetError
from conformance.evidence import Redactor, split_userinfo, userinfo_secrets
from conformance.generators import IdentifierGenerator
from conformance.preflight import PreflightResult, run_preflight, skipped
from conformance.profiles import Profile
from conformance.readings import load_readings
from conformance.report import RunRecorder
from conformance.runner import RunnerContext
from conformance.specdiff.drift import SECTION as DRIFT_SECTION
from conformance.specdiff.drift import drift_section
from conformance.targetdata import TargetData

if TYPE_CHECKING:
    from conformance.reference.server import ReferenceServer


def http_limits(settings: Settings) -> HttpLimits:
    """The caps every HTTP client of the run shares (one breaker per run)."""
    return HttpLimits(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        max_response_bytes=settings.max_response_bytes,
    )


def resolve_spec(
    spec: str | None, profile: Profile, download_dir: Path, limits: HttpLimits | None = None
) -> Path:
    """The local contract file: the profile's, a given path, or a URL downloaded once."""
    if not spec:
        return profile.spec_path
    if spec.startswith(("http://", "https://")):
        url, userinfo = split_userinfo(spec)  # never sent (no Basic auth unasked), never printed
        redactor = Redactor.for_secrets(userinfo_secrets(userinfo))
        try:
            with (limits or HttpLimits()).http_client(follow_redirects=True) as http:
                response = http.get(url)
                response.raise_for_status()
        except httpx.HTTPError as exc:
            raise TargetError(redactor.text(f"cannot download the contract {url}: {exc}")) from exc
        download_dir.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(response.content).hexdigest()[:12]
        path = download_dir / f"contract-{digest}.yaml"
        path.write_bytes(response.content)
        return path
    path = Path(spec)
    if not path.is_file():
        raise ConfigError(f"contract file not found: {spec}")
    return path


@dataclass
class RunContext:
    """The shared state of one run; see the module docstring."""

    settings: Settings
    profile: Profile
    auth: AuthProvider
    redactor: Redactor
    target_url: str
    spec_path: Path
    client: Client
    contract: ContractValidator
    generators: IdentifierGenerator
    catalogue: Catalogue
    recorder: RunRecorder
    server: ReferenceServer | None = None
    preflight: PreflightResult | None = None

    @property
    def limits(self) -> HttpLimits:
        """The caps (and circuit breaker) every HTTP client of this run shares."""
        return self.client.limits

    @classmethod
    def open(cls, settings: Settings) -> RunContext:
        """Build the context; start the embedded reference server when there is no target."""
        profile = settings.load_profile()
        catalogue = load_catalogues(profile.catalogues)
        load_readings().resolve(profile.name, settings.reading)  # a reading the profile lacks: usage error
        server = None
        if settings.target_url is None:
            if profile.reference is None:
                raise ConfigError(
                    f"profile {profile.name} has no embedded reference server; give --target-url"
                )
            from conformance.reference.apis import get_reference_api
            from conformance.reference.server import ReferenceServer

            api = get_reference_api(profile.reference)  # ConfigError for an API the server lacks
            server = ReferenceServer(variant=settings.reference_variant, profile=profile.name).start()
            credentials = (
                {"jwt_client_id": server.jwt.client_id, "jwt_secret": server.jwt.secret, "token": None}
                if api.auth == "zgw-jwt"
                else {"token": server.token}
            )
            # The embedded server's own test register answers the subject URLs of strict-vng.
            template = settings.subject_url_template or server.subject_url_template
            settings = settings.with_overrides(
                target_url=server.root_for(api.name),
                auth_header=None,
                subject_url_template=template,
                **credentials,
            )
        target = str(settings.target_url)
        limits = http_limits(settings)
        try:
            auth = settings.auth_provider(profile)
            redactor = Redactor.for_secrets([*settings.secrets(), *auth.secrets()])
            spec_path = resolve_spec(settings.spec, profile, settings.report_dir / "contract", limits)
            contract = ContractValidator.for_profile(spec_path, target, redactor, profile)
        except BaseException:
            if server is not None:
                server.stop()
            raise
        client = Client(target, redactor=redactor, limits=limits)
        try:
            if settings.skip_preflight:
                preflight = skipped("--skip-preflight")
            else:
                preflight = run_preflight(client, auth, profile)
        except BaseException:  # Ctrl-C during the probe: leave nothing running
            client.close()
            if server is not None:
                server.stop()
            raise
        recorder = RunRecorder(redactor=redactor)
        recorder.record_section("preflight", preflight.to_dict())
        generators = TargetData(
            settings.run_id,
            subject_url_template=settings.subject_url_template,
            bsn_range=settings.bsn_range,
            kvk_range=settings.kvk_range,
        )
        if not preflight.failed:  # a target that failed the probe is not asked for its spec
            # Served-spec drift: a short summary in the report; it never fails or errors the run.
            # Through the run's HTTP stack: a slow drip or a huge body cannot hold the run.
            with limits.http_client() as http:
                headers = auth.headers(AuthMode.DEFAULT)
                drift = drift_section(target, profile, spec_path, headers=headers, client=http)
            recorder.record_section(DRIFT_SECTION, drift)
        return cls(
            settings=settings,
            profile=profile,
            auth=auth,
            redactor=redactor,
            target_url=target,
            spec_path=spec_path,
            client=client,
            contract=contract,
            generators=generators,
            catalogue=catalogue,
            recorder=recorder,
            server=server,
            preflight=preflight,
        )

    def runner_context(self) -> RunnerContext:
        return RunnerContext(
            client=self.client,
            auth=self.auth,
            generators=self.generators,
            run_id=self.settings.run_id,
            profile=self.profile.name,
            capabilities=self.profile.capabilities,
            contract=self.contract,
            validate_contract=self.settings.contract,
            refusal_statuses=self.profile.auth.refusal_statuses,
        )

    def close(self) -> None:
        """Close the client and stop the embedded server; safe to call twice."""
        self.client.close()
        if self.server is not None:
            self.server.stop()
            self.server = None
