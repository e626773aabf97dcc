"""Uploads: files streamed in ahead of the request that uses them.

An upload is used once: a document takes it over (``Uploads.take``) and then
names its blob. Unused, it expires; a transient one (made for a request still
in flight) also goes when the server that stored it is gone.
"""

from __future__ import annotations

from collections.abc import Sequence

from ilios.store.connector import Connector
from ilios.store.documents import Expired, StoredFile
from ilios.store.ids import now_ms


class Uploads:
    """Upload rows."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    def record(
        self,
        upload_id: str,
        file: StoredFile,
        *,
        api_key_id: str,
        ttl_ms: int,
        server_id: str | None = None,
        reservation: str | None = None,
    ) -> int:
        """Record a stored upload, usable for ``ttl_ms``; return when it expires
        (ms). ``server_id`` marks it transient: it goes when that server does;
        ``reservation``: the upload is that reservation's file (it goes with it)."""
        now = now_ms()
        with self.db.write():
            if reservation is not None:
                self.db.run("delete_reservation", id=reservation)
            self.db.run(
                "insert_upload",
                id=upload_id,
                file_name=file.file_name,
                mime_type=file.mime_type,
                size_bytes=file.size_bytes,
                sha256=file.sha256,
                blob_key=file.blob_key,
                api_key_id=api_key_id,
                now=now,
                expires_at=now + ttl_ms,
                server_id=server_id,
            )
        return now + ttl_ms

    def take(self, upload_id: str) -> StoredFile | None:
        """Mark an unused, unexpired upload used and return its file (None: no such
        upload, used already, or expired)."""
        with self.db.write():
            row = self.db.one("take_upload", id=upload_id, now=now_ms())
        if row is None:
            return None
        return StoredFile(
            row["blob_key"], row["file_name"], row["mime_type"], row["size_bytes"], row["sha256"]
        )

    def delete_unused(self, upload_id: str) -> str | None:
        """Forget an upload no document has used; return its blob key (None: no
        such upload, or used). Delete the blob after: a document taking the
        upload at the same moment cannot end up without its file."""
        with self.db.write():
            row = self.db.one("delete_unused_upload", id=upload_id)
        return None if row is None else str(row["blob_key"])

    def transient(self, server_id: str, limit: int) -> list[str]:
        """Up to ``limit`` unused transient uploads stored by ``server_id``."""
        rows = self.db.execute("transient_uploads", server_id=server_id, limit=limit)
        return [row["id"] for row in rows]

    def expired(self, now: int, limit: int) -> list[Expired]:
        """Up to ``limit`` uploads nobody used before they expired."""
        rows = self.db.execute("expired_uploads", now=now, limit=limit)
        return [Expired(row["id"], row["blob_key"]) for row in rows]

    def delete(self, upload_id: str) -> None:
        """Forget an upload (its blob deleted first)."""
        with self.db.write():
            self.db.run("delete_upload", id=upload_id)

    def unknown(self, ids: Sequence[str]) -> list[str]:
        """The ids in ``ids`` that name no upload."""
        if not ids:
            return []
        return [row["id"] for row in self.db.execute("unknown_uploads", ids=self.db.ids(ids))]
