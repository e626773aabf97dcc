"""What the REST routes share: the gRPC stub, auth, parameters and JSON shapes.

The JSON field names are those of the original Ilios API (camelCase), so old
REST integrations keep working.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from ilios import config, errors
from ilios.gateway.shapes import ErrorBody
from ilios.limits import (
    DEFAULT_PRIORITY,
    LANGUAGE_CODE,
    MAX_LANGUAGES,
    MAX_PRIORITY,
    MAX_RETENTION_DAYS,
    MIN_PRIORITY,
    MIN_RETENTION_DAYS,
)
from ilios.v1 import conversion_service_pb2_grpc as pb_grpc

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
    """retentionDays (``MIN_RETENTION_DAYS``-``MAX_RETENTION_DAYS``); absent means
    the server default (0 on the wire)."""
    if raw is None or raw == "":
        return 0
    return _whole(raw, errors.InvalidRetention, MIN_RETENTION_DAYS, MAX_RETENTION_DAYS)


def priority(raw: str | None) -> int:
    """priority (``MIN_PRIORITY``-``MAX_PRIORITY``); absent means the default (0 on the wire)."""
    if raw is None or raw == "":
        return 0
    return _whole(raw, errors.InvalidPriority, MIN_PRIORITY, MAX_PRIORITY)


def languages(raw: str | None) -> list[str]:
    """``languages=eng,deu`` (OCR model codes); absent means the server's default."""
    codes = [code.strip() for code in (raw or "").split(",") if code.strip()]
    pattern = re.compile(LANGUAGE_CODE)
    if len(codes) > MAX_LANGUAGES or not all(pattern.fullmatch(code) for code in codes):
        raise errors.InvalidLanguages(
            f"languages must be at most {MAX_LANGUAGES} OCR model codes separated by commas, "
            "such as eng,deu or jpn.",
            languages=(raw or "")[:200],
        )
    return codes


def output_format(raw: str | None, allowed: tuple[str, ...] = FORMATS) -> str:
    value = (raw or allowed[0]).lower()
    if value not in allowed:
        names = " or ".join(repr(a) for a in allowed)
        raise errors.InvalidFormat(f"format must be {names}.", value=value)
    return value


def flag(raw: str, name: str) -> bool:
    """A boolean parameter: ``true``/``1``/``yes`` or ``false``/``0``/``no`` (or empty)."""
    value = raw.strip().lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise errors.InvalidRequest(f"{name} must be true or false.", **{name: raw})


# --- answers -------------------------------------------------------------------------


def json(shape: BaseModel, status_code: int = 200) -> Response:
    """A shape (``shapes``) as the JSON answer, every key kept (``null`` included)."""
    return Response(shape.model_dump_json(), status_code=status_code, media_type="application/json")


def error_response(
    error: errors.IliosError, status: int | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"error": error.message, "reason": error.reason}
    if error.details:
        body["details"] = error.details
    return JSONResponse(body, status_code=status or error.http_status, headers=headers)


_STATUS_TEXT = {
    400: "A parameter or the body is not valid.",
    401: "No API key, or a wrong one (checked before anything else).",
    404: "No such document, batch or upload.",
    408: "The request stopped arriving.",
    409: "Not ready yet.",
    410: "Past its retention: archived.",
    413: "Too large, or too many files.",
    415: "Not a type this service converts.",
    422: "The document cannot be converted.",
    500: "The conversion failed, or a bug.",
    503: "A dependency is unavailable: try again.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI for a route's errors: the shared shape, and the reasons each status carries."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        reasons = sorted({c.reason for c in errors.all_classes() if c.http_status == status})
        out[status] = {
            "model": ErrorBody,
            "description": f"{_STATUS_TEXT.get(status, '')} Reasons: {', '.join(reasons)}.",
        }
    return out


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
LANGUAGES = {
    "type": "string",
    "description": "OCR languages, model codes separated by commas (eng,deu; frk for Fraktur).",
    "example": "eng,deu",
}
RETENTION = {"type": "integer", "minimum": MIN_RETENTION_DAYS, "maximum": MAX_RETENTION_DAYS}
PRIORITY = {
    "type": "integer",
    "minimum": MIN_PRIORITY,
    "maximum": MAX_PRIORITY,
    "default": DEFAULT_PRIORITY,
}
