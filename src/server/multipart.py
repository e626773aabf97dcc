"""Streaming multipart forms into gRPC ``Upload`` calls, in bounded memory.

The gateway never holds a file: ``MultipartParser`` cuts the request body into
parts as it arrives (finding boundaries with ``bytes.find``, handing file data
on as views of the received pieces), and each file part is forwarded chunk by
chunk into its own client-streaming ``Upload`` call (``call.write`` waits for
gRPC flow control, so a slow server slows the client instead of filling
memory). Small text fields are kept, up to ``MAX_FIELD_BYTES``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import urllib.parse
from collections.abc import AsyncIterator, Sequence
from typing import TypeAlias

import grpc
from starlette.requests import Request

from ilios import upload_frames
from ilios.errors import (
    DuplicateField,
    FileTooLarge,
    InvalidRequest,
    TooManyFiles,
    UnknownField,
)
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import conversion_service_pb2_grpc as pb_grpc

MAX_FIELD_BYTES = 4096
MAX_PART_HEADER_BYTES = 16 * 1024  # one part's header block, at most
MAX_BOUNDARY_LINE_BYTES = 256  # the rest of a boundary line (RFC 2046 allows blanks)
CHUNK_BYTES = 1024 * 1024
# Multipart framing around the file: headers and boundaries.
FORM_OVERHEAD_BYTES = 64 * 1024
# How long clean-up (abandoning an open upload, deleting finished ones) waits for
# the server; an open upload is then cancelled, a finished one left to expire.
CLEAN_UP_WAIT_S = 10.0
DROP_CONCURRENCY = 16  # DeleteUpload calls at once, for a form's unused uploads


log = logging.getLogger("ilios.gateway")

# ``Upload`` taking serialized ``UploadRequest`` messages (see ``raw_upload``).
RawUpload: TypeAlias = grpc.aio.StreamUnaryMultiCallable


def raw_upload(channel: grpc.aio.Channel) -> RawUpload:
    """``ConversionService.Upload`` whose requests are already serialized.

    The gateway frames each file chunk itself (``upload_frames.chunk_message``): the
    received pieces are copied once, into the message, instead of into a
    buffer, a ``bytes``, a protobuf message and its serialization.
    """
    return channel.stream_unary(
        upload_frames.PATH,
        request_serializer=None,
        response_deserializer=pb.UploadResponse.FromString,
    )


# --- parsing --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Part:
    """The start of a form part: its field name and, for a file, its file name."""

    name: str
    file_name: str | None  # None: a plain field (no ``filename`` parameter)


# What ``MultipartParser.feed`` returns, in order: a ``Part`` when one starts, its
# data as any number of pieces (views of the fed chunks, valid while those are
# alive), and None when it ends.
Event: TypeAlias = Part | memoryview | bytes | None

_SCAN, _AFTER_BOUNDARY, _HEADERS, _END = range(4)
_BLANKS = b" \t"
_PARAM = re.compile(r';\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')
_QUOTED_PAIR = re.compile(r'\\(["\\])')


def boundary_of(content_type: str) -> bytes:
    """The boundary of a ``multipart/form-data`` Content-Type (INVALID_REQUEST if none)."""
    kind, _, rest = content_type.partition(";")
    boundary = _params(";" + rest).get("boundary", "")
    if kind.strip().lower() != "multipart/form-data" or not 0 < len(boundary) <= 200:
        raise InvalidRequest(
            "Send the request as multipart/form-data (curl -F 'file=@document.pdf').",
            detail=f"Content-Type: {content_type[:200]}",
        )
    try:
        return boundary.encode("ascii")
    except UnicodeEncodeError:
        raise InvalidRequest("The multipart boundary is not ASCII.") from None


class MultipartParser:
    """A ``multipart/form-data`` body (RFC 7578, RFC 2046), parsed as it arrives.

    ``feed()`` takes the body in pieces of any size and returns the events they
    complete; ``close()`` checks the body ended with its closing boundary.
    Memory is bounded: file data is never gathered (it comes out as views of
    the pieces fed), and a part's headers may take ``MAX_PART_HEADER_BYTES``.
    The preamble and epilogue are ignored. A malformed body is INVALID_REQUEST.
    """

    def __init__(self, boundary: bytes) -> None:
        self._delimiter = b"\r\n--" + boundary
        # Body bytes held back because a delimiter may start in them. The first
        # boundary may open the body with no line break before it: pretend one.
        self._carry = b"\r\n"
        self._state = _SCAN
        self._line = bytearray()  # the rest of a boundary line, or a header block
        self._in_part = False  # False: in the preamble

    def feed(self, chunk: bytes) -> list[Event]:
        """Parse the next piece of the body; the events it completes, in order."""
        events: list[Event] = []
        at = 0
        while at < len(chunk) and self._state != _END:
            if self._state == _SCAN:
                at = self._scan(chunk, at, events)
            elif self._state == _AFTER_BOUNDARY:
                at = self._after_boundary(chunk, at)
            else:
                at = self._headers(chunk, at, events)
        return events

    def close(self) -> None:
        """The body has ended: it must have ended with the closing boundary."""
        if self._state != _END:
            raise InvalidRequest(
                "The multipart body is malformed.", detail="it ends before its closing boundary"
            )

    def _data(self, events: list[Event], piece: bytes | memoryview) -> None:
        if self._in_part and len(piece):
            events.append(piece)

    def _scan(self, chunk: bytes, at: int, events: list[Event]) -> int:
        """Part data (or the preamble) up to the next delimiter."""
        delimiter = self._delimiter
        keep = len(delimiter) - 1  # a delimiter may start in the last ``keep`` bytes
        if self._carry:
            # Only a delimiter that starts in the carried bytes is looked for here:
            # the carry and the next ``keep`` bytes cover all of it.
            carried = len(self._carry)
            head = self._carry + chunk[at : at + keep]
            found = head.find(delimiter)
            if found != -1:
                self._data(events, head[:found])
                self._carry = b""
                return self._boundary(events, at + found + len(delimiter) - carried)
            if len(chunk) - at <= keep:  # the chunk is all in ``head``: keep its end
                cut = max(0, len(head) - keep)
                self._data(events, head[:cut])
                self._carry = head[cut:]
                return len(chunk)
            self._data(events, self._carry)
            self._carry = b""
        found = chunk.find(delimiter, at)
        if found != -1:
            self._data(events, memoryview(chunk)[at:found])
            return self._boundary(events, found + len(delimiter))
        end = max(at, len(chunk) - keep)
        self._data(events, memoryview(chunk)[at:end])
        self._carry = chunk[end:]
        return len(chunk)

    def _boundary(self, events: list[Event], after: int) -> int:
        """A delimiter was found, ending at ``after``: the part before it ends."""
        if self._in_part:
            events.append(None)
            self._in_part = False
        self._state = _AFTER_BOUNDARY
        self._line.clear()
        return after

    def _after_boundary(self, chunk: bytes, at: int) -> int:
        """The rest of a boundary line: ``--`` (the last) or blanks, then CRLF."""
        line = self._line
        while at < len(chunk):
            line.append(chunk[at])
            at += 1
            if line == b"--":
                self._state = _END  # the epilogue, if any, is ignored
                return len(chunk)
            if line.endswith(b"\r\n"):
                if line[:-2].strip(_BLANKS):
                    break
                self._state = _HEADERS
                line[:] = b"\r\n"  # a header block ends at the first CRLF CRLF
                return at
            if (line != b"-" and line[-1:] not in (b" ", b"\t", b"\r")) or (
                len(line) > MAX_BOUNDARY_LINE_BYTES
            ):
                break
        else:
            return at
        raise InvalidRequest("The multipart body is malformed.", detail="bad boundary line")

    def _headers(self, chunk: bytes, at: int, events: list[Event]) -> int:
        """A part's header block, up to the blank line that ends it."""
        line = self._line
        searched = max(0, len(line) - 3)
        taken = chunk[at : at + MAX_PART_HEADER_BYTES + 4 - len(line)]
        line += taken
        end = line.find(b"\r\n\r\n", searched)
        if end == -1:
            if len(line) > MAX_PART_HEADER_BYTES:
                raise InvalidRequest(
                    "The multipart body is malformed.", detail="a part's headers are too long"
                )
            return at + len(taken)
        events.append(_part(bytes(line[2:end])))
        self._in_part = True
        self._state = _SCAN
        used = end + 4 - (len(line) - len(taken))
        line.clear()
        return at + used


def _part(block: bytes) -> Part:
    """A part's name and file name, from its header block (Content-Disposition)."""
    headers: dict[str, str] = {}
    name = ""
    for raw in block.decode("utf-8", "replace").split("\r\n"):
        if raw[:1] in (" ", "\t") and name:  # an obsolete folded line continues the last
            headers[name] += " " + raw.strip()
            continue
        name, colon, value = raw.partition(":")
        if not colon:
            raise InvalidRequest("The multipart body is malformed.", detail="bad part header")
        name = name.strip().lower()
        headers[name] = value.strip()
    disposition = headers.get("content-disposition", "")
    kind, _, rest = disposition.partition(";")
    if kind.strip().lower() != "form-data":
        raise InvalidRequest("The multipart body is malformed.", detail="a part is not form-data")
    params = _params(";" + rest)
    file_name = params.get("filename")
    extended = params.get("filename*", "")
    charset, quote, encoded = extended.partition("'")
    if quote and "'" in encoded:
        _, _, encoded = encoded.partition("'")  # language tag skipped
        try:
            file_name = urllib.parse.unquote(encoded, charset or "utf-8", "replace")
        except LookupError:  # an unknown charset: keep the plain file name
            pass
    return Part(params.get("name", ""), file_name)


def _params(text: str) -> dict[str, str]:
    """``; key=value`` parameters (values plain or quoted), keys in lower case."""
    params: dict[str, str] = {}
    for key, raw in _PARAM.findall(text):
        value = raw.strip()
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = value[1:-1]
            # A Windows path (old browsers send one) keeps its backslashes.
            if not (value[1:3] == ":\\" or value.startswith("\\\\")):
                value = _QUOTED_PAIR.sub(r"\1", value)
        params.setdefault(key.lower(), value)
    return params


# --- forwarding -------------------------------------------------------------------------


@dataclasses.dataclass
class UploadedFile:
    field: str
    file_name: str
    response: pb.UploadResponse

    @property
    def source(self) -> pb.FileSource:
        """This upload, as the source of a document."""
        return pb.FileSource(upload_id=self.response.upload_id, file_name=self.file_name)


class _Field:
    """A small text field, bounded; sent at most once."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.value = b""
        self.seen = False

    async def start(self, part: Part) -> None:
        if self.seen:
            raise DuplicateField(
                f"The form sends the field {self.name!r} twice: send it once.", field=self.name
            )
        self.seen = True

    async def data(self, piece: bytes | memoryview) -> None:
        if len(self.value) + len(piece) > MAX_FIELD_BYTES:
            raise InvalidRequest(f"The form field {self.name!r} is too long.")
        self.value += piece

    async def finish(self) -> None:
        pass


class _Files:
    """Every file part of a form, each streamed into its own Upload call."""

    def __init__(
        self,
        upload: RawUpload,
        metadata: Sequence[tuple[str, str]],
        max_file_bytes: int | None,
        too_many: TooManyFiles,
    ) -> None:
        self.upload = upload
        self.metadata = metadata
        self.max_file_bytes = max_file_bytes
        self.too_many = too_many  # raised by the part after max_files
        self.max_files = int(too_many.details["max_files"])
        self._size = 0  # bytes of the current file so far
        self.done: list[UploadedFile] = []
        self._call: grpc.aio.StreamUnaryCall | None = None
        self._parts: list[bytes | memoryview] = []  # views of the request body's pieces
        self._buffered = 0  # bytes in _parts
        self._field = ""
        self._name = ""

    async def start(self, part: Part) -> None:
        if len(self.done) >= self.max_files:
            raise self.too_many
        self._field = part.name
        self._name = part.file_name or ""
        self._size = 0
        self._call = self.upload(metadata=self.metadata)
        # Transient: if the server stops before this form is handed on, the form
        # cannot complete, and the server deletes what it stored of it.
        first = pb.UploadRequest(metadata=pb.UploadMetadata(file_name=self._name, transient=True))
        await self._write(first.SerializeToString())

    async def data(self, piece: bytes | memoryview) -> None:
        # The server enforces the limit too; cutting here first means the server
        # never ends the call while the gateway is still writing to it (grpc aio
        # then reports INTERNAL instead of the server's status: grpc#36066).
        self._size += len(piece)
        if self.max_file_bytes is not None and self._size > self.max_file_bytes:
            raise FileTooLarge(limit_bytes=str(self.max_file_bytes))
        self._parts.append(piece)
        self._buffered += len(piece)
        if self._buffered >= CHUNK_BYTES:
            await self._flush()

    async def finish(self) -> None:
        await self._flush()
        assert self._call is not None
        await self._call.done_writing()
        response = await self._call
        self.done.append(UploadedFile(self._field, self._name, response))
        self._call = None

    async def _flush(self) -> None:
        if self._buffered:
            message = upload_frames.chunk_message(self._parts, self._buffered)
            self._parts, self._buffered = [], 0
            await self._write(message)

    async def _write(self, message: bytes) -> None:
        assert self._call is not None
        if self._call.done():  # the server ended it (bad key ...): raise its status
            await self._call
        try:
            await self._call.write(message)
        except (asyncio.InvalidStateError, grpc.aio.AioRpcError):
            # The server ended the call (bad key, FILE_TOO_LARGE ...): a failed
            # write only says "finished" or "internal"; the call has the status.
            await self._call
            raise

    async def abandon(self, reason: str) -> None:
        """Give the open upload up, so that the server keeps nothing of it.

        The ``abandon`` message follows every chunk sent, so the server cannot
        take the stream for a whole file, as it can when a cancellation
        overtakes the stream's end. A server that does not answer within
        ``CLEAN_UP_WAIT_S`` is left to the cancellation.
        """
        call, self._call = self._call, None
        self._parts, self._buffered = [], 0
        if call is None:
            return
        try:
            if not call.done():
                message = pb.UploadRequest(abandon=pb.UploadAbandon(reason=reason))
                async with asyncio.timeout(CLEAN_UP_WAIT_S):
                    await call.write(message.SerializeToString())
                    await call.done_writing()
                    await call  # fails: UPLOAD_ABANDONED
        except (asyncio.InvalidStateError, grpc.aio.AioRpcError, TimeoutError):
            pass  # the call has ended, as asked (or the server is stuck)
        finally:
            call.cancel()

    def cancel(self) -> None:
        if self._call is not None:
            self._call.cancel()


@dataclasses.dataclass
class Form:
    fields: dict[str, str]
    files: list[UploadedFile]
    leftovers: Leftovers
    metadata: Sequence[tuple[str, str]]

    @contextlib.asynccontextmanager
    async def in_use(self) -> AsyncIterator[None]:
        """Around what hands the uploads to documents: if it fails, the uploads no
        document took are deleted at once, not left for the 24-hour sweep."""
        try:
            yield
        except Exception:
            await self.leftovers.drop(self.metadata, self.files)
            raise


class Leftovers:
    """Deletes the uploads of forms that failed, whatever it takes.

    ``drop`` deletes at once (a used upload is NOT_FOUND: nothing to do). If
    the server cannot be reached, the deletes are retried in the background,
    every ``RETRY_S`` doubling up to a minute, for ``RETRY_FOR_S``: a form cut
    off by the gateway's connection to the server leaves nothing once it is
    back. (A server that restarts has deleted them already: they are
    transient.)
    """

    RETRY_S = 1.0
    RETRY_FOR_S = 600.0

    def __init__(self, stub: pb_grpc.ConversionServiceStub) -> None:
        self.stub = stub
        self._retrying: set[asyncio.Task[None]] = set()

    async def drop(
        self, metadata: Sequence[tuple[str, str]], files: Sequence[UploadedFile]
    ) -> None:
        upload_ids = [f.response.upload_id for f in files]
        failed = await self._delete(metadata, upload_ids)
        if failed:
            task = asyncio.get_running_loop().create_task(self._retry(metadata, failed))
            self._retrying.add(task)
            task.add_done_callback(self._retrying.discard)

    async def _delete(
        self, metadata: Sequence[tuple[str, str]], upload_ids: list[str]
    ) -> list[str]:
        """Delete ``upload_ids``; the ids that could not be, for want of the server."""
        failed: list[str] = []

        async def one(upload_id: str) -> None:
            request = pb.DeleteUploadRequest(upload_id=upload_id)
            try:
                await self.stub.DeleteUpload(request, metadata=metadata, timeout=CLEAN_UP_WAIT_S)
            except grpc.aio.AioRpcError as exc:
                if exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                    failed.append(upload_id)

        for start in range(0, len(upload_ids), DROP_CONCURRENCY):
            await asyncio.gather(*(one(i) for i in upload_ids[start : start + DROP_CONCURRENCY]))
        return failed

    async def _retry(self, metadata: Sequence[tuple[str, str]], upload_ids: list[str]) -> None:
        deadline = asyncio.get_running_loop().time() + self.RETRY_FOR_S
        wait = self.RETRY_S
        while upload_ids and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(wait)
            wait = min(wait * 2, 60.0)
            upload_ids = await self._delete(metadata, upload_ids)
        if upload_ids:
            log.warning("%d upload(s) of failed forms are left to expire", len(upload_ids))

    async def close(self) -> None:
        for task in list(self._retrying):
            task.cancel()


def form_too_many(max_files: int) -> TooManyFiles:
    """The error for a form's file part beyond ``max_files``."""
    if max_files == 1:
        message = "This endpoint takes one file; send several with /v1/batch/submit."
    else:
        message = f"A request may carry at most {max_files} files (MAX_BATCH_FILES)."
    return TooManyFiles(message, max_files=str(max_files))


async def read_form(
    request: Request,
    metadata: Sequence[tuple[str, str]],
    *,
    file_fields: Sequence[str],
    text_fields: Sequence[str],
    max_files: int,
    max_body_bytes: int | None = None,
    max_file_bytes: int | None = None,
) -> Form:
    """Stream a multipart body: files into uploads, text fields into memory.

    Files go through the app's ``raw_upload`` (``app.state.raw_upload``), each
    marked transient. Refused as soon as it is seen: a part of a field not in
    ``file_fields`` or ``text_fields`` (UNKNOWN_FIELD), a text field sent twice
    (DUPLICATE_FIELD), a file beyond ``max_files`` (TOO_MANY_FILES). With
    ``max_body_bytes``, a body whose declared length exceeds it (plus form
    framing) is refused before a byte is read; with ``max_file_bytes``, a file
    is cut off (FILE_TOO_LARGE) as soon as it grows past it. A form that fails
    keeps nothing: the open upload is abandoned and the finished ones deleted;
    once it is read, ``Form.in_use`` does the same for the call that hands the
    uploads on.
    """
    length = request.headers.get("content-length", "")
    if (
        max_body_bytes is not None
        and length.isdigit()
        and int(length) > max_body_bytes + FORM_OVERHEAD_BYTES
    ):
        raise FileTooLarge(limit_bytes=str(max_body_bytes))
    parser = MultipartParser(boundary_of(request.headers.get("content-type", "")))
    texts = {name: _Field(name) for name in text_fields}
    upload: RawUpload = request.app.state.raw_upload
    leftovers: Leftovers = request.app.state.leftovers
    files = _Files(upload, metadata, max_file_bytes, form_too_many(max_files))
    targets: dict[str, _Field | _Files] = {**texts, **{name: files for name in file_fields}}
    target: _Field | _Files | None = None  # of the part being read
    try:
        async for chunk in request.stream():
            for event in parser.feed(chunk):
                if isinstance(event, Part):
                    target = targets.get(event.name)
                    if target is None:
                        raise _unknown(event.name, targets)
                    await target.start(event)
                elif event is None:
                    if target is not None:
                        await target.finish()
                    target = None
                elif target is not None:
                    await target.data(event)
        parser.close()
    except Exception as exc:  # a bad or over-limit form, a client gone: keep nothing
        await files.abandon(getattr(exc, "reason", type(exc).__name__))
        await leftovers.drop(metadata, files.done)
        raise
    except BaseException:  # cancelled: no waiting on the server
        files.cancel()
        raise
    values = {
        name: t.value.decode("utf-8", "replace").strip() for name, t in texts.items() if t.seen
    }
    return Form(values, files.done, leftovers, metadata)


def _unknown(name: str, targets: dict[str, _Field | _Files]) -> UnknownField:
    accepted = ", ".join(sorted(targets))
    return UnknownField(
        f"The form field {name[:100]!r} is not one this endpoint takes ({accepted}).",
        field=name,
        accepted=accepted,
    )
