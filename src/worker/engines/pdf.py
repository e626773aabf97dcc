"""PDF pages through pdfium: text-layer lines, or a rendered image to OCR.

pdfium is not thread-safe, not even across documents, so every call into it
holds ``PDFIUM_LOCK``; the lock is released between pages so concurrent
conversions interleave page by page.

Text is read per text rectangle (pdfium merges the characters of one text
object into one rectangle), not per character: one char-index lookup, one
object-text read and font-size/matrix/origin queries per rectangle.
Geometry is in PDF points, turned to y-down (``-y``) for ``geometry.Line``.

Runs on one baseline are merged into segments unless a gap wider than
SEGMENT_GAP separates them (table cells, columns): the layout stage decides
what those gaps mean. Ruling lines (thin path objects, rectangle edges) are
returned with the text for table detection. A page whose text is mostly
private-use or replacement characters (fonts without a usable Unicode map)
is rendered for OCR instead.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import pathlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ilios.errors import CorruptFile, IliosError, PdfEncrypted
from ilios.pdfium_lock import PDFIUM_LOCK
from ilios.worker.engines.geometry import Line, PageText, Rule, marker_gap

OCR_DPI = 300.0  # render resolution for pages without a text layer, dots per inch
OCR_MAX_SIDE_PX = 4000  # ... capped so the longer side has at most this many pixels
POINTS_PER_INCH = 72.0
MIN_TEXT_CHARS = 32  # a page with fewer visible characters than this, and ...
SCAN_COVERAGE = 0.5  # ... images covering this share of its area, is OCR'd
MAX_LEADING = 1.6  # usual baseline pitch is capped at this many font sizes
SPACE_GAP = 0.15  # horizontal gap between runs, in font sizes, that reads as a space
BASELINE_TOLERANCE = 0.2  # runs whose baselines differ by at most this (font sizes) ...
SAME_LINE = 0.5  # ... or whose boxes overlap by this share of the smaller are one line
SEGMENT_GAP = 1.0  # a gap between runs wider than this (font sizes) starts a new segment
TEXT_BUFFER_CHARS = 8192  # UTF-16 units of the reused text buffer (longer texts get their own)
BOLD_WEIGHT = 600  # a font this heavy (or named bold/black/heavy) is bold
GARBAGE_SHARE = 0.3  # pages with this share of unmappable characters are OCR'd
VERTICAL_RATIO = 1.5  # a run of 2+ characters this many times taller than wide is vertical
VERTICAL_SHARE = 0.5  # a page with more of its characters in vertical runs is turned
WALL_SLACK = 1.0  # a grid line this close (points) to the gap between two runs separates them
RULE_MAX_THICKNESS = 3.0  # a path at most this thick (points) is a ruling line
RULE_MIN_LENGTH = 6.0  # ... and at least this long (points)
RECT_MAX_SEGMENTS = 6  # a path with at most this many segments is a rectangle (4 edges)
RECT_MAX_PAGE_SHARE = 0.5  # larger rectangles are page backgrounds or frames, not cells
MAX_PATHS = 4000  # pages with more path objects (charts, drawings) get no rules

_CONTROL = re.compile("[\x01\x03-\x1f\x7f-\x9f]")  # C0/C1 controls but \x02 (hyphenation)
_PASSWORD_ERRORS = {pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY}
_GARBAGE = re.compile("[\ue000-\uf8ff\ufffd]")  # private use area, replacement character
_ALEFS, _LAM = "\u0627\u0623\u0625\u0622\u0671", "\u0644"  # alef (plain, hamza, madda, wasla), lam
_RTL_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")  # Hebrew, Arabic
_BOLD_NAME = re.compile("bold|black|heavy|demi|semib", re.IGNORECASE)


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

    def read_page(self, index: int) -> PageText | np.ndarray:
        """The text segments and rules of page ``index`` (0-based), or, for a
        scanned page or one whose text does not map to Unicode, a grayscale
        image (H x W uint8 array) to OCR."""
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
                view = View.of(page)
                rules = user_rules(page)
                cuts = _grid_columns(rules) if view.rotation in (0, 180) else []
                textpage = page.get_textpage()
                try:
                    lines, garbage = text_lines(textpage, view, cuts)
                finally:
                    textpage.close()
                chars = sum(line.chars for line in lines)
                if garbage > GARBAGE_SHARE * (chars + garbage) or _needs_ocr(page, chars):
                    return render_for_ocr(page)
                shown = [Rule(*view.box(*rule)) for rule in rules]
                return PageText(lines, shown)
            except pdfium.PdfiumError as exc:
                raise CorruptFile(
                    f"Page {index + 1} of the PDF could not be read: repair or re-export "
                    "the PDF and send it again.",
                    page=str(index + 1),
                    detail=str(exc),
                ) from exc
            finally:
                page.close()

    def render(self, index: int) -> np.ndarray:
        """Page ``index`` (0-based) rendered for OCR (see ``render_for_ocr``)."""
        with PDFIUM_LOCK:
            page = self._doc[index]
            try:
                return render_for_ocr(page)
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


@dataclass(frozen=True, slots=True)
class View:
    """How the page is shown: its /Rotate (clockwise degrees) and its size in
    PDF user space. ``box`` maps a user-space rectangle (y up) to the shown
    page, y down, so that a landscape page drawn on a portrait one (a table
    turned with /Rotate 90) is laid out as a reader sees it."""

    rotation: int
    width: float
    height: float

    @classmethod
    def of(cls, page: pdfium.PdfPage) -> View:
        width, height = page.get_size()
        if page.get_rotation() in (90, 270):
            width, height = height, width  # get_size reports the shown size
        return cls(page.get_rotation() % 360, width, height)

    def point(self, x: float, y: float) -> tuple[float, float]:
        """A user-space point (y up) on the shown page (y down, origin top left
        for a turned page; y = -y_user for an upright one, as before)."""
        if self.rotation == 90:
            return y, x
        if self.rotation == 180:
            return self.width - x, y
        if self.rotation == 270:
            return self.height - y, self.width - x
        return x, -y

    def box(
        self, left: float, bottom: float, right: float, top: float
    ) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) on the shown page of a user-space box."""
        x0, y0 = self.point(left, bottom)
        x1, y1 = self.point(right, top)
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


UPRIGHT = View(0, 0.0, 0.0)


def text_lines(
    textpage: pdfium.PdfTextPage,
    view: View = UPRIGHT,
    cuts: Sequence[tuple[float, float, float]] = (),
) -> tuple[list[Line], int]:
    """The text page's segments, in pdfium's (content stream) order, and the
    number of characters that have no usable Unicode value.

    pdfium starts a new rectangle whenever the text object changes, so each
    rectangle's text is its object's text (exact, unlike a geometric
    bounded-text query, which picks up neighbours' overhanging glyphs).
    The rectangle's centre char gives the object, font size and baseline.
    A rectangle that a vertical ruling line in ``cuts`` (x, y0, y1; user
    space) crosses is read piece by piece between the lines instead: a
    producer may draw a whole table row as one text object, and the grid
    is what splits it into cells.
    """
    handle = textpage.raw  # skip the wrapper's per-call parameter conversion
    c_left, c_top, c_right, c_bottom = (ctypes.c_double() for _ in range(4))
    runs: list[Line] = []
    split: set[int | None] = set()  # objects read by position
    bold_fonts: dict[int | None, bool] = {}
    buffer = (ctypes.c_ushort * TEXT_BUFFER_CHARS)()
    garbage = 0
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
        middle = bottom + half_height
        crossing = sorted(
            cx
            for cx, lo, hi in cuts
            if left < cx < right and lo <= middle <= hi and _between_glyphs(handle, cx, middle)
        )
        if crossing or address in split:
            split.add(address)  # its other rectangles are read by position too
            pieces = [left, *crossing, right]
            texts = [
                (a, b, _bounded_text(handle, a, top, b, bottom))
                for a, b in itertools.pairwise(pieces)
            ]
        elif address is not None and address == previous_object:
            continue  # one object split over two rectangles: its text is already in
        elif address is None:
            texts = [(left, right, _bounded_text(handle, left, top, right, bottom))]
        else:
            text = _object_text(handle, obj, buffer)
            if _RTL_LETTER.search(text):
                text = _rtl_object_text(handle, obj, index) or text
            texts = [(left, right, text)]
        previous_object = address
        for piece_left, piece_right, text in texts:
            garbage += _add_run(
                runs,
                handle,
                view,
                text,
                (piece_left, bottom, piece_right, top),
                index,
                obj,
                bold_fonts,
            )
    walls = []  # the cuts on the shown page: (x, top, bottom)
    for x, y0, y1 in cuts:
        (shown_x, top), (_, bottom) = view.point(x, y0), view.point(x, y1)
        walls.append((shown_x, min(top, bottom), max(top, bottom)))
    if _vertical(runs):
        return _merge_runs([_turned(run) for run in runs]), garbage
    return _merge_runs(runs, walls), garbage


def _vertical(runs: list[Line]) -> bool:
    """Most characters are in runs set top to bottom (vertical CJK): boxes of
    two or more characters far taller than wide."""
    tall = sum(
        run.chars
        for run in runs
        if run.chars >= 2 and run.bottom - run.top >= VERTICAL_RATIO * (run.right - run.left)
    )
    return tall > VERTICAL_SHARE * sum(run.chars for run in runs)


def _turned(run: Line) -> Line:
    """The run on the page turned a quarter turn clockwise in geometry (x' =
    y, y' = -x), so that columns read top to bottom, right to left, lay out
    like lines read left to right, top to bottom."""
    middle = (run.left + run.right) / 2
    return Line(
        run.text,
        run.top,
        run.bottom,
        -run.right,
        -run.left,
        -middle + run.size / 2,
        run.size,
        run.chars,
        run.bold,
    )


def _between_glyphs(handle: pdfium_c.FPDF_TEXTPAGE, x: float, y: float) -> bool:
    """No glyph but a space lies on the vertical line at ``x`` (user space):
    a grid's column line runs between cell texts, not through a word."""
    index = pdfium_c.FPDFText_GetCharIndexAtPos(handle, x, y, WALL_SLACK, WALL_SLACK)
    return index < 0 or chr(pdfium_c.FPDFText_GetUnicode(handle, index) or 32).isspace()


def _add_run(
    runs: list[Line],
    handle: pdfium_c.FPDF_TEXTPAGE,
    view: View,
    text: str,
    box: tuple[float, float, float, float],
    index: int,
    obj: pdfium_c.FPDF_PAGEOBJECT | None,
    bold_fonts: dict[int | None, bool],
) -> int:
    """Append the run of ``text`` in user-space ``box`` (left, bottom, right,
    top) whose middle character is ``index``; return its count of
    characters without a Unicode value (dropped)."""
    garbage = 0
    if _GARBAGE.search(text):
        garbage = len(_GARBAGE.findall(text))
        text = _GARBAGE.sub(" ", text)
    left, bottom, right, top = box
    x, y = ctypes.c_double(), ctypes.c_double()
    matrix = pdfium_c.FS_MATRIX()
    shown_left, shown_top, shown_right, shown_bottom = view.box(left, bottom, right, top)
    size, baseline = shown_bottom - shown_top, shown_bottom  # fallbacks: the box's
    if index >= 0:
        size = pdfium_c.FPDFText_GetFontSize(handle, index) or size
        if pdfium_c.FPDFText_GetMatrix(handle, index, matrix):
            size *= math.hypot(matrix.c, matrix.d) or 1.0
        if pdfium_c.FPDFText_GetCharOrigin(handle, index, x, y):
            baseline = view.point(x.value, y.value)[1]
    if text.strip():
        bold = _is_bold(obj, bold_fonts) if obj else False
        chars = len(text.strip())
        shown = (shown_left, shown_right, shown_top, shown_bottom)
        runs.append(Line(text, *shown, baseline, size, chars, bold))
    return garbage


def _is_bold(obj: pdfium_c.FPDF_PAGEOBJECT, cache: dict[int | None, bool]) -> bool:
    """Whether the text object's font is bold (by weight or name), cached per font."""
    font = pdfium_c.FPDFTextObj_GetFont(obj)
    key = ctypes.cast(font, ctypes.c_void_p).value if font else None
    if key not in cache:
        bold = False
        if font:
            bold = pdfium_c.FPDFFont_GetWeight(font) >= BOLD_WEIGHT
            name = ctypes.create_string_buffer(128)
            pdfium_c.FPDFFont_GetBaseFontName(font, name, len(name))
            bold = bold or bool(_BOLD_NAME.search(name.value.decode("latin-1")))
        cache[key] = bold
    return cache[key]


def _object_text(
    textpage: pdfium_c.FPDF_TEXTPAGE, obj: pdfium_c.FPDF_PAGEOBJECT, buffer: ctypes.Array
) -> str:
    """The object's text. pdfium rebuilds it on every call and copies it only
    into a large enough buffer, so one call with a reused buffer usually does."""
    n_bytes = pdfium_c.FPDFTextObj_GetText(obj, textpage, buffer, ctypes.sizeof(buffer))
    if n_bytes <= 2:
        return ""
    if n_bytes > ctypes.sizeof(buffer):
        buffer = (ctypes.c_ushort * (n_bytes // 2))()
        pdfium_c.FPDFTextObj_GetText(obj, textpage, buffer, n_bytes)
    text = ctypes.string_at(buffer, n_bytes - 2).decode("utf-16-le", errors="replace")
    return _printable(text)


def _rtl_object_text(
    textpage: pdfium_c.FPDF_TEXTPAGE, obj: pdfium_c.FPDF_PAGEOBJECT, index: int
) -> str:
    """The text of a right-to-left object from the text page's characters,
    with each lam-alef ligature in logical order: pdfium may give its two
    characters as alef, lam, which no glyph can be (alef never joins the
    letter after it)."""
    address = ctypes.cast(obj, ctypes.c_void_p).value

    def same(j: int) -> bool:
        other = pdfium_c.FPDFText_GetTextObject(textpage, j)
        return bool(other) and ctypes.cast(other, ctypes.c_void_p).value == address

    count = pdfium_c.FPDFText_CountChars(textpage)
    first = last = index
    while first > 0 and same(first - 1):
        first -= 1
    while last + 1 < count and same(last + 1):
        last += 1
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    glyphs: list[tuple[tuple[float, ...], str]] = []
    for j in range(first, last + 1):
        code = pdfium_c.FPDFText_GetUnicode(textpage, j)
        pdfium_c.FPDFText_GetCharBox(textpage, j, left, right, bottom, top)
        box = (round(left.value, 2), round(right.value, 2), round(bottom.value, 2))
        ch = chr(code) if code else ""
        if glyphs and glyphs[-1][0] == box and glyphs[-1][1] in _ALEFS and ch == _LAM:
            glyphs[-1] = (box, ch + glyphs[-1][1])  # one glyph: lam-alef, turned around
        else:
            glyphs.append((box, ch))
    return _printable("".join(text for _, text in glyphs))


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


def _merge_runs(runs: list[Line], walls: Sequence[tuple[float, float, float]] = ()) -> list[Line]:
    """Join consecutive runs on one baseline band, left to right, into segments
    (a gap wider than SEGMENT_GAP font sizes, or a grid's column line in
    ``walls`` (x, top, bottom; shown page), keeps them apart)."""
    lines: list[Line] = []
    for run in runs:
        cur = lines[-1] if lines else None
        gap = run.left - cur.right if cur else 0.0
        if (
            cur is None
            or gap < -SAME_LINE * run.size
            or gap > marker_gap(cur.text, SEGMENT_GAP) * max(run.size, cur.size)
            or not _same_band(cur, run)
            or _walled(cur, run, walls)
        ):
            lines.append(run)
            continue
        joint = "" if cur.text.endswith(" ") or run.text.startswith(" ") else " "
        cur.text += (joint if gap > SPACE_GAP * run.size else "") + run.text
        if run.chars > cur.chars // 2:  # the dominant run sets the line's style
            cur.size, cur.baseline = run.size, run.baseline
        cur.right = run.right
        cur.bold = cur.bold and run.bold
        cur.top, cur.bottom = min(cur.top, run.top), max(cur.bottom, run.bottom)
        cur.chars += run.chars
    for line in lines:
        line.text = " ".join(line.text.split())
    return [line for line in lines if line.text]


def _walled(line: Line, run: Line, walls: Sequence[tuple[float, float, float]]) -> bool:
    """A column line of a grid stands between the two (at the run's height)."""
    middle = (run.top + run.bottom) / 2
    return any(
        line.right - WALL_SLACK <= x <= run.left + WALL_SLACK and top <= middle <= bottom
        for x, top, bottom in walls
    )


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


def page_rules(page: pdfium.PdfPage, view: View = UPRIGHT) -> list[Rule]:
    """Ruling lines of the page on the shown page (``view``), y-down, in points."""
    rules = []
    for x0, y0, x1, y1 in user_rules(page):
        left, top, right, bottom = view.box(x0, y0, x1, y1)
        rules.append(Rule(left, top, right, bottom))
    return rules


def _grid_columns(
    rules: list[tuple[float, float, float, float]],
) -> list[tuple[float, float, float]]:
    """The vertical rules (x, y0, y1) that at least two horizontal rules meet
    or cross: the column lines of a ruled grid (not a lone bar or a box edge
    beside text)."""
    horizontal = [r for r in rules if r[1] == r[3]]
    cuts = []
    for x, y0, x1, y1 in rules:
        if x != x1:
            continue
        meeting = sum(
            1
            for hx0, hy, hx1, _ in horizontal
            if hx0 - RULE_MAX_THICKNESS <= x <= hx1 + RULE_MAX_THICKNESS
            and y0 - RULE_MAX_THICKNESS <= hy <= y1 + RULE_MAX_THICKNESS
        )
        if meeting >= 2:
            cuts.append((x, y0, y1))
    return cuts


def user_rules(page: pdfium.PdfPage) -> list[tuple[float, float, float, float]]:
    """Ruling lines of the page's top-level path objects in user space (x0,
    y0, x1, y1; y up; x0 == x1 for a vertical one): thin paths are lines,
    small rectangles give their four edges. None on pages with more than
    MAX_PATHS paths (drawings, charts)."""
    handle = page.raw
    count = pdfium_c.FPDFPage_CountObjects(handle)
    width, height = page.get_size()
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    rules: list[tuple[float, float, float, float]] = []
    paths = 0
    for i in range(count):
        obj = pdfium_c.FPDFPage_GetObject(handle, i)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        paths += 1
        if paths > MAX_PATHS:
            return []
        if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        x0, y0, x1, y1 = left.value, bottom.value, right.value, top.value
        w, h = x1 - x0, y1 - y0
        if h <= RULE_MAX_THICKNESS and w >= RULE_MIN_LENGTH:
            rules.append((x0, (y0 + y1) / 2, x1, (y0 + y1) / 2))
        elif w <= RULE_MAX_THICKNESS and h >= RULE_MIN_LENGTH:
            rules.append(((x0 + x1) / 2, y0, (x0 + x1) / 2, y1))
        elif (
            w >= RULE_MIN_LENGTH
            and h >= RULE_MIN_LENGTH
            and w * h <= RECT_MAX_PAGE_SHARE * width * height
            and pdfium_c.FPDFPath_CountSegments(obj) <= RECT_MAX_SEGMENTS
        ):
            rules += [(x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)]
    return rules


def render_for_ocr(page: pdfium.PdfPage) -> np.ndarray:
    """Grayscale rendering at OCR_DPI, the longer side capped to OCR_MAX_SIDE_PX."""
    width, height = page.get_size()
    scale = min(OCR_DPI / POINTS_PER_INCH, OCR_MAX_SIDE_PX / max(width, height, 1.0))
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        return np.array(bitmap.to_numpy(), dtype=np.uint8, copy=True)
    finally:
        bitmap.close()
