"""Usage over gRPC and REST: one row per conversion, exact money, date ranges."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest
from harness import reason_of, running, wait_for

from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import usage_service_pb2 as usage_pb
from ilios.worker.engines.scripted import script_document


@pytest.fixture(scope="module")
def priced(tmp_path_factory):
    """A service whose (scripted) engine costs $0.001 a page, with a retry in its history."""
    tmp = tmp_path_factory.mktemp("usage")
    env = {
        "OCR_ENGINE": "scripted",
        "SCRIPTED_COST_PER_PAGE": "0.001",
        "WORKER_COUNT": "1",
        "ILIOS_SCRIPTED_LOG": str(tmp / "runs.log"),
        "RETRY_BACKOFF_S": "0.1",
    }
    with running(tmp / "svc", **env) as svc:
        stub = svc.conversion
        big = stub.SubmitDocument(
            pb.SubmitDocumentRequest(
                file=pb.FileSource(content=script_document(pages=1000), file_name="big.pdf")
            ),
            timeout=30,
        ).document.id
        retried = stub.SubmitDocument(
            pb.SubmitDocumentRequest(
                file=pb.FileSource(content=script_document(pages=2, fail=1), file_name="r.pdf")
            ),
            timeout=30,
        ).document.id

        def both_done():
            rows = svc.rows("SELECT state FROM documents")
            return len(rows) == 2 and all(r["state"] == "completed" for r in rows)

        wait_for(both_done, 60, what="both documents")
        yield svc, big, retried


def test_one_usage_row_per_conversion_even_after_a_retry(priced):
    svc, big, retried = priced
    rows = {r["document_id"]: r for r in svc.rows("SELECT * FROM usage")}
    assert set(rows) == {big, retried}
    assert svc.db.one("get_document", id=retried)["attempts"] == 2
    assert rows[big]["pages"] == 1000
    assert rows[big]["total_cost_micros"] == 1_300_000  # exactly $1.30
    assert rows[retried]["total_cost_micros"] == 2_600


def test_summary_over_grpc(priced):
    svc, _, _ = priced
    totals = svc.usage.GetUsageSummary(usage_pb.GetUsageSummaryRequest(), timeout=10).totals
    assert (totals.documents, totals.operations, totals.pages) == (2, 2, 1002)
    assert totals.base_cost_micros == 1_002_000
    assert totals.total_cost_micros == 1_302_600


def test_summary_and_breakdown_over_rest(priced):
    svc, _, _ = priced
    today = dt.datetime.now(dt.UTC).date().isoformat()
    with svc.http() as http:
        body = http.get(
            "/api/usage/summary", params={"startDate": "2024-01-01T00:00:00Z", "endDate": today}
        ).json()
        assert body["totalDocuments"] == 2 and body["totalOperations"] == 2
        assert body["totalCostMicros"] == 1_302_600 and body["totalCostCents"] == 130
        assert body["totalInputTokens"] == 0 and body["totalOutputTokens"] == 0
        # The original's code answers the totals under "summary", with the filters.
        assert body["summary"]["totalCostUSD"] == 1.3026
        assert body["summary"]["totalCostCents"] == 130
        assert body["filters"] == {
            "startDate": "2024-01-01T00:00:00.000Z",
            "endDate": f"{today}T23:59:59.999Z",
        }
        empty = http.get("/api/usage/summary", params={"endDate": "2024-12-31"}).json()
        assert empty["totalDocuments"] == 0 and empty["totalCostCents"] == 0
        usage = http.get("/api/usage/breakdown").json()
        assert usage["breakdown"] == [  # the original's: one item per operation
            {
                "operation": "convert",
                "count": 2,
                "totalPages": 1002,
                "totalInputTokens": 0,
                "totalOutputTokens": 0,
                "totalCostMicros": 1_302_600,
                "totalCostCents": 130,
                "totalCostUSD": 1.3026,
            }
        ]
        (day,) = usage["byDay"]
        assert day["date"] == today and day["pages"] == 1002 and day["costMicros"] == 1_302_600


@pytest.mark.parametrize(
    "params",
    [
        {"startDate": "yesterday"},
        {"endDate": "2024-13-01"},
        {"startDate": "2025-01-02T00:00:00"},  # no offset: whose midnight?
    ],
)
def test_bad_dates(priced, params):
    svc, _, _ = priced
    with svc.http() as http:
        for path in ("/api/usage/summary", "/api/usage/breakdown"):
            r = http.get(path, params=params)
            assert r.status_code == 400 and r.json()["reason"] == "INVALID_DATE", r.text


def test_a_range_that_ends_before_it_starts_is_empty(priced):
    """Over REST, as the OpenAPI document says (each date is valid on its own)."""
    svc, _, _ = priced
    params = {"startDate": "2025-01-02", "endDate": "2025-01-01"}
    with svc.http() as http:
        assert http.get("/api/usage/summary").json()["totalPages"] > 0
        r = http.get("/api/usage/summary", params=params)
        assert r.status_code == 200 and r.json()["totalPages"] == 0, r.text
        r = http.get("/api/usage/breakdown", params=params)
        assert r.status_code == 200, r.text


def test_bad_range_over_grpc(priced):
    svc, _, _ = priced
    request = usage_pb.GetUsageSummaryRequest()
    request.start_time.FromSeconds(2_000_000_000)
    request.end_time.FromSeconds(1_000_000_000)
    with pytest.raises(grpc.RpcError) as caught:
        svc.usage.GetUsageSummary(request, timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(caught.value) == "INVALID_DATE"
