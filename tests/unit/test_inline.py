"""Small originals kept in the database, in front of the blob store."""

from __future__ import annotations

import pytest

from ilios.errors import StorageUnavailable
from ilios.storage import InlineStore, LocalBlobStore
from ilios.store import NewDocument, SQLite, Store, StoredFile


@pytest.fixture
def database(tmp_path):
    opened = Store(SQLite(tmp_path / "ilios.db"))
    opened.migrate()
    yield opened
    opened.close()


@pytest.fixture
def store(tmp_path, database):
    return InlineStore(LocalBlobStore(tmp_path / "blobs"), database.inline, tmp_path / "tmp")


def test_an_inline_original_reads_back_and_is_deleted(store, database, tmp_path):
    held = StoredFile("originals/doc_a", "a.pdf", "application/pdf", 10, "x", b"%PDF small")
    database.documents.create(
        [NewDocument("doc_a", held)],
        engine="local",
        retention_days=30,
        api_key_id="",
        max_attempts=3,
    )
    with store.open("originals/doc_a") as stream:
        assert stream.read() == b"%PDF small"
    with store.local_path("originals/doc_a") as path:
        assert path.read_bytes() == b"%PDF small"
        assert path.name == "doc_a" and path.parent.parent == tmp_path / "tmp"
    assert not [p for p in (tmp_path / "tmp").rglob("*") if p.is_file()]  # the copy is gone
    # Its folder (the store's own) is made again if the sweeper removed it.
    (path.parent).rmdir()
    with store.local_path("originals/doc_a") as again:
        assert again.read_bytes() == b"%PDF small"
    store.delete("originals/doc_a")
    with pytest.raises(StorageUnavailable):
        store.open("originals/doc_a")


def test_other_keys_go_to_the_blob_store(store, tmp_path):
    store.put("originals/doc_b", b"%PDF large")
    with store.open("originals/doc_b") as stream:
        assert stream.read() == b"%PDF large"
    with store.local_path("originals/doc_b") as path:
        assert path == tmp_path / "blobs" / "originals" / "doc_b"
    store.delete("originals/doc_b")
    assert not (tmp_path / "blobs" / "originals" / "doc_b").exists()
