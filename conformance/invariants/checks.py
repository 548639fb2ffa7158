"""The invariants: KLOK01 rules as properties of state read back with valid credentials.

Each has a stable id and names its requirement; ``contested`` names the reading of
decisions.md §3 that bears on it (the catalogue's contested marking applies by id). A server may
refuse anything with any status and may accept a field and ignore it: only a state that breaks a
rule, or a disclosure, is a violation. Refusals count only where the rule is that something must
be accepted (R5, R9), and then only when a control shows the refusal was for that reason alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.invariants.api import Executor, Outcome
from conformance.invariants.credentials import OTHER_SCHEME, VALID
from conformance.invariants.probes import normalised
from conformance.invariants.steps import FRESH, Step


@dataclass(frozen=True)
class Invariant:
    id: str
    requirement: str
    statement: str
    side: str  # "write" (needs records) or "read" (read-side: runs under --read-only too)
    contested: str = ""  # decisions.md §3 readings that bear on it


INVARIANTS: tuple[Invariant, ...] = (
    Invariant(
        "INV-R4-bsn-unique",
        "KLOK01-R4",
        "No natuurlijk-persoon identifier (BSN) is held by more than one klant in one gemeente (unscoped).",
        "write",
        "C1 (MUST part), C5",
    ),
    Invariant(
        "INV-R4-bsn-unique-scoped",
        "KLOK01-R4",
        "Also a BSN scoped under another identificator (subIdentificatorVan) is held by one klant only.",
        "write",
        "C1 (contested: scoped BSN on a contactpersoon)",
    ),
    Invariant(
        "INV-R5-nnp-not-refused",
        "KLOK01-R5",
        "A klant is never refused only because another klant holds the same niet-natuurlijk-persoon "
        "identifier.",
        "write",
        "C2 (contested on klantinteracties-v1: unscoped KvK/RSIN)",
    ),
    Invariant(
        "INV-R6-np-or-nnp",
        "KLOK01-R6",
        "No klant holds natuurlijk- and niet-natuurlijk-persoon identifying data together, or first one "
        "and then the other.",
        "write",
        "C7 (core uncontested; scoped BSN contested)",
    ),
    Invariant(
        "INV-R9-zelfstandig-stored",
        "KLOK01-R9",
        "A klant without identifying data, sent with a well-formed body, is stored.",
        "write",
        "C3 (a zelfstandige partij is INFO in the new model; a partij-less betrokkene is MUST)",
    ),
    Invariant(
        "INV-R13-stays-zelfstandig",
        "KLOK01-R13",
        "A klant created without identifying data never shows identifying data, by any route.",
        "write",
        "C4 (contested: later text requires attaching)",
    ),
    Invariant(
        "INV-R7-no-unauthenticated-registration",
        "KLOK01-R7",
        "A request without valid credentials stores, changes or removes no identifying data.",
        "write",
        "C6 (assurance level untestable)",
    ),
    Invariant(
        "INV-R8-no-disclosure",
        "KLOK01-R8",
        "An answer to a request without valid credentials contains no identifying value or record uuid it "
        "was not sent.",
        "read",
        "C6",
    ),
    Invariant(
        "INV-R8-existence-hidden",
        "KLOK01-R8",
        "Without valid credentials, a record or identifier that exists gets the same answer as one that "
        "does not.",
        "read",
        "C6",
    ),
)
BY_ID = {i.id: i for i in INVARIANTS}


@dataclass(frozen=True)
class Violation:
    invariant: str
    message: str


class Judge:
    """Judges one step's outcome against every invariant still being checked."""

    def __init__(self, ex: Executor, actions: Any, active: set[str], checked: dict[str, int]) -> None:
        self.ex = ex
        self.actions = actions
        self.active = active
        self.checked = checked
        self.observations: list[dict[str, Any]] = []

    def _tick(self, invariant: str) -> bool:
        self.checked[invariant] = self.checked.get(invariant, 0) + 1
        return invariant in self.active

    def judge(self, step: Step, out: Outcome) -> list[Violation]:
        if not out.ran or not out.exchanges:
            return []
        found: list[Violation] = []
        invalid = step.form not in (VALID, OTHER_SCHEME)
        if step.form == OTHER_SCHEME:
            self._observe_other_scheme(step, out)
        if out.compare is not None:
            if invalid:
                found += self._r8(out)
            return found
        if invalid:
            found += self._disclosure(out)
            found += self._r7(step, out)
        found += self._r9(step, out)
        found += self._r5(step, out)
        holders = set(out.holders)
        found += self._r4(out, holders)
        found += self._holders(holders)
        found += self._zelfstandigen(out)
        return found

    # -- state rules ----------------------------------------------------------------------------
    def _r4(self, out: Outcome, holders: set[str]) -> list[Violation]:
        found = []
        for kind, value in sorted(out.values):
            if kind not in self.ex.spec.identifiers:  # a pseudo holding (a subjectType the klant had)
                continue
            if not self.ex.kind(kind).natuurlijk:
                holders |= set(self.actions.holders_of(kind, value))
                continue
            held = self.actions.holders_of(kind, value)
            holders |= set(held)
            by_scope: dict[Any, list[str]] = {}
            for holder, (scope, _) in held.items():
                by_scope.setdefault(scope, []).append(holder)
            scoped = any(s for _, s in held.values())
            invariant = "INV-R4-bsn-unique-scoped" if scoped else "INV-R4-bsn-unique"
            self._tick("INV-R4-bsn-unique-scoped")  # every read back also shows scoped holdings
            if self._tick("INV-R4-bsn-unique") and invariant in self.active:
                for scope, same in by_scope.items():
                    if len(same) > 1:
                        where = f" (scope {scope})" if scope else ""
                        found.append(
                            Violation(
                                invariant,
                                f"{kind} {value} is held by {len(same)} klanten{where}: "
                                f"{', '.join(sorted(same))}",
                            )
                        )
        return found

    def _holders(self, holders: set[str]) -> list[Violation]:
        found = []
        for holder in sorted(holders):
            view = self.actions.view(holder)
            if view is None:
                continue
            kinds = [h.kind for h in view if not h.scoped]
            natural = [k for k in kinds if k in self.ex.spec.identifiers and self.ex.kind(k).natuurlijk]
            other = [k for k in kinds if k not in natural]
            if self._tick("INV-R6-np-or-nnp") and natural and other:
                found.append(
                    Violation(
                        "INV-R6-np-or-nnp",
                        f"klant {holder} holds {', '.join(sorted(set(kinds)))} at once (or changed its kind)",
                    )
                )
            record = next((r for r in self.ex.records if r.uuid == holder and r.role == "holder"), None)
            if record is not None and record.zelfstandig and self._tick("INV-R13-stays-zelfstandig") and view:
                shown = ", ".join(f"{h.kind} {h.value}" for h in view)
                found.append(
                    Violation(
                        "INV-R13-stays-zelfstandig",
                        f"klant {holder}, created without identifying data, now shows {shown}",
                    )
                )
        return found

    def _zelfstandigen(self, out: Outcome) -> list[Violation]:
        found = []
        for record in sorted(out.zelfstandigen):
            known = next((r for r in self.ex.records if r.uuid == record), None)
            if known is None or not known.zelfstandig or not self._tick("INV-R13-stays-zelfstandig"):
                continue
            exists, link = self.actions.link_of(record)
            if exists and link:
                found.append(
                    Violation(
                        "INV-R13-stays-zelfstandig",
                        f"contact data {record}, stored without a klant, is now linked to klant {link}",
                    )
                )
        return found

    def _r9(self, step: Step, out: Outcome) -> list[Violation]:
        if not out.zelfstandig_create or step.form != VALID or out.status is None:
            return []
        if not self._tick("INV-R9-zelfstandig-stored"):
            return []
        if 400 <= out.status < 500 and out.status != 429:
            return [
                Violation(
                    "INV-R9-zelfstandig-stored",
                    f"{step.action}: a klant without identifying data was refused with {out.status}",
                )
            ]
        return []

    def _r5(self, step: Step, out: Outcome) -> list[Violation]:
        """A refused write that reused a niet-natuurlijk-persoon value: the same write with a fresh
        value is the control; if that one is accepted, the refusal was for the reuse alone."""
        if not out.reused_nnp or step.form != VALID or out.status is None:
            return []
        if not self._tick("INV-R5-nnp-not-refused") or not 400 <= out.status < 500:
            return []
        kinds = [k for k, _ in step.idents]
        if any(self.ex.kind(k).natuurlijk or self.ex.kind(k).scoped_under for k in kinds) or len(
            set(kinds)
        ) < len(kinds):
            return []  # a BSN, a scoped vestiging or one kind twice in the same write may be the reason
        control = Step(
            step.action,
            VALID,
            step.kind,
            tuple((k, FRESH) for k, _ in step.idents),
            step.target,
            step.other,
            step.route,
            step.scoped,
            step.scope,
            step.orphan,
        )
        again = self.actions.perform(control, "control: the same write with a fresh value")
        out.exchanges += again.exchanges
        if again.status is not None and 200 <= again.status < 300:
            return [
                Violation(
                    "INV-R5-nnp-not-refused",
                    f"{step.action} was refused ({out.status}) while the same write with a fresh value was "
                    f"accepted ({again.status})",
                )
            ]
        return []

    def _r7(self, step: Step, out: Outcome) -> list[Violation]:
        if not self._tick("INV-R7-no-unauthenticated-registration"):
            return []
        found = []
        for kind, value in sorted(out.fresh_values):
            held = self.actions.holders_of(kind, value)
            if held:
                found.append(
                    Violation(
                        "INV-R7-no-unauthenticated-registration",
                        f"{step.action} with credentials '{step.form}' answered {out.status}, and {kind} "
                        f"{value} is now held by {', '.join(sorted(held))}",
                    )
                )
        for holder, before in sorted(out.before.items()):
            after = self.actions.view_tuple(holder)
            if before is not None and after != before:
                found.append(
                    Violation(
                        "INV-R7-no-unauthenticated-registration",
                        f"{step.action} with credentials '{step.form}' answered {out.status}, and klant "
                        f"{holder}'s identifying data changed from {before} to {after or 'gone'}",
                    )
                )
        return found

    # -- disclosure -----------------------------------------------------------------------------
    def _disclosure(self, out: Outcome) -> list[Violation]:
        if not self._tick("INV-R8-no-disclosure"):
            return []
        secrets = {v for used in self.ex.values.values() for v in used} | {
            r.uuid for r in self.ex.records if r.role != "context"
        }
        secrets -= out.request_values
        for exchange in out.exchanges[-1:]:
            sent = exchange.url + repr(exchange.request_body)
            leaked = sorted(s for s in secrets if s and s in (exchange.response_body or "") and s not in sent)
            if leaked and exchange.status is not None:
                return [
                    Violation(
                        "INV-R8-no-disclosure",
                        f"{exchange.method} {exchange.url} without valid credentials answered "
                        f"{exchange.status} disclosing {', '.join(leaked[:3])}",
                    )
                ]
        return []

    def _r8(self, out: Outcome) -> list[Violation]:
        assert out.compare is not None
        existing, absent = out.compare
        found = []
        if self._tick("INV-R8-no-disclosure"):
            leaked = sorted(s for s in out.secret_values - out.request_values if s and s in existing.text)
            if leaked:
                found.append(
                    Violation(
                        "INV-R8-no-disclosure",
                        f"{existing.response.request.method} {existing.response.request.url.path} without "
                        f"valid credentials answered {existing.status} disclosing {', '.join(leaked[:3])}",
                    )
                )
        if self._tick("INV-R8-existence-hidden"):
            a = (existing.status, normalised(existing.text, out.request_values))
            b = (absent.status, normalised(absent.text, out.request_values))
            if a != b:
                found.append(
                    Violation(
                        "INV-R8-existence-hidden",
                        f"{existing.response.request.method} without valid credentials: {existing.status} "
                        f"for what exists, {absent.status} for what does not"
                        + ("" if existing.status != absent.status else " (bodies differ)"),
                    )
                )
        return found

    def _observe_other_scheme(self, step: Step, out: Outcome) -> None:
        if out.status is not None and 200 <= out.status < 300:
            self.observations.append(
                {
                    "requirement": "CONTRACT-AUTH",
                    "level": "SHOULD",
                    "form": OTHER_SCHEME,
                    "step": step.describe(),
                    "status": out.status,
                }
            )
