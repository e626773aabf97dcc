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
from ilios.limits import (
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
# Each parser takes what the request sent (None: not sent) and accepts exactly what
# the OpenAPI document (``openapi``) declares, so that a client built from the
# document and the service agree.


def query(request: Request, name: str) -> str | None:
    """A query parameter; an empty value (``?name=``) is the parameter left out, as
    the document says (``allowEmptyValue``). Sent twice: DUPLICATE_FIELD."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise errors.DuplicateField(
            f"The query sends {name!r} {len(values)} times: send it once.", field=name
        )
    return values[0] if values and values[0] else None


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
    if raw is None:
        return 0
    return _whole(raw, errors.InvalidRetention, MIN_RETENTION_DAYS, MAX_RETENTION_DAYS)


def priority(raw: str | None) -> int:
    """priority (``MIN_PRIORITY``-``MAX_PRIORITY``); absent means the default (0 on the wire)."""
    return 0 if raw is None else _whole(raw, errors.InvalidPriority, MIN_PRIORITY, MAX_PRIORITY)


def languages(raw: str | None) -> list[str]:
    """``languages=eng,deu`` (OCR model codes); absent means the server's default."""
    if raw is None:
        return []
    codes = [code.strip(" ") for code in raw.split(",")]
    pattern = re.compile(LANGUAGE_CODE)
    if len(codes) > MAX_LANGUAGES or not all(pattern.fullmatch(code) for code in codes):
        raise errors.InvalidLanguages(
            f"languages must be at most {MAX_LANGUAGES} OCR model codes separated by commas, "
            "such as eng,deu or jpn.",
            languages=raw[:200],
        )
    return codes


def output_format(raw: str | None, allowed: tuple[str, ...] = FORMATS) -> str:
    """One of ``allowed`` as spelled there; absent means the first."""
    value = allowed[0] if raw is None else raw
    if value not in allowed:
        names = " or ".join(repr(a) for a in allowed)
        raise errors.InvalidFormat(f"format must be {names}.", value=value)
    return value


def flag(raw: str | None, name: str) -> bool:
    """A boolean parameter: ``true`` or ``false`` (absent: false), as JSON spells them."""
    if raw is None or raw == "false":
        return False
    if raw == "true":
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
