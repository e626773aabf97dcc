"""What a database backend gives the store: named queries and write transactions.

The store's nouns (``documents``, ``jobs`` ...) are written once, against this
protocol; a backend implements it over its own driver and its own queries
file, which has the same query names, parameters and result columns as
every other backend's. ``ilios.store.sqlite`` is the SQLite (APSW) backend; a
PostgreSQL one (psycopg) sits beside it without touching the nouns.

Parameters are ``str``, ``int``, ``bytes`` or ``None`` (a state is passed as
its ``.value``); a list of strings goes through ``ids()``, which binds it the
backend's way (SQLite: ``carray``; PostgreSQL: an array). Rows are dicts by
column name. Failures every caller may meet are ``ilios.errors`` classes:
``DatabaseBusy`` (locked past the busy timeout: worth retrying) and
``StorageUnavailable`` (the disk is full).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

Row = dict[str, Any]


class Connector(Protocol):
    """One database, used from any number of threads (each gets its own connection)."""

    def setup(self) -> None:
        """Create what the database needs and bring its schema up to date."""

    def write(self) -> AbstractContextManager[object]:
        """A write transaction (``with connector.write(): ...``): committed when the
        block ends, rolled back when it raises. A writer that must wait for
        another waits here, at the start, never half-way."""

    def execute(self, name: str, **params: Any) -> list[Row]:
        """Run the named query; return every row."""

    def one(self, name: str, **params: Any) -> Row | None:
        """Run the named query; return its first row, if any."""

    def run(self, name: str, **params: Any) -> int:
        """Run the named statement (no rows); return how many rows it changed."""

    def execute_many(self, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the named statement once per parameter set (one prepared statement)."""

    def ids(self, values: Sequence[str]) -> object:
        """``values`` as one query parameter (a list; the store never passes an empty one)."""

    def checkpoint(self) -> int | None:
        """Housekeeping off the request path (SQLite: copy the write-ahead log back);
        return what is left to do, None when another process is at it."""

    def close(self) -> None:
        """Close this thread's connection (the next call opens another)."""
