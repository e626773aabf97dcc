"""The fake Mistral API's OCR: deterministic pages from a document URL.

A PDF page's markdown is its text layer (pdfium, lines right-stripped; its
dimensions at ``PDF_DPI``); an image's is ``IMAGE_MARKDOWN`` with its pixel
size (Pillow). What the real API would refuse raises ``Invalid``.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pypdfium2 as pdfium
from PIL import Image

from ilios.pdfium_lock import PDFIUM_LOCK

IMAGE_MARKDOWN = "fake-mistral-ocr image {width}x{height}"
PDF_DPI = 200  # PDF page dimensions are reported at this resolution, pixels per inch
SIGNED_PATH = re.compile(r"/_fake/files/([^/]+)/content")  # the fake's signed URLs


class Invalid(Exception):
    """A request the real API would refuse with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def read_pages(
    url: str, spec: Any, data_of: Callable[[str], bytes]
) -> tuple[list[dict[str, Any]], int]:
    """(pages, document size in bytes) of a data URL or a signed URL (its bytes from
    ``data_of(file id)``), for the API's ``pages`` ``spec``."""
    data = _fetch(url, data_of)
    pages = _pdf_pages(data, spec) if data[:5] == b"%PDF-" else [_image(data)]
    return pages, len(data)


def _fetch(url: str, data_of: Callable[[str], bytes]) -> bytes:
    if url.startswith("data:") and ";base64," in url:
        return base64.b64decode(url.split(";base64,", 1)[1])
    found = SIGNED_PATH.fullmatch(urlsplit(url).path)
    try:
        return data_of(found.group(1) if found else "")
    except Invalid:
        raise Invalid(400, "Failed to fetch document") from None


def _pdf_pages(data: bytes, spec: Any) -> list[dict[str, Any]]:
    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise Invalid(400, f"Invalid PDF: {exc}") from None
        try:
            out = []
            for index in _indices(spec, len(pdf)):
                page = pdf[index]
                textpage = page.get_textpage()
                text = "\n".join(line.rstrip() for line in textpage.get_text_range().splitlines())
                width, height = (round(points / 72 * PDF_DPI) for points in page.get_size())
                textpage.close()
                page.close()
                size = {"dpi": PDF_DPI, "height": height, "width": width}
                out.append({"index": index, "markdown": text.strip(), "images": [],
                            "dimensions": size})  # fmt: skip
            return out
        finally:
            pdf.close()


def _indices(spec: Any, count: int) -> list[int]:
    """0-based page indices from the API's ``pages``: None (all), [0, 2] or "0-5,7"."""
    try:
        if spec is None:
            return list(range(count))
        out: list[int] = []
        if isinstance(spec, str):
            for first, _, last in (part.strip().partition("-") for part in spec.split(",")):
                out.extend(range(int(first), int(last or first) + 1))
        else:
            out = [int(i) for i in spec]
    except (TypeError, ValueError):
        raise Invalid(422, f"pages must be integers or ranges like '0-5,7': {spec!r}") from None
    if wrong := [i for i in out if not 0 <= i < count]:
        raise Invalid(422, f"Pages {wrong} out of range: the document has {count} pages")
    return sorted(set(out))


def _image(data: bytes) -> dict[str, Any]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (OSError, ValueError) as exc:
        raise Invalid(400, f"Invalid image: {exc}") from None
    markdown = IMAGE_MARKDOWN.format(width=width, height=height)
    size = {"dpi": 72, "height": height, "width": width}
    return {"index": 0, "markdown": markdown, "images": [], "dimensions": size}
