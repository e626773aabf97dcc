"""``ilios.v1.ConversionService``: the gRPC face of the pipeline.

Handlers run on the server's event loop and never convert anything: blocking
work (the store, blob files) runs on a small thread pool, and conversions run in
worker processes. ``Convert`` queues a top-priority job and streams each page
as a worker commits it, woken by the ``Notifier``.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import functools
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import grpc

from ilios import filetypes, markdown, upload_frames, wakeups
from ilios.apikeys import bearer, check_key, key_id
from ilios.config import Settings
from ilios.errors import (
    ApiKeyMissing,
    BatchNotFound,
    BatchNotReady,
    DocumentArchived,
    DocumentNotFound,
    DocumentNotReady,
    EmptyBatch,
    EmptyFile,
    FileTooLarge,
    IliosError,
    InvalidPageToken,
    InvalidRequest,
    MissingFile,
    TooManyFiles,
    UnsupportedFileType,
    UploadAbandoned,
    UploadIncomplete,
    from_reason,
)
from ilios.limits import MAX_PRIORITY
from ilios.server import messages
from ilios.server.intake import (
    Intake,
    document_key,
    languages,
    new_document_id,
    priority,
    retention,
    upload_key,
)
from ilios.server.interceptors import RESERVATION_ACCEPTED, RESERVATION_TOKEN
from ilios.server.notifier import Notifier
from ilios.server.reservations import Reservations, key_of
from ilios.server.write_behind import WriteBehind
from ilios.storage import CHUNK_BYTES, BlobStore, BlobWriter, chunks
from ilios.store import (
    Charge,
    Document,
    DocumentState,
    NewDocument,
    Page,
    Store,
    StoredFile,
    new_id,
    new_ids,
)
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import conversion_service_pb2_grpc as pb_grpc
from ilios.v1 import document_pb2 as document_pb

T = TypeVar("T")
log = logging.getLogger("ilios.server")
# A Convert stream re-checks the database at least this often, even unrung.
CONVERT_RECHECK_S = 1.0
INTAKE_CONCURRENCY = 6  # threads storing a batch's files, at most
INTAKE_SHARE_BYTES = 8 * 1024 * 1024  # bytes one of them stores, at least
# An upload's received chunks waiting for the blob writer, at most (bytes), and
# how many bytes one pool call writes, at least (fewer thread hops; see WriteBehind).
UPLOAD_BUFFER_BYTES = 4 * 1024 * 1024
UPLOAD_BATCH_BYTES = 2 * 1024 * 1024
DOWNLOAD_BATCH_ROWS = 100  # documents DownloadBatch reads at once
ORIGINAL_URL_TTL_S = 300  # a presigned URL to an original stays valid this long
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
TOKEN_START_MS = 2**62  # the cursor before every document (SQLite integers are 64-bit)
MAX_TOKEN_CHARS = 512


def add_to_server(service: ConversionService, server: grpc.aio.Server) -> None:
    """Register ``service``; its ``Upload`` takes chunks as views (``upload_frames``)."""
    pb_grpc.add_ConversionServiceServicer_to_server(service, server)
    upload = grpc.stream_unary_rpc_method_handler(
        service.Upload,
        request_deserializer=upload_frames.upload_request,
        response_serializer=pb.UploadResponse.SerializeToString,
    )
    # Registered handlers are a map by method: this entry replaces the generated one.
    server.add_registered_method_handlers(upload_frames.SERVICE, {upload_frames.METHOD: upload})


class ConversionService(pb_grpc.ConversionServiceServicer):
    def __init__(
        self,
        settings: Settings,
        store: Store,
        blobs: BlobStore,
        notifier: Notifier,
        pool: concurrent.futures.ThreadPoolExecutor,
        server_id: str = "",
    ) -> None:
        self.settings = settings
        self.server_id = server_id  # names the transient uploads this server stores
        self.store = store
        self.blobs = blobs
        self.intake = Intake(settings, store, blobs)
        self.reservations = Reservations(settings, store, blobs)
        self.notifier = notifier
        self.pool = pool
        self.ringer = wakeups.ringer(settings, store)

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        """Release the ringer (the server has stopped serving)."""
        self.ringer.close()

    def _ring_workers(self) -> None:
        self.ringer.ring("worker")

    def _keyed(self, context: grpc.aio.ServicerContext) -> bool:
        """Whether the call carries a valid key (or none is needed)."""
        metadata = dict(context.invocation_metadata() or ())
        try:
            check_key(self.settings.api_keys, bearer(str(metadata.get("authorization", ""))))
        except IliosError:
            return False
        return True

    def _options(
        self, request: Any, context: grpc.aio.ServicerContext, top: bool = False
    ) -> dict[str, Any]:
        """A submission's options (retention, priority, engine, languages; the
        caller's key), checked before any byte is stored: keyword arguments of
        ``Intake.create``. ``top``: a ``Convert``, claimed before every other job."""
        return {
            "retention_days": retention(self.settings, request.retention_days),
            "priority": MAX_PRIORITY if top else priority(request.priority),
            "engine": self.intake.engine(messages.ENGINE_NAMES.get(request.engine, "")),
            "languages": languages(request.languages),
            "api_key_id": self._key_id(context),
        }

    @staticmethod
    def _key_id(context: grpc.aio.ServicerContext) -> str:
        metadata = dict(context.invocation_metadata() or ())
        return key_id(bearer(str(metadata.get("authorization", ""))))

    # --- reading ----------------------------------------------------------------

    def _document(self, document_id: str) -> Document:
        doc = self.store.documents.get(document_id)
        if doc is None:
            raise DocumentNotFound(document_id=document_id)
        return doc

    def _pages_after(self, document_id: str, after: int) -> list[Page]:
        return self.store.pages.after(document_id, after)

    def _content(self, document_id: str) -> tuple[Document, str, Charge | None]:
        doc = self._document(document_id)
        if doc.state == DocumentState.ARCHIVED:
            raise DocumentArchived(document_id=document_id)
        if doc.state == DocumentState.FAILED:
            raise _failure(doc)
        if doc.state != DocumentState.COMPLETED:
            raise DocumentNotReady(document_id=document_id, state=doc.state.value)
        markdown = join_pages(self._pages_after(document_id, 0))
        return doc, markdown, self.store.usage.of_document(document_id)

    # --- sources ----------------------------------------------------------------

    def _store_source(self, source: pb.FileSource, doc_id: str, sync: bool = True) -> StoredFile:
        which = source.WhichOneof("source")
        if which == "upload_id":
            return self.intake.take_upload(source.upload_id, source.file_name)
        if which is None:
            raise MissingFile
        return self.intake.store_content(
            source.content, source.file_name, document_key(doc_id), sync
        )

    def _store_checked(self, source: pb.FileSource, doc_id: str) -> StoredFile:
        """Store a source and require a convertible file (else delete it and raise)."""
        stored = self._store_source(source, doc_id)
        try:
            self.intake.check(stored)
        except IliosError:
            self.intake.discard(stored)
            raise
        return stored

    def _store_judged(self, source: pb.FileSource, doc_id: str) -> NewDocument:
        """Store a batch file, not yet durably (the batch syncs the store once);
        an unconvertible one comes back with its error."""
        stored = self._store_source(source, doc_id, sync=False)
        try:
            self.intake.check(stored)
        except (EmptyFile, UnsupportedFileType) as exc:
            return NewDocument(doc_id, stored, exc)
        return NewDocument(doc_id, stored)

    def _store_share(
        self, files: list[pb.FileSource], doc_ids: list[str], indices: range
    ) -> list[NewDocument | Exception]:
        """Store the batch files at ``indices`` (``_store_judged``); a file that
        cannot be stored comes back as its exception, marked with its place."""
        outcomes: list[NewDocument | Exception] = []
        for index in indices:
            source = files[index]
            try:
                outcomes.append(self._store_judged(source, doc_ids[index]))
            except IliosError as exc:
                exc.details.setdefault("file_index", str(index))
                exc.details.setdefault("file_name", source.file_name)
                outcomes.append(exc)
            except Exception as exc:  # a bug: the batch is refused, after clean-up
                outcomes.append(exc)
        return outcomes

    def _discard_all(self, stored: list[StoredFile]) -> None:
        for item in stored:
            self.intake.discard(item)

    def _drop_upload(self, upload_id: str) -> None:
        log.info("upload %s dropped: its client cancelled the call", upload_id)
        self.intake.delete_upload(upload_id)

    def _finish_upload(
        self, writer: BlobWriter, upload_id: str, meta: pb.UploadMetadata, api_key_id: str
    ) -> tuple[StoredFile, int]:
        key = upload_key(upload_id)
        stored = self.intake.finish(writer, key, filetypes.safe_file_name(meta.file_name))
        expires_at = self.intake.record_upload(
            upload_id,
            stored,
            api_key_id,
            meta.size_bytes,
            meta.sha256,
            server_id=self.server_id if meta.transient else None,
            reservation=meta.reserved_document_id or None,
        )
        return stored, expires_at

    # --- RPCs -------------------------------------------------------------------

    async def Convert(
        self, request: pb.ConvertRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ConvertResponse]:
        options = self._options(request, context, top=True)
        doc_id = new_document_id()
        stored = await self._run(self._store_checked, request.file, doc_id)
        with self.notifier.watch(doc_id) as changed:
            # Top priority, and streamed: claimed before every other job.
            docs = await self._run(
                self.intake.create,
                [NewDocument(doc_id, stored)],
                streamed=True,
                **options,
            )
            self._ring_workers()
            yield pb.ConvertResponse(accepted=messages.document(docs[0]))
            sent = 0
            while True:
                for page in await self._run(self._pages_after, doc_id, sent):
                    sent = page.number
                    yield pb.ConvertResponse(
                        page=document_pb.Page(number=page.number, markdown=page.markdown)
                    )
                doc = await self._run(self._document, doc_id)
                if doc.state == DocumentState.COMPLETED:
                    for page in await self._run(self._pages_after, doc_id, sent):
                        sent = page.number
                        yield pb.ConvertResponse(
                            page=document_pb.Page(number=page.number, markdown=page.markdown)
                        )
                    usage = await self._run(self.store.usage.of_document, doc_id)
                    yield pb.ConvertResponse(
                        completed=pb.ConvertCompleted(
                            document=messages.document(doc), usage=messages.usage(usage)
                        )
                    )
                    return
                if doc.state == DocumentState.FAILED:
                    raise _failure(doc)
                try:
                    await asyncio.wait_for(changed.wait(), CONVERT_RECHECK_S)
                except TimeoutError:
                    pass
                changed.clear()

    async def Upload(
        self,
        request_iterator: AsyncIterator[pb.UploadRequest | memoryview],
        context: grpc.aio.ServicerContext,
    ) -> pb.UploadResponse:
        """Store a streamed file; chunks arrive as views (see ``upload_frames``)."""
        messages_in = aiter(request_iterator)  # each message read within UPLOAD_IDLE_S
        first = await anext(messages_in, None)
        if not isinstance(first, pb.UploadRequest) or first.WhichOneof("part") != "metadata":
            raise InvalidRequest("The first Upload message must carry 'metadata'.")
        meta = first.metadata
        reservation = None
        if not self._keyed(context):  # let in by a reservation's token (see Guard)
            token = dict(context.invocation_metadata() or ()).get(RESERVATION_TOKEN, "")
            if not meta.reserved_document_id or token != meta.reserved_token:
                raise ApiKeyMissing
        if meta.reserved_document_id:  # the file of a reserved document (upload-url)
            reservation = await self._run(
                self.reservations.check_put, meta.reserved_document_id, meta.reserved_token
            )
            # Said before the bytes come: a caller may wait for it, so that a refusal
            # reaches it as the refusal, not as a write cut off (grpc#36066).
            await context.send_initial_metadata(((RESERVATION_ACCEPTED, "1"),))
            meta.file_name = meta.file_name or reservation.file_name
            meta.size_bytes = meta.size_bytes or reservation.size_bytes
        declared = meta.size_bytes  # 0: not declared
        if declared > self.settings.max_file_size:
            raise FileTooLarge(limit_bytes=str(self.settings.max_file_size))
        upload_id = reservation.id if reservation is not None else new_id("upl")
        key = upload_key(upload_id)
        # Opened on the loop (a quick file create) so a cancellation cannot strand it.
        writer = self.intake.open_writer(key)
        loop = asyncio.get_running_loop()
        receiving = True

        def abandon(reason: object) -> None:
            """Drop the partial blob (the writer's lock orders this after any write)."""
            if not receiving:
                return
            log.info("upload %s abandoned after %d bytes: %r", upload_id, writer.size, reason)
            loop.run_in_executor(self.pool, writer.abort)

        def on_call_done(_: object) -> None:
            # However the call ends (cancelled, deadline, client gone), the partial blob
            # goes: a vanished client does not always wake the request iterator below.
            abandon("the call ended")

        def drop_if_stored(finished: asyncio.Future[Any]) -> None:
            if not finished.cancelled() and finished.exception() is None:
                loop.run_in_executor(self.pool, self._drop_upload, upload_id)

        context.add_done_callback(on_call_done)
        # Chunks are written on the pool while the next ones arrive (bounded).
        behind = WriteBehind(writer.write, self.pool, UPLOAD_BUFFER_BYTES, UPLOAD_BATCH_BYTES)
        received = 0
        try:
            async for message in messages_in:
                if isinstance(message, memoryview):
                    chunk: memoryview | bytes = message
                elif message.WhichOneof("part") == "chunk":
                    chunk = message.chunk
                elif message.WhichOneof("part") == "abandon":
                    raise UploadAbandoned(reason=message.abandon.reason)
                else:
                    raise InvalidRequest("Only the first Upload message may carry metadata.")
                received += len(chunk)
                if declared and received > declared:
                    raise UploadIncomplete(
                        f"The upload declared {declared} bytes and sent more; it was stopped.",
                        declared_bytes=str(declared),
                    )
                await behind.put(chunk)
            await behind.drain()
        except BaseException as exc:
            behind.discard()
            abandon(exc)
            receiving = False
            raise
        receiving = False
        # Commit and record as one unit that runs to the end even if the call is
        # cancelled now. A cancelled stream can look complete here (its end can
        # reach us before the cancellation does); the client never gets the id,
        # so the upload is dropped once it is stored.
        finishing = asyncio.ensure_future(
            self._run(self._finish_upload, writer, upload_id, meta, self._key_id(context))
        )
        try:
            stored, expires_at = await asyncio.shield(finishing)
        except asyncio.CancelledError:
            finishing.add_done_callback(drop_if_stored)
            raise
        return pb.UploadResponse(
            upload_id=upload_id,
            size_bytes=stored.size_bytes,
            sha256=stored.sha256,
            mime_type=stored.mime_type,
            expire_time=messages.timestamp(expires_at),
        )

    async def DeleteUpload(
        self, request: pb.DeleteUploadRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteUploadResponse:
        await self._run(self.intake.delete_upload, request.upload_id)
        return pb.DeleteUploadResponse()

    async def ReserveUpload(
        self, request: pb.ReserveUploadRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReserveUploadResponse:
        reservation, url, token = await self._run(
            self.reservations.reserve,
            request.file_name,
            request.size_bytes,
            request.mime_type,
            self._key_id(context),
        )
        return pb.ReserveUploadResponse(
            document_id=reservation.id,
            put_url=url,
            token=token,
            key=key_of(reservation.id),
            expire_time=messages.timestamp(reservation.expires_at),
        )

    async def CompleteUpload(
        self, request: pb.CompleteUploadRequest, context: grpc.aio.ServicerContext
    ) -> pb.CompleteUploadResponse:
        options = self._options(request, context)
        stored = await self._run(self.reservations.file_of, request.document_id)
        try:
            self.intake.check(stored)
        except IliosError:
            await self._run(self.intake.discard, stored)
            raise
        docs = await self._run(
            self.intake.create,
            [NewDocument(request.document_id, stored)],
            **options,
        )
        self._ring_workers()
        return pb.CompleteUploadResponse(document=messages.document(docs[0]))

    async def SubmitDocument(
        self, request: pb.SubmitDocumentRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitDocumentResponse:
        options = self._options(request, context)
        doc_id = new_document_id()
        stored = await self._run(self._store_checked, request.file, doc_id)
        docs = await self._run(
            self.intake.create,
            [NewDocument(doc_id, stored)],
            **options,
        )
        self._ring_workers()
        return pb.SubmitDocumentResponse(document=messages.document(docs[0]))

    async def BatchSubmit(
        self, request: pb.BatchSubmitRequest, context: grpc.aio.ServicerContext
    ) -> pb.BatchSubmitResponse:
        if not request.files:
            raise EmptyBatch
        if len(request.files) > self.settings.max_batch_files:
            raise TooManyFiles(
                f"A batch may hold at most {self.settings.max_batch_files} files "
                "(MAX_BATCH_FILES): split it into several.",
                files=str(len(request.files)),
            )
        options = self._options(request, context)
        files = list(request.files)
        n = len(files)
        doc_ids = new_ids("doc", n)  # ascending in file order: rows append to indexes
        # Threads store a share of the files each, in one hand-off per share: a
        # thread per 8 MiB of content (writes overlap), but one for small files
        # (more threads only contend for the GIL and the folder's lock).
        total = sum(len(f.content) for f in files)
        threads = max(1, min(INTAKE_CONCURRENCY, total // INTAKE_SHARE_BYTES))
        share = -(-n // threads)
        shares = await asyncio.gather(
            *(
                self._run(self._store_share, files, doc_ids, range(start, min(start + share, n)))
                for start in range(0, n, share)
            )
        )
        outcomes = [outcome for part in shares for outcome in part]
        stored = [o for o in outcomes if not isinstance(o, Exception)]
        try:
            failures = [o for o in outcomes if isinstance(o, Exception)]
            if failures:
                raise failures[0]
            # One group commit for every original written to the store (syncfs),
            # before any row refers to them; small ones go in with the rows.
            if any(new.file.inline is None for new in stored):
                await self._run(self.blobs.sync)
            batch_id = new_id("bat")
            docs = await self._run(
                self.intake.create,
                stored,
                **options,
                batch_id=batch_id,
            )
        except BaseException:
            await self._run(self._discard_all, [new.file for new in stored])
            raise
        self._ring_workers()
        batch = await self._run(self._batch, batch_id)
        return pb.BatchSubmitResponse(batch=batch, documents=[messages.document(d) for d in docs])

    async def GetDocument(
        self, request: pb.GetDocumentRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetDocumentResponse:
        doc = await self._run(self._document, request.document_id)
        return pb.GetDocumentResponse(document=messages.document(doc))

    async def GetDocumentContent(
        self, request: pb.GetDocumentContentRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetDocumentContentResponse:
        doc, markdown, usage = await self._run(self._content, request.document_id)
        return pb.GetDocumentContentResponse(
            document=messages.document(doc), markdown=markdown, usage=messages.usage(usage)
        )

    async def ReadOriginal(
        self, request: pb.ReadOriginalRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ReadOriginalResponse]:
        doc = await self._run(self._document, request.document_id)
        if doc.state == DocumentState.ARCHIVED:
            raise DocumentArchived(document_id=doc.id)
        if request.prefer_url:
            url = await self._run(self.blobs.presign, doc.blob_key, "GET", ORIGINAL_URL_TTL_S)
            if url:
                yield pb.ReadOriginalResponse(metadata=messages.document(doc), download_url=url)
                return
        stream = await self._run(self.blobs.open, doc.blob_key)
        try:
            yield pb.ReadOriginalResponse(metadata=messages.document(doc))
            reader = chunks(stream, CHUNK_BYTES)
            while block := await self._run(next, reader, b""):
                yield pb.ReadOriginalResponse(chunk=block)
        finally:
            stream.close()

    def _batch(self, batch_id: str) -> pb.Batch:
        batch = self.store.batches.get(batch_id)
        if batch is None:
            raise BatchNotFound(batch_id=batch_id)
        return messages.batch(batch)

    async def GetBatch(
        self, request: pb.GetBatchRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetBatchResponse:
        return pb.GetBatchResponse(batch=await self._run(self._batch, request.batch_id))

    async def DownloadBatch(
        self, request: pb.DownloadBatchRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.DownloadBatchResponse]:
        batch = await self._run(self._batch, request.batch_id)
        if batch.state != pb.BATCH_STATE_COMPLETED:
            raise BatchNotReady(batch_id=request.batch_id)
        after = -1
        while True:
            docs = await self._run(
                self.store.documents.of_batch, request.batch_id, after, DOWNLOAD_BATCH_ROWS
            )
            if not docs:
                return
            for doc in docs:
                after = doc.seq
                markdown = ""
                if doc.state == DocumentState.COMPLETED:
                    markdown = join_pages(await self._run(self._pages_after, doc.id, 0))
                yield pb.DownloadBatchResponse(document=messages.document(doc), markdown=markdown)

    async def ListDocuments(
        self, request: pb.ListDocumentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListDocumentsResponse:
        size = request.page_size or DEFAULT_PAGE_SIZE
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise InvalidRequest(f"page_size must be from 1 to {MAX_PAGE_SIZE}.")
        cursor_at, cursor_id = _decode_token(request.page_token)
        after_ms = (
            messages.millis(request.create_time_after, "create_time_after")
            if request.HasField("create_time_after")
            else 0
        )
        docs = await self._run(
            functools.partial(
                self.store.documents.newest,
                before=(cursor_at, cursor_id),
                batch_id=request.batch_id,
                state=messages.DOCUMENT_STATE_NAMES.get(request.state),
                created_after=after_ms,
                limit=size + 1,
            )
        )
        token = ""
        if len(docs) > size:
            docs = docs[:size]
            token = _encode_token(docs[-1].created_at, docs[-1].id)
        return pb.ListDocumentsResponse(
            documents=[messages.document(d) for d in docs], next_page_token=token
        )


def join_pages(pages: list[Page]) -> str:
    """A document's Markdown from its pages."""
    return markdown.join_pages(pages)


def _failure(doc: Document) -> IliosError:
    reason = doc.error_reason or "DOCUMENT_FAILED"
    return from_reason(reason, doc.error_message or None, document_id=doc.id)


def _encode_token(created_at: int, doc_id: str) -> str:
    raw = json.dumps([created_at, doc_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str) -> tuple[int, str]:
    """The (created_at, id) cursor of a ``page_token``; INVALID_PAGE_TOKEN unless it
    is one ``_encode_token`` could have made."""
    if not token:
        return TOKEN_START_MS, ""
    try:
        if len(token) > MAX_TOKEN_CHARS:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        created_at, doc_id = json.loads(raw)
        if type(created_at) is not int or not 0 <= created_at < TOKEN_START_MS:
            raise ValueError("created_at out of range")
        return created_at, str(doc_id)
    except (ValueError, TypeError):
        raise InvalidPageToken from None
