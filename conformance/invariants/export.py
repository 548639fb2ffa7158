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
    violation_step: str,
) -> dict[str, Any]:
    """The scenario document (a dict) for one shrunk violation."""
    inv = BY_ID[invariant]
    root_path = urlsplit(root_url).path.rstrip("/")
    variables = {
        f"v{i}": f"{{{{ gen.{spec.identifiers[kind].generator} }}}}"
        for i, (value, kind) in enumerate(values.items())
    }
    names = {value: f"v{i}" for i, value in enumerate(values)}
    captured: dict[str, str] = {}
    steps = []
    scheme = "Bearer" if spec.style == "subject" else "Token"
    for number, exchange in enumerate(exchanges):
        if exchange.step.startswith("cleanup"):
            continue

        def sub(text: str) -> str:
            for value, name in names.items():
                text = text.replace(value, f"{{{{ {name} }}}}")
            for uuid, name in captured.items():
                text = text.replace(uuid, f"{{{{ {name} }}}}")
            return text

        parts = urlsplit(exchange.url)
        path = parts.path[len(root_path) :] if parts.path.startswith(root_path) else parts.path
        request: dict[str, Any] = {"method": exchange.method, "path": sub(path)}
        if parts.query:
            request["query"] = {k: sub(v) for k, v in parse_qsl(parts.query)}
        if exchange.request_body is not None:
            request["json"] = json.loads(sub(json.dumps(exchange.request_body)))
        request.update(_auth(exchange.step, scheme))
        step: dict[str, Any] = {"name": f"{number + 1}. {exchange.step}"[:200], "request": request}
        if (
            exchange.step == violation_step
            and inv.requirement in ("KLOK01-R7", "KLOK01-R8")
            and "form=valid" not in exchange.step
        ):
            step["expect"] = {"status": list(refusal_statuses)}
        if exchange.status is not None and 200 <= exchange.status < 300 and exchange.response_body:
            minted = _UUID.search(exchange.response_body)
            if minted and minted.group(0) not in captured and exchange.method == "POST":
                name = f"r{len(captured) + 1}"
                captured[minted.group(0)] = name
                step["capture"] = {name: "uuid" if '"uuid"' in exchange.response_body else "url"}
        steps.append(step)
    return {
        "id": f"{invariant}-found",
        "title": f"Shrunk violation of {invariant}"[:120],
        "description": f"{inv.statement} Found by the invariant layer: {message}. The sequence below is the minimal one; "
        "its last steps read the state back with valid credentials.",
        "verifies": [inv.requirement],
        "profiles": [profile],
        "level": "MUST",
        "tags": ["invariant", "generated"],
        "vars": variables,
        "steps": steps or [{"name": "empty", "request": {"method": "GET", "path": "/"}}],
    }
