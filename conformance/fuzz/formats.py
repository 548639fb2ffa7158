"""Identifier formats for the generator, so fuzzing gets past a correct server's validation.

A contract says ``bronorganisatie: {type: string, maxLength: 9}``; a correct server also demands the
RSIN 11-proef. Random strings almost never pass it, so every generated create is refused and the
server's domain logic (and the stateful phase) is never reached. The profile names, per property,
the identifier it holds (``fuzz_formats`` in ``specs/profiles/<p>.yaml``); before schemathesis
loads the contract, those properties get a custom ``format`` whose strategy produces valid
identifiers from the test ranges. The contract file itself stays faithful: the hint exists only
in the copy the generator reads, and an unknown format constrains no response validation.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import strategies as st

from conformance.errors import ConfigError
from conformance.generators import elfproef_valid
from conformance.targetdata import SUBJECT_PLACEHOLDER

# The run's test ranges (--bsn-range, --kvk-range), as the scenario generators use them; set by
# ``reset`` when a session starts, read when the strategies are built (at every contract load).
_RANGES: dict[str, tuple[int, int]] = {"bsn": (999_900_000, 999_999_999), "kvk": (99_990_000, 99_999_999)}


def _with_check_digit(prefix: int) -> str | None:
    """The 9-digit 11-proef number starting with these 8 digits, or None when none exists."""
    digits = f"{prefix:08d}"
    check = sum(w * int(d) for w, d in zip(range(9, 1, -1), digits, strict=True)) % 11
    return None if check == 10 else digits + str(check)


class Fresh:
    """Hands out each value once per fuzz session: a value drawn again becomes the next unused one.

    Hypothesis reuses and mutates earlier values, so a key a correct server keeps unique (a BSN:
    KLOK01-R4; the legacy klantnummer per bronorganisatie) would mostly repeat and be refused, and
    the fuzzer would only ever see the uniqueness check. The replacement is deterministic for a
    given sequence of draws, so a seed still reproduces the same requests (``reset`` per session).
    """

    def __init__(self) -> None:
        self.used: set[int] = set()
        # For a used value, a value at or after it (cyclically) that may be free: chains are
        # shortened as they are walked, so a take costs about O(1) however many values are used
        # (a linear probe made the coverage phase quadratic; it draws thousands of values).
        self._after: dict[int, int] = {}

    def reset(self) -> None:
        self.used.clear()
        self._after.clear()

    def take(self, prefix: int, low: int, high: int) -> int:
        """The first value not yet handed out at or after ``prefix``, wrapping from ``high`` to ``low``."""
        span = high - low + 1
        if len(self.used) >= span:
            return prefix  # the range is used up: a repeat is the best the generator can do
        start = low + (prefix - low) % span
        candidate, walked = start, []
        while candidate in self.used:
            walked.append(candidate)
            candidate = self._after[candidate]
        for value in walked:
            self._after[value] = candidate
        self.used.add(candidate)
        self._after[candidate] = low if candidate == high else candidate + 1
        return candidate


_FRESH = {"bsn": Fresh(), "klantnummer": Fresh()}
_STEP = {"n": 0}  # next_fresh's walk through the ranges (reset per session)


# The run's --subject-url-template (conformance.targetdata): where the target fetches a subject.
_SUBJECT: dict[str, str | None] = {"template": None}
# Formats that replace the contract's own (``uri``): a URL the target can fetch is still a uri.
REPLACING = frozenset({"subject-url"})


def reset(
    *,
    bsn_range: tuple[int, int] | None = None,
    kvk_range: tuple[int, int] | None = None,
    subject_url_template: str | None = None,
) -> None:
    """Start a session: forget the values handed out and use the run's ranges."""
    _SUBJECT["template"] = subject_url_template
    _STEP["n"] = 0
    for fresh in _FRESH.values():
        fresh.reset()
    _RANGES["bsn"] = bsn_range or (999_900_000, 999_999_999)
    _RANGES["kvk"] = kvk_range or (99_990_000, 99_999_999)


def elfproef_numbers(*, fresh: bool = False) -> st.SearchStrategy[str]:
    """9-digit numbers passing the 11-proef (BSN, RSIN) from the BSN range (default 999900000-999999999)."""
    low, high = _RANGES["bsn"]
    bounds = (low // 10, high // 10)  # the 8 leading digits
    prefixes = st.integers(*bounds)
    if fresh:
        prefixes = prefixes.map(lambda p: _FRESH["bsn"].take(p, *bounds))
    numbers = prefixes.map(_with_check_digit)
    return numbers.filter(lambda n: n is not None and elfproef_valid(n) and low <= int(n) <= high).map(str)


STRATEGIES: dict[str, Callable[[], st.SearchStrategy[str]]] = {
    "bsn": lambda: elfproef_numbers(fresh=True),
    "rsin": elfproef_numbers,
    "kvk-nummer": lambda: st.integers(*_RANGES["kvk"]).map(str),
    "vestigingsnummer": lambda: st.integers(0, 999_999_999).map(lambda n: f"999{n:09d}"),
    "subject-url": lambda: elfproef_numbers(fresh=True).map(
        lambda bsn: str(_SUBJECT["template"] or "").replace(SUBJECT_PLACEHOLDER, bsn)
    ),
    "partij-nummer": lambda: st.integers(10**9, 10**10 - 1).map(
        lambda n: str(_FRESH["klantnummer"].take(n, 10**9, 10**10 - 1))
    ),
    "klantnummer": lambda: st.integers(10_000_000, 99_999_999).map(
        lambda n: str(_FRESH["klantnummer"].take(n, 10_000_000, 99_999_999))
    ),
}


def register() -> None:
    """Make the formats known to schemathesis. Cheap and idempotent, so it runs for every load:
    a cached flag would go stale when something (an in-process pytest run) resets the registry."""
    import schemathesis

    for name, strategy in STRATEGIES.items():
        schemathesis.openapi.format(name, strategy())


def with_formats(document: dict[str, Any], hints: Mapping[str, str]) -> dict[str, Any]:
    """A copy of ``document`` whose string properties and query parameters named in ``hints`` carry
    the hinted format (an existing ``format`` is never replaced)."""
    unknown = sorted(set(hints.values()) - set(STRATEGIES))
    if unknown:
        raise ConfigError(f"unknown fuzz format(s) {unknown}; known: {', '.join(STRATEGIES)}")
    hinted = copy.deepcopy(document)

    def mark(schema: Any, name: str) -> None:
        string = isinstance(schema, dict) and schema.get("type") == "string"
        if not (string and name in hints):
            return
        hint = hints[name]
        if hint == "subject-url" and not _SUBJECT["template"]:
            return  # nothing the target can fetch: the contract's own generator (a vendor fixture)
        if "format" not in schema or hint in REPLACING:
            schema["format"] = hint

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, schema in (node.get("properties") or {}).items():
                mark(schema, name)
            if node.get("in") == "query" and isinstance(node.get("name"), str):
                mark(node.get("schema"), node["name"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(hinted)
    return hinted


def hinted(document: dict[str, Any], hints: Mapping[str, str]) -> dict[str, Any]:
    """``document`` with the format hints applied, their generators registered with schemathesis."""
    register()
    return with_formats(document, hints)


def subject_template() -> str | None:
    """The session's --subject-url-template, if any."""
    return _SUBJECT["template"]


def next_fresh(fmt: str) -> str:
    """A value of a unique format (bsn, klantnummer, partij-nummer, subject-url) not handed out yet
    this session, outside Hypothesis (``conformance.fuzz.unique`` replaces repeats with it).
    Deterministic: the n-th call of a session walks the range by a fixed stride."""
    _STEP["n"] += 1
    stride = _STEP["n"] * 7_919
    if fmt in ("bsn", "subject-url"):
        low, high = _RANGES["bsn"]
        bounds = (low // 10, high // 10)
        number: str | None = None
        while number is None or not low <= int(number) <= high:
            number = _with_check_digit(
                _FRESH["bsn"].take(bounds[0] + stride % (bounds[1] - bounds[0]), *bounds)
            )
            stride += 1
        if fmt == "bsn":
            return number
        return str(_SUBJECT["template"] or "").replace(SUBJECT_PLACEHOLDER, number)
    if fmt == "klantnummer":
        return str(_FRESH["klantnummer"].take(10_000_000 + stride % 90_000_000, 10_000_000, 99_999_999))
    if fmt == "partij-nummer":
        return str(_FRESH["klantnummer"].take(10**9 + stride % (9 * 10**9), 10**9, 10**10 - 1))
    raise KeyError(fmt)
