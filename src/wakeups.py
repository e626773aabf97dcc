"""Wake-ups: how a process that queued work or committed a page wakes the
processes waiting for it, instead of their polling the database.

Two kinds listen: ``worker`` (rung when jobs are queued or rescued) and
``server`` (rung with a document id when a worker commits one of its pages or
ends its job; ``*`` for every document). Rings are hints, not messages that
must arrive: every listener also wakes on a timer to re-check the database, so
a lost ring costs at most that short wait, never a stuck job.

- SQLite (one machine): doorbells, Unix datagram sockets in ``RUN_DIR``
  (``ilios.doorbell``).
- PostgreSQL (``DATABASE_URL``, any number of hosts): ``LISTEN``/``NOTIFY``
  on the database (``ilios.store.listen``), so a worker on one host wakes the
  server on another whose ``Convert`` caller waits for the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ilios import doorbell
from ilios.config import Settings
from ilios.store import Store


class Bell(Protocol):
    """The listening side."""

    def fileno(self) -> int:
        """A descriptor that reads ready when a ring waits (for an event loop)."""

    def drain(self) -> list[bytes]:
        """Every ring waiting now (never blocks)."""

    def wait(self, timeout_s: float) -> list[bytes]:
        """Block until a ring or ``timeout_s``; return the rings."""

    def wake(self) -> None:
        """Ring this bell only (wake its owner's own waiting loop)."""

    def close(self) -> None: ...


class Ringer(Protocol):
    """The ringing side (thread-safe)."""

    def ring(self, kind: str, message: bytes = b"") -> int:
        """Ring every ``kind`` listener; return how many were reached (PostgreSQL: 1
        when the notification was sent)."""

    def close(self) -> None: ...


def bell(settings: Settings, kind: str) -> Bell:
    """A bell for ``kind`` that hears rings from this deployment's processes."""
    if settings.database_url:
        from ilios.store.listen import Listener

        return Listener(settings.database_url, kind)
    return doorbell.Bell(settings.run_dir, kind)


def ringer(settings: Settings, store: Store) -> Ringer:
    """A ringer that reaches this deployment's bells (through ``store`` on PostgreSQL)."""
    if settings.database_url:
        from ilios.store.listen import Notifier
        from ilios.store.postgres import Postgres

        assert isinstance(store.connector, Postgres)
        return Notifier(store.connector)
    return doorbell.Ringer(settings.run_dir)


def announce_rescued(ringer: Ringer, document_ids: Sequence[str]) -> None:
    """Wake workers for rescued jobs, and the servers streaming those documents."""
    if document_ids:
        ringer.ring("worker")
        for document_id in document_ids:
            ringer.ring("server", document_id.encode())
