"""The ``identificatoren`` style (Klantinteracties): identifying data is a resource of its own.

A holder (partij) is aangehaakt when an identificator points to it (``link``), nested in the
holder's body or created separately; identificatoren can be moved, changed, orphaned, linked and
scoped (``scope``). A zelfstandige klant is also contact data without a holder (a betrokkene whose
``link`` is empty), in a context (klantcontact).
"""

from __future__ import annotations

import copy
from typing import Any

from conformance.invariants.api import Executor, Holding, Outcome, StyleActions
from conformance.invariants.credentials import VALID
from conformance.invariants.spec import Search
from conformance.invariants.steps import FRESH, Step


class IdentificatorActions(StyleActions):
    """Steps and state questions of the identificatoren style."""

    def __init__(self, ex: Executor) -> None:
        self.ex = ex
        self.spec = ex.spec
        assert self.spec.identificator is not None
        self.ident = self.spec.identificator
        self.group = str(self.ident.data["group"])
        self.value_field = str(self.ident.data["value_field"])
        self.kind_field = str(self.ident.data["kind_field"])
        self.link = str(self.ident.data["link"])
        self.scope = self.ident.data.get("scope")
        self.nested = self.spec.holder.data.get("nested")

    # -- bodies ---------------------------------------------------------------------------------
    def item(
        self, kind: str, value: str, *, holder: str | None, scope_uuid: str | None, nested: bool
    ) -> dict[str, Any]:
        body: dict[str, Any] = {self.group: {**self.ex.kind(kind).codes, self.value_field: value}}
        if not nested:
            body[self.link] = None if holder is None else {"uuid": holder}
        if self.scope:
            body[self.scope] = None if scope_uuid is None else {"uuid": scope_uuid}
        return body

    def scope_for(self, kind: str, step: Step, out: Outcome) -> str | None:
        """The identificator a scoped (or vestigingsnummer) item is scoped under, made if needed."""
        under = self.ex.kind(kind).scoped_under
        if not (step.scoped or under) or not self.scope:
            return None
        parent_kind = under or next(k for k, v in self.spec.identifiers.items() if not v.natuurlijk)
        for known in self.ex.live("identificator"):
            if known.kind == parent_kind:
                return known.uuid
        value = self.ex.value(parent_kind, FRESH)
        reply = self.ex.send(
            self.ident.route("create"),
            VALID,
            label="scope parent",
            identifier=parent_kind,
            body=self.item(parent_kind, value, holder=None, scope_uuid=None, nested=False),
            out=out,
        )
        record = self.ex.created("identificator", reply, kind=parent_kind, value=value)
        return None if record is None else record.uuid

    # -- steps ----------------------------------------------------------------------------------
    def do_create(self, step: Step, label: str, out: Outcome) -> None:
        pairs = self.note_values(step, out)
        body = self.ex.holder_body(step.kind, step.scope)
        items = []
        for kind, value in pairs:
            scope_uuid = self.scope_for(kind, step, out)
            items.append(self.item(kind, value, holder=None, scope_uuid=scope_uuid, nested=True))
        if self.nested:
            body[self.nested] = items
        out.zelfstandig_create = not items
        identifier = pairs[0][0] if pairs else "-"
        reply = self.ex.send(
            self.spec.holder.route("create"),
            step.form,
            label=label,
            body=body,
            out=out,
            identifier=identifier,
        )
        kinds = self.spec.holder_kinds
        record = self.ex.created("holder", reply, kind=kinds[step.kind % len(kinds)], zelfstandig=not items)
        if record is not None:
            out.holders.add(record.uuid)
            self.adopt_nested(reply.json())

    def adopt_nested(self, body: Any) -> None:
        """The identificatoren a holder was created with become records too (move, change, delete)."""
        codes = {v.codes.get(self.kind_field): k for k, v in self.spec.identifiers.items()}
        for item in (body or {}).get(self.nested) or []:
            group = item.get(self.group) or {}
            if item.get("uuid"):
                self.ex.adopt(
                    "identificator",
                    str(item["uuid"]),
                    kind=codes.get(group.get(self.kind_field)),
                    value=group.get(self.value_field),
                )

    def do_concurrent(self, step: Step, label: str, out: Outcome) -> None:
        natural = [k for k, v in self.spec.identifiers.items() if v.natuurlijk]
        kind = step.idents[0][0] if step.idents else natural[0]
        value = self.ex.value(kind, FRESH)
        out.values.add((kind, value))
        out.fresh_values.add((kind, value))

        def one() -> Any:
            body = self.ex.holder_body(step.kind, step.scope)
            body[str(self.nested)] = [self.item(kind, value, holder=None, scope_uuid=None, nested=True)]
            return self.ex.send(
                self.spec.holder.route("create"), step.form, label=label, body=body, out=out, identifier=kind
            )

        for reply in self.ex.run_concurrently([one, one]):
            record = self.ex.created("holder", reply, kind=self.spec.holder_kinds[0])
            if record is not None:
                out.holders.add(record.uuid)

    def do_attach(self, step: Step, label: str, out: Outcome) -> None:
        holder = None if step.orphan else self.ex.pick("holder", step.target)
        if holder is None and not step.orphan:
            out.ran = False
            return
        pairs = self.note_values(step, out) or []
        if not pairs:
            out.ran = False
            return
        kind, value = pairs[0]
        scope_uuid = self.scope_for(kind, step, out)
        if holder is not None:
            out.holders.add(holder.uuid)
            out.before[holder.uuid] = self.view_tuple(holder.uuid)
        if step.route == "separate" or holder is None:
            body = self.item(
                kind,
                value,
                holder=None if holder is None else holder.uuid,
                scope_uuid=scope_uuid,
                nested=False,
            )
            reply = self.ex.send(
                self.ident.route("create"), step.form, label=label, body=body, out=out, identifier=kind
            )
            self.ex.created("identificator", reply, kind=kind, value=value)
            return
        current = self.ex.get(self.spec.holder.route("read"), holder.uuid, "read before attach") or {}
        items = [self._as_item(i) for i in current.get(self.nested, [])]
        items.append(self.item(kind, value, holder=None, scope_uuid=scope_uuid, nested=True))
        if step.route == "put":
            body = self._put_body(current)
            body[str(self.nested)] = items
            route = self.spec.holder.route("update")
        else:
            body = {str(self.nested): items}
            route = self.spec.holder.route("patch")
        self.ex.send(route, step.form, label=label, uuid=holder.uuid, body=body, out=out, identifier=kind)

    def do_move(self, step: Step, label: str, out: Outcome) -> None:
        ident = self.ex.pick("identificator", step.target)
        holder = self.ex.pick("holder", step.other)
        if ident is None or holder is None:
            out.ran = False
            return
        self._touch_identificator(ident.uuid, out)
        out.holders.add(holder.uuid)
        out.before[holder.uuid] = self.view_tuple(holder.uuid)
        kind = ident.kind or "-"
        if step.route == "put":
            current = self.ex.get(self.ident.route("read"), ident.uuid, "read before move")
            if current is None:
                out.ran = False
                return
            body = {k: current.get(k) for k in (self.group, self.scope) if k}
            body[self.link] = {"uuid": holder.uuid}
            body = {
                k: ({"uuid": v["uuid"]} if isinstance(v, dict) and "uuid" in v else v)
                for k, v in body.items()
            }
            self.ex.send(
                self.ident.route("update"),
                step.form,
                label=label,
                uuid=ident.uuid,
                body=body,
                out=out,
                identifier=kind,
            )
        else:
            body = {self.link: {"uuid": holder.uuid}}
            self.ex.send(
                self.ident.route("patch"),
                step.form,
                label=label,
                uuid=ident.uuid,
                body=body,
                out=out,
                identifier=kind,
            )

    def do_change(self, step: Step, label: str, out: Outcome) -> None:
        wanted = step.idents[0][0] if step.idents else None
        same = [r for r in self.ex.live("identificator") if r.kind == wanted]
        ident = same[step.target % len(same)] if same else self.ex.pick("identificator", step.target)
        if ident is None or not ident.kind:
            out.ran = False
            return
        self._touch_identificator(ident.uuid, out)
        pairs = self.note_values(
            Step("change", idents=((ident.kind, step.idents[0][1] if step.idents else FRESH),)), out
        )
        _, value = pairs[0]
        body: dict[str, Any] = {self.group: {**self.ex.kind(ident.kind).codes, self.value_field: value}}
        route = self.ident.route("update" if step.route == "put" else "patch")
        if step.route == "put":
            current = self.ex.get(self.ident.route("read"), ident.uuid, "read before change") or {}
            for key in (self.link, self.scope):
                if key:
                    ref = current.get(key)
                    body[key] = {"uuid": ref["uuid"]} if isinstance(ref, dict) else None
        self.ex.send(
            route, step.form, label=label, uuid=ident.uuid, body=body, out=out, identifier=ident.kind
        )

    def do_delete(self, step: Step, label: str, out: Outcome) -> None:
        roles = ["holder", "identificator"] + (["zelfstandig"] if self.spec.zelfstandig else [])
        role = roles[step.other % len(roles)]
        record = self.ex.pick(role, step.target)
        if record is None:
            out.ran = False
            return
        resource = {
            "holder": self.spec.holder,
            "identificator": self.ident,
            "zelfstandig": self.spec.zelfstandig,
        }[role]
        assert resource is not None
        if role == "holder":
            out.before[record.uuid] = self.view_tuple(record.uuid)
            out.holders.add(record.uuid)
            for held in out.before[record.uuid] or []:
                out.values.add((held[0], held[1]))
        elif role == "identificator":
            self._touch_identificator(record.uuid, out)
        out.target_existed = f"{role}:{record.uuid}"
        reply = self.ex.send(
            resource.route("delete"),
            step.form,
            label=label,
            uuid=record.uuid,
            out=out,
            identifier=record.kind or "-",
        )
        if 200 <= reply.status < 300:
            record.alive = False

    def do_zelfstandig(self, step: Step, label: str, out: Outcome) -> None:
        zelf, context = self.spec.zelfstandig, self.spec.context
        if zelf is None or context is None:
            out.ran = False
            return
        # A fresh context for each klant without identifying data: R9 asks only that such a klant is
        # stored, so a refusal caused by another rule on a shared context (say, one betrokkene per
        # klantcontact, B7682's concern) must not read as an R9 violation.
        reply = self.ex.send(
            context.route("create"),
            VALID,
            label="context",
            body=copy.deepcopy(context.data["body"]),
            out=out,
        )
        ctx = self.ex.created("context", reply)
        if ctx is None:
            out.ran = False
            return
        body = copy.deepcopy(zelf.data.get("body") or {})
        body[str(context.data["field"])] = {"uuid": ctx.uuid}
        body[str(zelf.data["link"])] = None
        out.zelfstandig_create = True
        reply = self.ex.send(zelf.route("create"), step.form, label=label, body=body, out=out)
        record = self.ex.created("zelfstandig", reply, zelfstandig=True)
        if record is not None:
            out.zelfstandigen.add(record.uuid)

    def do_link(self, step: Step, label: str, out: Outcome) -> None:
        zelf = self.spec.zelfstandig
        record = self.ex.pick("zelfstandig", step.target)
        holder = self.ex.pick("holder", step.other)
        if zelf is None or record is None or holder is None:
            out.ran = False
            return
        out.zelfstandigen.add(record.uuid)
        link = str(zelf.data["link"])
        if step.route == "put":
            current = self.ex.get(zelf.route("read"), record.uuid, "read before link") or {}
            body = {k: v for k, v in current.items() if k in (zelf.data.get("body") or {})}
            ctx_field = str(self.spec.context.data["field"]) if self.spec.context else ""
            ref = current.get(ctx_field)
            body[ctx_field] = {"uuid": ref["uuid"]} if isinstance(ref, dict) else None
            body[link] = {"uuid": holder.uuid}
            self.ex.send(zelf.route("update"), step.form, label=label, uuid=record.uuid, body=body, out=out)
        else:
            self.ex.send(
                zelf.route("patch"),
                step.form,
                label=label,
                uuid=record.uuid,
                body={link: {"uuid": holder.uuid}},
                out=out,
            )

    # -- state read back with valid credentials -------------------------------------------------
    def holders_of(self, kind: str, value: str) -> dict[str, tuple[str | None, bool]]:
        """holder uuid -> (scope, scoped) for every holder the target shows with this value: the
        search over identificatoren (it shows links) is asked first, the others when it fails."""
        key = ("holders", kind, value)
        if key not in self.ex.cache:
            self.ex.cache[key] = self._holders_of(kind, value)
        return dict(self.ex.cache[key])

    def _holders_of(self, kind: str, value: str) -> dict[str, tuple[str | None, bool]]:
        found: dict[str, tuple[str | None, bool]] = {}
        own = self.ident.route("create")
        ordered = sorted(self.spec.searches, key=lambda s: own is None or s.route.path != own.path)
        unanswered = []
        for search in ordered:
            query = self._query(search, kind, value)
            reply = self.ex.send(search.route, VALID, label=f"read back {kind}", query=query, identifier=kind)
            body = self.ex.decisive(reply)
            if body is None:
                unanswered.append(reply)
                continue
            for result in body.get("results", []):
                for holder, scoped in self._holdings_in(result, kind, value):
                    found[holder] = (None, scoped or found.get(holder, (None, False))[1])
            break  # one answering search is the read-back; the rest are probed without credentials
        else:
            self.ex.searched(unanswered, f"{kind} {value}")
        for holder in found:
            self.ex.adopt("holder", holder)
        return found

    def _query(self, search: Search, kind: str, value: str) -> dict[str, str]:
        query = {search.value_param: value}
        if search.kind_param:
            query[search.kind_param] = str(self.ex.kind(kind).codes.get(self.kind_field, kind))
        return query

    def adopt_orphans(self, values: set[tuple[str, str]]) -> None:
        """Before cleanup: every identificator the target holds with a value this sequence sent
        where the outcome was unsure (refused, anonymous, concurrent) becomes a record to delete. A
        write refused but stored, or an identificator scoped under one, is otherwise never known,
        and it keeps what it points to from being deleted."""
        own = self.ident.route("create")
        searches = [s for s in self.spec.searches if own is not None and s.route.path == own.path]
        for kind, value in sorted(values):
            for search in searches:
                query = self._query(search, kind, value)
                reply = self.ex.send(search.route, VALID, label="cleanup: find orphans", query=query)
                body = self.ex.decisive(reply)
                if body is None:
                    continue
                for result in body.get("results", []):
                    group = (result.get(self.group) or {}) if isinstance(result, dict) else {}
                    uuid = result.get("uuid") if isinstance(result, dict) else None
                    if group.get(self.value_field) == value and isinstance(uuid, str):
                        self.ex.adopt("identificator", uuid, kind=kind, value=value)
                break

    def _holdings_in(self, result: dict[str, Any], kind: str, value: str) -> list[tuple[str, bool]]:
        code = self.ex.kind(kind).codes.get(self.kind_field, kind)
        items = result.get(self.nested) if self.nested in result else [result]
        out = []
        for item in items or []:
            group = item.get(self.group) or {}
            if group.get(self.value_field) != value or group.get(self.kind_field) != code:
                continue
            link = item.get(self.link) if self.link in item else {"uuid": result.get("uuid")}
            if isinstance(link, dict) and link.get("uuid"):
                out.append((str(link["uuid"]), bool(item.get(self.scope)) if self.scope else False))
        return out

    def view(self, holder: str) -> list[Holding] | None:
        """The identifying data the target shows for a holder (its own body and the identificatoren
        known to point to it); None when the holder is gone."""
        key = ("view", holder)
        if key not in self.ex.cache:
            self.ex.cache[key] = self._view(holder)
        view: list[Holding] | None = self.ex.cache[key]
        return view

    def _view(self, holder: str) -> list[Holding] | None:
        body = self.ex.get(self.spec.holder.route("read"), holder, "read back holder")
        if body is None:
            return None
        codes = {v.codes.get(self.kind_field): k for k, v in self.spec.identifiers.items()}
        held = {}
        for item in body.get(self.nested) or []:
            group = item.get(self.group) or {}
            kind = codes.get(group.get(self.kind_field))
            if kind:
                held[(kind, group.get(self.value_field))] = Holding(
                    kind,
                    str(group.get(self.value_field)),
                    bool(item.get(self.scope)) if self.scope else False,
                )
        if held:  # the holder shows its identificatoren; else ask each one (a server may hide them)
            return list(held.values())
        for record in self.ex.live("identificator"):
            item = self.ex.get(self.ident.route("read"), record.uuid, "read back identificator")
            if item is None:
                record.alive = False
                continue
            link = item.get(self.link)
            group = item.get(self.group) or {}
            kind = codes.get(group.get(self.kind_field))
            if kind and isinstance(link, dict) and str(link.get("uuid", "")).lower() == holder.lower():
                held[(kind, group.get(self.value_field))] = Holding(
                    kind,
                    str(group.get(self.value_field)),
                    bool(item.get(self.scope)) if self.scope else False,
                )
        return list(held.values())

    def view_tuple(self, holder: str) -> list[tuple[str, str, bool]] | None:
        view = self.view(holder)
        return None if view is None else sorted((h.kind, h.value, h.scoped) for h in view)

    def link_of(self, record: str) -> tuple[bool, str | None]:
        zelf = self.spec.zelfstandig
        assert zelf is not None
        body = self.ex.get(zelf.route("read"), record, "read back zelfstandig")
        if body is None:
            return False, None
        link = body.get(str(zelf.data["link"]))
        return True, (str(link["uuid"]) if isinstance(link, dict) and link.get("uuid") else None)

    def secrets_of(self, holder: str) -> set[str]:
        view = self.view(holder) or []
        out = {h.value for h in view}
        for record in self.ex.live("identificator"):
            out.add(record.uuid)
        return out

    def _touch_identificator(self, uuid: str, out: Outcome) -> None:
        item = self.ex.get(self.ident.route("read"), uuid, "read before")
        if item is None:
            return
        group = item.get(self.group) or {}
        codes = {v.codes.get(self.kind_field): k for k, v in self.spec.identifiers.items()}
        kind = codes.get(group.get(self.kind_field))
        if kind:
            out.values.add((kind, str(group.get(self.value_field))))
        link = item.get(self.link)
        if isinstance(link, dict) and link.get("uuid"):
            out.holders.add(str(link["uuid"]))
            out.before.setdefault(str(link["uuid"]), self.view_tuple(str(link["uuid"])))

    def _as_item(self, item: dict[str, Any]) -> dict[str, Any]:
        body = {self.group: item.get(self.group)}
        if self.scope:
            ref = item.get(self.scope)
            body[self.scope] = {"uuid": ref["uuid"]} if isinstance(ref, dict) else None
        return body

    def _put_body(self, current: dict[str, Any]) -> dict[str, Any]:
        data = self.spec.holder.data
        body = {k: current.get(k) for k in (data.get("body") or {})}
        body[str(data["kind_field"])] = current.get(data["kind_field"])
        if data.get("tag_field"):
            body[data["tag_field"]] = current.get(data["tag_field"], "")
        return body
