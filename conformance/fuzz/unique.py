"""Target-valid positive cases: unique keys probe uniqueness once, identificator codes fit together.

The coverage phase builds its positive cases around one set of base values, so a ``klantnummer``,
a BSN or a partij ``nummer`` comes back in a hundred creates. A strict server refuses every repeat
(400, ``__all__``), so the valid path is never reached; a server with a uniqueness defect answers
every repeat with the same 500, one root cause flooding the findings (domain.md §8: 133 server
errors on one repeated ``nummer``). This ``map_case`` hook lets a value occur twice in positive
cases (the second use is the duplicate probe that finds such a defect) and replaces every later
occurrence with a fresh target-valid value (``conformance.fuzz.formats``: same ranges, never
repeated). It also gives an identificator group whose objectId is an 11-proef number the code
combination such a number needs (brp/natuurlijk_persoon/bsn or hr/niet_natuurlijk_persoon/rsin).
Negative cases are never touched: their violation stays what the generator made.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from conformance.fuzz import formats
from conformance.generators import elfproef_valid

# The hinted formats a correct server keeps unique (KLOK01-R4 BSN; legacy klantnummer per
# bronorganisatie; Open Klant's nummer; a natuurlijk-persoon subject URL).
UNIQUE_FORMATS = frozenset({"bsn", "klantnummer", "partij-nummer", "subject-url"})
PROBES_PER_VALUE = 2  # the first use, and one repeat that probes the uniqueness check


class UniqueKeys:
    """The ``map_case`` hook of one fuzz session (``install`` it on every schema it loads)."""

    def __init__(self, hints: Mapping[str, str]) -> None:
        self.keys = {name: fmt for name, fmt in hints.items() if fmt in UNIQUE_FORMATS}
        self.uses: Counter[tuple[str, str]] = Counter()
        self.replaced = 0

    def install(self, schema: Any) -> None:
        if self.keys:
            schema.hooks.register_hook_with_name(self.map_case, "map_case")

    def map_case(self, context: Any, case: Any) -> Any:
        meta = getattr(case, "meta", None)
        if meta is None or meta.generation.mode.is_negative or not isinstance(case.body, dict | list):
            return case
        case.body = self._walk(_unattached(case.body))
        return case

    def _walk(self, node: Any) -> Any:
        if isinstance(node, dict):
            return {key: self._value(key, value) for key, value in _coherent(node).items()}
        if isinstance(node, list):
            return [self._walk(item) for item in node]
        return node

    def _value(self, key: str, value: Any) -> Any:
        fmt = self.keys.get(key)
        if fmt is None or not isinstance(value, str) or not value:
            return self._walk(value)
        if fmt == "subject-url" and not formats.subject_template():
            return value  # no --subject-url-template: nothing fetchable to replace it with
        self.uses[(fmt, value)] += 1
        if self.uses[(fmt, value)] <= PROBES_PER_VALUE:
            return value
        self.replaced += 1
        fresh = formats.next_fresh(fmt)
        self.uses[(fmt, fresh)] += 1
        return fresh


# An identificator group whose objectId is an 11-proef number is only target-valid in one of two
# code combinations (KLOK01, domain.md §3): the generator picks the three codes independently.
_GROUP_KEYS = frozenset({"codeObjecttype", "codeSoortObjectId", "codeRegister", "objectId"})
_ELFPROEF_COMBINATIONS = {
    "rsin": {"codeRegister": "hr", "codeObjecttype": "niet_natuurlijk_persoon", "codeSoortObjectId": "rsin"},
    "bsn": {"codeRegister": "brp", "codeObjecttype": "natuurlijk_persoon", "codeSoortObjectId": "bsn"},
}


def _coherent(node: dict[str, Any]) -> dict[str, Any]:
    """A positive case's identificator group with codes that fit its 11-proef objectId."""
    if not set(node) >= _GROUP_KEYS or not elfproef_valid(str(node["objectId"])):
        return node
    soort = "rsin" if node.get("codeSoortObjectId") == "rsin" else "bsn"
    return {**node, **_ELFPROEF_COMBINATIONS[soort]}


def _unattached(body: Any) -> Any:
    """Domain shape of a positive body. An identificator create/update that names a partij is sent
    with ``identificeerdePartij: null``: the pool's partijen are zelfstandig, and a conformant server
    refuses to attach identifying data to one (KLOK01-R13); attaching is what the R4/R6/R13
    scenarios judge. A legacy ``subjectIdentificatie`` gets the ``subjectType`` its keys belong to
    (both real servers require it)."""
    if not isinstance(body, dict):
        return body
    if "partijIdentificator" in body and body.get("identificeerdePartij"):
        return {**body, "identificeerdePartij": None}
    group = body.get("subjectIdentificatie")
    if isinstance(group, dict) and not body.get("subjectType"):
        kind = next((t for key, t in _SUBJECT_TYPES.items() if group.get(key)), "natuurlijk_persoon")
        return {**body, "subjectType": kind}
    return body


_SUBJECT_TYPES = {
    "inpBsn": "natuurlijk_persoon",
    "innNnpId": "niet_natuurlijk_persoon",
    "vestigingsNummer": "vestiging",
}
