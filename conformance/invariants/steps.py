"""Steps of a generated sequence, as plain data: replayable, shrinkable, exportable.

References (``target``, ``other``, value refs) are indexes resolved modulo what exists when the
step runs, so any sub-sequence is still a valid sequence (shrinking removes steps freely).
"""

from __future__ import annotations

from dataclasses import dataclass, field

FRESH = -1

WRITE_ACTIONS = ("create", "attach", "move", "change", "delete", "concurrent", "zelfstandig", "link")
READ_ACTIONS = ("read", "search", "list")


@dataclass(frozen=True)
class Step:
    """One action of a sequence; see the module docstring for references."""

    action: str
    form: str = "valid"
    kind: int = 0  # holder kind (soortPartij / subjectType) index
    idents: tuple[tuple[str, int], ...] = ()  # (identifier kind, value ref: FRESH or reuse index)
    target: int = 0
    other: int = 0
    route: str = (
        "separate"  # attach: separate|patch|put; move/change/link: patch|put; read: documented|slash|head
    )
    scoped: bool = False  # identificator scoped with subIdentificatorVan (where the API has it)
    scope: int = 0  # which scope value (legacy: bronorganisatie) a created holder gets
    orphan: bool = False  # a separate identificator created without a holder

    @property
    def writes(self) -> bool:
        return self.action in WRITE_ACTIONS

    def describe(self) -> str:
        parts = [self.action, f"form={self.form}"]
        if self.idents:
            parts.append(
                "idents=" + ",".join(f"{k}:{'fresh' if r == FRESH else f'reuse{r}'}" for k, r in self.idents)
            )
        if self.action in ("create", "concurrent"):
            parts.append(f"kind={self.kind} scope={self.scope}")
        if self.action in ("attach", "move", "change", "delete", "link", "read", "search"):
            parts.append(f"target={self.target}")
        if self.action in ("move", "link"):
            parts.append(f"other={self.other}")
        if self.action in ("attach", "move", "change", "link", "read"):
            parts.append(f"route={self.route}")
        if self.scoped:
            parts.append("scoped")
        if self.orphan:
            parts.append("orphan")
        return " ".join(parts)


@dataclass
class Sequence:
    """A generated sequence and where it came from (``sweep`` or ``hypothesis``)."""

    steps: list[Step]
    origin: str = "hypothesis"
    labels: list[str] = field(default_factory=list)
