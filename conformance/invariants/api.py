"""Executes steps against the target and reads its state back with valid credentials.

``Executor`` keeps the sequence's model (records it created, identifier values it used), sends
each step with its credential form, and answers the questions invariants ask: who holds a value,
what identifying data a record shows, whether a record exists. Two styles, named by the profile:
``identificatoren`` (identifying data is a resource linked to its holder, Klantinteracties) and
``subject`` (identifying data is a group inside the holder, the legacy Klanten API).
"""

from __future__ import annotations

import concurrent.futures
import copy
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

from conformance.client import Client, Reply
from conformance.errors import TargetError
from conformance.evidence import Exchange
from conformance.generators import IdentifierGenerator
from conformance.hygiene import run_tag
from conformance.invariants.credentials import VALID, CredentialForms
from conformance.invariants.spec import IdentifierKind, InvariantSpec, Route
from conformance.invariants.steps import FRESH, Step


@dataclass
class Record:
    role: str  # holder | identificator | zelfstandig | context
    uuid: str
    kind: str | None = None  # holder kind; identificator: identifier kind
    zelfstandig: bool = False  # created without identifying data (KLOK01 R13 tracks it)
    scope: str | None = None
    value: str | None = None  # identificator: its value
    alive: bool = True
    owned: bool = True  # False: found on the target (--read-only), never deleted by the run


@dataclass
class Holding:
    """One identifier value shown on a holder: its kind, value and whether it is scoped."""

    kind: str
    value: str
    scoped: bool = False


@dataclass
class Outcome:
    """What one step did, for the invariants to judge."""

    exchanges: list[Exchange] = field(default_factory=list)
    status: int | None = None
    values: set[tuple[str, str]] = field(default_factory=set)  # (identifier kind, value) sent or affected
    fresh_values: set[tuple[str, str]] = field(default_factory=set)  # values no record held before
    holders: set[str] = field(default_factory=set)  # holder uuids touched
    zelfstandigen: set[str] = field(default_factory=set)
    before: dict[str, list[tuple[str, str, bool]] | None] = field(default_factory=dict)  # holder views before
    target_existed: str | None = None  # delete: the uuid it aimed at
    zelfstandig_create: bool = False  # a create carrying no identifying data
    reused_nnp: bool = False  # a write reusing a niet-natuurlijk-persoon value already held
    request_values: set[str] = field(default_factory=set)  # strings the request itself carried
    compare: tuple[Reply, Reply] | None = None  # read probes: (existing, missing)
    secret_values: set[str] = field(default_factory=set)  # what a refused read must not disclose
    ran: bool = True  # False when the step had nothing to act on


class Executor:
    """Runs steps of one sequence; see the module docstring."""

    def __init__(
        self,
        spec: InvariantSpec,
        client: Client,
        forms: CredentialForms,
        generators: IdentifierGenerator,
        run_id: str,
        scope_values: tuple[str, ...],
    ) -> None:
        self.spec = spec
        self.client = client
        self.forms = forms
        self.gen = generators
        self.run_id = run_id
        self.scope_values = scope_values
        self.records: list[Record] = []
        self.values: dict[str, list[str]] = {name: [] for name in spec.identifiers}
        self.exercised: set[tuple[str, str, str, str]] = set()  # (operation, method, form, identifier)
        self.requests = 0
        self.cache: dict[Any, Any] = {}  # read-backs since the last write (a write clears it)
        self.log: list[Exchange] = []  # every exchange of the sequence, read-backs included, in order

    # -- HTTP ---------------------------------------------------------------------------------
    def send(
        self,
        route: Route | None,
        form: str,
        *,
        label: str,
        uuid: str | None = None,
        body: Any = None,
        query: dict[str, str] | None = None,
        method: str | None = None,
        suffix: str = "",
        identifier: str = "-",
        out: Outcome | None = None,
    ) -> Reply:
        assert route is not None
        verb = method or route.method
        if verb not in ("GET", "HEAD"):
            self.cache.clear()
        path = route.url(uuid) + suffix
        self.exercised.add((route.operation, verb, form, identifier))
        reply, exchange = self.client.send(
            step=label,
            method=verb,
            path=path,
            headers=self.forms.headers(form),
            query=query,
            json_body=body,
            has_json=body is not None,
        )
        self.requests += 1
        self.log.append(exchange)
        if out is not None:
            out.exchanges.append(exchange)
            out.status = reply.status
        return reply

    @staticmethod
    def decisive(reply: Reply) -> dict[str, Any] | None:
        """The body of a read-back that decides something: a 200 with a JSON object declared as
        JSON. Anything else (a server error, a redirect, HTML, text) says nothing about state."""
        ctype = reply.response.headers.get("content-type", "").split(";")[0].strip().lower()
        if reply.status != 200 or not (ctype == "application/json" or ctype.endswith("+json")):
            return None
        body = reply.json()
        return body if isinstance(body, dict) else None

    def get(self, route: Route | None, uuid: str, label: str) -> Any:
        """The representation read with valid credentials; None when it does not exist."""
        reply = self.send(route, VALID, label=label, uuid=uuid)
        if reply.status in (404, 410):
            return None
        body = self.decisive(reply)
        if body is None:
            raise TargetError(
                f"reading {route.operation if route else '?'} {uuid} with valid credentials answered "
                f"{undecided(reply)}"
            )
        return body

    def searched(self, replies: list[Reply], what: str) -> None:
        """A read-back that asked searches and got no decisive answer cannot judge state: a target
        problem (an invariant that counted it would pass on a server that answers only errors)."""
        if replies:
            raise TargetError(
                f"reading back who holds {what} with valid credentials: every search answered "
                + ", ".join(sorted({undecided(r) for r in replies}))
            )

    # -- values and references ----------------------------------------------------------------
    def value(self, kind: str, ref: int) -> str:
        used = self.values[kind]
        if ref == FRESH or not used:
            value = self.gen.generate(self.spec.identifiers[kind].generator)
            used.append(value)
            return value
        return used[ref % len(used)]

    def live(self, role: str) -> list[Record]:
        return [r for r in self.records if r.role == role and r.alive]

    def pick(self, role: str, ref: int) -> Record | None:
        live = self.live(role)
        return live[ref % len(live)] if live else None

    def created(self, role: str, reply: Reply, **kwargs: Any) -> Record | None:
        if not 200 <= reply.status < 300:
            return None
        try:
            body = reply.json()
        except TargetError:
            return None
        uuid = _uuid_of(body)
        if uuid is None:
            return None
        record = Record(role, uuid, **kwargs)
        self.records.append(record)
        return record

    def adopt(self, role: str, uuid: str, **kwargs: Any) -> None:
        """A record found by a lookup that the sequence did not know it created (cleaned up too)."""
        if not any(r.uuid == uuid for r in self.records):
            self.records.append(Record(role, uuid, **kwargs))

    def holder_body(self, kind_index: int, scope_index: int) -> dict[str, Any]:
        data = self.spec.holder.data
        kinds = self.spec.holder_kinds
        body: dict[str, Any] = copy.deepcopy(data.get("body") or {})
        if data.get("tag_field"):
            body[data["tag_field"]] = run_tag(self.run_id)[:40]
        if self.spec.style == "identificatoren" and kinds:
            body[data["kind_field"]] = kinds[kind_index % len(kinds)]
        if self.spec.scope_field:
            body[self.spec.scope_field] = self.scope_values[scope_index % len(self.scope_values)]
        for name, length in (data.get("numbered") or {}).items():
            body[name] = uuidlib.UUID(self.gen.uuid()).hex[:length]
        return body

    def cleanup(self) -> list[tuple[str, int | None]]:
        """Delete every record of the sequence, newest first, with valid credentials."""
        outcomes: list[tuple[str, int | None]] = []
        routes = {
            "holder": self.spec.holder.route("delete"),
            "identificator": self.spec.identificator.route("delete") if self.spec.identificator else None,
            "zelfstandig": self.spec.zelfstandig.route("delete") if self.spec.zelfstandig else None,
            "context": self.spec.context.route("delete") if self.spec.context else None,
        }
        order = {"identificator": 0, "zelfstandig": 1, "holder": 2, "context": 3}
        ranked = sorted(enumerate(self.records), key=lambda p: (order.get(p[1].role, 9), -p[0]))
        pending = [record for _, record in ranked]  # dependants first, newest first
        last = 2
        for attempt in range(last + 1):  # later passes: what a dependant kept (a KvK under a vestiging)
            for record in pending:
                route = routes.get(record.role)
                if route is None or not record.alive or not record.owned:
                    continue
                try:
                    reply = self.send(route, VALID, label=f"cleanup {record.role}", uuid=record.uuid)
                except TargetError as exc:
                    if attempt == last:
                        outcomes.append((f"{route.url(record.uuid)}: {exc}", None))
                    continue
                record.alive = reply.status not in (204, 200, 202, 404, 410)
                if attempt == last or not record.alive:
                    outcomes.append((route.url(record.uuid), reply.status))
            if not any(r.alive and r.owned and routes.get(r.role) for r in pending):
                break
        return outcomes

    def run_concurrently(self, calls: list[Any]) -> list[Any]:
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(lambda call: call(), calls))

    def kind(self, name: str) -> IdentifierKind:
        return self.spec.identifiers[name]


class StyleActions:
    """What both styles share: dispatching a step to ``do_<action>`` and noting its values."""

    ex: Executor

    def perform(self, step: Step, label: str) -> Outcome:
        out = Outcome()
        handler = getattr(self, f"do_{step.action}", None)
        if handler is None:
            out.ran = False
            return out
        handler(step, label, out)
        return out

    def note_values(self, step: Step, out: Outcome) -> list[tuple[str, str]]:
        """The values a step sends (fresh or reused), recorded on its outcome for the invariants."""
        pairs = []
        for kind, ref in step.idents:
            held_before = bool(self.ex.values[kind]) and ref != FRESH
            value = self.ex.value(kind, ref)
            pairs.append((kind, value))
            out.values.add((kind, value))
            out.request_values.add(value)
            if not held_before:
                out.fresh_values.add((kind, value))
            elif not self.ex.kind(kind).natuurlijk:
                out.reused_nnp = True
        return pairs


def discover(ex: Executor, actions: Any) -> None:
    """--read-only: the first page of holders the target already has, as records the run never
    deletes, and the identifier values they show (what the read probes need)."""
    route = ex.spec.holder.route("read")
    listing = next(
        (r for r in ex.spec.reads if route is not None and r.path == route.url().rstrip("/")), None
    )
    if listing is None:
        return
    reply = ex.send(listing, VALID, label="read-only: existing klanten", query={})
    if reply.status != 200 or not isinstance(reply.json(), dict):
        return
    for body in reply.json().get("results", [])[:20]:
        uuid = _uuid_of(body)
        if uuid is None:
            continue
        ex.records.append(Record("holder", uuid, owned=False))
        for held in actions.view(uuid) or []:
            if held.kind in ex.values and held.value not in ex.values[held.kind]:
                ex.values[held.kind].append(held.value)


def undecided(reply: Reply) -> str:
    """Why a read-back decided nothing, in a few words."""
    ctype = reply.response.headers.get("content-type", "<none>")
    if reply.status == 200:
        return f"200 with content-type {ctype}, not a JSON object"
    return f"{reply.status} ({ctype})"


def _uuid_of(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("uuid"), str):
        return str(body["uuid"])
    url = body.get("url")
    if isinstance(url, str) and url.rstrip("/"):
        return url.rstrip("/").rsplit("/", 1)[-1]
    return None


def step_label(index: int, step: Step) -> str:
    return f"step {index + 1}: {step.describe()}"
