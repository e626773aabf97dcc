"""The PostgreSQL store: the queue's semantics as on SQLite (the same tests, on
a real PostgreSQL), claims that skip each other's rows, migrations under an
advisory lock, the move from SQLite, LISTEN/NOTIFY wake-ups, and what a node
sees while the database restarts. A throwaway cluster per session
(tests/pgcluster.py); no mock of the database anywhere."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from harness import wait_for
from pgcluster import Cluster, InspectablePostgres

# The queue's tests, run again here on PostgreSQL (their ``store`` fixture is
# this module's): claim order, group commit, retries, rescue, exactly-once results.
from test_queue import (  # noqa: F401
    make_document,
    test_a_retried_job_overwrites_its_pages_and_usage,
    test_a_worker_that_lost_its_job_cannot_write_pages,
    test_bare_documents_get_no_job,
    test_claim_orders_streamed_then_priority_then_age,
    test_create_makes_one_job_per_document_in_order,
    test_finish_stores_results_gives_back_and_claims_next_in_one_commit,
    test_permanent_failure_does_not_retry,
    test_rescue_returns_jobs_of_dead_workers,
    test_retry_schedule_follows_backoff,
    test_the_one_job_claim_takes_the_same_order,
    test_usage_is_replaced_not_duplicated,
)

from ilios import config
from ilios.errors import (
    ConfigError,
    DatabaseSchemaTooNew,
    DatabaseUnavailable,
    SharedStorageRequired,
)
from ilios.store import DocumentState, JobState, NewDocument, SQLite, Store, StoredFile, new_ids
from ilios.store.copy import copy_from_sqlite
from ilios.store.listen import Listener, Notifier
from ilios.store.postgres import Postgres, latest_version, migrations


@pytest.fixture
def store(pg_url):
    opened = Store(InspectablePostgres(pg_url))
    opened.migrate()
    yield opened
    opened.close()


def stored(doc_id: str, inline: bytes | None = None) -> StoredFile:
    return StoredFile(f"originals/{doc_id}", "a.pdf", "application/pdf", 1, "x", inline)


def test_concurrent_claims_skip_each_other_and_never_share_a_job(pg_url):
    """Eight claimers (as on eight hosts: a pool each) take 400 jobs: each job
    exactly once, and the claims skip rows others hold instead of waiting."""
    setup = Store(Postgres(pg_url))
    setup.migrate()
    doc_ids = new_ids("doc", 400)
    setup.documents.create(
        [NewDocument(d, stored(d)) for d in doc_ids],
        engine="local",
        retention_days=30,
        api_key_id="",
        max_attempts=3,
    )
    claimed: list[list[str]] = [[] for _ in range(8)]
    start = threading.Barrier(8)

    def claimer(slot: int) -> None:
        store = Store(Postgres(pg_url, pool_size=2))
        worker = store.workers.register(slot, "host")
        start.wait()
        while batch := store.jobs.claim(worker, 3):
            claimed[slot].extend(j.document_id for j in batch)
        store.close()

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [job for slot in claimed for job in slot]
    assert sorted(everything) == doc_ids
    assert sum(1 for slot in claimed if slot) >= 2  # the work was shared
    assert {setup.documents.get(d).state for d in doc_ids} == {DocumentState.PROCESSING}
    setup.close()


def test_ten_nodes_starting_at_once_migrate_once(pg_url):
    """Ten connectors set up at the same moment: one applies the migrations under
    the advisory lock, the others wait and find nothing to do (a second
    application would fail: the tables and versions exist)."""
    errors: list[BaseException] = []
    start = threading.Barrier(10)

    def node() -> None:
        pg = Postgres(pg_url)
        start.wait()
        try:
            pg.setup()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=node) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    raw = InspectablePostgres(pg_url).conn
    versions = [r["version"] for r in raw.execute("SELECT version FROM ilios_migrations")]
    assert sorted(versions) == [number for number, _, _ in migrations()]


def test_a_node_refuses_a_newer_schema(pg_url, tmp_path):
    Store(Postgres(pg_url)).migrate()
    raw = InspectablePostgres(pg_url).conn
    newer = latest_version() + 1
    raw.execute("INSERT INTO ilios_migrations (version, name) VALUES (:v, 'future')", {"v": newer})
    with pytest.raises(DatabaseSchemaTooNew):
        Store(Postgres(pg_url)).migrate()
    env = {"DATABASE_URL": pg_url, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "ilios.cli", "migrate"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "newer Ilios" in done.stderr


def test_migrate_from_sqlite_copies_everything_a_store_holds(pg_url, tmp_path):
    """``ilios migrate --from-sqlite``: documents (a batch, inline originals),
    pages, usage, uploads; a job that was running there is queued again."""
    old = Store(SQLite(tmp_path / "ilios.db"))
    old.migrate()
    docs = old.documents.create(
        [
            NewDocument(f"doc_{i}", stored(f"doc_{i}", inline=b"%PDF" if i == 0 else None))
            for i in range(3)
        ],
        engine="local",
        retention_days=30,
        api_key_id="key_a",
        max_attempts=3,
        batch_id="bat_a",
    )
    worker = old.workers.register(1, "old-host")
    first, second = old.jobs.claim(worker, 2)
    old.jobs.put_page(worker, first.document_id, 1, "# one")
    from test_queue import completion

    old.jobs.finish(worker, [completion(first)])
    old.uploads.record("upl_a", stored("upl_a"), api_key_id="key_a", ttl_ms=60_000)
    old.close()

    env = {"DATABASE_URL": pg_url, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "ilios.cli", "migrate", "--from-sqlite", str(tmp_path / "ilios.db")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "3 documents" in done.stdout and "1 inline_blobs" in done.stdout

    new = Store(Postgres(pg_url))
    new.migrate()
    moved = {d.id: d for d in new.documents.of_batch("bat_a", -1, 10)}
    assert [d.id for d in docs] == list(moved)
    assert moved[first.document_id].state == DocumentState.COMPLETED
    assert new.pages.after(first.document_id)[0].markdown == "# one"
    assert new.usage.of_document(first.document_id).pages == 1
    running = moved[second.document_id]  # was processing: queued again, attempts kept
    assert (running.state, running.job_state, running.attempts) == (
        DocumentState.PENDING,
        JobState.PENDING,
        1,
    )
    assert new.inline.get("originals/doc_0") == b"%PDF"
    assert new.uploads.take("upl_a") is not None
    assert new.batches.get("bat_a").total == 3
    claimed = new.jobs.claim(new.workers.register(2, "new-host"), 5)
    assert sorted(j.document_id for j in claimed) == sorted([second.document_id, "doc_2"])
    new.close()
    with pytest.raises(ConfigError, match="holds documents already"):
        copy_from_sqlite(tmp_path / "ilios.db", Postgres(pg_url))


def test_notifications_reach_listeners_and_survive_a_restart(tmp_path):
    """NOTIFY wakes a Listener at once; when the database restarts the listener
    reconnects and rings ``*`` (what was sent meanwhile is lost), then hears again."""
    cluster = Cluster().start()
    try:
        url = cluster.database()
        Store(Postgres(url)).migrate()
        listener = Listener(url, "server")
        ringer = Notifier(Postgres(url))
        try:
            assert ringer.ring("server", b"doc_1") == 1
            assert listener.wait(5) == [b"doc_1"]
            assert listener.wait(0.1) == []
            cluster.restart()
            assert b"*" in listener.wait(15)  # reconnected: re-check everything
            deadline = time.monotonic() + 15
            heard: list[bytes] = []
            while b"doc_2" not in heard and time.monotonic() < deadline:
                ringer.ring("server", b"doc_2")  # the pool's first try may meet a dead connection
                heard += listener.wait(0.5)
            assert b"doc_2" in heard
        finally:
            listener.close()
    finally:
        cluster.stop()


def test_calls_while_the_database_is_down_are_unavailable_then_work_again(tmp_path):
    cluster = Cluster().start()
    try:
        url = cluster.database()
        store = Store(Postgres(url, acquire_timeout_s=1.0))
        store.migrate()
        worker = store.workers.register(1, "host")
        cluster._run("pg_ctl", "stop", "-D", str(cluster.data), "-m", "fast", "-w")
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as raised:
            store.workers.heartbeat(worker)
        assert raised.value.reason == "DATABASE_UNAVAILABLE" and raised.value.retryable
        with pytest.raises(DatabaseUnavailable):
            store.documents.get("doc_x")
        assert time.monotonic() - started < 5  # an answer, not a hang
        cluster._pg_ctl("start")

        def beats() -> bool:
            try:
                store.workers.heartbeat(worker)
            except DatabaseUnavailable:
                return False
            return True

        wait_for(beats, what="the pool to reconnect by itself, with backoff")
        assert store.documents.get("doc_x") is None
        store.close()
    finally:
        cluster.stop()


def test_database_url_and_shared_blobs_settings(tmp_path):
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        config.load({"DATABASE_URL": "mysql://x"})
    from ilios.storage import check_shared

    check_shared(config.load({"DATA_DIR": str(tmp_path)}))  # SQLite: one machine
    multi = config.load({"DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://h/db"})
    assert multi.multi_node
    with pytest.raises(SharedStorageRequired, match="S3_BUCKET"):
        check_shared(multi)
    check_shared(config.load({"DATABASE_URL": "postgresql://h/db", "S3_BUCKET": "b"}))
    check_shared(config.load({"DATABASE_URL": "postgresql://h/db", "BLOB_DIR_SHARED": "true"}))
