"""Small typed checks, each named after what it asserts; each raises ``ConformanceFailure``.

The runner calls them in a fixed order (status first, then headers, body, leaks, problem
details), so the first failure reported is the most fundamental one.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from conformance import jsonpath
from conformance.failures import BodyMismatch, StatusMismatch
from conformance.model import Assertion, HeaderAssertion, StatusItem

PROBLEM_FIELDS = ("type", "code", "title", "status", "detail", "instance")


def status_matches(status: int, accepted: Iterable[StatusItem]) -> bool:
    """True when ``status`` is one of ``accepted`` (ints or classes like ``"4xx"``)."""
    for item in accepted:
        if isinstance(item, int) and status == item:
            return True
        if isinstance(item, str) and len(item) == 3 and item.endswith("xx") and str(status)[0] == item[0]:
            return True
    return False


def _render_statuses(accepted: Iterable[StatusItem]) -> str:
    return " or ".join(str(s) for s in accepted)


def status_is_accepted(status: int, accepted: tuple[StatusItem, ...]) -> None:
    """The response status is one the scenario accepts."""
    if accepted and not status_matches(status, accepted):
        raise StatusMismatch("unexpected status", expected=_render_statuses(accepted), received=status)


def server_error_is_expected(status: int, accepted: tuple[StatusItem, ...]) -> None:
    """A 5xx passes only a step that names it (``500`` or ``"5xx"``): a step with no status, or
    with only leak checks, must not pass on a server error."""
    if status >= 500 and not status_matches(status, accepted):
        raise StatusMismatch(
            "server error the step did not expect",
            expected=_render_statuses(accepted) if accepted else "any answer but a server error (5xx)",
            received=status,
        )


def _json_equal(left: Any, right: Any) -> bool:
    """JSON equality: ``1 == 1.0`` but ``True != 1`` and ``"1" != 1``."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_json_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_json_equal(left[k], right[k]) for k in left)
    return type(left) is type(right) and bool(left == right)


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 200 else text[:197] + "..."


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def value_equals(found: bool, value: Any, operand: Any) -> bool:
    return found and _json_equal(value, operand)


def value_differs(found: bool, value: Any, operand: Any) -> bool:
    return not found or not _json_equal(value, operand)


def value_is_one_of(found: bool, value: Any, operand: Any) -> bool:
    return found and any(_json_equal(value, option) for option in operand)


def value_contains(found: bool, value: Any, operand: Any) -> bool:
    if not found:
        return False
    if isinstance(value, list):
        return any(_json_equal(item, operand) for item in value)
    if isinstance(value, str):
        return str(operand) in value
    return False


def value_lacks(found: bool, value: Any, operand: Any) -> bool:
    return not value_contains(found, value, operand)


def path_is_absent(found: bool, value: Any, operand: Any) -> bool:
    return not found


def path_is_present(found: bool, value: Any, operand: Any) -> bool:
    return found


def value_matches(found: bool, value: Any, operand: Any) -> bool:
    return found and value is not None and re.search(str(operand), _as_text(value)) is not None


def list_has_count(found: bool, value: Any, operand: Any) -> bool:
    return found and isinstance(value, list) and len(value) == operand


BODY_CHECKS: dict[str, Callable[[bool, Any, Any], bool]] = {
    "equals": value_equals,
    "not_equals": value_differs,
    "one_of": value_is_one_of,
    "contains": value_contains,
    "not_contains": value_lacks,
    "absent": path_is_absent,
    "present": path_is_present,
    "matches": value_matches,
    "count": list_has_count,
}


def body_assertion_holds(body: Any, assertion: Assertion) -> None:
    """One ``{path, operator: operand}`` assertion holds on the parsed body."""
    found, value = jsonpath.resolve(body, assertion.path)
    if BODY_CHECKS[assertion.operator](found, value, assertion.operand):
        return
    received = "<absent>" if not found else _show(value)
    if assertion.operator == "count" and found and isinstance(value, list):
        received = f"{len(value)} item(s): {_show(value)}"
    raise BodyMismatch(
        f"body path `{assertion.path}` fails `{assertion.operator}`",
        expected=f"{assertion.operator} {_show(assertion.operand)}",
        received=received,
    )


def header_assertion_holds(headers: Mapping[str, str], assertion: HeaderAssertion) -> None:
    """One header expectation holds (names compared case-insensitively)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    value = lowered.get(assertion.name.lower())
    ok = {
        "present": value is not None,
        "absent": value is None,
        "equals": value == assertion.operand,
        "matches": value is not None and re.search(str(assertion.operand), value) is not None,
    }[assertion.operator]
    if not ok:
        raise BodyMismatch(
            f"header `{assertion.name}` fails `{assertion.operator}`",
            expected=f"{assertion.operator} {assertion.operand!r}" if assertion.operand is not None else None,
            received="<absent>" if value is None else repr(value),
        )


def body_excludes_values(text: str, headers: Mapping[str, str], values: Iterable[Any]) -> None:
    """None of ``values`` occurs in the body or a response header: the leak check."""
    haystacks = [text, *headers.values()]
    with contextlib.suppress(ValueError):
        haystacks.append(json.dumps(json.loads(text), ensure_ascii=False))
    for value in values:
        needle = _as_text(value)
        if needle and any(needle in haystack for haystack in haystacks):
            raise BodyMismatch(
                "the response discloses a value it must not",
                expected=f"no occurrence of {needle!r}",
                received=f"{needle!r} found in the response",
            )


def body_is_problem_details(body: Any, status: int) -> None:
    """The body carries the problem-details fields and its ``status`` matches the HTTP status."""
    if not isinstance(body, dict):
        raise BodyMismatch(
            "error body is not a problem-details object", expected="a JSON object", received=_show(body)
        )
    missing = [name for name in PROBLEM_FIELDS if name not in body]
    if missing:
        raise BodyMismatch(
            "error body lacks problem-details fields",
            expected=", ".join(PROBLEM_FIELDS),
            received=f"missing {', '.join(missing)}",
        )
    if not _json_equal(body["status"], status):
        raise BodyMismatch(
            "problem `status` differs from the HTTP status", expected=status, received=body["status"]
        )


def invalid_params_name(body: Any, patterns: Iterable[str]) -> None:
    """Each pattern matches the ``name`` of some ``invalidParams`` entry."""
    params = body.get("invalidParams") if isinstance(body, dict) else None
    names = [str(p.get("name")) for p in params or [] if isinstance(p, dict)]
    for pattern in patterns:
        if not any(re.search(pattern, name) for name in names):
            raise BodyMismatch(
                "invalidParams does not name the offending field",
                expected=f"a name matching /{pattern}/",
                received=names or "<no invalidParams>",
            )
