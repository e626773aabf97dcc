"""Streaming multipart forms into gRPC ``Upload`` calls, in bounded memory.

The gateway never holds a file: ``multipart.MultipartParser`` cuts the request
body into parts as it arrives, and each file part is forwarded chunk by chunk
into its own client-streaming ``Upload`` call (``call.write`` waits for gRPC
flow control, so a slow server slows the client instead of filling memory).
Small text fields are kept, up to ``MAX_FIELD_BYTES``. A form refused midway
keeps nothing (``Leftovers``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
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
from ilios.gateway.multipart import MultipartParser, Part, boundary_of
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import conversion_service_pb2_grpc as pb_grpc

MAX_FIELD_BYTES = 4096
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
        if not part.is_file:  # a plain text field
            raise InvalidRequest(
                f"The form field {part.name[:100]!r} must be a file, sent with a file name "
                f"(curl -F '{part.name[:100]}=@document.pdf').",
                field=part.name,
            )
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
