"""Preflight: is this target the profile's API, and do the credentials work? Asked once per run.

A wrong root (``http://host`` instead of ``http://host/klantinteracties/api/v1``) or another API
behind the URL makes every POST answer 404; without this check the scenarios would report those
404s as KLOK01 failures. The preflight sends the profile's cheap probe (data in
``specs/profiles/*.yaml``) before any scenario or fuzz case and stops the run when:

- the target does not answer (connection refused, timeout, TLS failure): verdict ``error``;
- the root does not serve the API (404, HTML, a redirect, JSON of another shape): ``error``, naming
  what was found and suggesting the likely root;
- the configured credentials are refused: ``inconclusive``.

A served ``API-version`` other than the profile's is a warning only; the run goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from conformance.auth import AuthMode, AuthProvider
from conformance.client import Client, Reply
from conformance.errors import ConfigError, TargetError
from conformance.evidence import Exchange
from conformance.profiles import Probe, Profile, available_profiles, load_profile
from conformance.verdicts import Verdict

STEP = "preflight"


@dataclass
class PreflightResult:
    """What the preflight found; ``verdict`` is None when the run may go on."""

    status: str  # passed | failed | skipped
    message: str = ""
    verdict: Verdict | None = None  # error or inconclusive when failed
    found: str | None = None
    suggestion: str | None = None
    served_version: str | None = None
    warnings: list[str] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "verdict": self.verdict.value if self.verdict else None,
            "message": self.message,
            "found": self.found,
            "suggestion": self.suggestion,
            "served_version": self.served_version,
            "warnings": list(self.warnings),
            "exchanges": [e.to_dict() for e in self.exchanges],
        }


def skipped(reason: str) -> PreflightResult:
    return PreflightResult("skipped", message=reason)


def _content_kind(reply: Reply) -> tuple[str, Any]:
    """('json', body) / ('html', None) / ('<content type>', None)."""
    ctype = reply.headers.get("content-type", "").split(";")[0].strip().lower()
    body = reply.response.content.lstrip()
    if body[:1] in (b"{", b"[") or "json" in ctype:
        try:
            return "json", reply.json()
        except TargetError:
            return "malformed JSON", None
    if "html" in ctype or body[:15].lower().startswith((b"<!doctype html", b"<html")):
        return "an HTML page", None
    return (ctype or "no content type"), None


def _describe(reply: Reply, kind: str, body: Any, probe: Probe) -> str:
    status = reply.status
    if 300 <= status < 400:
        return f"{status} redirect to {reply.headers.get('location', '<no Location>')}"
    if kind == "json":
        if isinstance(body, dict):
            missing = [k for k in probe.json_keys if k not in body]
            keys = ", ".join(sorted(body)[:6]) or "no keys"
            if status == 200 and missing:
                return f"200 with JSON of another shape (keys {keys}; expected {', '.join(probe.json_keys)})"
            return f"{status} with a JSON object (keys {keys})"
        return f"{status} with a JSON {type(body).__name__}"
    return f"{status} with {kind}"


def _probe(client: Client, auth: AuthProvider, probe: Probe, path: str) -> Reply:
    reply, _ = _send(client, auth, probe, path, [])
    return reply


def _send(
    client: Client, auth: AuthProvider, probe: Probe, path: str, exchanges: list[Exchange]
) -> tuple[Reply, Exchange]:
    reply, exchange = client.send(
        step=STEP,
        method=probe.method,
        path=path,
        headers=auth.headers(AuthMode.DEFAULT),
        query=dict(probe.query),
    )
    exchanges.append(exchange)
    return reply, exchange


def _serves_api(reply: Reply, probe: Probe) -> bool:
    kind, body = _content_kind(reply)
    if reply.status not in probe.statuses or kind != "json" or not isinstance(body, dict):
        return False
    return reply.status != 200 or all(k in body for k in probe.json_keys)


def likely_root(target_url: str, profile: Profile) -> str | None:
    """Where the API probably lives when ``target_url`` is not its root (None: no better guess)."""
    root_path = profile.root_path.rstrip("/")
    if not root_path:
        return None
    parts = urlsplit(target_url)
    path = parts.path.rstrip("/")
    if path.endswith(root_path):
        return None
    origin = f"{parts.scheme}://{parts.netloc}"
    if root_path in path:  # e.g. …/klantinteracties/api/v1/partijen: cut after the root
        return origin + path[: path.index(root_path) + len(root_path)]
    return origin + path + root_path


def other_api(target_url: str, profile: Profile) -> Profile | None:
    """The profile whose API root ``target_url`` is (or lies under), when that is not ``profile``'s:
    ``…/klanten/api/v1`` under the default profile is the Klanten API, not a wrong Klantinteracties root."""
    path = urlsplit(target_url).path.rstrip("/") + "/"
    for name in available_profiles():
        if name == profile.name:
            continue
        other = load_profile(name)
        root_path = other.root_path.rstrip("/")
        if root_path and root_path != profile.root_path.rstrip("/") and f"{root_path}/" in path:
            return other
    return None


def _suggest(client: Client, auth: AuthProvider, profile: Profile, probe: Probe) -> str | None:
    other = other_api(client.root_url, profile)
    if other is not None:
        return f"this is the root of the {other.title}; use --profile {other.name}"
    candidate = likely_root(client.root_url, profile)
    if candidate is None:
        return None
    hint = f"did you mean --target-url {candidate}? (the profile's API lives under {profile.root_path})"
    if not candidate.startswith(client.root_url + "/"):
        return hint
    try:
        reply = _probe(client, auth, probe, candidate + probe.path)
    except (TargetError, ConfigError):
        return hint
    if _serves_api(reply, probe):
        return f"the API answers at {candidate}: use --target-url {candidate}"
    return hint


def run_preflight(client: Client, auth: AuthProvider, profile: Profile) -> PreflightResult:
    """Probe the target once; see the module docstring for what stops the run."""
    probe = profile.probe or Probe()
    result = PreflightResult("passed")
    root = client.root_url
    try:
        reply, _ = _send(client, auth, probe, probe.path, result.exchanges)
    except TargetError as exc:
        result.status, result.verdict = "failed", Verdict.ERROR
        result.found = "no answer"
        result.message = f"preflight: the target {root} does not answer: {exc}"
        return result
    result.served_version = _header(reply, probe.version_header)
    if profile.probe is None:  # nothing more to ask of a profile without a probe
        return _version_warning(result, profile, probe)
    kind, body = _content_kind(reply)
    if reply.status in (401, 403) and kind == "json":
        if auth.has_credentials:
            result.status, result.verdict = "failed", Verdict.INCONCLUSIVE
            result.found = f"{reply.status} with the configured credentials"
            result.message = (
                f"preflight: the configured credentials are refused: {probe.method} {probe.path} "
                f"answered {reply.status}. Check --token / --auth-header / --jwt-client-id and --jwt-secret."
            )
            return result
        result.warnings.append(
            f"no credentials configured: {probe.method} {probe.path} answered {reply.status}; "
            "scenarios that need them will be inconclusive"
        )
        return _version_warning(result, profile, probe)
    if _serves_api(reply, probe):
        return _version_warning(result, profile, probe)
    result.status, result.verdict = "failed", Verdict.ERROR
    result.found = _describe(reply, kind, body, probe)
    if reply.status >= 500:
        result.message = (
            f"preflight: the target {root} answered {result.found} to {probe.method} {probe.path}; "
            "it cannot be evaluated now"
        )
        return result
    result.suggestion = _suggest(client, auth, profile, probe)
    result.message = (
        f"preflight: {root} does not serve the API of profile {profile.name}: "
        f"{probe.method} {probe.path} answered {result.found}"
        + (f"; {result.suggestion}" if result.suggestion else "")
    )
    return result


def _header(reply: Reply, name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in reply.headers.items() if k.lower() == wanted), None)


def _version_warning(result: PreflightResult, profile: Profile, probe: Probe) -> PreflightResult:
    served = result.served_version
    if served is not None and profile.api_version and served.strip() != profile.api_version:
        result.warnings.append(
            f"the target serves {probe.version_header} {served}, the profile tests {profile.api_version}; "
            "verdicts may not apply to this version"
        )
    return result
