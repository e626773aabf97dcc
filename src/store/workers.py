"""Worker processes: their rows, heartbeats and deaths (see ``WorkerState``).

A worker is dead once it says so, its supervisor saw it exit, its process is
gone from this host, or its heartbeat went stale (``Jobs.rescue``); the jobs
it held are then rescued.
"""

from __future__ import annotations

import os

from ilios.store.connector import Connector
from ilios.store.ids import new_id, now_ms


class Workers:
    """Worker rows."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    def register(self, pid: int, hostname: str) -> str:
        """Announce a new worker process (active); return its id."""
        worker_id = new_id("wrk")
        with self.db.write():
            self.db.run("register_worker", id=worker_id, pid=pid, hostname=hostname, now=now_ms())
        return worker_id

    def heartbeat(self, worker_id: str) -> None:
        """Prove a live worker alive (a dead one stays dead)."""
        with self.db.write():
            self.db.run("heartbeat_worker", id=worker_id, now=now_ms())

    def mark_dead(self, worker_id: str) -> None:
        """The worker stopped (it says so as it exits)."""
        with self.db.write():
            self.db.run("mark_worker_dead", id=worker_id, now=now_ms())

    def mark_pid_dead(self, pid: int, hostname: str) -> None:
        """The worker process ``pid`` on ``hostname`` exited (its supervisor saw it)."""
        with self.db.write():
            self.db.run("mark_pid_dead", pid=pid, hostname=hostname, now=now_ms())

    def bury_vanished(self, hostname: str) -> int:
        """Mark dead the workers of this host whose process is gone; return how many."""
        return bury_vanished(self.db, hostname)


def bury_vanished(db: Connector, hostname: str) -> int:
    """Mark dead the workers of ``hostname`` whose process is gone; return how many.

    Lets a restart after a crash rescue jobs at once instead of waiting for
    heartbeats to go stale. (A recycled pid just falls back to the heartbeat.)
    """
    buried = 0
    with db.write():
        for row in db.execute("live_workers_on_host", hostname=hostname):
            if not pid_alive(row["pid"]):
                db.run("mark_worker_dead", id=row["id"], now=now_ms())
                buried += 1
    return buried


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (one we may not signal counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
