"""The deterministic sweep: short sequences, ordered for reach under a budget.

Every ordering the issue names (create-then-attach, attach-then-move, orphan-then-link,
delete-then-reuse, concurrent duplicates, scoped duplicates, linking contact data) and every route
with every credential form and identifier kind, as short sequences interleaved so that a budget cut
leaves each invariant and each credential form some occasion: first one sequence per rule for the
first identifier kind and one cheap sequence per credential form, then the rest.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.invariants.credentials import VALID
from conformance.invariants.probes import URL_FORMS
from conformance.invariants.spec import InvariantSpec
from conformance.invariants.steps import FRESH, Sequence, Step


def orderings(kind: str, opposite: str, natural: str) -> list[Sequence]:
    """The state orderings for one identifier kind (``opposite``: a kind of the other person)."""
    made = [
        ("concurrent duplicates", [Step("concurrent", idents=((natural, FRESH),))]),
        (
            "reuse",
            [
                Step("create", idents=((kind, FRESH),)),
                Step("create", kind=1, idents=((kind, 0),)),
                Step("create", kind=1, idents=((opposite, FRESH),)),
                Step("create", kind=2, idents=((opposite, 0),)),
            ],
        ),
        (
            "attach to zelfstandig",
            [
                Step("create"),
                Step("attach", target=0, idents=((kind, FRESH),), route="separate"),
                Step("attach", target=0, idents=((kind, FRESH),), route="patch"),
                Step("attach", target=0, idents=((kind, FRESH),), route="put"),
            ],
        ),
        (
            "np and nnp",
            [
                Step("create", idents=((kind, FRESH),)),
                Step("attach", target=0, idents=((opposite, FRESH),), route="separate"),
                Step("attach", target=0, idents=((opposite, FRESH),), route="patch"),
                Step("attach", target=0, idents=((opposite, FRESH),), route="put"),
                Step("create", kind=1, idents=((kind, FRESH), (opposite, FRESH))),
            ],
        ),
        (
            "move, link, change",
            [
                Step("create", idents=((kind, FRESH),)),
                Step("create", kind=1, idents=((kind, FRESH),)),
                Step("create", kind=2),
                Step("move", target=0, other=2, route="patch"),  # attach then move, onto a zelfstandige
                Step("change", target=1, idents=((kind, 0),), route="patch"),  # change to a held value
                Step("change", target=1, idents=((kind, 0),), route="put"),
                Step("delete", target=1, other=1),
                Step("attach", orphan=True, idents=((kind, 0),)),  # an orphan with a held value
                Step("move", target=1, other=1, route="patch"),  # orphan then link
                Step("move", target=1, other=1, route="put"),
            ],
        ),
        (
            "delete then reuse",
            [
                Step("create", idents=((kind, FRESH),)),
                Step("delete", target=0, other=0),
                Step("create", idents=((kind, 0),)),
                Step("attach", target=0, idents=((kind, FRESH),), route="separate"),
                Step("delete", target=0, other=1),
                Step("attach", target=0, idents=((kind, 1),), route="separate"),
            ],
        ),
        (
            "scoped duplicates",
            [
                Step("create", idents=((kind, FRESH),)),
                Step("create", kind=1, idents=((kind, 0),), scoped=True),
            ],
        ),
        (
            "contact data without a klant",
            [
                Step("create", idents=((kind, FRESH),)),
                Step("zelfstandig"),
                Step("link", target=0, other=0, route="patch"),
                Step("zelfstandig"),
                Step("link", target=1, other=0, route="put"),
                Step("delete", target=0, other=2),
            ],
        ),
    ]
    return [Sequence(steps, origin="sweep", labels=[f"{label} ({kind})"]) for label, steps in made]


def credential_basics(form: str, kind: str) -> Sequence:
    """The cheapest occasions for R7 and R8 with one credential form."""
    steps = [
        Step("create", idents=((kind, FRESH),)),
        Step("create", form, idents=((kind, FRESH),)),
        Step("read", form, other=0, route="documented"),
        Step("search", form, target=0, route="documented"),
        Step("attach", form, target=0, idents=((kind, FRESH),), route="separate"),
        Step("attach", form, target=0, idents=((kind, FRESH),), route="patch"),
        Step("attach", form, target=0, idents=((kind, FRESH),), route="put"),
        Step("change", form, target=0, idents=((kind, FRESH),), route="patch"),
    ]
    return Sequence(steps, origin="sweep", labels=[f"credentials {form} ({kind})"])


def credential_routes(
    form: str, kind: str, searches: int, kinds: int, read_only: bool, lists: int = 0
) -> Sequence:
    """Every other route and URL form with one credential form (the identifier kind rotates)."""
    setup = (
        []
        if read_only
        else [
            Step("create", idents=((kind, FRESH),)),
            Step("create"),
            Step("attach", target=1, idents=((kind, FRESH),), orphan=True),
            Step("zelfstandig"),
        ]
    )
    reads = [Step("read", form, other=r, route=u) for r in range(3) for u in URL_FORMS]
    reads += [Step("list", form, target=i, route=u) for i in range(lists) for u in ("documented", "head")]
    finds = [
        Step("search", form, target=s, kind=kinds, route=u)
        for s in range(searches)
        for u in ("documented", "head")
    ]
    writes = (
        []
        if read_only
        else [
            Step("create", form),
            Step("move", form, target=0, other=1, route="patch"),
            Step("move", form, target=0, other=1, route="put"),
            Step("zelfstandig", form),
            Step("link", form, target=0, other=0, route="patch"),
            Step("link", form, target=0, other=0, route="put"),
            Step("delete", form, target=0, other=0),
            Step("delete", form, target=0, other=1),
            Step("delete", form, target=0, other=2),
        ]
    )
    return Sequence(
        setup + reads + finds + writes, origin="sweep", labels=[f"credential routes {form} ({kind})"]
    )


def credential_carriers(form: str, kind: str) -> Sequence:
    """The routes whose request carries an identifier, with one form and one identifier kind."""
    steps = [
        Step("create", idents=((kind, FRESH),)),
        Step("attach", target=0, idents=((kind, FRESH),), orphan=True),
        Step("create", form, idents=((kind, FRESH),)),
        Step("attach", form, target=0, idents=((kind, FRESH),), route="separate"),
        Step("attach", form, target=0, idents=((kind, FRESH),), route="patch"),
        Step("attach", form, target=0, idents=((kind, FRESH),), route="put"),
        Step("change", form, target=0, idents=((kind, FRESH),), route="patch"),
        Step("change", form, target=0, idents=((kind, FRESH),), route="put"),
    ]
    return Sequence(steps, origin="sweep", labels=[f"credential carriers {form} ({kind})"])


def plan(spec: InvariantSpec, forms: tuple[str, ...], read_only: bool) -> Iterator[Sequence]:
    """The sweep's sequences in order of reach (see the module docstring)."""
    kinds = list(spec.identifiers)
    natural = [k for k in kinds if spec.identifiers[k].natuurlijk]
    nnp = [k for k in kinds if k not in natural]
    bad = [f for f in forms if f != VALID]
    state = (
        [] if read_only else [orderings(k, (nnp if k in natural else natural)[0], natural[0]) for k in kinds]
    )
    if state:
        yield from state[0]
    for number, form in enumerate(bad):
        kind = kinds[number % len(kinds)]
        if not read_only:
            yield credential_basics(form, kind)
    for rest in state[1:]:
        yield from rest
    for number, form in enumerate([*bad, VALID]):
        kind = kinds[number % len(kinds)]
        yield credential_routes(form, kind, len(spec.searches), number, read_only, len(spec.reads))
    if not read_only:
        for number, form in enumerate([*bad, VALID]):
            for offset in range(len(kinds)):
                yield credential_carriers(form, kinds[(number + offset) % len(kinds)])
