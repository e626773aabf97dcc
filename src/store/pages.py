"""A document's Markdown, page by page (written by ``Jobs``, read here)."""

from __future__ import annotations

from typing import NamedTuple

from ilios.store.connector import Connector


class Page(NamedTuple):
    """One page of a document's Markdown (numbered from 1)."""

    number: int
    markdown: str


class Pages:
    """Reading pages."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    def after(self, document_id: str, after: int = 0) -> list[Page]:
        """A document's pages numbered above ``after``, in order (all of them by default)."""
        rows = self.db.execute("pages_after", document_id=document_id, after=after)
        return [Page(row["number"], row["markdown"]) for row in rows]
