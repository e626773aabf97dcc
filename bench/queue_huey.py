"""The reference of bench/job_queue.py: huey's SqliteHuey, a real SQLite queue, in
process (claim path, enqueue) and as a consumer with process workers (end to end)."""

from __future__ import annotations

import contextlib
import logging
import os
import pathlib
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

from huey import SqliteHuey
from huey.api import TaskWrapper
from huey.storage import SqliteStorage
from queue_measure import (
    READY_TIMEOUT_S,
    SETTLE_S,
    TMP_ROOT,
    Rate,
    check,
    poll_count,
    wait_until,
)

# job_queue.py runs the huey consumer (--huey-consumer)
QUEUE_BENCH = pathlib.Path(__file__).with_name("job_queue.py")
ENQUEUE_TRIES = 10  # huey enqueues retried on "database is locked" (end to end only)
HUEY_MAX_DELAY_S = 0.1  # huey workers poll an empty queue at most this far apart


class SynchronousSqliteStorage(SqliteStorage):
    """huey's SqliteStorage with ``PRAGMA synchronous=<mode>`` on every connection.

    SqliteStorage's own ``fsync`` option only offers FULL (True) or OFF
    (False), so the pragma is run on each connection it opens instead.
    """

    def __init__(self, *args: object, synchronous: str = "full", **kwargs: object) -> None:
        self.synchronous = synchronous
        super().__init__(*args, **kwargs)

    def _create_connection(self) -> sqlite3.Connection:
        conn = super()._create_connection()
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        return conn


def noop() -> int:
    """The benchmark task: does nothing and returns 1, so huey stores a result."""
    return 1


def make_huey(
    path: pathlib.Path, mode: str, results: bool = True
) -> tuple[SqliteHuey, TaskWrapper]:
    """A SqliteHuey on ``path`` with ``synchronous=mode``, and its no-op task."""
    queue = SqliteHuey(
        "bench",
        filename=str(path),
        results=results,
        immediate=False,
        storage_class=SynchronousSqliteStorage,
        synchronous=mode,
    )
    return queue, queue.task(name="noop")(noop)


def huey_synchronous(queue: SqliteHuey) -> str:
    """The synchronous mode huey's connection really runs with (read back)."""
    value = queue.storage.conn.execute("PRAGMA synchronous").fetchone()[0]
    return {0: "off", 1: "normal", 2: "full", 3: "extra"}[value]


@contextlib.contextmanager
def filled_huey(mode: str, count: int, results: bool) -> Iterator[SqliteHuey]:
    """A fresh SqliteHuey holding ``count`` no-op tasks (filled with synchronous off)."""
    with tempfile.TemporaryDirectory(prefix="huey-qbench-", dir=TMP_ROOT) as tmp:
        queue, task = make_huey(pathlib.Path(tmp) / "huey.db", mode, results)
        try:
            queue.storage.conn.execute("PRAGMA synchronous=OFF")  # untimed filling only
            for _ in range(count):
                task()
            queue.storage.conn.execute(f"PRAGMA synchronous={mode}")
            check(huey_synchronous(queue) == mode, "huey did not take the synchronous mode")
            yield queue
        finally:
            queue.storage.close()


@contextlib.contextmanager
def empty_huey(mode: str) -> Iterator[tuple[SqliteHuey, TaskWrapper]]:
    """A fresh, empty SqliteHuey and its no-op task."""
    with tempfile.TemporaryDirectory(prefix="huey-qbench-", dir=TMP_ROOT) as tmp:
        queue, task = make_huey(pathlib.Path(tmp) / "huey.db", mode)
        try:
            yield queue, task
        finally:
            queue.storage.close()


def huey_steps(queue: SqliteHuey) -> Iterator[int]:
    """Dequeue and execute tasks (storing results) until the queue is empty; yield 1 each."""
    while (task := queue.dequeue()) is not None:
        queue.execute(task)
        yield 1


def huey_enqueue_steps(task: TaskWrapper, count: int) -> Iterator[int]:
    """Enqueue ``count`` no-op tasks one at a time (one commit each); yield 1 each."""
    for _ in range(count):
        task()
        yield 1


def run_huey_consumer(path: str, mode: str, workers: int, folder: str) -> int:
    """Child process: run a huey consumer with ``workers`` process workers until SIGTERM.

    Each worker appends a line to ``<folder>/ready`` when it starts; huey's
    errors go to ``<folder>/huey.log``.
    """
    logging.basicConfig(filename=os.path.join(folder, "huey.log"), level=logging.ERROR)
    ready_file = os.path.join(folder, "ready")
    queue, _ = make_huey(pathlib.Path(path), mode)

    @queue.on_startup()
    def announce() -> None:
        fd = os.open(ready_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{os.getpid()}\n".encode())
        finally:
            os.close(fd)

    consumer = queue.create_consumer(
        workers=workers, worker_type="process", periodic=False, max_delay=HUEY_MAX_DELAY_S
    )
    consumer.run()
    return 0


def enqueue_retrying(task: TaskWrapper) -> int:
    """Enqueue one huey task, retrying on "database is locked"; return the failed tries."""
    for failures in range(ENQUEUE_TRIES):
        try:
            task()
            return failures
        except sqlite3.OperationalError:
            continue
    raise RuntimeError(f"huey could not enqueue a task in {ENQUEUE_TRIES} tries")


def e2e_huey(workers: int, mode: str, tasks: int, cap_s: float) -> tuple[Rate, float, str]:
    """A real huey consumer: first enqueue until every result is stored.

    Returns the rate, the seconds the enqueues took, and a note on huey's
    errors ("database is locked" past its 5 s busy timeout), if any.
    """
    with tempfile.TemporaryDirectory(prefix="huey-qbench-", dir=TMP_ROOT) as tmp:
        folder = pathlib.Path(tmp)
        path, ready = folder / "huey.db", folder / "ready"
        queue, task = make_huey(path, mode)
        args = [sys.executable, str(QUEUE_BENCH), "--huey-consumer", str(path), mode, str(workers)]
        consumer = subprocess.Popen([*args, tmp])
        try:

            def up() -> bool:
                check(consumer.poll() is None, "the huey consumer exited")
                return ready.exists() and len(ready.read_text().split()) >= workers

            wait_until(up, READY_TIMEOUT_S, "the huey consumer")
            time.sleep(SETTLE_S)
            start = time.perf_counter()
            enqueue_failures = sum(enqueue_retrying(task) for _ in range(tasks))
            submit_s = time.perf_counter() - start
            rate = poll_count(queue.storage.result_store_size, tasks, start, cap_s)
        finally:
            consumer.terminate()
            try:
                consumer.wait(30)
            except subprocess.TimeoutExpired:
                consumer.kill()
                consumer.wait()
            queue.storage.close()
        log = folder / "huey.log"
        locked = log.read_text().count("database is locked") if log.exists() else 0
    notes = []
    if locked:
        notes.append(f"consumer logged {locked} 'database is locked'")
    if enqueue_failures:
        notes.append(f"{enqueue_failures} enqueue(s) retried after 'database is locked'")
    return rate, submit_s, "; ".join(notes)
