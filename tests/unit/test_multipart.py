"""The gateway's streaming multipart parser: parts, file names, splits, bounds, errors."""

from __future__ import annotations

import itertools
import os
import random

import pytest

from ilios.errors import InvalidRequest
from ilios.gateway.multipart import (
    MAX_PART_HEADER_BYTES,
    MultipartParser,
    Part,
    boundary_of,
)

BOUNDARY = b"----ilios7MA4YWxkTrZu0gW"


def body(*parts: tuple[bytes, bytes], boundary: bytes = BOUNDARY, preamble: bytes = b"") -> bytes:
    """A multipart body of (header block, data) parts."""
    out = preamble
    for headers, data in parts:
        out += b"--" + boundary + b"\r\n" + headers + b"\r\n\r\n" + data + b"\r\n"
    return out + b"--" + boundary + b"--\r\n"


def field(name: str, data: bytes) -> tuple[bytes, bytes]:
    return f'Content-Disposition: form-data; name="{name}"'.encode(), data


def file(name: str, file_name: str, data: bytes) -> tuple[bytes, bytes]:
    disposition = f'Content-Disposition: form-data; name="{name}"; filename="{file_name}"'
    return disposition.encode() + b"\r\nContent-Type: application/pdf", data


def parse(pieces: list[bytes], boundary: bytes = BOUNDARY) -> list[tuple[Part, bytes]]:
    """Feed ``pieces``; each part with its data joined (checking the event order)."""
    parser = MultipartParser(boundary)
    parts: list[tuple[Part, bytes]] = []
    current: tuple[Part, bytearray] | None = None
    for piece in pieces:
        for event in parser.feed(piece):
            if isinstance(event, Part):
                assert current is None
                current = (event, bytearray())
            elif event is None:
                assert current is not None
                parts.append((current[0], bytes(current[1])))
                current = None
            else:
                assert current is not None and len(event) > 0
                current[1].extend(event)
    parser.close()
    assert current is None
    return parts


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    edges = [0, *sorted(cuts), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


# Data that looks like a boundary without being one.
TRICKY = (
    b"\r\n--" + BOUNDARY[:-1] + b"+"  # all but its last byte
    b"--" + BOUNDARY + b"\r\n"  # no line break before it
    b"\r\n\r\n--\r\n-" + b"\r" * 40 + b"\r\n-"
)
EXPECTED = [
    (Part("retentionDays", None), b"7"),
    (Part("file", "report.pdf", typed=True), TRICKY),
    (Part("empty", "e.txt", typed=True), b""),
]
BODY = body(
    field("retentionDays", b"7"), file("file", "report.pdf", TRICKY), file("empty", "e.txt", b"")
)


def test_a_body_in_one_piece():
    assert parse([BODY]) == EXPECTED


@pytest.mark.parametrize("cut", range(len(BODY) + 1))
def test_a_body_cut_anywhere(cut):
    assert parse(split(BODY, [cut])) == EXPECTED


def test_a_body_one_byte_at_a_time():
    assert parse([BODY[i : i + 1] for i in range(len(BODY))]) == EXPECTED


def test_a_body_cut_at_random_places():
    rng = random.Random(5)
    for _ in range(300):
        cuts = [rng.randrange(len(BODY) + 1) for _ in range(rng.randrange(1, 12))]
        assert parse(split(BODY, cuts)) == EXPECTED


def test_large_file_data_comes_out_as_views_of_the_pieces_fed():
    data = os.urandom(3 * 1024 * 1024)
    whole = body(file("file", "big.pdf", data))
    pieces = split(whole, [100_000, 1_500_000])
    parser = MultipartParser(BOUNDARY)
    events = [event for piece in pieces for event in parser.feed(piece)]
    parser.close()
    chunks = [e for e in events if e is not None and not isinstance(e, Part)]
    assert b"".join(chunks) == data
    # Only the few bytes held back at a piece's end (a boundary might start
    # there) are copied; the rest are views of the pieces fed.
    large = [c for c in chunks if len(c) > len(BOUNDARY) + 4]
    assert sum(map(len, large)) > len(data) - 3 * (len(BOUNDARY) + 4)
    assert all(isinstance(c, memoryview) and any(c.obj is p for p in pieces) for c in large)


def test_an_epilogue_is_ignored():
    whole = body(field("a", b"1")) + b"epilogue\r\n"
    assert parse([whole]) == [(Part("a", None), b"1")]


@pytest.mark.parametrize(
    "whole",
    [
        # RFC 2046 allows these; browsers and curl never send them, and
        # python-multipart (like the frameworks built on it) refuses them.
        body(field("a", b"1"), preamble=b"This is a preamble.\r\n"),
        body(field("a", b"1")).replace(BOUNDARY + b"\r\n", BOUNDARY + b" \t\r\n", 1),
        body((b'Content-Disposition: form-data;\r\n name="file"; filename="a.pdf"', b"x")),
    ],
    ids=["preamble", "blanks after a boundary", "a folded header line"],
)
def test_what_browsers_never_send_is_refused(whole):
    with pytest.raises(InvalidRequest):
        parse([whole])


def test_a_body_with_no_parts():
    assert parse([b"--b--\r\n"], b"b") == []


@pytest.mark.parametrize(
    ("disposition", "name", "file_name"),
    [
        (b'form-data; name="file"; filename="a.pdf"', "file", "a.pdf"),
        (b"form-data; name=file; filename=a.pdf", "file", "a.pdf"),
        (
            b'form-data; name="file"; filename="a \\"quoted\\" name.pdf"',
            "file",
            'a "quoted" name.pdf',
        ),
        (  # an old browser's full path: its last part
            b'form-data; name="file"; filename="C:\\Users\\x\\report.pdf"',
            "file",
            "report.pdf",
        ),
        (b'form-data; name="file"; filename="semi;colon.pdf"', "file", "semi;colon.pdf"),
        (b'form-data; name="file"; filename=""', "file", ""),
        (
            b'form-data; name="file"; filename="euro.pdf"; filename*=UTF-8\'\'%E2%82%AC.pdf',
            "file",
            "\u20ac.pdf",
        ),
        (
            'form-data; name="file"; filename="r\u00e9sum\u00e9.pdf"'.encode(),
            "file",
            "r\u00e9sum\u00e9.pdf",
        ),
        (b'FORM-DATA; NAME="retentionDays"', "retentionDays", None),
        (b'form-data; filename="x.pdf"', "", "x.pdf"),
    ],
)
def test_names_and_file_names(disposition, name, file_name):
    headers = b"content-disposition: " + disposition
    assert parse([body((headers, b"x"))]) == [(Part(name, file_name), b"x")]


def test_a_part_with_a_type_of_its_own_is_a_file_without_a_name():
    """RFC 7578: a part's Content-Type marks a file even when it has no filename."""
    typed = b'content-disposition: form-data; name="file"\r\ncontent-type: image/png'
    plain = b'content-disposition: form-data; name="priority"'
    (first, _), (second, _) = parse([body((typed, b"x"), (plain, b"5"))])
    assert first == Part("file", None, typed=True) and first.is_file
    assert second == Part("priority", None) and not second.is_file


@pytest.mark.parametrize(
    "whole",
    [
        body(field("a", b"1"))[:-4],  # no closing boundary
        b"--b\r\nContent-Disposition: form-data; name=a\r\n\r\n1",  # cut in a part
        b"--b\r\nContent-Disposition: form-data; name=a\r\n",  # cut in the headers
        b"",  # nothing at all
        b"just text, no boundary",
    ],
)
def test_a_body_that_ends_early_is_malformed(whole):
    boundary = b"b" if whole.startswith(b"--b\r") or not whole.startswith(b"--") else BOUNDARY
    parser = MultipartParser(boundary)
    with pytest.raises(InvalidRequest):  # as soon as it can tell
        parser.feed(whole)
        parser.close()


@pytest.mark.parametrize(
    "whole",
    [
        b"--bX\r\n",  # text after the boundary
        b"--b-x\r\n",
        b"--b\r\nno colon here\r\n\r\nx\r\n--b--",
        b"--b\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--b--",
        b"--b\r\nX-Other: 1\r\n\r\nx\r\n--b--",  # no Content-Disposition
        b"--b\r\n\r\nx\r\n--b--",  # no headers at all
        b"--b" + b" " * 300 + b"\r\n",
    ],
)
def test_malformed_bodies_are_invalid_requests(whole):
    with pytest.raises(InvalidRequest):
        MultipartParser(b"b").feed(whole)


def test_part_headers_are_bounded():
    huge = b'Content-Disposition: form-data; name="a"\r\nX-Pad: ' + b"p" * MAX_PART_HEADER_BYTES
    parser = MultipartParser(b"b")
    parser.feed(b"--b\r\n")
    with pytest.raises(InvalidRequest, match="malformed"):
        for at in range(0, len(huge), 1000):
            parser.feed(huge[at : at + 1000])


@pytest.mark.parametrize(
    ("content_type", "boundary"),
    [
        ("multipart/form-data; boundary=abc", b"abc"),
        ('Multipart/Form-Data; charset=utf-8; boundary="a b:c"', b"a b:c"),
    ],
)
def test_boundary_of(content_type, boundary):
    assert boundary_of(content_type) == boundary


@pytest.mark.parametrize(
    "content_type",
    [
        "",
        "application/pdf",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/mixed; boundary=abc",
        f"multipart/form-data; boundary={'x' * 201}",
    ],
)
def test_a_body_that_is_not_a_form_is_an_invalid_request(content_type):
    with pytest.raises(InvalidRequest, match="multipart/form-data"):
        boundary_of(content_type)
