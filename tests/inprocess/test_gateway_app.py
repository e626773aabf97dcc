"""The REST gateway's routes on the real app (uvicorn, its own HTTP protocol), in
this process, in front of the in-process server (see conftest)."""

from __future__ import annotations

import json

import httpx
import pytest
from harness import wait_for

from ilios.worker.engines.scripted import script_document

TIMEOUT_S = 60


@pytest.fixture
def http(stack):
    with httpx.Client(base_url=stack.url, timeout=TIMEOUT_S) as client:
        yield client


def test_index_and_health(http):
    index = http.get("/").json()
    assert "POST /v1/convert" in index["endpoints"] and index["docs"] == "/docs"
    health = http.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "healthy"
    assert health.json()["services"] == {"gateway": "up", "server": "up"}


def test_convert_answers_markdown_with_its_headers_or_json(http):
    doc = script_document(pages=2)
    r = http.post("/v1/convert", files={"file": ("s.pdf", doc)})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    assert r.headers["x-extracted-pages"] == "2" and r.headers["x-document-id"].startswith("doc_")
    assert "<!-- page 2 -->" in r.text
    r = http.post("/v1/convert", files={"file": ("s.pdf", doc)}, data={"format": "json"})
    body = r.json()
    assert body["metadata"]["extractedPages"] == 2 and body["metadata"]["fileName"] == "s.pdf"
    assert body["downloadUrl"] == f"/api/documents/{body['id']}"


def test_a_document_is_202_while_converting_then_its_markdown(http):
    r = http.post(
        "/api/documents/submit", files={"file": ("slow.pdf", script_document(page_ms=1500))}
    )
    assert r.status_code == 200
    doc_id = r.json()["id"]
    assert r.json()["status"] in ("pending", "processing")
    first = http.get(f"/api/documents/{doc_id}")
    assert first.status_code == 202 and first.json()["status"] in ("pending", "processing")
    done = wait_for(
        lambda: (r := http.get(f"/api/documents/{doc_id}")).status_code == 200 and r,
        TIMEOUT_S,
        what="the document",
    )
    assert done.text.startswith("page 1 of")
    status = http.get(f"/api/documents/status/{doc_id}").json()
    assert status["status"] == "completed" and status["metadata"]["pages"] == 1


def test_a_failed_document_answers_500_with_its_reason(http):
    r = http.post(
        "/api/documents/submit",
        files={"file": ("bad.pdf", script_document(fail=9, reason="CORRUPT_FILE"))},
    )
    doc_id = r.json()["id"]
    failed = wait_for(
        lambda: (r := http.get(f"/api/documents/{doc_id}")).status_code == 500 and r,
        TIMEOUT_S,
        what="the failure",
    )
    assert failed.json()["reason"] == "CORRUPT_FILE"


def test_a_batch_from_submit_to_download(http):
    files = [("files", (f"f{i}.pdf", script_document(pages=i + 1))) for i in range(3)]
    r = http.post("/v1/batch/submit", files=files, data={"priority": "9"})
    batch_id = r.json()["batchId"]
    assert r.json()["totalDocuments"] == 3
    status = wait_for(
        lambda: (s := http.get(f"/v1/batch/status/{batch_id}").json())["downloadUrl"] and s,
        TIMEOUT_S,
        what="the batch",
    )
    assert status["progress"]["completed"] == 3
    lines = http.get(status["downloadUrl"]).text.splitlines()
    assert [json.loads(line)["fileName"] for line in lines] == ["f0.pdf", "f1.pdf", "f2.pdf"]


def test_usage_summary_and_bad_dates(http):
    assert http.get("/api/usage/summary").json()["totalPages"] >= 0
    r = http.get("/api/usage/summary", params={"startDate": "yesterday"})
    assert r.status_code == 400 and r.json()["reason"] == "INVALID_DATE"


def test_with_a_key_every_route_asks_for_it_first(keyed_stack):
    with httpx.Client(base_url=keyed_stack.url, timeout=TIMEOUT_S) as http:
        r = http.get("/api/documents/doc_x", params={"format": "nope"})
        assert r.status_code == 401 and r.json()["reason"] == "API_KEY_MISSING"
        r = http.post("/v1/convert", content=b"not a form")
        assert r.status_code == 401
        r = http.get("/api/documents/doc_x", params={"format": "nope", "apiKey": "in-process-key"})
        assert r.status_code == 400 and r.json()["reason"] == "INVALID_FORMAT"
