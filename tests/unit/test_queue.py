"""The store and the queue, on a real SQLite file (no processes)."""

from __future__ import annotations

import pathlib
import random
import threading
import time

import apsw
import pytest

from ilios import jobs
from ilios.server.intake import StoredFile, insert_documents
from ilios.store.sqlite import (
    QUERIES,
    Database,
    _migrations,
    connect,
    id_list,
    migrate,
    new_id,
    new_ids,
    now_ms,
)


def insert_pending(db: Database, doc_ids: list[str]) -> None:
    """Insert pending documents (no jobs) inside the caller's transaction."""
    files = [(d, StoredFile(f"originals/{d}", "a.pdf", "application/pdf", 1, "x")) for d in doc_ids]
    insert_documents(
        db, files, batch_id=None, retention_days=30, engine="local", api_key_id="", now=now_ms()
    )


def make_document(db: Database, doc_id: str, priority: int = 5, max_attempts: int = 3) -> None:
    with db.write():
        insert_pending(db, [doc_id])
        jobs.enqueue(db, [doc_id], priority, max_attempts)


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "ilios.db")
    database.setup()
    yield database
    database.close()


def test_connection_settings(db):
    assert db.conn.pragma("journal_mode") == "wal"
    assert db.conn.pragma("foreign_keys") == 1
    assert db.conn.pragma("user_version") >= 1
    with pytest.raises(apsw.SQLError):  # double-quoted strings are identifiers only
        db.conn.execute('SELECT "not a string literal"').fetchall()


def test_a_writer_waits_for_the_lock_then_gets_it(db):
    """A second writer waits (in short naps) while another holds the write lock,
    and proceeds once it is released; past the busy timeout it gets DatabaseBusy."""
    from ilios.errors import DatabaseBusy

    other = Database(db.path)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with other.write():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    threading.Timer(0.05, release.set).start()
    with db.write():  # blocks until the holder commits
        assert release.is_set()
    holder.join()

    impatient = Database(db.path, busy_timeout_ms=100)
    held.clear()
    release.clear()
    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    try:
        with pytest.raises(DatabaseBusy), impatient.write():
            pass
    finally:
        release.set()
        holder.join()
        other.close()
        impatient.close()


def test_a_full_disk_is_a_clear_error_and_the_connection_stays_usable(db):
    """SQLite answers SQLITE_FULL (here: past ``max_page_count``) and rolls the
    transaction back itself; the error says so and the next write works."""
    from ilios.errors import StorageUnavailable

    original = bytes(range(256)) * 4096  # a 1 MiB inline original
    db.conn.pragma("max_page_count", db.conn.pragma("page_count") + 4)
    with pytest.raises(StorageUnavailable, match="disk full"), db.write():
        db.execute("insert_inline_blob", key="originals/doc_a", content=original)
    assert not db.conn.in_transaction
    db.conn.pragma("max_page_count", 1 << 30)  # room again
    with db.write():
        db.execute("insert_inline_blob", key="originals/doc_a", content=original)
    assert db.one("inline_blob", key="originals/doc_a") == {"content": original}


def test_migrations_are_idempotent(db):
    version = db.conn.pragma("user_version")
    assert migrate(db.conn) == version


def database_at(path: pathlib.Path, version: int) -> apsw.Connection:
    """A new database with the migrations up to ``version`` applied, as an
    older release made it."""
    conn = connect(path)
    for number, script in sorted(_migrations()):
        if number <= version:
            conn.execute(script)
    conn.pragma("user_version", version)
    return conn


def test_migration_2_keeps_queued_jobs(tmp_path):
    """A database made by migration 1 (jobs with their own ids) keeps its jobs."""
    conn = database_at(tmp_path / "old.db", 1)
    conn.execute(
        "INSERT INTO documents (id, file_name, mime_type, size_bytes, sha256, blob_key,"
        " retention_days, engine, created_at) VALUES"
        " ('doc_a', 'a.pdf', 'application/pdf', 1, 'x', 'originals/doc_a', 30, 'local', 1),"
        " ('doc_b', 'b.pdf', 'application/pdf', 1, 'x', 'originals/doc_b', 30, 'local', 2);"
        "INSERT INTO jobs (id, document_id, state, priority, attempts, max_attempts, run_at,"
        " created_at) VALUES ('job_a', 'doc_a', 'retrying', 5, 1, 3, 0, 1),"
        " ('job_b', 'doc_b', 'completed', 5, 1, 3, 0, 2)"
    )
    assert migrate(conn) >= 2
    conn.close()
    db = Database(tmp_path / "old.db")
    worker = jobs.register_worker(db, 1, "host")
    assert jobs.claim(db, worker, 5) == [jobs.Job("doc_a", 2, 3, 5)]
    assert db.one("get_document", id="doc_b")["job_state"] == "completed"
    db.close()


def test_migration_5_keeps_jobs_in_claim_order(tmp_path):
    """Rebuilding jobs without the documents key keeps every job, its state and
    attempts; claims still go by priority, then document id (oldest first)."""
    conn = database_at(tmp_path / "old.db", 4)
    doc_ids = new_ids("doc", 3)
    conn.execute("BEGIN")
    for i, doc_id in enumerate(doc_ids):
        conn.execute(
            "INSERT INTO documents (id, file_name, mime_type, size_bytes, sha256, blob_key,"
            " retention_days, engine, created_at) VALUES (?, 'a.pdf', 'application/pdf', 1,"
            " 'x', 'k', 30, 'local', 1)",
            (doc_id,),
        )
        conn.execute(
            "INSERT INTO jobs (document_id, state, priority, attempts, max_attempts, run_at,"
            " created_at) VALUES (?, ?, 5, ?, 3, 0, 1)",
            (doc_id, ("completed", "retrying", "pending")[i], i),
        )
    conn.execute("COMMIT")
    assert migrate(conn) >= 5
    conn.close()
    db = Database(tmp_path / "old.db")
    assert db.one("get_document", id=doc_ids[0])["job_state"] == "completed"
    worker = jobs.register_worker(db, 1, "host")
    assert jobs.claim(db, worker, 5) == [
        jobs.Job(doc_ids[1], 2, 3, 5),
        jobs.Job(doc_ids[2], 3, 3, 5),
    ]
    db.close()


def test_every_named_query_compiles(db):
    import re

    for name, sql in QUERIES.items():
        params = {p: None for p in re.findall(r":(\w+)", sql)}
        list(db.conn.execute("EXPLAIN " + sql, params))  # raises on a bad query
        assert sql, name


def test_ids_sort_by_time_and_do_not_collide():
    ids = [new_id("doc") for _ in range(2000)] + new_ids("doc", 2000)
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("doc_") and len(i) == 30 for i in ids)
    assert all(set(i[4:]) <= set("0123456789abcdefghjkmnpqrstvwxyz") for i in ids)
    time.sleep(0.002)  # wait-ok: the next id must come from a later millisecond
    assert new_id("doc")[:14] > ids[-1][:14] and ids == sorted(ids, key=lambda i: i[:14])
    batch = new_ids("doc", 500)
    assert batch == sorted(batch)  # a batch inserts in key order


def test_enqueue_makes_one_job_per_document_in_order(db):
    doc_ids = new_ids("doc", 300)
    with db.write():
        insert_pending(db, doc_ids)
        jobs.enqueue(db, doc_ids, 5, 3)
    rows = db.execute("documents_by_ids", ids=id_list(doc_ids[::-1]))  # in the list's order
    assert [r["id"] for r in rows] == doc_ids[::-1]
    assert [r["seq"] for r in rows] == list(range(299, -1, -1))
    assert {r["job_state"] for r in rows} == {"pending"}
    worker = jobs.register_worker(db, 1, "test")
    claimed = jobs.claim(db, worker, 300)
    assert [j.document_id for j in claimed] == doc_ids  # same priority: oldest (first) first


def test_claim_orders_by_priority_then_age(db):
    make_document(db, "doc_low", priority=2)
    make_document(db, "doc_high", priority=9)
    make_document(db, "doc_mid1", priority=5)
    make_document(db, "doc_mid2", priority=5)
    worker = jobs.register_worker(db, 1, "host")
    order = [j.document_id for j in jobs.claim(db, worker, 10)]
    assert order == ["doc_high", "doc_mid1", "doc_mid2", "doc_low"]
    assert jobs.claim(db, worker, 10) == []
    row = db.one("get_document", id="doc_high")
    assert row["state"] == "processing" and row["attempts"] == 1


def test_concurrent_claims_never_share_a_job(tmp_path):
    path = tmp_path / "ilios.db"
    Database(path).setup()
    setup = Database(path)
    for i in range(200):
        make_document(setup, f"doc_{i:04d}")
    claimed: list[list[str]] = [[] for _ in range(4)]

    def claimer(slot: int) -> None:
        db = Database(path)
        worker = jobs.register_worker(db, slot, "host")
        while batch := jobs.claim(db, worker, 3):
            claimed[slot].extend(j.document_id for j in batch)

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [job for slot in claimed for job in slot]
    assert len(everything) == 200
    assert len(set(everything)) == 200


def test_retry_schedule_follows_backoff(db):
    rng = random.Random(1)
    make_document(db, "doc_r", max_attempts=3)
    worker = jobs.register_worker(db, 1, "host")
    delays = []
    for _attempt in range(3):
        # Make the retried job claimable now, keeping the scheduled delay.
        with db.write():
            db.conn.execute("UPDATE jobs SET run_at = 0")
        (job,) = jobs.claim(db, worker, 1)
        before = now_ms()
        state = jobs.fail(db, job, worker, "ENGINE_UNAVAILABLE", "down", retryable=True, rng=rng)
        row = db.conn.execute("SELECT state, run_at FROM jobs").fetchall()[0]
        delays.append((state, row["run_at"] - before))
    (s1, d1), (s2, d2), (s3, _) = delays
    assert (s1, s2, s3) == ("retrying", "retrying", "failed")
    assert 5_000 <= d1 <= 6_100
    assert 10_000 <= d2 <= 12_100
    doc = db.one("get_document", id="doc_r")
    assert doc["state"] == "failed" and doc["error_reason"] == "ENGINE_UNAVAILABLE"


def test_permanent_failure_does_not_retry(db):
    make_document(db, "doc_p")
    worker = jobs.register_worker(db, 1, "host")
    (job,) = jobs.claim(db, worker, 1)
    assert jobs.fail(db, job, worker, "CORRUPT_FILE", "bad", retryable=False) == "failed"
    assert db.one("get_document", id="doc_p")["error_reason"] == "CORRUPT_FILE"


def test_rescue_returns_jobs_of_dead_workers(db):
    make_document(db, "doc_a", max_attempts=2)
    make_document(db, "doc_b", max_attempts=1)
    worker = jobs.register_worker(db, 1, "host")
    claimed = jobs.claim(db, worker, 2)
    assert len(claimed) == 2
    assert jobs.rescue(db, dead_after_ms=60_000) == []  # still heartbeating
    with db.write():
        db.conn.execute("UPDATE workers SET heartbeat_at = 0")
    assert sorted(jobs.rescue(db, dead_after_ms=60_000)) == ["doc_a", "doc_b"]
    a, b = db.one("get_document", id="doc_a"), db.one("get_document", id="doc_b")
    assert (a["state"], a["job_state"]) == ("pending", "pending")
    assert (b["state"], b["error_reason"]) == ("failed", "WORKER_LOST")
    # The dead worker can no longer complete what was taken from it.
    with db.write():
        assert jobs.complete(db, worker, [c.document_id for c in claimed]) == set()


def test_pages_and_usage_are_replaced_not_duplicated(db):
    make_document(db, "doc_u")
    worker = jobs.register_worker(db, 1, "host")
    (_job,) = jobs.claim(db, worker, 1)
    for _attempt in range(2):
        with db.write():
            for n in (1, 2):
                db.execute(
                    "put_page",
                    worker_id=worker,
                    document_id="doc_u",
                    number=n,
                    markdown=f"p{n}",
                )
            db.execute(
                "put_usage",
                id=new_id("use"),
                document_id="doc_u",
                api_key_id="",
                engine="local",
                pages=2,
                input_tokens=0,
                output_tokens=0,
                base_cost_micros=0,
                margin_rate_bp=3000,
                total_cost_micros=0,
                now=now_ms(),
            )
    assert [p["markdown"] for p in db.execute("pages_after", document_id="doc_u", after=0)] == [
        "p1",
        "p2",
    ]
    assert db.conn.execute("SELECT count(*) AS n FROM usage").fetchall()[0]["n"] == 1


def test_a_worker_that_lost_its_job_cannot_write_pages(db):
    make_document(db, "doc_l")
    worker = jobs.register_worker(db, 1, "host")
    (_job,) = jobs.claim(db, worker, 1)
    with db.write():
        db.execute(
            "put_page",
            worker_id="wrk_other",
            document_id="doc_l",
            number=1,
            markdown="stolen",
        )
        assert not jobs.owns(db)
    assert db.execute("pages_after", document_id="doc_l", after=0) == []
