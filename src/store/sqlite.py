"""The SQLite backend (APSW): connections, migrations and named queries.

``SQLite`` is the store's ``Connector`` for one database file. One
``connect()`` configures every connection the same way (WAL, foreign keys, a
busy timeout, double-quoted string literals off). Each thread and each
process opens its own connection, after any ``fork``. Writers open their
transaction with ``BEGIN IMMEDIATE`` (``SQLite.write()``), so a writer that
must wait does so at the start, inside the busy timeout, never half-way.

The schema is versioned by ``PRAGMA user_version`` and the numbered files in
``sql/sqlite/migrations/``; every statement is a named query in
``sql/sqlite/queries.sql``.
"""

from __future__ import annotations

import pathlib
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import apsw

import ilios.store.sqlfiles as sqlfiles
from ilios.errors import DatabaseBusy, IliosError, StorageUnavailable
from ilios.store.connector import Row

SQL_DIR = pathlib.Path(__file__).parent / "sql" / "sqlite"
BUSY_TIMEOUT_MS = 10_000
DATABASE_FULL = "Could not write to the database (is the disk full?)."
# A committing writer copies the WAL back into the database (a checkpoint, with
# its fsyncs) only past this many pages (40 MiB). The server checkpoints every
# ``CHECKPOINT_INTERVAL_S`` in the background instead, so writers rarely pay:
# at SQLite's default of 1,000 pages one commit in a few hundred stalled for
# tens of milliseconds, and hot pages were copied back again and again.
WAL_AUTOCHECKPOINT_PAGES = 10_000
CHECKPOINT_INTERVAL_S = 0.5
SYNCHRONOUS_MODES = ("full", "normal")


def id_list(ids: Sequence[str]) -> apsw.CArrayBinding:
    """Bind a list of ids to one parameter, read in SQL as ``carray(:param)``.

    SQLite reads the strings in place (no JSON to write and parse), which made
    queueing 500 jobs about 15% cheaper than a JSON array and ``json_each``.
    The list must not be empty: callers return early instead.
    """
    return apsw.carray(tuple(ids))


QUERIES: dict[str, str] = sqlfiles.named_queries(SQL_DIR / "queries.sql")


def _migrations() -> list[tuple[int, str]]:
    return [(number, script) for number, _, script in sqlfiles.migrations(SQL_DIR / "migrations")]


def connect(
    path: pathlib.Path | str, synchronous: str = "full", busy_timeout_ms: int = BUSY_TIMEOUT_MS
) -> apsw.Connection:
    """Open and configure one connection (for one thread).

    ``synchronous``: ``full`` (default) makes every commit survive power loss;
    ``normal`` survives a crash of the process but may lose the last commits
    if the machine loses power, for fewer fsyncs.
    """
    if synchronous not in SYNCHRONOUS_MODES:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS_MODES}")
    conn = apsw.Connection(str(path))
    conn.set_busy_handler(_BusyWait(busy_timeout_ms))
    conn.pragma("journal_mode", "wal")
    conn.pragma("foreign_keys", True)
    conn.pragma("synchronous", synchronous)
    conn.pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
    conn.config(apsw.SQLITE_DBCONFIG_DQS_DML, 0)
    conn.config(apsw.SQLITE_DBCONFIG_DQS_DDL, 0)
    conn.row_trace = _dict_row
    return conn


class _BusyWait:
    """Wait for a lock another connection holds, in short naps, for up to
    ``timeout_ms`` (then SQLite reports SQLITE_BUSY: ``DatabaseBusy``).

    SQLite's own busy timeout naps 1, 2, 5, 10 ... ms between tries, so a
    writer that finds the lock taken by a commit that ends 0.2 ms later idles
    for a millisecond or more: with two workers committing in turn, most of
    the second worker's time went there. These naps start at 0.1 ms and
    double up to ``MAX_NAP_S``, so a waiter is never more than a millisecond
    late for a released lock.
    """

    FIRST_NAP_S = 0.0001
    MAX_NAP_S = 0.001

    def __init__(self, timeout_ms: int) -> None:
        self.timeout_s = timeout_ms / 1000
        self.since = 0.0

    def __call__(self, tries: int) -> bool:
        now = time.monotonic()
        if tries == 0:
            self.since = now
        elif now - self.since >= self.timeout_s:
            return False
        time.sleep(min(self.FIRST_NAP_S * 2 ** min(tries, 10), self.MAX_NAP_S))
        return True


def _dict_row(cursor: apsw.Cursor, row: apsw.SQLiteValues) -> Row:
    return {d[0]: v for d, v in zip(cursor.get_description(), row, strict=True)}


def migrate(conn: apsw.Connection) -> int:
    """Apply every migration newer than ``user_version``; return the version."""
    version = conn.pragma("user_version")
    for number, script in _migrations():
        if number <= version:
            continue
        with _Immediate(conn):
            # Re-read inside the lock: another process may have migrated.
            if conn.pragma("user_version") >= number:
                continue
            conn.execute(script)
            conn.pragma("user_version", number)
        version = number
    return version


class _Immediate:
    """A ``BEGIN IMMEDIATE`` transaction on one connection: committed when the block
    ends, rolled back when it raises. (A class, not a generator: the worker's
    claim path enters one per job and every microsecond shows.)"""

    __slots__ = ("conn",)

    def __init__(self, conn: apsw.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except apsw.BusyError as exc:
            raise _plain(exc) from exc

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is not None:
            self._roll_back()
            return
        try:
            self.conn.execute("COMMIT")
        except (apsw.BusyError, apsw.FullError) as exc:
            self._roll_back()
            raise _plain(exc) from exc
        except apsw.Error:
            self._roll_back()
            raise

    def _roll_back(self) -> None:
        # SQLite rolls some failures back itself (a full disk); a second ROLLBACK
        # would hide the error being raised behind "no transaction is active".
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")


def _plain(exc: apsw.BusyError | apsw.FullError, **details: str) -> IliosError:
    """The Ilios error for a locked database or a full disk."""
    if isinstance(exc, apsw.BusyError):
        return DatabaseBusy(detail=str(exc), **details)
    return StorageUnavailable(DATABASE_FULL, detail=str(exc), **details)


class SQLite:
    """The store's ``Connector`` over one SQLite file: a connection per thread,
    opened on first use."""

    def __init__(
        self,
        path: pathlib.Path | str,
        synchronous: str = "full",
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> None:
        self.path = pathlib.Path(path)
        self.synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()

    def setup(self) -> None:
        """Create the file's folder and bring the schema up to date."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        migrate(self.conn)

    @property
    def conn(self) -> apsw.Connection:
        """This thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.path, self.synchronous, self.busy_timeout_ms)
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def write(self) -> _Immediate:
        """A ``BEGIN IMMEDIATE`` transaction (``with db.write(): ...``), committed on success."""
        return _Immediate(self.conn)

    def checkpoint(self) -> int | None:
        """Copy committed WAL pages back into the database without blocking anyone
        (a passive checkpoint); return the pages the WAL still holds, or None
        when another connection was checkpointing (the next pass catches up)."""
        try:
            log_pages, _ = self.conn.wal_checkpoint(mode=apsw.SQLITE_CHECKPOINT_PASSIVE)
        except apsw.BusyError:
            return None
        return int(log_pages)

    def execute(self, name: str, **params: Any) -> list[Row]:
        """Run the named query; return every row."""
        try:
            return list(self.conn.execute(QUERIES[name], params))
        except (apsw.BusyError, apsw.FullError) as exc:
            raise _plain(exc, query=name) from exc

    def one(self, name: str, **params: Any) -> Row | None:
        """Run the named query; return its first row, if any."""
        rows = self.execute(name, **params)
        return rows[0] if rows else None

    def run(self, name: str, **params: Any) -> int:
        """Run the named statement; return how many rows it changed."""
        conn = self.conn
        try:
            conn.execute(QUERIES[name], params)  # a statement without rows runs to its end here
        except (apsw.BusyError, apsw.FullError) as exc:
            raise _plain(exc, query=name) from exc
        return conn.changes()

    def execute_many(self, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the named query once per parameter set in ``rows`` (one prepared statement)."""
        if not rows:
            return
        try:
            self.conn.executemany(QUERIES[name], rows)
        except (apsw.BusyError, apsw.FullError) as exc:
            raise _plain(exc, query=name) from exc

    def ids(self, values: Sequence[str]) -> apsw.CArrayBinding:
        """A list of strings as one parameter, read in SQL as ``carray(:param)``."""
        return id_list(values)
