"""Batches: documents submitted together (``Documents.create`` makes one)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ilios.store.connector import Connector
from ilios.store.states import DocumentState


@dataclasses.dataclass(frozen=True, slots=True)
class Batch:
    """A batch, how many of its documents are in each state, and when its last
    document finished (ms; None: none has)."""

    id: str
    priority: int
    retention_days: int
    engine: str
    api_key_id: str
    total: int
    created_at: int
    last_processed_at: int | None
    counts: Mapping[DocumentState, int]


class Batches:
    """Reading batches."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    def get(self, batch_id: str) -> Batch | None:
        """One batch with its documents' counts by state (None: no such id)."""
        row = self.db.one("get_batch", id=batch_id) if batch_id else None
        if row is None:
            return None
        counts = {
            DocumentState(r["state"]): r["n"]
            for r in self.db.execute("batch_counts", batch_id=batch_id)
        }
        return Batch(**row, counts=counts)
