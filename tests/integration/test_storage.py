"""Storage at scale: S3 through the real boto3 against a local S3 server (moto),
large files in bounded memory, limits, disconnects, unsafe names, retention."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pathlib
import socket
import subprocess
import sys

import boto3
import grpc
import httpx
import pytest
from harness import Service, child_env, reason_of, run_ilios, running, start_ilios, wait_for
from moto.server import ThreadedMotoServer

from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import conversion_service_pb2_grpc as pb_grpc
from ilios.worker.engines.scripted import script_document

MIB = 1024 * 1024
BUCKET = "ilios-test"
S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_REGION": "us-east-1",
}


class S3Server:
    """moto's S3 server on a loopback port, stoppable and restartable on that port."""

    def __init__(self) -> None:
        self.port = 0
        self._server: ThreadedMotoServer | None = None

    def start(self) -> S3Server:
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        server.start()
        self.port = server._server.server_address[1]
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="us-east-1",
        )


@pytest.fixture(scope="module")
def s3():
    server = S3Server().start()
    server.client().create_bucket(Bucket=BUCKET)
    yield server
    server.stop()


def s3_env(s3: S3Server, **extra: str) -> dict[str, str]:
    """S3 storage for every original (none kept inline in the database)."""
    env = {"S3_BUCKET": BUCKET, "AWS_ENDPOINT_URL_S3": s3.url, "INLINE_MAX_BYTES": "0"}
    return {**env, **S3_CREDENTIALS, **extra}


def inline_original(svc: Service, doc_id: str) -> bytes | None:
    """The original of ``doc_id`` if it is kept in the database (ilios.storage.inline)."""
    rows = svc.rows("SELECT content FROM inline_blobs WHERE key = :k", k=f"originals/{doc_id}")
    return bytes(rows[0]["content"]) if rows else None


def ilios_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run one ``ilios`` service command as its own process (in its DATA_DIR)."""
    return run_ilios(
        args, env, pathlib.Path(env["DATA_DIR"]), capture_output=True, text=True, timeout=120
    )


def padded_script(size: int, **script: object) -> bytes:
    """A scripted document padded to ``size`` bytes (after its %%EOF)."""
    head = script_document(**script)
    return head + b"%" * (size - len(head))


def convert(svc: Service, content: bytes, name: str = "doc.pdf") -> list[pb.ConvertResponse]:
    request = pb.ConvertRequest(file=pb.FileSource(content=content, file_name=name))
    return list(svc.conversion.Convert(request, timeout=120))


def upload(svc: Service, chunks, name: str = "big.pdf", **meta) -> pb.UploadResponse:
    def requests():
        yield pb.UploadRequest(metadata=pb.UploadMetadata(file_name=name, **meta))
        for chunk in chunks:
            yield pb.UploadRequest(chunk=chunk)

    return svc.conversion.Upload(requests(), timeout=300)


def leftovers(svc: Service) -> list[str]:
    """Blob files, partial blobs and temp files under the service's data dir."""
    found = []
    for folder in ("blobs", "tmp"):
        root = svc.data_dir / folder
        found += [str(p.relative_to(svc.data_dir)) for p in root.rglob("*") if p.is_file()]
    return found


def uploads_left(svc: Service) -> list[str]:
    """Upload blobs, whole or partial (a shared service's documents aside)."""
    root = svc.data_dir / "blobs" / "uploads"
    return [p.name for p in root.glob("*") if p.is_file()]


# --- S3 ---------------------------------------------------------------------------


def test_convert_batch_and_original_with_s3(s3, tmp_path, corpus):
    with running(tmp_path, **s3_env(s3, WORKER_COUNT="1")) as svc:
        events = convert(svc, corpus["text.pdf"].read_bytes(), "text.pdf")
        doc_id = events[-1].completed.document.id
        assert "Quarterly Report" in events[1].page.markdown
        stored = s3.client().get_object(Bucket=BUCKET, Key=f"originals/{doc_id}")["Body"].read()
        assert stored == corpus["text.pdf"].read_bytes()
        assert not (svc.data_dir / "blobs" / "originals").exists()  # nothing stored locally
        with svc.http() as http:
            original = http.get(f"/api/documents/{doc_id}/original")
            assert original.status_code == 302  # straight from S3, as the original API
            assert http.get(original.headers["location"]).content == stored
            files = [("files", (n, corpus[n].read_bytes())) for n in ("text.pdf", "page.png")]
            batch = http.post("/v1/batch/submit", files=files).json()

            def done():
                return http.get(batch["statusUrl"]).json()["status"] == "completed"

            wait_for(done, 60, what="the batch")
            lines = http.get(f"/v1/batch/download/{batch['batchId']}").text.splitlines()
        assert [json.loads(line)["status"] for line in lines] == ["completed", "completed"]


def test_small_inline_files_live_in_the_database_large_ones_in_the_store(s3, tmp_path):
    """With the default INLINE_MAX_BYTES, a small file sent inline is kept in the
    database (no S3 object), a larger one goes to S3; both convert and read back."""
    env = {k: v for k, v in s3_env(s3, WORKER_COUNT="1", OCR_ENGINE="scripted").items()}
    del env["INLINE_MAX_BYTES"]
    small, large = padded_script(10_000), padded_script(300 * 1024)
    with running(tmp_path, **env) as svc:
        reply = svc.conversion.BatchSubmit(
            pb.BatchSubmitRequest(
                files=[
                    pb.FileSource(content=small, file_name="small.pdf"),
                    pb.FileSource(content=large, file_name="large.pdf"),
                ]
            ),
            timeout=60,
        )
        small_id, large_id = (d.id for d in reply.documents)
        wait_for(
            lambda: {r["state"] for r in svc.rows("SELECT state FROM documents")} == {"completed"},
            60,
            what="both documents to convert",
        )
        assert inline_original(svc, small_id) == small
        assert inline_original(svc, large_id) is None
        keys = {o["Key"] for o in s3.client().list_objects_v2(Bucket=BUCKET).get("Contents", [])}
        assert f"originals/{large_id}" in keys and f"originals/{small_id}" not in keys
        with svc.http() as http:
            for doc_id, content in ((small_id, small), (large_id, large)):
                original = http.get(f"/api/documents/{doc_id}/original", follow_redirects=True)
                assert original.content == content


def test_multipart_above_the_threshold(s3, tmp_path):
    env = s3_env(s3, WORKER_COUNT="1", OCR_ENGINE="scripted", S3_MULTIPART_THRESHOLD="5MB")
    with running(tmp_path, **env) as svc:
        big = padded_script(12 * MIB, pages=1)
        reply = upload(svc, [big[i : i + MIB] for i in range(0, len(big), MIB)])
        submitted = svc.conversion.SubmitDocument(
            pb.SubmitDocumentRequest(file=pb.FileSource(upload_id=reply.upload_id)), timeout=30
        ).document
        head = s3.client().head_object(Bucket=BUCKET, Key=f"uploads/{reply.upload_id}")
        assert head["ContentLength"] == 12 * MIB
        assert head["ETag"].strip('"').endswith("-2")  # two 8 MiB parts: a multipart upload
        assert submitted.sha256 == hashlib.sha256(big).hexdigest()
        small = padded_script(1 * MIB, pages=1)
        small_reply = upload(svc, [small])
        head = s3.client().head_object(Bucket=BUCKET, Key=f"uploads/{small_reply.upload_id}")
        assert "-" not in head["ETag"]  # below the threshold: one PUT


def test_jobs_retry_while_s3_is_down_and_succeed_when_it_returns(tmp_path):
    s3 = S3Server().start()
    s3.client().create_bucket(Bucket=BUCKET)
    env = s3_env(
        s3, WORKER_COUNT="0", OCR_ENGINE="scripted", S3_MAX_ATTEMPTS="1", RETRY_BACKOFF_S="0.3"
    )
    worker = None
    try:
        with running(tmp_path, **env) as svc:
            svc.conversion.SubmitDocument(
                pb.SubmitDocumentRequest(
                    file=pb.FileSource(content=script_document(pages=2), file_name="s.pdf")
                ),
                timeout=30,
            )
            s3.stop()  # the original is stored; now no worker can fetch it
            worker = start_ilios(["worker"], svc.env, svc.data_dir)

            def failed_an_attempt():
                rows = svc.rows("SELECT state, error FROM jobs")
                return rows[0]["state"] == "retrying" and "STORAGE_UNAVAILABLE" in rows[0]["error"]

            wait_for(failed_an_attempt, 60, what="a failed attempt while S3 is down")
            s3.start()  # same port, same bucket and objects
            wait_for(
                lambda: svc.rows("SELECT state FROM documents")[0]["state"] == "completed",
                60,
                what="completion once S3 is back",
            )
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(60)
        s3.stop()


def test_missing_bucket_fails_start_up_clearly(s3, tmp_path):
    env = child_env(DATA_DIR=str(tmp_path), **s3_env(s3, S3_BUCKET="no-such-bucket"))
    result = ilios_cli(env, "server")
    assert result.returncode == 2
    assert "no-such-bucket" in result.stderr and "does not exist" in result.stderr


def test_bad_credentials_fail_start_up_clearly(tmp_path):
    """A moto server with authentication on refuses unknown keys (403)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    moto = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def listening():
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", port)) == 0

        wait_for(listening, 30, what="moto to listen")
        env = child_env(
            DATA_DIR=str(tmp_path),
            S3_BUCKET=BUCKET,
            AWS_ENDPOINT_URL_S3=f"http://127.0.0.1:{port}",
            **S3_CREDENTIALS,
        )
        result = ilios_cli(env, "server")
        assert result.returncode == 2
        assert "AWS_ACCESS_KEY_ID" in result.stderr
    finally:
        moto.terminate()
        moto.wait(30)


# --- large files, limits, disconnects -------------------------------------------------


def vm_hwm_mib(pid: int) -> float:
    """Peak resident memory of one process (VmHWM), in MiB."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.mark.slow
def test_300_mb_through_rest_and_grpc_in_bounded_memory(tmp_path):
    size = 300 * MIB
    path = tmp_path / "big.pdf"
    digest = hashlib.sha256()
    with path.open("wb") as out:
        head = script_document(pages=1)
        out.write(head)
        digest.update(head)
        block = os.urandom(MIB)
        for _ in range(size // MIB - 1):
            out.write(block)
            digest.update(block)
        tail = b"%" * (size - out.tell())
        out.write(tail)
        digest.update(tail)
    expected = digest.hexdigest()
    with running(tmp_path / "svc", OCR_ENGINE="scripted", WORKER_COUNT="1") as svc:
        ports = {
            name: json.loads((svc.data_dir / "run" / f"{name}.json").read_text())["pid"]
            for name in ("server", "gateway")
        }
        with path.open("rb") as file, svc.http() as http:
            r = http.post("/api/documents/submit", files={"file": ("big.pdf", file)})
        assert r.status_code == 200, r.text
        rest_doc = svc.db.one("get_document", id=r.json()["id"])
        assert rest_doc["sha256"] == expected and rest_doc["size_bytes"] == size

        def chunks():
            with path.open("rb") as file:
                while block := file.read(MIB):
                    yield block

        reply = upload(svc, chunks(), size_bytes=size, sha256=expected)
        assert reply.sha256 == expected and reply.size_bytes == size
        peaks = {name: vm_hwm_mib(pid) for name, pid in ports.items()}
        print(f"peak RSS after 2 x 300 MiB: {peaks}")
        assert all(peak < 150e6 / MIB for peak in peaks.values()), peaks  # 150 MB


def test_over_limit_uploads_are_cut_and_leave_nothing(tmp_path):
    with running(tmp_path, OCR_ENGINE="scripted", WORKER_COUNT="0", MAX_FILE_SIZE="2MB") as svc:
        big = padded_script(8 * MIB)
        with pytest.raises(grpc.RpcError) as caught:
            upload(svc, [big[i : i + 256 * 1024] for i in range(0, len(big), 256 * 1024)])
        assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert reason_of(caught.value) == "FILE_TOO_LARGE"
        with svc.http() as http:
            r = http.post("/v1/convert", files={"file": ("big.pdf", big)})
            assert r.status_code == 413 and r.json()["reason"] == "FILE_TOO_LARGE"

            def chunked():  # no Content-Length: the limit bites while streaming
                yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.pdf"'
                yield b"\r\n\r\n"
                for i in range(0, len(big), MIB):
                    yield big[i : i + MIB]
                yield b"\r\n--b--\r\n"

            r = http.post(
                "/api/documents/submit",
                content=chunked(),
                headers={"content-type": "multipart/form-data; boundary=b"},
            )
            assert r.status_code == 413 and r.json()["reason"] == "FILE_TOO_LARGE"
        assert svc.rows("SELECT count(*) AS n FROM uploads")[0]["n"] == 0
        try:
            wait_for(lambda: not leftovers(svc), 10, what="no partial blobs")
        except TimeoutError:
            raise AssertionError(f"left behind: {leftovers(svc)}") from None


def test_an_abandoned_upload_keeps_nothing(service):
    def requests():  # no declared size: only the abandon message tells it is cut
        yield pb.UploadRequest(metadata=pb.UploadMetadata(file_name="x.pdf"))
        yield pb.UploadRequest(chunk=padded_script(MIB))
        yield pb.UploadRequest(chunk=b"%" * MIB)
        yield pb.UploadRequest(abandon=pb.UploadAbandon(reason="the source went away"))

    def count() -> int:
        return service.rows("SELECT count(*) AS n FROM uploads")[0]["n"]

    uploads, blobs = count(), set(uploads_left(service))  # other tests' (a shared service)
    with pytest.raises(grpc.RpcError) as caught:
        service.conversion.Upload(requests(), timeout=60)
    assert caught.value.code() == grpc.StatusCode.CANCELLED
    assert reason_of(caught.value) == "UPLOAD_ABANDONED"
    assert count() == uploads
    wait_for(
        lambda: set(uploads_left(service)) <= blobs, 10, what="the abandoned upload's blob to go"
    )


def test_delete_upload_removes_an_unused_upload_only(service):
    data = padded_script(MIB)
    unused = upload(service, [data])
    service.conversion.DeleteUpload(pb.DeleteUploadRequest(upload_id=unused.upload_id))
    assert service.rows("SELECT id FROM uploads WHERE id = :id", id=unused.upload_id) == []
    wait_for(lambda: unused.upload_id not in uploads_left(service), 10, what="its file to go")
    with pytest.raises(grpc.RpcError) as caught:  # gone: neither deleted again nor used
        service.conversion.DeleteUpload(pb.DeleteUploadRequest(upload_id=unused.upload_id))
    assert reason_of(caught.value) == "UPLOAD_NOT_FOUND"
    source = pb.FileSource(upload_id=unused.upload_id, file_name="x.pdf")
    with pytest.raises(grpc.RpcError) as caught:
        service.conversion.SubmitDocument(pb.SubmitDocumentRequest(file=source))
    assert reason_of(caught.value) == "UPLOAD_NOT_FOUND"

    used = upload(service, [data])
    source = pb.FileSource(upload_id=used.upload_id, file_name="x.pdf")
    doc = service.conversion.SubmitDocument(pb.SubmitDocumentRequest(file=source)).document
    with pytest.raises(grpc.RpcError) as caught:
        service.conversion.DeleteUpload(pb.DeleteUploadRequest(upload_id=used.upload_id))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    read = service.conversion.ReadOriginal(pb.ReadOriginalRequest(document_id=doc.id))
    assert b"".join(m.chunk for m in read) == data  # the document keeps its file


def test_a_rejected_form_keeps_none_of_its_files(tmp_path):
    with running(tmp_path, OCR_ENGINE="scripted", WORKER_COUNT="0", MAX_FILE_SIZE="2MB") as svc:
        small, big = padded_script(MIB), padded_script(4 * MIB)

        def chunked(*files: bytes):  # no Content-Length: each file streams in
            for content in files:
                yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="x.pdf"'
                yield b"\r\n\r\n" + content + b"\r\n"
            yield b"--b--\r\n"

        with svc.http() as http:
            # A batch whose second file is over the limit: the first is already stored.
            r = http.post(
                "/v1/batch/submit",
                content=chunked(small, big),
                headers={"content-type": "multipart/form-data; boundary=b"},
            )
            assert r.status_code == 413 and r.json()["reason"] == "FILE_TOO_LARGE"
            # Fields judged once the files are in (they may come after them).
            r = http.post(
                "/api/documents/submit",
                files={"file": ("x.pdf", small)},
                data={"retentionDays": "0"},
            )
            assert r.json()["reason"] == "INVALID_RETENTION_DAYS", r.text
            r = http.post("/v1/convert", files={"file": ("x.pdf", small)}, data={"format": "xml"})
            assert r.json()["reason"] == "INVALID_FORMAT", r.text
            r = http.post(
                "/v1/batch/submit", files=[("files", ("x.pdf", small))], data={"priority": "11"}
            )
            assert r.json()["reason"] == "INVALID_PRIORITY", r.text
            # A second file on a one-file route is refused as it starts; the first goes.
            r = http.post(
                "/api/documents/submit",
                files=[("file", ("a.pdf", small)), ("file", ("b.pdf", small))],
            )
            assert r.status_code == 413 and r.json()["reason"] == "TOO_MANY_FILES", r.text
            # So is a field the route does not take, and one sent twice.
            r = http.post(
                "/v1/convert", files=[("file", ("a.pdf", small)), ("extra", ("b.pdf", small))]
            )
            assert r.status_code == 400 and r.json()["reason"] == "UNKNOWN_FIELD", r.text
            r = http.post(
                "/v1/convert",
                files=[("file", ("a.pdf", small)), ("format", (None, "json"))],
                data={"format": "json"},
            )
            assert r.status_code == 400 and r.json()["reason"] == "DUPLICATE_FIELD", r.text
        assert svc.rows("SELECT id FROM uploads") == []
        wait_for(lambda: uploads_left(svc) == [], 10, what="no upload's file")


def test_disconnects_mid_upload_leave_nothing(tmp_path):
    env = {
        "OCR_ENGINE": "scripted",
        "WORKER_COUNT": "0",
        "LOG_LEVEL": "INFO",
        "UPLOAD_IDLE_S": "2",
    }  # a stream left open by a vanished client is dropped soon
    with running(tmp_path, **env) as svc:

        def some_then_stop():
            yield padded_script(MIB)
            yield b"%" * MIB
            raise RuntimeError("the client goes away")

        # A client process that goes away: its channel closes with the call open.
        channel = grpc.insecure_channel(svc.grpc_target)
        stub = pb_grpc.ConversionServiceStub(channel)

        def requests():
            # Declaring the size (as IliosClient does) lets the server tell a cut
            # stream from a complete one even when the client half-closes on failure.
            yield pb.UploadRequest(
                metadata=pb.UploadMetadata(file_name="x.pdf", size_bytes=3 * MIB)
            )
            yield from (pb.UploadRequest(chunk=c) for c in some_then_stop())

        with pytest.raises(grpc.RpcError):
            stub.Upload(requests(), timeout=60)
        channel.close()
        with socket.create_connection(("127.0.0.1", svc.http_port)) as raw:
            body = b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.pdf"'
            body += b"\r\n\r\n" + padded_script(MIB)
            raw.sendall(
                b"POST /v1/convert HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n"
                b"Content-Type: multipart/form-data; boundary=b\r\n\r\n" + body
            )
        # Partial blobs go at once.
        wait_for(
            lambda: not [p for p in leftovers(svc) if p.endswith(".part")],
            30,
            what="partial uploads to be removed",
        )
        # A stream whose client half-closed before vanishing can look complete; such
        # an upload is never used, so the sweep drops it when it expires.
        sweep = ilios_cli(svc.env, "sweep", "--as-of", _days_from_now(2))
        assert sweep.returncode == 0, sweep.stderr
        assert leftovers(svc) == []
        assert svc.rows("SELECT count(*) AS n FROM uploads")[0]["n"] == 0


def private_tmpfs(size: str, folder: pathlib.Path | str) -> list[str]:
    """A launcher that mounts a small tmpfs on ``folder``, seen by the service only.

    Unprivileged: a user and mount namespace of its own (``unshare -rm``); the
    test reaches the tmpfs through ``/proc/<pid>/root``. Skips the test where
    such namespaces are off.
    """
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"no unprivileged mount namespaces here: {probe.stderr.strip()}")
    script = 'mount -t tmpfs -o size="$0" tmpfs "$1" && shift && exec "$@"'
    return ["unshare", "-rm", "sh", "-c", script, size, str(folder)]


def test_a_full_disk_is_a_clear_error_and_keeps_nothing(tmp_path):
    blob_dir = tmp_path / "blobs"
    blob_dir.mkdir()
    env = {"OCR_ENGINE": "scripted", "WORKER_COUNT": "0", "BLOB_DIR": str(blob_dir)}
    with running(tmp_path, launcher=private_tmpfs("6m", blob_dir), **env) as svc:
        # The disk fills while the file streams in (16 MiB: the store writes 8 MiB
        # windows), or as the last of it is written out on commit (7 MiB).
        for size in (16 * MIB, 7 * MIB):
            big = padded_script(size)
            with pytest.raises(grpc.RpcError) as caught:
                upload(svc, [big[i : i + MIB] for i in range(0, len(big), MIB)])
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE, caught.value
            assert reason_of(caught.value) == "STORAGE_UNAVAILABLE"
            assert "disk full" in caught.value.details()
        with svc.http() as http:
            r = http.post("/v1/convert", files={"file": ("big.pdf", big)})
        assert r.status_code == 503 and r.json()["reason"] == "STORAGE_UNAVAILABLE", r.text
        assert svc.rows("SELECT count(*) AS n FROM uploads")[0]["n"] == 0
        assert svc.rows("SELECT count(*) AS n FROM documents")[0]["n"] == 0
        # The partial blobs are gone, so the space is free again: the store still works.
        small = padded_script(2 * MIB)
        stored = upload(svc, [small])
        assert stored.sha256 == hashlib.sha256(small).hexdigest()
        assert svc.proc is not None  # the tmpfs, as the service sees it:
        seen = pathlib.Path(f"/proc/{svc.proc.pid}/root{blob_dir}/uploads")
        assert [p.name for p in seen.iterdir()] == [stored.upload_id]


def test_a_worker_out_of_scratch_space_fails_the_job_clearly(tmp_path):
    # Workers copy small originals to a scratch folder in /dev/shm for the engine.
    env = {
        "OCR_ENGINE": "scripted",
        "WORKER_COUNT": "1",
        "MAX_ATTEMPTS": "2",
        "RETRY_BACKOFF_S": "0.1",
    }
    with running(tmp_path, launcher=private_tmpfs("1m", "/dev/shm"), **env) as svc:
        assert svc.proc is not None
        shm = pathlib.Path(f"/proc/{svc.proc.pid}/root/dev/shm")
        filler = shm / "filler"
        with filler.open("wb") as out, contextlib.suppress(OSError):
            while True:  # until the scratch space is full
                out.write(bytes(64 * 1024))
                out.flush()

        def submit() -> str:
            source = pb.FileSource(content=script_document(pages=1), file_name="s.pdf")
            return svc.conversion.SubmitDocument(pb.SubmitDocumentRequest(file=source)).document.id

        def document(doc_id: str) -> dict:
            return svc.db.one("get_document", id=doc_id)

        doc_id = submit()
        wait_for(lambda: document(doc_id)["state"] == "failed", 30, what="the job to fail")
        failed = document(doc_id)
        assert failed["attempts"] == 2 and failed["error_reason"] == "STORAGE_UNAVAILABLE"
        assert "disk full" in failed["error_message"]
        left = [p for p in shm.rglob("*") if p.is_file() and p != filler]
        assert left == []  # no half-written copy
        filler.unlink()  # room again: the next document converts
        doc_id = submit()
        wait_for(lambda: document(doc_id)["state"] == "completed", 30, what="the next job")


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("../../etc/passwd", "passwd"),
        ("a\0b.pdf", "ab.pdf"),
        ("C:\\Users\\x\\report.pdf", "report.pdf"),
        ("..", "document"),
    ],
)
def test_unsafe_file_names_are_stored_safely(service, corpus, name, stored):
    events = convert(service, corpus["text.pdf"].read_bytes(), name)
    doc = events[-1].completed.document
    assert doc.file_name == stored
    assert not (service.data_dir / "etc").exists()
    assert not list((service.data_dir / "blobs").rglob("*passwd*"))
    assert inline_original(service, doc.id) == corpus["text.pdf"].read_bytes()  # keyed by id


# --- retention --------------------------------------------------------------------------


def test_retention_archives_documents_and_keeps_usage(tmp_path, corpus):
    with running(tmp_path, WORKER_COUNT="1") as svc:
        events = convert(svc, corpus["text.pdf"].read_bytes())
        doc_id = events[-1].completed.document.id
        with svc.http() as http:
            r = http.post(
                "/v1/convert",
                files={"file": ("a.pdf", corpus["text.pdf"].read_bytes())},
                data={"retentionDays": "1"},
            )
            short_id = r.headers["x-document-id"]
        # The clock is injected with --as-of: nothing expires in the past ...
        sweep = ilios_cli(svc.env, "sweep", "--as-of", "2000-01-01")
        assert "archived 0 document(s)" in sweep.stdout, sweep.stderr
        # ... and two days from now only the one-day document has.
        two_days = ilios_cli(svc.env, "sweep", "--as-of", _days_from_now(2))
        assert "archived 1 document(s)" in two_days.stdout, two_days.stderr
        row = svc.db.one("get_document", id=short_id)
        assert row["state"] == "archived" and row["archived_at"]
        assert not (svc.data_dir / "blobs" / "originals" / short_id).exists()
        assert inline_original(svc, short_id) is None
        assert inline_original(svc, doc_id) is not None
        assert (
            svc.rows("SELECT count(*) AS n FROM pages WHERE document_id = :d", d=short_id)[0]["n"]
            == 0
        )
        assert (
            svc.rows("SELECT count(*) AS n FROM usage WHERE document_id = :d", d=short_id)[0]["n"]
            == 1
        )
        assert svc.db.one("get_document", id=doc_id)["state"] == "completed"
        with svc.http() as http:
            for path in (f"/api/documents/{short_id}", f"/api/documents/{short_id}/original"):
                r = http.get(path)
                assert r.status_code == 410 and r.json()["reason"] == "DOCUMENT_ARCHIVED"
            assert http.get(f"/api/documents/status/{short_id}").json()["status"] == "archived"


def _days_from_now(days: int) -> str:
    import datetime as dt

    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


# --- orphans ----------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_orphaned_blobs_are_swept_and_named_ones_kept(s3, tmp_path, backend):
    """A crash between storing a file and committing its row leaves a blob no
    row names: the sweep removes such blobs once ORPHAN_MAX_AGE_S old, and
    keeps every blob a document or upload names (and files not shaped like keys)."""
    env = {"OCR_ENGINE": "scripted", "INLINE_MAX_BYTES": "0", "ORPHAN_MAX_AGE_S": "0.001"}
    if backend == "s3":
        env = s3_env(s3, **env)
    orphans = ["originals/doc_orphan1", "uploads/upl_orphan1"]
    with running(tmp_path, **env) as svc:
        doc_id = convert(svc, script_document(pages=1))[-1].completed.document.id
        upload_id = upload(svc, [script_document(pages=1)]).upload_id
        if backend == "s3":
            client = s3.client()
            for key in [*orphans, "originals/Stranger.txt"]:
                client.put_object(Bucket=BUCKET, Key=key, Body=b"left by a crash")

            def stored() -> set[str]:
                listing = client.list_objects_v2(Bucket=BUCKET)
                return {item["Key"] for item in listing.get("Contents", [])}
        else:
            for key in [*orphans, "originals/Stranger.txt"]:
                (svc.data_dir / "blobs" / key).write_bytes(b"left by a crash")

            def stored() -> set[str]:
                root = svc.data_dir / "blobs"
                return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}

        swept = ilios_cli(svc.env, "sweep")
        assert "and 2 orphaned blob(s)" in swept.stdout, swept.stderr
        left = stored()
        assert not left & set(orphans)
        assert {f"originals/{doc_id}", f"uploads/{upload_id}", "originals/Stranger.txt"} <= left
        with svc.http() as http:
            r = http.get(f"/api/documents/{doc_id}/original", follow_redirects=True)
            assert r.status_code == 200 and r.content == script_document(pages=1)


# --- the upload-url flow ------------------------------------------------------------------


def test_upload_url_puts_straight_to_s3_and_the_original_redirects_there(s3, tmp_path):
    """With S3 storage, uploadUrl is a presigned S3 PUT: the bytes never pass the
    gateway; completing checks and converts them, and /original answers 302 to S3."""
    content = script_document(pages=2) + os.urandom(MIB)
    env = s3_env(s3, OCR_ENGINE="scripted", WORKER_COUNT="1", API_KEY="k")
    with running(tmp_path, **env) as svc, svc.http(headers={"Authorization": "Bearer k"}) as http:
        r = http.post(
            "/api/documents/upload-url",
            json={"fileName": "big.pdf", "fileSize": len(content), "mimeType": "application/pdf"},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"id", "uploadUrl", "s3Key", "expiresIn"}
        assert body["uploadUrl"].startswith(s3.url) and 3000 < body["expiresIn"] <= 3600
        doc_id = body["id"]
        r = http.post(f"/api/documents/upload-complete/{doc_id}")  # nothing sent yet
        assert r.status_code == 409 and r.json()["reason"] == "UPLOAD_NOT_SENT"
        assert httpx.put(body["uploadUrl"], content=content, timeout=60).status_code == 200
        r = http.post(f"/api/documents/upload-complete/{doc_id}", json={"retentionDays": 7})
        assert r.status_code == 200, r.text
        assert r.json()["id"] == doc_id and r.json()["retentionDays"] == 7
        wait_for(
            lambda: http.get(f"/api/documents/status/{doc_id}").json()["status"] == "completed",
            60,
            what="the conversion",
        )
        original = http.get(f"/api/documents/{doc_id}/original", follow_redirects=False)
        assert original.status_code == 302 and original.headers["location"].startswith(s3.url)
        assert httpx.get(original.headers["location"], timeout=60).content == content
        r = http.post(f"/api/documents/upload-complete/{doc_id}")  # once only
        assert r.status_code == 404 and r.json()["reason"] == "UPLOAD_NOT_FOUND"


def test_upload_url_with_local_storage_puts_to_the_gateway_with_its_token(tmp_path):
    content = script_document(pages=1) + bytes(3 * MIB)
    env = {"OCR_ENGINE": "scripted", "WORKER_COUNT": "1", "API_KEY": "k"}
    with running(tmp_path, **env) as svc, svc.http(headers={"Authorization": "Bearer k"}) as http:
        body = http.post("/api/documents/upload-url", json={"fileName": "a.pdf"}).json()
        assert body["uploadUrl"].startswith(f"{svc.url}/api/documents/upload/{body['id']}?token=")
        with svc.http() as anonymous:  # the token, not a key, authorizes the PUT
            bare = body["uploadUrl"].split("?")[0]
            # A wrong token, none, or one that could not travel as gRPC metadata.
            for query in ("?token=nope", "", "?token=%C3%A9", "?token=a%0Ab"):
                wrong = anonymous.put(bare + query, content=b"x")
                assert wrong.status_code == 404, (query, wrong.text)
                assert wrong.json()["reason"] == "UPLOAD_NOT_FOUND"
        r = http.post(f"/api/documents/upload-complete/{body['id']}")
        assert r.status_code == 409 and r.json()["reason"] == "UPLOAD_NOT_SENT", r.text
        for bad, reason in (
            ({"priority": 0}, "INVALID_PRIORITY"),
            ({"priority": True}, "INVALID_PRIORITY"),
            ({"retentionDays": "7"}, "INVALID_RETENTION_DAYS"),
            ({"languages": "eng;deu"}, "INVALID_LANGUAGES"),
        ):
            r = http.post(f"/api/documents/upload-complete/{body['id']}", json=bad)
            assert r.status_code == 400 and r.json()["reason"] == reason, (bad, r.text)
        for size in (-1, 1.5, False):
            r = http.post("/api/documents/upload-url", json={"fileName": "a.pdf", "fileSize": size})
            assert r.status_code == 400 and r.json()["reason"] == "INVALID_REQUEST", (size, r.text)
        r = http.post("/api/documents/upload-url", json={"fileName": "a.pdf", "fileSize": 2**70})
        assert r.status_code == 413 and r.json()["reason"] == "FILE_TOO_LARGE", r.text
        # A fixed path is its own resource, though /api/documents/{id} matches it too.
        r = http.request("OPTIONS", "/api/documents/upload-url")
        assert (r.status_code, r.headers["allow"]) == (405, "POST"), r.text
        with svc.http() as anonymous:
            r = anonymous.put(body["uploadUrl"], content=content)
            assert r.status_code == 200, r.text
            assert r.json() == {"id": body["id"], "fileSize": len(content)}
            # The token fills that reservation only, once; other calls still need a key.
            again = anonymous.put(body["uploadUrl"], content=content)
            assert again.status_code == 404
            assert anonymous.post(f"/api/documents/upload-complete/{body['id']}").status_code == 401
        r = http.post(f"/api/documents/upload-complete/{body['id']}", json={"languages": "eng"})
        assert r.status_code == 200 and r.json()["fileName"] == "a.pdf", r.text
        doc_id = r.json()["id"]
        wait_for(
            lambda: http.get(f"/api/documents/status/{doc_id}").json()["status"] == "completed",
            60,
            what="the conversion",
        )
        assert http.get(f"/api/documents/{doc_id}/original").content == content
    assert svc.rows("SELECT id FROM reservations") == []
