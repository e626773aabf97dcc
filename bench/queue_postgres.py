"""``bench/job_queue.py --backend postgres``: the Ilios queue on PostgreSQL
against procrastinate (a PostgreSQL job queue), in one run on one PostgreSQL.

A throwaway cluster (Debian's ``postgresql``: ``make postgres``) with
PostgreSQL's default durability (fsync and synchronous_commit on), in /tmp on
a free port; each contender gets an empty database of its own on it.

1. Claim path, in one process: N jobs queued (untimed), then drained the way
   a worker takes them, with nothing else done per job:
   - ours: the queue's own steps inside ``Jobs.finish`` (``complete`` +
     ``claim_next`` in one transaction, ``FOR UPDATE SKIP LOCKED``),
     ``GROUP_MAX`` (16) jobs at a time as a worker slot does for quick jobs,
     and 1 at a time as for slow ones;
   - procrastinate: its worker's own calls, ``JobManager.fetch_job`` then
     ``JobManager.finish_job`` (succeeded, row kept), one job at a time as its
     worker does, on its async psycopg connector.
   The contenders take turns (``interleave``), so the machine's slow spells
   fall on both.
2. End to end, 2,000 no-op jobs with 1, 2 and 4 worker processes:
   - ours: the real service (``ilios serve``, ``OCR_ENGINE=scripted``) on
     PostgreSQL, the documents sent with gRPC ``BatchSubmit`` (4 batches),
     timed from the first submit until every document is completed;
   - procrastinate: its worker processes (``procrastinate worker``,
     concurrency 1 each) running a no-op task, 2,000 jobs deferred with
     ``batch_defer`` (500 per call), timed from the first defer until every job
     succeeded.

Targets (2 cores): claim path >= 2x procrastinate (ours at the worker's quick
path, 16 at a time), end to end >= 1.5x at 2 workers. Informational PASS/MISS
only; it asserts nothing about time.
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from types import ModuleType

import procrastinate
import psycopg
from queue_measure import (
    READY_TIMEOUT_S,
    SETTLE_S,
    Rate,
    check,
    combined_steps,
    interleave,
    poll_count,
    wait_until,
)

from ilios.store import NewDocument, Store, StoredFile, new_ids
from ilios.store.postgres import Postgres
from ilios.v1 import conversion_service_pb2 as pb
from ilios.worker.engines.scripted import script_document
from ilios.worker.worker import GROUP_MAX

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLAIM_JOBS, QUICK_CLAIM_JOBS = 5_000, 500
E2E_DOCS, QUICK_E2E_DOCS = 2_000, 400
E2E_WORKERS, QUICK_E2E_WORKERS = (1, 2, 4), (2,)
E2E_BATCHES = 4
SLICE_JOBS = 100
DEFER_BATCH = 500
CAP_S = 300.0
TARGET_CLAIM = 2.0
TARGET_E2E_2 = 1.5
# What PostgreSQL runs with here: its defaults for durability, room for the processes.
BENCH_SETTINGS = {
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "max_connections": "200",
    "shared_buffers": "128MB",
}
APP_MODULE = "procrastinate_app"  # bench/procrastinate_app.py: the no-op task


def tests_module(name: str) -> ModuleType:
    sys.path.insert(0, str(ROOT / "tests"))
    return __import__(name)


# --- ours ---------------------------------------------------------------------------


def fill_ours(store: Store, count: int) -> str:
    """``count`` documents with a pending job each (untimed); a worker id."""
    for start in range(0, count, 500):
        files = [
            NewDocument(d, StoredFile(f"originals/{d}", "b.pdf", "application/pdf", 1, "-"))
            for d in new_ids("doc", min(500, count - start))
        ]
        store.documents.create(
            files, engine="scripted", retention_days=30, api_key_id="", max_attempts=3
        )
    return store.workers.register(os.getpid(), "bench")


# --- procrastinate ------------------------------------------------------------------------


def procrastinate_app(url: str) -> procrastinate.App:
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    module = __import__(APP_MODULE)
    return module.app.with_connector(procrastinate.PsycopgConnector(conninfo=url))


def deferrer(app: procrastinate.App) -> procrastinate.jobs.JobDeferrer:
    """The no-op task, deferred through ``app`` (its connector), by name."""
    return procrastinate.tasks.configure_task(
        name=f"{APP_MODULE}.noop", job_manager=app.job_manager
    )


class Procrastinate:
    """procrastinate's claim path, driven step by step from sync code."""

    def __init__(self, url: str, count: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.app = procrastinate_app(url)
        self.loop.run_until_complete(self._open(count))

    async def _open(self, count: int) -> None:
        await self.app.open_async()
        await self.app.schema_manager.apply_schema_async()
        task = deferrer(self.app)
        for start in range(0, count, DEFER_BATCH):
            await task.batch_defer_async(*({} for _ in range(min(DEFER_BATCH, count - start))))
        self.worker_id = await self.app.job_manager.register_worker()

    async def _drain(self) -> AsyncIterator[int]:
        manager = self.app.job_manager
        while True:
            done = 0
            for _ in range(GROUP_MAX):  # a step: up to 16 jobs, one at a time
                job = await manager.fetch_job(queues=None, worker_id=self.worker_id)
                if job is None:
                    break
                await manager.finish_job(
                    job, status=procrastinate.jobs.Status.SUCCEEDED, delete_job=False
                )
                done += 1
            if not done:
                return
            yield done

    def steps(self) -> Iterator[int]:
        drain = self._drain()
        while True:
            try:
                yield self.loop.run_until_complete(anext(drain))
            except StopAsyncIteration:
                return

    def close(self) -> None:
        self.loop.run_until_complete(self.app.close_async())
        self.loop.close()


def procrastinate_e2e(url: str, workers: int, docs: int, data: pathlib.Path) -> Rate:
    """``workers`` procrastinate worker processes running ``docs`` no-op jobs."""
    app = procrastinate_app(url)
    with app.open():
        app.schema_manager.apply_schema()
    env = {**os.environ, "PYTHONPATH": str(pathlib.Path(__file__).parent)}
    env["PROCRASTINATE_URL"] = url
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "procrastinate",
                "--app",
                f"{APP_MODULE}.app",
                "worker",
                "--concurrency",
                "1",
            ],
            env=env,
            cwd=data,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        with psycopg.connect(url, autocommit=True) as conn:

            def count(status: str) -> int:
                row = conn.execute(
                    "SELECT count(*) FROM procrastinate_jobs WHERE status = %s", (status,)
                ).fetchone()
                return int(row[0]) if row else 0

            def registered() -> bool:
                row = conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()
                return bool(row) and int(row[0]) >= workers

            wait_until(registered, READY_TIMEOUT_S, f"{workers} procrastinate workers")
            time.sleep(SETTLE_S)
            start = time.perf_counter()
            with app.open():
                task = deferrer(app)
                for first in range(0, docs, DEFER_BATCH):
                    task.batch_defer(*({} for _ in range(min(DEFER_BATCH, docs - first))))
            rate = poll_count(lambda: count("succeeded"), docs, start, CAP_S)
            check(count("failed") == 0, "some procrastinate jobs failed")
            return rate
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def ours_e2e(url: str, workers: int, docs: int, data: pathlib.Path) -> Rate:
    harness = tests_module("harness")
    files = [
        pb.FileSource(content=script_document(i=i), file_name=f"bench-{i}.pdf") for i in range(docs)
    ]
    size = -(-docs // E2E_BATCHES)
    requests = [pb.BatchSubmitRequest(files=files[i : i + size]) for i in range(0, docs, size)]
    service = harness.Service(
        data,
        OCR_ENGINE="scripted",
        WORKER_COUNT=str(workers),
        DATABASE_URL=url,
        BLOB_DIR_SHARED="true",
    ).start()
    try:

        def count(state: str) -> int:
            sql = "SELECT count(*) AS n FROM documents WHERE state = :state"
            return int(service.rows(sql, state=state)[0]["n"])

        def active() -> bool:
            sql = "SELECT count(*) AS n FROM workers WHERE state = 'active'"
            return int(service.rows(sql)[0]["n"]) >= workers

        wait_until(active, READY_TIMEOUT_S, f"{workers} workers")
        time.sleep(SETTLE_S)
        start = time.perf_counter()
        for request in requests:
            service.conversion.BatchSubmit(request, timeout=120)
        rate = poll_count(lambda: count("completed"), docs, start, CAP_S)
        check(count("failed") == 0, "some documents failed")
        return rate
    finally:
        service.stop()


# --- the run ------------------------------------------------------------------------------


def main(quick: bool) -> int:
    cluster_module = tests_module("pgcluster")
    cluster = cluster_module.Cluster(settings=BENCH_SETTINGS).start()
    began = time.monotonic()
    try:
        with psycopg.connect(cluster.url()) as conn:
            version = conn.execute("SHOW server_version").fetchone()
        print(
            f"Ilios queue on PostgreSQL {version[0] if version else '?'} vs procrastinate "
            f"{procrastinate.__version__} ({'quick' if quick else 'full'}): {os.cpu_count()} "
            f"cores, load average {os.getloadavg()[0]:.1f}; fsync and synchronous_commit on"
        )
        verdicts: list[tuple[str, float, float | None]] = []

        # 1. claim path
        count = QUICK_CLAIM_JOBS if quick else CLAIM_JOBS
        print(f"\n1. Claim path: {count} jobs drained in one process (rates in jobs/s)")
        rates: dict[str, Rate] = {}
        for size in (GROUP_MAX, 1):
            ours = Store(Postgres(cluster.database(), pool_size=2))
            ours.migrate()
            worker = fill_ours(ours, count)
            theirs = Procrastinate(cluster.database(), count)
            try:
                got = interleave(
                    {
                        f"ours, {size} per transaction": combined_steps(ours, worker, size),
                        f"procrastinate (vs ours {size})": theirs.steps(),
                    },
                    SLICE_JOBS,
                )
            finally:
                theirs.close()
                ours.close()
            rates.update(got)
            for label, rate in got.items():
                print(f"   {label:<36} {rate}")
        quick_ratio = (
            rates[f"ours, {GROUP_MAX} per transaction"].per_s
            / rates[f"procrastinate (vs ours {GROUP_MAX})"].per_s
        )
        slow_ratio = (
            rates["ours, 1 per transaction"].per_s / rates["procrastinate (vs ours 1)"].per_s
        )
        verdicts.append(
            (f"claim path, ours {GROUP_MAX} at a time (quick jobs)", quick_ratio, TARGET_CLAIM)
        )
        verdicts.append(("claim path, ours 1 at a time (slow jobs)", slow_ratio, None))

        # 2. end to end
        docs = QUICK_E2E_DOCS if quick else E2E_DOCS
        print(f"\n2. End to end: {docs} no-op jobs (rates in jobs/s)")
        for workers in QUICK_E2E_WORKERS if quick else E2E_WORKERS:
            with tempfile.TemporaryDirectory(prefix="ilios-pgbench-") as tmp:
                ours_rate = ours_e2e(cluster.database(), workers, docs, pathlib.Path(tmp) / "a")
                (pathlib.Path(tmp) / "b").mkdir()
                their_rate = procrastinate_e2e(
                    cluster.database(), workers, docs, pathlib.Path(tmp) / "b"
                )
            print(f"   {workers} worker(s): ours {ours_rate}   procrastinate {their_rate}")
            verdicts.append(
                (
                    f"end to end, {workers} worker(s)",
                    ours_rate.per_s / their_rate.per_s,
                    TARGET_E2E_2 if workers == 2 else None,
                )
            )

        print("\nSummary: ours/procrastinate")
        for label, value, target in verdicts:
            if target is None:
                print(f"  {label:<46} {value:7.2f}x  (no target)")
            else:
                mark = "PASS" if value >= target else "MISS"
                print(f"  {label:<46} {value:7.2f}x  (target >= {target:g}x)  {mark}")
        print(f"Total time {time.monotonic() - began:.0f} s.")
    finally:
        cluster.stop()
    return 0
