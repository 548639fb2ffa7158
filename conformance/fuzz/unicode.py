"""Hypothesis' table of the characters utf-8 can encode, written before Hypothesis builds it slowly.

schemathesis generates strings for the ``utf-8`` codec. The first time Hypothesis needs that codec's
characters in a directory it encodes every code point one by one into a list of 1.1 million
intervals: about 1.3 s and 200 MB, which made the first run in a fresh checkout (every CI job) peak
at 313 MB against 186 MB for the next one. It caches the result in ``.hypothesis/unicode_data/``.
The answer for utf-8 is known without the loop: every code point except the surrogates
(U+D800..U+DFFF, which strict utf-8 refuses to encode), and each one decodes back to itself. So the
run writes that cache entry, in Hypothesis' own format, when it is missing;
``tests/fuzz/test_unicode.py`` holds it equal to what Hypothesis computes itself.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import sys
import tempfile
from pathlib import Path

CODEC = "utf-8"
# Every code point but the surrogates; none of them fails to round-trip.
UTF8_TABLE: tuple[list[list[int]], list[list[int]]] = ([[0, 0xD7FF], [0xE000, sys.maxunicode]], [])


def table_path() -> Path | None:
    """Where Hypothesis keeps the utf-8 table (its home directory decides), or None if unknown."""
    try:
        from hypothesis.internal.charmap import charmap_file
    except ImportError:  # another Hypothesis layout: it computes the table itself, as before
        return None
    return Path(charmap_file(f"codec-v2-{CODEC}"))


def prime_utf8_table() -> None:
    """Write the table unless it is there; any problem (a read-only directory) leaves it to Hypothesis."""
    path = table_path()
    if path is None or path.exists():
        return
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(fd)
        with gzip.GzipFile(temporary, "wb", mtime=1) as out:  # mtime as Hypothesis writes it
            out.write(json.dumps(list(UTF8_TABLE)).encode())
        os.replace(temporary, path)  # atomic: a concurrent worker reads a whole table or none
