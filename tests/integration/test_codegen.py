"""The generated-code freshness check (scripts/codegen.sh check, run by make test).

Each test works on a copy of the repository's proto/, buf config and committed
generated code in a temporary directory, with the installed plugins linked in.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CODEGEN = ROOT / "scripts" / "codegen.sh"
TS_PLUGIN = ROOT / "clients/typescript/node_modules/.bin/protoc-gen-es"


@pytest.fixture
def repo_copy(tmp_path: pathlib.Path) -> pathlib.Path:
    needed = [ROOT / "node_modules/.bin/buf", TS_PLUGIN, pathlib.Path("/usr/bin/protoc")]
    missing = [str(p) for p in needed if not p.exists()]
    assert not missing, f"code generators missing ({', '.join(missing)}): run make tools"
    copy = tmp_path / "repo"
    copy.mkdir()
    for name in ("buf.yaml", "buf.gen.yaml"):
        shutil.copy2(ROOT / name, copy / name)
    for name in ("proto", "tools"):
        shutil.copytree(ROOT / name, copy / name)
    shutil.copytree(
        ROOT / "clients",
        copy / "clients",
        ignore=shutil.ignore_patterns("node_modules", "dist", "__pycache__", "*.egg-info"),
    )
    (copy / ".venv").symlink_to(ROOT / ".venv")
    (copy / "clients/typescript/node_modules").symlink_to(ROOT / "clients/typescript/node_modules")
    return copy


def check(copy: pathlib.Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CODEGEN), "check", str(copy)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_check_passes_on_the_committed_code(repo_copy):
    out = check(repo_copy)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "up to date" in out.stdout


def test_check_names_the_stale_files_after_a_proto_change(repo_copy):
    document = repo_copy / "proto/ilios/v1/document.proto"
    page_end = "  string markdown = 2;\n}"
    text = document.read_text()
    assert page_end in text
    document.write_text(text.replace(page_end, "  string markdown = 2;\n  string note = 3;\n}", 1))
    leftover = repo_copy / "clients/go/ilios/v1/removed_service.pb.go"
    leftover.write_text("package iliosv1\n")

    out = check(repo_copy)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Generated code is stale" in out.stderr
    assert "make proto" in out.stderr
    for stale in (
        "clients/python/src/ilios/v1/document_pb2.py",
        "clients/python/src/ilios/v1/document_pb2.pyi",
        "clients/typescript/src/gen/ilios/v1/document_pb.ts",
        "clients/go/ilios/v1/document.pb.go",
        "clients/cpp/gen/ilios/v1/document.pb.h",
        "clients/csharp/gen/Document.cs",
        "clients/java/gen/ilios/v1/DocumentOuterClass.java",
        "clients/php/gen/Ilios/V1/Page.php",
        "clients/ruby/gen/ilios/v1/document_pb.rb",
    ):
        assert f"  {stale} (differs)" in out.stderr, out.stderr
    assert "  clients/go/ilios/v1/removed_service.pb.go (no longer generated)" in out.stderr
    # Files the change does not touch are not named.
    assert "conversion_service_grpc.pb.go" not in out.stderr
    # The check only reads: the copy's committed code is left as it was.
    assert "note" not in (repo_copy / "clients/go/ilios/v1/document.pb.go").read_text()


def test_check_names_a_missing_generated_file(repo_copy):
    (repo_copy / "clients/typescript/src/gen/ilios/v1/usage_service_pb.ts").unlink()
    out = check(repo_copy)
    assert out.returncode == 1
    assert "  clients/typescript/src/gen/ilios/v1/usage_service_pb.ts (missing)" in out.stderr
    assert "1 file(s)" in out.stderr


def test_check_fails_when_generation_fails(repo_copy):
    # A new .proto also needs its Go import path in buf.gen.yaml (the M options).
    (repo_copy / "proto/ilios/v1/extra.proto").write_text(
        'syntax = "proto3";\n\npackage ilios.v1;\n\nmessage Extra {\n  string value = 1;\n}\n'
    )
    out = check(repo_copy)
    assert out.returncode == 1
    assert 'unable to determine Go import path for "ilios/v1/extra.proto"' in out.stderr
    assert "buf generate failed" in out.stderr
