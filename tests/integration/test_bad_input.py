"""Bad input gets the right status, HTTP code and stable reason; the server keeps serving."""

from __future__ import annotations

import grpc
import pytest
from harness import reason_of

from ilios.v1 import conversion_service_pb2 as pb

CASES = [
    # (corpus file, gRPC code, reason, HTTP status)
    ("empty.pdf", grpc.StatusCode.INVALID_ARGUMENT, "EMPTY_FILE", 400),
    ("random.bin", grpc.StatusCode.INVALID_ARGUMENT, "UNSUPPORTED_FILE_TYPE", 415),
    ("truncated.pdf", grpc.StatusCode.INVALID_ARGUMENT, "CORRUPT_FILE", 422),
    ("archive.zip", grpc.StatusCode.INVALID_ARGUMENT, "UNSUPPORTED_FILE_TYPE", 415),
    ("encrypted.pdf", grpc.StatusCode.INVALID_ARGUMENT, "PDF_ENCRYPTED", 422),
]


@pytest.mark.parametrize(("name", "code", "reason", "http_status"), CASES)
def test_bad_files(service, corpus, name, code, reason, http_status):
    data = corpus[name].read_bytes()
    with pytest.raises(grpc.RpcError) as caught:
        list(
            service.conversion.Convert(
                pb.ConvertRequest(file=pb.FileSource(content=data, file_name=name)), timeout=60
            )
        )
    assert caught.value.code() == code
    assert reason_of(caught.value) == reason
    assert caught.value.details()  # a message a person can act on
    with service.http() as http:
        r = http.post("/v1/convert", files={"file": (name, data)})
    assert r.status_code == http_status, r.text
    assert r.json()["reason"] == reason
    assert r.json()["error"]


def test_random_bytes_named_pdf_says_it_is_not_a_pdf(service):
    with service.http() as http:
        r = http.post("/v1/convert", files={"file": ("report.pdf", b"\x00garbage" * 100)})
    assert r.status_code == 415
    assert r.json()["reason"] == "UNSUPPORTED_FILE_TYPE"
    assert "not a PDF" in r.json()["error"]


def test_missing_file_field(service):
    with service.http() as http:
        r = http.post(
            "/v1/convert", data={"format": "json"}, files={"other": ("a.txt", b"", "text/plain")}
        )
        assert r.status_code == 400
        assert r.json()["reason"] == "UNKNOWN_FIELD"
        assert "file, format, languages, retentionDays, stream" in r.json()["error"]
        r = http.post("/v1/convert", data={"format": "json"}, files={})
        assert r.status_code == 400
        assert r.json()["reason"] in ("MISSING_FILE", "INVALID_REQUEST")
    with pytest.raises(grpc.RpcError) as caught:
        list(service.conversion.Convert(pb.ConvertRequest(), timeout=30))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(caught.value) == "MISSING_FILE"


@pytest.mark.parametrize("days", ["0", "3651", "abc", "-1", "1.5"])
def test_bad_retention_days(service, corpus, days):
    path = corpus["text.pdf"]
    with service.http() as http:
        r = http.post(
            "/v1/convert",
            files={"file": (path.name, path.read_bytes())},
            data={"retentionDays": days},
        )
    assert r.status_code == 400, r.text
    assert r.json()["reason"] == "INVALID_RETENTION_DAYS"


@pytest.mark.parametrize("days", [3651, -5])
def test_bad_retention_days_over_grpc(service, corpus, days):
    request = pb.ConvertRequest(
        file=pb.FileSource(content=corpus["text.pdf"].read_bytes(), file_name="a.pdf"),
        retention_days=days,
    )
    with pytest.raises(grpc.RpcError) as caught:
        list(service.conversion.Convert(request, timeout=30))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason_of(caught.value) == "INVALID_RETENTION_DAYS"


def test_bad_format(service, corpus):
    path = corpus["text.pdf"]
    with service.http() as http:
        r = http.post(
            "/v1/convert", files={"file": (path.name, path.read_bytes())}, data={"format": "docx"}
        )
    assert r.status_code == 400
    assert r.json()["reason"] == "INVALID_FORMAT"


def test_unknown_document_id(service):
    with pytest.raises(grpc.RpcError) as caught:
        service.conversion.GetDocument(pb.GetDocumentRequest(document_id="doc_nope"), timeout=10)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert reason_of(caught.value) == "DOCUMENT_NOT_FOUND"
    with service.http() as http:
        for path in ("/api/documents/doc_nope", "/api/documents/status/doc_nope"):
            r = http.get(path)
            assert r.status_code == 404
            assert r.json()["reason"] == "DOCUMENT_NOT_FOUND"


def test_not_multipart(service):
    with service.http() as http:
        r = http.post(
            "/v1/convert", content=b"%PDF-1.4 raw body", headers={"content-type": "application/pdf"}
        )
    assert r.status_code == 400
    assert r.json()["reason"] == "INVALID_REQUEST"


def test_server_keeps_serving_after_bad_input(service, corpus):
    """After every rejection above, a good conversion still works."""
    with service.http() as http:
        assert http.get("/health").json()["status"] == "healthy"
        path = corpus["text.pdf"]
        r = http.post("/v1/convert", files={"file": (path.name, path.read_bytes())})
    assert r.status_code == 200


# --- API keys -----------------------------------------------------------------


def test_grpc_requires_the_key(keyed_service, corpus):
    stub = keyed_service.conversion
    request = pb.GetDocumentRequest(document_id="doc_nope")
    for metadata, reason in [
        ((), "API_KEY_MISSING"),
        ((("authorization", "Bearer wrong"),), "API_KEY_INVALID"),
        ((("authorization", "test-key-123"),), "API_KEY_MISSING"),
    ]:
        with pytest.raises(grpc.RpcError) as caught:
            stub.GetDocument(request, metadata=metadata, timeout=10)
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert reason_of(caught.value) == reason
    # The right key passes auth (and reaches NOT_FOUND).
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetDocument(request, metadata=(("authorization", "Bearer test-key-123"),), timeout=10)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    # Streaming RPCs are guarded too.
    with pytest.raises(grpc.RpcError) as caught:
        list(
            stub.Convert(
                pb.ConvertRequest(
                    file=pb.FileSource(content=corpus["text.pdf"].read_bytes(), file_name="a.pdf")
                ),
                timeout=10,
            )
        )
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_health_needs_no_key(keyed_service):
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    reply = health_pb2_grpc.HealthStub(keyed_service.channel).Check(
        health_pb2.HealthCheckRequest(), timeout=10
    )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    with keyed_service.http() as http:
        assert http.get("/health").status_code == 200


def test_rest_requires_the_key(keyed_service, corpus):
    path = corpus["text.pdf"]
    files = {"file": (path.name, path.read_bytes())}
    with keyed_service.http() as http:
        r = http.post("/v1/convert", files=files)
        assert r.status_code == 401 and r.json()["reason"] == "API_KEY_MISSING"
        r = http.post("/v1/convert", files=files, headers={"Authorization": "Bearer nope"})
        assert r.status_code == 401 and r.json()["reason"] == "API_KEY_INVALID"
        r = http.get("/api/documents/status/doc_x", params={"apiKey": "nope"})
        assert r.status_code == 401
        r = http.post("/v1/convert", files=files, headers={"Authorization": "Bearer test-key-123"})
        assert r.status_code == 200, r.text
        doc_id = r.headers["x-document-id"]
        r = http.get(f"/api/documents/{doc_id}", params={"apiKey": "test-key-123"})
        assert r.status_code == 200
        assert r.text.startswith("# Ilios Quarterly Report")
