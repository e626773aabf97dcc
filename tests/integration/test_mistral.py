"""The whole service with OCR_ENGINE=mistral, against the fake Mistral API in its own process.

One fake and one service (one worker) serve every test here; each test resets
the fake, scripts its faults, and asserts on the service's rows and on what
the fake saw. Every test ends with no upload left on the fake.
"""

from __future__ import annotations

import json
import subprocess
import sys

import corpus as builder
import httpx
import pytest
from harness import Service, wait_for

from ilios.fakes.mistral import IMAGE_MARKDOWN, RESOLVED_MODELS
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import document_pb2
from ilios.worker.engines.mistral import ATTEMPTS, MODEL

KEY = "test-key"
PAGE_COST_MICROS = 1000  # MISTRAL_COST_PER_PAGE's default, $0.001
MARGIN = 1.3  # MARGIN_RATE's default, 30 %


class Fake:
    """The fake Mistral API process, driven over HTTP."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=10)

    def reset(self) -> None:
        self.http.post("/_fake/reset").raise_for_status()

    def faults(self, *faults: dict) -> None:
        self.http.post("/_fake/faults", json=list(faults)).raise_for_status()

    def state(self) -> dict:
        return self.http.get("/_fake/state").json()

    def ocr_statuses(self) -> list[int]:
        return [r["status"] for r in self.state()["requests"] if r["endpoint"] == "ocr"]

    def assert_no_upload_left(self) -> None:
        state = self.state()
        assert state["files"] == []
        assert state["calls"].get("upload", 0) == state["calls"].get("delete", 0)


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    ready = tmp_path_factory.mktemp("fake") / "ready.json"
    command = [sys.executable, "-m", "ilios.fakes.mistral", "--port", "0"]
    proc = subprocess.Popen([*command, "--ready-file", str(ready), "--api-key", KEY])

    def started() -> dict | None:
        if proc.poll() is not None:
            raise RuntimeError(f"the fake Mistral API exited with {proc.returncode}")
        return json.loads(ready.read_text()) if ready.exists() else None

    try:
        server = Fake(wait_for(started, 30, what="the fake Mistral API")["url"])
        yield server
        server.http.close()
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def service(fake, tmp_path_factory):
    svc = Service(
        tmp_path_factory.mktemp("svc"),
        OCR_ENGINE="mistral",
        MISTRAL_API_KEY=KEY,
        MISTRAL_SERVER_URL=fake.url,
        MISTRAL_TIMEOUT_S="2",
        RETRY_BACKOFF_S="0.2",
        WORKER_COUNT="1",
    ).start()
    yield svc
    svc.stop()


@pytest.fixture(autouse=True)
def _fresh_fake(fake):
    fake.reset()


def submit(svc: Service, path) -> str:
    source = pb.FileSource(content=path.read_bytes(), file_name=path.name)
    reply = svc.conversion.SubmitDocument(pb.SubmitDocumentRequest(file=source), timeout=30)
    return reply.document.id


def settled(svc: Service, doc_id: str, timeout_s: float = 30) -> dict:
    """The document's row once it has completed or failed."""
    return wait_for(
        lambda: (
            (row := svc.db.one("get_document", id=doc_id))["state"] in ("completed", "failed")
            and row
        ),
        timeout_s,
        what=f"document {doc_id} to settle",
    )


def usage_rows(svc: Service, doc_id: str) -> list[dict]:
    return svc.rows("SELECT * FROM usage WHERE document_id = :id", id=doc_id)


def test_convert_a_pdf_and_an_image_over_grpc(service, fake, corpus):
    path = corpus["text.pdf"]
    request = pb.ConvertRequest(file=pb.FileSource(content=path.read_bytes(), file_name=path.name))
    events = list(service.conversion.Convert(request, timeout=60))
    assert [e.WhichOneof("event") for e in events] == [
        "accepted",
        "page",
        "page",
        "page",
        "completed",
    ]
    pages = [e.page for e in events if e.HasField("page")]
    expected = [builder.blocks_markdown(blocks) for blocks in builder.text_pdf_blocks(3)]
    for page, markdown in zip(pages, expected, strict=True):
        assert builder.words(page.markdown) == builder.words(markdown)
    done = events[-1].completed.document
    assert (done.engine, done.page_count) == (document_pb2.ENGINE_MISTRAL, 3)
    assert service.db.one("get_document", id=done.id)["model"] == RESOLVED_MODELS[MODEL]

    path = corpus["page.png"]
    request = pb.ConvertRequest(file=pb.FileSource(content=path.read_bytes(), file_name=path.name))
    events = list(service.conversion.Convert(request, timeout=60))
    (page,) = [e.page for e in events if e.HasField("page")]
    assert page.markdown == IMAGE_MARKDOWN.format(width=800, height=300)
    assert fake.state()["calls"] == {"upload": 1, "url": 1, "ocr": 2, "delete": 1}
    fake.assert_no_upload_left()


def test_a_429_then_success_bills_the_pages_once(service, fake, corpus):
    fake.faults({"status": 429, "retry_after": 1})
    doc_id = submit(service, corpus["text.pdf"])
    row = settled(service, doc_id)
    assert (row["state"], row["attempts"], row["page_count"]) == ("completed", 1, 3)
    assert fake.ocr_statuses() == [429, 200]
    (usage,) = usage_rows(service, doc_id)
    assert (usage["engine"], usage["pages"]) == ("mistral", row["page_count"])
    assert usage["base_cost_micros"] == 3 * PAGE_COST_MICROS
    assert usage["total_cost_micros"] == round(3 * PAGE_COST_MICROS * MARGIN)
    fake.assert_no_upload_left()


def test_500s_past_every_retry_fail_the_job_with_the_last_error(service, fake, corpus):
    failures = 3 * ATTEMPTS  # every try of every one of the 3 attempts
    fake.faults(*({"status": 500, "message": f"outage {n}"} for n in range(1, failures + 1)))
    doc_id = submit(service, corpus["text.pdf"])
    row = settled(service, doc_id, 60)
    assert (row["state"], row["job_state"], row["attempts"]) == ("failed", "failed", 3)
    assert row["error_reason"] == "ENGINE_UNAVAILABLE"
    assert f"HTTP 500: outage {failures})" in row["error_message"]
    assert fake.ocr_statuses() == [500] * failures
    assert fake.state()["calls"]["upload"] == 3  # one per attempt, each deleted
    assert usage_rows(service, doc_id) == []
    fake.assert_no_upload_left()


@pytest.mark.parametrize(
    ("status", "reason", "says"),
    [
        (422, "ENGINE_REJECTED", "HTTP 422: Document has no readable pages"),
        (401, "ENGINE_AUTH_FAILED", "MISTRAL_API_KEY is missing or invalid"),
    ],
)
def test_client_errors_fail_at_once(service, fake, corpus, status, reason, says):
    fake.faults({"status": status, "message": "Document has no readable pages"})
    doc_id = submit(service, corpus["text.pdf"])
    row = settled(service, doc_id)
    assert (row["state"], row["attempts"], row["error_reason"]) == ("failed", 1, reason)
    assert says in row["error_message"]
    assert fake.ocr_statuses() == [status]
    fake.assert_no_upload_left()


def test_a_hang_times_out_and_is_retried(service, fake, corpus):
    fake.faults({"hang_s": 30})
    doc_id = submit(service, corpus["text.pdf"])
    row = settled(service, doc_id)
    assert (row["state"], row["page_count"]) == ("completed", 3)
    assert fake.ocr_statuses() == [0, 200]  # the hung request was never answered
    (usage,) = usage_rows(service, doc_id)
    assert usage["pages"] == 3
    fake.assert_no_upload_left()
