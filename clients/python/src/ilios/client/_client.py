"""``IliosClient``: a small typed client over the generated gRPC stubs.

Every call has a deadline. Calls that fail with UNAVAILABLE (the server is
restarting, a connection dropped before anything was answered) are retried by
gRPC itself, with backoff, per the channel's service config; nothing else is
retried. Errors come back as the service's own error tree (``ilios.errors``),
rebuilt from the ``ErrorInfo`` reason the server sends.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import pathlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import grpc

from ilios import upload_frames
from ilios.errors import IliosError, from_rpc_error
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import conversion_service_pb2_grpc as pb_grpc
from ilios.v1 import document_pb2
from ilios.v1 import usage_service_pb2 as usage_pb
from ilios.v1 import usage_service_pb2_grpc as usage_grpc

T = TypeVar("T")

DEFAULT_TARGET = "127.0.0.1:50051"
DEFAULT_TIMEOUT_S = 60.0
CONVERT_TIMEOUT_S = 3600.0
# Upload's chunk size: fewer messages for gRPC to hand over than 1 MiB, and under the
# server's 4 MiB mmap threshold (``ilios.cli.tune_malloc``; docs/performance.md).
CHUNK_BYTES = 2 * 1024 * 1024
INLINE_LIMIT_BYTES = 4 * 1024 * 1024  # larger files go through Upload first (server: 8 MiB)
MESSAGE_LIMIT_BYTES = 80 * 1024 * 1024
WAIT_POLL_S = 0.5
RETRY_POLICY = {
    "methodConfig": [
        {
            "name": [
                {"service": "ilios.v1.ConversionService"},
                {"service": "ilios.v1.UsageService"},
            ],
            "retryPolicy": {
                "maxAttempts": 5,
                "initialBackoff": "0.2s",
                "maxBackoff": "5s",
                "backoffMultiplier": 2,
                "retryableStatusCodes": ["UNAVAILABLE"],
            },
        }
    ]
}

Progress = Callable[[int], None]  # called with the bytes sent since the last call


@dataclasses.dataclass
class Conversion:
    """A running conversion: iterate it for pages; ``document`` and ``usage``
    hold the accepted, then the final, state."""

    _events: Iterator[pb.ConvertResponse]
    document: document_pb2.Document | None = None
    usage: document_pb2.ConversionUsage | None = None

    def __iter__(self) -> Iterator[document_pb2.Page]:
        with _mapped():
            for event in self._events:
                kind = event.WhichOneof("event")
                if kind == "accepted":
                    self.document = event.accepted
                elif kind == "page":
                    yield event.page
                elif kind == "completed":
                    self.document = event.completed.document
                    self.usage = event.completed.usage


@contextlib.contextmanager
def _mapped() -> Iterator[None]:
    """Turn ``grpc.RpcError`` into the ``IliosError`` its status carries."""
    try:
        yield
    except grpc.RpcError as exc:
        raise from_rpc_error(exc) from exc


class IliosClient:
    """A connection to an Ilios server.

    ``target`` is ``host:port`` (default ``ILIOS_TARGET`` or 127.0.0.1:50051);
    ``api_key`` defaults to ``ILIOS_API_KEY``. Use as a context manager or
    call ``close()``.
    """

    def __init__(
        self,
        target: str | None = None,
        *,
        api_key: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        secure: bool = False,
    ) -> None:
        self.target = target or os.environ.get("ILIOS_TARGET") or DEFAULT_TARGET
        key = os.environ.get("ILIOS_API_KEY", "") if api_key is None else api_key
        self.metadata = [("authorization", f"Bearer {key}")] if key else []
        self.timeout_s = timeout_s
        options = [
            ("grpc.max_receive_message_length", MESSAGE_LIMIT_BYTES),
            ("grpc.max_send_message_length", MESSAGE_LIMIT_BYTES),
            ("grpc.enable_retries", 1),
            ("grpc.service_config", json.dumps(RETRY_POLICY)),
        ]
        if secure:
            self.channel = grpc.secure_channel(
                self.target, grpc.ssl_channel_credentials(), options=options
            )
        else:
            self.channel = grpc.insecure_channel(self.target, options=options)
        self.conversion = pb_grpc.ConversionServiceStub(self.channel)
        # Upload with its chunk messages framed here (``upload_frames``): a file block
        # is copied once into its message, not into a protobuf message and out again.
        self._raw_upload = self.channel.stream_unary(
            upload_frames.PATH,
            request_serializer=None,
            response_deserializer=pb.UploadResponse.FromString,
        )
        self.usage_stub = usage_grpc.UsageServiceStub(self.channel)

    def __enter__(self) -> IliosClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.channel.close()

    def _call(self, method: Callable[..., T], request: Any, timeout_s: float | None = None) -> T:
        with _mapped():
            return method(request, metadata=self.metadata, timeout=timeout_s or self.timeout_s)

    # --- files in -------------------------------------------------------------------

    def upload(
        self,
        path: str | os.PathLike[str],
        *,
        sha256: str | None = None,
        progress: Progress | None = None,
        transient: bool = False,
    ) -> str:
        """Stream a file to the server; return its upload id (usable once).

        The server checks the file against its size and sha256. Pass ``sha256``
        (hex) when you know it already; otherwise the file is read once more,
        first, to compute it. ``transient``: the upload is for a call this
        client makes next (``convert``, ``submit_batch`` use it), so a server
        that restarts in between deletes it instead of keeping it for a day.
        """
        file_path = pathlib.Path(path)
        size = file_path.stat().st_size
        if sha256 is None:
            digest = hashlib.sha256()
            with file_path.open("rb") as file:
                while block := file.read(CHUNK_BYTES):
                    digest.update(block)
            sha256 = digest.hexdigest()
        metadata = pb.UploadMetadata(
            file_name=file_path.name, size_bytes=size, sha256=sha256, transient=transient
        )

        def requests() -> Iterator[bytes]:
            yield pb.UploadRequest(metadata=metadata).SerializeToString()
            with file_path.open("rb") as file:
                while block := file.read(CHUNK_BYTES):
                    yield upload_frames.chunk_message((block,), len(block))
                    if progress:
                        progress(len(block))

        with _mapped():
            reply = self._raw_upload(requests(), metadata=self.metadata, timeout=CONVERT_TIMEOUT_S)
        return str(reply.upload_id)

    def delete_upload(self, upload_id: str) -> None:
        """Delete an upload no document has used (UploadNotFound otherwise)."""
        self._call(self.conversion.DeleteUpload, pb.DeleteUploadRequest(upload_id=upload_id))

    def source(
        self, path: str | os.PathLike[str], *, progress: Progress | None = None
    ) -> pb.FileSource:
        """A file as a request source: inline when small, else uploaded first."""
        file_path = pathlib.Path(path)
        size = file_path.stat().st_size
        if size <= INLINE_LIMIT_BYTES:
            source = pb.FileSource(content=file_path.read_bytes(), file_name=file_path.name)
            if progress:
                progress(size)
            return source
        upload_id = self.upload(file_path, progress=progress, transient=True)
        return pb.FileSource(upload_id=upload_id, file_name=file_path.name)

    # --- conversion -------------------------------------------------------------------

    def convert(
        self,
        path: str | os.PathLike[str],
        *,
        retention_days: int = 0,
        progress: Progress | None = None,
        languages: Sequence[str] = (),
    ) -> Conversion:
        """Convert a file; iterate the result for its pages as they are produced.
        ``languages``: OCR model codes it is written in (``["deu"]``; default: the server's)."""
        request = pb.ConvertRequest(
            file=self.source(path, progress=progress),
            retention_days=retention_days,
            languages=languages,
        )
        with _mapped():
            events = self.conversion.Convert(
                request, metadata=self.metadata, timeout=CONVERT_TIMEOUT_S
            )
        return Conversion(events)

    def submit_batch(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        priority: int = 0,
        retention_days: int = 0,
        progress: Progress | None = None,
        languages: Sequence[str] = (),
    ) -> pb.BatchSubmitResponse:
        """Queue files as one batch (converted asynchronously)."""
        files: list[pb.FileSource] = []
        try:
            files.extend(self.source(p, progress=progress) for p in paths)
            request = pb.BatchSubmitRequest(
                files=files, priority=priority, retention_days=retention_days, languages=languages
            )
            return self._call(self.conversion.BatchSubmit, request, CONVERT_TIMEOUT_S)
        except BaseException:  # a refused batch (or a file that failed) keeps no upload
            for file in files:
                if file.upload_id:
                    with contextlib.suppress(IliosError):
                        self.delete_upload(file.upload_id)
            raise

    def batch(self, batch_id: str) -> pb.Batch:
        return self._call(self.conversion.GetBatch, pb.GetBatchRequest(batch_id=batch_id)).batch

    def wait(
        self,
        batch_id: str,
        *,
        timeout_s: float | None = None,
        on_progress: Callable[[pb.Batch], None] | None = None,
    ) -> pb.Batch:
        """Poll a batch until every document is done (or raise TimeoutError)."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            batch = self.batch(batch_id)
            if on_progress:
                on_progress(batch)
            if batch.state == pb.BATCH_STATE_COMPLETED:
                return batch
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"batch {batch_id} not done after {timeout_s} s")
            time.sleep(WAIT_POLL_S)

    def download(self, batch_id: str) -> Iterator[pb.DownloadBatchResponse]:
        """Every document of a finished batch, in submission order, streamed."""
        with _mapped():
            yield from self.conversion.DownloadBatch(
                pb.DownloadBatchRequest(batch_id=batch_id),
                metadata=self.metadata,
                timeout=CONVERT_TIMEOUT_S,
            )

    def document(self, document_id: str) -> document_pb2.Document:
        request = pb.GetDocumentRequest(document_id=document_id)
        return self._call(self.conversion.GetDocument, request).document

    def markdown(self, document_id: str) -> str:
        request = pb.GetDocumentContentRequest(document_id=document_id)
        return str(self._call(self.conversion.GetDocumentContent, request).markdown)

    # --- usage and health -------------------------------------------------------------

    def usage(
        self, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> usage_pb.UsageTotals:
        request = usage_pb.GetUsageSummaryRequest()
        if start is not None:
            request.start_time.FromDatetime(start.astimezone(dt.UTC))
        if end is not None:
            request.end_time.FromDatetime(end.astimezone(dt.UTC))
        return self._call(self.usage_stub.GetUsageSummary, request).totals

    def health(self) -> bool:
        """Whether the server answers its health check with SERVING."""
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        stub = health_pb2_grpc.HealthStub(self.channel)
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=self.timeout_s)
        except grpc.RpcError:
            return False
        return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


__all__ = ["Conversion", "IliosClient", "IliosError"]
