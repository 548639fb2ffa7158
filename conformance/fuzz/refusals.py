"""A refusal of an undeclared method is a correct answer, not a server error.

The coverage phase probes every operation with methods its path does not declare (``QUERY``,
``TRACE``, ``POST`` on a read-only path). RFC 9110 lets a server answer 405 Method Not Allowed or
501 Not Implemented (§15.5.6, §15.6.2); 501 is the default of Python's ``http.server`` and of many
servlet containers and gateways. Such an answer fails no ``CONTRACT-*`` requirement: checks that
failed on it (``not_a_server_error`` for the 501, the undocumented status) are dropped here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.fuzz.findings import RawFailure

METHOD_REFUSALS = frozenset({405, 501})


def is_method_refusal(sent_method: str, operation: str, status: int | None) -> bool:
    """A 405/501 to a method other than the operation's own (``operation`` is ``"GET /path"``)."""
    declared = operation.split(" ", 1)[0].upper()
    return status in METHOD_REFUSALS and sent_method.upper() != declared


def without_method_refusals(failures: Iterable[RawFailure], recorder: Any) -> list[RawFailure]:
    """``failures`` of a schemathesis scenario recorder, less those on a refused undeclared method."""
    kept = []
    for failure in failures:
        interaction = recorder.interactions.get(failure.case_id)
        method = str(interaction.request.method) if interaction is not None else ""
        if interaction is not None and is_method_refusal(method, failure.operation, failure.status):
            continue
        kept.append(failure)
    return kept
