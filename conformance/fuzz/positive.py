"""The positive path of fuzzing: resources created for updates and references, and its honest figure.

Against a strict server (domain.md §8) almost nothing generated reaches a 2xx: PUT and PATCH go to
a generated uuid that does not exist, a reference (``hadKlantcontact.uuid``) points nowhere. So
before the engine runs, a small pool of resources is created from ``conformance.targetdata`` (what
a real server accepts); in the copy of the contract the generator reads, the path ``uuid`` of PUT
and PATCH is limited to that pool and foreign-key ``uuid``s draw from it (a custom format). The
contract file stays faithful; the pool is tracked and deleted with everything else fuzzing made.

``ValidPath`` counts each write operation's 2xx answers over every phase (the stateful one too)
for the fuzz section; ``report`` judges from it (a write operation that never succeeded is
"valid path not exercised", and the requirements judged on successful answers only partly).
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from conformance.targetdata import TargetData

WRITE_METHODS = ("POST", "PUT", "PATCH")
POOL_SIZE = 4
# Foreign-key schemas of the shipped contracts -> the collection they point into.
FOREIGN_KEYS = {
    "PartijForeignKey": "partijen",
    "PartijIdentificatorForeignkey": "partij-identificatoren",
    "DigitaalAdresForeignKey": "digitaleadressen",
    "KlantcontactForeignKey": "klantcontacten",
    "BetrokkeneForeignKey": "betrokkenen",
}
# Creation order: what a body refers to first.
ORDER = ("klanten", "partijen", "klantcontacten", "partij-identificatoren", "digitaleadressen", "betrokkenen")


def pool_format(collection: str) -> str:
    return f"existing-{collection}"


def _body(data: TargetData, collection: str, pool: dict[str, list[str]]) -> dict[str, Any] | None:
    """A create body a strict server accepts for ``collection``, or None when it has none here."""
    first = {name: uuids[0] for name, uuids in pool.items() if uuids}
    if collection == "klanten":  # zelfstandig, with a BSN, with a subject URL (when one can be fetched)
        shapes = [{}, {"subjectType": "natuurlijk_persoon", "subjectIdentificatie": {"inpBsn": data.bsn()}}]
        if data.subject_url_template:
            shapes.append({"subjectType": "natuurlijk_persoon", "subject": data.subject_url()})
        return data.klant(**shapes[int(data.uuid()[:8], 16) % len(shapes)])
    if collection == "partijen":
        return data.partij()
    if collection == "klantcontacten":
        return data.klantcontact()
    if collection == "partij-identificatoren":
        group = {"codeObjecttype": "natuurlijk_persoon", "codeSoortObjectId": "bsn", "codeRegister": "brp"}
        return {"identificeerdePartij": None, "partijIdentificator": {**group, "objectId": data.bsn()}}
    if collection == "digitaleadressen":
        return data.digitaal_adres(first.get("partijen"))
    if collection == "betrokkenen" and "klantcontacten" in first:
        return data.betrokkene(first["klantcontacten"], first.get("partijen"))
    return None


def seed_pool(
    client: httpx.Client,
    target_url: str,
    collections: Iterable[str],
    data: TargetData,
    observe: Callable[[str, str, dict[str, str], bytes | None, httpx.Response], None],
) -> dict[str, list[str]]:
    """Create ``POOL_SIZE`` resources per collection (``observe`` tracks them for cleanup); the uuids
    of those the target accepted. A refusal only leaves that collection's pool empty."""
    pool: dict[str, list[str]] = {}
    wanted = set(collections)
    for collection in [c for c in ORDER if c in wanted]:
        pool[collection] = []
        for _ in range(POOL_SIZE):
            body = _body(data, collection, pool)
            if body is None:
                break
            url = f"{target_url}/{collection}"
            try:
                response = client.post(url, json=body)
            except httpx.HTTPError:
                break
            observe("POST", url, dict(client.headers), response.request.content, response)
            uuid = _uuid_of(response)
            if uuid is None:
                break
            pool[collection].append(uuid)
    return pool


def _uuid_of(response: httpx.Response) -> str | None:
    if not 200 <= response.status_code < 300:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("uuid"), str):
        return str(body["uuid"])
    url = body.get("url") if isinstance(body, dict) else None
    return str(url).rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) else None


def pooled_collections(document: dict[str, Any]) -> set[str]:
    """Collections whose items a PUT/PATCH updates or a foreign key names."""
    wanted = set()
    for path, item in (document.get("paths") or {}).items():
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[1].startswith("{") and ({"put", "patch"} & set(item)):
            wanted.add(parts[0])
    schemas = (document.get("components") or {}).get("schemas") or {}
    wanted |= {collection for name, collection in FOREIGN_KEYS.items() if name in schemas}
    return wanted


def with_pool(document: dict[str, Any], pool: dict[str, list[str]]) -> dict[str, Any]:
    """A copy of ``document`` whose PUT/PATCH path ``uuid`` and foreign-key ``uuid``s draw from the pool
    (format ``existing-<collection>``, registered by ``register`` in creation order)."""
    hinted = copy.deepcopy(document)
    for path, item in (hinted.get("paths") or {}).items():
        parts = path.strip("/").split("/")
        if len(parts) != 2 or not parts[1].startswith("{") or not pool.get(parts[0]):
            continue
        name = parts[1].strip("{}")
        for method in ("put", "patch"):
            if method in item:
                # A format, not an enum: hypothesis-jsonschema sorts an enum, so the server-minted
                # uuids would be drawn in an order that differs between two runs of one seed.
                schema = {"type": "string", "format": pool_format(parts[0])}
                parameter = {"name": name, "in": "path", "required": True, "schema": schema}
                others = [p for p in item[method].get("parameters", []) if p.get("name") != name]
                item[method]["parameters"] = [*others, parameter]
    schemas = (hinted.get("components") or {}).get("schemas") or {}
    for name, collection in FOREIGN_KEYS.items():
        uuid = ((schemas.get(name) or {}).get("properties") or {}).get("uuid")
        if isinstance(uuid, dict) and pool.get(collection):
            uuid["format"] = pool_format(collection)
    return hinted


EXAMPLES_PER_OPERATION = 5


def with_examples(document: dict[str, Any], pool: dict[str, list[str]], data: TargetData) -> dict[str, Any]:
    """``document`` (already a copy) with target-valid request examples for the creates and the
    updates of pooled resources, so the examples phase walks the valid path (every check judges
    the answers); a contract's own ``example``/``examples`` are kept and win."""
    for path, item in (document.get("paths") or {}).items():
        parts = path.strip("/").split("/")
        collection = parts[0]
        methods: tuple[str, ...]
        if len(parts) == 1:
            methods = ("post",)
        elif len(parts) == 2 and parts[1].startswith("{") and pool.get(collection):
            methods = ("put", "patch")
        else:
            continue
        for method in methods:
            request = _inlined(document, (item.get(method) or {}).get("requestBody") or {})
            media = (request.get("content") or {}).get("application/json")
            if not isinstance(media, dict) or "example" in media or "examples" in media:
                continue
            bodies = [_body(data, collection, pool) for _ in range(EXAMPLES_PER_OPERATION)]
            if all(bodies):
                media["examples"] = {f"target-valid-{i}": {"value": b} for i, b in enumerate(bodies)}
                item[method]["requestBody"] = request
    return document


def _inlined(document: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """A request body of its own: a ``#/components/requestBodies/…`` reference is copied in, so the
    examples of one operation do not land on every operation sharing it."""
    ref = request.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/components/requestBodies/"):
        return request
    shared = ((document.get("components") or {}).get("requestBodies") or {}).get(ref.rsplit("/", 1)[1])
    return copy.deepcopy(shared) if isinstance(shared, dict) else request


def register(pool: dict[str, list[str]]) -> None:
    """Make the pool formats known to schemathesis (one per collection that has resources)."""
    import schemathesis
    from hypothesis import strategies as st

    for collection, uuids in pool.items():
        if uuids:
            schemathesis.openapi.format(pool_format(collection), st.sampled_from(list(uuids)))


class ValidPath:
    """Each write operation's answers over every phase: how often the valid path was reached, over
    all its requests and over its positive (schema-valid) cases, which a conformant server may
    still refuse for a rule the contract cannot express but should mostly accept."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.successes: Counter[str] = Counter()
        self.positive: Counter[str] = Counter()
        self.positive_successes: Counter[str] = Counter()

    def observe(self, operation: str, method: str, status: int | None, mode: str = "") -> None:
        if method.upper() not in WRITE_METHODS or not operation.upper().startswith(WRITE_METHODS):
            return
        ok = status is not None and 200 <= status < 300
        self.requests[operation] += 1
        self.successes[operation] += ok
        if mode == "positive":
            self.positive[operation] += 1
            self.positive_successes[operation] += ok

    def section(self) -> dict[str, dict[str, Any]]:
        return {
            op: {
                "requests": n,
                "2xx": self.successes[op],
                "share_2xx": round(self.successes[op] / n, 3),
                "positive_requests": self.positive[op],
                "positive_2xx": self.positive_successes[op],
                "positive_share_2xx": _share(self.positive_successes[op], self.positive[op]),
                "exercised": self.successes[op] > 0,
            }
            for op, n in sorted(self.requests.items())
        }

    def not_exercised(self) -> list[str]:
        return sorted(op for op in self.requests if not self.successes[op])


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None
