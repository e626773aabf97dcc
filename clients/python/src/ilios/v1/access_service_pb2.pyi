from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class GetCallerRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetCallerResponse(_message.Message):
    __slots__ = ("auth_required", "api_key_id")
    AUTH_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    API_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    auth_required: bool
    api_key_id: str
    def __init__(self, auth_required: _Optional[bool] = ..., api_key_id: _Optional[str] = ...) -> None: ...
