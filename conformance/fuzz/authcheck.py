"""The explicit auth check: anonymous (and wrongly credentialed) requests must be refused.

schemathesis only warns when every request is refused and its ``ignored_auth`` check only fires on
operations it got a 2xx from. This check does not depend on either: for every operation the contract
secures it sends one request **without** credentials and one with an **invalid** credential of the
right scheme, and requires 401 or 403 (KLOK01-R7/R8; Open Klant answers 401 for an existing and a
non-existing uuid alike). Anything else — 2xx, another 4xx, a 5xx — is a CONTRACT-AUTH finding.

It also probes the collection endpoints *with* the configured credentials: if all of them are
refused, the run's credentials are wrong (or missing) and every fuzz verdict would be meaningless,
which is a tool/config error, not a finding against the target.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from conformance.auth import AuthMode, AuthProvider
from conformance.errors import ConfigError, TargetError
from conformance.evidence import Redactor, curl_command
from conformance.fuzz.engine import OperationInfo
from conformance.fuzz.findings import RawFailure
from conformance.fuzz.options import AUTH_CHECK

REFUSED = frozenset({401, 403})
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})

Observer = Callable[[str, str, dict[str, str], bytes | None, httpx.Response], None]


@dataclass
class AuthCheckResult:
    failures: list[RawFailure] = field(default_factory=list)
    probes: int = 0
    credential_statuses: dict[str, int] = field(default_factory=dict)


def _url(target_url: str, operation: OperationInfo, seed: int) -> str:
    path = operation.path
    for name in operation.path_parameters:
        # A fixed, seed-derived identifier that exists nowhere: the answer must not depend on data.
        path = path.replace(
            "{" + name + "}", str(uuid.uuid5(uuid.NAMESPACE_URL, f"{seed}:{operation.label}"))
        )
    return target_url.rstrip("/") + path


def probe_unauthenticated(
    client: httpx.Client,
    *,
    target_url: str,
    operations: list[OperationInfo],
    auth: AuthProvider,
    redactor: Redactor,
    seed: int,
    observe: Observer | None = None,
) -> AuthCheckResult:
    """Send the anonymous and invalid-credential probes; findings for every answer other than 401/403."""
    result = AuthCheckResult()
    for operation in operations:
        if not operation.secured:
            continue
        url = _url(target_url, operation, seed)
        body = b"{}" if operation.method in _WITH_BODY else None
        base = {"Content-Type": "application/json"} if body is not None else {}
        modes = [(AuthMode.NONE, "without credentials"), (AuthMode.INVALID, "with an invalid credential")]
        for mode, how in modes:
            headers = {**base, **auth.headers(mode)}
            if mode is AuthMode.INVALID and not headers.keys() - base.keys():
                continue  # the provider cannot forge an invalid credential of its scheme
            try:
                response = client.request(operation.method, url, headers=headers, content=body)
            except httpx.HTTPError as exc:
                raise TargetError(
                    f"{operation.label}: auth probe failed: {type(exc).__name__}: {exc}"
                ) from exc
            result.probes += 1
            if observe is not None:
                observe(operation.method, url, headers, body, response)
            if response.status_code in REFUSED:
                continue
            result.failures.append(
                RawFailure(
                    check=AUTH_CHECK,
                    operation=operation.label,
                    code="AUTH",
                    title="Request " + how + " was not refused",
                    message=f"expected 401 or 403, got {response.status_code}: {response.text[:200]}",
                    curl=curl_command(
                        operation.method,
                        redactor.text(url),
                        redactor.headers(headers),
                        None if body is None else redactor.text(body.decode()),
                    ),
                    case_id=f"auth:{operation.label}:{mode.value}",
                    status=response.status_code,
                    phase="auth",
                )
            )
    return result


def verify_credentials(
    client: httpx.Client,
    *,
    target_url: str,
    operations: list[OperationInfo],
    auth: AuthProvider,
    observe: Observer | None = None,
) -> dict[str, int]:
    """GET every secured collection with the run's credentials; raise if all of them are refused."""
    readable = [
        op
        for op in operations
        if op.method == "GET" and op.secured and not op.path_parameters and not op.required_query
    ]
    statuses: dict[str, int] = {}
    headers = auth.headers(AuthMode.DEFAULT)
    for operation in readable:
        url = target_url.rstrip("/") + operation.path
        try:
            response = client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            raise TargetError(f"{operation.label}: {type(exc).__name__}: {exc}") from exc
        if observe is not None:
            observe("GET", url, headers, None, response)
        statuses[operation.label] = response.status_code
    if statuses and all(status in REFUSED for status in statuses.values()):
        what = (
            "the configured credentials are refused"
            if auth.has_credentials
            else "no credentials are configured"
        )
        raise ConfigError(
            f"{what}: every secured collection answered 401/403 "
            f"({', '.join(f'{k} -> {v}' for k, v in statuses.items())}); fuzz verdicts would be meaningless. "
            "Set --token or --auth-header."
        )
    return statuses
