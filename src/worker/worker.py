"""A worker process: claims jobs, converts documents, commits pages.

The loop claims as many jobs as it has free slots (``MAX_CONCURRENT_JOBS``),
runs each on a thread, and sleeps on its doorbell when the queue is empty, so
a newly queued job starts at once. Every page is committed in its own
transaction and announced to the servers' doorbells, which stream it to
``Convert`` callers. A heartbeat thread proves the worker alive; a worker that
stops heartbeating has its jobs rescued by the server.

SIGTERM/SIGINT: stop claiming, let running jobs finish within
``SHUTDOWN_GRACE_S``, give unfinished ones back to the queue, exit 0. A second
signal gives every running job back at once and exits.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import signal
import socket
import threading
import time
from types import FrameType

from ilios import doorbell, jobs, retry
from ilios.blobs import BlobStore
from ilios.config import Settings
from ilios.database import Database, Row, new_id, now_ms
from ilios.errors import IliosError
from ilios.inline import open_originals
from ilios.worker.engines import registry
from ilios.worker.engines.base import Engine, Page, Usage

log = logging.getLogger("ilios.worker")

# Wake at least this often with nothing to do, to notice rescued or scheduled jobs.
IDLE_WAKE_S = 2.0


class _Stopping(Exception):
    """Raised inside a job when the worker must give it back at once."""


class _Lost(Exception):
    """Raised when the job was rescued from this worker and is someone else's now."""


class Worker:
    """One worker process's state: its database handle, slots and bell."""

    def __init__(self, settings: Settings, blobs: BlobStore | None = None) -> None:
        self.settings = settings
        self.db = Database(settings.db_path, settings.db_synchronous)
        self.blobs = blobs or open_originals(settings, self.db)
        self.slots = settings.max_concurrent_jobs
        self.pool = concurrent.futures.ThreadPoolExecutor(self.slots, "ilios-job")
        self.running: dict[str, jobs.Job] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()  # stop claiming
        self.abort = threading.Event()  # give running jobs back now
        self.id = ""
        self.bell: doorbell.Bell | None = None
        self.ringer = doorbell.Ringer(settings.run_dir)

    # --- lifecycle ----------------------------------------------------------

    def run(self) -> int:
        self.db.setup()
        self.id = jobs.register_worker(self.db, os.getpid(), socket.gethostname())
        self.bell = doorbell.Bell(self.settings.run_dir, "worker")
        heartbeat = threading.Thread(target=self._heartbeat, name="heartbeat", daemon=True)
        heartbeat.start()
        log.info("worker %s (pid %d) ready", self.id, os.getpid())
        try:
            self._loop()
            self._drain()
        finally:
            with self.db.write():
                self.db.execute("set_worker_state", id=self.id, state="dead", now=now_ms())
            self.bell.close()
            self.ringer.ring("server", b"*")
            self.ringer.close()
        log.info("worker %s stopped", self.id)
        return 0

    def handle_signals(self) -> None:
        def on_signal(signum: int, frame: FrameType | None) -> None:
            if self.stop.is_set():
                self.abort.set()
            self.stop.set()
            if self.bell is not None:  # wake the loop
                doorbell.ring(self.settings.run_dir, "worker")

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

    def _loop(self) -> None:
        assert self.bell is not None
        while not self.stop.is_set():
            free = self.slots - len(self.running)
            claimed = jobs.claim(self.db, self.id, free) if free > 0 else []
            for job in claimed:
                with self.lock:
                    self.running[job.document_id] = job
                self.pool.submit(self._run_guarded, job)
            if claimed and len(claimed) == free:
                continue
            wait_s = IDLE_WAKE_S
            pending = jobs.next_run_in_ms(self.db)
            if pending is not None and free > len(claimed):
                wait_s = min(wait_s, pending / 1000)
            self.bell.wait(wait_s)

    def _drain(self) -> None:
        """Let running jobs finish within the grace period, then give them back."""
        deadline = time.monotonic() + self.settings.shutdown_grace_s
        while self.running and time.monotonic() < deadline and not self.abort.is_set():
            assert self.bell is not None
            self.bell.wait(0.1)
        self.abort.set()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _heartbeat(self) -> None:
        db = Database(self.settings.db_path, self.settings.db_synchronous)
        while not self.abort.wait(self.settings.heartbeat_s):
            try:
                with db.write():
                    db.execute("heartbeat_worker", id=self.id, now=now_ms())
            except IliosError:
                log.warning("heartbeat failed; will try again", exc_info=True)

    # --- one job ------------------------------------------------------------

    def _run_guarded(self, first: jobs.Job) -> None:
        """Run a job, then each next job claimed as the previous one completed."""
        job: jobs.Job | None = first
        while job is not None:
            job = self._run_one(job)

    def _run_one(self, job: jobs.Job) -> jobs.Job | None:
        """Run one job; return the next one if it was claimed in the same commit."""
        backoff_ms = int(self.settings.retry_backoff_s * 1000)
        following: jobs.Job | None = None
        try:
            following = self._run(job)
        except _Stopping:
            retry.transient(jobs.release)(self.db, job, self.id)
            log.info("job %s given back on shutdown", job.document_id)
        except _Lost:
            log.warning("job %s was taken from this worker; its result is dropped", job.document_id)
        except IliosError as exc:
            state = retry.transient(jobs.fail)(
                self.db,
                job,
                self.id,
                exc.reason,
                exc.message,
                exc.retryable,
                backoff_base_ms=backoff_ms,
            )
            log.info("job %s %s: %s %s", job.document_id, state, exc.reason, exc.message)
        except Exception as exc:  # a bug or an unexpected library error: retry
            log.exception("job %s crashed", job.document_id)
            message = f"Unexpected error: {type(exc).__name__}: {exc}"
            retry.transient(jobs.fail)(
                self.db, job, self.id, "INTERNAL", message, True, backoff_base_ms=backoff_ms
            )
        finally:
            with self.lock:
                self.running.pop(job.document_id, None)
                if following is not None:
                    self.running[following.document_id] = following
            self._announce(job)
            if following is None and self.bell is not None:
                self.bell.wake()  # a slot is free: the claim loop may take another job
        return following

    def _announce(self, job: jobs.Job) -> None:
        """Wake the server's ``Convert`` stream of this job's document (only
        streamed jobs have one watching)."""
        if job.streamed:
            self.ringer.ring("server", job.document_id.encode())

    def _run(self, job: jobs.Job) -> jobs.Job | None:
        doc = self.db.one("get_document", id=job.document_id)
        if doc is None:  # cannot happen: documents are never deleted
            raise IliosError("The job's document is missing.", document_id=job.document_id)
        engine = registry.engine(doc["engine"], self.settings)
        started = time.monotonic()
        count = 0
        usage = Usage()
        last: Page | None = None  # stored with the result, in its commit
        with retry.transient(self.blobs.local_path)(doc["blob_key"]) as path:
            pages = engine.pages(path, doc["mime_type"], usage)
            try:
                for page in pages:
                    if self.abort.is_set():
                        raise _Stopping
                    count = page.number
                    if last is not None:  # the engine was wrong: more pages came
                        self._commit_page(job, last)
                        last = None
                    if page.last:
                        last = page
                        continue
                    self._commit_page(job, page)
                    self._announce(job)
            finally:
                # An engine's clean-up (e.g. deleting an uploaded copy) runs even
                # when the job stops half-way.
                close = getattr(pages, "close", None)
                if close is not None:
                    close()
        elapsed_ms = int((time.monotonic() - started) * 1000)
        return self._complete(job, doc, engine, count, usage, elapsed_ms, last)

    @retry.transient
    def _commit_page(self, job: jobs.Job, page: Page) -> None:
        """Store one page, if this worker still owns the job."""
        with self.db.write():
            self._put_page(job, page)
            self.db.execute("set_page_count", id=job.document_id, page_count=page.number)

    def _put_page(self, job: jobs.Job, page: Page) -> None:
        """Write one page (inside a transaction); raise _Lost unless this worker owns the job."""
        self.db.execute(
            "put_page",
            worker_id=self.id,
            document_id=job.document_id,
            number=page.number,
            markdown=page.markdown,
        )
        if not jobs.owns(self.db):
            raise _Lost

    @retry.transient
    def _complete(
        self,
        job: jobs.Job,
        doc: Row,
        engine: Engine,
        count: int,
        usage: Usage,
        elapsed_ms: int,
        last: Page | None,
    ) -> jobs.Job | None:
        """Record the result (with the ``last`` page, if held back), the document's
        state and its usage in one transaction, and claim the worker's next job
        in it; return that job, if any."""
        billed = usage.pages or count
        cost = self.settings.prices.cost(engine.name, billed)
        now = now_ms()
        with self.db.write():
            if last is not None:
                self._put_page(job, last)
            self.db.execute("complete_job", document_id=job.document_id, worker_id=self.id, now=now)
            if not jobs.owns(self.db):
                raise _Lost
            self.db.execute("trim_pages", document_id=doc["id"], page_count=count)
            self.db.execute(
                "complete_document",
                id=doc["id"],
                page_count=count,
                model=usage.model or engine.model,
                processing_ms=elapsed_ms,
                now=now,
            )
            self.db.execute(
                "put_usage",
                id=new_id("use"),
                document_id=doc["id"],
                api_key_id=doc["api_key_id"],
                engine=engine.name,
                pages=billed,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                base_cost_micros=cost.base_micros,
                margin_rate_bp=cost.margin_bp,
                total_cost_micros=cost.total_micros,
                now=now,
            )
            if self.stop.is_set():
                return None
            # Take the next job in this same commit (one fsync instead of two).
            following = jobs.take(self.db, self.id, 1)
        return following[0] if following else None


def main(settings: Settings) -> int:
    worker = Worker(settings)
    worker.handle_signals()
    return worker.run()
