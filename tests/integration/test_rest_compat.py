"""The gateway as the original Ilios API's REST clients meet it: every route, every
success shape and the error cases its code has, key for key.

A key or a status that drifts from the original's code fails here. Keys the
original sends with null are always present; keys beyond the original's are
additions (reason, micro-dollars) and are not required of it.
"""

from __future__ import annotations

import json

import pytest
from harness import running, wait_for

from ilios.worker.engines.scripted import script_document

KEYS = ("first-key-aaaa", "second-key-bbbb")
TIMEOUT_S = 60


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    with running(
        tmp_path_factory.mktemp("compat"),
        OCR_ENGINE="scripted",
        WORKER_COUNT="1",
        API_KEY=",".join(KEYS),
    ) as service:
        yield service


def client(svc, key: str = KEYS[0]):
    return svc.http(headers={"Authorization": f"Bearer {key}"})


def keys_of(body: dict) -> set[str]:
    return set(body)


DOCUMENT_STATUS_KEYS = {
    "id", "status", "fileName", "fileSize", "createdAt", "processedAt", "downloadUrl",
    "metadata", "error", "reason",
}  # fmt: skip


def test_health_answers_the_original_shape_without_a_key(svc):
    with svc.http() as http:
        body = http.get("/health").json()
    assert body["status"] == "healthy" and set(body) >= {"status", "timestamp", "services"}
    assert body["timestamp"].endswith("Z")


def test_convert_markdown_headers_and_json_shape(svc):
    with client(svc) as http:
        r = http.post("/v1/convert", files={"file": ("report.pdf", script_document(pages=2))})
        assert r.status_code == 200
        assert r.headers["content-type"] == "text/markdown; charset=utf-8"
        assert r.headers["content-disposition"].startswith('inline; filename="report.md"')
        for header in ("x-document-id", "x-processing-time-ms", "x-extracted-pages"):
            assert r.headers[header]
        body = http.post(
            "/v1/convert",
            files={"file": ("report.pdf", script_document(pages=2))},
            data={"format": "json"},
        ).json()
    assert keys_of(body) == {"id", "content", "metadata", "usage", "downloadUrl"}
    assert keys_of(body["metadata"]) == {
        "model", "extractedPages", "processingTimeMs", "fileName", "fileSize", "mimeType",
    }  # fmt: skip
    assert keys_of(body["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}


def test_convert_streams_one_json_line_per_event(svc):
    with client(svc) as http:
        with http.stream(
            "POST",
            "/v1/convert",
            files={"file": ("s.pdf", script_document(pages=3))},
            headers={"Accept": "application/x-ndjson"},
        ) as r:
            assert r.headers["content-type"] == "application/x-ndjson; charset=utf-8"
            lines = [json.loads(line) for line in r.iter_lines() if line]
    assert [line["event"] for line in lines] == ["accepted", "page", "page", "page", "completed"]
    assert [line["page"]["number"] for line in lines[1:4]] == [1, 2, 3]
    assert lines[-1]["document"]["status"] == "completed"


def test_submit_status_and_content_shapes(svc):
    with client(svc) as http:
        r = http.post(
            "/api/documents/submit",
            files={"file": ("a.pdf", script_document(pages=1))},
            data={"retentionDays": "30"},
        )
        assert r.status_code == 200
        submitted = r.json()
        assert keys_of(submitted) == {
            "id", "status", "fileName", "fileSize", "retentionDays", "createdAt",
        }  # fmt: skip
        doc_id = submitted["id"]
        status = wait_for(
            lambda: (
                (s := http.get(f"/api/documents/status/{doc_id}").json())["status"] == "completed"
                and s
            ),
            TIMEOUT_S,
            what="the document",
        )
        assert keys_of(status) == DOCUMENT_STATUS_KEYS
        assert status["error"] is None and status["processedAt"].endswith("Z")
        assert keys_of(status["metadata"]) >= {"pages", "processingTimeMs", "model"}
        as_json = http.get(f"/api/documents/{doc_id}", params={"format": "json"}).json()
        assert keys_of(as_json) >= {
            "id", "content", "metadata", "fileName", "fileSize", "createdAt", "processedAt",
            "downloadUrl",
        }  # fmt: skip
        markdown = http.get(f"/api/documents/{doc_id}")
        assert markdown.headers["content-disposition"].startswith('inline; filename="a.md"')


def test_a_batch_the_original_way(svc):
    with client(svc) as http:
        files = [("files[]", (f"f{i}.pdf", script_document(pages=1))) for i in range(2)]
        files.append(("files[]", ("bad.pdf", b"\x00 not a document" * 20)))
        r = http.post("/v1/batch/submit", files=files)
        assert r.status_code == 202, r.text[:300]
        body = r.json()
        assert body["status"] == "pending" and body["totalDocuments"] == 3
        assert keys_of(body) == {"batchId", "status", "totalDocuments", "documents", "statusUrl"}
        batch_id = body["batchId"]
        done = wait_for(
            lambda: (s := http.get(f"/v1/batch/status/{batch_id}").json())["downloadUrl"] and s,
            TIMEOUT_S,
            what="the batch",
        )
        assert done["status"] == "completed"
        detailed = http.get(f"/v1/batch/status/{batch_id}", params={"details": "true"}).json()
        assert [d["fileName"] for d in detailed["documents"]] == ["f0.pdf", "f1.pdf", "bad.pdf"]
        r = http.get(f"/v1/batch/download/{batch_id}")
        assert r.headers["content-type"] == "application/x-ndjson; charset=utf-8"
        lines = [json.loads(line) for line in r.text.splitlines()]
        for line in lines:  # every key, null or not: line["error"] never raises
            assert {"id", "fileName", "status", "content", "error", "processedAt"} <= set(line)
        assert lines[2]["status"] == "failed" and lines[2]["content"] is None
        assert lines[0]["error"] is None and lines[0]["content"]


def test_a_batch_whose_every_document_failed_is_failed(svc):
    with client(svc) as http:
        files = [("files", ("x.pdf", b"\x00 nothing" * 30)), ("files", ("y.pdf", b"\x01" * 99))]
        batch_id = http.post("/v1/batch/submit", files=files).json()["batchId"]
        status = http.get(f"/v1/batch/status/{batch_id}").json()
    assert status["status"] == "failed"


def test_usage_shapes(svc):
    with client(svc) as http:
        summary = http.get("/api/usage/summary").json()
        assert {"totalCostUSD", "totalCostCents", "totalDocuments"} <= set(summary["summary"])
        assert set(summary["filters"]) == {"startDate", "endDate"}
        breakdown = http.get("/api/usage/breakdown").json()["breakdown"]
        for item in breakdown:
            assert {
                "operation", "count", "totalInputTokens", "totalOutputTokens", "totalCostCents",
                "totalCostUSD",
            } <= set(item)  # fmt: skip


def test_cors_preflight_and_exposed_headers(svc):
    with svc.http() as http:
        r = http.options(
            "/v1/convert",
            headers={
                "Origin": "https://app.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] in ("*", "https://app.example")
        r = http.get("/health", headers={"Origin": "https://app.example"})
        assert r.headers["access-control-allow-origin"] in ("*", "https://app.example")
        assert "X-Document-Id" in r.headers["access-control-expose-headers"]


def test_unknown_routes_and_methods_answer_in_the_error_shape(svc):
    with client(svc) as http:
        r = http.get("/api/nope")
        assert r.status_code == 404 and r.json()["reason"] == "ROUTE_NOT_FOUND"
        r = http.delete("/v1/convert")
        assert r.status_code == 405 and r.json()["reason"] == "METHOD_NOT_ALLOWED"
        assert "POST" in r.headers["allow"]


def test_a_request_id_is_echoed_or_made(svc):
    with client(svc) as http:
        assert (
            http.get("/health", headers={"X-Request-Id": "abc-123"}).headers["x-request-id"]
            == "abc-123"
        )
        assert http.get("/health").headers["x-request-id"].startswith("req_")
