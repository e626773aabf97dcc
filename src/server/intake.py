"""Accepting documents: store the bytes, check the type, queue the jobs.

Every path into the pipeline (Convert, SubmitDocument, BatchSubmit, with
inline bytes or an upload id) goes through ``Intake``: the original lands in
the blob store under a key derived from an id, its type is sniffed from its
bytes, and the documents and their jobs are created in one transaction
(``Documents.create``), so a crash mid-submit leaves nothing half-made.
Methods here block (disk and database); the servicer runs them on its
database threads.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from collections.abc import Sequence

from ilios import filetypes
from ilios.config import Settings
from ilios.errors import (
    EngineNotConfigured,
    FileTooLarge,
    InvalidLanguages,
    InvalidPriority,
    InvalidRetention,
    StorageUnavailable,
    UploadIncomplete,
    UploadNotFound,
)
from ilios.limits import (
    DEFAULT_PRIORITY,
    LANGUAGE_CODE,
    MAX_LANGUAGES,
    MAX_PRIORITY,
    MAX_RETENTION_DAYS,
    MIN_PRIORITY,
    MIN_RETENTION_DAYS,
    Engine,
)
from ilios.storage import HEAD_BYTES, BlobStore, BlobWriter
from ilios.store import Document, NewDocument, Store, StoredFile, new_id

_LANGUAGE = re.compile(LANGUAGE_CODE)
log = logging.getLogger("ilios.server")

UPLOAD_TTL_MS = 24 * 3600 * 1000


def retention(settings: Settings, days: int) -> int:
    """A request's retention in days (0: the server's default)."""
    if days == 0:
        return settings.default_retention_days
    if not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        raise InvalidRetention(value=str(days))
    return days


def languages(codes: Sequence[str]) -> list[str]:
    """The OCR languages a request names (INVALID_LANGUAGES unless model codes)."""
    if len(codes) > MAX_LANGUAGES or not all(_LANGUAGE.fullmatch(c) for c in codes):
        raise InvalidLanguages(
            f"languages must be at most {MAX_LANGUAGES} OCR model codes such as eng, deu, "
            "frk, ara, jpn or chi_sim.",
            languages=",".join(codes)[:200],
        )
    return list(codes)


def priority(value: int) -> int:
    """A request's priority (0: the default)."""
    if value == 0:
        return DEFAULT_PRIORITY
    if not MIN_PRIORITY <= value <= MAX_PRIORITY:
        raise InvalidPriority(value=str(value))
    return value


class Intake:
    def __init__(self, settings: Settings, store: Store, blobs: BlobStore) -> None:
        self.settings = settings
        self.store = store
        self.blobs = blobs

    def engine(self, name: str) -> str:
        """The engine a request names, or the server's default."""
        name = name or self.settings.ocr_engine
        available = {Engine.LOCAL, self.settings.ocr_engine}
        if self.settings.mistral_api_key:
            available.add(Engine.MISTRAL)
        if name not in available:
            raise EngineNotConfigured(
                f"The {name!r} engine is not configured on this server"
                + (": set MISTRAL_API_KEY." if name == Engine.MISTRAL else "."),
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
        reservation: str | None = None,
    ) -> int:
        """Record a stored upload; return when it expires (ms). ``server_id`` marks
        it transient (see ``presence``); ``reservation``: it is that reservation's
        file (the reservation goes in the same commit)."""
        if declared_size and declared_size != stored.size_bytes:
            self.blobs.delete(stored.blob_key)
            raise UploadIncomplete(
                f"The upload declared {declared_size} bytes but sent {stored.size_bytes}.",
            )
        if declared_sha256 and declared_sha256.lower() != stored.sha256:
            self.blobs.delete(stored.blob_key)
            raise UploadIncomplete("The upload's sha256 does not match what was sent.")
        return self.store.uploads.record(
            upload_id,
            stored,
            api_key_id=api_key_id,
            ttl_ms=UPLOAD_TTL_MS,
            server_id=server_id,
            reservation=reservation,
        )

    def take_upload(self, upload_id: str, file_name: str) -> StoredFile:
        """Claim an upload for one document (an upload is used once)."""
        stored = self.store.uploads.take(upload_id)
        if stored is None:
            raise UploadNotFound(upload_id=upload_id)
        if file_name:
            stored = dataclasses.replace(stored, file_name=filetypes.safe_file_name(file_name))
        return stored

    def delete_upload(self, upload_id: str) -> None:
        """Forget an upload no document has used, then delete its file.

        The record goes first, in one statement that checks it is unused, so a
        document taking it at the same moment cannot end up without its file. A
        file the store fails to delete is left to the orphan sweep.
        """
        blob_key = self.store.uploads.delete_unused(upload_id)
        if blob_key is None:
            raise UploadNotFound(upload_id=upload_id)
        try:
            self.blobs.delete(blob_key)
        except StorageUnavailable as exc:
            log.warning("upload %s forgotten; its file is left to the sweep: %s", upload_id, exc)

    # --- documents --------------------------------------------------------------

    def create(
        self,
        documents: Sequence[NewDocument],
        *,
        priority: int,
        retention_days: int,
        engine: str,
        api_key_id: str,
        streamed: bool = False,
        batch_id: str | None = None,
        languages: Sequence[str] = (),
    ) -> list[Document]:
        """Create documents (and their batch) and queue their jobs, atomically
        (``Documents.create``); ``streamed``: a ``Convert`` caller waits on them.

        A document given with an error (say, an unsupported type in a batch)
        fails at once with that error, and gets no job.
        """
        return self.store.documents.create(
            documents,
            engine=engine,
            retention_days=retention_days,
            api_key_id=api_key_id,
            max_attempts=self.settings.max_attempts,
            priority=priority,
            streamed=streamed,
            batch_id=batch_id,
            languages=languages,
        )


def document_key(doc_id: str) -> str:
    return f"originals/{doc_id}"


def upload_key(upload_id: str) -> str:
    return f"uploads/{upload_id}"


def new_document_id() -> str:
    return new_id("doc")
