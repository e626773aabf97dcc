"""The Go example (clients/go/cmd/ilios-convert) built offline against the real service.

scripts/go.sh builds in GOPATH mode against Debian's Go packages
(/usr/share/gocode), which make tools installs; the build cache lives in build/.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

import corpus as builder
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = ROOT / "build" / "bin" / "ilios-convert"
GOCODE = pathlib.Path("/usr/share/gocode/src")

pytestmark = pytest.mark.skipif(
    shutil.which("go") is None or not (GOCODE / "google.golang.org/grpc").is_dir(),
    reason="Go or Debian's Go gRPC packages are not installed (make tools installs them)",
)


@pytest.fixture(scope="module")
def binary() -> pathlib.Path:
    out = subprocess.run(
        [
            str(ROOT / "scripts" / "go.sh"),
            "build",
            "-o",
            str(BINARY),
            "ilios.dev/clients/go/cmd/ilios-convert",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return BINARY


def convert(binary, path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), str(path)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_go_example_converts_a_pdf_page_by_page(binary, service, tmp_path):
    pdf = tmp_path / "report.pdf"
    expected = builder.make_text_pdf(pdf, pages=3)
    out = convert(binary, pdf, ILIOS_TARGET=service.grpc_target)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "".join(
        f"<!-- page {n} -->\n{markdown}\n\n" for n, markdown in enumerate(expected, 1)
    )
    accepted, completed = out.stderr.splitlines()
    doc_id = accepted.split()[1]
    assert accepted.startswith("accepted ") and accepted.endswith("(application/pdf)")
    assert completed.startswith(f"completed {doc_id}: 3 pages, ENGINE_LOCAL, ")


def test_go_example_honours_ilios_api_key(binary, keyed_service, tmp_path):
    pdf = tmp_path / "one.pdf"
    expected = builder.make_text_pdf(pdf, pages=1)
    refused = convert(binary, pdf, ILIOS_TARGET=keyed_service.grpc_target)
    assert refused.returncode == 1
    assert "code = Unauthenticated" in refused.stderr
    accepted = convert(
        binary, pdf, ILIOS_TARGET=keyed_service.grpc_target, ILIOS_API_KEY="test-key-123"
    )
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout == f"<!-- page 1 -->\n{expected[0]}\n\n"
