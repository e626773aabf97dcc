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

import grpc
from starlette.requests import Request
from streaming_form_data import StreamingFormDataParser
from streaming_form_data.parser import ParseFailedException
from streaming_form_data.targets import BaseTarget

from ilios.errors import FileTooLarge, InvalidRequest
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import conversion_service_pb2_grpc as pb_grpc

MAX_FIELD_BYTES = 4096
CHUNK_BYTES = 1024 * 1024
# Multipart framing around the file: headers and boundaries.
FORM_OVERHEAD_BYTES = 64 * 1024


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
        self, field: str, stub: pb_grpc.ConversionServiceStub, metadata: Sequence[tuple[str, str]]
    ) -> None:
        super().__init__()
        self.field = field
        self.stub = stub
        self.metadata = metadata
        self.done: list[UploadedFile] = []
        self._call: grpc.aio.StreamUnaryCall | None = None
        self._buffer = bytearray()
        self._name = ""

    async def on_start_async(self) -> None:
        self._name = self.multipart_filename or ""
        self._call = self.stub.Upload(metadata=self.metadata)
        await self._write(pb.UploadRequest(metadata=pb.UploadMetadata(file_name=self._name)))

    async def on_data_received_async(self, chunk: bytes) -> None:
        self._buffer += chunk
        if len(self._buffer) >= CHUNK_BYTES:
            await self._flush()

    async def on_finish_async(self) -> None:
        await self._flush()
        assert self._call is not None
        await self._call.done_writing()
        response = await self._call
        self.done.append(UploadedFile(self.field, self._name, response))
        self._call = None

    async def _flush(self) -> None:
        if self._buffer:
            data, self._buffer = bytes(self._buffer), bytearray()
            await self._write(pb.UploadRequest(chunk=data))

    async def _write(self, message: pb.UploadRequest) -> None:
        assert self._call is not None
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
    stub: pb_grpc.ConversionServiceStub,
    metadata: Sequence[tuple[str, str]],
    *,
    file_fields: Sequence[str],
    text_fields: Sequence[str],
    max_body_bytes: int | None = None,
) -> Form:
    """Stream a multipart body: files into uploads, text fields into memory.

    With ``max_body_bytes``, a body whose declared length exceeds it (plus
    form framing) is refused before a byte is read.
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
    files = {name: _Files(name, stub, metadata) for name in file_fields}
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
