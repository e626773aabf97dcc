"""Small originals kept in the database (``Documents.create`` writes them with
their documents; ``ilios.storage.InlineStore`` reads them as blobs)."""

from __future__ import annotations

from ilios.store.connector import Connector


class InlineBlobs:
    """Originals by blob key."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    def get(self, key: str) -> bytes | None:
        """The original kept under ``key``, if the database holds one."""
        row = self.db.one("inline_blob", key=key)
        return None if row is None else bytes(row["content"])

    def delete(self, key: str) -> None:
        """Forget an original (retention); nothing happens if there is none."""
        with self.db.write():
            self.db.run("delete_inline_blob", key=key)
