"""SQLite storage of the reference server: schema, unique indexes and a serialising transaction.

One connection guarded by a lock: every request runs its reads and writes in one ``BEGIN
IMMEDIATE`` transaction, so the server is correct under concurrency without relying on luck.
The KLOK01 uniqueness rules live here as partial unique indexes, which is the only place a rule
survives sixteen simultaneous POSTs; the variants swap those indexes, never the request code.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from conformance.reference.problems import (
    NUMMER_UNIQUE_REASON,
    PROTECTED_REASON,
    SOORT_UNIQUE_REASON,
    UNIQUE_REASON,
)
from conformance.reference.variants import Switches

SCHEMA = """
CREATE TABLE IF NOT EXISTS partij (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    soort TEXT NOT NULL,
    indicatie_actief INTEGER NOT NULL,
    indicatie_geheimhouding INTEGER,
    voorkeurstaal TEXT NOT NULL DEFAULT '',
    interne_notitie TEXT NOT NULL DEFAULT '',
    identificatie TEXT NOT NULL DEFAULT '{}',
    zelfstandig INTEGER NOT NULL,
    nummer TEXT
);
CREATE TABLE IF NOT EXISTS partij_identificator (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    partij_id INTEGER REFERENCES partij(id) ON DELETE CASCADE,
    sub_van_id INTEGER REFERENCES partij_identificator(id),
    code_objecttype TEXT NOT NULL,
    code_soort TEXT NOT NULL,
    object_id TEXT NOT NULL,
    code_register TEXT NOT NULL,
    andere TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_partij_soort
    ON partij_identificator(partij_id, code_soort) WHERE partij_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS ux_scoped
    ON partij_identificator(sub_van_id, code_objecttype, code_soort, object_id, code_register)
    WHERE sub_van_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_identificator_object ON partij_identificator(object_id);
CREATE TABLE IF NOT EXISTS klantcontact (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    kanaal TEXT NOT NULL,
    onderwerp TEXT NOT NULL,
    inhoud TEXT NOT NULL DEFAULT '',
    indicatie_contact_gelukt INTEGER,
    taal TEXT NOT NULL,
    vertrouwelijk INTEGER NOT NULL,
    plaatsgevonden_op TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS betrokkene (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    klantcontact_id INTEGER NOT NULL REFERENCES klantcontact(id) ON DELETE CASCADE,
    partij_id INTEGER REFERENCES partij(id) ON DELETE SET NULL,
    contactnaam TEXT,
    rol TEXT NOT NULL,
    organisatienaam TEXT NOT NULL DEFAULT '',
    initiator INTEGER NOT NULL,
    zelfstandig INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS digitaal_adres (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    partij_id INTEGER REFERENCES partij(id) ON DELETE CASCADE,
    betrokkene_id INTEGER REFERENCES betrokkene(id) ON DELETE CASCADE,
    adres TEXT NOT NULL,
    soort TEXT NOT NULL,
    is_standaard INTEGER NOT NULL DEFAULT 0,
    omschrijving TEXT NOT NULL DEFAULT ''
);
"""

# The R4 index per BSN strategy; "none" and "check-then-insert" have no constraint at all.
_BSN_INDEX = {
    "index": (
        "CREATE UNIQUE INDEX IF NOT EXISTS ux_bsn ON partij_identificator(object_id) WHERE code_soort = 'bsn'"
    ),
    "unscoped-index": (
        "CREATE UNIQUE INDEX IF NOT EXISTS ux_bsn ON partij_identificator(object_id) "
        "WHERE code_soort = 'bsn' AND sub_van_id IS NULL"
    ),
}
_NNP_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_nnp ON partij_identificator(code_soort, object_id) "
    "WHERE code_soort IN ('kvk_nummer', 'rsin') AND sub_van_id IS NULL"
)

# B9045: a partij's nummer is unique when set (an empty one is stored as NULL, so never clashes; Open
# Klant answers a repeated empty one with 500, a conformant server refuses a real repeat with 400).
_NUMMER_INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS ux_nummer ON partij(nummer) WHERE nummer IS NOT NULL"

Row = sqlite3.Row


class Store:
    """The database of one server; thread-safe through one lock around one connection."""

    def __init__(self, path: str, switches: Switches) -> None:
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        with self._lock:
            if path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")  # a test server: no fsync per commit
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA busy_timeout=5000")
            self._conn.executescript(SCHEMA)
            if switches.bsn_uniqueness in _BSN_INDEX:
                self._conn.execute(_BSN_INDEX[switches.bsn_uniqueness])
            if switches.kvk_unique:
                self._conn.execute(_NNP_INDEX)
            if switches.nummer_unique:  # B9045: unique when set (an empty nummer is not set)
                self._conn.execute(_NUMMER_INDEX)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One serialised transaction: committed on success, rolled back on any exception."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with self._lock:
            row: Row | None = self._conn.execute(sql, params).fetchone()
            return row

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    def by_uuid(self, table: str, uuid: str) -> Row | None:
        return self.one(f"SELECT * FROM {table} WHERE uuid = ?", (uuid,))

    def insert(self, table: str, values: dict[str, Any]) -> int:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self._lock:
            cursor = self._conn.execute(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values())
            )
            return int(cursor.lastrowid or 0)

    def update(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        if not values:
            return
        assignments = ", ".join(f"{column} = ?" for column in values)
        with self._lock:
            self._conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*values.values(), row_id))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self._lock:
            self._conn.execute(sql, params)

    def bsn_in_use(
        self, object_id: str, exclude_partij: int | None = None, exclude_id: int | None = None
    ) -> bool:
        """Whether another identificator holds this BSN (only the racy check-then-insert variant asks)."""
        sql = "SELECT 1 FROM partij_identificator WHERE code_soort = 'bsn' AND object_id = ?"
        params: list[Any] = [object_id]
        if exclude_partij is not None:
            sql += " AND (partij_id IS NULL OR partij_id != ?)"
            params.append(exclude_partij)
        if exclude_id is not None:
            sql += " AND id != ?"
            params.append(exclude_id)
        return self.one(sql, params) is not None


def integrity_reason(exc: sqlite3.IntegrityError) -> tuple[str, str]:
    """The invalidParams ``(name, reason)`` of a constraint violation, in Open Klant's words."""
    message = str(exc)
    if "partij.nummer" in message:
        return "nummer", NUMMER_UNIQUE_REASON
    if "FOREIGN KEY" in message:
        return "nonFieldErrors", PROTECTED_REASON
    if "partij_identificator.partij_id, partij_identificator.code_soort" in message:
        return "__all__", SOORT_UNIQUE_REASON
    return "__all__", UNIQUE_REASON
