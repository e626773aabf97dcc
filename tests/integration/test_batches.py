"""The asynchronous REST paths: batches and the legacy /api/documents routes."""

from __future__ import annotations

import json

import corpus as builder
import pytest
from harness import running, wait_for

from ilios.worker.engines.scripted import script_document


def wait_batch_done(http, batch_id: str) -> dict:
    def done():
        body = http.get(f"/v1/batch/status/{batch_id}").json()
        return body if body["status"] == "completed" else None

    return wait_for(done, 120, what=f"batch {batch_id}")


def test_batch_with_one_bad_file_among_good_ones(service, corpus):
    files = [
        ("files", ("text.pdf", corpus["text.pdf"].read_bytes(), "application/pdf")),
        ("files", ("notes.pdf", b"\x00not a pdf at all" * 10, "application/pdf")),
        ("files", ("page.png", corpus["page.png"].read_bytes(), "image/png")),
    ]
    with service.http() as http:
        r = http.post(
            "/v1/batch/submit", files=files, data={"priority": "8", "retentionDays": "365"}
        )
        assert r.status_code == 202, r.text
        body = r.json()
        assert body["status"] == "pending" and body["totalDocuments"] == 3
        assert body["statusUrl"] == f"/v1/batch/status/{body['batchId']}"
        names = [d["fileName"] for d in body["documents"]]
        assert names == ["text.pdf", "notes.pdf", "page.png"]
        bad = body["documents"][1]
        assert bad["status"] == "failed" and bad["reason"] == "UNSUPPORTED_FILE_TYPE"
        assert body["documents"][0]["fileSize"] == corpus["text.pdf"].stat().st_size

        status = wait_batch_done(http, body["batchId"])
        assert status["progress"] == {
            "total": 3,
            "pending": 0,
            "processing": 0,
            "completed": 2,
            "failed": 1,
        }
        assert status["downloadUrl"] == f"/v1/batch/download/{body['batchId']}"
        assert status["completedAt"] >= status["createdAt"]

        lines = http.get(status["downloadUrl"], params={"format": "jsonl"}).text.splitlines()
        docs = [json.loads(line) for line in lines]
        assert [d["fileName"] for d in docs] == names
        assert docs[0]["status"] == "completed"
        assert docs[0]["content"].startswith("# Ilios Quarterly Report")
        assert docs[0]["metadata"]["pages"] == 3
        assert docs[1]["status"] == "failed" and "not a PDF" in docs[1]["error"]
        assert "invoice" in builder.words(docs[2]["content"])

        as_json = http.get(status["downloadUrl"], params={"format": "json"}).json()
        assert as_json["batchId"] == body["batchId"]
        assert [d["id"] for d in as_json["documents"]] == [d["id"] for d in docs]


@pytest.mark.parametrize("priority", ["0", "11", "high"])
def test_batch_priority_out_of_range(service, corpus, priority):
    files = [("files", ("a.pdf", corpus["text.pdf"].read_bytes()))]
    with service.http() as http:
        r = http.post("/v1/batch/submit", files=files, data={"priority": priority})
    assert r.status_code == 400 and r.json()["reason"] == "INVALID_PRIORITY"


def test_empty_batch(service):
    with service.http() as http:
        r = http.post("/v1/batch/submit", files={"priority": (None, "5")})
        assert r.status_code == 400 and r.json()["reason"] == "EMPTY_BATCH"
        r = http.post("/v1/batch/submit", data={"priority": "5"})  # not multipart at all
        assert r.status_code == 400 and r.json()["reason"] == "INVALID_REQUEST"
        r = http.post("/v1/batch/submit", files={"file": ("a.pdf", b"%PDF-1.4")})
        assert r.status_code == 400 and r.json()["reason"] == "UNKNOWN_FIELD"  # 'files'
        assert (
            r.json()["details"]["accepted"] == "files, files[], languages, priority, retentionDays"
        )


def test_unknown_batch(service):
    with service.http() as http:
        for path in ("/v1/batch/status/bat_nope", "/v1/batch/download/bat_nope"):
            r = http.get(path)
            assert r.status_code == 404 and r.json()["reason"] == "BATCH_NOT_FOUND"


def test_download_before_completion(tmp_path, corpus):
    with running(tmp_path, WORKER_COUNT="0") as idle, idle.http() as http:
        files = [("files", ("a.pdf", corpus["text.pdf"].read_bytes()))]
        batch_id = http.post("/v1/batch/submit", files=files).json()["batchId"]
        status = http.get(f"/v1/batch/status/{batch_id}").json()
        assert status["status"] == "pending" and status["downloadUrl"] is None
        r = http.get(f"/v1/batch/download/{batch_id}")  # as the original: 400, with progress
        assert r.status_code == 400 and r.json()["reason"] == "BATCH_NOT_READY"
        assert r.json()["status"] == "pending" and r.json()["progress"]["pending"] == 1


def test_legacy_submit_status_content_and_original(service, corpus):
    path = corpus["text.pdf"]
    with service.http() as http:
        r = http.post(
            "/api/documents/submit",
            files={"file": ("../../etc/Report Q1.pdf", path.read_bytes())},
            data={"retentionDays": "30"},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"id", "status", "fileName", "fileSize", "retentionDays", "createdAt"}
        assert body["status"] == "pending" and body["retentionDays"] == 30
        assert body["fileName"] == "Report Q1.pdf"  # directories stripped
        assert body["createdAt"].endswith("Z")
        doc_id = body["id"]

        def completed():
            return http.get(f"/api/documents/status/{doc_id}").json()["status"] == "completed"

        wait_for(completed, 60, what="the legacy submission")
        markdown = http.get(f"/api/documents/{doc_id}")
        assert markdown.status_code == 200
        assert markdown.text.startswith("# Ilios Quarterly Report")
        original = http.get(f"/api/documents/{doc_id}/original")
        assert original.status_code == 200
        assert original.content == path.read_bytes()
        assert original.headers["content-type"] == "application/pdf"
        assert "Report%20Q1.pdf" in original.headers["content-disposition"]
        missing = http.get("/api/documents/doc_nope/original")
        assert missing.status_code == 404


def test_failed_document_answers_like_the_original_api(service, corpus):
    with service.http() as http:
        body = http.post(
            "/api/documents/submit",
            files={"file": ("broken.pdf", corpus["truncated.pdf"].read_bytes())},
        ).json()

        def failed():
            return http.get(f"/api/documents/status/{body['id']}").json()["status"] == "failed"

        wait_for(failed, 60, what="the failure")
        status = http.get(f"/api/documents/status/{body['id']}").json()
        assert status["reason"] == "CORRUPT_FILE" and status["error"]
        r = http.get(f"/api/documents/{body['id']}")
        assert r.status_code == 500
        assert r.json()["error"] and r.json()["reason"] == "CORRUPT_FILE"


def test_a_thousand_file_batch_streams_in_and_out(tmp_path):
    env = {"OCR_ENGINE": "scripted", "WORKER_COUNT": "2", "MAX_CONCURRENT_JOBS": "4"}
    with running(tmp_path / "svc", **env) as svc, svc.http() as http:
        files = [("files", (f"doc{i:04d}.pdf", script_document(i=i))) for i in range(1000)]
        r = http.post("/v1/batch/submit", files=files)
        assert r.status_code == 202, r.text[:500]
        body = r.json()
        assert body["totalDocuments"] == 1000
        wait_batch_done(http, body["batchId"])
        with http.stream("GET", f"/v1/batch/download/{body['batchId']}") as stream:
            lines = [json.loads(line) for line in stream.iter_lines() if line]
        assert len(lines) == 1000
        assert [d["fileName"] for d in lines] == [f"doc{i:04d}.pdf" for i in range(1000)]
        assert all(d["status"] == "completed" for d in lines)
