"""Issue 22, items 15 and 16: the account of test data never hides what it could not handle.

A 201 whose answer gives nothing to delete the record by is counted as created and reported as left
behind (scenarios and fuzzing alike); ``cleanup`` that stops at its page limit says so and fails.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance import hygiene
from conformance.config import Settings
from conformance.fuzz.cleanup import ResourceTracker
from conformance.hygiene import data_account
from conformance.runcmd import remove_leftovers
from tests.engine.conftest import RunScenario
from tests.support.toy_server import running

UNCAPTURED = """
id: T-UNADDRESSED
title: t
description: d
verifies: [KLOK01-R1]
profiles: [klantinteracties-v1]
level: MUST
steps:
  - name: create
    request: {operation: itemsCreate, json: {name: "x-{{ gen.uuid }}"}}
    expect: {status: 201}
    capture: {item: identifier}
    cleanup: {operation: itemsDestroy, path_params: {uuid: "{{ item }}"}}
"""


def test_a_scenario_creation_without_a_capturable_address_is_counted_and_reported(
    run_scenario: RunScenario,
) -> None:
    result = run_scenario(UNCAPTURED)
    assert len(result.cleanups) == 1
    record = result.cleanups[0]
    assert record.unaddressed and not record.ok and "no address" in (record.error or "")
    account = data_account(result.cleanups, None, None)
    assert (account["created"], account["deleted"], account["leaked"]) == (1, 0, 1)
    assert account["unaddressed"] == [record.description]


def test_a_fuzz_201_without_an_address_is_counted_and_reported() -> None:
    tracker = ResourceTracker("http://t/api")
    tracker.observe("POST", "http://t/api/items", 201, {}, b'{"name": "no id"}')
    tracker.observe("POST", "http://t/api/items/_search", 200, {}, b'{"results": []}')  # a query
    tracker.observe("POST", "http://t/api/items", 201, {}, b'{"uuid": "u1"}')
    assert tracker.unaddressed == ["POST /api/items answered 201 without an address"]
    account = data_account(
        [], {"created": 1, "deleted": 1, "failed": [], "unaddressed": tracker.unaddressed}, None
    )
    assert (account["created"], account["deleted"], account["leaked"]) == (2, 1, 1)
    assert account["leaked_urls"] == ["POST /api/items answered 201 without an address"]


@pytest.fixture
def endless() -> Iterator[str]:
    async def partijen(request: Request) -> JSONResponse:
        page = int(request.query_params.get("page", "1"))
        following = f"{request.base_url}api/partijen?page={page + 1}"
        return JSONResponse({"count": 10**6, "next": following, "previous": None, "results": []})

    with running(Starlette(routes=[Route("/api/partijen", partijen)])) as url:
        yield url + "/api"


def test_cleanup_that_stops_at_its_page_limit_says_so_and_fails(
    endless: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(hygiene, "_MAX_PAGES", 5)
    code = remove_leftovers(Settings(target_url=endless, run_id="r1", token="t" * 20))
    out = capsys.readouterr()
    assert code == 3, out
    assert "stopped after 5 pages of /partijen" in out.err
    assert "0 left among the pages read" in out.out
