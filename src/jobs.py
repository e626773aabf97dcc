"""The job queue: enqueue, claim, complete, retry, fail, rescue.

A job converts one document. Its states (mirrored by ``ilios.v1.JobState``)
and who moves it:

    pending     --claim (worker)-->            processing
    processing  --success (worker)-->          completed
    processing  --transient error (worker)-->  retrying (claimable at run_at)
    processing  --permanent error or last attempt (worker)--> failed
    processing  --worker died (rescuer)-->     pending, or failed if attempts are spent
    processing  --graceful shutdown (worker)--> pending (the attempt is given back)
    retrying    --claim (worker)-->            processing

Execution is at-least-once: a worker can die after converting and before
committing. Results are exactly-once: pages and usage rows are keyed by
document, so a retried job overwrites them, and only the job's current owner
can complete it.
"""

from __future__ import annotations

import dataclasses
import os
import random
from collections.abc import Sequence

from ilios.database import Database, Row, id_list, new_id, now_ms
from ilios.errors import WorkerLost

# Convert jobs: a caller is waiting and streams their pages, so they outrank
# every batch priority (1-10), and only their workers ring the server per page.
STREAMED_PRIORITY = 11

# Backoff before attempt n+1 after attempt n failed: 5 s, 10 s, 20 s ...
BACKOFF_BASE_MS = 5_000
BACKOFF_JITTER = 0.2  # up to +20 %


@dataclasses.dataclass(frozen=True, slots=True)
class Job:
    """A claimed job. A document has one job, so the document id names it."""

    document_id: str
    attempts: int
    max_attempts: int
    priority: int

    @property
    def streamed(self) -> bool:
        """Whether a ``Convert`` caller is waiting for this job's pages."""
        return self.priority >= STREAMED_PRIORITY


def backoff_ms(
    attempts: int, rng: random.Random | None = None, base_ms: int = BACKOFF_BASE_MS
) -> int:
    """Delay before retrying after the ``attempts``-th attempt failed."""
    delay = base_ms * 2 ** max(attempts - 1, 0)
    return delay + int(delay * BACKOFF_JITTER * (rng or random).random())


def enqueue(db: Database, document_ids: Sequence[str], priority: int, max_attempts: int) -> None:
    """Queue one job per document (call inside the transaction creating the documents).

    One statement inserts them all: the ids travel as one array that SQLite
    reads in place (``id_list``), so a batch of a thousand costs one statement,
    not a thousand, the way bulk ``COPY`` serves Postgres queues.
    """
    if not document_ids:
        return
    db.execute(
        "insert_jobs",
        document_ids=id_list(document_ids),
        priority=priority,
        max_attempts=max_attempts,
        now=now_ms(),
    )


def claim(db: Database, worker_id: str, limit: int) -> list[Job]:
    """Claim up to ``limit`` runnable jobs and mark their documents processing,
    in one atomic transaction."""
    with db.write():
        return take(db, worker_id, limit)


def take(db: Database, worker_id: str, limit: int) -> list[Job]:
    """``claim`` inside the caller's write transaction (the worker completes a job
    and takes the next in one commit): the jobs, and their documents marked."""
    claimed = claim_within(db, worker_id, limit)
    start_documents(db, claimed)
    return claimed


def claim_within(db: Database, worker_id: str, limit: int) -> list[Job]:
    """Claim up to ``limit`` runnable jobs inside the caller's write transaction
    (e.g. the one completing a job, so finishing one job and taking the next
    cost one commit, not two). The queue alone: documents are not touched
    (``take`` also marks them)."""
    if limit == 1:  # the worker's common case, without a sort
        row = db.one("claim_job", worker_id=worker_id, now=now_ms())
        return [] if row is None else [_job(row)]
    rows = db.execute("claim_jobs", worker_id=worker_id, now=now_ms(), limit=limit)
    # RETURNING gives rows in table order: restore the claim order.
    rows.sort(key=lambda r: (-r["priority"], r["created_at"], r["document_id"]))
    return [_job(row) for row in rows]


def _job(row: Row) -> Job:
    return Job(row["document_id"], row["attempts"], row["max_attempts"], row["priority"])


def complete(db: Database, worker_id: str, document_ids: Sequence[str]) -> set[str]:
    """Mark these jobs completed (inside the caller's write transaction, which
    stores their results); return the ids the worker still owned. The others
    were rescued from it meanwhile: their results must not be stored."""
    if not document_ids:
        return set()
    if len(document_ids) == 1:
        rows = db.execute(
            "complete_job", document_id=document_ids[0], worker_id=worker_id, now=now_ms()
        )
    else:
        rows = db.execute(
            "complete_jobs",
            document_ids=id_list(document_ids),
            worker_id=worker_id,
            now=now_ms(),
        )
    return {row["document_id"] for row in rows}


def start_documents(db: Database, claimed: list[Job]) -> None:
    """Mark the documents of just-claimed jobs processing (in the claim's transaction)."""
    for job in claimed:
        db.execute("start_document", id=job.document_id)


def next_run_in_ms(db: Database) -> int | None:
    """Milliseconds until the earliest waiting job is claimable (None: none waits)."""
    row = db.one("next_run_at")
    if row is None or row["run_at"] is None:
        return None
    return max(row["run_at"] - now_ms(), 0)


def owns(db: Database) -> bool:
    """Whether the last statement changed a row (the worker still owned the job)."""
    return db.conn.changes() > 0


def fail(
    db: Database,
    job: Job,
    worker_id: str,
    reason: str,
    message: str,
    retryable: bool,
    rng: random.Random | None = None,
    backoff_base_ms: int = BACKOFF_BASE_MS,
) -> str:
    """Record a failed attempt; return the job's new state.

    A retryable failure with attempts left is rescheduled after
    ``backoff_ms(attempts)``; anything else fails the job and its document.
    """
    now = now_ms()
    with db.write():
        if retryable and job.attempts < job.max_attempts:
            db.execute(
                "retry_job",
                document_id=job.document_id,
                worker_id=worker_id,
                run_at=now + backoff_ms(job.attempts, rng, backoff_base_ms),
                error=f"{reason}: {message}",
            )
            if owns(db):
                db.execute("reset_document", id=job.document_id)
            return "retrying"
        db.execute(
            "fail_job",
            document_id=job.document_id,
            worker_id=worker_id,
            now=now,
            error=f"{reason}: {message}",
        )
        if owns(db):
            db.execute("fail_document", id=job.document_id, reason=reason, message=message, now=now)
        return "failed"


def release(db: Database, claimed: Sequence[Job], worker_id: str) -> None:
    """Give unfinished jobs back to the queue, their attempts not counted
    (graceful shutdown; jobs a worker claimed but did not start). Inside the
    caller's write transaction."""
    for job in claimed:
        db.execute("release_job", document_id=job.document_id, worker_id=worker_id, now=now_ms())
        if owns(db):
            db.execute("reset_document", id=job.document_id)


def rescue(db: Database, dead_after_ms: int, hostname: str | None = None) -> list[str]:
    """Return jobs of dead workers to the queue; return the rescued document ids.

    A worker is dead when it stopped heartbeating ``dead_after_ms`` ago, was
    marked dead by its supervisor, or (given ``hostname``) ran on this host and
    its process is gone. Its jobs go back to pending, or to failed when they
    have no attempts left.
    """
    if hostname is not None:
        bury_vanished(db, hostname)
    now = now_ms()
    touched = []
    with db.write():
        for row in db.execute("dead_workers", cutoff=now - dead_after_ms):
            db.execute("set_worker_state", id=row["id"], state="dead", now=now)
        for row in db.execute("orphaned_jobs"):
            if row["attempts"] < row["max_attempts"]:
                db.execute("rescue_job", document_id=row["document_id"], now=now)
                db.execute("reset_document", id=row["document_id"])
            else:
                lost = WorkerLost()
                db.execute(
                    "abandon_job",
                    document_id=row["document_id"],
                    now=now,
                    error=f"{lost.reason}: {lost.message}",
                )
                db.execute(
                    "fail_document",
                    id=row["document_id"],
                    reason=lost.reason,
                    message=lost.message,
                    now=now,
                )
            touched.append(row["document_id"])
    return touched


def bury_vanished(db: Database, hostname: str) -> int:
    """Mark dead the workers of this host whose process is gone; return how many.

    Lets a restart after a crash rescue jobs at once instead of waiting for
    heartbeats to go stale. (A recycled pid just falls back to the heartbeat.)
    """
    buried = 0
    with db.write():
        for row in db.execute("live_workers_on_host", hostname=hostname):
            if not pid_alive(row["pid"]):
                db.execute("set_worker_state", id=row["id"], state="dead", now=now_ms())
                buried += 1
    return buried


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def register_worker(db: Database, pid: int, hostname: str) -> str:
    worker_id = new_id("wrk")
    with db.write():
        db.execute("register_worker", id=worker_id, pid=pid, hostname=hostname, now=now_ms())
    return worker_id
