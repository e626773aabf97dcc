"""Documents: one per file submitted, with its state (``DocumentState``), its
job's state, and where its original is stored.

``Documents.create`` is the intake's one transaction: the batch, the
documents, the small originals kept inline and the jobs are committed together,
so a crash mid-submit leaves nothing half-made. No document row is ever
deleted: past retention it is archived (original and Markdown gone, the row and
its usage kept).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import NamedTuple

from ilios.errors import IliosError
from ilios.limits import DEFAULT_PRIORITY
from ilios.store.connector import Connector, Row
from ilios.store.ids import now_ms
from ilios.store.jobs import enqueue
from ilios.store.states import DocumentState, JobState


@dataclasses.dataclass(frozen=True, slots=True)
class StoredFile:
    """A file as a document (or an upload) records it: where its bytes are
    stored, its name, sniffed type, size and SHA-256 (hex)."""

    blob_key: str
    file_name: str
    mime_type: str
    size_bytes: int
    sha256: str
    # A small file's bytes, kept in the database by ``Documents.create`` instead
    # of the blob store (see ilios.storage.inline); None: in the blob store already.
    inline: bytes | None = None


class NewDocument(NamedTuple):
    """A document for ``Documents.create``: its id, its file, and the error that
    refused it at intake (None: queue a job; else it fails at once, with no job)."""

    id: str
    file: StoredFile
    error: IliosError | None = None


# Not frozen: a frozen dataclass sets each field through object.__setattr__,
# which made building this one 4x slower (the intake builds one per document).
@dataclasses.dataclass(slots=True)
class Document:
    """A document row, with its job's state and attempts (None and 0: no job).
    Times are milliseconds since the Unix epoch."""

    id: str
    batch_id: str | None
    seq: int  # position in its batch
    file_name: str
    mime_type: str
    size_bytes: int
    sha256: str
    blob_key: str
    state: DocumentState
    error_reason: str | None
    error_message: str | None
    retention_days: int
    engine: str
    model: str
    page_count: int
    processing_ms: int
    api_key_id: str
    created_at: int
    processed_at: int | None
    archived_at: int | None
    job_state: JobState | None
    attempts: int
    languages: str  # OCR model codes, comma-separated ("": the server's default)


class Expired(NamedTuple):
    """A row past its time, and the blob it names (delete the blob first)."""

    id: str
    blob_key: str


# States by value: a dict lookup is ten times quicker than calling the enum.
_DOCUMENT_STATES = {state.value: state for state in DocumentState}
_JOB_STATES: dict[str | None, JobState | None] = {state.value: state for state in JobState}
_JOB_STATES[None] = None


def document(row: Row) -> Document:
    """A ``Document`` from a row of the document queries, whose columns are its
    fields in order (a test holds them to it)."""
    row["state"] = _DOCUMENT_STATES[row["state"]]
    row["job_state"] = _JOB_STATES[row["job_state"]]
    row["attempts"] = row["attempts"] or 0
    # Positional: a row's keys are not the interned names ``**row`` is matched
    # against quickly, and matching 22 of them by value cost 3 µs a document.
    return Document(*row.values())


class Documents:
    """Creating, reading and archiving documents."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    def create(
        self,
        documents: Sequence[NewDocument],
        *,
        engine: str,
        retention_days: int,
        api_key_id: str,
        max_attempts: int,
        priority: int = DEFAULT_PRIORITY,
        streamed: bool = False,
        batch_id: str | None = None,
        languages: Sequence[str] = (),
    ) -> list[Document]:
        """Create documents (and their batch, given ``batch_id``) and queue their
        jobs, in one transaction; return the documents in the given order.

        ``priority`` orders the jobs (and is the batch's); ``streamed`` marks
        jobs a ``Convert`` caller waits on, claimed before any other;
        ``languages`` are the OCR model codes the request named. A document
        given with an error fails at once and gets no job. Inline originals
        (``StoredFile.inline``) are written with their documents.
        """
        db = self.db
        now = now_ms()
        with db.write():
            if batch_id is not None:
                db.run(
                    "insert_batch",
                    id=batch_id,
                    priority=priority,
                    retention_days=retention_days,
                    engine=engine,
                    api_key_id=api_key_id,
                    total=len(documents),
                    now=now,
                )
            insert(
                db,
                documents,
                batch_id=batch_id,
                retention_days=retention_days,
                engine=engine,
                api_key_id=api_key_id,
                now=now,
                languages=",".join(languages),
            )
            db.execute_many(
                "insert_inline_blob",
                [
                    {"key": new.file.blob_key, "content": new.file.inline}
                    for new in documents
                    if new.file.inline is not None
                ],
            )
            enqueue(
                db,
                [new.id for new in documents if new.error is None],
                priority=priority,
                max_attempts=max_attempts,
                streamed=streamed,
                now=now,
            )
            for new in documents:
                if new.error is not None:
                    db.run(
                        "fail_document",
                        id=new.id,
                        reason=new.error.reason,
                        message=new.error.message,
                        now=now,
                    )
            rows = db.execute("documents_by_ids", ids=db.ids([new.id for new in documents]))
        return [document(row) for row in rows]

    def get(self, document_id: str) -> Document | None:
        """One document (None: no such id)."""
        row = self.db.one("get_document", id=document_id) if document_id else None
        return None if row is None else document(row)

    def newest(
        self,
        *,
        before: tuple[int, str],
        batch_id: str = "",
        state: DocumentState | None = None,
        created_after: int = 0,
        limit: int,
    ) -> list[Document]:
        """A page of documents, newest first: those created before the
        ``(created_at, id)`` cursor ``before``, at or after ``created_after``,
        of ``batch_id`` and in ``state`` when given."""
        rows = self.db.execute(
            "list_documents",
            cursor_created_at=before[0],
            cursor_id=before[1],
            batch_id=batch_id,
            state="" if state is None else state.value,
            created_after=created_after,
            limit=limit,
        )
        return [document(row) for row in rows]

    def of_batch(self, batch_id: str, after_seq: int, limit: int) -> list[Document]:
        """A batch's documents after position ``after_seq`` (-1: from the first),
        in submission order."""
        rows = self.db.execute(
            "batch_documents_after", batch_id=batch_id, after=after_seq, limit=limit
        )
        return [document(row) for row in rows]

    def expired(self, now: int, limit: int) -> list[Expired]:
        """Up to ``limit`` finished documents whose retention ended by ``now``, oldest first."""
        rows = self.db.execute("expired_documents", now=now, limit=limit)
        return [Expired(row["id"], row["blob_key"]) for row in rows]

    def archive(self, document_id: str, now: int) -> None:
        """Past retention (its original deleted first): drop the Markdown, keep the row."""
        with self.db.write():
            self.db.run("delete_pages", document_id=document_id)
            self.db.run("archive_document", id=document_id, now=now)

    def unknown(self, ids: Sequence[str]) -> list[str]:
        """The ids in ``ids`` that name no document."""
        if not ids:
            return []
        return [row["id"] for row in self.db.execute("unknown_documents", ids=self.db.ids(ids))]


def insert(
    db: Connector,
    documents: Sequence[NewDocument],
    *,
    batch_id: str | None,
    retention_days: int,
    engine: str,
    api_key_id: str,
    now: int,
    languages: str = "",
) -> None:
    """Insert pending documents, in order (their position is ``seq``), with one
    statement, inside the caller's write transaction; their jobs are queued apart."""
    records = [
        [id_, file.file_name, file.mime_type, file.size_bytes, file.sha256, file.blob_key]
        for id_, file, _ in documents
    ]
    db.run(
        "insert_documents",
        files=json.dumps(records),
        batch_id=batch_id,
        retention_days=retention_days,
        engine=engine,
        api_key_id=api_key_id,
        now=now,
        languages=languages,
    )
