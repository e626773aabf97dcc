"""``ilios.v1.UsageService``: what conversions cost, summed exactly."""

from __future__ import annotations

import asyncio
import concurrent.futures

import grpc

from ilios.database import Database, Row, now_ms
from ilios.errors import InvalidDate
from ilios.server import messages
from ilios.v1 import document_pb2 as document_pb
from ilios.v1 import usage_service_pb2 as pb
from ilios.v1 import usage_service_pb2_grpc as pb_grpc


def _range(request: pb.GetUsageSummaryRequest | pb.GetUsageBreakdownRequest) -> tuple[int, int]:
    start = (
        messages.millis(request.start_time, "start_time") if request.HasField("start_time") else 0
    )
    end = (
        messages.millis(request.end_time, "end_time") if request.HasField("end_time") else now_ms()
    )
    if start > end:
        raise InvalidDate("start_time must not be after end_time.")
    return start, end


def _totals(row: Row) -> pb.UsageTotals:
    return pb.UsageTotals(
        **{
            field: row[field] or 0
            for field in (
                "documents",
                "operations",
                "pages",
                "input_tokens",
                "output_tokens",
                "base_cost_micros",
                "total_cost_micros",
            )
        }
    )


class UsageService(pb_grpc.UsageServiceServicer):
    def __init__(self, db: Database, pool: concurrent.futures.ThreadPoolExecutor) -> None:
        self.db = db
        self.pool = pool

    async def _query(self, name: str, start: int, end: int) -> list[Row]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.pool, lambda: self.db.execute(name, start=start, end=end)
        )

    async def GetUsageSummary(
        self, request: pb.GetUsageSummaryRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetUsageSummaryResponse:
        start, end = _range(request)
        rows = await self._query("usage_summary", start, end)
        return pb.GetUsageSummaryResponse(totals=_totals(rows[0]))

    async def GetUsageBreakdown(
        self, request: pb.GetUsageBreakdownRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetUsageBreakdownResponse:
        start, end = _range(request)
        rows = await self._query("usage_breakdown", start, end)
        return pb.GetUsageBreakdownResponse(
            buckets=[
                pb.UsageBucket(
                    day=row["day"],
                    engine=messages.ENGINES.get(row["engine"], document_pb.ENGINE_UNSPECIFIED),
                    api_key_id=row["api_key_id"],
                    totals=_totals(row),
                )
                for row in rows
            ]
        )
