"""Wake-ups over PostgreSQL: ``LISTEN``/``NOTIFY``, so that a process on any host
hears that work was queued or a page committed (see ``ilios.wakeups``).

A ``Listener`` is a doorbell whose rings come from the database: a thread
holds one connection that ``LISTEN``\\s on the kind's channel and forwards
each notification's payload to a local socket pair, which the owner waits on
exactly as on a doorbell (``fileno``, ``wait``, ``drain``, ``wake``). When the
connection is lost (the database restarts or fails over) the thread connects
again with backoff and then rings ``*``: notifications sent meanwhile were
lost, so every waiter re-checks. A ``Notifier`` rings with ``pg_notify``.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading

import psycopg
from psycopg import sql

from ilios.store.postgres import Postgres, connect

log = logging.getLogger("ilios.store")

MAX_MESSAGE_BYTES = 256
LISTEN_READY_S = 5.0  # a new Listener waits this long for its LISTEN to hold
FIRST_PAUSE_S = 0.2  # reconnection backoff: doubled after each failure, up to
MAX_PAUSE_S = 5.0
EVERYONE = b"*"


def channel(kind: str) -> str:
    """The channel a kind of process listens on (``worker``, ``server``)."""
    return f"ilios_{kind}"


class Listener:
    """The listening side: a doorbell fed by ``LISTEN`` on ``kind``'s channel."""

    def __init__(self, url: str, kind: str) -> None:
        self.url = url
        self.channel = channel(kind)
        self._inbox, self._outbox = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._inbox.setblocking(False)
        self._outbox.setblocking(False)
        self._stop_r, self._stop_w = socket.socketpair()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._listen, name=f"listen-{kind}", daemon=True)
        self._thread.start()
        if not self._listening.wait(LISTEN_READY_S):
            log.warning("not listening on %s yet; waking on a timer meanwhile", self.channel)

    # --- the doorbell's face ------------------------------------------------------

    def fileno(self) -> int:
        return self._inbox.fileno()

    def drain(self) -> list[bytes]:
        """Every message waiting now (never blocks)."""
        out = []
        while True:
            try:
                out.append(self._inbox.recv(MAX_MESSAGE_BYTES))
            except (BlockingIOError, InterruptedError):
                return out

    def wait(self, timeout_s: float) -> list[bytes]:
        """Block until a notification (or ``wake``) or ``timeout_s``; return the messages."""
        ready, _, _ = select.select([self._inbox], [], [], max(timeout_s, 0.0))
        return self.drain() if ready else []

    def wake(self) -> None:
        """Wake this listener's owner only."""
        self._forward(b"")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._stop_w.send(b"x")
        self._thread.join(LISTEN_READY_S)
        for sock in (self._inbox, self._outbox, self._stop_r, self._stop_w):
            sock.close()

    # --- the thread -----------------------------------------------------------------

    def _forward(self, message: bytes) -> None:
        with contextlib.suppress(OSError):  # full: the owner is awake and will re-check
            self._outbox.send(message[:MAX_MESSAGE_BYTES])

    def _stopped(self, timeout_s: float) -> bool:
        ready, _, _ = select.select([self._stop_r], [], [], timeout_s)
        return bool(ready)

    def _listen(self) -> None:
        pause = FIRST_PAUSE_S
        lost = False
        while True:
            try:
                with connect(self.url) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self._listening.set()
                    if lost:
                        log.info("listening on %s again", self.channel)
                        self._forward(EVERYONE)  # what was sent meanwhile is lost: re-check
                    pause = FIRST_PAUSE_S
                    if self._relay(conn):
                        return
            except (psycopg.Error, OSError) as exc:
                if not lost:
                    log.warning("lost the %s listener (%s); reconnecting", self.channel, exc)
                lost = True
            if self._stopped(pause):
                return
            pause = min(pause * 2, MAX_PAUSE_S)

    def _relay(self, conn: psycopg.Connection[dict[str, object]]) -> bool:
        """Forward notifications until the connection fails (raise) or ``close``
        (return True)."""
        pgconn = conn.pgconn
        fd = conn.fileno()
        stop = self._stop_r.fileno()
        while True:
            ready, _, _ = select.select([fd, stop], [], [])
            if stop in ready:
                return True
            pgconn.consume_input()  # raises once the connection is gone
            if pgconn.status != psycopg.pq.ConnStatus.OK:
                raise psycopg.OperationalError("connection lost")
            while (note := pgconn.notifies()) is not None:
                self._forward(note.extra)


class Notifier:
    """The ringing side: ``pg_notify`` on a pooled connection of the store."""

    def __init__(self, db: Postgres) -> None:
        self.db = db

    def ring(self, kind: str, message: bytes = b"") -> int:
        """Notify every listener of ``kind`` (on every host); return 1 (sent) or 0."""
        return 1 if self.db.notify(channel(kind), message.decode(errors="replace")) else 0

    def close(self) -> None:
        pass
