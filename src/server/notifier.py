"""Wakes ``Convert`` streams when a worker commits a page or ends a job.

Workers ring the ``server`` bell with a document id (``ilios.wakeups``: a
doorbell on one machine, ``LISTEN``/``NOTIFY`` on PostgreSQL); this notifier,
attached to the server's event loop, sets the events of the streams waiting
on that document. ``*`` wakes every stream (a worker stopped, or rings may
have been lost).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterator

from ilios.wakeups import Bell


class Notifier:
    def __init__(self, bell: Bell) -> None:
        self.bell = bell
        self.waiters: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        loop.add_reader(self.bell.fileno(), self._on_ring)

    def close(self) -> None:
        if self._loop is not None:
            self._loop.remove_reader(self.bell.fileno())
        self.bell.close()

    def _on_ring(self) -> None:
        for message in self.bell.drain():
            key = message.decode(errors="replace")
            if key == "*":
                targets = [e for events in self.waiters.values() for e in events]
            else:
                targets = list(self.waiters.get(key, ()))
            for event in targets:
                event.set()

    @contextlib.contextmanager
    def watch(self, document_id: str) -> Iterator[asyncio.Event]:
        """An event set whenever ``document_id`` changes (clear it after waking)."""
        event = asyncio.Event()
        self.waiters[document_id].add(event)
        try:
            yield event
        finally:
            self.waiters[document_id].discard(event)
            if not self.waiters[document_id]:
                del self.waiters[document_id]
