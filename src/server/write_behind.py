"""Writing a stream's chunks on a thread pool while the next ones arrive.

``Upload`` receives on the event loop and writes blobs on the pool. Awaiting
each write before reading the next message would make the loop and the disk
take turns, and cost one thread hop per chunk. ``WriteBehind`` keeps one pool
call in flight and gathers the chunks that arrive meanwhile into the next
call: receiving overlaps writing, and a slow disk means fewer, bigger calls.
A call starts only once ``batch_bytes`` wait (or at ``drain``), so a fast disk
does not mean one thread hop per chunk either. Memory stays bounded: once
``limit_bytes`` wait, ``put`` waits for the call in flight (and gRPC flow
control pushes back on the client).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable

from ilios.storage import Chunk


class WriteBehind:
    """Calls ``write(chunk)`` on ``pool`` for every chunk put, in order, one call at a time."""

    def __init__(
        self,
        write: Callable[[Chunk], None],
        pool: concurrent.futures.Executor,
        limit_bytes: int,
        batch_bytes: int = 0,
    ) -> None:
        self._write = write
        self._pool = pool
        self.limit_bytes = limit_bytes
        self.batch_bytes = batch_bytes
        self._waiting: list[Chunk] = []
        self._waiting_bytes = 0
        self._in_flight: asyncio.Future[None] | None = None

    async def put(self, chunk: Chunk) -> None:
        """Queue ``chunk``; raises the error of an earlier write that failed."""
        self._waiting.append(chunk)
        self._waiting_bytes += len(chunk)
        if self._in_flight is not None:
            if not self._in_flight.done():
                if self._waiting_bytes < self.limit_bytes:
                    return
                await self._in_flight
            self._in_flight.result()  # the error of a failed write, now
        if self._waiting_bytes >= self.batch_bytes:
            self._in_flight = self._start()

    async def drain(self) -> None:
        """Return once every chunk put is written (or raise the write's error)."""
        if self._in_flight is not None:
            await self._in_flight
        if self._waiting:
            self._in_flight = self._start()
            await self._in_flight

    def discard(self) -> None:
        """Give up: nothing more is written, and a failure in flight is not reported."""
        self._waiting.clear()
        self._waiting_bytes = 0
        if self._in_flight is not None:
            # Retrieve its outcome so asyncio does not log it as never retrieved.
            self._in_flight.add_done_callback(
                lambda done: None if done.cancelled() else done.exception()
            )

    def _start(self) -> asyncio.Future[None]:
        """One pool call that writes every chunk now waiting."""
        batch, self._waiting, self._waiting_bytes = self._waiting, [], 0
        return asyncio.get_running_loop().run_in_executor(self._pool, self._write_all, batch)

    def _write_all(self, batch: list[Chunk]) -> None:
        for chunk in batch:
            self._write(chunk)
