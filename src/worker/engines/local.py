"""The local engine: offline PDF and image conversion to Markdown, page by page.

- PDFs with a text layer: pdfium text lines -> ``layout`` (headings from font
  sizes, paragraphs, lists). Pages without one are rendered and OCR'd.
- PNG, JPEG and TIFF (every TIFF frame is a page): OCR.

OCR is RapidOCR (ONNX models shipped inside its wheel; nothing is downloaded).
One instance per process, created on first use and shared behind a lock
because it is not thread-safe. Its text-angle classifier is off: it flips
upright lines of long text and garbles them; pages come upright from pdfium
(which applies /Rotate) and from EXIF-transposed images.
"""

from __future__ import annotations

import pathlib
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from ilios.errors import (
    CorruptFile,
    EngineRejected,
    EngineUnavailable,
    FileTooLarge,
    IliosError,
    TooManyPages,
    UnsupportedFileType,
)
from ilios.worker.engines.base import Page, Usage
from ilios.worker.engines.layout import FontStats, Line, to_markdown
from ilios.worker.engines.pdf import MAX_LEADING as PDF_MAX_LEADING
from ilios.worker.engines.pdf import PdfFile

PDF = "application/pdf"
TIFF = "image/tiff"
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", TIFF})
DEFAULT_MAX_PAGES = 2000
IMAGE_MAX_SIDE_PX = 2000  # larger images are scaled down before OCR (OCR's own limit)
OCR_MAX_LEADING = 2.2  # usual line pitch is capped at this many OCR box heights
OCR_SAME_LINE = 0.5  # boxes overlapping vertically by this share of the smaller are one line
OCR_OPTIONS: dict[str, Any] = {
    "use_cls": False,  # see module docstring
    "det_limit_type": "max",  # detect at most ...
    "det_limit_side_len": 1280,  # ... this many pixels on the longer side; never upscale
}


class LocalEngine:
    """Converts PDFs and PNG/JPEG/TIFF images on this machine; see ``Engine``."""

    name = "local"
    model = "ilios-local-1"

    def __init__(self, max_pages: int = DEFAULT_MAX_PAGES) -> None:
        self.max_pages = max_pages

    def pages(
        self, path: pathlib.Path, mime_type: str, usage: Usage | None = None
    ) -> Iterator[Page]:
        """Yield the pages of ``path`` (of sniffed type ``mime_type``) as each is ready.

        Raises (from the iterator) UnsupportedFileType, CorruptFile,
        PdfEncrypted, TooManyPages, FileTooLarge (image pixel count),
        EngineRejected/EngineUnavailable (OCR) or IliosError (internal).
        """
        try:
            if mime_type == PDF:
                yield from self._pdf_pages(path)
            elif mime_type in IMAGE_TYPES:
                yield from self._image_pages(path, every_frame=mime_type == TIFF)
            else:
                raise UnsupportedFileType(
                    f"The local engine cannot convert {mime_type}: send a PDF or a PNG, "
                    "JPEG or TIFF image.",
                    mime_type=mime_type,
                )
        except IliosError:
            raise
        except Exception as exc:  # a library failure we did not foresee: never leak it raw
            raise IliosError(
                "The local engine failed unexpectedly while converting the document.",
                detail=repr(exc),
            ) from exc

    def _check_count(self, count: int) -> None:
        if count > self.max_pages:
            raise TooManyPages(
                f"The document has {count} pages; this service converts at most "
                f"{self.max_pages}. Split it into smaller documents and send them separately.",
                pages=str(count),
                max_pages=str(self.max_pages),
            )

    def _pdf_pages(self, path: pathlib.Path) -> Iterator[Page]:
        if path.stat().st_size == 0:
            raise CorruptFile("The PDF is empty (0 bytes): send the complete file.")
        with PdfFile(path) as pdf:
            self._check_count(pdf.page_count)
            fonts = FontStats()
            for index in range(pdf.page_count):
                content = pdf.read_page(index)
                if isinstance(content, np.ndarray):
                    markdown = ocr_markdown(content)
                else:
                    fonts.add_page(content)
                    markdown = to_markdown(content, fonts=fonts, max_leading=PDF_MAX_LEADING)
                yield Page(index + 1, markdown)

    def _image_pages(self, path: pathlib.Path, *, every_frame: bool) -> Iterator[Page]:
        """OCR each frame of a TIFF, or the first frame of other images (a
        phone JPEG may carry a second, preview frame)."""
        try:
            with Image.open(path) as image:
                count = getattr(image, "n_frames", 1) if every_frame else 1
                self._check_count(count)
                for index in range(count):
                    image.seek(index)
                    pixels = _grayscale(image)
                    yield Page(index + 1, ocr_markdown(pixels))
        except Image.DecompressionBombError as exc:
            raise FileTooLarge(
                "The image has more pixels than this service accepts: scale it down "
                "(300 DPI is plenty for text) and send it again.",
                detail=str(exc),
            ) from exc
        except (OSError, ValueError, EOFError, SyntaxError) as exc:
            raise CorruptFile(
                "The image is damaged or truncated and cannot be decoded: check that it opens "
                "in an image viewer, then send it again.",
                detail=str(exc),
            ) from exc


def _grayscale(frame: Image.Image) -> np.ndarray:
    """The current frame upright (EXIF), on white, 8-bit gray, at most IMAGE_MAX_SIDE_PX."""
    frame.draft("L", (IMAGE_MAX_SIDE_PX, IMAGE_MAX_SIDE_PX))  # JPEG: decode at reduced scale
    upright = ImageOps.exif_transpose(frame)
    if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
        rgba = upright.convert("RGBA")
        upright = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    if upright.mode.startswith(("I", "F")):  # 16/32-bit samples: Pillow would clip to 255
        values = np.asarray(upright, dtype=np.float32)
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) * (255.0 / (high - low or 1.0))
        upright = Image.fromarray(scaled.astype(np.uint8))
    gray = upright.convert("L")
    gray.thumbnail((IMAGE_MAX_SIDE_PX, IMAGE_MAX_SIDE_PX))
    return np.asarray(gray)


# --- OCR -----------------------------------------------------------------------

_ocr: Any = None  # the process's RapidOCR instance, created on first use
_ocr_lock = threading.Lock()


def ocr_markdown(pixels: np.ndarray) -> str:
    """Markdown of the text OCR reads in a grayscale image (H x W uint8)."""
    return to_markdown(ocr_lines(pixels), fonts=None, max_leading=OCR_MAX_LEADING)


def ocr_lines(pixels: np.ndarray) -> list[Line]:
    """OCR'd text lines, top to bottom; coordinates in pixels."""
    global _ocr
    with _ocr_lock:
        if _ocr is None:
            try:
                from rapidocr_onnxruntime import RapidOCR

                _ocr = RapidOCR(**OCR_OPTIONS)
            except Exception as exc:
                raise EngineUnavailable(
                    "The OCR engine could not start on this worker.", detail=repr(exc)
                ) from exc
        try:
            result, _ = _ocr(pixels)
        except Exception as exc:
            raise EngineRejected(
                "The OCR engine could not read this page.", detail=repr(exc)
            ) from exc
    boxes = [_box(points, text) for points, text, *_ in result or [] if str(text).strip()]
    return _group_lines(boxes)


def _box(points: list[list[float]], text: str) -> Line:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    top, bottom = min(ys), max(ys)
    return Line(
        " ".join(str(text).split()), min(xs), max(xs), top, bottom, bottom, bottom - top, len(text)
    )


def _group_lines(boxes: list[Line]) -> list[Line]:
    """Boxes overlapping vertically form a line (left to right); lines top to bottom."""
    lines: list[list[Line]] = []
    for box in sorted(boxes, key=lambda b: (b.top + b.bottom) / 2):
        row = lines[-1] if lines else None
        if row is not None:
            top, bottom = min(b.top for b in row), max(b.bottom for b in row)
            overlap = min(bottom, box.bottom) - max(top, box.top)
            if overlap >= OCR_SAME_LINE * min(bottom - top, box.size):
                row.append(box)
                continue
        lines.append([box])
    merged: list[Line] = []
    for row in lines:
        row.sort(key=lambda b: b.left)
        heights = sorted(b.size for b in row)
        merged.append(
            Line(
                " ".join(b.text for b in row),
                row[0].left,
                max(b.right for b in row),
                min(b.top for b in row),
                max(b.bottom for b in row),
                max(b.bottom for b in row),
                heights[len(heights) // 2],
                sum(b.chars for b in row),
            )
        )
    return merged
