"""The TypeScript client (clients/typescript) under Node against the real service.

clients/typescript/test/client.test.ts does the asserting (node --test); this
module starts nothing but what it needs: it compiles the client with the pinned
tsc (make tools runs npm ci), writes the PDF, submits a batch with the Python
stub, and hands the addresses and expectations over in the environment.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess

import corpus as builder
import pytest

from ilios.v1 import conversion_service_pb2 as pb

ROOT = pathlib.Path(__file__).resolve().parents[2]
TS = ROOT / "clients" / "typescript"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


@pytest.fixture(scope="module")
def compiled() -> pathlib.Path:
    tsc = TS / "node_modules" / ".bin" / "tsc"
    assert tsc.exists(), "clients/typescript/node_modules is missing: run make tools"
    out = subprocess.run([str(tsc), "-p", str(TS)], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr
    return TS / "dist"


def node(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    return subprocess.run(
        [NODE, *args],
        cwd=TS,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_node_client_tests_pass_against_the_service(
    compiled, service, keyed_service, corpus, tmp_path
):
    pdf = tmp_path / "report.pdf"
    expected = builder.make_text_pdf(pdf, pages=3)
    (tmp_path / "expected.json").write_text(json.dumps(expected))
    files = [
        pb.FileSource(content=corpus[name].read_bytes(), file_name=name)
        for name in ("text.pdf", "page.png")
    ]
    submitted = service.conversion.BatchSubmit(
        pb.BatchSubmitRequest(files=files, priority=7), timeout=60
    )

    out = node(
        "--test",
        "--test-reporter=tap",
        str(compiled / "test" / "client.test.js"),
        env={
            "ILIOS_TARGET": service.grpc_target,
            "ILIOS_PDF": str(pdf),
            "ILIOS_EXPECTED": str(tmp_path / "expected.json"),
            "ILIOS_BATCH_ID": submitted.batch.id,
            "ILIOS_BATCH_TOTAL": str(len(files)),
            "ILIOS_KEYED_TARGET": keyed_service.grpc_target,
            "ILIOS_KEYED_API_KEY": "test-key-123",
        },
    )
    report = out.stdout + out.stderr
    assert out.returncode == 0, report
    counts = dict(re.findall(r"^# (tests|pass|fail|skipped) (\d+)$", out.stdout, re.M))
    assert counts == {"tests": "5", "pass": "5", "fail": "0", "skipped": "0"}, report
    # The TypeScript client saw the same batch the Python stub sees.
    batch = service.conversion.GetBatch(pb.GetBatchRequest(batch_id=submitted.batch.id)).batch
    assert batch.progress.completed == len(files)


def test_example_prints_each_page_as_it_streams(compiled, service, tmp_path):
    pdf = tmp_path / "report.pdf"
    expected = builder.make_text_pdf(pdf, pages=3)
    out = node(
        str(compiled / "examples" / "convert.js"),
        str(pdf),
        env={"ILIOS_TARGET": service.grpc_target},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "".join(
        f"<!-- page {n} -->\n{markdown}\n\n" for n, markdown in enumerate(expected, 1)
    )


def test_example_sends_the_api_key(compiled, keyed_service, tmp_path):
    pdf = tmp_path / "one.pdf"
    expected = builder.make_text_pdf(pdf, pages=1)
    args = (str(compiled / "examples" / "convert.js"), str(pdf))
    target = {"ILIOS_TARGET": keyed_service.grpc_target}
    refused = node(*args, env=target)
    assert refused.returncode == 1
    assert "[unauthenticated]" in refused.stderr
    accepted = node(*args, env={**target, "ILIOS_API_KEY": "test-key-123"})
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout == f"<!-- page 1 -->\n{expected[0]}\n\n"
