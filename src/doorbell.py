"""Doorbells: wake processes on one machine without polling (``ilios.wakeups``
uses them with SQLite; on PostgreSQL, ``LISTEN``/``NOTIFY`` instead).

Each listening process binds a Unix datagram socket in the run directory,
named ``<kind>-<pid>-<random>.sock``. ``ring(kind, message)`` (or a
long-lived ``Ringer``) sends a small datagram to every socket of that kind.
Rings are hints, not messages that must arrive: a full or missing socket is
skipped, and every listener also wakes on a timeout to re-check the database.
Workers listen as ``worker`` (the server rings when jobs are queued); servers
listen as ``server`` (workers ring with a document id when they commit a page
or finish).
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import secrets
import select
import socket
import time

MAX_MESSAGE_BYTES = 256
# Unix socket paths are limited to 108 bytes on Linux, including the NUL.
MAX_SOCKET_PATH = 107


class Bell:
    """The listening side: one bound datagram socket."""

    def __init__(self, run_dir: pathlib.Path, kind: str) -> None:
        run_dir.mkdir(parents=True, exist_ok=True)
        self.path = run_dir / f"{kind}-{os.getpid()}-{secrets.token_hex(3)}.sock"
        if len(str(self.path.absolute())) > MAX_SOCKET_PATH:
            raise OSError(
                f"The run directory path is too long for a Unix socket ({self.path}); "
                "set RUN_DIR to a shorter path."
            )
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.path))
        self.sock.setblocking(False)

    def fileno(self) -> int:
        return self.sock.fileno()

    def drain(self) -> list[bytes]:
        """Every message waiting now (never blocks)."""
        out = []
        while True:
            try:
                out.append(self.sock.recv(MAX_MESSAGE_BYTES))
            except (BlockingIOError, InterruptedError):
                return out

    def wait(self, timeout_s: float) -> list[bytes]:
        """Block until a ring or ``timeout_s``; return the messages."""
        ready, _, _ = select.select([self.sock], [], [], max(timeout_s, 0.0))
        return self.drain() if ready else []

    def wake(self) -> None:
        """Ring this bell only (wake the owner's own waiting loop)."""
        with contextlib.suppress(OSError):
            self.sock.sendto(b"", str(self.path))

    def close(self) -> None:
        self.sock.close()
        self.path.unlink(missing_ok=True)


class Ringer:
    """The ringing side, for a process that rings often (a worker rings once per job).

    Keeps one socket, and lists the bells of a kind again only when the run
    directory changed (its mtime moved: a bell was bound or removed), instead
    of globbing the directory and opening a socket on every ring. mtimes tick
    coarsely (a few ms), so a list made within ``RACY_NS`` of the last change
    is not trusted (git's "racy clean" rule), and none is kept past
    ``RELIST_S``. Thread-safe.
    """

    RACY_NS = 50_000_000
    RELIST_S = 1.0

    def __init__(self, run_dir: pathlib.Path) -> None:
        self.run_dir = run_dir
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        self._bells: dict[str, tuple[int, float, list[str]]] = {}  # kind -> mtime, when, paths

    def ring(self, kind: str, message: bytes = b"") -> int:
        """Ring every ``kind`` bell; return how many were reached."""
        reached = 0
        for path in self._paths(kind):
            try:
                self.sock.sendto(message[:MAX_MESSAGE_BYTES], path)
                reached += 1
            except (ConnectionRefusedError, FileNotFoundError):
                # The listener died without cleaning up: remove its socket.
                pathlib.Path(path).unlink(missing_ok=True)
                self._bells.pop(kind, None)
            except OSError:
                pass  # its queue is full: it is awake and will re-check anyway
        return reached

    def _paths(self, kind: str) -> list[str]:
        try:
            mtime = os.stat(self.run_dir).st_mtime_ns
        except OSError:
            return []
        now = time.monotonic()
        cached = self._bells.get(kind)
        if cached is not None and cached[0] == mtime and now - cached[1] < self.RELIST_S:
            return cached[2]
        try:
            paths = [str(path) for path in self.run_dir.glob(f"{kind}-*.sock")]
        except OSError:
            return []
        if time.time_ns() - mtime > self.RACY_NS:
            self._bells[kind] = (mtime, now, paths)
        else:
            self._bells.pop(kind, None)
        return paths

    def close(self) -> None:
        self.sock.close()


def ring(run_dir: pathlib.Path, kind: str, message: bytes = b"") -> int:
    """Ring every ``kind`` bell in ``run_dir`` once; return how many were reached."""
    ringer = Ringer(run_dir)
    try:
        return ringer.ring(kind, message)
    finally:
        ringer.close()
