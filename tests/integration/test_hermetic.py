"""The test harness is hermetic: a developer's settings never reach a test's service."""

from __future__ import annotations

import os
import pathlib

import pytest
from harness import running

from ilios.v1 import conversion_service_pb2 as pb


def test_a_stray_env_file_and_environment_do_not_reach_the_services(tmp_path, monkeypatch):
    """A ``.env`` where pytest runs, and variables in its environment, pointing at a
    bucket, another database and a key: the service sees none of them."""
    dotenv = pathlib.Path.cwd() / ".env"
    if dotenv.exists():
        pytest.skip("a .env exists here already: it is not this test's to replace")
    elsewhere = tmp_path / "elsewhere.db"
    stray = f"S3_BUCKET=no-such-bucket\nLOCAL_DB_PATH={elsewhere}\nAPI_KEY=from-dotenv\n"
    dotenv.write_text(stray)
    monkeypatch.setitem(os.environ, "BLOB_DIR", str(tmp_path / "elsewhere-blobs"))
    monkeypatch.setitem(os.environ, "MISTRAL_API_KEY", "from-the-environment")
    try:
        with running(tmp_path / "svc", WORKER_COUNT="0") as svc:
            reply = svc.conversion.SubmitDocument(  # no key needed: API_KEY did not reach it
                pb.SubmitDocumentRequest(file=pb.FileSource(content=b"hi\n", file_name="a.txt")),
                timeout=30,
            )
            assert reply.document.engine == 1  # local: MISTRAL_API_KEY did not reach it
            assert (svc.data_dir / "ilios.db").exists()  # its own database, its own blobs
            assert svc.rows("SELECT id FROM documents") == [{"id": reply.document.id}]
    finally:
        dotenv.unlink()
    assert not elsewhere.exists()
    assert not (tmp_path / "elsewhere-blobs").exists()
