"""grpcurl as a first-class debugging path: every unary RPC via reflection, keys, the demo."""

from __future__ import annotations

import base64
import json
import os
import pathlib
import subprocess
import sys

import pytest

GRPCURL = str(pathlib.Path(sys.executable).parent / "grpcurl")
KEY = "test-key-123"
DEMO = pathlib.Path(__file__).parents[2] / "scripts" / "grpcurl-demo.sh"


def grpcurl(target: str, method: str, data: dict | None = None, key: str | None = None):
    cmd = [GRPCURL, "-plaintext", "-format-error"]
    if key:
        cmd += ["-H", f"authorization: Bearer {key}"]
    if data is not None:
        cmd += ["-d", json.dumps(data)]
    return subprocess.run([*cmd, target, method], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def documents(keyed_service, corpus):
    """A batch submitted over grpcurl, to feed the other calls real ids."""
    pdf = base64.b64encode(corpus["text.pdf"].read_bytes()).decode()
    out = grpcurl(
        keyed_service.grpc_target,
        "ilios.v1.ConversionService/BatchSubmit",
        {"files": [{"content": pdf, "fileName": "a.pdf"}], "priority": 9},
        key=KEY,
    )
    assert out.returncode == 0, out.stderr
    reply = json.loads(out.stdout)
    return reply["batch"]["id"], reply["documents"][0]["id"], pdf


def unary_calls(batch_id: str, doc_id: str, pdf: str) -> dict[str, dict]:
    return {
        "ilios.v1.ConversionService/SubmitDocument": {
            "file": {"content": pdf, "fileName": "b.pdf"}
        },
        "ilios.v1.ConversionService/GetDocument": {"documentId": doc_id},
        "ilios.v1.ConversionService/GetBatch": {"batchId": batch_id},
        "ilios.v1.ConversionService/ListDocuments": {"pageSize": 5},
        "ilios.v1.UsageService/GetUsageSummary": {},
        "ilios.v1.UsageService/GetUsageBreakdown": {},
    }


def test_every_unary_rpc_needs_the_key_and_works_with_it(keyed_service, documents):
    target = keyed_service.grpc_target
    for method, data in unary_calls(*documents).items():
        denied = grpcurl(target, method, data)
        assert denied.returncode != 0, method
        error = json.loads(denied.stderr)
        assert error["code"] == 16, (method, error)  # UNAUTHENTICATED
        assert any(d.get("reason") == "API_KEY_MISSING" for d in error.get("details", []))
        allowed = grpcurl(target, method, data, key=KEY)
        assert allowed.returncode == 0, (method, allowed.stderr)
        json.loads(allowed.stdout)  # a real JSON answer


def test_reflection_and_health_need_no_key(keyed_service):
    listed = grpcurl(keyed_service.grpc_target, "list")
    assert listed.returncode == 0 and "ilios.v1.ConversionService" in listed.stdout
    health = grpcurl(keyed_service.grpc_target, "grpc.health.v1.Health/Check")
    assert json.loads(health.stdout) == {"status": "SERVING"}


def test_errors_carry_their_reason_in_grpcurl_output(keyed_service):
    out = grpcurl(
        keyed_service.grpc_target,
        "ilios.v1.ConversionService/GetDocument",
        {"documentId": "doc_nope"},
        key=KEY,
    )
    error = json.loads(out.stderr)
    assert error["code"] == 5  # NOT_FOUND
    assert error["details"][0]["reason"] == "DOCUMENT_NOT_FOUND"
    assert error["details"][0]["domain"] == "ilios.dev"


def test_the_demo_script_runs(keyed_service):
    env = {**os.environ, "ILIOS_API_KEY": KEY, "GRPCURL": GRPCURL}
    out = subprocess.run(
        [str(DEMO), keyed_service.grpc_target], capture_output=True, text=True, timeout=300, env=env
    )
    assert out.returncode == 0, out.stderr + out.stdout
    assert "ilios.v1.ConversionService is a service" in out.stdout
    assert '"completed"' in out.stdout and "totals" in out.stdout
