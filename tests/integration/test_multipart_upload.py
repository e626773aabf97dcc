"""Multipart bodies through the real gateway: streamed in odd pieces, or malformed."""

from __future__ import annotations

import hashlib
import os
import random

import pytest

from ilios.worker.engines.scripted import script_document

BOUNDARY = b"ilios-boundary-42"
MIB = 1024 * 1024


def pieces(data: bytes, seed: int) -> list[bytes]:
    """``data`` cut at random places, some pieces a byte long, some a MiB."""
    rng = random.Random(seed)
    out, at = [], 0
    while at < len(data):
        size = rng.choice([1, 2, 7, len(BOUNDARY) + 3, 4096, 65_537, MIB])
        out.append(data[at : at + size])
        at += size
    return out


def test_a_body_streamed_in_odd_pieces_stores_the_file_exactly(service):
    # The file carries lines that look like its boundary without being one.
    near = b"\r\n--" + BOUNDARY[:-1] + b"\r\n-" + BOUNDARY + b"\n--" + BOUNDARY + b"\r\n--"
    content = script_document(pages=1) + (os.urandom(MIB) + near) * 3
    body = (
        b"preamble\r\n--" + BOUNDARY + b"\r\n"
        b'Content-Disposition: form-data; name="file"; filename="odd.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + content + b"\r\n--" + BOUNDARY + b"\r\n"
        b'Content-Disposition: form-data; name="priority"\r\n\r\n3\r\n--' + BOUNDARY + b"\r\n"
        b'Content-Disposition: form-data; name="retentionDays"\r\n\r\n7\r\n--'
        + BOUNDARY
        + b"--\r\n"
    )
    with service.http() as http:
        r = http.post(
            "/api/documents/submit",
            content=iter(pieces(body, seed=3)),  # chunked: no Content-Length
            headers={"content-type": f"multipart/form-data; boundary={BOUNDARY.decode()}"},
        )
    assert r.status_code == 200, r.text
    assert r.json()["fileName"] == "odd.pdf" and r.json()["retentionDays"] == 7
    doc = service.db.one("get_document", id=r.json()["id"])
    assert doc["size_bytes"] == len(content)
    assert doc["sha256"] == hashlib.sha256(content).hexdigest()


CUT_BODY = (  # ends before its closing boundary
    b"--" + BOUNDARY + b"\r\n"
    b'Content-Disposition: form-data; name="file"; filename="cut.pdf"\r\n\r\n'
    + script_document(pages=1)
)
NO_DISPOSITION = (
    b"--" + BOUNDARY + b"\r\nContent-Type: text/plain\r\n\r\nx\r\n--" + BOUNDARY + b"--\r\n"
)


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/documents/submit", CUT_BODY), ("/v1/convert", NO_DISPOSITION)],
    ids=["cut-before-closing-boundary", "part-without-content-disposition"],
)
def test_a_malformed_body_is_an_invalid_request(service, path, body):
    with service.http() as http:
        r = http.post(
            path,
            content=body,
            headers={"content-type": f"multipart/form-data; boundary={BOUNDARY.decode()}"},
        )
    assert r.status_code == 400
    assert r.json()["reason"] == "INVALID_REQUEST"
