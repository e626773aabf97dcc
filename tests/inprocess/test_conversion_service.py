"""``ConversionService``, ``UsageService`` and ``AccessService``: what their
handlers decide, on the real server in this process (see conftest)."""

from __future__ import annotations

import hashlib

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from harness import reason_of, wait_for

from ilios.v1 import access_service_pb2 as access_pb
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import document_pb2 as document_pb
from ilios.v1 import usage_service_pb2 as usage_pb
from ilios.worker.engines.scripted import script_document

TIMEOUT_S = 60


def source(content: bytes, name: str = "s.pdf") -> pb.FileSource:
    return pb.FileSource(content=content, file_name=name)


def refused(call, *args, **kwargs) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as caught:
        result = call(*args, timeout=TIMEOUT_S, **kwargs)
        if hasattr(result, "__iter__") and not isinstance(result, bytes):
            list(result)
    return caught.value.code(), reason_of(caught.value)


def finished(stack, doc_id: str) -> document_pb.Document:
    def done():
        doc = stack.conversion.GetDocument(pb.GetDocumentRequest(document_id=doc_id)).document
        return doc if doc.state >= document_pb.DOCUMENT_STATE_COMPLETED else None

    return wait_for(done, TIMEOUT_S, what=f"{doc_id} to finish")


# --- Convert ---------------------------------------------------------------------------


def test_convert_streams_accepted_then_each_page_in_order_then_completed(stack):
    events = list(
        stack.conversion.Convert(
            pb.ConvertRequest(file=source(script_document(pages=3))), timeout=TIMEOUT_S
        )
    )
    kinds = [e.WhichOneof("event") for e in events]
    assert kinds == ["accepted", "page", "page", "page", "completed"]
    assert [e.page.number for e in events[1:4]] == [1, 2, 3]
    done = events[-1].completed
    assert done.document.state == document_pb.DOCUMENT_STATE_COMPLETED
    assert done.document.page_count == 3 and done.usage.pages == 3
    assert done.document.id == events[0].accepted.id


@pytest.mark.parametrize(
    ("content", "name", "code", "reason"),
    [
        (b"", "e.pdf", grpc.StatusCode.INVALID_ARGUMENT, "EMPTY_FILE"),
        (
            b"\x00\x01garbage" * 50,
            "g.pdf",
            grpc.StatusCode.INVALID_ARGUMENT,
            "UNSUPPORTED_FILE_TYPE",
        ),
    ],
)
def test_convert_refuses_what_cannot_be_converted(stack, content, name, code, reason):
    request = pb.ConvertRequest(file=source(content, name))
    assert refused(stack.conversion.Convert, request) == (code, reason)


def test_a_failed_conversion_ends_the_stream_with_its_reason(stack):
    document = script_document(fail=99, reason="CORRUPT_FILE")
    request = pb.ConvertRequest(file=source(document))
    assert refused(stack.conversion.Convert, request) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "CORRUPT_FILE",
    )


# --- SubmitDocument ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"retention_days": 3651}, "INVALID_RETENTION_DAYS"),
        ({"retention_days": -1}, "INVALID_RETENTION_DAYS"),
        ({"priority": 11}, "INVALID_PRIORITY"),
        ({"engine": document_pb.ENGINE_MISTRAL}, "ENGINE_NOT_CONFIGURED"),
        ({}, "MISSING_FILE"),
    ],
)
def test_submit_checks_its_fields(stack, fields, reason):
    request = pb.SubmitDocumentRequest(**fields)
    if reason != "MISSING_FILE":
        request.file.CopyFrom(source(script_document()))
    code, got = refused(stack.conversion.SubmitDocument, request)
    assert (code, got) == (grpc.StatusCode.INVALID_ARGUMENT, reason)


def test_submit_takes_the_defaults_and_the_document_converts(stack):
    reply = stack.conversion.SubmitDocument(
        pb.SubmitDocumentRequest(file=source(script_document(pages=2))), timeout=TIMEOUT_S
    )
    doc = reply.document
    assert doc.retention_days == stack.settings.default_retention_days
    assert doc.state in (document_pb.DOCUMENT_STATE_PENDING, document_pb.DOCUMENT_STATE_PROCESSING)
    assert finished(stack, doc.id).state == document_pb.DOCUMENT_STATE_COMPLETED
    content = stack.conversion.GetDocumentContent(
        pb.GetDocumentContentRequest(document_id=doc.id), timeout=TIMEOUT_S
    )
    assert "page 1 of" in content.markdown and "<!-- page 2 -->" in content.markdown


# --- reading documents ---------------------------------------------------------------------


def test_unknown_ids_are_not_found(stack):
    for call, request in [
        (stack.conversion.GetDocument, pb.GetDocumentRequest(document_id="doc_nope")),
        (stack.conversion.GetDocumentContent, pb.GetDocumentContentRequest(document_id="")),
        (stack.conversion.GetBatch, pb.GetBatchRequest(batch_id="bat_nope")),
        (stack.conversion.DeleteUpload, pb.DeleteUploadRequest(upload_id="upl_nope")),
    ]:
        code, _ = refused(call, request)
        assert code == grpc.StatusCode.NOT_FOUND
    code, reason = refused(
        stack.conversion.ReadOriginal, pb.ReadOriginalRequest(document_id="doc_nope")
    )
    assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "DOCUMENT_NOT_FOUND")


def test_content_before_the_end_is_not_ready_and_a_failure_keeps_its_reason(stack):
    slow = stack.conversion.SubmitDocument(
        pb.SubmitDocumentRequest(file=source(script_document(pages=1, page_ms=1500))),
        timeout=TIMEOUT_S,
    ).document
    code, reason = refused(
        stack.conversion.GetDocumentContent, pb.GetDocumentContentRequest(document_id=slow.id)
    )
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "DOCUMENT_NOT_READY")
    failing = stack.conversion.SubmitDocument(
        pb.SubmitDocumentRequest(file=source(script_document(fail=9, reason="PDF_ENCRYPTED"))),
        timeout=TIMEOUT_S,
    ).document
    assert finished(stack, failing.id).error.reason == "PDF_ENCRYPTED"
    code, reason = refused(
        stack.conversion.GetDocumentContent, pb.GetDocumentContentRequest(document_id=failing.id)
    )
    assert reason == "PDF_ENCRYPTED"
    finished(stack, slow.id)


def test_the_original_streams_back_whole_after_its_metadata(stack):
    original = script_document(pages=1) + bytes(range(256)) * 2000  # over one chunk? no: 512 KB
    doc = stack.conversion.SubmitDocument(
        pb.SubmitDocumentRequest(file=source(original, "orig.pdf")), timeout=TIMEOUT_S
    ).document
    parts = list(
        stack.conversion.ReadOriginal(pb.ReadOriginalRequest(document_id=doc.id), timeout=TIMEOUT_S)
    )
    assert parts[0].WhichOneof("part") == "metadata"
    assert parts[0].metadata.file_name == "orig.pdf"
    assert b"".join(p.chunk for p in parts[1:]) == original


# --- uploads ----------------------------------------------------------------------------------


def upload(stack, *messages: pb.UploadRequest) -> pb.UploadResponse:
    return stack.conversion.Upload(iter(messages), timeout=TIMEOUT_S)


def test_an_upload_is_checked_against_what_it_declared_and_used_once(stack):
    data = script_document(pages=1)
    digest = hashlib.sha256(data).hexdigest()
    meta = pb.UploadMetadata(file_name="u.pdf", size_bytes=len(data), sha256=digest)
    reply = upload(stack, pb.UploadRequest(metadata=meta), pb.UploadRequest(chunk=data))
    assert (reply.size_bytes, reply.sha256, reply.mime_type) == (
        len(data),
        digest,
        "application/pdf",
    )
    used = pb.FileSource(upload_id=reply.upload_id, file_name="u.pdf")
    stack.conversion.SubmitDocument(pb.SubmitDocumentRequest(file=used), timeout=TIMEOUT_S)
    code, reason = refused(stack.conversion.SubmitDocument, pb.SubmitDocumentRequest(file=used))
    assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "UPLOAD_NOT_FOUND")
    for wrong in (
        pb.UploadMetadata(file_name="u.pdf", size_bytes=len(data) + 1),
        pb.UploadMetadata(file_name="u.pdf", sha256="0" * 64),
    ):
        code, reason = refused(
            stack.conversion.Upload,
            iter([pb.UploadRequest(metadata=wrong), pb.UploadRequest(chunk=data)]),
        )
        assert reason == "UPLOAD_INCOMPLETE"


def test_an_abandoned_upload_keeps_nothing_and_an_unused_one_can_be_deleted(stack):
    code, reason = refused(
        stack.conversion.Upload,
        iter(
            [
                pb.UploadRequest(metadata=pb.UploadMetadata(file_name="a.pdf")),
                pb.UploadRequest(chunk=b"%PDF-1.4 partial"),
                pb.UploadRequest(abandon=pb.UploadAbandon(reason="changed my mind")),
            ]
        ),
    )
    assert (code, reason) == (grpc.StatusCode.CANCELLED, "UPLOAD_ABANDONED")
    kept = upload(
        stack,
        pb.UploadRequest(metadata=pb.UploadMetadata(file_name="k.pdf")),
        pb.UploadRequest(chunk=script_document()),
    )
    stack.conversion.DeleteUpload(pb.DeleteUploadRequest(upload_id=kept.upload_id))
    code, reason = refused(
        stack.conversion.DeleteUpload, pb.DeleteUploadRequest(upload_id=kept.upload_id)
    )
    assert reason == "UPLOAD_NOT_FOUND"


# --- batches ------------------------------------------------------------------------------------


def test_a_batch_keeps_order_fails_bad_files_alone_and_downloads_once_done(stack):
    files = [
        source(script_document(pages=1, page_ms=300), "a.pdf"),
        source(b"\x00not a document" * 20, "b.pdf"),
        source(script_document(pages=2), "c.pdf"),
    ]
    reply = stack.conversion.BatchSubmit(
        pb.BatchSubmitRequest(files=files, priority=7), timeout=TIMEOUT_S
    )
    assert [d.file_name for d in reply.documents] == ["a.pdf", "b.pdf", "c.pdf"]
    assert reply.documents[1].error.reason == "UNSUPPORTED_FILE_TYPE"
    assert reply.batch.progress.total == 3 and reply.batch.priority == 7
    batch_id = reply.batch.id
    if stack.conversion.GetBatch(pb.GetBatchRequest(batch_id=batch_id)).batch.state != (
        pb.BATCH_STATE_COMPLETED
    ):
        code, reason = refused(
            stack.conversion.DownloadBatch, pb.DownloadBatchRequest(batch_id=batch_id)
        )
        assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "BATCH_NOT_READY")

    def done():
        batch = stack.conversion.GetBatch(pb.GetBatchRequest(batch_id=batch_id)).batch
        return batch if batch.state == pb.BATCH_STATE_COMPLETED else None

    batch = wait_for(done, TIMEOUT_S, what="the batch")
    assert (batch.progress.completed, batch.progress.failed) == (2, 1)
    items = list(
        stack.conversion.DownloadBatch(
            pb.DownloadBatchRequest(batch_id=batch_id), timeout=TIMEOUT_S
        )
    )
    assert [i.document.file_name for i in items] == ["a.pdf", "b.pdf", "c.pdf"]
    assert items[1].markdown == "" and "<!-- page 2 -->" in items[2].markdown
    code, reason = refused(stack.conversion.BatchSubmit, pb.BatchSubmitRequest())
    assert reason == "EMPTY_BATCH"


# --- listing -------------------------------------------------------------------------------------


def test_documents_list_newest_first_page_by_page(stack):
    for _ in range(3):
        stack.conversion.SubmitDocument(
            pb.SubmitDocumentRequest(file=source(script_document())), timeout=TIMEOUT_S
        )
    everything = stack.conversion.ListDocuments(
        pb.ListDocumentsRequest(page_size=1000), timeout=TIMEOUT_S
    ).documents
    seen, token = [], ""
    while True:
        page = stack.conversion.ListDocuments(
            pb.ListDocumentsRequest(page_size=2, page_token=token), timeout=TIMEOUT_S
        )
        assert len(page.documents) <= 2
        seen += [d.id for d in page.documents]
        token = page.next_page_token
        if not token:
            break
    assert seen == [d.id for d in everything]
    times = [(d.create_time.seconds, d.create_time.nanos) for d in everything]
    assert times == sorted(times, reverse=True)
    for bad in (pb.ListDocumentsRequest(page_size=1001), pb.ListDocumentsRequest(page_token="x")):
        code, _ = refused(stack.conversion.ListDocuments, bad)
        assert code == grpc.StatusCode.INVALID_ARGUMENT


# --- usage and access --------------------------------------------------------------------------


def _idle(stack) -> bool:
    """No document of the stack's queue is waiting or converting."""
    busy = (document_pb.DOCUMENT_STATE_PENDING, document_pb.DOCUMENT_STATE_PROCESSING)
    return not any(
        stack.conversion.ListDocuments(pb.ListDocumentsRequest(state=state)).documents
        for state in busy
    )


def test_usage_counts_completed_conversions_in_its_window(stack):
    wait_for(lambda: _idle(stack), TIMEOUT_S, what="the other tests' documents")
    before = stack.usage.GetUsageSummary(usage_pb.GetUsageSummaryRequest(), timeout=TIMEOUT_S)
    list(
        stack.conversion.Convert(
            pb.ConvertRequest(file=source(script_document(pages=4))), timeout=TIMEOUT_S
        )
    )
    after = stack.usage.GetUsageSummary(usage_pb.GetUsageSummaryRequest(), timeout=TIMEOUT_S)
    assert after.totals.pages - before.totals.pages == 4
    assert after.totals.operations - before.totals.operations == 1
    empty = stack.usage.GetUsageSummary(
        usage_pb.GetUsageSummaryRequest(end_time=Timestamp(seconds=0)), timeout=TIMEOUT_S
    )
    assert empty.totals.pages == 0
    backwards = usage_pb.GetUsageSummaryRequest(
        start_time=Timestamp(seconds=10**9), end_time=Timestamp(seconds=10)
    )
    assert refused(stack.usage.GetUsageSummary, backwards)[1] == "INVALID_DATE"


def test_get_caller_says_whether_keys_are_needed_and_checks_them(stack, keyed_stack):
    open_reply = stack.access.GetCaller(access_pb.GetCallerRequest(), timeout=TIMEOUT_S)
    assert (open_reply.auth_required, open_reply.api_key_id) == (False, "")
    good = (("authorization", "Bearer in-process-key"),)
    reply = keyed_stack.access.GetCaller(access_pb.GetCallerRequest(), metadata=good)
    assert reply.auth_required and len(reply.api_key_id) == 12
    for metadata, reason in [
        ((), "API_KEY_MISSING"),
        ((("authorization", "Bearer x"),), "API_KEY_INVALID"),
    ]:
        code, got = refused(
            keyed_stack.access.GetCaller, access_pb.GetCallerRequest(), metadata=metadata
        )
        assert (code, got) == (grpc.StatusCode.UNAUTHENTICATED, reason)


# --- languages ------------------------------------------------------------------------------


def test_languages_are_kept_with_the_document_and_checked(stack):
    reply = stack.conversion.SubmitDocument(
        pb.SubmitDocumentRequest(file=source(script_document()), languages=["deu", "frk"]),
        timeout=TIMEOUT_S,
    )
    assert list(reply.document.languages) == ["deu", "frk"]
    again = stack.conversion.GetDocument(pb.GetDocumentRequest(document_id=reply.document.id))
    assert list(again.document.languages) == ["deu", "frk"]
    for bad in (["de u"], ["x"], ["eng"] * 9, ["../etc"]):
        request = pb.SubmitDocumentRequest(file=source(script_document()), languages=bad)
        assert refused(stack.conversion.SubmitDocument, request) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "INVALID_LANGUAGES",
        )
