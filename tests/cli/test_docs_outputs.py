"""Issue 22, item 17: the docs named a request-log file in the report directory that no run writes."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_no_doc_places_the_request_log_in_the_report_directory() -> None:
    claims = {
        doc.name: match.group(0)
        for doc in DOCS.glob("*.md")
        for match in re.finditer(r"report dir(ectory|-dir)? \([^)]*request log[^)]*\)", doc.read_text())
    }
    assert claims == {}


def test_the_fuzzing_docs_say_the_request_log_stays_in_memory() -> None:
    text = " ".join((DOCS / "fuzzing.md").read_text().split())
    assert "request log in memory" in text and "not written to a file" in text
