"""Acceptance under faults: kills, restarts, retries, shutdown — asserted on rows.

These run the real service with the scripted engine (``OCR_ENGINE=scripted``),
which follows a script inside each document and logs every execution, so a
test can tell at-least-once execution from exactly-once results.
"""

from __future__ import annotations

import collections
import itertools
import os
import signal

from harness import Service, alive, running, wait_for

from ilios.store.sqlite import connect
from ilios.v1 import conversion_service_pb2 as pb
from ilios.worker.engines.scripted import script_document
from ilios.worker.worker import GROUP_MAX


def scripted_env(tmp_path, **extra: str) -> dict[str, str]:
    return {
        "OCR_ENGINE": "scripted",
        "ILIOS_SCRIPTED_LOG": str(tmp_path / "executions.log"),
        "RETRY_BACKOFF_S": "0.2",
        "WORKER_HEARTBEAT_S": "0.5",
        "WORKER_DEAD_AFTER_S": "3",
        **extra,
    }


def executions(tmp_path) -> collections.Counter[str]:
    """How many times the engine ran each document (keyed by its stored file)."""
    log = tmp_path / "executions.log"
    if not log.exists():
        return collections.Counter()
    return collections.Counter(line.split()[0] for line in log.read_text().splitlines())


def runs_by(tmp_path, pid: int) -> set[str]:
    """The documents the engine ran in process ``pid``."""
    lines = (tmp_path / "executions.log").read_text().splitlines()
    return {key for key, by, _ in (line.split() for line in lines) if int(by) == pid}


def submit(svc: Service, **script: object) -> str:
    source = pb.FileSource(content=script_document(**script), file_name="s.pdf")
    reply = svc.conversion.SubmitDocument(pb.SubmitDocumentRequest(file=source), timeout=30)
    return reply.document.id


def submit_batch(svc: Service, count: int, **script: object) -> tuple[str, list[str]]:
    files = [
        pb.FileSource(content=script_document(n=i, **script), file_name=f"s{i}.pdf")
        for i in range(count)
    ]
    reply = svc.conversion.BatchSubmit(pb.BatchSubmitRequest(files=files), timeout=120)
    return reply.batch.id, [d.id for d in reply.documents]


def doc(svc: Service, doc_id: str) -> dict:
    return svc.db.one("get_document", id=doc_id)


def states(svc: Service, doc_ids: list[str]) -> collections.Counter[str]:
    wanted = set(doc_ids)
    rows = svc.rows("SELECT id, state FROM documents")
    return collections.Counter(r["state"] for r in rows if r["id"] in wanted)


def assert_one_result_each(svc: Service, doc_ids: list[str], pages: int) -> None:
    """Exactly one stored result per document: its pages once each, one usage row."""
    wanted = set(doc_ids)
    page_counts = collections.Counter(
        r["document_id"]
        for r in svc.rows("SELECT document_id FROM pages")
        if r["document_id"] in wanted
    )
    assert page_counts == {d: pages for d in doc_ids}
    usage = collections.Counter(
        r["document_id"]
        for r in svc.rows("SELECT document_id FROM usage")
        if r["document_id"] in wanted
    )
    assert usage == {d: 1 for d in doc_ids}


def test_sigkill_a_worker_mid_job(tmp_path):
    """The job is rescued and completes once more; attempts show 2."""
    with running(tmp_path / "svc", **scripted_env(tmp_path, WORKER_COUNT="1")) as svc:
        doc_id = submit(svc, pages=4, page_ms=400)
        wait_for(lambda: doc(svc, doc_id)["page_count"] >= 1, 30, what="the first page")
        (victim,) = svc.worker_pids()
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: doc(svc, doc_id)["state"] == "completed", 60, what="completion")
        row = doc(svc, doc_id)
        assert row["attempts"] == 2
        assert row["page_count"] == 4
        assert sum(executions(tmp_path).values()) == 2
        assert_one_result_each(svc, [doc_id], pages=4)
        # The supervisor started a replacement worker.
        wait_for(
            lambda: svc.worker_pids() and victim not in svc.worker_pids(),
            30,
            what="a replacement worker",
        )


def test_sigkill_everything_with_a_batch_in_flight(tmp_path):
    """Kill serve and all its children mid-batch; on restart all 50 complete, once."""
    env = scripted_env(tmp_path, WORKER_COUNT="2")
    svc = Service(tmp_path / "svc", **env).start()
    try:
        # Slow enough that the rest of the batch (45 documents, two workers) takes
        # seconds of sleeping after the fifth completes: time to kill it mid-way
        # even when this process is slow to notice.
        batch_id, doc_ids = submit_batch(svc, 50, pages=2, page_ms=100)
        wait_for(lambda: states(svc, doc_ids)["completed"] >= 5, 60, what="some progress")
        svc.kill_all()
        done_before = states(svc, doc_ids)["completed"]
        assert done_before < 50, "the batch finished before the kill; slow the script down"
    finally:
        svc.stop()
    svc = Service(tmp_path / "svc", **env).start()
    try:
        wait_for(lambda: states(svc, doc_ids)["completed"] == 50, 120, what="all 50")
        assert_one_result_each(svc, doc_ids, pages=2)
        assert svc.rows("SELECT count(*) AS n FROM jobs WHERE state != 'completed'")[0]["n"] == 0
        # One job per document, none without one (jobs.document_id has no foreign key).
        paired = "SELECT count(*) AS n FROM jobs JOIN documents d ON d.id = jobs.document_id"
        assert svc.rows(paired)[0]["n"] == svc.rows("SELECT count(*) AS n FROM jobs")[0]["n"] == 50
        ran = executions(tmp_path)
        assert len(ran) == 50 and all(n >= 1 for n in ran.values())
        batch = svc.conversion.GetBatch(pb.GetBatchRequest(batch_id=batch_id), timeout=10).batch
        assert batch.state == pb.BATCH_STATE_COMPLETED
        assert batch.progress.completed == 50
    finally:
        assert svc.stop() == 0


def test_sigterm_lets_active_jobs_finish(tmp_path):
    with running(tmp_path / "svc", **scripted_env(tmp_path, WORKER_COUNT="2")) as svc:
        doc_ids = [submit(svc, pages=3, page_ms=300) for _ in range(2)]
        wait_for(lambda: states(svc, doc_ids)["processing"] == 2, 30, what="both running")
        assert svc.stop(signal.SIGTERM) == 0
        assert states(svc, doc_ids) == {"completed": 2}
        assert svc.rows("SELECT count(*) AS n FROM jobs WHERE state = 'processing'")[0]["n"] == 0


def test_sigterm_past_the_grace_period_gives_jobs_back(tmp_path):
    env = scripted_env(tmp_path, WORKER_COUNT="1", SHUTDOWN_GRACE_S="0.5")
    with running(tmp_path / "svc", **env) as svc:
        doc_id = submit(svc, pages=20, page_ms=500)
        wait_for(lambda: doc(svc, doc_id)["state"] == "processing", 30, what="the job to start")
        assert svc.stop(signal.SIGTERM) == 0
        row = doc(svc, doc_id)
        assert (row["state"], row["job_state"], row["attempts"]) == ("pending", "pending", 0)
    # The next start picks it up and finishes it.
    with running(tmp_path / "svc", **env) as svc:
        wait_for(lambda: doc(svc, doc_id)["state"] == "completed", 60, what="completion")
        assert_one_result_each(svc, [doc_id], pages=20)


def test_four_workers_drain_500_jobs_exactly_once(tmp_path):
    env = scripted_env(tmp_path, WORKER_COUNT="4")
    with running(tmp_path / "svc", **env) as svc:
        _, doc_ids = submit_batch(svc, 500, pages=1, page_ms=2)
        wait_for(lambda: states(svc, doc_ids)["completed"] >= 150, 120, what="progress")
        killed = svc.worker_pids()[0]
        os.kill(killed, signal.SIGKILL)  # at-least-once from here on
        wait_for(lambda: states(svc, doc_ids)["completed"] == 500, 180, what="all 500")
        assert_one_result_each(svc, doc_ids, pages=1)
        ran = executions(tmp_path)
        assert len(ran) == 500
        # Only the killed worker's uncommitted batch (one slot's group commit)
        # may have run twice, and each of those runs was the killed worker's.
        again = {key for key, count in ran.items() if count > 1}
        assert len(again) <= GROUP_MAX and max(ran.values()) <= 2
        assert again <= runs_by(tmp_path, killed)
        used = {r["worker_id"] for r in svc.rows("SELECT worker_id FROM jobs")}
        assert len(used) >= 4  # the work was shared


def test_transient_failures_retry_on_the_backoff_schedule(tmp_path):
    with running(tmp_path / "svc", **scripted_env(tmp_path, WORKER_COUNT="1")) as svc:
        doc_id = submit(svc, fail=2, reason="ENGINE_UNAVAILABLE")
        wait_for(lambda: doc(svc, doc_id)["state"] == "completed", 30, what="completion")
        assert doc(svc, doc_id)["attempts"] == 3
        starts = sorted(
            int(line.split()[2]) for line in (tmp_path / "executions.log").read_text().splitlines()
        )
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        # RETRY_BACKOFF_S=0.2: 0.2 s then 0.4 s, each plus up to 20 % jitter.
        assert gaps[0] >= 200 and gaps[1] >= 400
        assert gaps[1] > gaps[0]


def test_spent_attempts_fail_with_the_last_error(tmp_path):
    with running(tmp_path / "svc", **scripted_env(tmp_path, WORKER_COUNT="1")) as svc:
        doc_id = submit(svc, fail=5, reason="ENGINE_UNAVAILABLE")
        wait_for(lambda: doc(svc, doc_id)["state"] == "failed", 30, what="failure")
        row = doc(svc, doc_id)
        assert (row["attempts"], row["job_state"]) == (3, "failed")
        assert row["error_reason"] == "ENGINE_UNAVAILABLE"
        assert row["error_message"] == "scripted failure 3"


def test_permanent_failures_do_not_retry(tmp_path):
    with running(tmp_path / "svc", **scripted_env(tmp_path, WORKER_COUNT="1")) as svc:
        doc_id = submit(svc, fail=5, reason="CORRUPT_FILE")
        wait_for(lambda: doc(svc, doc_id)["state"] == "failed", 30, what="failure")
        assert doc(svc, doc_id)["attempts"] == 1
        assert doc(svc, doc_id)["error_reason"] == "CORRUPT_FILE"
        assert sum(executions(tmp_path).values()) == 1


def test_one_worker_runs_max_concurrent_jobs_at_once(tmp_path):
    env = scripted_env(tmp_path, WORKER_COUNT="1", MAX_CONCURRENT_JOBS="3")
    with running(tmp_path / "svc", **env) as svc:
        doc_ids = [submit(svc, pages=2, page_ms=400) for _ in range(3)]
        wait_for(lambda: states(svc, doc_ids)["processing"] == 3, 30, what="3 at once")
        wait_for(lambda: states(svc, doc_ids)["completed"] == 3, 30, what="completion")


def test_quick_jobs_share_commits(tmp_path):
    """Group commit: one worker stores a run of quick jobs' results in fewer
    commits than jobs (a commit stamps its jobs with one completion time), and
    each result exactly once."""
    with running(tmp_path / "svc", **scripted_env(tmp_path, WORKER_COUNT="1")) as svc:
        _, doc_ids = submit_batch(svc, 120, pages=1)
        wait_for(lambda: states(svc, doc_ids)["completed"] == 120, 60, what="all 120")
        assert_one_result_each(svc, doc_ids, pages=1)
        commits = {r["completed_at"] for r in svc.rows("SELECT completed_at FROM jobs")}
        assert len(commits) < 120 * 3 / 4
        assert sum(executions(tmp_path).values()) == 120


def test_a_slow_job_gives_back_the_jobs_claimed_behind_it(tmp_path):
    """While a slow job runs, the worker commits the quick results its slot
    held for a group commit and returns the jobs the slot claimed behind the
    slow one to the queue (the other worker runs them): every quick job
    completes before the slow one."""
    scripts = [{"n": i} for i in range(60)]
    scripts[40] = {"page_ms": 3000}  # slow (one page), amid a run of quick ones
    files = [
        pb.FileSource(content=script_document(**script), file_name=f"s{i}.pdf")
        for i, script in enumerate(scripts)
    ]
    with running(tmp_path / "svc", **scripted_env(tmp_path, WORKER_COUNT="2")) as svc:
        reply = svc.conversion.BatchSubmit(pb.BatchSubmitRequest(files=files), timeout=60)
        doc_ids = [d.id for d in reply.documents]
        wait_for(lambda: states(svc, doc_ids)["completed"] == 60, 60, what="all 60")
        done = {
            r["id"]: r["processed_at"] for r in svc.rows("SELECT id, processed_at FROM documents")
        }
        slow = doc_ids.pop(40)
        assert max(done[d] for d in doc_ids) < done[slow]


def test_a_database_locked_past_every_retry_loses_nothing(tmp_path):
    """Another process holds the write lock past the busy timeout and every
    retry: the worker gives up instead of holding its jobs, the service stays
    up, and once the lock is released every document completes exactly once."""
    env = scripted_env(tmp_path, WORKER_COUNT="1", DB_BUSY_TIMEOUT_MS="100")
    with running(tmp_path / "svc", **env) as svc:
        _, doc_ids = submit_batch(svc, 30, pages=1, page_ms=100)
        wait_for(lambda: states(svc, doc_ids)["completed"] >= 3, 30, what="progress")
        (worker,) = svc.worker_pids()
        lock = connect(svc.data_dir / "ilios.db")
        lock.execute("BEGIN IMMEDIATE")
        try:
            wait_for(lambda: not alive(worker), 60, what="the worker to give up")
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        wait_for(lambda: states(svc, doc_ids)["completed"] == 30, 90, what="all 30")
        assert_one_result_each(svc, doc_ids, pages=1)
        svc.wait_healthy()
