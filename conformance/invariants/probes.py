"""Read probes without valid credentials (KLOK01 R8): every read route and URL form, compared
with the same read of a record or value that does not exist.

A refused read may not disclose an identifying value or a record's uuid the request did not carry,
and an existing and a non-existing record (or identifier) must get the same answer; otherwise the
answer tells an unauthenticated caller which klanten exist.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from typing import Any

from conformance.invariants.api import Executor, Outcome
from conformance.invariants.steps import Step

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
URL_FORMS = ("documented", "slash", "head")


def normalised(text: str, own: set[str]) -> str:
    """A body with what legitimately differs between two answers masked: the request's own values,
    minted uuids (a problem's ``instance``) and timestamps."""
    for value in sorted(own, key=len, reverse=True):
        if value:
            text = text.replace(value, "<own>")
    return _TIME.sub("<time>", _UUID.sub("<uuid>", text))


def secrets_of(ex: Executor, actions: Any) -> set[str]:
    """What an unauthenticated answer must not contain: every identifying value the sequence used
    and the uuid of every record it made."""
    values = {v for used in ex.values.values() for v in used}
    return values | {r.uuid for r in ex.records if r.role != "context"}


def do_read(ex: Executor, actions: Any, step: Step, label: str, out: Outcome) -> None:
    roles = [r for r in ("holder", "identificator", "zelfstandig") if ex.live(r)]
    resources = {
        "holder": ex.spec.holder,
        "identificator": ex.spec.identificator,
        "zelfstandig": ex.spec.zelfstandig,
    }
    if not roles:
        out.ran = False
        return
    role = roles[step.other % len(roles)]
    record = ex.pick(role, step.target)
    resource = resources[role]
    if record is None or resource is None or resource.route("read") is None:
        out.ran = False
        return
    route = resource.route("read")
    form = step.route if step.route in URL_FORMS else "documented"
    method = "HEAD" if form == "head" else None
    suffix = "/" if form == "slash" else ""
    missing = str(uuidlib.UUID(ex.gen.uuid()))
    identifier = record.kind if record.kind in ex.spec.identifiers else "-"
    existing = ex.send(
        route,
        step.form,
        label=label,
        uuid=record.uuid,
        method=method,
        suffix=suffix,
        out=out,
        identifier=identifier,
    )
    absent = ex.send(
        route,
        step.form,
        label=label + " (a uuid that does not exist)",
        uuid=missing,
        method=method,
        suffix=suffix,
        out=out,
        identifier=identifier,
    )
    out.compare = (existing, absent)
    out.request_values |= {record.uuid, missing}
    out.secret_values = secrets_of(ex, actions) - {record.uuid}


def do_list(ex: Executor, actions: Any, step: Step, label: str, out: Outcome) -> None:
    """Every other read route of the profile's read collections (lists, and details of resources
    that hold no identifying data themselves), plain and HEAD; details compared with a missing uuid."""
    if not ex.spec.reads:
        out.ran = False
        return
    route = ex.spec.reads[step.target % len(ex.spec.reads)]
    method = "HEAD" if step.route == "head" else None
    if not route.item:
        ex.send(route, step.form, label=label, method=method, out=out)
        out.secret_values = secrets_of(ex, actions)
        return
    uuid = _record_for(ex, route) or str(uuidlib.UUID(ex.gen.uuid()))
    missing = str(uuidlib.UUID(ex.gen.uuid()))
    existing = ex.send(route, step.form, label=label, uuid=uuid, method=method, out=out)
    absent = ex.send(
        route, step.form, label=label + " (a uuid that does not exist)", uuid=missing, method=method, out=out
    )
    out.compare = (existing, absent)
    out.request_values |= {uuid, missing}
    out.secret_values = secrets_of(ex, actions) - {uuid}


def _record_for(ex: Executor, route: Any) -> str | None:
    """A live record this detail route reads (e.g. the klantcontact a betrokkene was made in)."""
    resources = {
        "holder": ex.spec.holder,
        "identificator": ex.spec.identificator,
        "zelfstandig": ex.spec.zelfstandig,
        "context": ex.spec.context,
    }
    for record in ex.records:
        resource = resources.get(record.role)
        read = resource.route("read") if resource is not None else None
        if record.alive and read is not None and read.path == route.path:
            return record.uuid
    return None


def do_search(ex: Executor, actions: Any, step: Step, label: str, out: Outcome) -> None:
    if not ex.spec.searches:
        out.ran = False
        return
    search = ex.spec.searches[step.target % len(ex.spec.searches)]
    kinds = [search.identifier] if search.identifier else list(ex.spec.identifiers)
    kind = kinds[step.kind % len(kinds)]
    held = ex.values.get(kind) or []
    if not held:
        out.ran = False
        return
    value = held[0]  # the first value of a sequence is the one a valid create stored
    other = ex.gen.generate(ex.spec.identifiers[kind].generator)
    method = "HEAD" if step.route == "head" else None

    def query(v: str) -> dict[str, str]:
        q = {search.value_param: v}
        if search.kind_param:
            q[search.kind_param] = str(ex.spec.identifiers[kind].codes.get("codeSoortObjectId", kind))
        return q

    existing = ex.send(
        search.route, step.form, label=label, query=query(value), method=method, out=out, identifier=kind
    )
    absent = ex.send(
        search.route,
        step.form,
        label=label + " (a value nobody holds)",
        query=query(other),
        method=method,
        out=out,
        identifier=kind,
    )
    out.compare = (existing, absent)
    out.request_values |= {value, other}
    out.secret_values = secrets_of(ex, actions) - {value}
