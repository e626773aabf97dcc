"""REST: usage and billing (``/api/usage/summary``, ``/api/usage/breakdown``).

Money is exact: ``*CostMicros`` fields are micro-dollars; ``*CostCents``
fields (the original API's unit) are those rounded half up to whole cents.
"""

from __future__ import annotations

import datetime as dt
import re

from fastapi import APIRouter, Request
from fastapi.responses import Response
from google.protobuf.timestamp_pb2 import Timestamp

from ilios import errors
from ilios.billing import MICROS_PER_USD, micros_to_cents
from ilios.gateway import openapi, rest, shapes
from ilios.v1 import usage_service_pb2 as pb
from ilios.v1 import usage_service_pb2_grpc as pb_grpc

router = APIRouter(tags=["usage"])


# RFC 3339 (what the document's ``date-time`` and ``date`` formats mean), exactly.
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)
_EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)
_LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # the server's start when none is given


def parse_date(name: str, raw: str | None, end_of_day: bool = False) -> dt.datetime | None:
    """An RFC 3339 date-time (with its offset), or a date: from its start, or with
    ``end_of_day`` to its end (UTC). A moment before year 1 or after year 9999 in UTC
    (an offset near either end) is the earliest or latest there is: no usage is
    outside them, so the answer is the same."""
    if raw is None:
        return None
    try:
        if date := _DATE.fullmatch(raw):
            day = dt.date(*map(int, date.groups()))
            return dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min, dt.UTC)
        if not (moment := _DATE_TIME.fullmatch(raw)):
            raise ValueError(raw)
        y, mo, d, h, mi, sec, fraction, sign, oh, om = moment.groups()
        if int(oh or 0) > 23 or int(om or 0) > 59:
            raise ValueError(raw)
        leap = int(sec) == 60  # a leap second: the instant after :59
        local = dt.datetime(
            int(y),
            int(mo),
            int(d),
            int(h),
            int(mi),
            59 if leap else int(sec),
            int((fraction or "0")[:6].ljust(6, "0")),
        )
        offset = dt.timedelta(hours=int(oh or 0), minutes=int(om or 0))
        offset = -offset if sign == "-" else offset
        try:
            return (local - offset + dt.timedelta(seconds=leap)).replace(tzinfo=dt.UTC)
        except OverflowError:
            return _EARLIEST if offset > dt.timedelta(0) or int(y) < 5000 else _LATEST
    except ValueError:
        raise errors.InvalidDate(
            f"{name} must be an RFC 3339 date-time such as 2024-01-31T00:00:00Z, or a date "
            "such as 2024-01-31.",
            **{name: raw},
        ) from None


def _timestamp(moment: dt.datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(moment)
    return ts


def _window(request: Request) -> tuple[dt.datetime | None, dt.datetime | None]:
    start = parse_date("startDate", rest.query(request, "startDate"))
    end = parse_date("endDate", rest.query(request, "endDate"), end_of_day=True)
    return start, end


def _request_fields(start: dt.datetime | None, end: dt.datetime | None) -> dict[str, Timestamp]:
    if start is not None and end is None:
        end = dt.datetime.now(dt.UTC)  # "until now", by the clock _empty read
    fields = {"start_time": start, "end_time": end}
    return {k: _timestamp(v) for k, v in fields.items() if v is not None}


def _empty(start: dt.datetime | None, end: dt.datetime | None) -> bool:
    """A window that ends before it starts holds no usage: its answer is zeros,
    without asking the server (which refuses such a range). Its bounds default to
    1970 and now, as the server's do."""
    return (start or _EPOCH) > (end or dt.datetime.now(dt.UTC))


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


def _filters(start: dt.datetime | None, end: dt.datetime | None) -> shapes.UsageFilters:
    return shapes.UsageFilters(startDate=start, endDate=end)


DATE_PARAMETERS = [
    openapi.parameter(
        "startDate",
        {**openapi.DATE, "examples": ["2024-01-01T00:00:00Z", "2024-01-01"]},
        "From this moment (or the start of this date, UTC) on. " + openapi.DATE_TEXT,
    ),
    openapi.parameter(
        "endDate",
        {**openapi.DATE, "examples": ["2024-12-31T23:59:59Z", "2024-12-31"]},
        "Up to this moment (or the end of this date, UTC). " + openapi.DATE_TEXT,
    ),
]
USAGE_ERRORS = openapi.error_responses(errors.InvalidDate, errors.DuplicateField)


@router.get(
    "/api/usage/summary",
    operation_id="getUsageSummary",
    summary="Usage totals over a date range",
    openapi_extra={"parameters": DATE_PARAMETERS},
    response_model=shapes.UsageSummary,
    responses=USAGE_ERRORS,
)
async def summary(request: Request) -> Response:
    start, end = _window(request)
    reply = pb.GetUsageSummaryResponse()
    if not _empty(start, end):
        reply = await _stub(request).GetUsageSummary(
            pb.GetUsageSummaryRequest(**_request_fields(start, end)), metadata=rest.auth(request)
        )
    totals = _totals(reply.totals)
    return rest.json(
        shapes.UsageSummary(**totals.model_dump(), summary=totals, filters=_filters(start, end))
    )


@router.get(
    "/api/usage/breakdown",
    operation_id="getUsageBreakdown",
    summary="Usage by operation (and by day, engine and API key)",
    openapi_extra={"parameters": DATE_PARAMETERS},
    response_model=shapes.UsageBreakdown,
    responses=USAGE_ERRORS,
)
async def breakdown(request: Request) -> Response:
    start, end = _window(request)
    reply = pb.GetUsageBreakdownResponse()
    if not _empty(start, end):
        reply = await _stub(request).GetUsageBreakdown(
            pb.GetUsageBreakdownRequest(**_request_fields(start, end)), metadata=rest.auth(request)
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
            filters=_filters(start, end),
        )
    )
