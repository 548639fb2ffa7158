"""Resource handling shared by all collections: lookup, pagination, transactions, dispatch.

The app does HTTP (auth, content types, the contract); a ``Resource`` does the domain work inside
one database transaction and answers ``(status, body)``. Constraint violations surface here as
``sqlite3.IntegrityError`` and become the same 400 on every route (or a 500 in the dup-500 variant).
"""

from __future__ import annotations

import math
import sqlite3
import time
import uuid as uuidlib
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from conformance.reference import problems
from conformance.reference.problems import ApiError, InvalidParam
from conformance.reference.storage import Row, Store, integrity_reason
from conformance.reference.variants import Switches

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
RACE_WINDOW_S = 0.5  # the check-then-insert variant sleeps this long between its check and its insert;
# long enough that all 16 racing requests have done their check before the first inserts, even on
# a loaded 2-core machine (0.05 s lost the race only most of the time)

Result = tuple[int, Any]


def fk(base: str, path: str, uuid: str | None) -> dict[str, str] | None:
    """A ``{uuid, url}`` reference as Open Klant renders foreign keys."""
    return None if uuid is None else {"uuid": uuid, "url": f"{base}/{path}/{uuid}"}


def page_link(url: str, page: int) -> str:
    """``url`` with its ``page`` query parameter set (or removed for page 1, as DRF does)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    if page > 1:
        query.append(("page", str(page)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


class Resource:
    """One collection: the generic list/retrieve/destroy; subclasses add create/update and rules."""

    table: ClassVar[str]
    path: ClassVar[str]

    def __init__(self, store: Store, switches: Switches) -> None:
        self.store = store
        self.switches = switches

    # -- to be provided by subclasses -------------------------------------------------------------
    def represent(self, row: Row, base: str) -> dict[str, Any]:
        raise NotImplementedError

    # ``<name>__uuid`` query filters on references: (parameter, column, referenced table).
    reference_filters: ClassVar[tuple[tuple[str, str, str], ...]] = ()

    def filters(self, query: dict[str, Any]) -> tuple[list[str], list[Any]]:
        """SQL clauses for the list filters; the default handles ``reference_filters``."""
        clauses: list[str] = []
        params: list[Any] = []
        for name, column, table in self.reference_filters:
            if name in query:
                clauses.append(f"{column} IN (SELECT id FROM {table} WHERE uuid = ?)")
                params.append(str(query[name]).lower())
        return clauses, params

    def _write(self, row: Row | None, body: dict[str, Any], base: str) -> Result:
        """Create (``row`` None) or update one resource inside the caller's transaction."""
        raise NotImplementedError

    def create(self, body: dict[str, Any], base: str) -> Result:
        with self.store.transaction():
            return self._write(None, body, base)

    def update(self, uuid: str, body: dict[str, Any], base: str, *, partial: bool) -> Result:
        with self.store.transaction():
            return self._write(self.get(uuid), body, base)

    def save(self, row: Row | None, values: dict[str, Any]) -> Row:
        """Insert (``row`` None, with a fresh uuid) or update ``row``; return the stored row."""
        if row is None:
            row_id = self.store.insert(self.table, {"uuid": str(uuidlib.uuid4()), **values})
        else:
            row_id = row["id"]
            self.store.update(self.table, row_id, values)
        fresh = self.store.one(f"SELECT * FROM {self.table} WHERE id = ?", (row_id,))
        assert fresh is not None
        return fresh

    # -- generic operations -----------------------------------------------------------------------
    def get(self, uuid: str) -> Row:
        row = self.store.by_uuid(self.table, uuid)
        if row is None:
            raise problems.not_found()
        return row

    def lookup(self, table: str, ref: dict[str, Any] | None, name: str) -> Row | None:
        """The row a ``{uuid}`` reference in a request points to; a 400 naming the field if absent."""
        if ref is None:
            return None
        row = self.store.by_uuid(table, str(ref["uuid"]).lower())
        if row is None:
            reason = f'Ongeldige uuid "{ref["uuid"]}" - object bestaat niet.'
            raise problems.invalid(name, reason, code="does_not_exist")
        return row

    def list_page(self, query: dict[str, Any], base: str, url: str) -> Result:
        clauses, params = self.filters(query)
        where = " AND ".join(clauses) or "1 = 1"
        size = query.get("pageSize", DEFAULT_PAGE_SIZE)
        size = DEFAULT_PAGE_SIZE if size < 1 else min(size, MAX_PAGE_SIZE)
        page = query.get("page", 1)
        with self.store.transaction():
            count = int(self.store.scalar(f"SELECT COUNT(*) FROM {self.table} WHERE {where}", params))
            last = max(1, math.ceil(count / size))
            if page < 1 or page > last:  # DRF: a page number below 1 is an invalid page too
                raise ApiError(404, "not_found", "Ongeldige pagina.", exception_name="NotFound")
            sql = f"SELECT * FROM {self.table} WHERE {where} ORDER BY id LIMIT ? OFFSET ?"
            rows = self.store.all(sql, [*params, size, (page - 1) * size])
            results = [self.represent(row, base) for row in rows]
        return 200, {
            "count": count,
            "next": page_link(url, page + 1) if page < last else None,
            "previous": page_link(url, page - 1) if page > 1 else None,
            "results": results,
        }

    def retrieve(self, uuid: str, base: str) -> Result:
        with self.store.transaction():
            return 200, self.represent(self.get(uuid), base)

    def destroy(self, uuid: str, base: str) -> Result:
        with self.store.transaction():
            row = self.get(uuid)
            self.store.execute(f"DELETE FROM {self.table} WHERE id = ?", (row["id"],))
        return 204, None

    def race_window(
        self, bsns: list[str], exclude_partij: int | None = None, exclude_id: int | None = None
    ) -> None:
        """The check-then-insert variant's BSN check: read, then sleep, outside the write transaction."""
        if self.switches.bsn_uniqueness != "check-then-insert" or not bsns:
            return
        with self.store.transaction():
            taken = [b for b in bsns if self.store.bsn_in_use(b, exclude_partij, exclude_id)]
        if taken:
            raise problems.validation_error([InvalidParam("__all__", "invalid", problems.UNIQUE_REASON)])
        time.sleep(RACE_WINDOW_S)


class Service:
    """Maps an operationId onto a resource method and turns constraint violations into answers."""

    def __init__(self, store: Store, switches: Switches, resources: dict[str, Resource]) -> None:
        self.store = store
        self.switches = switches
        self.resources = resources

    def dispatch(
        self,
        operation_id: str,
        uuid: str | None,
        body: dict[str, Any] | None,
        query: dict[str, Any],
        base: str,
        url: str,
    ) -> Result:
        prefix, _, action = split_operation(operation_id)
        resource = self.resources[prefix]
        calls: dict[str, Callable[[], Result]] = {
            "List": lambda: resource.list_page(query, base, url),
            "Create": lambda: resource.create(body or {}, base),
            "Retrieve": lambda: resource.retrieve(str(uuid), base),
            "Update": lambda: resource.update(str(uuid), body or {}, base, partial=False),
            "PartialUpdate": lambda: resource.update(str(uuid), body or {}, base, partial=True),
            "Destroy": lambda: resource.destroy(str(uuid), base),
        }
        try:
            return calls[action]()
        except sqlite3.IntegrityError as exc:
            if self.switches.duplicate_status >= 500:
                raise problems.server_error() from exc
            name, reason = integrity_reason(exc)
            raise problems.validation_error([InvalidParam(name, "invalid", reason)]) from exc


def split_operation(operation_id: str) -> tuple[str, str, str]:
    for action in ("PartialUpdate", "Retrieve", "Update", "Destroy", "Create", "List"):
        if operation_id.endswith(action):
            return operation_id[: -len(action)], "", action
    raise KeyError(operation_id)
