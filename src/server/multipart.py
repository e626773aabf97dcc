"""Streaming multipart forms into gRPC ``Upload`` calls, in bounded memory.

The gateway never holds a file: each file part is forwarded chunk by chunk
into its own client-streaming ``Upload`` call as the request body arrives
(``call.write`` waits for gRPC flow control, so a slow server slows the
client instead of filling memory). Small text fields are kept, up to
``MAX_FIELD_BYTES``.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from typing import TypeAlias

import grpc
from starlette.requests import Request
from streaming_form_data import StreamingFormDataParser
from streaming_form_data.parser import ParseFailedException
from streaming_form_data.targets import BaseTarget

from ilios.errors import FileTooLarge, InvalidRequest
from ilios.v1 import conversion_service_pb2 as pb

MAX_FIELD_BYTES = 4096
CHUNK_BYTES = 1024 * 1024
# Multipart framing around the file: headers and boundaries.
FORM_OVERHEAD_BYTES = 64 * 1024


# ``Upload`` taking serialized ``UploadRequest`` messages (see ``raw_upload``).
RawUpload: TypeAlias = grpc.aio.StreamUnaryMultiCallable
UPLOAD_METHOD = f"/{pb.DESCRIPTOR.services_by_name['ConversionService'].full_name}/Upload"
_CHUNK_TAG = b"\x12"  # UploadRequest.chunk: field 2, length-delimited


def raw_upload(channel: grpc.aio.Channel) -> RawUpload:
    """``ConversionService.Upload`` whose requests are already serialized.

    The gateway frames each file chunk itself (``chunk_message``): the
    received pieces are copied once, into the message, instead of into a
    buffer, a ``bytes``, a protobuf message and its serialization.
    """
    return channel.stream_unary(
        UPLOAD_METHOD,
        request_serializer=None,
        response_deserializer=pb.UploadResponse.FromString,
    )


def chunk_message(parts: Sequence[bytes], size: int) -> bytes:
    """The serialized ``UploadRequest(chunk=b"".join(parts))``; ``size`` is their length."""
    return b"".join((_CHUNK_TAG, _varint(size), *parts))


def _varint(value: int) -> bytes:
    """Protobuf's base-128 varint encoding of a non-negative int."""
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


@dataclasses.dataclass
class UploadedFile:
    field: str
    file_name: str
    response: pb.UploadResponse

    @property
    def source(self) -> pb.FileSource:
        """This upload, as the source of a document."""
        return pb.FileSource(upload_id=self.response.upload_id, file_name=self.file_name)


class _Field(BaseTarget):
    """A small text field, bounded."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.value = b""
        self.seen = False

    async def on_start_async(self) -> None:
        self.seen = True

    async def on_data_received_async(self, chunk: bytes) -> None:
        self.value += chunk
        if len(self.value) > MAX_FIELD_BYTES:
            raise InvalidRequest(f"The form field {self.name!r} is too long.")


class _Files(BaseTarget):
    """Every part of one file field, each streamed into its own Upload call."""

    def __init__(
        self,
        field: str,
        upload: RawUpload,
        metadata: Sequence[tuple[str, str]],
        max_file_bytes: int | None,
    ) -> None:
        super().__init__()
        self.field = field
        self.upload = upload
        self.metadata = metadata
        self.max_file_bytes = max_file_bytes
        self._size = 0  # bytes of the current file so far
        self.done: list[UploadedFile] = []
        self._call: grpc.aio.StreamUnaryCall | None = None
        self._parts: list[bytes] = []
        self._buffered = 0  # bytes in _parts
        self._name = ""

    async def on_start_async(self) -> None:
        self._name = self.multipart_filename or ""
        self._size = 0
        self._call = self.upload(metadata=self.metadata)
        first = pb.UploadRequest(metadata=pb.UploadMetadata(file_name=self._name))
        await self._write(first.SerializeToString())

    async def on_data_received_async(self, chunk: bytes) -> None:
        # The server enforces the limit too; cutting here first means the server
        # never ends the call while the gateway is still writing to it (grpc aio
        # then reports INTERNAL instead of the server's status: grpc#36066).
        self._size += len(chunk)
        if self.max_file_bytes is not None and self._size > self.max_file_bytes:
            raise FileTooLarge(limit_bytes=str(self.max_file_bytes))
        self._parts.append(chunk)
        self._buffered += len(chunk)
        if self._buffered >= CHUNK_BYTES:
            await self._flush()

    async def on_finish_async(self) -> None:
        await self._flush()
        assert self._call is not None
        await self._call.done_writing()
        response = await self._call
        self.done.append(UploadedFile(self.field, self._name, response))
        self._call = None

    async def _flush(self) -> None:
        if self._buffered:
            message = chunk_message(self._parts, self._buffered)
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

    def cancel(self) -> None:
        if self._call is not None:
            self._call.cancel()


@dataclasses.dataclass
class Form:
    fields: dict[str, str]
    files: list[UploadedFile]


async def read_form(
    request: Request,
    metadata: Sequence[tuple[str, str]],
    *,
    file_fields: Sequence[str],
    text_fields: Sequence[str],
    max_body_bytes: int | None = None,
    max_file_bytes: int | None = None,
) -> Form:
    """Stream a multipart body: files into uploads, text fields into memory.

    Files go through the app's ``raw_upload`` (``app.state.raw_upload``). With
    ``max_body_bytes``, a body whose declared length exceeds it (plus form
    framing) is refused before a byte is read; with ``max_file_bytes``, a file
    is cut off (FILE_TOO_LARGE) as soon as it grows past it.
    """
    length = request.headers.get("content-length", "")
    if (
        max_body_bytes is not None
        and length.isdigit()
        and int(length) > max_body_bytes + FORM_OVERHEAD_BYTES
    ):
        raise FileTooLarge(limit_bytes=str(max_body_bytes))
    try:
        parser = StreamingFormDataParser(headers=dict(request.headers))
    except ParseFailedException as exc:
        raise InvalidRequest(
            "Send the request as multipart/form-data (curl -F 'file=@document.pdf').",
            detail=str(exc),
        ) from exc
    texts = {name: _Field(name) for name in text_fields}
    upload: RawUpload = request.app.state.raw_upload
    files = {name: _Files(name, upload, metadata, max_file_bytes) for name in file_fields}
    for name, target in {**texts, **files}.items():
        parser.register(name, target)
    try:
        async for chunk in request.stream():
            await parser.adata_received(chunk)
    except ParseFailedException as exc:
        raise InvalidRequest("The multipart body is malformed.", detail=str(exc)) from exc
    except BaseException:
        for target in files.values():
            target.cancel()
        raise
    uploaded = [f for target in files.values() for f in target.done]
    values = {
        name: t.value.decode("utf-8", "replace").strip() for name, t in texts.items() if t.seen
    }
    return Form(values, uploaded)
