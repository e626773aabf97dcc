"""gRPC server processes: their rows, so that others can tell when one is gone
(its transient uploads then go too: see ``ilios.server.presence``)."""

from __future__ import annotations

from ilios.store.connector import Connector
from ilios.store.ids import now_ms
from ilios.store.workers import pid_alive


class Servers:
    """Server rows."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    def heartbeat(self, server_id: str, pid: int, hostname: str) -> None:
        """Announce a server, or prove it alive (a server taken for dead comes back)."""
        with self.db.write():
            self.db.run("register_server", id=server_id, pid=pid, hostname=hostname, now=now_ms())

    def gone(self, own_id: str, dead_after_ms: int, hostname: str) -> list[str]:
        """Other servers that are gone: silent for ``dead_after_ms``, or on
        ``hostname`` with their process gone."""
        rows = self.db.execute(
            "servers_gone",
            own_id=own_id,
            cutoff=now_ms() - dead_after_ms,
            dead_after_ms=dead_after_ms,
            hostname=hostname,
        )
        return [row["id"] for row in rows if row["silent"] or not pid_alive(row["pid"])]

    def delete(self, server_id: str) -> None:
        """Forget a server that stopped (its transient uploads are gone already)."""
        with self.db.write():
            self.db.run("delete_server", id=server_id)
