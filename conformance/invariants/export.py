"""A shrunk violation as a ready scenario file: the minimal sequence's requests, replayable.

Identifier values become ``{{ gen.<kind> }}`` variables and uuids the target minted become
captures, so the file runs against any server of the profile; the step where the violation was
seen carries the expectation a conformant server meets. The file passes the scenario JSON Schema.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from conformance.evidence import Exchange
from conformance.invariants.checks import BY_ID
from conformance.invariants.spec import InvariantSpec

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# Credential form -> how a scenario step sends it (``auth`` mode, or literal headers without a secret).
_MODES = {
    "valid": {"auth": "default"},
    "none": {"auth": "none"},
    "invalid-key": {"auth": "invalid"},
    "wrong-signature": {"auth": "invalid"},
    "signature-stripped": {"auth": "invalid"},
    "empty-secret": {"auth": "invalid"},
    "alg-none": {"auth": "alg-none"},
    "unknown-client": {"auth": "unknown-client"},
    "other-scheme": {"auth": "wrong-scheme"},
}


def _auth(label: str, scheme: str) -> dict[str, Any]:
    match = re.search(r"form=(\S+)", label)
    form = match.group(1) if match else "valid"
    literal = {"empty-value": "", "scheme-alone": scheme, "malformed": f"{scheme} not a credential"}
    if form in literal:
        return {"auth": "none", "headers": {"Authorization": literal[form]}}
    return dict(_MODES.get(form, {"auth": "invalid"}))


def _uuid_paths(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(body path, uuid) of every ``uuid`` key in a response body, in the path language of captures."""
    found: list[tuple[str, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else key
            if key == "uuid" and isinstance(value, str):
                found.append((path, value))
            elif key == "url" and "uuid" not in data and isinstance(value, str) and _UUID.search(value):
                found.append((path, f"url:{_UUID.findall(value)[-1]}"))  # a resource known by its url only
            else:
                found += _uuid_paths(value, path)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _uuid_paths(value, f"{prefix}[{index}]")
    return found


def _verify(invariant: str, path: str, spec: InvariantSpec) -> list[dict[str, Any]]:
    """What a conformant server shows on the read-back that showed the violation."""
    requirement = BY_ID[invariant].requirement
    if requirement == "KLOK01-R4":
        return [{"path": "count", "equals": 1}]
    if requirement == "KLOK01-R7":
        return [{"path": "count", "equals": 0}]
    if requirement == "KLOK01-R13":
        zelf = spec.zelfstandig
        if zelf is not None and zelf.route("read") and path.startswith(zelf.routes["read"].url()):
            return [{"path": str(zelf.data["link"]), "equals": None}]
        nested = spec.holder.data.get("nested")
        if nested:
            return [{"path": str(nested), "equals": []}]
        return [{"path": str(spec.holder.data["group"]), "equals": None}]
    return []


def _tokens(message: str) -> set[str]:
    return set(_UUID.findall(message)) | set(re.findall(r"\b\d{8,12}\b", message))


def scenario_for(
    invariant: str,
    message: str,
    exchanges: list[Exchange],
    *,
    profile: str,
    root_url: str,
    spec: InvariantSpec,
    values: dict[str, str],
    refusal_statuses: tuple[int, ...],
) -> dict[str, Any]:
    """The scenario document (a dict) for one shrunk violation: the sequence's own requests, then
    the read-back that showed the violation as a verify step with what a conformant server shows."""
    inv = BY_ID[invariant]
    root_path = urlsplit(root_url).path.rstrip("/")
    variables = {
        f"v{i}": f"{{{{ gen.{spec.identifiers[kind].generator} }}}}"
        for i, (value, kind) in enumerate(values.items())
    }
    names = {value: f"v{i}" for i, value in enumerate(values)}
    captured: dict[str, str] = {}
    scheme = "Bearer" if spec.style == "subject" else "Token"
    tokens = _tokens(message)

    def sub(text: str) -> str:
        for value, name in names.items():
            text = text.replace(value, f"{{{{ {name} }}}}")
        for uuid, name in captured.items():
            if not uuid.startswith("url:"):
                text = text.replace(uuid, f"{{{{ {name} }}}}")
        return text

    def sub_path(path: str) -> str:
        for uuid, name in captured.items():
            if uuid.startswith("url:") and path.endswith("/" + uuid[4:]):
                return f"{{{{ {name} }}}}"  # the captured url is absolute, under the target root
        return sub(path)

    def request_of(exchange: Exchange) -> dict[str, Any]:
        parts = urlsplit(exchange.url)
        path = parts.path[len(root_path) :] if parts.path.startswith(root_path) else parts.path
        request: dict[str, Any] = {"method": exchange.method, "path": sub_path(path)}
        if parts.query:
            request["query"] = {k: sub(v) for k, v in parse_qsl(parts.query)}
        if exchange.request_body is not None:
            request["json"] = json.loads(sub(json.dumps(exchange.request_body)))
        request.update(_auth(exchange.step, scheme))
        return request

    steps: list[dict[str, Any]] = []
    for exchange in exchanges:
        if exchange.step.startswith(("cleanup", "read back", "read before")):
            continue
        step: dict[str, Any] = {
            "name": f"{len(steps) + 1}. {exchange.step}"[:200],
            "request": request_of(exchange),
        }
        invalid = "form=valid" not in exchange.step and "form=" in exchange.step
        if invalid and inv.requirement in ("KLOK01-R7", "KLOK01-R8"):
            step["expect"] = {"status": list(refusal_statuses)}
        if exchange.status is not None and 200 <= exchange.status < 300 and exchange.response_body:
            try:
                body = json.loads(exchange.response_body)
            except ValueError:
                body = None
            captures = {}
            for path, uuid in _uuid_paths(body):
                if uuid not in captured:
                    captured[uuid] = f"r{len(captured) + 1}"
                    captures[captured[uuid]] = path
            if captures:  # a later step needs it: a server that refuses this cannot be judged (setup)
                step["capture"] = captures
                step["setup"] = True
                step.setdefault("expect", {"status": "2xx"})
        steps.append(step)
    searched = inv.requirement in ("KLOK01-R4", "KLOK01-R7")  # a search by the value; else a detail read
    readback = next(
        (
            e
            for e in reversed(exchanges)
            if e.step.startswith("read back")
            and any(
                t in e.url and (t in names if searched else {t, f"url:{t}"} & set(captured)) for t in tokens
            )
            and ("?" in e.url) is searched
        ),
        None,
    )
    if readback is not None and _verify(invariant, urlsplit(readback.url).path[len(root_path) :], spec):
        steps.append(
            {
                "name": "with valid credentials, the state a conformant server shows",
                "verify": True,
                "request": request_of(readback),
                "expect": {
                    "status": 200,
                    "body": _verify(invariant, urlsplit(readback.url).path[len(root_path) :], spec),
                },
            }
        )
    return {
        "id": f"{invariant}-found",
        "title": f"Shrunk violation of {invariant}"[:120],
        "description": f"{inv.statement} Found by the invariant layer: {message}. The requests below are the "
        "minimal sequence; the last step reads the state back with valid credentials.",
        "verifies": [inv.requirement],
        "profiles": [profile],
        "level": "MUST",
        "tags": ["invariant", "generated"],
        "vars": variables,
        "steps": steps or [{"name": "empty", "request": {"method": "GET", "path": "/"}}],
    }
