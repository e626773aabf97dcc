"""REST: usage and billing (``/api/usage/summary``, ``/api/usage/breakdown``).

Money is exact: ``*CostMicros`` fields are micro-dollars; ``*CostCents``
fields (the original API's unit) are those rounded half up to whole cents.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import Response
from google.protobuf.timestamp_pb2 import Timestamp

from ilios import errors
from ilios.billing import MICROS_PER_USD, micros_to_cents
from ilios.gateway import rest, shapes
from ilios.v1 import usage_service_pb2 as pb
from ilios.v1 import usage_service_pb2_grpc as pb_grpc

router = APIRouter()


def parse_date(name: str, raw: str | None, end_of_day: bool = False) -> Timestamp | None:
    """An ISO 8601 date or date-time (``Z`` or an offset; naive means UTC)."""
    if raw is None or raw == "":
        return None
    text = raw.strip().replace("Z", "+00:00").replace("z", "+00:00")
    ts = Timestamp()
    try:
        if len(text) == 10:  # a bare date covers the whole day
            day = dt.date.fromisoformat(text)
            moment = dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min)
        else:
            moment = dt.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        # Near the ends of the calendar an offset can carry a time past year 1 or 9999.
        ts.FromDatetime(moment.astimezone(dt.UTC))
    except (ValueError, OverflowError):
        raise errors.InvalidDate(
            f"{name} must be an ISO 8601 date such as 2024-01-31 or 2024-01-31T00:00:00Z, "
            "between 0001-01-01 and 9999-12-31 in UTC.",
            **{name: raw},
        ) from None
    return ts


def _window(request: Request) -> dict[str, Timestamp]:
    params = request.query_params
    start = parse_date("startDate", params.get("startDate"))
    end = parse_date("endDate", params.get("endDate"), end_of_day=True)
    if start is not None and end is not None and start.ToNanoseconds() > end.ToNanoseconds():
        raise errors.InvalidDate("startDate must not be after endDate.")
    return {k: v for k, v in (("start_time", start), ("end_time", end)) if v is not None}


def _stub(request: Request) -> pb_grpc.UsageServiceStub:
    stub: pb_grpc.UsageServiceStub = request.app.state.usage
    return stub


def _totals(t: pb.UsageTotals) -> shapes.UsageTotals:
    return shapes.UsageTotals(
        totalDocuments=t.documents,
        totalOperations=t.operations,
        totalPages=t.pages,
        totalInputTokens=t.input_tokens,
        totalOutputTokens=t.output_tokens,
        totalBaseCostMicros=t.base_cost_micros,
        totalCostMicros=t.total_cost_micros,
        totalCostCents=micros_to_cents(t.total_cost_micros),
        totalCostUSD=t.total_cost_micros / MICROS_PER_USD,
    )


def _filters(window: dict[str, Timestamp]) -> shapes.UsageFilters:
    start, end = window.get("start_time"), window.get("end_time")
    return shapes.UsageFilters(
        startDate=shapes.moment(start) if start else None,
        endDate=shapes.moment(end) if end else None,
    )


@router.get(
    "/api/usage/summary",
    summary="Usage totals over a date range",
    response_model=shapes.UsageSummary,
    responses=rest.error_responses(400, 401, 503),
)
async def summary(
    request: Request, startDate: str | None = None, endDate: str | None = None
) -> Response:
    window = _window(request)
    reply = await _stub(request).GetUsageSummary(
        pb.GetUsageSummaryRequest(**window), metadata=rest.auth(request)
    )
    totals = _totals(reply.totals)
    return rest.json(
        shapes.UsageSummary(**totals.model_dump(), summary=totals, filters=_filters(window))
    )


@router.get(
    "/api/usage/breakdown",
    summary="Usage by operation (and by day, engine and API key)",
    response_model=shapes.UsageBreakdown,
    responses=rest.error_responses(400, 401, 503),
)
async def breakdown(
    request: Request, startDate: str | None = None, endDate: str | None = None
) -> Response:
    window = _window(request)
    reply = await _stub(request).GetUsageBreakdown(
        pb.GetUsageBreakdownRequest(**window), metadata=rest.auth(request)
    )
    operations: dict[str, shapes.OperationUsage] = {}
    for b in reply.buckets:
        name = b.operation or "convert"
        total = operations.setdefault(
            name,
            shapes.OperationUsage(
                operation=name,
                count=0,
                totalPages=0,
                totalInputTokens=0,
                totalOutputTokens=0,
                totalCostMicros=0,
                totalCostCents=0,
                totalCostUSD=0.0,
            ),
        )
        total.count += b.totals.operations
        total.totalPages += b.totals.pages
        total.totalInputTokens += b.totals.input_tokens
        total.totalOutputTokens += b.totals.output_tokens
        total.totalCostMicros += b.totals.total_cost_micros
    for total in operations.values():
        total.totalCostCents = micros_to_cents(total.totalCostMicros)
        total.totalCostUSD = total.totalCostMicros / MICROS_PER_USD
    days = [
        shapes.DayUsage(
            date=b.day,
            engine=shapes.ENGINE_NAMES.get(b.engine, "other"),
            apiKeyId=b.api_key_id,
            documents=b.totals.documents,
            operations=b.totals.operations,
            pages=b.totals.pages,
            inputTokens=b.totals.input_tokens,
            outputTokens=b.totals.output_tokens,
            baseCostMicros=b.totals.base_cost_micros,
            costMicros=b.totals.total_cost_micros,
            costCents=micros_to_cents(b.totals.total_cost_micros),
        )
        for b in reply.buckets
    ]
    return rest.json(
        shapes.UsageBreakdown(
            breakdown=sorted(operations.values(), key=lambda o: o.operation),
            byDay=days,
            filters=_filters(window),
        )
    )
