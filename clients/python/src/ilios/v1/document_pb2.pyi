import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DocumentState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_STATE_UNSPECIFIED: _ClassVar[DocumentState]
    DOCUMENT_STATE_PENDING: _ClassVar[DocumentState]
    DOCUMENT_STATE_PROCESSING: _ClassVar[DocumentState]
    DOCUMENT_STATE_COMPLETED: _ClassVar[DocumentState]
    DOCUMENT_STATE_FAILED: _ClassVar[DocumentState]
    DOCUMENT_STATE_ARCHIVED: _ClassVar[DocumentState]

class JobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_STATE_UNSPECIFIED: _ClassVar[JobState]
    JOB_STATE_PENDING: _ClassVar[JobState]
    JOB_STATE_PROCESSING: _ClassVar[JobState]
    JOB_STATE_COMPLETED: _ClassVar[JobState]
    JOB_STATE_FAILED: _ClassVar[JobState]
    JOB_STATE_RETRYING: _ClassVar[JobState]

class Engine(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENGINE_UNSPECIFIED: _ClassVar[Engine]
    ENGINE_LOCAL: _ClassVar[Engine]
    ENGINE_MISTRAL: _ClassVar[Engine]
DOCUMENT_STATE_UNSPECIFIED: DocumentState
DOCUMENT_STATE_PENDING: DocumentState
DOCUMENT_STATE_PROCESSING: DocumentState
DOCUMENT_STATE_COMPLETED: DocumentState
DOCUMENT_STATE_FAILED: DocumentState
DOCUMENT_STATE_ARCHIVED: DocumentState
JOB_STATE_UNSPECIFIED: JobState
JOB_STATE_PENDING: JobState
JOB_STATE_PROCESSING: JobState
JOB_STATE_COMPLETED: JobState
JOB_STATE_FAILED: JobState
JOB_STATE_RETRYING: JobState
ENGINE_UNSPECIFIED: Engine
ENGINE_LOCAL: Engine
ENGINE_MISTRAL: Engine

class Document(_message.Message):
    __slots__ = ("id", "batch_id", "file_name", "mime_type", "size_bytes", "sha256", "state", "error", "retention_days", "engine", "model", "page_count", "processing_time_ms", "attempts", "create_time", "process_time", "archive_time", "job_state", "languages")
    ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PROCESS_TIME_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    JOB_STATE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    id: str
    batch_id: str
    file_name: str
    mime_type: str
    size_bytes: int
    sha256: str
    state: DocumentState
    error: DocumentError
    retention_days: int
    engine: Engine
    model: str
    page_count: int
    processing_time_ms: int
    attempts: int
    create_time: _timestamp_pb2.Timestamp
    process_time: _timestamp_pb2.Timestamp
    archive_time: _timestamp_pb2.Timestamp
    job_state: JobState
    languages: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., batch_id: _Optional[str] = ..., file_name: _Optional[str] = ..., mime_type: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., state: _Optional[_Union[DocumentState, str]] = ..., error: _Optional[_Union[DocumentError, _Mapping]] = ..., retention_days: _Optional[int] = ..., engine: _Optional[_Union[Engine, str]] = ..., model: _Optional[str] = ..., page_count: _Optional[int] = ..., processing_time_ms: _Optional[int] = ..., attempts: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., process_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., archive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., job_state: _Optional[_Union[JobState, str]] = ..., languages: _Optional[_Iterable[str]] = ...) -> None: ...

class DocumentError(_message.Message):
    __slots__ = ("reason", "message")
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    reason: str
    message: str
    def __init__(self, reason: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class Page(_message.Message):
    __slots__ = ("number", "markdown")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    MARKDOWN_FIELD_NUMBER: _ClassVar[int]
    number: int
    markdown: str
    def __init__(self, number: _Optional[int] = ..., markdown: _Optional[str] = ...) -> None: ...

class ConversionUsage(_message.Message):
    __slots__ = ("pages", "input_tokens", "output_tokens", "total_tokens", "total_cost_micros")
    PAGES_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COST_MICROS_FIELD_NUMBER: _ClassVar[int]
    pages: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    total_cost_micros: int
    def __init__(self, pages: _Optional[int] = ..., input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ..., total_tokens: _Optional[int] = ..., total_cost_micros: _Optional[int] = ...) -> None: ...
