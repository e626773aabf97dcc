"""The store: every noun over one database, and ``open_store`` to get one."""

from __future__ import annotations

import pathlib
from typing import Protocol

from ilios.store.batches import Batches
from ilios.store.connector import Connector
from ilios.store.documents import Documents
from ilios.store.inline import InlineBlobs
from ilios.store.jobs import Jobs
from ilios.store.pages import Pages
from ilios.store.reservations import Reservations
from ilios.store.servers import Servers
from ilios.store.sqlite import SQLite
from ilios.store.uploads import Uploads
from ilios.store.usage import UsageRecords
from ilios.store.workers import Workers


class StoreSettings(Protocol):
    """The settings ``open_store`` reads (``ilios.config.Settings`` has them)."""

    @property
    def db_path(self) -> pathlib.Path: ...

    @property
    def db_synchronous(self) -> str: ...

    @property
    def db_busy_timeout_ms(self) -> int: ...

    @property
    def database_url(self) -> str: ...

    @property
    def database_pool_size(self) -> int: ...


class Store:
    """The database, by noun: ``store.documents.get(...)``, ``store.jobs.claim(...)``.

    Safe to share between threads (each opens its own connection). Methods
    block; each is one transaction, or a read outside any.
    """

    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self.batches = Batches(connector)
        self.documents = Documents(connector)
        self.inline = InlineBlobs(connector)
        self.jobs = Jobs(connector)
        self.pages = Pages(connector)
        self.reservations = Reservations(connector)
        self.servers = Servers(connector)
        self.uploads = Uploads(connector)
        self.usage = UsageRecords(connector)
        self.workers = Workers(connector)

    def migrate(self) -> None:
        """Create the database if need be and bring its schema up to date."""
        self.connector.setup()

    def checkpoint(self) -> int | None:
        """Housekeeping off the request path (SQLite: copy the write-ahead log back
        into the database; the server runs it every ``CHECKPOINT_INTERVAL_S``)."""
        return self.connector.checkpoint()

    def close(self) -> None:
        """Close this thread's connection."""
        self.connector.close()


def open_connector(settings: StoreSettings) -> Connector:
    """The configured database: PostgreSQL when ``DATABASE_URL`` is set, else SQLite."""
    if settings.database_url:
        from ilios.store.postgres import Postgres  # psycopg loads only when it is used

        return Postgres(settings.database_url, settings.database_pool_size)
    return SQLite(settings.db_path, settings.db_synchronous, settings.db_busy_timeout_ms)


def open_store(settings: StoreSettings) -> Store:
    """The configured database, its schema brought up to date."""
    store = Store(open_connector(settings))
    store.migrate()
    return store
