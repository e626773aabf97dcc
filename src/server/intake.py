"""Accepting documents: store the bytes, check the type, queue the jobs.

Every path into the pipeline (Convert, SubmitDocument, BatchSubmit, with
inline bytes or an upload id) goes through ``Intake``: the original lands in
the blob store under a key derived from an id, its type is sniffed from its
bytes, and the documents and their jobs are created in one transaction, so a
crash mid-submit leaves nothing half-made. Methods here block (disk and
SQLite); the servicer runs them on its database threads.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Sequence

from ilios import filetypes, jobs
from ilios.blobs import HEAD_BYTES, BlobStore, BlobWriter
from ilios.config import Settings
from ilios.database import Database, Row, id_list, new_id, now_ms
from ilios.errors import (
    EngineNotConfigured,
    FileTooLarge,
    IliosError,
    InvalidPriority,
    InvalidRetention,
    StorageUnavailable,
    UploadIncomplete,
    UploadNotFound,
)

log = logging.getLogger("ilios.server")

DEFAULT_PRIORITY = 5
CONVERT_PRIORITY = jobs.STREAMED_PRIORITY  # above every batch priority (1-10)
UPLOAD_TTL_MS = 24 * 3600 * 1000


@dataclasses.dataclass(frozen=True, slots=True)
class StoredFile:
    blob_key: str
    file_name: str
    mime_type: str
    size_bytes: int
    sha256: str
    # A small file's bytes, kept in the database by ``create`` (see ilios.inline)
    # instead of the blob store; None: in the blob store already.
    inline: bytes | None = None


def retention(settings: Settings, days: int) -> int:
    if days == 0:
        return settings.default_retention_days
    if not 1 <= days <= 3650:
        raise InvalidRetention(value=str(days))
    return days


def priority(value: int) -> int:
    if value == 0:
        return DEFAULT_PRIORITY
    if not 1 <= value <= 10:
        raise InvalidPriority(value=str(value))
    return value


class Intake:
    def __init__(self, settings: Settings, db: Database, blobs: BlobStore) -> None:
        self.settings = settings
        self.db = db
        self.blobs = blobs

    def engine(self, name: str) -> str:
        """The engine a request names, or the server's default."""
        name = name or self.settings.ocr_engine
        available = {"local", self.settings.ocr_engine}
        if self.settings.mistral_api_key:
            available.add("mistral")
        if name not in available:
            raise EngineNotConfigured(
                f"The {name!r} engine is not configured on this server"
                + (": set MISTRAL_API_KEY." if name == "mistral" else "."),
                engine=name,
            )
        return name

    # --- bytes in ---------------------------------------------------------------

    def open_writer(self, key: str) -> BlobWriter:
        return self.blobs.writer(key, self.settings.max_file_size)

    def finish(self, writer: BlobWriter, key: str, file_name: str, sync: bool = True) -> StoredFile:
        """Commit a fully written blob; its type is sniffed, not yet judged."""
        writer.commit(sync)
        mime = filetypes.sniff(writer.head(), file_name)
        return StoredFile(key, file_name, mime, writer.size, writer.sha256)

    @staticmethod
    def check(stored: StoredFile) -> None:
        """Raise EmptyFile or UnsupportedFileType unless the file can be converted."""
        filetypes.require_supported(stored.mime_type, stored.file_name, stored.size_bytes)

    def store_content(
        self, content: bytes, file_name: str, key: str, sync: bool = True
    ) -> StoredFile:
        """Store bytes sent inline under ``key`` (``sync=False``: the caller syncs the
        store). A small file is only held: ``create`` keeps it in the database."""
        file_name = filetypes.safe_file_name(file_name)
        if len(content) > self.settings.max_file_size:
            raise FileTooLarge(limit_bytes=str(self.settings.max_file_size))
        mime = filetypes.sniff(content[:HEAD_BYTES], file_name)
        if len(content) <= self.settings.inline_max_bytes:
            sha256 = hashlib.sha256(content).hexdigest()
            return StoredFile(key, file_name, mime, len(content), sha256, inline=content)
        sha256 = self.blobs.put(key, content, sync)
        return StoredFile(key, file_name, mime, len(content), sha256)

    def discard(self, stored: StoredFile) -> None:
        """Remove a stored file no document will name (nothing to do for a held one)."""
        if stored.inline is None:
            self.blobs.delete(stored.blob_key)

    def record_upload(
        self,
        upload_id: str,
        stored: StoredFile,
        api_key_id: str,
        declared_size: int,
        declared_sha256: str,
        server_id: str | None = None,
    ) -> Row:
        """Record a stored upload; ``server_id`` marks it transient (see ``presence``)."""
        if declared_size and declared_size != stored.size_bytes:
            self.blobs.delete(stored.blob_key)
            raise UploadIncomplete(
                f"The upload declared {declared_size} bytes but sent {stored.size_bytes}.",
            )
        if declared_sha256 and declared_sha256.lower() != stored.sha256:
            self.blobs.delete(stored.blob_key)
            raise UploadIncomplete("The upload's sha256 does not match what was sent.")
        now = now_ms()
        with self.db.write():
            self.db.execute(
                "insert_upload",
                id=upload_id,
                file_name=stored.file_name,
                mime_type=stored.mime_type,
                size_bytes=stored.size_bytes,
                sha256=stored.sha256,
                blob_key=stored.blob_key,
                api_key_id=api_key_id,
                now=now,
                expires_at=now + UPLOAD_TTL_MS,
                server_id=server_id,
            )
        return {"expires_at": now + UPLOAD_TTL_MS}

    def take_upload(self, upload_id: str, file_name: str) -> StoredFile:
        """Claim an upload for one document (an upload is used once)."""
        with self.db.write():
            row = self.db.one("take_upload", id=upload_id, now=now_ms())
        if row is None:
            raise UploadNotFound(upload_id=upload_id)
        name = filetypes.safe_file_name(file_name) if file_name else row["file_name"]
        return StoredFile(row["blob_key"], name, row["mime_type"], row["size_bytes"], row["sha256"])

    def delete_upload(self, upload_id: str) -> None:
        """Forget an upload no document has used, then delete its file.

        The record goes first, in one statement that checks it is unused, so a
        document taking it at the same moment cannot end up without its file. A
        file the store fails to delete is left to the orphan sweep.
        """
        with self.db.write():
            row = self.db.one("delete_unused_upload", id=upload_id)
        if row is None:
            raise UploadNotFound(upload_id=upload_id)
        try:
            self.blobs.delete(row["blob_key"])
        except StorageUnavailable as exc:
            log.warning("upload %s forgotten; its file is left to the sweep: %s", upload_id, exc)

    # --- documents --------------------------------------------------------------

    def create(
        self,
        files: Sequence[tuple[str, StoredFile, IliosError | None]],
        *,
        job_priority: int,
        retention_days: int,
        engine: str,
        api_key_id: str,
        batch_id: str | None = None,
        batch_priority: int = DEFAULT_PRIORITY,
    ) -> list[Row]:
        """Create documents (and their batch) and queue their jobs, atomically.

        A file given with an error (say, an unsupported type in a batch) becomes
        a document that failed at once with that error, and gets no job.
        """
        now = now_ms()
        with self.db.write():
            if batch_id is not None:
                self.db.execute(
                    "insert_batch",
                    id=batch_id,
                    priority=batch_priority,
                    retention_days=retention_days,
                    engine=engine,
                    api_key_id=api_key_id,
                    total=len(files),
                    now=now,
                )
            insert_documents(
                self.db,
                [(doc_id, f) for doc_id, f, _ in files],
                batch_id=batch_id,
                retention_days=retention_days,
                engine=engine,
                api_key_id=api_key_id,
                now=now,
            )
            self.db.execute_many(
                "insert_inline_blob",
                [
                    {"key": f.blob_key, "content": f.inline}
                    for _, f, _ in files
                    if f.inline is not None
                ],
            )
            queued = [doc_id for doc_id, _, error in files if error is None]
            jobs.enqueue(self.db, queued, job_priority, self.settings.max_attempts)
            for doc_id, _, error in files:
                if error is not None:
                    self.db.execute(
                        "fail_document",
                        id=doc_id,
                        reason=error.reason,
                        message=error.message,
                        now=now,
                    )
            ids = id_list([doc_id for doc_id, _, _ in files])
            return self.db.execute("documents_by_ids", ids=ids)


def insert_documents(
    db: Database,
    files: Sequence[tuple[str, StoredFile]],
    *,
    batch_id: str | None,
    retention_days: int,
    engine: str,
    api_key_id: str,
    now: int,
) -> None:
    """Insert pending documents (id, stored file), in order, with one statement
    (inside the caller's write transaction; their jobs are queued apart)."""
    records = [
        [doc_id, f.file_name, f.mime_type, f.size_bytes, f.sha256, f.blob_key]
        for doc_id, f in files
    ]
    db.execute(
        "insert_documents",
        files=json.dumps(records),
        batch_id=batch_id,
        retention_days=retention_days,
        engine=engine,
        api_key_id=api_key_id,
        now=now,
    )


def document_key(doc_id: str) -> str:
    return f"originals/{doc_id}"


def upload_key(upload_id: str) -> str:
    return f"uploads/{upload_id}"


def new_document_id() -> str:
    return new_id("doc")
