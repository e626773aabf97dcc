"""What the REST routes share: the gRPC stub, auth, parameters and JSON shapes.

The JSON field names are those of the original Ilios API (camelCase), so old
REST integrations keep working.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from google.protobuf.timestamp_pb2 import Timestamp

from ilios import config, errors
from ilios.server import messages
from ilios.v1 import conversion_service_pb2_grpc as pb_grpc
from ilios.v1 import document_pb2 as document_pb

FORMATS = ("markdown", "json")
MARKDOWN = "text/markdown; charset=utf-8"


def stub(request: Request) -> pb_grpc.ConversionServiceStub:
    """The app's ConversionService stub (one channel per gateway process)."""
    conversion: pb_grpc.ConversionServiceStub = request.app.state.conversion
    return conversion


def settings(request: Request) -> config.Settings:
    current: config.Settings = request.app.state.settings
    return current


def auth(request: Request) -> list[tuple[str, str]]:
    """gRPC metadata carrying the caller's key, as checked by ``authentication``."""
    metadata: list[tuple[str, str]] = request.state.grpc_metadata
    return metadata


# --- parameters ------------------------------------------------------------------


def _whole(raw: str, error: type[errors.IliosError], lo: int, hi: int) -> int:
    """Plain ASCII digits only: Python's ``int()`` also takes ``1_0``, ``+5``,
    surrounding blanks and other scripts' digits, which no client means."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        raise error(value=raw)
    value = int(raw)
    if not lo <= value <= hi:
        raise error(value=raw)
    return value


def retention_days(raw: str | None) -> int:
    """retentionDays (1-3650); absent means the server default (0 on the wire)."""
    return 0 if raw is None or raw == "" else _whole(raw, errors.InvalidRetention, 1, 3650)


def priority(raw: str | None) -> int:
    """priority (1-10); absent means the default (0 on the wire)."""
    return 0 if raw is None or raw == "" else _whole(raw, errors.InvalidPriority, 1, 10)


def output_format(raw: str | None, allowed: tuple[str, ...] = FORMATS) -> str:
    value = (raw or allowed[0]).lower()
    if value not in allowed:
        names = " or ".join(repr(a) for a in allowed)
        raise errors.InvalidFormat(f"format must be {names}.", value=value)
    return value


# --- shapes ------------------------------------------------------------------------


def iso(ts: Timestamp) -> str | None:
    """ISO 8601 UTC with milliseconds, as the original API wrote dates; None if unset."""
    if not ts.seconds and not ts.nanos:
        return None
    return ts.ToDatetime().isoformat(timespec="milliseconds") + "Z"


def state_name(doc: document_pb.Document) -> str:
    return messages.DOCUMENT_STATE_NAMES.get(doc.state, "unknown")


def document_metadata(doc: document_pb.Document) -> dict[str, Any]:
    return {
        "pages": doc.page_count,
        "processingTimeMs": doc.processing_time_ms,
        "model": doc.model,
        "engine": messages.ENGINE_NAMES.get(doc.engine, ""),
        "fileName": doc.file_name,
        "fileSize": doc.size_bytes,
        "mimeType": doc.mime_type,
    }


def document_status(doc: document_pb.Document) -> dict[str, Any]:
    body: dict[str, Any] = {"id": doc.id, "status": state_name(doc), "fileName": doc.file_name}
    if doc.state == document_pb.DOCUMENT_STATE_COMPLETED:
        body["metadata"] = document_metadata(doc)
    if doc.error.reason:
        body["error"] = doc.error.message
        body["reason"] = doc.error.reason
    return body


def error_response(error: errors.IliosError, status: int | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": error.message, "reason": error.reason}
    if error.details:
        body["details"] = error.details
    return JSONResponse(body, status_code=status or error.http_status)


def form_schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """OpenAPI for a multipart body that the route parses itself (streamed)."""
    schema = {"type": "object", "properties": properties, "required": required}
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }


FILE = {"type": "string", "format": "binary"}
RETENTION = {"type": "integer", "minimum": 1, "maximum": 3650}
PRIORITY = {"type": "integer", "minimum": 1, "maximum": 10, "default": 5}
