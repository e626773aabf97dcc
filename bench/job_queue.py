"""Benchmark the Ilios job queue (SQLite through APSW, WAL) against huey's SqliteHuey.

Usage (from the repository root, after ``pip install -r requirements-bench.txt``)::

    .venv/bin/python bench/job_queue.py            # full run, about 5-6 minutes
    .venv/bin/python bench/job_queue.py --quick    # smoke run, under a minute
    .venv/bin/python bench/job_queue.py --backend postgres   # vs procrastinate (queue_postgres.py)

Everything runs on this machine, in temporary directories under /tmp, on 127.0.0.1:

1. Claim path, in one process, no documents' content: N jobs are inserted
   (untimed), then one consumer drains them the way a worker's slot does: the
   queue's own steps inside ``Jobs.finish`` (``ilios.store.jobs``): complete
   its jobs (``complete``) and claim the next ones (``claim_next``) in one
   ``BEGIN IMMEDIATE`` transaction, ``GROUP_MAX`` (16) at a time as for quick
   jobs (the verdict), and 1 at a time as for slow ones. Also the two-commit
   shape: claim one job (``Jobs.claim``), then complete it in a second
   transaction; and the whole ``Jobs.finish`` as the worker calls it, which
   also stores each job's result (its last page, the document's state, its
   usage). Reference: huey's SqliteHuey in the same process
   (``huey.dequeue()`` + ``huey.execute(task)``, results stored), with
   ``PRAGMA synchronous`` set to the same mode on its connections.
   1b: microseconds per statement of the two-commit shape.
2. Enqueue: N jobs, 500 per transaction: the queue's ``enqueue`` alone (for
   documents stored before, untimed) and ``Documents.create`` (documents +
   jobs, as BatchSubmit), vs huey enqueueing N tasks one at a time (its
   normal API: one commit each).
3. End to end: the real service (``ilios serve``, ``OCR_ENGINE=scripted``)
   takes 2,000 tiny documents through gRPC ``BatchSubmit`` (4 batches); timed
   from the first submit until every document is completed (the database is
   polled every 50 ms). Also the intake alone (no workers) and the workers
   alone (on a copy of the queue the intake filled). Reference: a real huey
   consumer (process workers, in a child process) running 2,000 no-op tasks
   enqueued by this process, timed from the first enqueue until every result
   is stored. Ours and huey run in pairs (3 in a full run); the verdict is the
   median of the pairs' ratios. 3b: what the service's non-SQL steps cost per
   document.

A "what-if" line measures a change that is not in src/, to size it. The huey
side lives in ``bench/queue_huey.py``, the measuring helpers in
``bench/queue_measure.py``.

It prints figures and informational PASS/MISS marks; it asserts nothing about
time and exits 0 unless something errors. Rates are per second of wall time.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import dataclasses
import functools
import importlib
import os
import pathlib
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import apsw
import huey as huey_pkg
from queue_huey import (
    e2e_huey,
    empty_huey,
    filled_huey,
    huey_enqueue_steps,
    huey_steps,
    run_huey_consumer,
)
from queue_measure import (
    READY_TIMEOUT_S,
    SETTLE_S,
    TMP_ROOT,
    Rate,
    check,
    combined_steps,
    interleave,
    machine_load,
    poll_count,
    wait_until,
)

from ilios import doorbell
from ilios.storage import LocalBlobStore
from ilios.store import (
    Charge,
    Completion,
    NewDocument,
    Page,
    SQLite,
    Store,
    StoredFile,
    new_id,
    new_ids,
    now_ms,
)
from ilios.store.documents import insert
from ilios.store.jobs import complete, enqueue
from ilios.v1 import conversion_service_pb2 as pb
from ilios.worker.engines.scripted import script_document
from ilios.worker.worker import GROUP_MAX

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODES = ("normal", "full")  # PRAGMA synchronous; the service's default is full

CLAIM_JOBS = 5_000  # jobs drained per claim-path run
QUICK_CLAIM_JOBS = 500
BREAKDOWN_JOBS = 1_000  # jobs drained by the per-statement breakdown
QUICK_BREAKDOWN_JOBS = 200
ENQUEUE_DOCS = 20_000  # jobs per enqueue run: 40 transactions of ours, enough to average out
QUICK_ENQUEUE_DOCS = 500
ENQUEUE_BATCH = 500  # documents per transaction
SLICE_JOBS = 100  # contenders take turns draining this many jobs (sections 1 and 2)
PROBES = 200  # repeats of each per-document cost probe (section 3b)
QUICK_PROBES = 48
PARALLEL_BLOBS = 8  # blobs stored at once by the what-if parallel intake probe

E2E_DOCS = 2_000  # documents (or huey tasks) per end-to-end run
QUICK_E2E_DOCS = 200
E2E_BATCHES = 4  # BatchSubmit calls per end-to-end run
E2E_RUNS = tuple((w, m) for m in ("full", "normal") for w in (1, 2, 4))  # (workers, synchronous)
QUICK_E2E_RUNS = ((1, "full"), (2, "full"))
# Each end-to-end configuration runs ours, then huey, this many times; the
# verdict is the median of the paired ratios (fsync latency on a VM swings
# from run to run, and one pair of runs can land on either side of 1).
E2E_PAIRS = 3
QUICK_E2E_PAIRS = 1
E2E_CAP_S = 300.0  # a run stops after this long even if work remains
QUICK_E2E_CAP_S = 60.0
WARMUP_SHARE = 0.1  # "workers alone" ignores the first tenth of the documents
SUBMIT_TIMEOUT_S = 120.0

TARGET_CLAIM_NORMAL = 3.0  # ours/huey jobs/s, claim path, synchronous=normal
TARGET_CLAIM_FULL = 1.4  # ours/huey jobs/s, claim path, synchronous=full
TARGET_ENQUEUE = 50.0  # ours (batched) / huey (one by one) enqueues/s
TARGET_E2E_2 = 1.0  # ours/huey jobs/s end to end at 2 workers (either synchronous mode)


@dataclasses.dataclass(frozen=True)
class Plan:
    """Sizes of one run (full or quick): counts, (workers, mode) pairs, seconds."""

    claim_jobs: int
    breakdown_jobs: int
    enqueue_docs: int
    e2e_docs: int
    e2e_runs: tuple[tuple[int, str], ...]
    e2e_pairs: int
    e2e_cap_s: float
    probes: int


FULL_PLAN = Plan(
    CLAIM_JOBS, BREAKDOWN_JOBS, ENQUEUE_DOCS, E2E_DOCS, E2E_RUNS, E2E_PAIRS, E2E_CAP_S, PROBES
)
QUICK_PLAN = Plan(
    QUICK_CLAIM_JOBS,
    QUICK_BREAKDOWN_JOBS,
    QUICK_ENQUEUE_DOCS,
    QUICK_E2E_DOCS,
    QUICK_E2E_RUNS,
    QUICK_E2E_PAIRS,
    QUICK_E2E_CAP_S,
    QUICK_PROBES,
)


@dataclasses.dataclass(frozen=True)
class Verdict:
    """One line of the final table: ours/huey ``ratio`` against ``target`` (None: none)."""

    label: str
    ratio: float
    target: float | None = None

    def __str__(self) -> str:
        if self.target is None:
            return f"  {self.label:<46} {self.ratio:7.2f}x  (no target)"
        mark = "PASS" if self.ratio >= self.target else "MISS"
        return f"  {self.label:<46} {self.ratio:7.2f}x  (target >= {self.target:g}x)  {mark}"


# --- our queue, in process ------------------------------------------------------


@contextlib.contextmanager
def fresh_database(mode: str) -> Iterator[Store]:
    """An empty, migrated Ilios store under /tmp with ``synchronous=mode``."""
    with tempfile.TemporaryDirectory(prefix="ilios-qbench-", dir=TMP_ROOT) as tmp:
        store = Store(SQLite(pathlib.Path(tmp) / "ilios.db", mode))
        store.migrate()
        try:
            yield store
        finally:
            store.close()


def stored_documents(count: int) -> list[NewDocument]:
    """``count`` new document ids, each with a (pretend) stored one-byte PDF."""
    return [
        NewDocument(
            doc_id, StoredFile(f"originals/{doc_id}", "bench.pdf", "application/pdf", 1, "-")
        )
        for doc_id in new_ids("doc", count)
    ]


def intake_create(store: Store, files: list[NewDocument]) -> None:
    """Create ``files`` as documents with their jobs, as BatchSubmit does (src)."""
    store.documents.create(
        files, engine="scripted", retention_days=30, api_key_id="", max_attempts=3, priority=5
    )


def fill_queue(store: Store, count: int) -> None:
    """Insert ``count`` documents with one pending job each, ``ENQUEUE_BATCH`` per transaction."""
    for start in range(0, count, ENQUEUE_BATCH):
        intake_create(store, stored_documents(min(ENQUEUE_BATCH, count - start)))


def insert_bare_documents(store: Store, count: int) -> list[str]:
    """Insert ``count`` documents without jobs (untimed); return their ids."""
    files = stored_documents(count)
    with store.connector.write():
        insert(
            store.connector,
            files,
            batch_id=None,
            retention_days=30,
            engine="scripted",
            api_key_id="",
            now=now_ms(),
        )
    return [new.id for new in files]


@contextlib.contextmanager
def filled_queue(mode: str, count: int) -> Iterator[tuple[Store, str]]:
    """A fresh queue holding ``count`` pending jobs, and a registered worker id."""
    with fresh_database(mode) as store:
        fill_queue(store, count)
        yield store, store.workers.register(os.getpid(), "bench")


def count_jobs(store: Store, state: str) -> int:
    """How many jobs are in ``state``."""
    sql = "SELECT count(*) AS n FROM jobs WHERE state = :state"
    return int(next(store.connector.conn.execute(sql, {"state": state}))["n"])  # type: ignore[attr-defined]


def separate_steps(store: Store, worker: str) -> Iterator[int]:
    """Claim one job (``Jobs.claim``), then complete it in a second transaction
    (2 commits); yield 1 per job."""
    db = store.connector
    while claimed := store.jobs.claim(worker, 1):
        with db.write():
            complete(db, worker, [claimed[0].document_id])
        yield 1


def finish_steps(store: Store, worker: str, size: int) -> Iterator[int]:
    """A worker slot's whole commit (``Jobs.finish``, src): store each job's result
    (a one-page document: its page held back, its state, its usage), complete
    the jobs and claim the next ``size``, in one transaction. Yields per batch."""
    batch = store.jobs.claim(worker, size)
    while batch:
        done = [
            Completion(job, "", "scripted", "scripted", 1, 0, Charge(1), Page(1, "ok"))
            for job in batch
        ]
        following = store.jobs.finish(worker, done, take_next=size).claimed
        yield len(batch)
        batch = following


def enqueue_steps(store: Store, document_ids: list[str]) -> Iterator[int]:
    """Queue a job for each document, ``ENQUEUE_BATCH`` per transaction (the
    queue's ``enqueue``, src); yield per transaction."""
    db = store.connector
    for start in range(0, len(document_ids), ENQUEUE_BATCH):
        batch = document_ids[start : start + ENQUEUE_BATCH]
        with db.write():
            enqueue(db, batch, priority=5, max_attempts=3, now=now_ms())
        yield len(batch)


def intake_steps(store: Store, count: int) -> Iterator[int]:
    """Create ``count`` documents + jobs, ``ENQUEUE_BATCH`` per ``Documents.create`` (src)."""
    for start in range(0, count, ENQUEUE_BATCH):
        files = stored_documents(min(ENQUEUE_BATCH, count - start))
        intake_create(store, files)
        yield len(files)


def breakdown(mode: str, count: int, claim_query: str) -> dict[str, float]:
    """Microseconds per job in each statement of the two-transaction claim path.

    Runs by hand, through the store's connector, what ``Jobs.claim`` and the
    completion run, with the named query ``claim_query`` as the claim. The gap
    between "sum" and section 1's time per job is what the real loop adds
    (row dicts, sorting, ``Job`` objects, context managers).
    """
    labels = ("BEGIN IMMEDIATE (claim)", "claim_jobs", "start_document", "COMMIT (claim)")
    labels += ("BEGIN IMMEDIATE (complete)", "complete_jobs", "COMMIT (complete)")
    spent = dict.fromkeys(labels, 0.0)
    with fresh_database(mode) as store:
        fill_queue(store, count)
        worker = store.workers.register(os.getpid(), "bench")
        db = store.connector

        def timed(label: str, step: Callable[[], Any]) -> Any:
            start = time.perf_counter()
            out = step()
            spent[label] += time.perf_counter() - start
            return out

        done = 0
        while True:
            claiming = db.write()
            timed("BEGIN IMMEDIATE (claim)", claiming.__enter__)
            rows = timed(
                "claim_jobs",
                lambda: db.execute(claim_query, worker_id=worker, now=now_ms(), limit=1),
            )
            if not rows:
                claiming.__exit__(None, None, None)
                break
            doc_id = rows[0]["document_id"]
            timed("start_document", lambda: db.run("start_document", id=doc_id))  # noqa: B023
            timed("COMMIT (claim)", lambda: claiming.__exit__(None, None, None))  # noqa: B023
            completing = db.write()
            timed("BEGIN IMMEDIATE (complete)", completing.__enter__)
            timed(
                "complete_jobs",
                lambda: db.execute(
                    "complete_jobs",
                    document_ids=db.ids([doc_id]),  # noqa: B023
                    worker_id=worker,
                    now=now_ms(),
                ),
            )
            timed("COMMIT (complete)", lambda: completing.__exit__(None, None, None))  # noqa: B023
            done += 1
        check(done == count, f"breakdown drained {done} of {count}")
    out = {label: seconds / count * 1e6 for label, seconds in spent.items()}
    out["sum"] = sum(out.values())
    return out


def probe_us(
    probes: int, action: Callable[[], object], after: Callable[[], object] | None = None
) -> float:
    """Median microseconds of ``action()`` over ``probes`` calls (``after()`` untimed)."""
    times = []
    for _ in range(probes):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
        if after is not None:
            after()
    return statistics.median(times) * 1e6


def service_costs(probes: int, workers: int) -> dict[str, float]:
    """Median microseconds of the non-SQL steps the service takes per document.

    Per document: BatchSubmit stores its blob (written and fsynced) and makes
    an id; the worker rings the server bell twice (page, end) and every
    worker's bell once (a slot is free), and ``put_usage`` makes an id.
    """
    with tempfile.TemporaryDirectory(prefix="ilios-qbench-", dir=TMP_ROOT) as tmp:
        run_dir = pathlib.Path(tmp) / "run"
        bells = [doorbell.Bell(run_dir, "worker") for _ in range(workers)]
        bells.append(doorbell.Bell(run_dir, "server"))
        store = LocalBlobStore(pathlib.Path(tmp) / "blobs")
        content = script_document(i=0)

        def drain_bells() -> None:
            for bell in bells:
                bell.drain()

        def store_blob() -> None:
            writer = store.writer(f"originals/{new_id('doc')}", 1 << 20)
            writer.write(content)
            writer.commit()

        costs = {
            "new_id": probe_us(probes, lambda: new_id("doc")),
            "new_ids, per id of 500": probe_us(probes, lambda: new_ids("doc", 500)) / 500,
            "doorbell.ring server (1 bell)": probe_us(
                probes, lambda: doorbell.ring(run_dir, "server", b"doc_" + b"x" * 26), drain_bells
            ),
            f"doorbell.ring worker ({workers} bells)": probe_us(
                probes, lambda: doorbell.ring(run_dir, "worker"), drain_bells
            ),
            "blob write + fsync (BlobWriter.commit)": probe_us(probes, store_blob),
        }
        with concurrent.futures.ThreadPoolExecutor(PARALLEL_BLOBS) as pool:

            def store_many() -> None:
                list(pool.map(lambda _: store_blob(), range(PARALLEL_BLOBS)))

            label = f"what-if: {PARALLEL_BLOBS} blobs at once, per blob"
            costs[label] = probe_us(probes // PARALLEL_BLOBS, store_many) / PARALLEL_BLOBS
        for bell in bells:
            bell.close()
    return costs


# --- huey -------------------------------------------------------------------------


# --- end to end -------------------------------------------------------------------


def batch_requests(docs: int) -> list[pb.BatchSubmitRequest]:
    """``docs`` scripted documents split into ``E2E_BATCHES`` BatchSubmit requests."""
    files = [
        pb.FileSource(content=script_document(i=i), file_name=f"bench-{i}.pdf") for i in range(docs)
    ]
    size = -(-docs // E2E_BATCHES)
    return [pb.BatchSubmitRequest(files=files[i : i + size]) for i in range(0, docs, size)]


@contextlib.contextmanager
def running_service(
    harness: ModuleType, data_dir: pathlib.Path, workers: int, mode: str
) -> Iterator[Any]:
    """``ilios serve`` (scripted engine) on ``data_dir``, its ``workers`` registered."""
    service = harness.Service(
        data_dir,
        OCR_ENGINE="scripted",
        WORKER_COUNT=str(workers),
        GATEWAY_WORKERS="1",
        DB_SYNCHRONOUS=mode,
    )
    service.start()
    try:

        def active() -> bool:
            sql = "SELECT count(*) AS n FROM workers WHERE state = 'active'"
            return int(service.rows(sql)[0]["n"]) >= workers

        wait_until(active, READY_TIMEOUT_S, f"{workers} workers")
        yield service
    finally:
        service.stop()


def count_documents(service: Any, state: str) -> int:
    """How many of the service's documents are in ``state``."""
    sql = "SELECT count(*) AS n FROM documents WHERE state = :state"
    return int(service.rows(sql, state=state)[0]["n"])


def submit_all(service: Any, requests: list[pb.BatchSubmitRequest]) -> None:
    """Send every BatchSubmit request, one after the other."""
    stub = service.conversion
    for request in requests:
        stub.BatchSubmit(request, timeout=SUBMIT_TIMEOUT_S)


def e2e_ours(
    harness: ModuleType, workers: int, mode: str, docs: int, cap_s: float
) -> tuple[Rate, float]:
    """The real service: first BatchSubmit until every document is completed.

    Returns the rate and the seconds the BatchSubmit calls took.
    """
    requests = batch_requests(docs)
    with (
        tempfile.TemporaryDirectory(prefix="ilios-qbench-", dir=TMP_ROOT) as tmp,
        running_service(harness, pathlib.Path(tmp) / "data", workers, mode) as service,
    ):
        time.sleep(SETTLE_S)
        start = time.perf_counter()
        submit_all(service, requests)
        submit_s = time.perf_counter() - start
        rate = poll_count(lambda: count_documents(service, "completed"), docs, start, cap_s)
        check(count_documents(service, "failed") == 0, "some documents failed")
    return rate, submit_s


def intake_only(harness: ModuleType, mode: str, docs: int, data_dir: pathlib.Path) -> Rate:
    """Documents/s of BatchSubmit alone (no workers); leaves the queued data in ``data_dir``."""
    requests = batch_requests(docs)
    with running_service(harness, data_dir, 0, mode) as service:
        start = time.perf_counter()
        submit_all(service, requests)
        elapsed = time.perf_counter() - start
        check(count_documents(service, "pending") == docs, "queued documents missing")
    return Rate(docs, elapsed)


def workers_only(
    harness: ModuleType, template: pathlib.Path, workers: int, mode: str, docs: int, cap_s: float
) -> tuple[Rate, str]:
    """Jobs/s of the workers alone, on a copy of a queue ``intake_only`` filled.

    Timed from the documents' own completion times (milliseconds): from the
    completion of the first ``WARMUP_SHARE`` of them to the last, so the
    service's start-up (its processes compete for the cores) is not counted.
    Also returns how the workers committed, from the same timestamps.
    """
    with tempfile.TemporaryDirectory(prefix="ilios-qbench-", dir=TMP_ROOT) as tmp:
        data_dir = pathlib.Path(tmp) / "data"
        shutil.copytree(template, data_dir, ignore=shutil.ignore_patterns("run"))
        with running_service(harness, data_dir, workers, mode) as service:
            start = time.perf_counter()
            polled = poll_count(lambda: count_documents(service, "completed"), docs, start, cap_s)
            if polled.short:
                return polled, ""
            sql = (
                "SELECT j.worker_id AS worker, j.started_at AS claimed, d.processed_at AS done "
                "FROM jobs j JOIN documents d ON d.id = j.document_id ORDER BY j.started_at"
            )
            rows = service.rows(sql)
    done_ms = sorted(row["done"] for row in rows)
    skip = int(docs * WARMUP_SHARE)
    return Rate(docs - skip, (done_ms[-1] - done_ms[skip - 1]) / 1000), job_timeline(rows)


def job_timeline(rows: list[dict[str, Any]]) -> str:
    """How the workers committed: jobs per completing commit, and the median
    milliseconds from a job's claim to the commit that stored its result.

    ``rows``: each job's worker, claim time and completion time (ms). A
    worker's jobs completed in the same millisecond count as one commit (a
    slot's group commit stamps them alike), so the count is approximate.
    """
    commits = {(row["worker"], row["done"]) for row in rows}
    held = [row["done"] - row["claimed"] for row in rows]
    return (
        f"about {len(rows) / len(commits):.1f} jobs per completing commit; "
        f"{statistics.median(held):.0f} ms from a job's claim to its commit (median)"
    )


def test_harness() -> ModuleType:
    """The integration tests' ``harness`` module (tests/ on sys.path)."""
    sys.path.insert(0, str(ROOT / "tests"))
    return importlib.import_module("harness")


# --- report -----------------------------------------------------------------------


def ratio(ours: Rate, theirs: Rate) -> float:
    """How many times faster ours ran."""
    return ours.per_s / theirs.per_s


def section_claim(plan: Plan, verdicts: list[Verdict]) -> None:
    """Section 1: the claim path in process, ours vs huey, per synchronous mode."""
    n = plan.claim_jobs
    print(
        f"\n1. Claim path: {n:,} jobs, one consumer, in process (jobs/s; the six "
        f"contenders take turns of {SLICE_JOBS} jobs)"
    )
    for mode in MODES:
        with contextlib.ExitStack() as stack:
            ours = [stack.enter_context(filled_queue(mode, n)) for _ in range(4)]
            hueys = [
                stack.enter_context(filled_huey(mode, n, results)) for results in (True, False)
            ]
            steps = {
                f"ours (src): {GROUP_MAX} per commit (quick jobs)": combined_steps(
                    *ours[2], GROUP_MAX
                ),
                "ours (src): 1 per commit (slow jobs)": combined_steps(*ours[1], 1),
                "shape ref: claim, then complete, 2 commits": separate_steps(*ours[0]),
                f"ours (src): Jobs.finish, {GROUP_MAX} with results": finish_steps(
                    *ours[3], GROUP_MAX
                ),
                "huey: dequeue + execute + store result": huey_steps(hueys[0]),
                "huey: results=False (no completion record)": huey_steps(hueys[1]),
            }
            rates = interleave(steps, SLICE_JOBS)
            check(all(count_jobs(db, "completed") == n for db, _ in ours), "jobs left over")
            check(hueys[0].storage.result_store_size() == n, "huey results missing")
        check(all(rate.count == n for rate in rates.values()), "a contender did not finish")
        grouped, single, separate, whole, huey, bare = rates.values()
        print(f"  synchronous={mode}")
        for label, rate in rates.items():
            print(f"    {label:<46} {rate}")
        print(
            f"    ours/huey: {ratio(grouped, huey):.2f}x as in src for quick jobs, "
            f"{ratio(single, huey):.2f}x for slow ones, "
            f"{ratio(separate, huey):.2f}x in the 2-commit shape "
            f"(vs huey results=False: {ratio(grouped, bare):.2f}x / {ratio(single, bare):.2f}x "
            f"/ {ratio(separate, bare):.2f}x)"
        )
        target = TARGET_CLAIM_NORMAL if mode == "normal" else TARGET_CLAIM_FULL
        verdicts.append(
            Verdict(
                f"claim {mode}: as in src ({GROUP_MAX} per commit)", ratio(grouped, huey), target
            )
        )
        verdicts.append(Verdict(f"claim {mode}: 1 per commit", ratio(single, huey)))
        verdicts.append(Verdict(f"claim {mode}: 2-commit shape", ratio(separate, huey)))
        verdicts.append(Verdict(f"claim {mode}: Jobs.finish with results", ratio(whole, huey)))


def section_breakdown(plan: Plan, verdicts: list[Verdict]) -> None:
    """Section 1b: microseconds per job in each statement, IN vs = claim."""
    n = plan.breakdown_jobs
    print(f"\n1b. Claim + complete, per statement ({n:,} jobs; microseconds per job)")
    columns = {
        f"{mode}{suffix}": functools.partial(breakdown, mode, n, query)
        for suffix, query in (("", "claim_jobs"), (", =", "claim_job"))
        for mode in MODES
    }
    tables = {name: run() for name, run in columns.items()}
    print(f"  {'statement':<28}" + "".join(f"{name:>14}" for name in tables))
    for label in next(iter(tables.values())):
        print(f"  {label:<28}" + "".join(f"{t[label]:14.1f}" for t in tables.values()))
    print(
        "  (= : src's claim_job, `WHERE document_id = (subquery)`, which the worker runs for "
        "one job;\n   the others: claim_jobs' `IN (subquery)`, for several)"
    )


def section_enqueue(plan: Plan, verdicts: list[Verdict]) -> None:
    """Section 2: batched enqueue vs huey's one-by-one enqueue, per synchronous mode."""
    n = plan.enqueue_docs
    print(
        f"\n2. Enqueue: {n:,} jobs (enqueues/s; contenders take turns of {ENQUEUE_BATCH}). "
        f"The queue's enqueue\n   queues jobs for documents stored before (untimed); the "
        "intake creates documents and jobs together"
    )
    for mode in MODES:
        with (
            fresh_database(mode) as queue_store,
            fresh_database(mode) as intake_store,
            empty_huey(mode) as (queue, task),
        ):
            steps = {
                f"ours: jobs.enqueue, {ENQUEUE_BATCH} per transaction": enqueue_steps(
                    queue_store, insert_bare_documents(queue_store, n)
                ),
                f"ours: Documents.create, {ENQUEUE_BATCH} documents + jobs": intake_steps(
                    intake_store, n
                ),
                "huey: one by one": huey_enqueue_steps(task, n),
            }
            rates = interleave(steps, ENQUEUE_BATCH)
            check(count_jobs(queue_store, "pending") == n, "jobs lost")
            check(count_jobs(intake_store, "pending") == n, "intake jobs lost")
            check(queue.pending_count() == n, "huey lost enqueued tasks")
        queued, intake, huey = rates.values()
        print(f"  synchronous={mode}")
        for label, rate in rates.items():
            print(f"    {label:<46} {rate}")
        print(
            f"    ours/huey: {ratio(queued, huey):.1f}x the queue's enqueue, "
            f"{ratio(intake, huey):.1f}x the intake (documents + jobs)"
        )
        verdicts.append(
            Verdict(f"enqueue {mode}: jobs.enqueue", ratio(queued, huey), TARGET_ENQUEUE)
        )
        verdicts.append(Verdict(f"enqueue {mode}: Documents.create", ratio(intake, huey)))


def section_e2e(plan: Plan, verdicts: list[Verdict]) -> None:
    """Section 3: the real service vs a real huey consumer, per worker count."""
    n = plan.e2e_docs
    print(
        f"\n3. End to end: {n:,} scripted documents via {E2E_BATCHES} BatchSubmit calls "
        f"vs {n:,} huey tasks (jobs/s; one run each)"
    )
    harness = test_harness()
    templates: dict[str, pathlib.Path] = {}  # synchronous mode -> a filled data dir
    with contextlib.ExitStack() as stack:
        for workers, mode in plan.e2e_runs:
            if mode not in templates:
                tmp = stack.enter_context(
                    tempfile.TemporaryDirectory(prefix="ilios-qbench-", dir=TMP_ROOT)
                )
                templates[mode] = pathlib.Path(tmp) / "data"
                intake = intake_only(harness, mode, n, templates[mode])
                print(f"  {f'ours: intake only (0 workers), {mode}':<48} {intake}")
            e2e_config(harness, plan, workers, mode, templates[mode], verdicts)


def e2e_config(
    harness: ModuleType,
    plan: Plan,
    workers: int,
    mode: str,
    template: pathlib.Path,
    verdicts: list[Verdict],
) -> None:
    """One end-to-end configuration: ours and huey, in ``plan.e2e_pairs`` pairs of
    runs, and our workers alone (once)."""
    n = plan.e2e_docs
    print(f"  {workers} worker(s), synchronous={mode}")
    ratios = []
    for pair in range(1, plan.e2e_pairs + 1):
        ours, submit_s = e2e_ours(harness, workers, mode, n, plan.e2e_cap_s)
        huey, enqueue_s, note = e2e_huey(workers, mode, n, plan.e2e_cap_s)
        ratios.append(ratio(ours, huey))
        label = f"run {pair}, ours: ilios serve, scripted engine"
        print(f"    {label:<46} {ours}  submit {submit_s:.2f} s")
        consumer = f"run {pair}, huey: consumer, {workers} process worker(s)"
        print(f"    {consumer:<46} {huey}  enqueue {enqueue_s:.2f} s")
        if note:
            print(f"      huey: {note}")
    alone, timeline = workers_only(harness, template, workers, mode, n, plan.e2e_cap_s)
    print(f"    {'ours: workers alone, queue filled before':<46} {alone}")
    if timeline:
        print(f"      {timeline}")
    middle = statistics.median(ratios)
    listed = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"    ours/huey: {middle:.2f}x (median of the pairs: {listed})")
    label = f"end to end {mode}: {workers} worker(s)"
    target = TARGET_E2E_2 if workers == 2 else None
    verdicts.append(Verdict(label, middle, target))


def section_costs(plan: Plan, verdicts: list[Verdict]) -> None:
    """Section 3b: the per-document costs outside SQL on the service path."""
    workers = max(w for w, _ in plan.e2e_runs)
    print(f"\n3b. Per-document steps outside SQL (median microseconds of {plan.probes} calls)")
    for label, us in service_costs(plan.probes, workers).items():
        print(f"  {label:<46} {us:10.1f}")


SECTIONS: dict[str, Callable[[Plan, list[Verdict]], None]] = {
    "claim": section_claim,
    "breakdown": section_breakdown,
    "enqueue": section_enqueue,
    "e2e": section_e2e,
    "costs": section_costs,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a small run (under a minute)")
    parser.add_argument(
        "--only",
        choices=sorted(SECTIONS),
        action="append",
        help="run only this section (repeatable); default: all",
    )
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="sqlite: ours vs huey (default); postgres: ours vs procrastinate "
        "(bench/queue_postgres.py)",
    )
    parser.add_argument("--huey-consumer", nargs=4, metavar=("DB", "MODE", "WORKERS", "DIR"))
    args = parser.parse_args()
    if args.backend == "postgres":
        import queue_postgres

        return queue_postgres.main(args.quick)
    if args.huey_consumer:
        path, mode, workers, folder = args.huey_consumer
        return run_huey_consumer(path, mode, int(workers), folder)

    plan = QUICK_PLAN if args.quick else FULL_PLAN
    began = time.monotonic()
    print(
        f"Ilios queue benchmark ({'quick' if args.quick else 'full'}): "
        f"{os.cpu_count()} cores, {machine_load()}, "
        f"SQLite {apsw.sqlite_lib_version()} (APSW) / {sqlite3.sqlite_version} (huey's "
        f"sqlite3), huey {huey_pkg.__version__}, temp dirs under {TMP_ROOT}"
    )
    print(
        "huey: SqliteHuey, immediate=False, results=True (the no-op task returns 1, so each "
        "run stores a result,\n  huey's record of a finished task), PRAGMA synchronous set "
        "on each of its connections (read back)"
    )
    verdicts: list[Verdict] = []
    chosen = args.only or list(SECTIONS)
    for name, section in SECTIONS.items():
        if name not in chosen:
            continue
        section_start = time.monotonic()
        section(plan, verdicts)
        print(f"  [{time.monotonic() - section_start:.0f} s; {machine_load()}]")

    runs = ", ".join(f"{w} worker(s) {m}" for w, m in plan.e2e_runs)
    print(
        f"\nSummary: ours/huey ({os.cpu_count()} cores; synchronous: {', '.join(MODES)} for "
        f"sections 1-2, end to end: {runs}; now {machine_load()})"
    )
    for verdict in verdicts:
        print(verdict)
    print(f"Total time {time.monotonic() - began:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
