"""Generated test identifiers: valid and unique within a run, or deliberately invalid.

Valid BSNs and RSINs are 11-proef numbers drawn from a range unlikely to hold real persons
(999900000-999999999, the range of the BRP test sets; overridable). Generation is seeded by the
run id, so a run can be repeated, and remembers what it handed out, so no value repeats.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Callable

_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
_MAX_TRIES = 100_000


def elfproef_valid(number: str) -> bool:
    """True when ``number`` is 9 digits passing the 11-proef (BSN/RSIN checksum)."""
    if len(number) != 9 or not number.isdigit():
        return False
    return sum(w * int(d) for w, d in zip(_WEIGHTS, number, strict=True)) % 11 == 0


class ExhaustedRange(ValueError):
    """The configured range holds no more unused values."""


class IdentifierGenerator:
    """Hands out identifiers for one run; see the module docstring."""

    def __init__(
        self,
        seed: str,
        *,
        bsn_range: tuple[int, int] = (999_900_000, 999_999_999),
        kvk_range: tuple[int, int] = (99_990_000, 99_999_999),
    ) -> None:
        self._random = random.Random(seed)
        self._bsn_range = bsn_range
        self._kvk_range = kvk_range
        self._used: set[str] = set()
        self._makers: dict[str, Callable[[], str]] = {
            "uuid": self.uuid,
            "bsn": self.bsn,
            "rsin": self.rsin,
            "kvk": self.kvk,
            "vestigingsnummer": self.vestigingsnummer,
            "bsn_bad_checksum": self.bad_checksum,
            "rsin_bad_checksum": self.bad_checksum,
            "bsn_too_short": lambda: self._fresh(lambda: self._digits(8)),
            "bsn_too_long": lambda: self._fresh(lambda: self._digits(10)),
            "bsn_not_digits": lambda: self._fresh(lambda: self._digits(8) + "A"),
            "kvk_too_short": lambda: self._fresh(lambda: self._digits(7)),
            "kvk_too_long": lambda: self._fresh(lambda: self._digits(9)),
        }

    @property
    def names(self) -> frozenset[str]:
        """The names usable as ``gen.<name>`` in scenarios."""
        return frozenset(self._makers)

    def generate(self, name: str) -> str:
        """The value for ``gen.<name>``; ``KeyError`` for an unknown name."""
        return self._makers[name]()

    def _fresh(self, make: Callable[[], str]) -> str:
        for _ in range(_MAX_TRIES):
            value = make()
            if value not in self._used:
                self._used.add(value)
                return value
        raise ExhaustedRange("no unused value left in the configured range")

    def _digits(self, count: int) -> str:
        return "".join(self._random.choice("0123456789") for _ in range(count))

    def _in_range(self, low: int, high: int, width: int) -> str:
        return str(self._random.randint(low, high)).zfill(width)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def bsn(self) -> str:
        """A 9-digit 11-proef-valid number from the BSN range."""
        low, high = self._bsn_range
        return self._fresh(lambda: self._elfproef_in(low, high))

    rsin = bsn  # an RSIN follows the same 9-digit 11-proef

    def _elfproef_in(self, low: int, high: int) -> str:
        # About one number in 11 is valid, but not one in every 11 consecutive ones (a carry into the
        # tens changes the weighted sum by more than one): walk up from a random start to the end of
        # the range, then from its start, so a valid number in the range is always found.
        start = self._random.randint(low, high)
        for candidate in itertools.chain(range(start, high + 1), range(low, start)):
            text = str(candidate).zfill(9)
            if elfproef_valid(text):
                return text
        raise ExhaustedRange(f"no 11-proef-valid number in {low}-{high}")

    def bad_checksum(self) -> str:
        """9 digits from the BSN range that fail the 11-proef."""
        low, high = self._bsn_range

        def make() -> str:
            value = self._in_range(low, high, 9)
            return value if not elfproef_valid(value) else self._in_range(low, high, 9)

        for _ in range(_MAX_TRIES):
            value = self._fresh(make)
            if not elfproef_valid(value):
                return value
        raise ExhaustedRange("no invalid number found in the BSN range")

    def kvk(self) -> str:
        """An 8-digit KvK-nummer from the KvK range."""
        low, high = self._kvk_range
        return self._fresh(lambda: self._in_range(low, high, 8))

    def vestigingsnummer(self) -> str:
        """A 12-digit vestigingsnummer, ``999`` followed by 9 digits."""
        return self._fresh(lambda: "999" + self._digits(9))
