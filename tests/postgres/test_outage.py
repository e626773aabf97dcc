"""PostgreSQL down under a running service: calls answer UNAVAILABLE / 503 with
the reason DATABASE_UNAVAILABLE (not a hang, not INTERNAL); once it is back
the same processes serve again and the work accepted before completes."""

from __future__ import annotations

import grpc
import pytest
from harness import reason_of, running, wait_for
from pgcluster import Cluster

from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import document_pb2
from ilios.worker.engines.scripted import script_document


@pytest.fixture
def cluster():
    started = Cluster().start()
    yield started
    started.stop()


def test_an_outage_answers_database_unavailable_then_the_service_resumes(tmp_path, cluster):
    env = {
        "DATABASE_URL": cluster.database(),
        "BLOB_DIR_SHARED": "true",
        "OCR_ENGINE": "scripted",
        "WORKER_COUNT": "1",
    }
    with running(tmp_path / "svc", **env) as svc, svc.http() as http:
        stub = svc.conversion
        source = pb.FileSource(content=script_document(pages=2, page_ms=300), file_name="a.pdf")
        doc_id = stub.SubmitDocument(pb.SubmitDocumentRequest(file=source), timeout=30).document.id
        cluster._run("pg_ctl", "stop", "-D", str(cluster.data), "-m", "fast", "-w")
        try:
            with pytest.raises(grpc.RpcError) as caught:
                stub.GetDocument(pb.GetDocumentRequest(document_id=doc_id), timeout=30)
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
            assert reason_of(caught.value) == "DATABASE_UNAVAILABLE"
            r = http.get(f"/api/documents/status/{doc_id}")
            assert r.status_code == 503 and r.json()["reason"] == "DATABASE_UNAVAILABLE"
        finally:
            cluster._pg_ctl("start")

        def completed() -> bool:
            try:
                reply = stub.GetDocument(pb.GetDocumentRequest(document_id=doc_id), timeout=30)
            except grpc.RpcError:
                return False
            return reply.document.state == document_pb2.DOCUMENT_STATE_COMPLETED

        wait_for(completed, 90, interval_s=0.2, what="the document accepted before the outage")
        again = stub.SubmitDocument(pb.SubmitDocumentRequest(file=source), timeout=30)
        assert again.document.id
