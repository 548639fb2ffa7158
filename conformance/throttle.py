"""A refusal to decide is not a decision: 429 and 503 where the scenario needed the target's verdict.

A gateway that rate-limits writes (429) or a server that is briefly unavailable (503) has not said
whether a duplicate is accepted. Such a step is retried once after ``Retry-After``; what is still
throttled then leaves the step undecided (``inconclusive``), unless the answers that did come
already settle it (a second 201, a 5xx other than 503).
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance import checks
from conformance.client import Reply
from conformance.model import CountAssertion

THROTTLED = frozenset({429, 503})
MAX_RETRY_AFTER_S = 30.0  # never wait longer than this on the target's word
DEFAULT_RETRY_AFTER_S = 1.0


def is_throttled(status: int, accepted: tuple[int | str, ...]) -> bool:
    """A 429 or 503 the step did not list among the statuses it accepts."""
    return status in THROTTLED and not (accepted and checks.status_matches(status, accepted))


def retry_after(replies: Iterable[Reply]) -> float:
    """The longest ``Retry-After`` (seconds form) of ``replies``, bounded; an HTTP-date or none: 1 s."""
    waits = []
    for reply in replies:
        value = next((v for k, v in reply.headers.items() if k.lower() == "retry-after"), None)
        try:
            waits.append(float(value) if value is not None else DEFAULT_RETRY_AFTER_S)
        except ValueError:
            waits.append(DEFAULT_RETRY_AFTER_S)
    return min(max(waits, default=0.0), MAX_RETRY_AFTER_S)


def undecided(
    assertion: CountAssertion, accepted: tuple[int | str, ...], statuses: list[int], unknown: int
) -> bool:
    """Whether ``unknown`` throttled answers could still make a count bound hold or fail. A bound the
    decided answers already break is decided (a failure), e.g. a second 201."""
    if unknown == 0:
        return False
    matched = sum(1 for s in statuses if checks.status_matches(s, accepted))
    if assertion.equals is not None and (matched > assertion.equals or matched + unknown < assertion.equals):
        return False
    if assertion.at_least is not None and matched + unknown < assertion.at_least:
        return False
    if assertion.at_most is not None and matched > assertion.at_most:
        return False
    if assertion.at_least is not None and assertion.equals is None and assertion.at_most is None:
        return matched < assertion.at_least
    if assertion.at_most is not None and assertion.equals is None and assertion.at_least is None:
        return matched + unknown > assertion.at_most
    return True
