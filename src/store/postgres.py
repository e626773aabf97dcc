"""The PostgreSQL backend (psycopg 3, psycopg-pool): connections, migrations and
named queries, for any number of nodes sharing one database.

``Postgres`` is the store's ``Connector`` for one ``DATABASE_URL``. Each
process keeps a small pool of connections (opened on first use, so after any
``fork``); a thread takes one for a statement, or for a whole write
transaction (``Postgres.write()``). Jobs are claimed with ``FOR UPDATE SKIP
LOCKED``, so claimers on many hosts never wait for each other.

The schema is versioned in ``ilios_migrations`` by the numbered files in
``sql/postgres/migrations/``, applied under an advisory lock: nodes starting
together migrate once (the others wait, then find nothing to do), and a node
refuses a schema newer than the migrations it knows. Every statement is a
named query in ``sql/postgres/queries.sql``, written with ``:name``
parameters as SQLite's are.

Failures: a lost connection or a database that cannot be reached answers
``DatabaseUnavailable`` (UNAVAILABLE, retried by ``ilios.retry``); a pooled
connection found dead is dropped and the statement runs on another, when
nothing of it can have run yet. The pool reconnects in the background with
backoff, so a restarted or failed-over PostgreSQL is picked up again by itself.
"""

from __future__ import annotations

import logging
import pathlib
import re
import threading
import time
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
import psycopg.errors
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

import ilios.store.sqlfiles as sqlfiles
from ilios.errors import (
    DatabaseBusy,
    DatabaseSchemaTooNew,
    DatabaseUnavailable,
    IliosError,
    StorageUnavailable,
)
from ilios.store.connector import Row

log = logging.getLogger("ilios.store")

SQL_DIR = pathlib.Path(__file__).parent / "sql" / "postgres"
POOL_SIZE = 8  # connections per process, at most (DATABASE_POOL_SIZE)
# How long a call waits for a connection when every one is busy or the database
# cannot be reached, before it answers DATABASE_UNAVAILABLE.
ACQUIRE_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 5
# The pool tries to reconnect with backoff (1 s, 2 s, 4 s ...) for this long,
# then starts again from 1 s at the next call that needs a connection.
RECONNECT_GIVE_UP_S = 30.0
# A node starting while the database is down (or still starting) tries again
# for this long, backing off from 0.2 s to 5 s, before it gives up.
STARTUP_WAIT_S = 60.0
# The advisory lock migrations hold (a constant: one lock per database).
MIGRATION_LOCK = zlib.crc32(b"ilios.store.postgres.migrate")
# TCP keepalives, so that a connection to a host that vanished (a failover)
# is found dead in seconds rather than in the kernel's two hours.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}
_PARAMETER = re.compile(r"(?<![:\w]):(\w+)")
# SQLSTATE classes: 08 connection exception, 57P operator intervention (a
# shutdown, a restart), 53 insufficient resources (53100: disk full).
_DISK_FULL = "53100"


def to_psycopg(sql: str) -> str:
    """``:name`` parameters as psycopg's ``%(name)s`` (``::type`` casts kept)."""
    return _PARAMETER.sub(r"%(\1)s", sql.replace("%", "%%"))


QUERIES: dict[str, str] = {
    name: to_psycopg(sql) for name, sql in sqlfiles.named_queries(SQL_DIR / "queries.sql").items()
}


def migrations() -> list[tuple[int, str, str]]:
    """The numbered migrations: (number, name, script), in order."""
    return sqlfiles.migrations(SQL_DIR / "migrations")


def latest_version() -> int:
    """The newest schema this code knows."""
    return migrations()[-1][0]


def _plain(exc: Exception, **details: Any) -> IliosError:
    """The Ilios error for a driver or pool failure."""
    if isinstance(exc, psycopg.errors.DiskFull) or getattr(exc, "sqlstate", "") == _DISK_FULL:
        return StorageUnavailable(
            "Could not write to the database (is its disk full?).", detail=str(exc), **details
        )
    if isinstance(exc, psycopg.errors.SerializationFailure | psycopg.errors.DeadlockDetected):
        return DatabaseBusy(detail=str(exc), **details)
    return DatabaseUnavailable(detail=str(exc).strip() or type(exc).__name__, **details)


# What a pooled connection that the database dropped raises on its next use.
_LOST = (psycopg.OperationalError, psycopg.InterfaceError)


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def connect(url: str, **kwargs: Any) -> psycopg.Connection[Row]:
    """One autocommit connection with dict rows (for migrations, listening, tools)."""
    return psycopg.connect(
        url,
        autocommit=True,
        row_factory=dict_row,
        connect_timeout=CONNECT_TIMEOUT_S,
        application_name="ilios",
        **{**KEEPALIVES, **kwargs},
    )


def wait_until_reachable(url: str, within_s: float = STARTUP_WAIT_S) -> psycopg.Connection[Row]:
    """A connection, trying again with backoff while the database cannot be
    reached (it may still be starting); ``DatabaseUnavailable`` after ``within_s``."""
    deadline = time.monotonic() + within_s
    pause = 0.2
    while True:
        try:
            return connect(url)
        except psycopg.OperationalError as exc:
            if time.monotonic() + pause > deadline:
                raise _plain(exc) from exc
            log.warning("PostgreSQL cannot be reached (%s); trying again in %.1f s", exc, pause)
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def schema_version(conn: psycopg.Connection[Row]) -> int:
    """The schema's version (0: no Ilios schema yet)."""
    exists = conn.execute("SELECT to_regclass('ilios_migrations') IS NOT NULL AS e").fetchone()
    if not exists or not exists["e"]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) AS v FROM ilios_migrations").fetchone()
    return int(row["v"]) if row else 0


def migrate(conn: psycopg.Connection[Row]) -> int:
    """Apply every migration newer than the schema, under the advisory lock; return
    the version. Raise ``DatabaseSchemaTooNew`` if the schema is newer than this code."""
    known = latest_version()
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS ilios_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        version = schema_version(conn)  # read under the lock: another node may have migrated
        if version > known:
            raise DatabaseSchemaTooNew(found=str(version), known=str(known))
        for number, name, script in migrations():
            if number <= version:
                continue
            with conn.transaction():
                conn.execute(script.encode())  # several statements: the simple protocol
                conn.execute(
                    "INSERT INTO ilios_migrations (version, name) VALUES (%s, %s)", (number, name)
                )
            log.info("applied migration %s", name)
            version = number
        return version
    finally:
        if not conn.closed:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


class _Write:
    """A write transaction on one pooled connection: committed when the block ends,
    rolled back when it raises. The connection is this thread's for the block."""

    __slots__ = ("conn", "pg")

    def __init__(self, pg: Postgres) -> None:
        self.pg = pg
        self.conn: psycopg.Connection[Row] | None = None

    def __enter__(self) -> None:
        local = self.pg._local
        if getattr(local, "conn", None) is not None:
            raise RuntimeError("write transactions do not nest")
        self.conn = self.pg._begin()
        local.conn = self.conn

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        conn = self.conn
        assert conn is not None
        self.pg._local.conn = None
        try:
            if exc_type is None:
                try:
                    conn.execute("COMMIT")
                except psycopg.Error as exc:
                    raise _plain(exc) from exc
            elif not conn.broken and not conn.closed:
                try:
                    conn.execute("ROLLBACK")
                except psycopg.Error:
                    pass  # the connection goes back broken and the pool drops it
        finally:
            self.pg._put(conn)


class Postgres:
    """The store's ``Connector`` over one PostgreSQL database: a pool of
    connections per process, opened on first use."""

    def __init__(
        self, url: str, pool_size: int = POOL_SIZE, acquire_timeout_s: float = ACQUIRE_TIMEOUT_S
    ) -> None:
        self.url = url
        self.pool_size = pool_size
        self.acquire_timeout_s = acquire_timeout_s
        self._pool: ConnectionPool[psycopg.Connection[Row]] | None = None
        self._pool_lock = threading.Lock()
        self._local = threading.local()

    # --- connections --------------------------------------------------------------

    @property
    def pool(self) -> ConnectionPool[psycopg.Connection[Row]]:
        pool = self._pool
        if pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = ConnectionPool(
                        self.url,
                        kwargs={
                            "autocommit": True,
                            "row_factory": dict_row,
                            "connect_timeout": CONNECT_TIMEOUT_S,
                            "application_name": "ilios",
                            **KEEPALIVES,
                        },
                        min_size=1,
                        max_size=self.pool_size,
                        timeout=self.acquire_timeout_s,
                        reconnect_timeout=RECONNECT_GIVE_UP_S,
                        num_workers=1,
                        name="ilios",
                        open=True,
                    )
                pool = self._pool
        return pool

    def _get(self) -> psycopg.Connection[Row]:
        try:
            return self.pool.getconn()
        except PoolTimeout as exc:
            raise DatabaseUnavailable(
                detail="no connection to PostgreSQL within "
                f"{self.acquire_timeout_s:g} s (is it running and reachable?)"
            ) from exc

    def _put(self, conn: psycopg.Connection[Row]) -> None:
        self.pool.putconn(conn)  # a broken or closed connection is dropped by the pool

    def _lost(self, conn: psycopg.Connection[Row]) -> None:
        """``conn`` turned out dead: drop it, and have the pool check the others
        (after a restart of the database every idle one is dead)."""
        self._put(conn)
        try:
            self.pool.check()
        except psycopg.Error:
            pass

    def _begin(self) -> psycopg.Connection[Row]:
        """A pooled connection with a transaction open. A connection found dead at
        BEGIN (nothing has run on it) is replaced, up to the pool's size."""
        for _ in range(self.pool_size + 1):
            conn = self._get()
            try:
                conn.execute("BEGIN")
                return conn
            except _LOST as exc:
                if not conn.broken and not conn.closed:
                    self._put(conn)
                    raise _plain(exc) from exc
                self._lost(conn)
                error: Exception = exc
        raise _plain(error) from error

    # --- the Connector protocol ------------------------------------------------------

    def setup(self) -> None:
        """Bring the schema up to date (waiting for the database while it starts)."""
        with wait_until_reachable(self.url) as conn:
            try:
                migrate(conn)
            except psycopg.OperationalError as exc:
                raise _plain(exc) from exc

    def write(self) -> _Write:
        """A transaction (``with db.write(): ...``), committed on success."""
        return _Write(self)

    def checkpoint(self) -> int | None:
        """Nothing to do: PostgreSQL checkpoints by itself."""
        return 0

    def close(self) -> None:
        """Close the pool (the next call opens another)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def execute(self, name: str, **params: Any) -> list[Row]:
        """Run the named query; return every row."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return self._rows(conn, name, params)
        # Outside a transaction: a read (the nouns write inside ``write()``), safe
        # to run again on another connection when this one was found dead.
        for _ in range(self.pool_size + 1):
            conn = self._get()
            try:
                rows = self._rows(conn, name, params)
            except DatabaseUnavailable:
                if conn.broken or conn.closed:
                    self._lost(conn)
                    continue
                self._put(conn)
                raise
            except BaseException:
                self._put(conn)
                raise
            self._put(conn)
            return rows
        raise DatabaseUnavailable(query=name, detail="every pooled connection was lost")

    def _rows(
        self, conn: psycopg.Connection[Row], name: str, params: Mapping[str, Any]
    ) -> list[Row]:
        try:
            cursor = conn.execute(QUERIES[name], params)
            return cursor.fetchall() if cursor.description is not None else []
        except (psycopg.OperationalError, psycopg.InterfaceError, psycopg.errors.DiskFull) as exc:
            raise _plain(exc, query=name) from exc
        except (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected) as exc:
            raise _plain(exc, query=name) from exc

    def one(self, name: str, **params: Any) -> Row | None:
        """Run the named query; return its first row, if any."""
        rows = self.execute(name, **params)
        return rows[0] if rows else None

    def run(self, name: str, **params: Any) -> int:
        """Run the named statement; return how many rows it changed."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            with self.write():
                return self.run(name, **params)
        try:
            return conn.execute(QUERIES[name], params).rowcount
        except (psycopg.OperationalError, psycopg.InterfaceError, psycopg.errors.DiskFull) as exc:
            raise _plain(exc, query=name) from exc
        except (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected) as exc:
            raise _plain(exc, query=name) from exc

    def execute_many(self, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the named statement once per parameter set (one prepared statement)."""
        if not rows:
            return
        conn = getattr(self._local, "conn", None)
        if conn is None:
            with self.write():
                return self.execute_many(name, rows)
        try:
            with conn.cursor() as cursor:
                cursor.executemany(QUERIES[name], rows)
        except (psycopg.OperationalError, psycopg.InterfaceError, psycopg.errors.DiskFull) as exc:
            raise _plain(exc, query=name) from exc
        return None

    def ids(self, values: Sequence[str]) -> list[str]:
        """A list of strings as one parameter (a ``text[]``)."""
        return list(values)

    # --- wake-ups (ilios.wakeups) ---------------------------------------------------------

    def notify(self, channel: str, payload: str = "") -> bool:
        """Send ``payload`` to every session listening on ``channel``; return whether
        it was sent. A hint: a failure is logged, never raised (listeners
        re-check on a timer)."""
        try:
            conn = self._get()
        except DatabaseUnavailable:
            return False
        try:
            conn.execute("SELECT pg_notify(%s, %s)", (channel, payload))
            return True
        except psycopg.Error as exc:
            log.debug("could not notify %s: %s", channel, exc)
            return False
        finally:
            self._put(conn)
