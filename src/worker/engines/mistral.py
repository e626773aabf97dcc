"""The Mistral engine: PDFs and images to Markdown through Mistral's OCR API.

Flow, with the ``mistralai`` SDK:

- PDF: count its pages here (pdfium), ``files.upload(purpose="ocr")``,
  ``files.get_signed_url``, then ``ocr.process`` on ranges of ``pages_per_call``
  pages (the API's 0-based ``pages``), yielding each range's pages as soon as
  it returns. ``files.delete`` runs in every outcome: success, failure, or the
  caller closing the iterator early.
- PNG/JPEG: one ``ocr.process`` with the image inline as a ``data:`` URL (no
  upload). TIFF: each frame as a PNG ``data:`` URL, one call (and page) per frame.

Pages, the model and the billed page count come from each response
(``pages[].index``/``markdown``, ``model``, ``usage_info.pages_processed``).

Failures: every HTTP call has a timeout (``timeout_s``) and the SDK's own
retries are off, so tenacity here is the one retry layer inside an attempt.
A call that fails transiently (429, 408, 5xx, timeout, connection error) is
retried on its own, earlier calls are not redone, up to ``attempts`` tries,
with exponential backoff and jitter, or after ``Retry-After`` seconds when the
API sends one. If it still fails: ``EngineUnavailable``, and the queue retries
the job later. 401/403 -> ``EngineAuthFailed``, 413 -> ``FileTooLarge``,
other 4xx -> ``EngineRejected``, each with the API's message and not retried.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import pathlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import tenacity
from mistralai.client import Mistral
from mistralai.client.errors import MistralError, NoResponseError
from mistralai.client.types import UNSET
from mistralai.client.utils import BackoffStrategy, RetryConfig
from PIL import Image

from ilios.config import Settings
from ilios.errors import (
    CorruptFile,
    EngineAuthFailed,
    EngineRejected,
    EngineUnavailable,
    FileTooLarge,
    IliosError,
    UnsupportedFileType,
)
from ilios.worker.engines.base import Page, Usage, check_page_count, decoding_image
from ilios.worker.engines.pdf import PdfFile

log = logging.getLogger("ilios.engines.mistral")
T = TypeVar("T")

MODEL = "mistral-ocr-latest"
PDF = "application/pdf"
TIFF = "image/tiff"
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", TIFF})
PAGES_PER_CALL = 8  # PDF pages per ocr.process call
DEFAULT_TIMEOUT_S = 120.0  # per HTTP call (each of connect, write, read), seconds
DEFAULT_MAX_PAGES = 2000
ATTEMPTS = 4  # tries per API call before giving the failure to the queue
WAIT_INITIAL_S = 0.25  # backoff before the 2nd try, seconds; doubles per try ...
WAIT_MAX_S = 8.0  # ... up to this many seconds, plus up to WAIT_INITIAL_S of jitter
RETRY_AFTER_MAX_S = 60.0  # a longer Retry-After is cut to this, seconds
SIGNED_URL_HOURS = 24  # lifetime of the URL Mistral reads an upload from (API: 1-168)
API_MESSAGE_MAX_CHARS = 500  # the API's error message is cut to this in our errors
TRANSIENT_STATUS = frozenset({408, 429})  # ... and every 5xx
PNG_MODES = frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "I;16"})  # saved as PNG unconverted
_NO_SDK_RETRIES = RetryConfig("none", BackoffStrategy(0, 0, 1.0, 0), retry_connection_errors=False)


class MistralEngine:
    """Converts PDFs and PNG/JPEG/TIFF images with Mistral OCR; see ``Engine``.

    Thread-safe: one instance (one HTTP connection pool) serves a worker's jobs.
    """

    name = "mistral"
    model = MODEL

    def __init__(
        self,
        api_key: str,
        server_url: str = "",
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_pages: int = DEFAULT_MAX_PAGES,
        pages_per_call: int = PAGES_PER_CALL,
        attempts: int = ATTEMPTS,
        wait_initial_s: float = WAIT_INITIAL_S,
        wait_max_s: float = WAIT_MAX_S,
    ) -> None:
        """``server_url``: "" for Mistral's own (https://api.mistral.ai)."""
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.max_pages = max_pages
        self.pages_per_call = pages_per_call
        self.attempts = attempts
        self._timeout_ms = max(1, round(timeout_s * 1000))
        self._backoff = tenacity.wait_exponential_jitter(
            multiplier=wait_initial_s, max=wait_max_s, jitter=wait_initial_s
        )
        self._client = Mistral(
            api_key=api_key or None,
            server_url=server_url or None,
            retry_config=_NO_SDK_RETRIES,
            timeout_ms=self._timeout_ms,
        )

    def close(self) -> None:
        """Close the HTTP connections (the engine is unusable afterwards)."""
        self._client.__exit__(None, None, None)

    def pages(
        self,
        path: pathlib.Path,
        mime_type: str,
        usage: Usage | None = None,
        languages: Sequence[str] | None = None,  # no OCR models to choose: ignored
    ) -> Iterator[Page]:
        """Yield the pages of ``path`` (of sniffed type ``mime_type``) as each range returns.

        Raises (from the iterator) UnsupportedFileType, CorruptFile,
        PdfEncrypted, TooManyPages, FileTooLarge, EngineAuthFailed,
        EngineRejected, EngineUnavailable (transient) or IliosError (internal).
        """
        usage = usage if usage is not None else Usage()
        if not self.api_key:
            raise EngineAuthFailed(
                "MISTRAL_API_KEY is not set: the Mistral engine needs an API key. "
                "Set it and restart the service, or use the local engine."
            )
        try:
            if mime_type == PDF:
                yield from self._pdf_pages(path, usage)
            elif mime_type in IMAGE_TYPES:
                yield from self._image_pages(path, mime_type, usage)
            else:
                raise UnsupportedFileType(
                    f"The Mistral engine cannot convert {mime_type}: send a PDF or a PNG, "
                    "JPEG or TIFF image.",
                    mime_type=mime_type,
                )
        except IliosError:
            raise
        except Exception as exc:  # an SDK or library failure we did not foresee
            raise IliosError(
                "The Mistral engine failed unexpectedly while converting the document.",
                detail=repr(exc),
            ) from exc

    # --- documents ----------------------------------------------------------

    def _pdf_pages(self, path: pathlib.Path, usage: Usage) -> Iterator[Page]:
        if path.stat().st_size == 0:
            raise CorruptFile("The PDF is empty (0 bytes): send the complete file.")
        with PdfFile(path) as pdf:  # CorruptFile / PdfEncrypted before anything is sent
            count = pdf.page_count
        check_page_count(count, self.max_pages)
        file_id = self._call("upload the PDF", lambda: self._upload(path))
        try:
            signed = self._call(
                "get the upload's URL",
                lambda: self._client.files.get_signed_url(
                    file_id=file_id, expiry=SIGNED_URL_HOURS, timeout_ms=self._timeout_ms
                ),
            )
            document = {"type": "document_url", "document_url": signed.url}
            for start in range(0, count, self.pages_per_call):
                indices = list(range(start, min(start + self.pages_per_call, count)))
                for index, markdown in self._ocr(document, indices, usage):
                    yield Page(index + 1, markdown, last=index + 1 == count)
        finally:
            self._delete(file_id)

    def _image_pages(self, path: pathlib.Path, mime_type: str, usage: Usage) -> Iterator[Page]:
        for number, url in self._image_urls(path, mime_type):
            document = {"type": "image_url", "image_url": url}
            pages = self._ocr(document, None, usage)  # one, unless the API splits an image
            yield Page(number, "\n\n".join(markdown for _, markdown in pages))

    def _image_urls(self, path: pathlib.Path, mime_type: str) -> Iterator[tuple[int, str]]:
        """(page number, data: URL) per page: the image as is, or each TIFF frame as PNG."""
        if mime_type != TIFF:
            yield 1, _data_url(mime_type, path.read_bytes())
            return
        with decoding_image("TIFF"):
            with Image.open(path) as image:
                count = getattr(image, "n_frames", 1)
                check_page_count(count, self.max_pages)
                for index in range(count):
                    image.seek(index)
                    frame = image if image.mode in PNG_MODES else image.convert("RGB")
                    png = io.BytesIO()
                    frame.save(png, format="PNG")
                    yield index + 1, _data_url("image/png", png.getvalue())

    # --- API calls ------------------------------------------------------------

    def _upload(self, path: pathlib.Path) -> str:
        name = path.name if path.suffix else f"{path.name}.pdf"
        with path.open("rb") as content:  # reopened by each try
            uploaded = self._client.files.upload(
                file={"file_name": name, "content": content, "content_type": PDF},
                purpose="ocr",
                timeout_ms=self._timeout_ms,
            )
        return uploaded.id

    def _ocr(
        self, document: dict[str, str], indices: list[int] | None, usage: Usage
    ) -> list[tuple[int, str]]:
        """(0-based index, markdown) of each page OCR'd, in order; ``indices`` None: all."""
        what = f"read pages {indices[0] + 1}-{indices[-1] + 1}" if indices else "read the image"
        response = self._call(
            what,
            lambda: self._client.ocr.process(
                model=MODEL,
                document=document,  # type: ignore[arg-type]
                pages=UNSET if indices is None else indices,
                include_blocks=False,
                timeout_ms=self._timeout_ms,
            ),
        )
        pages = sorted(response.pages, key=lambda page: page.index)
        got = [page.index for page in pages]
        if not pages or (indices is not None and got != indices):
            raise IliosError(
                f"Mistral OCR answered with pages {got} to a request for {indices or 'all'}.",
                model=response.model,
            )
        usage.pages += response.usage_info.pages_processed
        usage.model = response.model
        return [(page.index, page.markdown) for page in pages]

    def _delete(self, file_id: str) -> None:
        """Delete an upload; a failure is logged, never raised (it must not hide the result)."""
        try:
            self._call(
                "delete the uploaded PDF",
                lambda: self._client.files.delete(file_id=file_id, timeout_ms=self._timeout_ms),
            )
        except IliosError as exc:
            log.warning("Mistral file %s was not deleted: %s", file_id, exc.message)

    def _call(self, what: str, call: Callable[[], T]) -> T:
        """``call()``, its failures classified; transient ones retried (see module doc)."""

        def attempt() -> T:
            try:
                return call()
            except IliosError:
                raise
            except Exception as exc:
                raise self._classify(exc, what) from exc

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(EngineUnavailable),
            wait=self._wait,
            stop=tenacity.stop_after_attempt(self.attempts),
            before_sleep=lambda state: log.info(
                "Mistral OCR could not %s (try %d): %s",
                what,
                state.attempt_number,
                state.outcome.exception() if state.outcome else "",
            ),
            reraise=True,
        )
        return retrying(attempt)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        """Seconds before the next try: the API's Retry-After if it sent one, else backoff."""
        error = state.outcome.exception() if state.outcome else None
        after = error.details.get("retry_after_s") if isinstance(error, IliosError) else None
        if after is not None:
            return min(float(after), RETRY_AFTER_MAX_S)
        return float(self._backoff(state))

    def _classify(self, exc: Exception, what: str) -> IliosError:
        if isinstance(exc, MistralError) and exc.status_code >= 400:
            return _http_error(exc.status_code, exc.body, exc.headers, what)
        names = {cls.__name__ for cls in type(exc).__mro__}  # the SDK's HTTP library's classes
        if "TimeoutException" in names:
            return EngineUnavailable(
                f"Mistral OCR did not answer within {self.timeout_s:g} s (MISTRAL_TIMEOUT_S) "
                f"when asked to {what}.",
                detail=repr(exc),
            )
        if "TransportError" in names or isinstance(exc, NoResponseError):
            return EngineUnavailable(
                f"Mistral OCR could not be reached to {what}: {exc or type(exc).__name__}.",
                detail=repr(exc),
            )
        if isinstance(exc, MistralError):  # a 2xx answer the SDK could not parse
            return IliosError(
                f"Mistral OCR's answer when asked to {what} could not be read.",
                detail=str(exc)[:API_MESSAGE_MAX_CHARS],
            )
        return IliosError(
            f"The Mistral engine failed unexpectedly when asked to {what}.", detail=repr(exc)
        )


def _http_error(status: int, body: str, headers: Mapping[str, str], what: str) -> IliosError:
    """The Ilios error for an HTTP error answer (see the module docstring)."""
    said = api_message(body)
    if status == 401:
        return EngineAuthFailed(
            f"Mistral refused the API key (HTTP 401: {said}): MISTRAL_API_KEY is missing or "
            "invalid. Set a valid key and restart the service.",
            status=str(status),
        )
    if status == 403:
        return EngineAuthFailed(
            f"Mistral refused access (HTTP 403: {said}): this MISTRAL_API_KEY is not allowed "
            f"to use OCR ({MODEL}). Check the key's workspace and permissions.",
            status=str(status),
        )
    if status in TRANSIENT_STATUS or status >= 500:
        details = {"status": str(status)}
        after = _retry_after_s(headers)
        if after is not None:
            details["retry_after_s"] = f"{after:g}"
        return EngineUnavailable(
            f"Mistral OCR could not {what} (HTTP {status}: {said}).",
            **details,
        )
    if status == 413:
        return FileTooLarge(
            f"Mistral OCR refused the document as too large (HTTP 413: {said}).",
            status=str(status),
        )
    return EngineRejected(
        f"Mistral OCR rejected the document (HTTP {status}: {said}).", status=str(status)
    )


def api_message(body: str) -> str:
    """The human part of an API error body (``message``/``detail[].msg``), on one line, cut."""
    try:
        text = _message_of(json.loads(body))
    except ValueError:
        text = body
    text = " ".join(text.split())
    if len(text) > API_MESSAGE_MAX_CHARS:
        text = text[: API_MESSAGE_MAX_CHARS - 3] + "..."
    return text or "no message"


def _message_of(data: Any) -> str:
    if isinstance(data, dict):
        for key in ("message", "detail", "msg", "error"):
            if data.get(key):
                return _message_of(data[key])
        return json.dumps(data)
    if isinstance(data, list):  # FastAPI-style validation errors: [{"loc", "msg", ...}]
        return "; ".join(_message_of(item) for item in data)
    return str(data)


def _retry_after_s(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` in seconds, if given as a number of seconds (dates are ignored)."""
    try:
        seconds = float(headers.get("retry-after") or "")
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _data_url(mime_type: str, data: bytes) -> str:
    return f"data:{mime_type};base64,{base64.b64encode(data).decode('ascii')}"


def from_settings(settings: Settings) -> MistralEngine:
    """The engine as MISTRAL_API_KEY, MISTRAL_SERVER_URL, MISTRAL_TIMEOUT_S, MAX_PAGES say."""
    return MistralEngine(
        settings.mistral_api_key,
        settings.mistral_server_url,
        timeout_s=settings.mistral_timeout_s,
        max_pages=settings.max_pages,
    )
