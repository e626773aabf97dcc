"""``ilios.v1.UsageService``: what conversions cost, summed exactly."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import TypeVar

import grpc

from ilios.errors import InvalidDate
from ilios.server import messages
from ilios.store import Store, UsageTotals, now_ms
from ilios.v1 import document_pb2 as document_pb
from ilios.v1 import usage_service_pb2 as pb
from ilios.v1 import usage_service_pb2_grpc as pb_grpc

T = TypeVar("T")


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


def _totals(totals: UsageTotals) -> pb.UsageTotals:
    return pb.UsageTotals(
        documents=totals.documents,
        operations=totals.operations,
        pages=totals.pages,
        input_tokens=totals.input_tokens,
        output_tokens=totals.output_tokens,
        base_cost_micros=totals.base_cost_micros,
        total_cost_micros=totals.total_cost_micros,
    )


class UsageService(pb_grpc.UsageServiceServicer):
    def __init__(self, store: Store, pool: concurrent.futures.ThreadPoolExecutor) -> None:
        self.store = store
        self.pool = pool

    async def _run(self, fn: Callable[[int, int], T], start: int, end: int) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, fn, start, end)

    async def GetUsageSummary(
        self, request: pb.GetUsageSummaryRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetUsageSummaryResponse:
        start, end = _range(request)
        totals = await self._run(self.store.usage.summary, start, end)
        return pb.GetUsageSummaryResponse(totals=_totals(totals))

    async def GetUsageBreakdown(
        self, request: pb.GetUsageBreakdownRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetUsageBreakdownResponse:
        start, end = _range(request)
        buckets = await self._run(self.store.usage.breakdown, start, end)
        return pb.GetUsageBreakdownResponse(
            buckets=[
                pb.UsageBucket(
                    day=bucket.day,
                    engine=messages.ENGINES.get(bucket.engine, document_pb.ENGINE_UNSPECIFIED),
                    api_key_id=bucket.api_key_id,
                    totals=_totals(bucket.totals),
                )
                for bucket in buckets
            ]
        )
