"""A worker process: claims jobs, converts documents, commits pages.

The loop claims a job for each free slot (``MAX_CONCURRENT_JOBS``) and runs
it on that slot's thread; it sleeps on its doorbell when the queue is empty,
so a newly queued job starts at once. A slot stores its results and claims
its next jobs in one transaction. While jobs are quick, a slot claims
several at once and stores their results together (group commit: one fsync
for the lot, held at most ``GROUP_WINDOW_S``); when a job turns out slow,
the shedder thread commits what its slot holds and gives back the jobs
behind it, and the slot goes on one job at a time. Pages before a document's
last are committed one by one and announced to the servers' doorbells, which
stream them to ``Convert`` callers. A heartbeat thread proves the worker
alive; a worker that stops heartbeating has its jobs rescued by the server
(a kill loses at most the uncommitted results of one batch, which run again:
execution is at-least-once, results exactly-once).

SIGTERM/SIGINT: stop claiming, let running jobs finish within
``SHUTDOWN_GRACE_S``, give unfinished ones back to the queue, exit 0. A second
signal gives every running job back at once and exits.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import logging
import os
import signal
import threading
import time
from types import FrameType

from ilios import node, retry, wakeups
from ilios.config import Settings
from ilios.errors import IliosError, TransientError
from ilios.storage import BlobStore, InlineStore, open_originals
from ilios.store import Charge, Completion, Job, open_store
from ilios.store import Page as StoredPage
from ilios.worker.engines import registry
from ilios.worker.engines.base import Engine, Page, Usage

log = logging.getLogger("ilios.worker")

# Wake at least this often with nothing to do, to notice rescued or scheduled jobs.
IDLE_WAKE_S = 2.0
# Group commit: a slot's results wait at most this long to share one commit,
# and a slot claims at most GROUP_MAX jobs at once (see batch_size).
GROUP_WINDOW_S = 0.02
GROUP_MAX = 16


class _Stopping(Exception):
    """Raised inside a job when the worker must give it back at once."""


class _Lost(Exception):
    """Raised when the job was rescued from this worker and is someone else's now."""


@dataclasses.dataclass(eq=False, slots=True)
class _Batch:
    """A slot's batch: jobs claimed and not started, results not yet committed,
    and since when its current job runs (0: none). The slot's thread and the
    shedder change it under its lock."""

    waiting: collections.deque[Job]
    done: list[Completion]
    since: float = 0.0
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


class Worker:
    """One worker process's state: its store, slots and bell."""

    def __init__(self, settings: Settings, blobs: BlobStore | None = None) -> None:
        self.settings = settings
        self.store = open_store(settings)
        self.blobs = blobs or open_originals(settings, self.store)
        self.slots = settings.max_concurrent_jobs
        self.pool = concurrent.futures.ThreadPoolExecutor(self.slots, "ilios-job")
        self.busy = 0  # slots holding claimed jobs (running a batch)
        self.batches: set[_Batch] = set()  # the slots' batches, for the shedder
        self.shed = threading.Event()  # wakes the shedder
        self.engines = registry.Engines(settings)
        self.lock = threading.Lock()
        self.stop = threading.Event()  # stop claiming
        self.abort = threading.Event()  # give running jobs back now
        self.failed = False  # a slot could not commit: exit 1 (the supervisor restarts)
        self.id = ""
        self.bell: wakeups.Bell | None = None
        self.ringer = wakeups.ringer(settings, self.store)

    # --- lifecycle ----------------------------------------------------------

    def run(self) -> int:
        self.id = self.store.workers.register(os.getpid(), node.host_id())
        self.bell = wakeups.bell(self.settings, "worker")
        heartbeat = threading.Thread(target=self._heartbeat, name="heartbeat", daemon=True)
        heartbeat.start()
        threading.Thread(target=self._shedder, name="shedder", daemon=True).start()
        log.info("worker %s (pid %d) ready", self.id, os.getpid())
        try:
            self._loop()
            self._drain()
        finally:
            self.store.workers.mark_dead(self.id)
            self.bell.close()
            self.ringer.ring("server", b"*")
            self.ringer.close()
            if isinstance(self.blobs, InlineStore):
                self.blobs.close()
        log.info("worker %s stopped", self.id)
        return 1 if self.failed else 0

    def handle_signals(self) -> None:
        def on_signal(signum: int, frame: FrameType | None) -> None:
            if self.stop.is_set():
                self.abort.set()
            self.stop.set()
            if self.bell is not None:  # wake the loop
                self.bell.wake()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

    def _loop(self) -> None:
        assert self.bell is not None
        while not self.stop.is_set():
            with self.lock:
                free = self.slots - self.busy
            try:
                self.bell.wait(self._claim(free))
            except TransientError as exc:  # busy, or unreachable (restarting): try again later
                log.warning("cannot claim (%s); trying again in %.0f s", exc.reason, IDLE_WAKE_S)
                self.bell.wait(IDLE_WAKE_S)

    def _claim(self, free: int) -> float:
        """Start a slot for each job claimed for the ``free`` slots; return how
        long to sleep on the bell (0: every slot was filled, claim again)."""
        claimed = self.store.jobs.claim(self.id, free) if free > 0 else []
        for job in claimed:
            with self.lock:
                self.busy += 1
            self.pool.submit(self._run_slot, job)
        if claimed and len(claimed) == free:
            return 0.0
        pending = self.store.jobs.next_run_in_ms()
        if pending is not None and free > len(claimed):
            return min(IDLE_WAKE_S, pending / 1000)
        return IDLE_WAKE_S

    def _drain(self) -> None:
        """Let running jobs finish within the grace period, then give them back."""
        deadline = time.monotonic() + self.settings.shutdown_grace_s
        while self.busy and time.monotonic() < deadline and not self.abort.is_set():
            assert self.bell is not None
            self.bell.wait(0.1)
        self.abort.set()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _heartbeat(self) -> None:
        while not self.abort.wait(self.settings.heartbeat_s):
            try:
                self.store.workers.heartbeat(self.id)
            except IliosError:
                log.warning("heartbeat failed; will try again", exc_info=True)

    # --- a slot: batches of jobs, one commit per batch --------------------------

    def _run_slot(self, first: Job) -> None:
        """Run jobs on one slot: ``first``, then each batch claimed in the commit
        that stored the previous one's results, until the queue is empty."""
        batch = [first]
        try:
            while batch:
                batch = self._run_batch(batch)
        except Exception:
            # Results or jobs this slot holds could not be committed or given back
            # even after retries (the database stayed locked or failed). Stop the
            # worker: its supervisor then puts its jobs back at once.
            log.exception("a slot could not commit; the worker stops so its jobs are rescued")
            self.failed = True
            self.stop.set()
            self.abort.set()
            if self.bell is not None:
                self.bell.wake()
        finally:
            with self.lock:
                self.busy -= 1
            if self.bell is not None:
                self.bell.wake()  # a slot is free: the claim loop may take another job

    def _run_batch(self, batch: list[Job]) -> list[Job]:
        """Run ``batch`` in order and commit the results together; return the next batch.

        Results wait for their commit at most ``GROUP_WINDOW_S`` (a streamed
        job's not at all), so a batch of quick jobs costs one commit, one
        fsync, instead of one each. When a job runs longer than that, the
        shedder commits the results held and gives back the jobs behind it.
        A stopping worker still runs the jobs it claimed (they are quick, or the
        shedder gave them back) but claims no more; jobs not started when it
        aborts (grace over, or a second signal) go back in the last commit.
        """
        slot = _Batch(collections.deque(batch), [])
        with self.lock:
            self.batches.add(slot)
        try:
            window = time.monotonic()
            busy_s = 0.0
            for_pace = 0
            while True:
                with slot.lock:
                    if not slot.waiting or self.abort.is_set():
                        break
                    job = slot.waiting.popleft()
                    slot.since = started = time.monotonic()
                    if slot.done or slot.waiting:
                        self.shed.set()  # the shedder watches this job
                result = self._attempt(job)
                with slot.lock:
                    slot.since = 0.0
                    busy_s += time.monotonic() - started
                    for_pace += 1
                    if result is not None:
                        slot.done.append(result)
                    if self.abort.is_set():
                        break
                    late = time.monotonic() - window >= GROUP_WINDOW_S
                    if slot.done and slot.waiting and (job.streamed or late):
                        self._commit(slot.done, [], 0)
                        slot.done, window = [], time.monotonic()
            take = 0 if self.stop.is_set() else batch_size(busy_s, for_pace)
            with slot.lock:
                return self._commit(slot.done, list(slot.waiting), take)
        finally:
            with self.lock:
                self.batches.discard(slot)

    def _shedder(self) -> None:
        """Thread: when a slot's job has run for ``GROUP_WINDOW_S`` while the
        slot holds results or jobs behind it, commit those results and give the
        jobs back to the queue (any worker may take them) instead of keeping
        both waiting for the slow job."""
        while not self.abort.is_set():
            if not self.shed.wait(IDLE_WAKE_S):
                continue
            self.shed.clear()
            self.abort.wait(GROUP_WINDOW_S)
            with self.lock:
                batches = list(self.batches)
            holding = False
            for slot in batches:
                with slot.lock:
                    if not slot.since or not (slot.done or slot.waiting):
                        continue
                    if time.monotonic() - slot.since < GROUP_WINDOW_S:
                        holding = True  # look again after another window
                        continue
                    try:
                        self._commit(slot.done, list(slot.waiting), 0)
                    except IliosError:
                        log.warning("could not shed a slow job's batch; will try again")
                        holding = True
                        continue
                    slot.done, slot.waiting = [], collections.deque()
            if holding:
                self.shed.set()

    def _attempt(self, job: Job) -> Completion | None:
        """Run one job to its result (None: it failed, was given back or lost,
        and that is recorded already)."""
        try:
            return self._run(job)
        except _Stopping:
            self._commit([], [job], 0)
            log.info("job %s given back on shutdown", job.document_id)
            return None
        except _Lost:
            self._announce([job])
            _log_dropped(job)
            return None
        except IliosError as exc:
            reason, message, retryable = exc.reason, exc.message, exc.retryable
        except Exception as exc:  # a bug or an unexpected library error: retry
            log.exception("job %s crashed", job.document_id)
            reason, message = "INTERNAL", f"Unexpected error: {type(exc).__name__}: {exc}"
            retryable = True
        backoff_ms = int(self.settings.retry_backoff_s * 1000)
        state = retry.transient(self.store.jobs.fail)(
            job, self.id, reason, message, retryable=retryable, backoff_base_ms=backoff_ms
        )
        self._announce([job])
        log.info("job %s %s: %s %s", job.document_id, state, reason, message)
        return None

    def _announce(self, finished: list[Job]) -> None:
        """Wake the server's ``Convert`` streams of these jobs' documents (only
        streamed jobs have one watching)."""
        for job in finished:
            if job.streamed:
                self.ringer.ring("server", job.document_id.encode())

    def _run(self, job: Job) -> Completion:
        doc = self.store.documents.get(job.document_id)
        if doc is None:  # cannot happen: documents are never deleted
            raise IliosError("The job's document is missing.", document_id=job.document_id)
        engine = self.engines.get(doc.engine)
        started = time.monotonic()
        count = 0
        usage = Usage()
        last: Page | None = None  # stored with the result, in its commit
        with retry.transient(self.blobs.local_path)(doc.blob_key) as path:
            named = [code for code in doc.languages.split(",") if code]
            languages = named or list(self.settings.ocr_languages)
            pages = engine.pages(path, doc.mime_type, usage, languages=languages)
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
                    self._announce([job])
            finally:
                # An engine's clean-up (e.g. deleting an uploaded copy) runs even
                # when the job stops half-way.
                close = getattr(pages, "close", None)
                if close is not None:
                    close()
        elapsed_ms = int((time.monotonic() - started) * 1000)
        return Completion(
            job,
            api_key_id=doc.api_key_id,
            engine=engine.name,
            model=usage.model or engine.model,
            page_count=count,
            processing_ms=elapsed_ms,
            charge=self._charge(engine, usage, count),
            last_page=None if last is None else StoredPage(last.number, last.markdown),
        )

    def _charge(self, engine: Engine, usage: Usage, count: int) -> Charge:
        """What a conversion of ``count`` pages costs (the engine's own page count
        wins, e.g. Mistral's ``usage_info``)."""
        billed = usage.pages or count
        cost = self.settings.prices.cost(engine.name, billed)
        return Charge(
            pages=billed,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            base_cost_micros=cost.base_micros,
            margin_rate_bp=cost.margin_bp,
            total_cost_micros=cost.total_micros,
        )

    @retry.transient
    def _commit_page(self, job: Job, page: Page) -> None:
        """Store one page, if this worker still owns the job (else raise ``_Lost``)."""
        if not self.store.jobs.put_page(self.id, job.document_id, page.number, page.markdown):
            raise _Lost

    @retry.transient
    def _commit(self, done: list[Completion], given_back: list[Job], take: int) -> list[Job]:
        """One transaction (``Jobs.finish``): store the ``done`` results, give
        ``given_back`` back to the queue, and claim up to ``take`` next jobs;
        return those."""
        if not (done or given_back or take):
            return []
        stored, following = self.store.jobs.finish(self.id, done, given_back, take)
        for result in done:
            if result.job.document_id not in stored:
                _log_dropped(result.job)
        self._announce([r.job for r in done] + given_back)
        return following


def _log_dropped(job: Job) -> None:
    """Say that a job rescued from this worker (someone else's now) lost its result here."""
    log.warning("job %s was taken from this worker; its result is dropped", job.document_id)


def batch_size(busy_s: float, jobs_run: int) -> int:
    """How many jobs a slot claims next: as many as fit in half of
    ``GROUP_WINDOW_S`` at the pace of its last batch, from 1 to ``GROUP_MAX``.
    Slow jobs (a real document takes tens of milliseconds or more) go one at a
    time; a run of tiny ones shares commits."""
    if jobs_run == 0 or busy_s <= 0:
        return 1
    fits = int(GROUP_WINDOW_S / 2 / (busy_s / jobs_run))
    return max(1, min(GROUP_MAX, fits))


def main(settings: Settings) -> int:
    worker = Worker(settings)
    worker.handle_signals()
    return worker.run()
