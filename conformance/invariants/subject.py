"""The ``subject`` style (legacy Klanten API): identifying data is a group inside the holder.

A klant is aangehaakt through ``subjectType`` and the identifying keys of its ``group``
(``subjectIdentificatie``); writes attach, change or move identifying data by PATCH/PUT of the
klant itself. Uniqueness is per ``scope_field`` (bronorganisatie: per gemeente).
"""

from __future__ import annotations

from typing import Any

from conformance.client import Reply
from conformance.invariants.api import Executor, Holding, Outcome, StyleActions
from conformance.invariants.steps import FRESH, Step


class SubjectActions(StyleActions):
    """Steps and state questions of the subject style."""

    def __init__(self, ex: Executor) -> None:
        self.ex = ex
        self.spec = ex.spec
        data = self.spec.holder.data
        self.group = str(data["group"])
        self.kind_field = str(data["kind_field"])

    def _identity(self, pairs: list[tuple[str, str]], kind_index: int) -> dict[str, Any]:
        if not pairs:
            return {}
        subject_type = self.ex.kind(pairs[0][0]).subject_type
        return {self.kind_field: subject_type, self.group: dict(pairs)}

    def do_create(self, step: Step, label: str, out: Outcome) -> None:
        pairs = self.note_values(step, out)
        body = {**self.ex.holder_body(step.kind, step.scope), **self._identity(pairs, step.kind)}
        out.zelfstandig_create = not pairs
        reply = self.ex.send(
            self.spec.holder.route("create"),
            step.form,
            label=label,
            body=body,
            out=out,
            identifier=pairs[0][0] if pairs else "-",
        )
        scope = body.get(self.spec.scope_field or "")
        record = self.ex.created("holder", reply, zelfstandig=not pairs, scope=scope)
        if record is not None:
            out.holders.add(record.uuid)

    def do_concurrent(self, step: Step, label: str, out: Outcome) -> None:
        natural = [k for k, v in self.spec.identifiers.items() if v.natuurlijk]
        kind = natural[0]
        value = self.ex.value(kind, FRESH)
        out.values.add((kind, value))
        out.fresh_values.add((kind, value))

        def one() -> Any:
            body = {**self.ex.holder_body(step.kind, 0), **self._identity([(kind, value)], 0)}
            return self.ex.send(
                self.spec.holder.route("create"), step.form, label=label, body=body, out=out, identifier=kind
            )

        for reply in self.ex.run_concurrently([one, one]):
            record = self.ex.created("holder", reply, scope=self.ex.scope_values[0])
            if record is not None:
                out.holders.add(record.uuid)

    def do_attach(self, step: Step, label: str, out: Outcome) -> None:
        holder = self.ex.pick("holder", step.target)
        pairs = self.note_values(step, out)
        if holder is None or not pairs:
            out.ran = False
            return
        out.holders.add(holder.uuid)
        out.before[holder.uuid] = self.view_tuple(holder.uuid)
        for held in out.before[holder.uuid] or []:
            out.values.add((held[0], held[1]))
        identity = self._identity(pairs, step.kind)
        if step.route == "put":
            current = self.ex.get(self.spec.holder.route("read"), holder.uuid, "read before attach") or {}
            body = {
                k: v
                for k, v in current.items()
                if k not in ("url", self.kind_field, self.group) and v not in (None, "")
            }
            body.update(identity)
            route = self.spec.holder.route("update")
        else:
            body = identity
            route = self.spec.holder.route("patch")
        self.ex.send(
            route, step.form, label=label, uuid=holder.uuid, body=body, out=out, identifier=pairs[0][0]
        )

    do_change = do_attach
    do_move = do_attach

    def do_delete(self, step: Step, label: str, out: Outcome) -> None:
        record = self.ex.pick("holder", step.target)
        if record is None:
            out.ran = False
            return
        out.before[record.uuid] = self.view_tuple(record.uuid)
        out.holders.add(record.uuid)
        for held in out.before[record.uuid] or []:
            out.values.add((held[0], held[1]))
        out.target_existed = f"holder:{record.uuid}"
        reply = self.ex.send(
            self.spec.holder.route("delete"), step.form, label=label, uuid=record.uuid, out=out
        )
        if 200 <= reply.status < 300:
            record.alive = False

    # -- state read back ------------------------------------------------------------------------
    def holders_of(self, kind: str, value: str) -> dict[str, tuple[str | None, bool]]:
        key = ("holders", kind, value)
        if key not in self.ex.cache:
            self.ex.cache[key] = self._holders_of(kind, value)
        return dict(self.ex.cache[key])

    def _holders_of(self, kind: str, value: str) -> dict[str, tuple[str | None, bool]]:
        found: dict[str, tuple[str | None, bool]] = {}
        unanswered: list[Reply] = []
        answered = False
        for search in self.spec.searches:
            if search.identifier != kind:
                continue
            reply = self.ex.send(
                search.route,
                "valid",
                label=f"read back {kind}",
                query={search.value_param: value},
                identifier=kind,
            )
            body = self.ex.decisive(reply)
            if body is None:
                unanswered.append(reply)
                continue
            answered = True
            for result in body.get("results", []):
                if (result.get(self.group) or {}).get(kind) == value:
                    uuid = str(result.get("url", "")).rstrip("/").rsplit("/", 1)[-1]
                    found[uuid] = (result.get(self.spec.scope_field or ""), False)
        if not answered:
            self.ex.searched(unanswered, f"{kind} {value}")
        for holder, (scope, _) in found.items():
            self.ex.adopt("holder", holder, scope=scope)
        return found

    def view(self, holder: str) -> list[Holding] | None:
        key = ("view", holder)
        if key not in self.ex.cache:
            self.ex.cache[key] = self._view(holder)
        view: list[Holding] | None = self.ex.cache[key]
        return view

    def _view(self, holder: str) -> list[Holding] | None:
        body = self.ex.get(self.spec.holder.route("read"), holder, "read back holder")
        if body is None:
            return None
        group = body.get(self.group) or {}
        held = [Holding(kind, str(group[kind])) for kind in self.spec.identifiers if group.get(kind)]
        subject_type = body.get(self.kind_field)
        record = next((r for r in self.ex.records if r.uuid == holder), None)
        if record is not None and held and subject_type:
            if record.kind is None:
                record.kind = subject_type
            elif record.kind != subject_type:  # one klant, first one person then another kind
                held.append(Holding(f"{self.kind_field}:{record.kind}", str(record.kind)))
        return held

    def view_tuple(self, holder: str) -> list[tuple[str, str, bool]] | None:
        view = self.view(holder)
        return None if view is None else sorted((h.kind, h.value, h.scoped) for h in view)

    def link_of(self, record: str) -> tuple[bool, str | None]:
        return False, None

    def secrets_of(self, holder: str) -> set[str]:
        return {h.value for h in self.view(holder) or []}
