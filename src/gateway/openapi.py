"""The OpenAPI document (``/openapi.json``), true to what the gateway answers.

Routes declare their parameters, bodies and answers with the helpers here:
``multipart`` bodies (files as ``format: binary``, so Swagger UI offers a file
picker), ``parameter`` objects with the values the parsers in ``rest`` accept,
and ``error_responses``: per status, the shared ``{error, reason, details}``
shape with the reasons (an ``enum``) the operation may carry, each with an
example. Every operation may also answer what the connection refuses before a
route runs (408, 431: ``connection``) and a bug (500 INTERNAL); every guarded
operation, a refused key (401) and an unavailable server (503).

The security schemes (``bearerAuth``, the ``apiKey`` query parameter) come
from ``authentication.authenticate``, on every operation behind it. ``document``
builds the document from FastAPI's and adds what FastAPI cannot derive: the
component schemas the responses refer to, with examples, ``X-Request-Id`` on
every answer, and no ``422`` (a request FastAPI cannot read is answered 400).
"""

from __future__ import annotations

import datetime as dt
import inspect
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ilios import errors, filetypes
from ilios.gateway import shapes
from ilios.limits import (
    DEFAULT_PRIORITY,
    LANGUAGE_CODE,
    MAX_LANGUAGES,
    MAX_PRIORITY,
    MAX_RETENTION_DAYS,
    MIN_PRIORITY,
    MIN_RETENTION_DAYS,
)

SCHEMAS = "#/components/schemas/"
# The groups /docs shows, in this order.
TAGS = [
    {"name": "documents", "description": "Convert a document now, or queue it and read it later."},
    {"name": "batches", "description": "Queue many documents at once; follow and download them."},
    {"name": "usage", "description": "Pages, tokens and cost, by operation, day and key."},
    {
        "name": "upload-url",
        "description": "The original API's flow for large files: reserve, PUT the bytes, complete.",
    },
    {"name": "service", "description": "What the gateway serves, and whether it is healthy."},
]
# What any request may be answered, whatever its route: the connection's limits
# (connection.GatewayProtocol) and a bug.
ANY_REQUEST: tuple[type[errors.IliosError], ...] = (
    errors.RequestTimeout,
    errors.HeadersTooLarge,
    errors.IliosError,
)
# What any guarded request may be answered besides: the key check, and a server
# that cannot answer (down, too slow, its database locked).
GUARDED: tuple[type[errors.IliosError], ...] = (
    errors.ApiKeyMissing,
    errors.ApiKeyInvalid,
    errors.ServiceUnavailable,
    errors.TransientError,
    errors.DatabaseBusy,
    errors.DatabaseUnavailable,
)
# A form the gateway reads: malformed, a field it does not take or sent twice,
# a file part that is no file, a body that stops arriving.
FORM: tuple[type[errors.IliosError], ...] = (
    errors.InvalidRequest,
    errors.UnknownField,
    errors.DuplicateField,
    errors.RequestTimeout,
)

STATUS_TEXT = {
    400: "A parameter or the body is not valid.",
    401: "No API key, or a wrong one (checked before anything else).",
    404: "No such document or batch.",
    408: "The request stopped arriving before it was complete.",
    410: "Past its retention: archived.",
    413: "Too large, or too many files.",
    415: "Not a type this service converts.",
    422: "The document cannot be converted.",
    431: "The request's header section is too large.",
    500: "A bug (INTERNAL), or a conversion that failed after all its attempts.",
    503: "A dependency is unavailable for now: try again.",
}

# What a file part may hold (its part's Content-Type is not read: the bytes are).
ACCEPTED_TYPES = sorted(filetypes.SUPPORTED)
FILE = {
    "type": "string",
    "format": "binary",
    "description": "A PDF, an image (PNG, JPEG, TIFF, GIF, WebP, BMP), a Word, PowerPoint "
    "or Excel file, or UTF-8 HTML, Markdown or text (named .html, .md or .txt).",
}
RETENTION = {
    "type": "integer",
    "minimum": MIN_RETENTION_DAYS,
    "maximum": MAX_RETENTION_DAYS,
    "description": "Days the document is kept before it is archived (default: the server's "
    "DEFAULT_RETENTION_DAYS).",
    "examples": [30],
}
PRIORITY = {
    "type": "integer",
    "minimum": MIN_PRIORITY,
    "maximum": MAX_PRIORITY,
    "default": DEFAULT_PRIORITY,
    "description": "Queue priority: 10 is served first.",
    "examples": [8],
}
LANGUAGES_PATTERN = f"^ *{LANGUAGE_CODE} *(, *{LANGUAGE_CODE} *){{0,{MAX_LANGUAGES - 1}}}$"
LANGUAGES_TEXT = (
    f"OCR languages for scanned pages: at most {MAX_LANGUAGES} model codes separated by "
    "commas (eng,deu; frk for Fraktur). Default: the server's OCR_LANGUAGES."
)
LANGUAGES = {
    "type": "string",
    "pattern": LANGUAGES_PATTERN,
    "description": LANGUAGES_TEXT,
    "examples": ["eng,deu"],
}
STREAM_TEXT = (
    "One JSON line per event (`application/x-ndjson`), as with `Accept: application/x-ndjson`."
)
STREAM = {"type": "boolean", "default": False, "description": STREAM_TEXT}
DATE_TEXT = (
    "RFC 3339: a date-time with its offset, or a date (startDate: from its start; endDate: "
    "to its end), in UTC. A range whose start is after its end is empty."
)
DATE = {
    "anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}],
    "description": DATE_TEXT,
}


def ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": SCHEMAS + model.__name__}


def links(parameter: str, source: str, *operations: str) -> dict[str, Any]:
    """OpenAPI links: ``operations`` take ``parameter`` from ``source`` (a runtime
    expression such as ``$response.body#/id``)."""
    return {
        operation: {
            "operationId": operation,
            "parameters": {parameter: source},
            "description": f"With this answer's `{source.partition('#/')[2]}`.",
        }
        for operation in operations
    }


DOCUMENT_OPERATIONS = ("getDocumentStatus", "getDocument", "getDocumentOriginal")
BATCH_OPERATIONS = ("getBatchStatus", "downloadBatch")
# A document queued: what may be asked of it next, with its id.
QUEUED = {
    "description": "Queued.",
    "links": links("document_id", "$response.body#/id", *DOCUMENT_OPERATIONS),
}


def parameter(
    name: str, schema: dict[str, Any], description: str, where: str = "query"
) -> dict[str, Any]:
    """A parameter that the route reads itself (``rest.query``): an empty value is
    the parameter left out."""
    return {
        "name": name,
        "in": where,
        "required": False,
        "allowEmptyValue": True,
        "description": description,
        "schema": schema,
    }


def multipart(
    properties: dict[str, Any],
    required: list[str],
    files: tuple[str, ...] = (),
    one_of: tuple[str, ...] = (),
) -> dict[str, Any]:
    """``openapi_extra`` for a multipart body that the route streams itself
    (``forms.read_form``): only these fields, each once; ``files`` are file parts;
    ``one_of``: fields of which at least one must be sent."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    if one_of:
        schema["anyOf"] = [{"required": [name]} for name in one_of]
    encoding = {name: {"contentType": ", ".join(ACCEPTED_TYPES)} for name in files}
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema, "encoding": encoding}},
        }
    }


def error_responses(
    *raised: type[errors.IliosError],
    guarded: bool = True,
    alternatives: dict[int, type[BaseModel]] | None = None,
) -> dict[int | str, dict[str, Any]]:
    """The error answers of an operation that raises ``raised``, with those of
    every (guarded) request: per status, the error shape whose ``reason`` is one
    of that status's reasons. ``alternatives``: a status that may also answer
    another shape (``BatchNotReady``, ``DocumentFailed``)."""
    by_status: dict[int, dict[str, type[errors.IliosError]]] = {}
    for cls in [*raised, *ANY_REQUEST, *(GUARDED if guarded else ())]:
        by_status.setdefault(cls.http_status, {})[cls.reason] = cls
    out: dict[int | str, dict[str, Any]] = {}
    for status, classes in sorted(by_status.items()):
        reasons = sorted(classes)
        schema: dict[str, Any] = {
            "allOf": [ref(shapes.ErrorBody), {"properties": {"reason": {"enum": reasons}}}]
        }
        examples = {
            reason: {
                "summary": reason,
                "value": {"error": classes[reason]().message, "reason": reason},
            }
            for reason in reasons
        }
        description = f"{STATUS_TEXT.get(status, '')} Reasons: {', '.join(reasons)}."
        other = (alternatives or {}).get(status)
        if other is not None:
            schema = {"anyOf": [schema, ref(other)]}
            examples[other.__name__] = {"summary": other.__name__, "value": EXAMPLES[other]}
            description += f" Or {other.__name__}: {(other.__doc__ or '').strip()}"
        out[status] = {
            "description": description,
            "content": {"application/json": {"schema": schema, "examples": examples}},
        }
    return out


def family(cls: type[errors.IliosError]) -> list[type[errors.IliosError]]:
    """``cls`` and its subclasses: what a failed document's error may be (its
    reason is the one the worker recorded)."""
    return [c for c in errors.all_classes() if issubclass(c, cls)]


# --- the document ------------------------------------------------------------------


def document(app: FastAPI, max_batch_files: int, max_file_size: int) -> dict[str, Any]:
    doc = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    _, defs = models_json_schema(
        [(model, "serialization") for model in _shapes()],
        ref_template=SCHEMAS + "{model}",
    )
    for name, schema in defs.get("$defs", {}).items():
        schemas.setdefault(name, schema)
    for model, example in EXAMPLES.items():
        schemas[model.__name__]["examples"] = [example]
    components["headers"] = {
        "X-Request-Id": {
            "description": "The request's id (the client's X-Request-Id, or a new one), as "
            "logged by the gateway and the server.",
            "schema": {"type": "string"},
        }
    }
    for operations in doc["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            if "HTTPValidationError" in str(responses.get("422", "")):
                del responses["422"]  # never sent: FastAPI's refusals are answered 400
            for response in responses.values():
                response.setdefault("headers", {})["X-Request-Id"] = {
                    "$ref": "#/components/headers/X-Request-Id"
                }
    batch = doc["paths"]["/v1/batch/submit"]["post"]["requestBody"]["content"]
    for name in ("files", "files[]"):
        batch["multipart/form-data"]["schema"]["properties"][name]["maxItems"] = max_batch_files
    schemas["UploadUrlRequest"]["properties"]["fileSize"]["maximum"] = max_file_size
    return doc


def _shapes() -> list[type[BaseModel]]:
    return [
        model
        for _, model in inspect.getmembers(shapes, inspect.isclass)
        if issubclass(model, shapes.Shape) and model is not shapes.Shape
    ]


# --- examples (built from the shapes, so they match them) ---------------------------

_AT = dt.datetime(2025, 1, 31, 9, 30, tzinfo=dt.UTC)
_DONE = _AT + dt.timedelta(seconds=4)
_DOC = "doc_01jjbq4m7c3v9k2x8r5t6w1y0z"
_BATCH = "bat_01jjbq4m7c3v9k2x8r5t6w1y0z"
_META = shapes.DocumentMetadata(
    pages=3,
    processingTimeMs=2140,
    model="local",
    engine="local",
    fileName="report.pdf",
    fileSize=482133,
    mimeType="application/pdf",
)
_PROGRESS = shapes.Progress(total=2, pending=0, processing=1, completed=1, failed=0)
_STATUS = shapes.DocumentStatus(
    id=_DOC,
    status="completed",
    fileName="report.pdf",
    fileSize=482133,
    createdAt=_AT,
    processedAt=_DONE,
    downloadUrl=f"/api/documents/{_DOC}",
    metadata=_META,
    error=None,
    reason=None,
)
_TOTALS = shapes.UsageTotals(
    totalDocuments=12,
    totalOperations=12,
    totalPages=57,
    totalInputTokens=0,
    totalOutputTokens=0,
    totalBaseCostMicros=57000,
    totalCostMicros=57000,
    totalCostCents=6,
    totalCostUSD=0.057,
)
_FILTERS = shapes.UsageFilters(startDate=_AT, endDate=None)
_LINE = shapes.BatchLine(
    id=_DOC,
    fileName="report.pdf",
    status="completed",
    content="# Quarterly report\n\n...",
    metadata=_META,
    error=None,
    reason=None,
    processedAt=_DONE,
)
_SHAPES: list[BaseModel] = [
    shapes.ErrorBody(error="No document has this id.", reason="DOCUMENT_NOT_FOUND"),
    _META,
    _STATUS,
    _LINE,
    _PROGRESS,
    _TOTALS,
    _FILTERS,
    shapes.DocumentContent(
        id=_DOC,
        content="# Quarterly report\n\n...",
        fileName="report.pdf",
        fileSize=482133,
        createdAt=_AT,
        processedAt=_DONE,
        downloadUrl=f"/api/documents/{_DOC}",
        metadata=_META,
    ),
    shapes.DocumentWaiting(id=_DOC, status="processing", fileName="report.pdf"),
    shapes.DocumentFailed(
        id=_DOC,
        status="failed",
        error="The PDF is encrypted with a password: send an unencrypted copy.",
        reason="PDF_ENCRYPTED",
    ),
    shapes.Submitted(
        id=_DOC,
        status="pending",
        fileName="report.pdf",
        fileSize=482133,
        retentionDays=30,
        createdAt=_AT,
    ),
    shapes.Converted(
        id=_DOC,
        content="# Quarterly report\n\n...",
        metadata=shapes.ConvertMetadata(
            model="local",
            extractedPages=3,
            processingTimeMs=2140,
            fileName="report.pdf",
            fileSize=482133,
            mimeType="application/pdf",
        ),
        usage=shapes.TokenUsage(prompt_tokens=0, completion_tokens=0, total_tokens=0),
        downloadUrl=f"/api/documents/{_DOC}",
    ),
    shapes.BatchSubmitted(
        batchId=_BATCH,
        status="pending",
        totalDocuments=1,
        documents=[
            shapes.BatchDocument(
                id=_DOC,
                fileName="report.pdf",
                fileSize=482133,
                status="pending",
                error=None,
                reason=None,
            )
        ],
        statusUrl=f"/v1/batch/status/{_BATCH}",
    ),
    shapes.BatchStatus(
        batchId=_BATCH,
        status="processing",
        progress=_PROGRESS,
        priority=8,
        retentionDays=365,
        createdAt=_AT,
        completedAt=None,
        downloadUrl=None,
        documents=None,
    ),
    shapes.BatchNotReady(
        error="The batch is still being processed: download it once every document is done.",
        reason="BATCH_NOT_READY",
        status="processing",
        progress=_PROGRESS,
    ),
    shapes.BatchDownload(batchId=_BATCH, documents=[_LINE]),
    shapes.UsageSummary(**_TOTALS.model_dump(), summary=_TOTALS, filters=_FILTERS),
    shapes.UsageBreakdown(
        breakdown=[
            shapes.OperationUsage(
                operation="convert",
                count=12,
                totalPages=57,
                totalInputTokens=0,
                totalOutputTokens=0,
                totalCostMicros=57000,
                totalCostCents=6,
                totalCostUSD=0.057,
            )
        ],
        byDay=[
            shapes.DayUsage(
                date="2025-01-31",
                engine="local",
                apiKeyId="key_3f2a9c",
                documents=12,
                operations=12,
                pages=57,
                inputTokens=0,
                outputTokens=0,
                baseCostMicros=57000,
                costMicros=57000,
                costCents=6,
            )
        ],
        filters=_FILTERS,
    ),
    shapes.Health(status="healthy", timestamp=_AT, services={"gateway": "up", "server": "up"}),
    shapes.Index(
        name="Ilios",
        docs="/docs",
        openapi="/openapi.json",
        endpoints=["GET /health", "POST /v1/convert"],
    ),
]
EXAMPLES: dict[type[BaseModel], dict[str, Any]] = {
    type(shape): shape.model_dump(mode="json") for shape in _SHAPES
}
MARKDOWN_EXAMPLE = "# Quarterly report\n\nRevenue grew 12% ...\n\n<!-- page 2 -->\n\n..."
EVENTS_EXAMPLE = (
    '{"event": "accepted", "document": {"id": "doc_01jjbq4m7c3v9k2x8r5t6w1y0z", ...}}\n'
    '{"event": "page", "page": {"number": 1, "markdown": "# Quarterly report ..."}}\n'
    '{"event": "completed", "document": {...}, "usage": {"pages": 3, "totalTokens": 0}}\n'
)
