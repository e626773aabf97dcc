"""The pipeline around Convert: pending documents, the server staying responsive."""

from __future__ import annotations

import concurrent.futures
import time

import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from harness import running, start_ilios, wait_for

from ilios.v1 import conversion_service_pb2 as pb

# Generous: health and status answer in milliseconds while workers convert; only a
# server held up by the conversions themselves would take seconds.
ANSWER_WITHIN_S = 5.0


@pytest.fixture(scope="module")
def idle_service(tmp_path_factory):
    """A service with no workers: accepted documents stay pending."""
    with running(tmp_path_factory.mktemp("idle"), WORKER_COUNT="0") as svc:
        yield svc


def test_pending_document_answers_202_and_status(idle_service, corpus):
    stub = idle_service.conversion
    path = corpus["text.pdf"]
    reply = stub.SubmitDocument(
        pb.SubmitDocumentRequest(
            file=pb.FileSource(content=path.read_bytes(), file_name=path.name)
        ),
        timeout=30,
    )
    doc_id = reply.document.id
    with idle_service.http() as http:
        r = http.get(f"/api/documents/{doc_id}")
        assert r.status_code == 202
        assert r.json() == {"id": doc_id, "status": "pending", "fileName": "text.pdf"}
        status = http.get(f"/api/documents/status/{doc_id}").json()
        assert status["status"] == "pending" and status["fileName"] == "text.pdf"
        assert status["metadata"] is None and status["error"] is None  # sent, null


def test_a_convert_caller_waits_for_a_worker_to_appear(idle_service, corpus, tmp_path):
    """Convert streams pages once a worker (started later, alone) takes the job."""

    path = corpus["text.pdf"]
    request = pb.ConvertRequest(file=pb.FileSource(content=path.read_bytes(), file_name=path.name))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(lambda: list(idle_service.conversion.Convert(request, timeout=120)))
        worker = start_ilios(["worker"], idle_service.env, idle_service.data_dir)
        try:
            events = future.result(timeout=120)
        finally:
            worker.terminate()
            assert worker.wait(60) == 0
    assert [e.WhichOneof("event") for e in events][-1] == "completed"
    assert len([e for e in events if e.HasField("page")]) == 3


def test_server_answers_while_conversions_run(service, corpus):
    """CPU-heavy work runs in workers: health and status stay fast meanwhile."""
    path = corpus["scanned.pdf"]  # OCR: the slowest kind of page
    request = pb.ConvertRequest(file=pb.FileSource(content=path.read_bytes(), file_name=path.name))
    health = health_pb2_grpc.HealthStub(service.channel)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = [
            pool.submit(lambda: list(service.conversion.Convert(request, timeout=300)))
            for _ in range(4)
        ]
        accepted = []

        def some_accepted():
            rows = service.conversion.ListDocuments(
                pb.ListDocumentsRequest(page_size=50), timeout=10
            ).documents
            accepted[:] = [d for d in rows if d.file_name == "scanned.pdf" and d.state in (1, 2)]
            return accepted

        wait_for(some_accepted, 60, what="conversions to be running")
        worst = 0.0
        for _ in range(5):
            t0 = time.perf_counter()
            health.Check(health_pb2.HealthCheckRequest(), timeout=10)
            service.conversion.GetDocument(
                pb.GetDocumentRequest(document_id=accepted[0].id), timeout=10
            )
            worst = max(worst, time.perf_counter() - t0)
        print(f"health+status while 4 conversions run: worst {worst * 1000:.1f} ms")
        assert worst < ANSWER_WITHIN_S
        for f in futures:
            assert f.result(timeout=300)[-1].HasField("completed")
