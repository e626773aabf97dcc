"""Which servers are alive, and what goes with one that is not: its transient uploads.

A transient upload belongs to a request still being made (a REST form whose
other files are still arriving, a client's batch before its BatchSubmit). Such
a request cannot outlive the server that stored its uploads: a restart ends
every call. So each server keeps a row in ``servers`` (heartbeat every
``WORKER_HEARTBEAT_S``), and every server's rescuer deletes the unused
transient uploads of servers that are gone: on this host, a server whose
process is gone (so a restarted server cleans up after its crashed self at
once); anywhere, one silent for ``WORKER_DEAD_AFTER_S``. A server that stops
cleanly deletes its own.
"""

from __future__ import annotations

import logging
import os
import socket

from ilios.database import Database, new_id, now_ms
from ilios.errors import NotFound
from ilios.jobs import pid_alive
from ilios.server.intake import Intake

log = logging.getLogger("ilios.server")

BATCH_ROWS = 500


class Presence:
    """This server's row, and the clean-up after servers that are gone."""

    def __init__(self, db: Database, intake: Intake) -> None:
        self.db = db
        self.intake = intake
        self.id = new_id("srv")
        self.hostname = socket.gethostname()

    def heartbeat(self) -> None:
        """Announce (or re-announce) this server as alive."""
        with self.db.write():
            self.db.execute(
                "register_server", id=self.id, pid=os.getpid(), hostname=self.hostname, now=now_ms()
            )

    def bury_gone(self, dead_after_ms: int) -> int:
        """Delete the unused transient uploads of servers that are gone, and their
        rows; return how many uploads went."""
        dropped = 0
        rows = self.db.execute(
            "servers_gone", own_id=self.id, cutoff=now_ms() - dead_after_ms, hostname=self.hostname
        )
        for row in rows:
            if row["silent"] or not pid_alive(row["pid"]):
                dropped += self._retire(row["id"])
        if dropped:
            log.warning(
                "deleted %d unused upload(s) of requests cut off by a stopped server", dropped
            )
        return dropped

    def retire(self) -> int:
        """This server stops: delete its unused transient uploads and its row."""
        return self._retire(self.id)

    def _retire(self, server_id: str) -> int:
        dropped = 0
        while rows := self.db.execute("transient_uploads", server_id=server_id, limit=BATCH_ROWS):
            for row in rows:
                try:
                    self.intake.delete_upload(row["id"])
                except NotFound:  # taken by a document meanwhile
                    continue
                dropped += 1
        with self.db.write():
            self.db.execute("delete_server", id=server_id)
        return dropped
