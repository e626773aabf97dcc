"""Measuring helpers for bench/job_queue.py, its huey reference (bench/queue_huey.py)
and its PostgreSQL run (bench/queue_postgres.py): rates, contenders taking turns,
polling until work is done, the machine's load, and our claim path's steps."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pathlib
import time
from collections.abc import Callable, Iterator

from ilios.store import Store
from ilios.store.jobs import claim_next, complete

TMP_ROOT = "/tmp"
E2E_POLL_S = 0.05  # how often completion is polled
STALL_S = 15.0  # ... or when nothing finished for this long (work was lost)
READY_TIMEOUT_S = 60.0  # for the service's workers or huey's consumer to be up
SETTLE_S = 0.3  # after workers are up, before the first submit


@dataclasses.dataclass(frozen=True)
class Rate:
    """``count`` items in ``seconds`` of wall time; ``short``: items never finished."""

    count: int
    seconds: float
    short: int = 0

    @property
    def per_s(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("inf")

    def __str__(self) -> str:
        mark = f" ({self.short} NEVER FINISHED)" if self.short else ""
        return f"{self.per_s:9,.0f}/s  ({self.count} in {self.seconds:6.2f} s){mark}"


def check(condition: bool, message: str) -> None:
    """Raise (the benchmark errors) unless ``condition``; never used on timings."""
    if not condition:
        raise RuntimeError(message)


def interleave(steps: dict[str, Iterator[int]], slice_items: int) -> dict[str, Rate]:
    """Advance each contender in turn by ``slice_items`` items until all are done.

    ``steps``: iterators that do some work per step and yield how many items
    it finished. Taking turns puts the contenders in the same moments, so a
    slow spell of the machine (other processes' I/O) slows them alike instead
    of whichever ran during it. Returns each one's items and seconds.
    """
    spent = dict.fromkeys(steps, 0.0)
    done = dict.fromkeys(steps, 0)
    active = dict(steps)
    while active:
        for label, step in list(active.items()):
            goal = done[label] + slice_items
            start = time.perf_counter()
            for items in step:
                done[label] += items
                if done[label] >= goal:
                    break
            else:
                del active[label]
            spent[label] += time.perf_counter() - start
    return {label: Rate(done[label], spent[label]) for label in steps}


def wait_until(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll ``predicate`` every ``E2E_POLL_S`` seconds; raise after ``timeout_s`` seconds."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(E2E_POLL_S)


def poll_count(count: Callable[[], int], target: int, start: float, cap_s: float) -> Rate:
    """Poll ``count()`` every ``E2E_POLL_S`` s until it reaches ``target``.

    ``start`` is a ``time.perf_counter()`` value; the rate covers start to the
    poll that saw the count last move. Polling also stops after ``cap_s``
    seconds, or when the count stood still for ``STALL_S`` (work was lost).
    """
    done, moved = 0, start
    while True:
        now_done, now = count(), time.perf_counter()
        if now_done != done:
            done, moved = now_done, now
        if done >= target:
            return Rate(done, moved - start)
        if now - start >= cap_s or now - moved >= STALL_S:
            return Rate(done, moved - start, short=target - done)
        time.sleep(E2E_POLL_S)


def machine_load() -> str:
    """The 1-minute load average and I/O pressure: how busy the machine is besides us."""
    text = f"load average {os.getloadavg()[0]:.1f}"
    with contextlib.suppress(OSError):
        some = pathlib.Path("/proc/pressure/io").read_text().split()[1]  # "avg10=<percent>"
        text += f", I/O pressure {some.split('=')[1]} %"
    return text


def combined_steps(store: Store, worker: str, size: int) -> Iterator[int]:
    """The queue's part of a worker slot's commit (``Jobs.finish``): complete its
    ``size`` jobs and claim the next ``size`` in one transaction (``complete`` +
    ``claim_next``: one commit per batch). A slot claims ``GROUP_MAX`` at once
    while jobs are quick and 1 when they are slow (``worker.batch_size``).
    Yields per batch."""
    db = store.connector
    batch = store.jobs.claim(worker, size)
    while batch:
        with db.write():
            complete(db, worker, [job.document_id for job in batch])
            following = claim_next(db, worker, size)
        yield len(batch)
        batch = following
