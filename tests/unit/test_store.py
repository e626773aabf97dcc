"""The store's nouns besides the queue, and the limits everyone shares."""

from __future__ import annotations

import os
import re

import apsw
import pytest

from ilios import billing, errors, limits
from ilios.errors import UnsupportedFileType
from ilios.limits import Engine
from ilios.store import (
    DocumentState,
    Expired,
    JobState,
    NewDocument,
    SQLite,
    Store,
    StoredFile,
    WorkerState,
    now_ms,
    open_store,
)
from ilios.store.sqlite import QUERIES


def stored(doc_id: str, inline: bytes | None = None) -> StoredFile:
    return StoredFile(f"originals/{doc_id}", "a.pdf", "application/pdf", 1, "x", inline)


@pytest.fixture
def store(tmp_path):
    opened = Store(SQLite(tmp_path / "ilios.db"))
    opened.migrate()
    yield opened
    opened.close()


def schema(store: Store) -> str:
    rows = store.connector.conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
    return "\n".join(row["sql"] for row in rows)


# --- limits ------------------------------------------------------------------------


def test_the_schema_checks_the_shared_limits(store):
    """Every CHECK on a priority or a retention is the range ``ilios.limits`` names."""
    checks = re.findall(r"CHECK \((\w+) BETWEEN (\d+) AND (\d+)\)", schema(store))
    ranges = {
        "priority": (limits.MIN_PRIORITY, limits.MAX_PRIORITY),
        "retention_days": (limits.MIN_RETENTION_DAYS, limits.MAX_RETENTION_DAYS),
    }
    found = {(column, int(lo), int(hi)) for column, lo, hi in checks}
    assert found == {(column, *bounds) for column, bounds in ranges.items()}
    # batches and documents check retention; batches and jobs check priority
    assert sorted(column for column, _, _ in checks) == [
        "priority",
        "priority",
        "retention_days",
        "retention_days",
    ]


def test_the_schema_refuses_values_past_the_limits(store):
    new = [NewDocument("doc_a", stored("doc_a"))]
    options = {"engine": "local", "api_key_id": "", "max_attempts": 3, "batch_id": "bat_a"}
    with pytest.raises(apsw.ConstraintError):
        store.documents.create(new, retention_days=limits.MAX_RETENTION_DAYS + 1, **options)
    with pytest.raises(apsw.ConstraintError):
        store.documents.create(new, retention_days=30, priority=limits.MAX_PRIORITY + 1, **options)
    docs = store.documents.create(
        new, retention_days=limits.MAX_RETENTION_DAYS, priority=limits.MAX_PRIORITY, **options
    )
    assert docs[0].retention_days == limits.MAX_RETENTION_DAYS


def test_errors_state_the_shared_limits():
    retention = errors.InvalidRetention().message
    assert f"{limits.MIN_RETENTION_DAYS} to {limits.MAX_RETENTION_DAYS}" in retention
    priority = errors.InvalidPriority().message
    assert f"{limits.MIN_PRIORITY} to {limits.MAX_PRIORITY}" in priority


def test_every_engine_is_built_and_priced():
    from ilios.server import messages
    from ilios.worker.engines import registry

    assert set(registry.ENGINES) == set(Engine)
    assert set(billing.DEFAULT_COST_PER_PAGE_USD) == set(Engine)
    assert set(messages.ENGINES) <= set(Engine)


def test_states_are_the_strings_the_schema_holds():
    """The queries compare states as literals: each literal is a state's value."""
    literals = set(re.findall(r"state\s*(?:=|!=)\s*'(\w+)'", "\n".join(QUERIES.values())))
    literals |= {
        value
        for sql in QUERIES.values()
        for group in re.findall(r"state IN \(([^)]*)\)", sql)
        for value in re.findall(r"'(\w+)'", group)
    }
    known = {*DocumentState, *JobState, *WorkerState}
    assert literals and literals <= known


# --- documents and batches -----------------------------------------------------------


def test_create_makes_a_batch_fails_refused_files_and_keeps_inline_originals(store):
    refused = UnsupportedFileType(mime_type="application/zip")
    docs = store.documents.create(
        [
            NewDocument("doc_a", stored("doc_a", inline=b"%PDF a")),
            NewDocument("doc_b", stored("doc_b"), refused),
        ],
        engine="local",
        retention_days=30,
        api_key_id="key",
        max_attempts=3,
        priority=8,
        batch_id="bat_1",
    )
    a, b = docs
    assert (a.state, a.job_state, a.batch_id, a.seq) == (
        DocumentState.PENDING,
        JobState.PENDING,
        "bat_1",
        0,
    )
    assert (b.state, b.job_state, b.error_reason) == (
        DocumentState.FAILED,
        None,
        refused.reason,
    )
    assert store.inline.get("originals/doc_a") == b"%PDF a"
    assert store.inline.get("originals/doc_b") is None
    batch = store.batches.get("bat_1")
    assert batch is not None
    assert (batch.priority, batch.total, batch.api_key_id) == (8, 2, "key")
    assert batch.counts == {DocumentState.PENDING: 1, DocumentState.FAILED: 1}
    assert store.batches.get("bat_none") is None
    assert [d.id for d in store.documents.of_batch("bat_1", -1, 10)] == ["doc_a", "doc_b"]
    assert [d.id for d in store.documents.of_batch("bat_1", 0, 10)] == ["doc_b"]


def test_newest_pages_through_documents(store):
    for name in ("doc_1", "doc_2", "doc_3"):
        store.documents.create(
            [NewDocument(name, stored(name))],
            engine="local",
            retention_days=30,
            api_key_id="",
            max_attempts=3,
        )
    first = store.documents.newest(before=(2**62, ""), limit=2)
    assert [d.id for d in first] == ["doc_3", "doc_2"]
    rest = store.documents.newest(before=(first[-1].created_at, first[-1].id), limit=2)
    assert [d.id for d in rest] == ["doc_1"]
    none = store.documents.newest(before=(2**62, ""), state=DocumentState.COMPLETED, limit=5)
    assert none == []


def test_archiving_keeps_the_row_and_drops_the_markdown(store):
    store.documents.create(
        [NewDocument("doc_a", stored("doc_a"))],
        engine="local",
        retention_days=1,
        api_key_id="",
        max_attempts=3,
    )
    assert store.documents.expired(now_ms() + 2 * 86_400_000, 10) == []  # not finished yet
    with store.connector.write():
        store.connector.conn.execute("UPDATE documents SET state = 'completed'")
    (expired,) = store.documents.expired(now_ms() + 2 * 86_400_000, 10)
    assert expired == Expired("doc_a", "originals/doc_a")
    store.documents.archive("doc_a", now_ms())
    doc = store.documents.get("doc_a")
    assert doc.state == DocumentState.ARCHIVED and doc.archived_at is not None
    assert store.documents.unknown(["doc_a", "doc_zz"]) == ["doc_zz"]
    assert store.documents.unknown([]) == []


# --- uploads, servers, workers --------------------------------------------------------


def test_an_upload_is_used_once(store):
    file = StoredFile("uploads/upl_a", "a.pdf", "application/pdf", 3, "abc")
    expires_at = store.uploads.record("upl_a", file, api_key_id="", ttl_ms=60_000)
    assert expires_at > now_ms()
    assert store.uploads.take("upl_a") == file
    assert store.uploads.take("upl_a") is None  # used already
    assert store.uploads.delete_unused("upl_a") is None  # a document owns its blob now
    store.uploads.record("upl_b", file, api_key_id="", ttl_ms=60_000)
    assert store.uploads.delete_unused("upl_b") == "uploads/upl_a"
    assert store.uploads.unknown(["upl_a", "upl_b"]) == ["upl_b"]


def test_expired_and_transient_uploads(store):
    file = StoredFile("uploads/upl_t", "a.pdf", "application/pdf", 3, "abc")
    store.uploads.record("upl_t", file, api_key_id="", ttl_ms=60_000, server_id="srv_a")
    store.uploads.record("upl_x", file, api_key_id="", ttl_ms=0)
    assert store.uploads.transient("srv_a", 10) == ["upl_t"]
    assert store.uploads.expired(now_ms(), 10) == [Expired("upl_x", "uploads/upl_t")]
    store.uploads.delete("upl_x")
    assert store.uploads.expired(now_ms() + 120_000, 10) == [Expired("upl_t", "uploads/upl_t")]


def test_servers_gone_by_silence_or_by_pid(store):
    store.servers.heartbeat("srv_me", os.getpid(), "here")
    store.servers.heartbeat("srv_live", os.getpid(), "here")
    store.servers.heartbeat("srv_crashed", 2**22 + 1, "here")  # above any pid_max: no process
    store.servers.heartbeat("srv_far", 1, "elsewhere")
    assert store.servers.gone("srv_me", 60_000, "here") == ["srv_crashed"]
    with store.connector.write():
        store.connector.conn.execute("UPDATE servers SET heartbeat_at = 0 WHERE id = 'srv_far'")
    assert sorted(store.servers.gone("srv_me", 60_000, "here")) == ["srv_crashed", "srv_far"]
    store.servers.delete("srv_crashed")
    store.servers.delete("srv_far")
    assert store.servers.gone("srv_me", 60_000, "here") == []


def test_workers_die_once(store):
    gone = store.workers.register(2**22 + 1, "here")  # no such process
    live = store.workers.register(os.getpid(), "here")
    assert store.workers.bury_vanished("here") == 1
    store.workers.heartbeat(gone)  # a dead worker stays dead
    states = dict(
        (row["id"], row["state"])
        for row in store.connector.conn.execute("SELECT id, state FROM workers")
    )
    assert states == {gone: WorkerState.DEAD, live: WorkerState.ACTIVE}
    store.workers.mark_dead(live)
    store.workers.mark_pid_dead(os.getpid(), "here")  # already dead: nothing changes
    assert {row["state"] for row in store.connector.conn.execute("SELECT state FROM workers")} == {
        WorkerState.DEAD
    }


def test_open_store_migrates_the_configured_database(tmp_path):
    from ilios import config

    settings = config.load({"DATA_DIR": str(tmp_path / "data")}, dotenv=False)
    store = open_store(settings)
    try:
        assert store.connector.conn.pragma("user_version") >= 7
        assert (tmp_path / "data" / "ilios.db").exists()
        assert store.checkpoint() is not None
    finally:
        store.close()


def test_the_document_queries_return_the_fields_of_document_in_order(store):
    """``documents.document`` builds a ``Document`` from a row's values in order."""
    import dataclasses

    from ilios.store import Document

    fields = [field.name for field in dataclasses.fields(Document)]
    params = {"id": "doc_a", "ids": store.connector.ids(["doc_a"]), "batch_id": "bat_a"}
    params |= {"after": -1, "limit": 10, "cursor_created_at": 2**62, "cursor_id": ""}
    params |= {"state": "", "created_after": 0}
    store.documents.create(
        [NewDocument("doc_a", stored("doc_a"))],
        engine="local",
        retention_days=30,
        api_key_id="",
        max_attempts=3,
        batch_id="bat_a",
    )
    for name in ("get_document", "documents_by_ids", "list_documents", "batch_documents_after"):
        sql = QUERIES[name]
        used = {key: value for key, value in params.items() if f":{key}" in sql}
        (row,) = store.connector.execute(name, **used)
        assert list(row) == fields, name
