"""The store and the queue, on a real SQLite file (no processes)."""

from __future__ import annotations

import pathlib
import random
import threading
import time

import apsw
import pytest

from ilios.errors import DatabaseBusy, StorageUnavailable
from ilios.store import (
    Charge,
    Completion,
    DocumentState,
    Job,
    JobState,
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
from ilios.store.sqlite import QUERIES, _migrations, connect, migrate


def stored(doc_id: str, inline: bytes | None = None) -> StoredFile:
    return StoredFile(f"originals/{doc_id}", "a.pdf", "application/pdf", 1, "x", inline)


def make_document(store: Store, doc_id: str, priority: int = 5, max_attempts: int = 3) -> None:
    store.documents.create(
        [NewDocument(doc_id, stored(doc_id))],
        engine="local",
        retention_days=30,
        api_key_id="",
        max_attempts=max_attempts,
        priority=priority,
    )


def open_at(path: pathlib.Path, **options: object) -> Store:
    store = Store(SQLite(path, **options))  # type: ignore[arg-type]
    store.migrate()
    return store


def completion(job: Job, pages: int = 1, last: Page | None = None) -> Completion:
    return Completion(job, "", "local", "m", pages, 7, Charge(pages), last_page=last)


@pytest.fixture
def store(tmp_path):
    opened = open_at(tmp_path / "ilios.db")
    yield opened
    opened.close()


def rows(store: Store, sql: str, **params: object) -> list[dict]:
    """Read rows with raw SQL, for assertions."""
    return list(store.connector.conn.execute(sql, params))  # type: ignore[attr-defined]


def test_connection_settings(store):
    conn = store.connector.conn
    assert conn.pragma("journal_mode") == "wal"
    assert conn.pragma("foreign_keys") == 1
    assert conn.pragma("user_version") >= 1
    with pytest.raises(apsw.SQLError):  # double-quoted strings are identifiers only
        conn.execute('SELECT "not a string literal"').fetchall()


def test_a_writer_waits_for_the_lock_then_gets_it(store):
    """A second writer waits (in short naps) while another holds the write lock,
    and proceeds once it is released; past the busy timeout it gets DatabaseBusy."""
    path = store.connector.path
    other = SQLite(path)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with other.write():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    threading.Timer(0.05, release.set).start()
    worker = store.workers.register(1, "host")  # a write: blocks until the holder commits
    assert release.is_set() and worker
    holder.join()

    impatient = Store(SQLite(path, busy_timeout_ms=100))
    held.clear()
    release.clear()
    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    try:
        with pytest.raises(DatabaseBusy):
            impatient.workers.register(2, "host")
    finally:
        release.set()
        holder.join()
        other.close()
        impatient.close()


def test_a_full_disk_is_a_clear_error_and_the_connection_stays_usable(store):
    """SQLite answers SQLITE_FULL (here: past ``max_page_count``) and rolls the
    transaction back itself; the error says so and the next write works."""
    original = bytes(range(256)) * 4096  # a 1 MiB inline original
    conn = store.connector.conn
    conn.pragma("max_page_count", conn.pragma("page_count") + 4)
    new = [NewDocument("doc_a", stored("doc_a", inline=original))]
    options = {"engine": "local", "retention_days": 30, "api_key_id": "", "max_attempts": 3}
    with pytest.raises(StorageUnavailable, match="disk full"):
        store.documents.create(new, **options)
    assert not conn.in_transaction
    assert store.documents.get("doc_a") is None  # nothing half-made
    conn.pragma("max_page_count", 1 << 30)  # room again
    store.documents.create(new, **options)
    assert store.inline.get("originals/doc_a") == original


def test_migrations_are_idempotent(store):
    version = store.connector.conn.pragma("user_version")
    assert migrate(store.connector.conn) == version


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
    store = open_at(tmp_path / "old.db")
    worker = store.workers.register(1, "host")
    assert store.jobs.claim(worker, 5) == [Job("doc_a", 2, 3, 5)]
    assert store.documents.get("doc_b").job_state == JobState.COMPLETED
    store.close()


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
    store = open_at(tmp_path / "old.db")
    assert store.documents.get(doc_ids[0]).job_state == JobState.COMPLETED
    worker = store.workers.register(1, "host")
    assert store.jobs.claim(worker, 5) == [Job(doc_ids[1], 2, 3, 5), Job(doc_ids[2], 3, 3, 5)]
    store.close()


def test_migration_7_turns_convert_priority_into_the_streamed_flag(tmp_path):
    """Jobs queued at the old Convert priority (11) become streamed jobs at the
    top priority, and are still claimed before every batch's."""
    conn = database_at(tmp_path / "old.db", 6)
    doc_ids = new_ids("doc", 3)
    conn.execute("BEGIN")
    for doc_id, priority in zip(doc_ids, (10, 11, 3), strict=True):
        conn.execute(
            "INSERT INTO documents (id, file_name, mime_type, size_bytes, sha256, blob_key,"
            " retention_days, engine, created_at) VALUES (?, 'a.pdf', 'application/pdf', 1,"
            " 'x', 'k', 30, 'local', 1)",
            (doc_id,),
        )
        conn.execute(
            "INSERT INTO jobs (document_id, priority, max_attempts, run_at, created_at)"
            " VALUES (?, ?, 3, 0, 1)",
            (doc_id, priority),
        )
    conn.execute("COMMIT")
    assert migrate(conn) >= 7
    conn.close()
    store = open_at(tmp_path / "old.db")
    worker = store.workers.register(1, "host")
    assert store.jobs.claim(worker, 5) == [
        Job(doc_ids[1], 1, 3, 10, streamed=True),
        Job(doc_ids[0], 1, 3, 10),
        Job(doc_ids[2], 1, 3, 3),
    ]
    store.close()


def test_every_named_query_compiles(store):
    import re

    for name, sql in QUERIES.items():
        params = {p: None for p in re.findall(r":(\w+)", sql)}
        list(store.connector.conn.execute("EXPLAIN " + sql, params))  # raises on a bad query
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


def test_create_makes_one_job_per_document_in_order(store):
    doc_ids = new_ids("doc", 300)
    docs = store.documents.create(
        [NewDocument(d, stored(d)) for d in doc_ids],
        engine="local",
        retention_days=30,
        api_key_id="",
        max_attempts=3,
    )
    assert [d.id for d in docs] == doc_ids
    assert [d.seq for d in docs] == list(range(300))
    assert {(d.state, d.job_state, d.attempts) for d in docs} == {
        (DocumentState.PENDING, JobState.PENDING, 0)
    }
    db = store.connector
    reordered = db.execute("documents_by_ids", ids=db.ids(doc_ids[::-1]))  # in the list's order
    assert [r["id"] for r in reordered] == doc_ids[::-1]
    worker = store.workers.register(1, "test")
    claimed = store.jobs.claim(worker, 300)
    assert [j.document_id for j in claimed] == doc_ids  # same priority: oldest (first) first


def test_claim_orders_streamed_then_priority_then_age(store):
    make_document(store, "doc_low", priority=2)
    make_document(store, "doc_high", priority=9)
    make_document(store, "doc_mid1", priority=5)
    make_document(store, "doc_mid2", priority=5)
    store.documents.create(
        [NewDocument("doc_stream", stored("doc_stream"))],
        engine="local",
        retention_days=30,
        api_key_id="",
        max_attempts=3,
        priority=1,
        streamed=True,
    )
    worker = store.workers.register(1, "host")
    claimed = store.jobs.claim(worker, 10)
    assert [j.document_id for j in claimed] == [
        "doc_stream",
        "doc_high",
        "doc_mid1",
        "doc_mid2",
        "doc_low",
    ]
    assert [j.streamed for j in claimed] == [True, False, False, False, False]
    assert store.jobs.claim(worker, 10) == []
    doc = store.documents.get("doc_high")
    assert doc.state == DocumentState.PROCESSING and doc.attempts == 1


def test_the_one_job_claim_takes_the_same_order(store):
    make_document(store, "doc_b", priority=5)
    make_document(store, "doc_a", priority=9)
    store.documents.create(
        [NewDocument("doc_s", stored("doc_s"))],
        engine="local",
        retention_days=30,
        api_key_id="",
        max_attempts=3,
        streamed=True,
    )
    worker = store.workers.register(1, "host")
    order = [store.jobs.claim(worker, 1)[0].document_id for _ in range(3)]
    assert order == ["doc_s", "doc_a", "doc_b"]


def test_concurrent_claims_never_share_a_job(tmp_path):
    path = tmp_path / "ilios.db"
    setup = open_at(path)
    for i in range(200):
        make_document(setup, f"doc_{i:04d}")
    claimed: list[list[str]] = [[] for _ in range(4)]

    def claimer(slot: int) -> None:
        store = Store(SQLite(path))
        worker = store.workers.register(slot, "host")
        while batch := store.jobs.claim(worker, 3):
            claimed[slot].extend(j.document_id for j in batch)

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [job for slot in claimed for job in slot]
    assert len(everything) == 200
    assert len(set(everything)) == 200


def test_finish_stores_results_gives_back_and_claims_next_in_one_commit(store):
    for name in ("doc_a", "doc_b", "doc_c", "doc_d"):
        make_document(store, name)
    worker = store.workers.register(1, "host")
    a, b = store.jobs.claim(worker, 2)
    finished = store.jobs.finish(
        worker, [completion(a, pages=2, last=Page(2, "end"))], given_back=[b], take_next=2
    )
    assert finished.stored == {"doc_a"}
    assert [j.document_id for j in finished.claimed] == ["doc_b", "doc_c"]  # b came back first
    assert finished.claimed[0].attempts == 1  # the given-back attempt did not count
    done = store.documents.get("doc_a")
    assert (done.state, done.job_state, done.page_count, done.processing_ms) == (
        DocumentState.COMPLETED,
        JobState.COMPLETED,
        2,
        7,
    )
    assert store.pages.after("doc_a") == [Page(2, "end")]
    assert store.usage.of_document("doc_a") == Charge(2)
    assert store.documents.get("doc_c").state == DocumentState.PROCESSING
    assert store.documents.get("doc_d").state == DocumentState.PENDING
    assert store.jobs.finish(worker) == (set(), [])  # nothing to do: no transaction


def test_retry_schedule_follows_backoff(store):
    rng = random.Random(1)
    make_document(store, "doc_r", max_attempts=3)
    worker = store.workers.register(1, "host")
    delays = []
    for _attempt in range(3):
        # Make the retried job claimable now, keeping the scheduled delay.
        with store.connector.write():
            store.connector.conn.execute("UPDATE jobs SET run_at = 0")
        (job,) = store.jobs.claim(worker, 1)
        before = now_ms()
        state = store.jobs.fail(job, worker, "ENGINE_UNAVAILABLE", "down", retryable=True, rng=rng)
        row = rows(store, "SELECT state, run_at FROM jobs")[0]
        delays.append((state, row["run_at"] - before))
    (s1, d1), (s2, d2), (s3, _) = delays
    assert (s1, s2, s3) == (JobState.RETRYING, JobState.RETRYING, JobState.FAILED)
    assert 5_000 <= d1 <= 6_100
    assert 10_000 <= d2 <= 12_100
    doc = store.documents.get("doc_r")
    assert doc.state == DocumentState.FAILED and doc.error_reason == "ENGINE_UNAVAILABLE"


def test_permanent_failure_does_not_retry(store):
    make_document(store, "doc_p")
    worker = store.workers.register(1, "host")
    (job,) = store.jobs.claim(worker, 1)
    assert store.jobs.fail(job, worker, "CORRUPT_FILE", "bad", retryable=False) == JobState.FAILED
    assert store.documents.get("doc_p").error_reason == "CORRUPT_FILE"


def test_rescue_returns_jobs_of_dead_workers(store):
    make_document(store, "doc_a", max_attempts=2)
    make_document(store, "doc_b", max_attempts=1)
    worker = store.workers.register(1, "host")
    claimed = store.jobs.claim(worker, 2)
    assert len(claimed) == 2
    assert store.jobs.rescue(dead_after_ms=60_000) == []  # still heartbeating
    with store.connector.write():
        store.connector.conn.execute("UPDATE workers SET heartbeat_at = 0")
    assert sorted(store.jobs.rescue(dead_after_ms=60_000)) == ["doc_a", "doc_b"]
    a, b = store.documents.get("doc_a"), store.documents.get("doc_b")
    assert (a.state, a.job_state) == (DocumentState.PENDING, JobState.PENDING)
    assert (b.state, b.error_reason) == (DocumentState.FAILED, "WORKER_LOST")
    # The dead worker can no longer complete what was taken from it.
    finished = store.jobs.finish(worker, [completion(job) for job in claimed])
    assert finished.stored == set()
    assert store.documents.get("doc_a").state == DocumentState.PENDING


def test_a_retried_job_overwrites_its_pages_and_usage(store):
    """Exactly-once results: pages and usage are keyed by document, so a second
    attempt replaces what the first wrote, and only the current owner writes."""
    make_document(store, "doc_u")
    first = store.workers.register(1, "host")
    (job,) = store.jobs.claim(first, 1)
    assert store.jobs.put_page(first, "doc_u", 1, "first 1")
    assert store.jobs.put_page(first, "doc_u", 2, "first 2")
    assert store.jobs.put_page(first, "doc_u", 3, "first 3")
    with store.connector.write():
        store.connector.conn.execute("UPDATE workers SET heartbeat_at = 0")
    assert store.jobs.rescue(dead_after_ms=60_000) == ["doc_u"]
    second = store.workers.register(2, "host")
    (again,) = store.jobs.claim(second, 1)
    assert again.attempts == 2
    assert not store.jobs.put_page(first, "doc_u", 1, "stale")  # no longer the first's
    assert store.jobs.put_page(second, "doc_u", 1, "second 1")
    finished = store.jobs.finish(second, [completion(again, 2, Page(2, "second 2"))])
    assert finished.stored == {"doc_u"}
    assert store.pages.after("doc_u") == [Page(1, "second 1"), Page(2, "second 2")]
    assert store.jobs.finish(first, [completion(job, 3)]).stored == set()
    assert rows(store, "SELECT count(*) AS n FROM usage")[0]["n"] == 1


def test_usage_is_replaced_not_duplicated(store):
    """put_usage replaces a document's record (the statement, run twice)."""
    make_document(store, "doc_u")
    db = store.connector
    for pages in (1, 2):
        with db.write():
            db.execute(
                "put_usage",
                id=new_id("use"),
                document_id="doc_u",
                api_key_id="",
                engine="local",
                pages=pages,
                input_tokens=0,
                output_tokens=0,
                base_cost_micros=0,
                margin_rate_bp=3000,
                total_cost_micros=0,
                now=now_ms(),
            )
    assert store.usage.of_document("doc_u") == Charge(2, margin_rate_bp=3000)
    assert rows(store, "SELECT count(*) AS n FROM usage")[0]["n"] == 1


def test_a_worker_that_lost_its_job_cannot_write_pages(store):
    make_document(store, "doc_l")
    worker = store.workers.register(1, "host")
    (_job,) = store.jobs.claim(worker, 1)
    assert not store.jobs.put_page("wrk_other", "doc_l", 1, "stolen")
    assert store.pages.after("doc_l") == []
    assert store.documents.get("doc_l").page_count == 0


def test_bare_documents_get_no_job(store):
    """``documents.insert`` makes pending documents only; their jobs are queued apart."""
    with store.connector.write():
        insert(
            store.connector,
            [NewDocument("doc_bare", stored("doc_bare"))],
            batch_id=None,
            retention_days=30,
            engine="local",
            api_key_id="",
            now=now_ms(),
        )
    doc = store.documents.get("doc_bare")
    assert (doc.state, doc.job_state, doc.attempts) == (DocumentState.PENDING, None, 0)
    assert store.jobs.claim(store.workers.register(1, "host"), 1) == []
