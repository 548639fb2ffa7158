"""Judge one httpx response as a run does: ``ContractValidator`` with the profile's policies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from conformance.contract import ContractValidator
from conformance.evidence import Exchange, Redactor
from conformance.profiles import load_profile
from conformance.results import ContractFinding


def judge(
    spec: Path, root: str, response: httpx.Response, *, secrets: tuple[str, ...] = (), **overrides: Any
) -> tuple[list[ContractFinding], set[str]]:
    """``(findings, ids of the checks that ran)`` for ``response`` against ``spec``."""
    profile = load_profile("klantinteracties-v1")
    validator = ContractValidator.for_profile(
        spec, root, Redactor.for_secrets(list(secrets)), profile, **overrides
    )
    request = response.request
    exchange = Exchange(
        "t", request.method, str(request.url), dict(request.headers), status=response.status_code
    )
    return validator.validate(exchange, response, "test")
