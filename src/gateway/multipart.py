"""Multipart form bodies (RFC 7578), parsed as they arrive, in bounded memory.

python-multipart finds the parts; this module turns its callbacks into events
(a part starts, a piece of its data, it ends), handing data on as views of the
received pieces, and reads each part's name and file name (RFC 5987
``filename*`` included). ``forms`` forwards the parts.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import urllib.parse
from typing import TypeAlias

from python_multipart import multipart
from python_multipart.multipart import parse_options_header

from ilios.errors import InvalidRequest

MAX_PART_HEADER_BYTES = 16 * 1024  # one part's header block, at most
MAX_PART_HEADERS = 16  # header lines in one part, at most

# A malformed form is the client's error, answered 400 with the parser's reason:
# python-multipart's own warning about it would only repeat it in the log.
logging.getLogger("python_multipart").setLevel(logging.ERROR)


@dataclasses.dataclass(frozen=True)
class Part:
    """The start of a form part: its field name and, for a file, its file name."""

    name: str
    file_name: str | None  # None: no ``filename`` parameter
    typed: bool = False  # the part has its own Content-Type

    @property
    def is_file(self) -> bool:
        """A file part (RFC 7578): with a file name, or at least a type of its own."""
        return self.file_name is not None or self.typed


# What ``MultipartParser.feed`` returns, in order: a ``Part`` when one starts, its
# data as any number of pieces (views of the fed chunks, valid while those are
# alive), and None when it ends.
Event: TypeAlias = Part | memoryview | bytes | None

_EXTENDED_FILENAME = re.compile(rb";\s*filename\*\s*=\s*([^;\s]*)", re.IGNORECASE)


def boundary_of(content_type: str) -> bytes:
    """The boundary of a ``multipart/form-data`` Content-Type (INVALID_REQUEST if none)."""
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary", b"")
    if kind.lower() != b"multipart/form-data" or not 0 < len(boundary) <= 200:
        raise InvalidRequest(
            "Send the request as multipart/form-data (curl -F 'file=@document.pdf').",
            detail=f"Content-Type: {content_type[:200]}",
        )
    if not boundary.isascii():
        raise InvalidRequest("The multipart boundary is not ASCII.")
    return boundary


def _malformed(detail: str) -> InvalidRequest:
    return InvalidRequest("The multipart body is malformed.", detail=detail)


class MultipartParser:
    """A ``multipart/form-data`` body (RFC 7578), parsed as it arrives, by python-multipart.

    ``feed()`` takes the body in pieces of any size and returns the events they
    complete; ``close()`` checks the body ended with its closing boundary.
    Memory is bounded: file data is never gathered (it comes out as views of
    the pieces fed), and a part's headers may take ``MAX_PART_HEADER_BYTES``.
    A malformed body is INVALID_REQUEST.
    """

    def __init__(self, boundary: bytes) -> None:
        self._events: list[Event] = []
        self._header: list[tuple[bytearray, bytearray]] = []
        self._header_bytes = 0
        self._ended = False
        callbacks: multipart.MultipartCallbacks = {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        }
        self._parser = multipart.MultipartParser(
            boundary,
            callbacks,
            max_header_count=MAX_PART_HEADERS,
            max_header_size=MAX_PART_HEADER_BYTES,
        )

    def feed(self, chunk: bytes) -> list[Event]:
        """Parse the next piece of the body; the events it completes, in order."""
        try:
            self._parser.write(chunk)
        except multipart.MultipartParseError as exc:
            raise _malformed(str(exc)) from None
        events, self._events = self._events, []
        return events

    def close(self) -> None:
        """The body has ended: it must have ended with the closing boundary."""
        if not self._ended:
            raise _malformed("it ends before its closing boundary")

    # python-multipart's callbacks: data is the fed chunk, [start, end) the piece.

    def _on_part_begin(self) -> None:
        self._header = []
        self._header_bytes = 0

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        if not self._header or self._header[-1][1]:
            self._header.append((bytearray(), bytearray()))
        self._grow_header(self._header[-1][0], data, start, end)

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._grow_header(self._header[-1][1], data, start, end)

    def _grow_header(self, into: bytearray, data: bytes, start: int, end: int) -> None:
        self._header_bytes += end - start
        if self._header_bytes > MAX_PART_HEADER_BYTES:
            raise _malformed("a part's headers are too long")
        into += data[start:end]

    def _on_headers_finished(self) -> None:
        headers = {bytes(name).strip().lower(): bytes(value) for name, value in self._header}
        part = _part(headers.get(b"content-disposition", b""))
        self._events.append(dataclasses.replace(part, typed=b"content-type" in headers))

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if end > start:
            self._events.append(memoryview(data)[start:end])  # a view: no copy

    def _on_part_end(self) -> None:
        self._events.append(None)

    def _on_end(self) -> None:
        self._ended = True


def _part(disposition: bytes) -> Part:
    """A part's name and file name, from its Content-Disposition header."""
    kind, params = parse_options_header(disposition)
    if kind.lower() != b"form-data":
        raise _malformed("a part is not form-data")
    raw_name = params.get(b"filename")
    file_name = None if raw_name is None else raw_name.decode("utf-8", "replace")
    # RFC 5987 (filename*=UTF-8''%E2%82%AC.pdf) wins over the plain file name.
    extended = _EXTENDED_FILENAME.search(disposition)
    if extended:
        charset, _, rest = extended.group(1).decode("latin-1").strip('"').partition("'")
        _, _, encoded = rest.partition("'")  # the language tag is skipped
        try:
            file_name = urllib.parse.unquote(encoded, charset or "utf-8", "replace")
        except LookupError:  # an unknown charset: keep the plain file name
            pass
    return Part(params.get(b"name", b"").decode("utf-8", "replace"), file_name)
