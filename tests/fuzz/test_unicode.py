"""The utf-8 table the run writes for Hypothesis is the one Hypothesis computes (conformance.fuzz.unicode)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

# Each in a fresh interpreter with its own Hypothesis home, so this process's home stays untouched.
_SLOW = """
import sys
from hypothesis.configuration import set_hypothesis_home_dir
set_hypothesis_home_dir(sys.argv[1])
from hypothesis.internal.charmap import charmap_file, intervals_from_codec
intervals_from_codec("utf-8")  # no table yet: Hypothesis encodes every code point and writes it
print(charmap_file("codec-v2-utf-8"))
"""
_PRIMED = """
import sys
from hypothesis.configuration import set_hypothesis_home_dir
set_hypothesis_home_dir(sys.argv[1])
from conformance.fuzz.unicode import prime_utf8_table, table_path
prime_utf8_table()
print(table_path())
"""


def _table(code: str, home: Path) -> tuple[Path, object]:
    proc = subprocess.run(
        [sys.executable, "-c", code, str(home)], capture_output=True, text=True, timeout=120, check=True
    )
    path = Path(proc.stdout.strip().splitlines()[-1])
    with gzip.open(path) as table:
        return path, json.load(table)


def test_the_primed_utf8_table_is_the_one_hypothesis_computes(tmp_path: Path) -> None:
    slow_path, slow = _table(_SLOW, tmp_path / "slow")
    primed_path, primed = _table(_PRIMED, tmp_path / "primed")
    assert primed_path.name == slow_path.name and primed_path.parent.name == slow_path.parent.name
    assert primed == slow


def test_an_existing_table_is_left_alone(tmp_path: Path) -> None:
    path, _ = _table(_PRIMED, tmp_path)
    path.write_bytes(gzip.compress(b"[[[0, 127]], []]"))  # whatever Hypothesis (or anyone) wrote
    _, again = _table(_PRIMED, tmp_path)
    assert again == [[[0, 127]], []]
