import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ilios.v1 import document_pb2 as _document_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetUsageSummaryRequest(_message.Message):
    __slots__ = ("start_time", "end_time")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetUsageSummaryResponse(_message.Message):
    __slots__ = ("totals",)
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    totals: UsageTotals
    def __init__(self, totals: _Optional[_Union[UsageTotals, _Mapping]] = ...) -> None: ...

class UsageTotals(_message.Message):
    __slots__ = ("documents", "operations", "pages", "input_tokens", "output_tokens", "base_cost_micros", "total_cost_micros")
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    PAGES_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    BASE_COST_MICROS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COST_MICROS_FIELD_NUMBER: _ClassVar[int]
    documents: int
    operations: int
    pages: int
    input_tokens: int
    output_tokens: int
    base_cost_micros: int
    total_cost_micros: int
    def __init__(self, documents: _Optional[int] = ..., operations: _Optional[int] = ..., pages: _Optional[int] = ..., input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ..., base_cost_micros: _Optional[int] = ..., total_cost_micros: _Optional[int] = ...) -> None: ...

class GetUsageBreakdownRequest(_message.Message):
    __slots__ = ("start_time", "end_time")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetUsageBreakdownResponse(_message.Message):
    __slots__ = ("buckets",)
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    buckets: _containers.RepeatedCompositeFieldContainer[UsageBucket]
    def __init__(self, buckets: _Optional[_Iterable[_Union[UsageBucket, _Mapping]]] = ...) -> None: ...

class UsageBucket(_message.Message):
    __slots__ = ("day", "engine", "api_key_id", "totals", "operation")
    DAY_FIELD_NUMBER: _ClassVar[int]
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    API_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    day: str
    engine: _document_pb2.Engine
    api_key_id: str
    totals: UsageTotals
    operation: str
    def __init__(self, day: _Optional[str] = ..., engine: _Optional[_Union[_document_pb2.Engine, str]] = ..., api_key_id: _Optional[str] = ..., totals: _Optional[_Union[UsageTotals, _Mapping]] = ..., operation: _Optional[str] = ...) -> None: ...
