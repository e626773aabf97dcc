"""PDF pages through pdfium: text-layer lines, or a rendered image to OCR.

pdfium is not thread-safe, not even across documents, so every call into it
holds ``PDFIUM_LOCK``; the lock is released between pages so concurrent
conversions interleave page by page.

Text is read per text rectangle (pdfium merges the characters of one text
object into one rectangle), not per character: one char-index lookup, one
object-text read and font-size/matrix/origin queries per rectangle.
Geometry is in PDF points, turned to y-down (``-y``) for ``layout.Line``.
"""

from __future__ import annotations

import ctypes
import math
import pathlib
import re
import threading
from types import TracebackType

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ilios.errors import CorruptFile, IliosError, PdfEncrypted
from ilios.worker.engines.layout import Line

PDFIUM_LOCK = threading.RLock()

OCR_DPI = 200.0  # render resolution for pages without a text layer, dots per inch
OCR_MAX_SIDE_PX = 2000  # ... capped so the longer side has at most this many pixels
POINTS_PER_INCH = 72.0
MIN_TEXT_CHARS = 32  # a page with fewer visible characters than this, and ...
SCAN_COVERAGE = 0.5  # ... images covering this share of its area, is OCR'd
MAX_LEADING = 1.6  # usual baseline pitch is capped at this many font sizes
SPACE_GAP = 0.15  # horizontal gap between runs, in font sizes, that reads as a space
BASELINE_TOLERANCE = 0.2  # runs whose baselines differ by at most this (font sizes) ...
SAME_LINE = 0.5  # ... or whose boxes overlap by this share of the smaller are one line

_CONTROL = re.compile("[\x01\x03-\x1f\x7f-\x9f]")  # C0/C1 controls but \x02 (hyphenation)
_PASSWORD_ERRORS = {pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY}


class PdfFile:
    """An open PDF document; use as a context manager so pdfium closes it.

    Raises ``PdfEncrypted`` if it needs a password (the empty one is tried),
    ``CorruptFile`` if pdfium cannot parse it (this includes having no pages).
    """

    def __init__(self, path: pathlib.Path) -> None:
        with PDFIUM_LOCK:
            try:
                self._doc = pdfium.PdfDocument(str(path), password="")
            except pdfium.PdfiumError as exc:
                raise _open_error(exc, path) from exc
            self.page_count = len(self._doc)  # pdfium refuses documents without pages

    def __enter__(self) -> PdfFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        with PDFIUM_LOCK:
            self._doc.close()

    def read_page(self, index: int) -> list[Line] | np.ndarray:
        """The text lines of page ``index`` (0-based) in reading order, or, for a
        scanned page, a grayscale image (H x W uint8 array) to OCR."""
        with PDFIUM_LOCK:
            try:
                page = self._doc[index]
            except pdfium.PdfiumError as exc:
                raise CorruptFile(
                    f"Page {index + 1} of the PDF is damaged and cannot be read: "
                    "repair or re-export the PDF and send it again.",
                    page=str(index + 1),
                    detail=str(exc),
                ) from exc
            try:
                textpage = page.get_textpage()
                try:
                    lines = text_lines(textpage)
                finally:
                    textpage.close()
                if _needs_ocr(page, sum(line.chars for line in lines)):
                    return render_for_ocr(page)
                return lines
            except pdfium.PdfiumError as exc:
                raise CorruptFile(
                    f"Page {index + 1} of the PDF could not be read: repair or re-export "
                    "the PDF and send it again.",
                    page=str(index + 1),
                    detail=str(exc),
                ) from exc
            finally:
                page.close()


def _open_error(exc: pdfium.PdfiumError, path: pathlib.Path) -> IliosError:
    if exc.err_code in _PASSWORD_ERRORS:
        return PdfEncrypted(detail=str(exc))
    if exc.err_code == pdfium_c.FPDF_ERR_FILE:
        return IliosError(
            "The stored document could not be opened for reading.", path=str(path), detail=str(exc)
        )
    return CorruptFile(
        "The PDF is truncated or damaged: pdfium could not open it. "
        "Check that the file downloads completely and opens in a PDF viewer, then send it again.",
        detail=str(exc),
    )


def text_lines(textpage: pdfium.PdfTextPage) -> list[Line]:
    """The text page's lines, in pdfium's (content stream) order.

    pdfium starts a new rectangle whenever the text object changes, so each
    rectangle's text is its object's text (exact, unlike a geometric
    bounded-text query, which picks up neighbours' overhanging glyphs).
    The rectangle's centre char gives the object, font size and baseline.
    """
    handle = textpage.raw  # skip the wrapper's per-call parameter conversion
    c_left, c_top, c_right, c_bottom = (ctypes.c_double() for _ in range(4))
    x, y = ctypes.c_double(), ctypes.c_double()
    matrix = pdfium_c.FS_MATRIX()
    runs: list[Line] = []
    previous_object: int | None = None
    for i in range(pdfium_c.FPDFText_CountRects(handle, 0, -1)):
        if not pdfium_c.FPDFText_GetRect(handle, i, c_left, c_top, c_right, c_bottom):
            continue
        left, top, right, bottom = c_left.value, c_top.value, c_right.value, c_bottom.value
        half_width, half_height = (right - left) / 2, (top - bottom) / 2
        index = pdfium_c.FPDFText_GetCharIndexAtPos(
            handle, left + half_width, bottom + half_height, half_width, half_height
        )
        obj = pdfium_c.FPDFText_GetTextObject(handle, index) if index >= 0 else None
        address = ctypes.cast(obj, ctypes.c_void_p).value if obj else None
        if address is not None and address == previous_object:
            continue  # one object split over two rectangles: its text is already in
        previous_object = address
        if address is None:
            text = _bounded_text(handle, left, top, right, bottom)
        else:
            text = _object_text(handle, obj)
        size, baseline = top - bottom, bottom  # fallbacks: tight box height, box bottom
        if index >= 0:
            size = pdfium_c.FPDFText_GetFontSize(handle, index) or size
            if pdfium_c.FPDFText_GetMatrix(handle, index, matrix):
                size *= math.hypot(matrix.c, matrix.d) or 1.0
            if pdfium_c.FPDFText_GetCharOrigin(handle, index, x, y):
                baseline = y.value
        if text.strip():
            runs.append(Line(text, left, right, -top, -bottom, -baseline, size, len(text.strip())))
    return _merge_runs(runs)


def _object_text(textpage: pdfium_c.FPDF_TEXTPAGE, obj: pdfium_c.FPDF_PAGEOBJECT) -> str:
    n_bytes = pdfium_c.FPDFTextObj_GetText(obj, textpage, None, 0)
    if n_bytes <= 2:
        return ""
    buffer = (ctypes.c_ushort * (n_bytes // 2))()
    pdfium_c.FPDFTextObj_GetText(obj, textpage, buffer, n_bytes)
    return _printable(bytes(buffer).decode("utf-16-le", errors="replace"))


def _bounded_text(
    textpage: pdfium_c.FPDF_TEXTPAGE, left: float, top: float, right: float, bottom: float
) -> str:
    n = pdfium_c.FPDFText_GetBoundedText(textpage, left, top, right, bottom, None, 0)
    if n <= 0:
        return ""
    buffer = (ctypes.c_ushort * n)()
    pdfium_c.FPDFText_GetBoundedText(textpage, left, top, right, bottom, buffer, n)
    return _printable(bytes(buffer).decode("utf-16-le", errors="replace"))


def _printable(text: str) -> str:
    """Control characters become spaces; NULs go; pdfium's hyphenation mark stays."""
    return _CONTROL.sub(" ", text.replace("\x00", ""))


def _merge_runs(runs: list[Line]) -> list[Line]:
    """Join consecutive runs on one baseline band, left to right, into lines."""
    lines: list[Line] = []
    for run in runs:
        cur = lines[-1] if lines else None
        if cur is None or run.left < cur.right - SAME_LINE * run.size or not _same_band(cur, run):
            lines.append(run)
            continue
        gap = run.left - cur.right
        joint = "" if cur.text.endswith(" ") or run.text.startswith(" ") else " "
        cur.text += (joint if gap > SPACE_GAP * run.size else "") + run.text
        if run.chars > cur.chars // 2:  # the dominant run sets the line's style
            cur.size, cur.baseline = run.size, run.baseline
        cur.right = run.right
        cur.top, cur.bottom = min(cur.top, run.top), max(cur.bottom, run.bottom)
        cur.chars += run.chars
    for line in lines:
        line.text = " ".join(line.text.split())
    return [line for line in lines if line.text]


def _same_band(line: Line, run: Line) -> bool:
    """Same baseline (tiny punctuation boxes too), or overlapping boxes (super/subscripts)."""
    if abs(line.baseline - run.baseline) <= BASELINE_TOLERANCE * run.size:
        return True
    overlap = min(run.bottom, line.bottom) - max(run.top, line.top)
    return overlap >= SAME_LINE * min(run.bottom - run.top, line.bottom - line.top)


def _needs_ocr(page: pdfium.PdfPage, chars: int) -> bool:
    """A page is OCR'd if it draws something but has no text layer (a scan, or
    text drawn as outlines), or if images cover most of it and it has only a
    few characters (a scan with a stamped header)."""
    if chars >= MIN_TEXT_CHARS:
        return False
    if chars == 0:
        return pdfium_c.FPDFPage_CountObjects(page) > 0
    width, height = page.get_size()
    covered = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        covered += max(0.0, right - left) * max(0.0, top - bottom)
    return covered >= SCAN_COVERAGE * width * height


def render_for_ocr(page: pdfium.PdfPage) -> np.ndarray:
    """Grayscale rendering at OCR_DPI, the longer side capped to OCR_MAX_SIDE_PX."""
    width, height = page.get_size()
    scale = min(OCR_DPI / POINTS_PER_INCH, OCR_MAX_SIDE_PX / max(width, height, 1.0))
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        return np.array(bitmap.to_numpy(), dtype=np.uint8, copy=True)
    finally:
        bitmap.close()
