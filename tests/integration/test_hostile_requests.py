"""Hostile requests on the real service: every one ends with a stable reason, early,
and leaves nothing behind (hostile *documents* are in test_hostile.py).

Each case here failed before its fix: an error a client provokes without a
reason (or a 500 with a traceback in the log), work done before a refusal
(the key checked after the form, surplus parts stored, an upload written past
its declared size), memory spent on calls that were never authorised,
connections held forever, and leftovers of a crash.
"""

from __future__ import annotations

import base64
import concurrent.futures
import json
import os
import pathlib
import signal
import socket
import subprocess
import threading
import time

import corpus as builder
import grpc
import httpx
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from harness import alive, child_env, reason_of, running, start_ilios, wait_for

from ilios import config, errors
from ilios.storage import scratch_dir
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import conversion_service_pb2_grpc as pb_grpc
from ilios.v1 import usage_service_pb2 as usage_pb

KEY = "hostile-key-1"
AUTH = (("authorization", f"Bearer {KEY}"),)
MIB = 1024 * 1024
# Budgets for what must happen "at once" or "within the time-out": generous, so a
# slow or busy machine passes; what they guard against took minutes, or forever.
PROMPT_S = 10.0
TIMEOUT_S = 2.0  # HEADER_TIMEOUT_S and UPLOAD_IDLE_S of the service below
TIMEOUT_SLACK_S = 8.0
# The server's peak memory may grow by at most this while refusing six 60 MB calls.
REFUSAL_MEMORY_BOUND_MIB = 64


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory):
    """The service with a key, short time-outs and its log in a file."""
    data = tmp_path_factory.mktemp("hostile")
    with running(
        data,
        log=data / "service.log",
        API_KEY=KEY,
        WORKER_COUNT="1",
        LOG_LEVEL="INFO",
        HEADER_TIMEOUT_S=str(TIMEOUT_S),
        UPLOAD_IDLE_S=str(TIMEOUT_S),
    ) as service:
        yield service


@pytest.fixture
def clean_log(svc):
    """Fails the test if the service logged a traceback or an ERROR while it ran."""
    before = len(svc.log_text())
    yield
    new = svc.log_text()[before:]
    assert "Traceback" not in new, new
    assert " ERROR " not in new, new


def _memory_kib(pid: int) -> dict[str, int]:
    status = pathlib.Path(f"/proc/{pid}/status").read_text()
    return {
        line.split(":")[0]: int(line.split()[1])
        for line in status.splitlines()
        if line.startswith(("VmRSS", "VmHWM"))
    }


# --- gRPC: every error a client can provoke carries its reason ---------------------------


def _stub_call(svc, method: str, request: bytes, metadata=AUTH):
    return svc.channel.unary_unary(f"/ilios.v1.ConversionService/{method}")(
        request, metadata=metadata, timeout=30
    )


def _timestamp(seconds: int) -> Timestamp:
    return Timestamp(seconds=seconds)


GRPC_CASES = [
    # (name, call(svc) -> raises, gRPC code, reason)
    (
        "no key",
        lambda s: s.conversion.GetDocument(pb.GetDocumentRequest(document_id="d"), timeout=30),
        grpc.StatusCode.UNAUTHENTICATED,
        "API_KEY_MISSING",
    ),
    (
        "a 10 KB key",
        lambda s: s.conversion.GetDocument(
            pb.GetDocumentRequest(document_id="d"),
            metadata=(("authorization", "Bearer " + "k" * 10_000),),
            timeout=30,
        ),
        grpc.StatusCode.UNAUTHENTICATED,
        "API_KEY_INVALID",
    ),
    (
        "an unknown method",
        lambda s: _stub_call(s, "Nope", b""),
        grpc.StatusCode.UNIMPLEMENTED,
        "METHOD_NOT_FOUND",
    ),
    (
        "bytes that are not a message",
        lambda s: _stub_call(s, "GetDocument", b"\xff\xff\xff\xff"),
        grpc.StatusCode.INVALID_ARGUMENT,
        "MALFORMED_MESSAGE",
    ),
    (
        "a 20 KB document id",
        lambda s: s.conversion.GetDocument(
            pb.GetDocumentRequest(document_id="d" * 20_000), metadata=AUTH, timeout=30
        ),
        grpc.StatusCode.NOT_FOUND,
        "DOCUMENT_NOT_FOUND",
    ),
    (
        "a page token holding a huge number",
        lambda s: s.conversion.ListDocuments(
            pb.ListDocumentsRequest(
                page_token=base64.urlsafe_b64encode(b"[1" + b"0" * 40 + b', "x"]').decode()
            ),
            metadata=AUTH,
            timeout=30,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PAGE_TOKEN",
    ),
    (
        "a timestamp past year 9999",
        lambda s: s.conversion.ListDocuments(
            pb.ListDocumentsRequest(create_time_after=_timestamp(10**15)),
            metadata=AUTH,
            timeout=30,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_DATE",
    ),
    (
        "a usage window before year 1",
        lambda s: s.usage.GetUsageSummary(
            usage_pb.GetUsageSummaryRequest(start_time=_timestamp(-(10**12))),
            metadata=AUTH,
            timeout=30,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_DATE",
    ),
    (
        "a batch over MAX_BATCH_FILES",
        lambda s: s.conversion.BatchSubmit(
            pb.BatchSubmitRequest(files=[pb.FileSource(upload_id="u")] * 1001),
            metadata=AUTH,
            timeout=30,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "TOO_MANY_FILES",
    ),
    (
        "an upload declaring more than MAX_FILE_SIZE",
        lambda s: s.conversion.Upload(
            iter([pb.UploadRequest(metadata=pb.UploadMetadata(size_bytes=2**40))]),
            metadata=AUTH,
            timeout=30,
        ),
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "FILE_TOO_LARGE",
    ),
    (
        "an upload starting with a chunk",
        lambda s: s.conversion.Upload(
            iter([pb.UploadRequest(chunk=b"x")]), metadata=AUTH, timeout=30
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_REQUEST",
    ),
]


@pytest.mark.parametrize(
    ("name", "call", "code", "reason"), GRPC_CASES, ids=[c[0] for c in GRPC_CASES]
)
def test_grpc_errors_carry_their_reason(svc, clean_log, name, call, code, reason):
    with pytest.raises(grpc.RpcError) as caught:
        call(svc)
    assert caught.value.code() == code, caught.value.details()
    assert reason_of(caught.value) == reason
    assert len(caught.value.details()) <= errors.MAX_MESSAGE_CHARS


def test_a_message_over_the_limit_is_refused_unread_and_clients_name_it(svc):
    """gRPC's transport refuses it by its length prefix, before reading it; its status
    has no ErrorInfo (no handler runs), and the client's error tree names it."""
    with pytest.raises(grpc.RpcError) as caught:
        list(
            svc.conversion.Convert(
                pb.ConvertRequest(file=pb.FileSource(content=bytes(9 * MIB), file_name="a.pdf")),
                metadata=AUTH,
                timeout=60,
            )
        )
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    error = errors.from_rpc_error(caught.value)
    assert isinstance(error, errors.MessageTooLarge) and error.reason == "MESSAGE_TOO_LARGE"


def test_an_upload_is_stopped_the_moment_it_passes_its_declared_size(svc, clean_log):
    sent = 0

    def requests():
        nonlocal sent
        yield pb.UploadRequest(metadata=pb.UploadMetadata(file_name="a.pdf", size_bytes=1024))
        while sent < 300 * MIB:
            sent += MIB
            yield pb.UploadRequest(chunk=bytes(MIB))

    with pytest.raises(grpc.RpcError) as caught:
        svc.conversion.Upload(requests(), metadata=AUTH, timeout=60)
    assert reason_of(caught.value) == "UPLOAD_INCOMPLETE"
    # gRPC's flow control lets a client run a few MiB ahead of the server, no more.
    assert sent < 32 * MIB, f"the client sent {sent // MIB} MiB before the refusal"
    wait_for(lambda: not _partial_blobs(svc), PROMPT_S, what="the partial upload to go")
    assert svc.rows("SELECT id FROM uploads") == []


def _partial_blobs(svc) -> list[pathlib.Path]:
    return [*svc.data_dir.rglob("*.part")]


def test_a_stalled_grpc_request_is_dropped_within_the_time_out(svc, clean_log):
    # A unary call whose message never comes (headers sent, then nothing).
    call = svc.channel.stream_unary(
        "/ilios.v1.ConversionService/GetDocument",
        request_serializer=pb.GetDocumentRequest.SerializeToString,
        response_deserializer=pb.GetDocumentResponse.FromString,
    )
    never = threading.Event()

    def nothing():
        never.wait(60)
        return
        yield

    started = time.monotonic()
    try:
        with pytest.raises(grpc.RpcError) as caught:
            call(nothing(), metadata=AUTH, timeout=60)
    finally:
        never.set()
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert reason_of(caught.value) == "REQUEST_TIMEOUT"
    assert time.monotonic() - started < TIMEOUT_S + TIMEOUT_SLACK_S

    # An upload that stops sending after its first chunk.
    stop = threading.Event()

    def one_chunk_then_silence():
        yield pb.UploadRequest(metadata=pb.UploadMetadata(file_name="a.pdf"))
        yield pb.UploadRequest(chunk=bytes(MIB))
        stop.wait(60)

    try:
        with pytest.raises(grpc.RpcError) as caught:
            svc.conversion.Upload(one_chunk_then_silence(), metadata=AUTH, timeout=60)
    finally:
        stop.set()
    assert reason_of(caught.value) == "REQUEST_TIMEOUT"
    wait_for(lambda: not _partial_blobs(svc), PROMPT_S, what="the partial upload to go")


def test_unauthenticated_calls_are_refused_before_their_messages_are_read(svc, clean_log):
    """Six concurrent 60 MB Converts without a key: refused unread, memory flat."""
    server = svc.child_pid("server")
    try:
        pathlib.Path(f"/proc/{server}/clear_refs").write_text("5")  # resets VmHWM to VmRSS
        before = _memory_kib(server)["VmRSS"]
    except OSError:  # not allowed here: measure from the peak so far
        before = _memory_kib(server)["VmHWM"]
    request = pb.ConvertRequest(file=pb.FileSource(content=bytes(60 * 10**6), file_name="a.pdf"))
    channel = grpc.insecure_channel(
        svc.grpc_target, options=[("grpc.max_send_message_length", 100 * MIB)]
    )

    def call(_: int) -> grpc.StatusCode:
        try:
            list(pb_grpc.ConversionServiceStub(channel).Convert(request, timeout=60))
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                assert reason_of(exc) == "API_KEY_MISSING"
            return exc.code()
        return grpc.StatusCode.OK

    with channel, concurrent.futures.ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(call, range(6)))
    peak = _memory_kib(server)["VmHWM"]
    grew_mib = (peak - before) / 1024
    print(
        f"server RSS {before / 1024:.0f} MiB before, peak {peak / 1024:.0f} MiB during six "
        f"unauthenticated 60 MB Converts (+{grew_mib:.1f} MiB; bound {REFUSAL_MEMORY_BOUND_MIB})"
    )
    assert codes == [grpc.StatusCode.UNAUTHENTICATED] * 6
    assert grew_mib < REFUSAL_MEMORY_BOUND_MIB


# --- REST: the key first, bounded headers, early refusals ---------------------------------


def _guarded_operations(svc) -> list[tuple[str, str]]:
    with svc.http() as http:
        spec = http.get("/openapi.json").json()
    # Public: health and the index; the upload-url PUT is authorized by its token.
    public = {"/health", "/", "/api/documents/upload/{document_id}"}
    return [
        (method.upper(), path.replace("{document_id}", "doc_x").replace("{batch_id}", "bat_x"))
        for path, operations in spec["paths"].items()
        for method in operations
        if path not in public
    ]


def test_every_route_answers_401_before_any_other_4xx(svc, clean_log):
    operations = _guarded_operations(svc)
    assert len(operations) >= 10
    bad_query = {"format": "nope", "startDate": "not-a-date", "details": "x"}
    with svc.http() as http:
        for method, path in operations:
            for headers, params, reason in [
                ({}, bad_query, "API_KEY_MISSING"),
                ({"authorization": "Bearer wrong"}, bad_query, "API_KEY_INVALID"),
                ({}, {**bad_query, "apiKey": "k" * 10_000}, "API_KEY_INVALID"),
                ({}, {**bad_query, "apiKey": "k\u00e9y"}, "API_KEY_INVALID"),
                ({}, {**bad_query, "apiKey": "a\r\nX-Injected: 1"}, "API_KEY_INVALID"),
            ]:
                r = http.request(
                    method,
                    path,
                    params=params,
                    headers={"content-type": "text/plain", **headers},
                    content=b"not a form",
                )
                assert r.status_code == 401, (method, path, r.text)
                assert r.json()["reason"] == reason, (method, path, r.text)
        # A non-ASCII key in the Authorization header itself.
        r = http.get("/api/documents/status/doc_x", headers={"authorization": b"Bearer k\xe9y"})
        assert r.status_code == 401 and r.json()["reason"] == "API_KEY_INVALID"


def test_a_large_header_is_refused_at_once_and_others_stay_served(svc, clean_log):
    """A client sending a header without end is cut off at the limit (431), while
    another client's requests go on being answered."""
    stop = threading.Event()
    outcome: dict[str, object] = {}

    def flood() -> None:
        with socket.create_connection(("127.0.0.1", svc.http_port), timeout=30) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Flood: ")
            sent = 0
            try:
                while not stop.is_set() and sent < 256 * MIB:
                    sock.sendall(b"a" * 65536)
                    sent += 65536
            except OSError:
                pass
            outcome["sent"] = sent
            try:
                outcome["answer"] = sock.recv(4096)
            except OSError as exc:
                outcome["answer"] = repr(exc)

    flooder = threading.Thread(target=flood)
    flooder.start()
    latencies = []
    with svc.http() as http:
        for _ in range(20):
            started = time.monotonic()
            assert http.get("/health").status_code == 200
            latencies.append(time.monotonic() - started)
    stop.set()
    flooder.join(60)
    print(
        f"health during the flood: max {max(latencies) * 1000:.0f} ms; "
        f"the flood sent {int(outcome['sent']) // 1024} KiB"
    )  # type: ignore[call-overload]
    assert int(outcome["sent"]) < 16 * MIB  # type: ignore[call-overload]
    assert max(latencies) < PROMPT_S
    answer = outcome["answer"]
    if isinstance(answer, bytes) and answer:
        assert answer.startswith(b"HTTP/1.1 431")
    with svc.http() as http:
        r = http.get("/health", headers={"x-big": "a" * MIB})
        assert r.status_code == 431 and r.json()["reason"] == "HEADERS_TOO_LARGE"


def test_stalled_http_requests_are_closed_within_the_time_out(svc, clean_log):
    for data, what in [
        (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Half: ", "headers"),
        (
            b"POST /v1/convert HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + KEY.encode()
            + b"\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            b"Content-Length: 1000000\r\n\r\n--b\r\n",
            "body",
        ),
    ]:
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", svc.http_port), timeout=60) as sock:
            sock.sendall(data)
            answer = b""
            while chunk := sock.recv(4096):
                answer += chunk
        took_s = time.monotonic() - started
        assert took_s < TIMEOUT_S + TIMEOUT_SLACK_S, f"{what}: closed after {took_s:.1f} s"
        assert answer.startswith(b"HTTP/1.1 408"), (what, answer)
        assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["reason"] == "REQUEST_TIMEOUT"


def _form(*parts: tuple[str, str | None, bytes]) -> tuple[bytes, str]:
    body = b""
    for name, file_name, content in parts:
        disposition = f'form-data; name="{name}"'
        if file_name is not None:
            disposition += f'; filename="{file_name}"'
        body += b"--b\r\nContent-Disposition: " + disposition.encode() + b"\r\n\r\n"
        body += content + b"\r\n"
    return body + b"--b--\r\n", "multipart/form-data; boundary=b"


def test_forms_are_refused_at_the_first_part_they_should_not_have(svc, clean_log):
    headers = {"authorization": f"Bearer {KEY}"}
    pdf = b"%PDF-1.4\n" + bytes(1000)
    with svc.http() as http:
        # 10,000 file parts on a one-file route: refused at the second, nothing kept.
        body, kind = _form(*[("file", f"f{i}.pdf", pdf) for i in range(10_000)])
        r = http.post("/v1/convert", content=body, headers={**headers, "content-type": kind})
        assert r.status_code == 413 and r.json()["reason"] == "TOO_MANY_FILES", r.text
        # A 50 MB field the route does not take: refused at its header, unread.
        sent = 0

        def unknown_field():
            nonlocal sent
            yield b'--b\r\nContent-Disposition: form-data; name="junk"\r\n\r\n'
            while sent < 50 * MIB:
                sent += MIB
                yield bytes(MIB)
            yield b"\r\n--b--\r\n"

        try:
            r = http.post(
                "/v1/convert", content=unknown_field(), headers={**headers, "content-type": kind}
            )
            assert r.status_code == 400 and r.json()["reason"] == "UNKNOWN_FIELD", r.text
        except httpx.HTTPError:
            pass  # the gateway answered and closed while the body was still going
        assert sent < 50 * MIB
        # A text field sent twice.
        body, kind = _form(("format", None, b"json"), ("format", None, b"markdown"))
        r = http.post("/v1/convert", content=body, headers={**headers, "content-type": kind})
        assert r.status_code == 400 and r.json()["reason"] == "DUPLICATE_FIELD", r.text
    wait_for(lambda: svc.rows("SELECT id FROM uploads") == [], PROMPT_S, what="no upload kept")


def test_bad_input_that_used_to_answer_500_answers_4xx(svc, clean_log):
    headers = {"authorization": f"Bearer {KEY}"}
    with svc.http() as http:
        r = http.get("/api/usage/summary", params={"startDate": "2024-13-01"}, headers=headers)
        assert r.status_code == 400 and r.json()["reason"] == "INVALID_DATE", r.text
        # Dates whose UTC instant falls outside years 1-9999 are clamped, not refused.
        for start in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
            r = http.get("/api/usage/summary", params={"startDate": start}, headers=headers)
            assert r.status_code == 200 and "totalPages" in r.json(), (start, r.text)
        for days in ("1_0", "\uff11\uff10", "+5", "0x5"):
            body, kind = _form(
                ("file", "a.pdf", b"%PDF-1.4"), ("retentionDays", None, days.encode())
            )
            r = http.post(
                "/api/documents/submit", content=body, headers={**headers, "content-type": kind}
            )
            assert r.status_code == 400, (days, r.text)
            assert r.json()["reason"] == "INVALID_RETENTION_DAYS", (days, r.text)
        # A 20 KB id is not found (it used to overflow a header: 413 FILE_TOO_LARGE).
        r = http.get(f"/api/documents/status/{'d' * 20_000}", headers=headers)
        assert r.status_code == 404 and r.json()["reason"] == "DOCUMENT_NOT_FOUND", r.text
        assert len(r.text) < 4096


def test_a_client_gone_mid_upload_is_one_info_line(svc, clean_log):
    before = len(svc.log_text())
    with socket.create_connection(("127.0.0.1", svc.http_port), timeout=30) as sock:
        body_start = (
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
            + b"%PDF-1.4\n"
            + bytes(MIB)
        )
        sock.sendall(
            b"POST /v1/convert HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + KEY.encode()
            + b"\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            b"Content-Length: 99999999\r\n\r\n" + body_start
        )
    wait_for(
        lambda: "went away" in svc.log_text()[before:], PROMPT_S, what="the disconnect's log line"
    )
    wait_for(lambda: not _partial_blobs(svc), PROMPT_S, what="the partial upload to go")


# --- crashes, restarts, shutdown ---------------------------------------------------------


def test_a_killed_server_on_port_0_is_reachable_again_and_its_forms_leave_nothing(tmp_path):
    """GRPC_PORT=0: the restarted server keeps its port, so REST works again; the
    uploads of a batch cut off by the crash, finished and partial, go at restart."""
    with running(tmp_path / "svc", WORKER_COUNT="0", LOG_LEVEL="WARNING") as svc:
        svc.wait_healthy()
        grpc_port = svc.grpc_port
        paused, resume = threading.Event(), threading.Event()
        pdf = b"%PDF-1.4\n" + os.urandom(2 * MIB)

        def body():
            for i in range(3):
                yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="f%d.pdf"' % i
                yield b"\r\n\r\n" + pdf + b"\r\n"
            yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="cut.pdf"\r\n\r\n'
            yield pdf[: MIB + 1]  # a file half sent when the server dies
            paused.set()
            resume.wait(60)
            yield pdf[MIB + 1 :] + b"\r\n--b--\r\n"

        answer: dict[str, object] = {}

        def submit() -> None:
            try:
                with svc.http() as http:
                    answer["response"] = http.post(
                        "/v1/batch/submit",
                        content=body(),
                        headers={"content-type": "multipart/form-data; boundary=b"},
                    )
            except httpx.HTTPError as exc:
                answer["response"] = exc

        client = threading.Thread(target=submit)
        client.start()
        assert paused.wait(60)
        wait_for(lambda: len(svc.rows("SELECT id FROM uploads")) == 3, PROMPT_S, what="3 uploads")
        wait_for(lambda: _partial_blobs(svc), PROMPT_S, what="the partial upload")
        # Two uploads over gRPC: one for a call still to come (transient), one kept.
        transient, kept = (
            svc.conversion.Upload(
                iter(
                    [
                        pb.UploadRequest(
                            metadata=pb.UploadMetadata(file_name="x.pdf", transient=t)
                        ),
                        pb.UploadRequest(chunk=pdf[:1000]),
                    ]
                ),
                timeout=30,
            ).upload_id
            for t in (True, False)
        )
        server = svc.child_pid("server")
        os.kill(server, signal.SIGKILL)
        wait_for(lambda: not alive(server), PROMPT_S, what="the server to die")
        resume.set()
        client.join(60)
        response = answer["response"]
        if isinstance(response, httpx.Response):
            assert response.status_code == 503, response.text
            assert "127.0.0.1" not in response.text  # no internal address
        # REST works again through the same gRPC port, and nothing of the form is left.
        svc.wait_healthy(timeout_s=30)
        assert svc.child_pid("server") != server
        assert (
            grpc.channel_ready_future(grpc.insecure_channel(f"127.0.0.1:{grpc_port}")).result(
                timeout=30
            )
            is None
        )
        left = lambda: [r["id"] for r in svc.rows("SELECT id FROM uploads")]  # noqa: E731
        wait_for(lambda: left() == [kept], 30, what="all but the kept upload to go")
        assert transient not in left()
        wait_for(lambda: not _partial_blobs(svc), 30, what="the partial upload to go")
        files = [p.name for p in (svc.data_dir / "blobs" / "uploads").glob("*") if p.is_file()]
        assert files == [kept]


def test_rest_errors_without_the_server_name_no_internal_address(tmp_path):
    """A gateway whose server is down answers 503 SERVICE_UNAVAILABLE; the address it
    tried goes to its log, not to the client."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]  # nothing listens once the socket closes
    ready = tmp_path / "gateway.json"
    env = child_env(
        DATA_DIR=str(tmp_path),
        PORT="0",
        GRPC_TARGET=f"127.0.0.1:{dead_port}",
        LOG_LEVEL="WARNING",
    )
    log = tmp_path / "gateway.log"
    with open(log, "wb") as output:
        gateway = start_ilios(
            ["gateway", "--ready-file", str(ready)],
            env,
            tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        port = wait_for(
            lambda: ready.exists() and json.loads(ready.read_text())["port"], 60, what="gateway"
        )
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            for path in ("/api/documents/status/doc_x", "/api/usage/summary"):
                r = http.get(path)
                assert r.status_code == 503, r.text
                assert r.json()["reason"] == "SERVICE_UNAVAILABLE"
                assert str(dead_port) not in r.text and "ipv4" not in r.text
            assert http.get("/health").status_code == 503
    finally:
        gateway.send_signal(signal.SIGTERM)
        gateway.wait(30)
    assert str(dead_port) in log.read_text()  # the operator sees where it looked
    assert not ready.exists()  # a stopped gateway leaves no ready file


def test_a_clean_stop_leaves_no_ready_files_or_scratch_folders(tmp_path):
    data = tmp_path / "svc"
    with running(data, WORKER_COUNT="1") as svc:
        scratch = scratch_dir(config.load(svc.env, dotenv=False))
        events = svc.conversion.Convert(
            pb.ConvertRequest(file=pb.FileSource(content=b"hello\n", file_name="a.txt")),
            timeout=60,
        )
        assert list(events)[-1].WhichOneof("event") == "completed"
        assert list(scratch.glob("inline-*"))  # the worker's copy folder, made for the job
        svc.proc.send_signal(signal.SIGTERM)
        assert svc.proc.wait(60) == 0
        assert list((data / "run").glob("*.json")) == []
        assert not scratch.exists(), list(scratch.rglob("*"))


# --- hostile documents that already held: kept as a table so none regresses -------------


def _docx_with_document_xml(tmp_path: pathlib.Path, document_xml: bytes) -> bytes:
    """A real DOCX (python-docx) whose word/document.xml is replaced."""
    import zipfile

    source, out = tmp_path / "source.docx", tmp_path / "out.docx"
    builder.make_docx(source)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            new.writestr(item, document_xml if item.filename == "word/document.xml" else data)
    return out.read_bytes()


_W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _paragraph_docx(tmp_path: pathlib.Path, doctype: bytes, text: bytes) -> bytes:
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?>' + doctype + b"<w:document " + _W + b">"
        b"<w:body><w:p><w:r><w:t>" + text + b"</w:t></w:r></w:p></w:body></w:document>"
    )
    return _docx_with_document_xml(tmp_path, xml)


def _zip_bomb_docx(tmp_path: pathlib.Path) -> bytes:
    path = tmp_path / "bomb.docx"
    builder.make_docx(path)
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")  # declare word/document.xml as 4 GiB unpacked
    while data[entry + 46 : entry + 46 + 17] != b"word/document.xml":
        entry = data.index(b"PK\x01\x02", entry + 4)
    data[entry + 24 : entry + 28] = (2**32 - 1).to_bytes(4, "little")
    return bytes(data)


def _built(tmp_path: pathlib.Path, make) -> bytes:
    path = tmp_path / "built"
    make(path)
    return path.read_bytes()


LAUGHS = (
    b'<!DOCTYPE w:document [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
    b'<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>'
)
SECRET = pathlib.Path("/etc/hostname")

HELD = [
    # (name, file name sent, builder(tmp_path) -> bytes, HTTP status, reason or None,
    #  text the Markdown must not hold)
    (
        "ELF renamed .pdf",
        "tool.pdf",
        lambda t: b"\x7fELF\x02\x01\x01" + bytes(4096),
        415,
        "UNSUPPORTED_FILE_TYPE",
        None,
    ),
    (
        "truncated PDF",
        "half.pdf",
        lambda t: _built(t, builder.make_truncated_pdf),
        422,
        "CORRUPT_FILE",
        None,
    ),
    (
        "10,000-page PDF",
        "many.pdf",
        lambda t: _built(t, builder.make_many_pages_pdf),
        422,
        "TOO_MANY_PAGES",
        None,
    ),
    (
        "PDF claiming a million pages",
        "liar.pdf",
        lambda t: _built(t, builder.make_many_pages_pdf).replace(
            b"/Count 10000", b"/Count 1000000"
        ),
        422,
        "TOO_MANY_PAGES|CORRUPT_FILE",
        None,
    ),
    (
        "decompression-bomb PNG",
        "bomb.png",
        lambda t: _built(t, builder.make_png_bomb),
        413,
        "FILE_TOO_LARGE",
        None,
    ),
    ("zip-bomb DOCX", "bomb.docx", _zip_bomb_docx, 413, "FILE_TOO_LARGE", None),
    (
        "XXE DOCX",
        "xxe.docx",
        lambda t: _paragraph_docx(
            t,
            b'<!DOCTYPE w:document [<!ENTITY x SYSTEM "file://' + bytes(SECRET) + b'">]>',
            b"before &x; after",
        ),
        None,
        None,
        SECRET.read_text().strip() if SECRET.exists() else None,
    ),
    (
        "billion-laughs DOCX",
        "laughs.docx",
        lambda t: _paragraph_docx(t, LAUGHS, b"&h;"),
        None,
        None,
        "hahahahahahahahahaha",
    ),
]


@pytest.mark.parametrize(
    ("name", "file_name", "build", "status", "reason", "absent"), HELD, ids=[h[0] for h in HELD]
)
def test_hostile_documents_that_held_still_hold(
    svc, clean_log, tmp_path, name, file_name, build, status, reason, absent
):
    content = build(tmp_path)
    with svc.http() as http:
        r = http.post(
            "/v1/convert",
            files={"file": (file_name, content)},
            headers={"authorization": f"Bearer {KEY}"},
        )
    if status is None:  # converts, or fails cleanly; never expands what it must not
        assert r.status_code in (200, 422), r.text
        if r.status_code == 422:
            assert r.json()["reason"] == "CORRUPT_FILE"
    else:
        assert r.status_code == status, r.text
        assert r.json()["reason"] in reason.split("|")
    if absent:
        assert absent not in r.text


HOSTILE_NAMES = [
    "../../etc/passwd.pdf",
    "..\\..\\windows\\win.ini.pdf",
    "a\x00b.pdf",
    "line\r\nX-Injected: 1.pdf",
    "\u202egnp.pdf",
    "/absolute/path.pdf",
]


def test_hostile_file_names_are_neutralised(svc, clean_log, corpus):
    pdf = corpus["text.pdf"].read_bytes()
    with svc.http() as http:
        for raw in HOSTILE_NAMES:
            r = http.post(
                "/api/documents/submit",
                files={"file": (raw, pdf)},
                headers={"authorization": f"Bearer {KEY}"},
            )
            assert r.status_code == 200, (raw, r.text)
            name = r.json()["fileName"]
            assert not any(c in name for c in "/\\\x00\r\n\u202e"), (raw, name)
            assert not name.startswith(".."), (raw, name)
