"""The gateway's own pages: index, health, OpenAPI, offline Swagger UI, shutdown."""

from __future__ import annotations

import json
import os
import re
import signal

from harness import Service


def test_index_lists_the_endpoints(service):
    with service.http() as http:
        body = http.get("/").json()
    for endpoint in (
        "POST /v1/convert",
        "GET /api/documents/{document_id}",
        "GET /api/documents/status/{document_id}",
        "GET /health",
    ):
        assert endpoint in body["endpoints"]


def test_openapi_describes_the_multipart_convert(service):
    with service.http() as http:
        spec = http.get("/openapi.json").json()
    body = spec["paths"]["/v1/convert"]["post"]["requestBody"]["content"]
    schema = body["multipart/form-data"]["schema"]
    assert schema["required"] == ["file"]
    assert set(schema["properties"]) == {"file", "format", "retentionDays", "languages", "stream"}
    assert schema["properties"]["file"] == {"type": "string", "format": "binary"}


def test_swagger_ui_is_served_from_local_files(service):
    with service.http() as http:
        page = http.get("/docs")
        assert page.status_code == 200
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
        assert assets, "the docs page references no assets"
        for asset in assets:
            assert asset.startswith("/"), f"{asset} would need the internet"
            assert http.get(asset).status_code == 200, asset


def test_health_reports_a_dead_grpc_server(tmp_path):
    """The gateway stays up and says 503 when it cannot reach the gRPC server."""
    svc = Service(tmp_path, WORKER_COUNT="0").start()
    try:
        server_pid = json.loads((tmp_path / "run" / "server.json").read_text())["pid"]
        with svc.http() as http:
            assert http.get("/health").status_code == 200
            os.kill(server_pid, signal.SIGSTOP)  # frozen, not dead: no restart
            try:
                r = http.get("/health")
            finally:
                os.kill(server_pid, signal.SIGCONT)
        assert r.status_code == 503
        assert r.json()["status"] == "unhealthy"
        assert r.json()["services"] == {"gateway": "up", "server": "down"}
    finally:
        assert svc.stop() == 0


def test_serve_exits_cleanly_on_sigterm(tmp_path):
    svc = Service(tmp_path, WORKER_COUNT="1").start()
    assert svc.stop(signal.SIGTERM) == 0
    assert not list((tmp_path / "run").glob("*.sock"))
