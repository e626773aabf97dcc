import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ilios.v1 import document_pb2 as _document_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BatchState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BATCH_STATE_UNSPECIFIED: _ClassVar[BatchState]
    BATCH_STATE_QUEUED: _ClassVar[BatchState]
    BATCH_STATE_PROCESSING: _ClassVar[BatchState]
    BATCH_STATE_COMPLETED: _ClassVar[BatchState]
BATCH_STATE_UNSPECIFIED: BatchState
BATCH_STATE_QUEUED: BatchState
BATCH_STATE_PROCESSING: BatchState
BATCH_STATE_COMPLETED: BatchState

class FileSource(_message.Message):
    __slots__ = ("content", "upload_id", "file_name")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    content: bytes
    upload_id: str
    file_name: str
    def __init__(self, content: _Optional[bytes] = ..., upload_id: _Optional[str] = ..., file_name: _Optional[str] = ...) -> None: ...

class ConvertRequest(_message.Message):
    __slots__ = ("file", "retention_days", "engine", "languages")
    FILE_FIELD_NUMBER: _ClassVar[int]
    RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    file: FileSource
    retention_days: int
    engine: _document_pb2.Engine
    languages: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, file: _Optional[_Union[FileSource, _Mapping]] = ..., retention_days: _Optional[int] = ..., engine: _Optional[_Union[_document_pb2.Engine, str]] = ..., languages: _Optional[_Iterable[str]] = ...) -> None: ...

class ConvertResponse(_message.Message):
    __slots__ = ("accepted", "page", "completed")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    accepted: _document_pb2.Document
    page: _document_pb2.Page
    completed: ConvertCompleted
    def __init__(self, accepted: _Optional[_Union[_document_pb2.Document, _Mapping]] = ..., page: _Optional[_Union[_document_pb2.Page, _Mapping]] = ..., completed: _Optional[_Union[ConvertCompleted, _Mapping]] = ...) -> None: ...

class ConvertCompleted(_message.Message):
    __slots__ = ("document", "usage")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    document: _document_pb2.Document
    usage: _document_pb2.ConversionUsage
    def __init__(self, document: _Optional[_Union[_document_pb2.Document, _Mapping]] = ..., usage: _Optional[_Union[_document_pb2.ConversionUsage, _Mapping]] = ...) -> None: ...

class UploadRequest(_message.Message):
    __slots__ = ("metadata", "chunk", "abandon")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    ABANDON_FIELD_NUMBER: _ClassVar[int]
    metadata: UploadMetadata
    chunk: bytes
    abandon: UploadAbandon
    def __init__(self, metadata: _Optional[_Union[UploadMetadata, _Mapping]] = ..., chunk: _Optional[bytes] = ..., abandon: _Optional[_Union[UploadAbandon, _Mapping]] = ...) -> None: ...

class UploadAbandon(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class DeleteUploadRequest(_message.Message):
    __slots__ = ("upload_id",)
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    def __init__(self, upload_id: _Optional[str] = ...) -> None: ...

class DeleteUploadResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UploadMetadata(_message.Message):
    __slots__ = ("file_name", "size_bytes", "sha256", "transient", "reserved_document_id", "reserved_token")
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    TRANSIENT_FIELD_NUMBER: _ClassVar[int]
    RESERVED_DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    RESERVED_TOKEN_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    size_bytes: int
    sha256: str
    transient: bool
    reserved_document_id: str
    reserved_token: str
    def __init__(self, file_name: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., transient: _Optional[bool] = ..., reserved_document_id: _Optional[str] = ..., reserved_token: _Optional[str] = ...) -> None: ...

class ReserveUploadRequest(_message.Message):
    __slots__ = ("file_name", "size_bytes", "mime_type")
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    size_bytes: int
    mime_type: str
    def __init__(self, file_name: _Optional[str] = ..., size_bytes: _Optional[int] = ..., mime_type: _Optional[str] = ...) -> None: ...

class ReserveUploadResponse(_message.Message):
    __slots__ = ("document_id", "put_url", "token", "key", "expire_time")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PUT_URL_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    put_url: str
    token: str
    key: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, document_id: _Optional[str] = ..., put_url: _Optional[str] = ..., token: _Optional[str] = ..., key: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CompleteUploadRequest(_message.Message):
    __slots__ = ("document_id", "retention_days", "priority", "engine", "languages")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    retention_days: int
    priority: int
    engine: _document_pb2.Engine
    languages: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, document_id: _Optional[str] = ..., retention_days: _Optional[int] = ..., priority: _Optional[int] = ..., engine: _Optional[_Union[_document_pb2.Engine, str]] = ..., languages: _Optional[_Iterable[str]] = ...) -> None: ...

class CompleteUploadResponse(_message.Message):
    __slots__ = ("document",)
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: _document_pb2.Document
    def __init__(self, document: _Optional[_Union[_document_pb2.Document, _Mapping]] = ...) -> None: ...

class UploadResponse(_message.Message):
    __slots__ = ("upload_id", "size_bytes", "sha256", "mime_type", "expire_time")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    size_bytes: int
    sha256: str
    mime_type: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, upload_id: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., mime_type: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BatchSubmitRequest(_message.Message):
    __slots__ = ("files", "priority", "retention_days", "engine", "languages")
    FILES_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[FileSource]
    priority: int
    retention_days: int
    engine: _document_pb2.Engine
    languages: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, files: _Optional[_Iterable[_Union[FileSource, _Mapping]]] = ..., priority: _Optional[int] = ..., retention_days: _Optional[int] = ..., engine: _Optional[_Union[_document_pb2.Engine, str]] = ..., languages: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchSubmitResponse(_message.Message):
    __slots__ = ("batch", "documents")
    BATCH_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    batch: Batch
    documents: _containers.RepeatedCompositeFieldContainer[_document_pb2.Document]
    def __init__(self, batch: _Optional[_Union[Batch, _Mapping]] = ..., documents: _Optional[_Iterable[_Union[_document_pb2.Document, _Mapping]]] = ...) -> None: ...

class Batch(_message.Message):
    __slots__ = ("id", "state", "priority", "retention_days", "progress", "create_time", "complete_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    state: BatchState
    priority: int
    retention_days: int
    progress: BatchProgress
    create_time: _timestamp_pb2.Timestamp
    complete_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., state: _Optional[_Union[BatchState, str]] = ..., priority: _Optional[int] = ..., retention_days: _Optional[int] = ..., progress: _Optional[_Union[BatchProgress, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BatchProgress(_message.Message):
    __slots__ = ("total", "pending", "processing", "completed", "failed")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    total: int
    pending: int
    processing: int
    completed: int
    failed: int
    def __init__(self, total: _Optional[int] = ..., pending: _Optional[int] = ..., processing: _Optional[int] = ..., completed: _Optional[int] = ..., failed: _Optional[int] = ...) -> None: ...

class SubmitDocumentRequest(_message.Message):
    __slots__ = ("file", "retention_days", "priority", "engine", "languages")
    FILE_FIELD_NUMBER: _ClassVar[int]
    RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    file: FileSource
    retention_days: int
    priority: int
    engine: _document_pb2.Engine
    languages: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, file: _Optional[_Union[FileSource, _Mapping]] = ..., retention_days: _Optional[int] = ..., priority: _Optional[int] = ..., engine: _Optional[_Union[_document_pb2.Engine, str]] = ..., languages: _Optional[_Iterable[str]] = ...) -> None: ...

class SubmitDocumentResponse(_message.Message):
    __slots__ = ("document",)
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: _document_pb2.Document
    def __init__(self, document: _Optional[_Union[_document_pb2.Document, _Mapping]] = ...) -> None: ...

class GetDocumentRequest(_message.Message):
    __slots__ = ("document_id",)
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    def __init__(self, document_id: _Optional[str] = ...) -> None: ...

class GetDocumentResponse(_message.Message):
    __slots__ = ("document",)
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: _document_pb2.Document
    def __init__(self, document: _Optional[_Union[_document_pb2.Document, _Mapping]] = ...) -> None: ...

class GetDocumentContentRequest(_message.Message):
    __slots__ = ("document_id",)
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    def __init__(self, document_id: _Optional[str] = ...) -> None: ...

class GetDocumentContentResponse(_message.Message):
    __slots__ = ("document", "markdown", "usage")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    MARKDOWN_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    document: _document_pb2.Document
    markdown: str
    usage: _document_pb2.ConversionUsage
    def __init__(self, document: _Optional[_Union[_document_pb2.Document, _Mapping]] = ..., markdown: _Optional[str] = ..., usage: _Optional[_Union[_document_pb2.ConversionUsage, _Mapping]] = ...) -> None: ...

class ReadOriginalRequest(_message.Message):
    __slots__ = ("document_id", "prefer_url")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PREFER_URL_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    prefer_url: bool
    def __init__(self, document_id: _Optional[str] = ..., prefer_url: _Optional[bool] = ...) -> None: ...

class ReadOriginalResponse(_message.Message):
    __slots__ = ("metadata", "chunk", "download_url")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_URL_FIELD_NUMBER: _ClassVar[int]
    metadata: _document_pb2.Document
    chunk: bytes
    download_url: str
    def __init__(self, metadata: _Optional[_Union[_document_pb2.Document, _Mapping]] = ..., chunk: _Optional[bytes] = ..., download_url: _Optional[str] = ...) -> None: ...

class GetBatchRequest(_message.Message):
    __slots__ = ("batch_id",)
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    def __init__(self, batch_id: _Optional[str] = ...) -> None: ...

class GetBatchResponse(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: Batch
    def __init__(self, batch: _Optional[_Union[Batch, _Mapping]] = ...) -> None: ...

class DownloadBatchRequest(_message.Message):
    __slots__ = ("batch_id",)
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    def __init__(self, batch_id: _Optional[str] = ...) -> None: ...

class DownloadBatchResponse(_message.Message):
    __slots__ = ("document", "markdown")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    MARKDOWN_FIELD_NUMBER: _ClassVar[int]
    document: _document_pb2.Document
    markdown: str
    def __init__(self, document: _Optional[_Union[_document_pb2.Document, _Mapping]] = ..., markdown: _Optional[str] = ...) -> None: ...

class ListDocumentsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "batch_id", "state", "create_time_after")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_AFTER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    batch_id: str
    state: _document_pb2.DocumentState
    create_time_after: _timestamp_pb2.Timestamp
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., batch_id: _Optional[str] = ..., state: _Optional[_Union[_document_pb2.DocumentState, str]] = ..., create_time_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDocumentsResponse(_message.Message):
    __slots__ = ("documents", "next_page_token")
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    documents: _containers.RepeatedCompositeFieldContainer[_document_pb2.Document]
    next_page_token: str
    def __init__(self, documents: _Optional[_Iterable[_Union[_document_pb2.Document, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
