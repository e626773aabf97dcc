"""What conversions cost: one record per completed conversion (``Jobs.finish``
writes it; a retried job replaces its record), summed exactly here."""

from __future__ import annotations

import dataclasses

from ilios.store.connector import Connector, Row


@dataclasses.dataclass(frozen=True, slots=True)
class Charge:
    """What one conversion cost: pages billed, tokens, and money in micro-dollars
    (``margin_rate_bp``: basis points, 3000 = 30 %)."""

    pages: int
    input_tokens: int = 0
    output_tokens: int = 0
    base_cost_micros: int = 0
    margin_rate_bp: int = 0
    total_cost_micros: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class UsageTotals:
    """Sums over the conversions in a time range."""

    documents: int
    operations: int
    pages: int
    input_tokens: int
    output_tokens: int
    base_cost_micros: int
    total_cost_micros: int


@dataclasses.dataclass(frozen=True, slots=True)
class UsageBucket:
    """The totals of one UTC day (``YYYY-MM-DD``), engine and API key."""

    day: str
    engine: str
    api_key_id: str
    totals: UsageTotals


def _totals(row: Row) -> UsageTotals:
    return UsageTotals(
        documents=row["documents"] or 0,
        operations=row["operations"] or 0,
        pages=row["pages"] or 0,
        input_tokens=row["input_tokens"] or 0,
        output_tokens=row["output_tokens"] or 0,
        base_cost_micros=row["base_cost_micros"] or 0,
        total_cost_micros=row["total_cost_micros"] or 0,
    )


class UsageRecords:
    """Reading usage. Times are milliseconds since the Unix epoch; ranges include both ends."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    def of_document(self, document_id: str) -> Charge | None:
        """What a document's conversion cost (None: not converted yet)."""
        row = self.db.one("document_usage", document_id=document_id)
        return None if row is None else Charge(**row)

    def summary(self, start: int, end: int) -> UsageTotals:
        """Totals of the conversions recorded from ``start`` to ``end``."""
        rows = self.db.execute("usage_summary", start=start, end=end)
        return _totals(rows[0])

    def breakdown(self, start: int, end: int) -> list[UsageBucket]:
        """Totals by UTC day, engine and API key, in that order."""
        rows = self.db.execute("usage_breakdown", start=start, end=end)
        return [
            UsageBucket(row["day"], row["engine"], row["api_key_id"], _totals(row)) for row in rows
        ]
