"""The Python client and the ``ilios`` CLI against the real service."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import subprocess
import sys

import corpus as builder
import pytest
from harness import running

from ilios import errors
from ilios.client import IliosClient
from ilios.client._client import CHUNK_BYTES, INLINE_LIMIT_BYTES
from ilios.v1 import conversion_service_pb2 as pb
from ilios.worker.engines.scripted import script_document

ILIOS = str(pathlib.Path(sys.executable).parent / "ilios")


def cli(svc, *args: str, api_key: str | None = None, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "ILIOS_TARGET": svc.grpc_target}
    env.pop("ILIOS_API_KEY", None)
    if api_key:
        env["ILIOS_API_KEY"] = api_key
    return subprocess.run(
        [ILIOS, *args], env=env, capture_output=True, text=True, timeout=300, cwd=cwd
    )


def test_client_streams_pages_and_maps_errors(service, corpus):
    with IliosClient(service.grpc_target) as client:
        conversion = client.convert(corpus["text.pdf"])
        pages = list(conversion)
        assert [p.number for p in pages] == [1, 2, 3]
        assert pages[0].markdown.startswith("# Ilios Quarterly Report")
        assert conversion.document.page_count == 3
        assert client.markdown(conversion.document.id).startswith("# Ilios Quarterly Report")
        assert client.health()
        with pytest.raises(errors.DocumentNotFound):
            client.document("doc_missing")
        with pytest.raises(errors.UnsupportedFileType):
            list(client.convert(corpus["random.bin"]))
        upload_id = client.upload(corpus["page.png"])
        assert upload_id.startswith("upl_")


def test_client_upload_frames_every_chunk_and_the_server_checks_the_sha256(service, tmp_path):
    # Several chunk messages and a short last one, each framed by the client itself.
    path = tmp_path / "scripted.pdf"
    data = script_document(pages=1) + os.urandom(2 * CHUNK_BYTES + 12_345)
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    with IliosClient(service.grpc_target) as client:
        sent: list[int] = []
        for known in (None, digest):
            upload_id = client.upload(path, sha256=known, progress=sent.append)
            source = pb.FileSource(upload_id=upload_id, file_name=path.name)
            document = client.conversion.SubmitDocument(
                pb.SubmitDocumentRequest(file=source)
            ).document
            assert (document.size_bytes, document.sha256) == (len(data), digest)
        assert sent[: len(sent) // 2] == [CHUNK_BYTES, CHUNK_BYTES, len(data) - 2 * CHUNK_BYTES]
        with pytest.raises(errors.UploadIncomplete, match="sha256 does not match"):
            client.upload(path, sha256="0" * 64)


def test_a_refused_batch_keeps_none_of_the_client_uploads(service, tmp_path, corpus):
    big = tmp_path / "big.pdf"  # over the inline limit: it goes through Upload
    big.write_bytes(script_document(pages=1) + bytes(INLINE_LIMIT_BYTES))

    def unused() -> int:
        return service.rows("SELECT count(*) AS n FROM uploads WHERE used_at IS NULL")[0]["n"]

    before = unused()
    with IliosClient(service.grpc_target) as client:
        with pytest.raises(errors.InvalidPriority):
            client.submit_batch([corpus["text.pdf"], big], priority=11)
        assert unused() == before
        upload_id = client.upload(corpus["page.png"])
        client.delete_upload(upload_id)
        with pytest.raises(errors.UploadNotFound):
            client.delete_upload(upload_id)
    assert unused() == before


def test_client_reports_a_bad_key(keyed_service):
    with IliosClient(keyed_service.grpc_target, api_key="wrong") as client:
        with pytest.raises(errors.ApiKeyInvalid):
            client.document("doc_x")
    with IliosClient(keyed_service.grpc_target, api_key="test-key-123") as client:
        with pytest.raises(errors.DocumentNotFound):
            client.document("doc_x")


def test_cli_converts_into_a_folder(service, corpus, tmp_path):
    out = cli(
        service,
        "--json",
        "convert",
        str(corpus["text.pdf"]),
        str(corpus["page.png"]),
        "-o",
        str(tmp_path / "out"),
    )
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)
    assert [r["pages"] for r in results] == [3, 1]
    text = (tmp_path / "out" / "text.md").read_text()
    assert text.startswith("# Ilios Quarterly Report") and "<!-- page 3 -->" in text
    assert "invoice" in builder.words((tmp_path / "out" / "page.md").read_text())


def test_cli_exit_codes(service, keyed_service, corpus):
    bad = cli(service, "convert", str(corpus["random.bin"]))
    assert bad.returncode == 1 and "UNSUPPORTED_FILE_TYPE" in bad.stderr
    missing = cli(service, "batch", "status", "bat_nope")
    assert missing.returncode == 5 and "BATCH_NOT_FOUND" in missing.stderr
    unauthorised = cli(keyed_service, "batch", "status", "bat_nope", api_key="wrong")
    assert unauthorised.returncode == 4 and "API_KEY_INVALID" in unauthorised.stderr
    down = subprocess.run(
        [ILIOS, "--target", "127.0.0.1:1", "health"], capture_output=True, text=True, timeout=120
    )
    assert down.returncode == 3 and "NOT SERVING" in down.stdout
    assert cli(service, "health").stdout.strip().endswith("SERVING")


@pytest.fixture(scope="module")
def scripted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    with running(
        tmp / "svc", OCR_ENGINE="scripted", WORKER_COUNT="2", SCRIPTED_COST_PER_PAGE="0.001"
    ) as svc:
        yield svc


def test_cli_batch_submit_wait_download_and_usage(scripted, tmp_path):
    files = []
    for i in range(5):
        path = tmp_path / f"d{i}.pdf"
        path.write_bytes(script_document(pages=2, i=i))
        files.append(str(path))
    submitted = cli(scripted, "--json", "batch", "submit", *files, "--wait", "--priority", "7")
    assert submitted.returncode == 0, submitted.stderr
    batch = json.loads(submitted.stdout)
    assert batch["state"] == "BATCH_STATE_COMPLETED"
    assert batch["progress"]["completed"] == 5

    out = tmp_path / "results.jsonl"
    downloaded = cli(scripted, "batch", "download", batch["id"], "-o", str(out))
    assert downloaded.returncode == 0, downloaded.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["fileName"] for line in lines] == [f"d{i}.pdf" for i in range(5)]
    assert all(line["status"] == "completed" and "page 2 of" in line["content"] for line in lines)

    usage = cli(scripted, "--json", "usage", "--since", "2024-01-01")
    totals = json.loads(usage.stdout)
    assert int(totals["pages"]) == 10 and totals["total_cost_micros"] == 10 * 1300
    status = cli(scripted, "batch", "status", batch["id"])
    assert "completed" in status.stdout and "5 documents" in status.stdout


def test_the_ilios_command_also_runs_the_service(tmp_path):
    helped = subprocess.run([ILIOS, "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0 and "serve" in helped.stdout
