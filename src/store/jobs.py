"""The job queue: claim, store results, retry, fail, rescue.

A job converts one document, so the document's id names it; its states and
who moves it between them are ``JobState``'s table. ``Documents.create``
queues jobs with their documents; workers take them with ``Jobs.claim`` and
end them with ``Jobs.finish`` or ``Jobs.fail``; the rescuer returns the jobs
of dead workers with ``Jobs.rescue``.

- Claim order: streamed jobs first (a ``Convert`` caller waits for their
  pages), then the highest priority, then the oldest. One atomic
  ``UPDATE ... RETURNING`` bumps ``attempts``; a claimed row stays a row.
- Execution is at-least-once: a worker can die after converting and before
  committing. Results are exactly-once: pages and usage are keyed by
  document, so a retried job overwrites them, and only the job's current
  owner can store them (a job rescued from a worker is no longer its).
- Group commit: ``Jobs.finish`` stores a worker's finished results, gives
  back the jobs it will not run, and claims its next jobs, in one
  transaction: one commit (one fsync) for the lot.
- Retries are rows scheduled after a backoff of 5 s, 10 s, 20 s ... (+ up to
  20 % jitter), up to the job's ``max_attempts``.

The module-level functions are the queue's steps inside a caller's write
transaction (``Documents.create`` and ``Jobs`` compose them).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from typing import NamedTuple

from ilios.errors import WorkerLost
from ilios.store.connector import Connector, Row
from ilios.store.ids import new_id, now_ms
from ilios.store.pages import Page
from ilios.store.states import JobState
from ilios.store.usage import Charge
from ilios.store.workers import bury_vanished

# Backoff before attempt n+1 after attempt n failed: 5 s, 10 s, 20 s ...
BACKOFF_BASE_MS = 5_000
BACKOFF_JITTER = 0.2  # up to +20 %


@dataclasses.dataclass(frozen=True, slots=True)
class Job:
    """A claimed job. ``streamed``: a ``Convert`` caller waits for its pages."""

    document_id: str
    attempts: int
    max_attempts: int
    priority: int
    streamed: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Completion:
    """A job's result, for ``Jobs.finish`` to store: the document's final state,
    its last page (held back by the worker to go in the same commit) and what
    the conversion cost."""

    job: Job
    api_key_id: str  # the document's, for its usage record
    engine: str
    model: str
    page_count: int
    processing_ms: int
    charge: Charge
    last_page: Page | None = None


class Finished(NamedTuple):
    """What ``Jobs.finish`` did: the documents whose results it stored (the worker
    still owned their jobs; the others were rescued from it meanwhile) and the
    jobs it claimed next."""

    stored: set[str]
    claimed: list[Job]


def backoff_ms(
    attempts: int, rng: random.Random | None = None, base_ms: int = BACKOFF_BASE_MS
) -> int:
    """Delay before retrying after the ``attempts``-th attempt failed."""
    delay = base_ms * 2 ** max(attempts - 1, 0)
    return delay + int(delay * BACKOFF_JITTER * (rng or random).random())


class Jobs:
    """The queue's units of work, each one transaction."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    def claim(self, worker_id: str, limit: int) -> list[Job]:
        """Claim up to ``limit`` runnable jobs, in claim order, and mark their
        documents processing."""
        with self.db.write():
            return take(self.db, worker_id, limit)

    def next_run_in_ms(self) -> int | None:
        """Milliseconds until the earliest waiting job is claimable (None: none waits)."""
        now = now_ms()
        row = self.db.one("next_run_at", now=now)
        if row is None or row["run_at"] is None:
            return None
        return max(row["run_at"] - now, 0)

    def put_page(self, worker_id: str, document_id: str, number: int, markdown: str) -> bool:
        """Store page ``number`` of a running job, readable at once by ``Convert``
        streams; False (nothing stored) when the job is no longer this worker's."""
        with self.db.write():
            if not put_page(self.db, worker_id, document_id, Page(number, markdown)):
                return False
            self.db.run("set_page_count", id=document_id, page_count=number)
        return True

    def finish(
        self,
        worker_id: str,
        done: Sequence[Completion] = (),
        given_back: Sequence[Job] = (),
        take_next: int = 0,
    ) -> Finished:
        """One transaction: store the ``done`` results (held-back last pages,
        pages beyond the count dropped, job and document completed, usage), give
        the ``given_back`` jobs back to the queue (their attempts not counted),
        and claim up to ``take_next`` more jobs.

        A result is stored only if the worker still owns its job.
        """
        if not (done or given_back or take_next):
            return Finished(set(), [])
        db = self.db
        now = now_ms()
        with db.write():
            for result in done:
                if result.last_page is not None:  # written only if the job is still ours
                    put_page(db, worker_id, result.job.document_id, result.last_page)
            stored = complete(db, worker_id, [result.job.document_id for result in done])
            for result in done:
                if result.job.document_id in stored:
                    _store(db, result, now)
            release(db, given_back, worker_id)
            claimed = take(db, worker_id, take_next) if take_next else []
        return Finished(stored, claimed)

    def fail(
        self,
        job: Job,
        worker_id: str,
        reason: str,
        message: str,
        *,
        retryable: bool,
        rng: random.Random | None = None,
        backoff_base_ms: int = BACKOFF_BASE_MS,
    ) -> JobState:
        """Record a failed attempt; return the job's new state.

        A retryable failure with attempts left is rescheduled after
        ``backoff_ms(attempts)`` (retrying; the document waits again); anything
        else fails the job and its document with ``reason`` and ``message``.
        A job no longer this worker's is left as it is.
        """
        db = self.db
        now = now_ms()
        error = f"{reason}: {message}"
        with db.write():
            if retryable and job.attempts < job.max_attempts:
                run_at = now + backoff_ms(job.attempts, rng, backoff_base_ms)
                owned = db.run(
                    "retry_job",
                    document_id=job.document_id,
                    worker_id=worker_id,
                    run_at=run_at,
                    now=now,
                    error=error,
                )
                if owned:
                    db.run("reset_document", id=job.document_id)
                return JobState.RETRYING
            owned = db.run(
                "fail_job", document_id=job.document_id, worker_id=worker_id, now=now, error=error
            )
            if owned:
                db.run("fail_document", id=job.document_id, reason=reason, message=message, now=now)
            return JobState.FAILED

    def rescue(self, dead_after_ms: int, hostname: str | None = None) -> list[str]:
        """Return the jobs of dead workers to the queue; return their document ids.

        A worker is dead when it stopped heartbeating ``dead_after_ms`` ago, was
        marked dead, or (given ``hostname``) ran on this host and its process is
        gone. Its jobs go back to pending, or fail (``WORKER_LOST``) when they
        have no attempts left.
        """
        db = self.db
        if hostname is not None:
            bury_vanished(db, hostname)
        now = now_ms()
        touched = []
        with db.write():
            cutoff = now - dead_after_ms  # SQLite's; PostgreSQL's clock takes dead_after_ms
            for row in db.execute("dead_workers", cutoff=cutoff, dead_after_ms=dead_after_ms):
                db.run("mark_worker_dead", id=row["id"], now=now)
            for row in db.execute("orphaned_jobs"):
                document_id = row["document_id"]
                if row["attempts"] < row["max_attempts"]:
                    db.run("rescue_job", document_id=document_id, now=now)
                    db.run("reset_document", id=document_id)
                else:
                    lost = WorkerLost()
                    error = f"{lost.reason}: {lost.message}"
                    db.run("abandon_job", document_id=document_id, now=now, error=error)
                    db.run(
                        "fail_document",
                        id=document_id,
                        reason=lost.reason,
                        message=lost.message,
                        now=now,
                    )
                touched.append(document_id)
        return touched


# --- the queue's steps, inside the caller's write transaction ---------------------


def enqueue(
    db: Connector,
    document_ids: Sequence[str],
    *,
    priority: int,
    max_attempts: int,
    streamed: bool = False,
    now: int,
) -> None:
    """Queue one job per document, claimable from ``now``.

    One statement inserts them all: the ids travel as one list parameter
    (``Connector.ids``), so a batch of a thousand costs one statement, not a
    thousand, the way bulk ``COPY`` serves Postgres queues.
    """
    if not document_ids:
        return
    db.run(
        "insert_jobs",
        document_ids=db.ids(document_ids),
        priority=priority,
        streamed=int(streamed),
        max_attempts=max_attempts,
        now=now,
    )


def take(db: Connector, worker_id: str, limit: int) -> list[Job]:
    """Claim up to ``limit`` runnable jobs and mark their documents processing."""
    claimed = claim_next(db, worker_id, limit)
    for job in claimed:
        db.run("start_document", id=job.document_id)
    return claimed


def claim_next(db: Connector, worker_id: str, limit: int) -> list[Job]:
    """Claim up to ``limit`` runnable jobs, in claim order. The queue alone: their
    documents are not touched (``take`` also marks them)."""
    if limit == 1:  # the worker's common case, without a sort
        row = db.one("claim_job", worker_id=worker_id, now=now_ms())
        return [] if row is None else [_job(row)]
    rows = db.execute("claim_jobs", worker_id=worker_id, now=now_ms(), limit=limit)
    # RETURNING gives rows in table order: restore the claim order.
    rows.sort(key=lambda r: (-r["streamed"], -r["priority"], r["document_id"]))
    return [_job(row) for row in rows]


def _job(row: Row) -> Job:
    return Job(
        row["document_id"],
        row["attempts"],
        row["max_attempts"],
        row["priority"],
        bool(row["streamed"]),
    )


def complete(db: Connector, worker_id: str, document_ids: Sequence[str]) -> set[str]:
    """Mark these jobs completed; return the ids the worker still owned. The
    others were rescued from it meanwhile: their results must not be stored."""
    if not document_ids:
        return set()
    now = now_ms()
    if len(document_ids) == 1:  # without the list: 3x faster
        rows = db.execute("complete_job", document_id=document_ids[0], worker_id=worker_id, now=now)
    else:
        rows = db.execute(
            "complete_jobs", document_ids=db.ids(document_ids), worker_id=worker_id, now=now
        )
    return {row["document_id"] for row in rows}


def release(db: Connector, jobs: Sequence[Job], worker_id: str) -> None:
    """Give unfinished jobs back to the queue, their attempts not counted
    (graceful shutdown; jobs a worker claimed but did not start)."""
    for job in jobs:
        if db.run("release_job", document_id=job.document_id, worker_id=worker_id, now=now_ms()):
            db.run("reset_document", id=job.document_id)


def put_page(db: Connector, worker_id: str, document_id: str, page: Page) -> bool:
    """Write one page if ``worker_id`` owns the document's job (a retry overwrites
    the page an earlier attempt wrote); return whether it did."""
    changed = db.run(
        "put_page",
        worker_id=worker_id,
        document_id=document_id,
        number=page.number,
        markdown=page.markdown,
    )
    return changed > 0


def _store(db: Connector, result: Completion, now: int) -> None:
    """Record a completed job's document and usage."""
    document_id, charge = result.job.document_id, result.charge
    db.run("trim_pages", document_id=document_id, page_count=result.page_count)
    db.run(
        "complete_document",
        id=document_id,
        page_count=result.page_count,
        model=result.model,
        processing_ms=result.processing_ms,
        now=now,
    )
    db.run(
        "put_usage",
        id=new_id("use"),
        document_id=document_id,
        api_key_id=result.api_key_id,
        engine=result.engine,
        pages=charge.pages,
        input_tokens=charge.input_tokens,
        output_tokens=charge.output_tokens,
        base_cost_micros=charge.base_cost_micros,
        margin_rate_bp=charge.margin_rate_bp,
        total_cost_micros=charge.total_cost_micros,
        now=now,
    )
