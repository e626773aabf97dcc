"""The one error tree of Ilios.

Every failure the service reports is an ``IliosError``. Each class carries a
stable ``reason`` (UPPER_SNAKE, never renamed once shipped), the gRPC status
code, and the HTTP status the REST gateway answers with. A class docstring is
its default message; context travels as attributes (``details``), not inside
formatted strings.

    IliosError                      INTERNAL             500
    ├── ConfigError                                           (start-up: a setting is unusable)
    │   ├── StorageMisconfigured
    │   ├── SharedStorageRequired                             (DATABASE_URL with node-local blobs)
    │   └── DatabaseSchemaTooNew                              (a newer Ilios migrated the database)
    ├── InvalidRequest              INVALID_ARGUMENT     400
    │   ├── EmptyFile
    │   ├── MissingFile
    │   ├── MalformedMessage                                  (not a valid protobuf message)
    │   ├── UnknownField                                      (a form part the route does not take)
    │   ├── DuplicateField
    │   ├── TooManyFiles                                 413  (MAX_BATCH_FILES, or one-file routes)
    │   ├── InvalidRetention
    │   ├── InvalidLanguages
    │   ├── InvalidPriority
    │   ├── InvalidFormat
    │   ├── InvalidPageToken
    │   ├── InvalidDate
    │   ├── EmptyBatch
    │   ├── EngineNotConfigured
    │   └── UploadIncomplete
    ├── MethodNotFound              UNIMPLEMENTED        404
    │   ├── RouteNotFound                                     (REST: no such path)
    │   └── MethodNotAllowed                             405  (REST: the path takes other methods)
    ├── Unauthenticated             UNAUTHENTICATED      401
    │   ├── ApiKeyMissing
    │   └── ApiKeyInvalid
    ├── NotFound                    NOT_FOUND            404
    │   ├── DocumentNotFound
    │   ├── BatchNotFound
    │   └── UploadNotFound
    ├── NotReady                    FAILED_PRECONDITION  409
    │   ├── DocumentNotReady
    │   ├── BatchNotReady
    │   └── UploadNotSent
    ├── DocumentArchived            FAILED_PRECONDITION  410
    ├── FileTooLarge                RESOURCE_EXHAUSTED   413
    │   └── MessageTooLarge                                   (a gRPC message over MAX_MESSAGE_SIZE)
    ├── HeadersTooLarge             RESOURCE_EXHAUSTED   431  (a REST request's header section)
    ├── RequestTimeout              DEADLINE_EXCEEDED    408  (a request that stopped sending)
    ├── UploadAbandoned             CANCELLED            499  (the client gave the upload up)
    ├── ConversionFailed            INVALID_ARGUMENT     422  (permanent: no retry)
    │   ├── UnsupportedFileType                          415
    │   ├── CorruptFile
    │   ├── PdfEncrypted
    │   ├── TooManyPages
    │   ├── EngineRejected
    │   ├── PageTimeout                                       (a page outran PAGE_TIMEOUT_S)
    │   ├── MemoryLimit                                       (over ENGINE_MEMORY_MB)
    │   ├── EngineCrashed                                     (the engine process died)
    │   └── EngineAuthFailed
    ├── DocumentFailed              ABORTED              500  (a job spent its attempts)
    │   └── WorkerLost
    └── TransientError              UNAVAILABLE          503  (retried with backoff)
        ├── ServiceUnavailable                                (the gRPC server cannot be reached)
        ├── EngineUnavailable
        ├── StorageUnavailable
        ├── DatabaseBusy
        └── DatabaseUnavailable                               (PostgreSQL cannot be reached)
"""

from __future__ import annotations

from typing import ClassVar

import grpc

# What an error echoes of its request is bounded, so that an error always fits
# in gRPC's trailers (8 KiB by default in most clients; the message is sent
# twice, once base64-encoded, with the details) and in a log line.
MAX_MESSAGE_CHARS = 1000
MAX_DETAIL_KEY_CHARS = 64
MAX_DETAIL_CHARS = 400
MAX_DETAILS = 8


class IliosError(Exception):
    """Internal error: the service failed in an unexpected way."""

    reason: ClassVar[str] = "INTERNAL"
    grpc_code: ClassVar[grpc.StatusCode] = grpc.StatusCode.INTERNAL
    http_status: ClassVar[int] = 500
    retryable: ClassVar[bool] = False

    def __init__(self, message: str | None = None, **details: str) -> None:
        self.message = _bounded(message or (self.__doc__ or self.reason).strip(), MAX_MESSAGE_CHARS)
        self.details = {
            k[:MAX_DETAIL_KEY_CHARS]: _bounded(str(v), MAX_DETAIL_CHARS)
            for k, v in list(details.items())[:MAX_DETAILS]
        }
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, {self.details!r})"


def _bounded(text: str, limit: int) -> str:
    """``text``, cut to ``limit`` characters (marked with an ellipsis) if longer."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


# --- start-up ----------------------------------------------------------------


class ConfigError(IliosError):
    """A setting has a value the service cannot use."""

    reason = "INVALID_CONFIG"


class StorageMisconfigured(ConfigError):
    """The blob store cannot be used: check S3_BUCKET, the endpoint and the credentials."""

    reason = "STORAGE_MISCONFIGURED"


class SharedStorageRequired(ConfigError):
    """With DATABASE_URL set, nodes may run on many hosts, and each must read the
    others' files: set S3_BUCKET, or point BLOB_DIR at a filesystem every node
    mounts and set BLOB_DIR_SHARED=true."""

    reason = "SHARED_STORAGE_REQUIRED"


class DatabaseSchemaTooNew(ConfigError):
    """The database was migrated by a newer Ilios than this one: upgrade this node."""

    reason = "DATABASE_SCHEMA_TOO_NEW"


# --- 400 ------------------------------------------------------------------


class InvalidRequest(IliosError):
    """The request is malformed."""

    reason = "INVALID_REQUEST"
    grpc_code = grpc.StatusCode.INVALID_ARGUMENT
    http_status = 400


class EmptyFile(InvalidRequest):
    """The file is empty: send a document with content."""

    reason = "EMPTY_FILE"


class MissingFile(InvalidRequest):
    """No file was sent: attach the document as the multipart field 'file'."""

    reason = "MISSING_FILE"


class MalformedMessage(InvalidRequest):
    """The request is not a valid message of its method's type."""

    reason = "MALFORMED_MESSAGE"


class UnknownField(InvalidRequest):
    """The form has a field this endpoint does not take."""

    reason = "UNKNOWN_FIELD"


class DuplicateField(InvalidRequest):
    """The form sends a field twice: send each field once."""

    reason = "DUPLICATE_FIELD"


class TooManyFiles(InvalidRequest):
    """The request carries more files than this endpoint takes."""

    reason = "TOO_MANY_FILES"
    http_status = 413


class InvalidRetention(InvalidRequest):
    """retentionDays must be a whole number from 1 to 3650."""

    reason = "INVALID_RETENTION_DAYS"


class InvalidLanguages(InvalidRequest):
    """languages must be OCR model codes such as eng, deu, frk, ara or jpn."""

    reason = "INVALID_LANGUAGES"


class InvalidPriority(InvalidRequest):
    """priority must be a whole number from 1 to 10."""

    reason = "INVALID_PRIORITY"


class InvalidFormat(InvalidRequest):
    """format must be one of the values this endpoint lists."""

    reason = "INVALID_FORMAT"


class InvalidPageToken(InvalidRequest):
    """page_token is not one this service issued: start again without it."""

    reason = "INVALID_PAGE_TOKEN"


class InvalidDate(InvalidRequest):
    """Dates must be ISO 8601 (e.g. 2024-01-31T00:00:00Z) with start before end."""

    reason = "INVALID_DATE"


class EmptyBatch(InvalidRequest):
    """A batch needs at least one file."""

    reason = "EMPTY_BATCH"


class EngineNotConfigured(InvalidRequest):
    """The requested engine is not configured on this server."""

    reason = "ENGINE_NOT_CONFIGURED"


class UploadIncomplete(InvalidRequest):
    """The upload ended before its declared size, or its sha256 does not match."""

    reason = "UPLOAD_INCOMPLETE"


# --- 401 / 404 ---


class MethodNotFound(IliosError):
    """This service has no such method: list them with grpcurl's 'list' (reflection)."""

    reason = "METHOD_NOT_FOUND"
    grpc_code = grpc.StatusCode.UNIMPLEMENTED
    http_status = 404


class RouteNotFound(MethodNotFound):
    """No such path: see /docs for the REST API."""

    reason = "ROUTE_NOT_FOUND"


class MethodNotAllowed(MethodNotFound):
    """The path does not take this HTTP method."""

    reason = "METHOD_NOT_ALLOWED"
    http_status = 405


class Unauthenticated(IliosError):
    """An API key is required."""

    reason = "UNAUTHENTICATED"
    grpc_code = grpc.StatusCode.UNAUTHENTICATED
    http_status = 401


class ApiKeyMissing(Unauthenticated):
    """An API key is required: send 'Authorization: Bearer <key>' (or ?apiKey=)."""

    reason = "API_KEY_MISSING"


class ApiKeyInvalid(Unauthenticated):
    """The API key is not valid: check the key you configured."""

    reason = "API_KEY_INVALID"


# --- 404 ------------------------------------------------------------------


class NotFound(IliosError):
    """No such resource."""

    reason = "NOT_FOUND"
    grpc_code = grpc.StatusCode.NOT_FOUND
    http_status = 404


class DocumentNotFound(NotFound):
    """No document has this id."""

    reason = "DOCUMENT_NOT_FOUND"


class BatchNotFound(NotFound):
    """No batch has this id."""

    reason = "BATCH_NOT_FOUND"


class UploadNotFound(NotFound):
    """No completed upload has this id (uploads are used once and expire)."""

    reason = "UPLOAD_NOT_FOUND"


# --- 409 / 410 / 413 --------------------------------------------------------


class NotReady(IliosError):
    """The resource is still being processed: try again later."""

    reason = "NOT_READY"
    grpc_code = grpc.StatusCode.FAILED_PRECONDITION
    http_status = 409


class DocumentNotReady(NotReady):
    """The document is still being converted: poll its status and try again."""

    reason = "DOCUMENT_NOT_READY"


class BatchNotReady(NotReady):
    """The batch is still being processed: poll its status and try again."""

    reason = "BATCH_NOT_READY"


class UploadNotSent(NotReady):
    """A reserved document was completed before its file was sent: PUT the file to
    its upload URL, then complete it."""

    reason = "UPLOAD_NOT_SENT"


class DocumentArchived(IliosError):
    """The document passed its retention period and was archived."""

    reason = "DOCUMENT_ARCHIVED"
    grpc_code = grpc.StatusCode.FAILED_PRECONDITION
    http_status = 410


class FileTooLarge(IliosError):
    """The file is larger than this service accepts (MAX_FILE_SIZE)."""

    reason = "FILE_TOO_LARGE"
    grpc_code = grpc.StatusCode.RESOURCE_EXHAUSTED
    http_status = 413


class MessageTooLarge(FileTooLarge):
    """The request message is larger than this service reads (MAX_MESSAGE_SIZE): send
    large files with the Upload call, then refer to them by upload_id."""

    reason = "MESSAGE_TOO_LARGE"


class HeadersTooLarge(IliosError):
    """The request's header section is too large: send a smaller request."""

    reason = "HEADERS_TOO_LARGE"
    grpc_code = grpc.StatusCode.RESOURCE_EXHAUSTED
    http_status = 431


class RequestTimeout(IliosError):
    """The request stopped arriving before it was complete; it was dropped."""

    reason = "REQUEST_TIMEOUT"
    grpc_code = grpc.StatusCode.DEADLINE_EXCEEDED
    http_status = 408


# --- conversion -------------------------------------------------------------


class UploadAbandoned(IliosError):
    """The client gave the upload up: nothing it sent was kept."""

    reason = "UPLOAD_ABANDONED"
    grpc_code = grpc.StatusCode.CANCELLED
    http_status = 499  # client closed request


class ConversionFailed(IliosError):
    """The document could not be converted."""

    reason = "CONVERSION_FAILED"
    grpc_code = grpc.StatusCode.INVALID_ARGUMENT
    http_status = 422


class UnsupportedFileType(ConversionFailed):
    """This file type is not supported: send a PDF, an image, an Office file, HTML or text."""

    reason = "UNSUPPORTED_FILE_TYPE"
    http_status = 415


class CorruptFile(ConversionFailed):
    """The file is damaged or truncated and cannot be read."""

    reason = "CORRUPT_FILE"


class PdfEncrypted(ConversionFailed):
    """The PDF is encrypted with a password: send an unencrypted copy."""

    reason = "PDF_ENCRYPTED"


class TooManyPages(ConversionFailed):
    """The document has more pages than this service converts (MAX_PAGES)."""

    reason = "TOO_MANY_PAGES"


class EngineRejected(ConversionFailed):
    """The OCR engine rejected the document."""

    reason = "ENGINE_REJECTED"


class PageTimeout(ConversionFailed):
    """A page took longer to convert than this service allows (PAGE_TIMEOUT_S)."""

    reason = "PAGE_TIMEOUT"


class MemoryLimit(ConversionFailed):
    """Converting the document needed more memory than this service allows (ENGINE_MEMORY_MB)."""

    reason = "MEMORY_LIMIT"


class EngineCrashed(ConversionFailed):
    """The conversion engine crashed on this document."""

    reason = "ENGINE_CRASHED"


class EngineAuthFailed(ConversionFailed):
    """The OCR engine refused this server's credentials (e.g. MISTRAL_API_KEY)."""

    reason = "ENGINE_AUTH_FAILED"


class DocumentFailed(IliosError):
    """The conversion failed after all its attempts."""

    reason = "DOCUMENT_FAILED"
    grpc_code = grpc.StatusCode.ABORTED
    http_status = 500


class WorkerLost(DocumentFailed):
    """The worker converting this document stopped on its last attempt."""

    reason = "WORKER_LOST"


# --- transient ---------------------------------------------------------------


class TransientError(IliosError):
    """A dependency is temporarily unavailable: the work is retried."""

    reason = "UNAVAILABLE"
    grpc_code = grpc.StatusCode.UNAVAILABLE
    http_status = 503
    retryable = True


class ServiceUnavailable(TransientError):
    """The conversion service cannot be reached right now: try again shortly."""

    reason = "SERVICE_UNAVAILABLE"


class EngineUnavailable(TransientError):
    """The OCR engine is temporarily unavailable."""

    reason = "ENGINE_UNAVAILABLE"


class StorageUnavailable(TransientError):
    """The blob store is temporarily unavailable."""

    reason = "STORAGE_UNAVAILABLE"


class DatabaseBusy(TransientError):
    """The database stayed locked past its busy timeout."""

    reason = "DATABASE_BUSY"


class DatabaseUnavailable(TransientError):
    """The database cannot be reached right now (restarting, failing over): try again shortly."""

    reason = "DATABASE_UNAVAILABLE"


def _walk(cls: type[IliosError]) -> list[type[IliosError]]:
    out = [cls]
    for sub in cls.__subclasses__():
        out.extend(_walk(sub))
    return out


def all_classes() -> list[type[IliosError]]:
    """Every class in the tree (including subclasses defined by importers)."""
    return _walk(IliosError)


def from_reason(reason: str, message: str | None = None, **details: str) -> IliosError:
    """Rebuild the error a ``reason`` names (unknown reasons become ``IliosError``)."""
    classes = {c.reason: c for c in all_classes()}  # at call time: sees every subclass
    return classes.get(reason, IliosError)(message, **details)


ERROR_DOMAIN = "ilios.dev"


def to_status(error: IliosError) -> grpc.Status:
    """The gRPC status for ``error``: its code, message and one ``ErrorInfo``."""
    from google.protobuf import any_pb2
    from google.rpc import error_details_pb2, status_pb2
    from grpc_status import rpc_status

    info = error_details_pb2.ErrorInfo(
        reason=error.reason, domain=ERROR_DOMAIN, metadata=error.details
    )
    detail = any_pb2.Any()
    detail.Pack(info)
    status = status_pb2.Status(
        code=error.grpc_code.value[0], message=error.message, details=[detail]
    )
    return rpc_status.to_status(status)


CORE_WRITE_FAILED = "Internal error from Core"


def from_rpc_error(error: grpc.RpcError, keep_message: bool = True) -> IliosError:
    """The ``IliosError`` a failed call carries (the inverse of ``to_status``).

    A status without ``ErrorInfo`` comes from gRPC itself, not from the service
    (the server is down, a deadline passed, a message was over the size limit,
    a proxy answered): it becomes the nearest class for its gRPC code, with the
    transport's own message, or the class's default one if not ``keep_message``
    (the transport's message names internal addresses).
    """
    from google.rpc import error_details_pb2, status_pb2

    trailing = error.trailing_metadata() or ()
    code = error.code()
    message = error.details() or ""
    for key, value in trailing:
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return from_reason(info.reason, message, **dict(info.metadata))
    by_code: dict[grpc.StatusCode, type[IliosError]] = {
        grpc.StatusCode.UNAVAILABLE: ServiceUnavailable,
        grpc.StatusCode.DEADLINE_EXCEEDED: TransientError,
        grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
        grpc.StatusCode.NOT_FOUND: NotFound,
        grpc.StatusCode.INVALID_ARGUMENT: InvalidRequest,
        grpc.StatusCode.RESOURCE_EXHAUSTED: MessageTooLarge,
        grpc.StatusCode.UNIMPLEMENTED: MethodNotFound,
    }
    cls = by_code.get(code, IliosError)
    if code == grpc.StatusCode.INTERNAL and message == CORE_WRITE_FAILED:
        # grpcio's asyncio client reports a write to a call that has ended (its
        # server died, or closed it) as this, in place of the call's own status
        # (grpc/grpc#36066): the call broke while sending, and may be retried.
        cls = ServiceUnavailable
    return cls(message if keep_message and message else None, grpc_code=code.name)
