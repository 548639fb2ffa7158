"""Ctrl-C as a request to stop at the next safe point, so no record is created without being seen.

A KeyboardInterrupt raised in the middle of a request can leave a record on the target whose address
the suite never read. While a run is active the plugin turns the first SIGINT into ``request()``:
the scenario runner stops before its next step (and cleans up), the fuzzer's requests are refused,
and the plugin ends the session before the next item; a second SIGINT interrupts at once.
"""

from __future__ import annotations

import threading
import time

_REQUESTED = threading.Event()
_AT: list[float] = []  # time.monotonic() of the first request


def request() -> None:
    if not _REQUESTED.is_set():
        _AT[:] = [time.monotonic()]
    _REQUESTED.set()


def requested() -> bool:
    return _REQUESTED.is_set()


def requested_at() -> float | None:
    """When the stop was requested (``time.monotonic()``), or None."""
    return _AT[0] if _REQUESTED.is_set() and _AT else None


def reset() -> None:
    _REQUESTED.clear()
    _AT.clear()


def check() -> None:
    """Raise ``KeyboardInterrupt`` when a stop was requested (call only at safe points)."""
    if _REQUESTED.is_set():
        raise KeyboardInterrupt
