"""Moving an installation from SQLite to PostgreSQL (``ilios migrate --from-sqlite``).

``copy_from_sqlite`` reads one consistent snapshot of the SQLite file (opened
read-only: the old service may still run, but stop it first so that nothing
it accepts afterwards is left behind) and writes its rows into an empty,
migrated PostgreSQL database in one transaction: all of it or nothing.

What moves: batches, documents, jobs, pages, usage, uploads, reservations and
the originals kept inline. What does not: worker and server rows (processes of
the old installation). A job that was running there goes back to pending (its
document too), as a rescue would, with its attempts kept; a transient upload
loses its server and waits for its expiry. Originals outside the database
stay where they are: keep BLOB_DIR (shared, BLOB_DIR_SHARED) or copy it to
the bucket, keys unchanged (README, "Scaling out").
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import apsw
import psycopg
from psycopg import sql

from ilios.errors import ConfigError
from ilios.store.postgres import Postgres, connect, migrate

# The tables copied, in an order their foreign keys accept, and their columns
# (a fixed list: nothing here is built from input). Each SQLite column has the
# same name and meaning in PostgreSQL's schema.
TABLES: dict[str, tuple[str, ...]] = {
    "batches": (
        "id", "priority", "retention_days", "engine", "api_key_id", "total", "created_at",
    ),
    "documents": (
        "id", "batch_id", "seq", "file_name", "mime_type", "size_bytes", "sha256", "blob_key",
        "state", "error_reason", "error_message", "retention_days", "engine", "model",
        "page_count", "processing_ms", "api_key_id", "created_at", "processed_at",
        "archived_at", "languages",
    ),
    "jobs": (
        "document_id", "state", "priority", "streamed", "attempts", "max_attempts", "run_at",
        "worker_id", "error", "created_at", "started_at", "completed_at",
    ),
    "pages": ("document_id", "number", "markdown"),
    "usage": (
        "id", "document_id", "api_key_id", "engine", "operation", "pages", "input_tokens",
        "output_tokens", "base_cost_micros", "margin_rate_bp", "total_cost_micros", "created_at",
    ),
    "uploads": (
        "id", "file_name", "mime_type", "size_bytes", "sha256", "blob_key", "api_key_id",
        "created_at", "expires_at", "used_at", "server_id",
    ),
    "reservations": (
        "id", "token_sha256", "file_name", "size_bytes", "mime_type", "api_key_id",
        "created_at", "expires_at",
    ),
    "inline_blobs": ("key", "content"),
}  # fmt: skip
SQLITE_SCHEMA_NEEDED = 9  # the SQLite migration that made the schema these columns are


def _rows(source: apsw.Connection, table: str) -> Iterator[tuple[object, ...]]:
    columns = TABLES[table]
    query = "SELECT " + ", ".join(columns) + " FROM " + table  # constants only
    for row in source.execute(query):
        yield _moved(table, columns, tuple(row))


def _moved(table: str, columns: tuple[str, ...], row: tuple[object, ...]) -> tuple[object, ...]:
    """A row as the new installation takes it (see the module's docstring)."""
    if table == "jobs" and row[columns.index("state")] == "processing":
        values = dict(zip(columns, row, strict=True))
        values.update(state="pending", worker_id=None)
        return tuple(values[c] for c in columns)
    if table == "jobs":
        values = dict(zip(columns, row, strict=True))
        values["worker_id"] = None  # worker rows stay behind
        return tuple(values[c] for c in columns)
    if table == "documents" and row[columns.index("state")] == "processing":
        values = dict(zip(columns, row, strict=True))
        values["state"] = "pending"
        return tuple(values[c] for c in columns)
    if table == "uploads":
        return (*row[:-1], None)  # server_id: that server is gone
    return row


def copy_from_sqlite(path: pathlib.Path, target: Postgres) -> dict[str, int]:
    """Copy an SQLite installation's rows into ``target`` (migrated first, and
    empty); return how many rows each table got."""
    if not path.is_file():
        raise ConfigError("No SQLite database at this path.", path=str(path))
    flags = apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_URI
    source = apsw.Connection(f"file:{path}?mode=ro", flags=flags)
    try:
        version = source.pragma("user_version")
        if version < SQLITE_SCHEMA_NEEDED:
            raise ConfigError(
                "The SQLite database's schema is older than this Ilios copies: start "
                "this version of Ilios on it once (it migrates), then copy.",
                path=str(path),
                version=str(version),
            )
        counts: dict[str, int] = {}
        with connect(target.url) as conn:
            migrate(conn)
            taken = conn.execute("SELECT EXISTS (SELECT 1 FROM documents) AS e").fetchone()
            if taken and taken["e"]:
                raise ConfigError(
                    "The PostgreSQL database holds documents already: copy into an empty one.",
                )
            source.execute("BEGIN")  # one snapshot of every table
            try:
                with conn.transaction(), conn.cursor() as cursor:
                    for table, columns in TABLES.items():
                        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
                        )
                        count = 0
                        with cursor.copy(statement) as copy:
                            for row in _rows(source, table):
                                copy.write_row(row)
                                count += 1
                        counts[table] = count
            finally:
                source.execute("COMMIT")
        return counts
    except psycopg.OperationalError as exc:
        raise ConfigError("PostgreSQL cannot be reached.", detail=str(exc)) from exc
    finally:
        source.close()
