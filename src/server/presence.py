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

from ilios import node
from ilios.errors import NotFound
from ilios.server.intake import Intake
from ilios.store import Store, new_id

log = logging.getLogger("ilios.server")

BATCH_ROWS = 500


class Presence:
    """This server's row, and the clean-up after servers that are gone."""

    def __init__(self, store: Store, intake: Intake) -> None:
        self.store = store
        self.intake = intake
        self.id = new_id("srv")
        self.hostname = node.host_id()

    def heartbeat(self) -> None:
        """Announce (or re-announce) this server as alive."""
        self.store.servers.heartbeat(self.id, os.getpid(), self.hostname)

    def bury_gone(self, dead_after_ms: int) -> int:
        """Delete the unused transient uploads of servers that are gone, and their
        rows; return how many uploads went."""
        dropped = 0
        for server_id in self.store.servers.gone(self.id, dead_after_ms, self.hostname):
            dropped += self._retire(server_id)
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
        while upload_ids := self.store.uploads.transient(server_id, BATCH_ROWS):
            for upload_id in upload_ids:
                try:
                    self.intake.delete_upload(upload_id)
                except NotFound:  # taken by a document meanwhile
                    continue
                dropped += 1
        self.store.servers.delete(server_id)
        return dropped
