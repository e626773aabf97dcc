"""PDF pages through pdfium: text-layer lines, or a rendered image to OCR.

pdfium is not thread-safe, not even across documents, so every call into it
holds ``PDFIUM_LOCK``; the lock is released between pages so concurrent
conversions interleave page by page.

Text is read per run of characters that one text object drew (found by
galloping over the text page's character -> object lookup), not per
character: one object-text read, one rectangle and font-size/matrix/origin
queries per run; each object is read once and a copy of the same text drawn
over it is dropped. Geometry is in PDF points, turned to y-down (``-y``)
for ``geometry.Line``.

Runs on one baseline are merged into segments unless a gap wider than
SEGMENT_GAP separates them (table cells, columns): the layout stage decides
what those gaps mean. Between the rules of a table ruled only across
(``_ruled_bands``) a run is split at narrower gaps (CELL_GAP). Ruling
lines (thin path objects, rectangle edges) are returned with the text for
table detection. A page whose text is mostly
private-use or replacement characters (fonts without a usable Unicode map)
is rendered for OCR instead; a page whose text is mostly invisible over a
page-sized image is marked as a scan with an OCR layer (``PageText.scanned``).
"""

from __future__ import annotations

import array
import bisect
import ctypes
import itertools
import math
import pathlib
import re
import types
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, NamedTuple

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pypdfium2_raw.bindings as pdfium_bindings

from ilios.errors import CorruptFile, IliosError, PdfEncrypted
from ilios.pdfium_lock import PDFIUM_LOCK
from ilios.worker.engines import accents, bidi, forms, glyph_order, legibility, stacks
from ilios.worker.engines.geometry import (
    LEADER_DOTS,
    MARKER_GAP,
    RTL_SCRIPT,
    Line,
    PageText,
    Rule,
    is_wide_char,
    marker_gap,
    meets_wide,
)

OCR_DPI = 300.0  # render resolution for pages without a text layer, dots per inch
OCR_MAX_SIDE_PX = 4000  # ... capped so the longer side has at most this many pixels
POINTS_PER_INCH = 72.0
MIN_TEXT_CHARS = 32  # a page with fewer visible characters than this, and ...
SCAN_COVERAGE = 0.5  # ... images covering this share of its area, is OCR'd
INVISIBLE_SHARE = 0.5  # a page with more of its text invisible, over such images, is a scan
IMAGE_DEPTH = 4  # images are looked for in forms nested this deep (the page itself is 1)
MAX_LEADING = 1.6  # usual baseline pitch is capped at this many font sizes
SPACE_GAP = 0.15  # horizontal gap between runs, in font sizes, that reads as a space
MONO_SPACE_GAP = 0.4  # ... in a fixed-pitch font, whose narrow glyphs sit in wide cells
# ... but not next to a CJK or fullwidth character: those scripts put no spaces between
# words, and their glyphs (fullwidth punctuation above all) carry wide side bearings
FALLBACK_CHARS = 2  # letters this few in another font inside a word (a fallback font's
# accented letter) keep a fixed-pitch line fixed-pitch
BASELINE_TOLERANCE = 0.2  # runs whose baselines differ by at most this (font sizes) ...
SAME_LINE = 0.5  # ... or whose boxes overlap by this share of the smaller are one line
SEGMENT_GAP = 1.0  # a gap between runs wider than this (font sizes) starts a new segment
DROP_CAP_SIZE = 2.0  # a capital letter this many times the next run's size may be a drop cap
GLUE_GAP = 0.25  # runs this close (font sizes) that pdfium put no space between are one word
# ... and within one text object (a producer may draw a row across columns as one): an object
SPREAD_WIDTH = 1.2  # ... wider than this many box heights a character is read glyph by glyph
SPREAD_WORDS = 0.7  # ... or this many, when it holds words between spaces (fields of a row)
MOVED_GAP = 1.2  # ... and one is split where pdfium put a space in a gap this wide ...
MOVED_LABEL = 6  # ... not after a first word this short (a label: "(1)") ...
MOVED_RUN = 16  # ... in a run of this many characters or more (pieces of two lines)
CELL_GAP = 0.8  # ... is split at gaps this wide (font sizes) between two rules of a table
BAND_MAX = 300.0  # ... ruled only across, no further apart than this (points) ...
HEAD_MAX = 48.0  # ... and the top two no further than this (the table's head)
TEXT_BUFFER_CHARS = 8192  # UTF-16 units of the reused text buffer (longer texts get their own)
BOLD_WEIGHT = 600  # a font this heavy (or named bold/black/heavy) is bold
FIXED_PITCH_FLAG = 1  # font descriptor flag: all glyphs have the same width
GARBAGE_SHARE = 0.3  # pages with this share of unmappable characters are OCR'd
UNMAPPED_MIN_CHARS = 3  # a text this long with that share of C0 controls is raw glyph codes
VERTICAL_RATIO = 1.5  # a run of 2+ characters this many times taller than wide is vertical
VERTICAL_SHARE = 0.5  # a page with more of its characters in vertical runs is turned
# ... and a page with fewer of its characters in runs turned a quarter (their glyphs set
# along the page's height) has them out of its lines: margin stamps, rotated labels
SCRIPT_SIZE = 0.85  # a run this much smaller than its neighbour, ...
SCRIPT_CHARS = 5  # ... of at most this many characters and no space, ...
SCRIPT_RISE = (0.75, 0.4)  # ... with its baseline this far above / below (neighbour's sizes)
# ... is a superscript or subscript of the neighbour's line ("10th", "H2O", note marks)
CURVE_LETTERS = 4  # this many single letters in a row, each turned from the one before ...
CURVE_STEP = (3.0, 45.0)  # ... by this many degrees (least, most), the same way, are lettering
WORD_TURN = 1.5  # ... and a step this many times their usual one parts two words
SLANT_ANGLE = 10.0  # degrees: text set this far off both axes is slanted (a watermark)
_SLANT_SINE = math.sin(math.radians(SLANT_ANGLE))
WALL_SLACK = 1.0  # a grid line this close (points) to the gap between two runs separates them
LINE_BAND = 8.0  # vertical lines are indexed in bands of this many points of height
RULE_MAX_THICKNESS = 3.0  # a path at most this thick (points) is a ruling line
RULE_MIN_LENGTH = 6.0  # ... and at least this long (points)
SEPARATOR_MIN = 144.0  # a lone vertical rule this long (points, 2 inches) separates columns
RECT_MAX_SEGMENTS = 6  # a path with at most this many segments is a rectangle (4 edges)
RECT_MAX_PAGE_SHARE = 0.5  # larger rectangles are page backgrounds or frames, not cells
MAX_PATHS = 4000  # pages with more path objects (charts, drawings) get no rules
MAX_DASHES = 20000  # ... and pages with more dashes (below) get none from dashes
DASH_MIN = 3  # a rule drawn as dashes (short thin paths of one size, in a line) has this many
DASH_GAPS = 2.0  # ... each at most this many dash lengths from the next (one may be missing)
DASH_MIN_GAP = 1.5  # ... or this many points (dots)
FILL_CELL = 72.0  # points: filled rectangles are filed by the squares of this size they cover
COPY_OVERLAP = 0.5  # the same text over this share of its earlier box is a copy (>= 0.5)
COPY_CELL = (96.0, 8.0)  # points: boxes read are filed by the cells of this size they cross
Box = tuple[float, float, float, float]  # left, bottom, right, top in user space

_UNSURE_RANGE = re.compile("[\x00\ud800-\udfff\ufffd\U00010000-\U0010ffff]")  # see _run_text
_NOTE_MARK = re.compile("[0-9]{1,3}|[*\u2020\u2021\u00a7\u00b6]{1,3}")  # 12, *, †, ‡, §, ¶
_CONTROL = re.compile("[\x01\x03-\x1f\x7f-\x9f]")  # C0/C1 controls but \x02 (hyphenation)
_UNMAPPED = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f]")  # C0 controls but tab and line ends
_PASSWORD_ERRORS = {pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY}
_DOTS = re.compile(f"[{LEADER_DOTS}] ?[{LEADER_DOTS}]")  # two dots: a leader
_GARBAGE = re.compile("[\ue000-\uf8ff\ufffd]")  # private use area, replacement character
# Word's bullets and check boxes in symbol fonts, which map their codes to
# the private use area (U+F000 + code): Symbol's bullet; Wingdings' square,
# arrowhead, diamond of four, diamond, black square, shadowed square and
# check mark, and its empty and ticked boxes.
_SYMBOL_MARKS = {
    0xF0B7: "\u2022",
    0xF0A7: "\u25aa",
    0xF0D8: "\u27a2",
    0xF076: "\u2756",
    0xF075: "\u25c6",
    0xF06E: "\u25a0",
    0xF071: "\u2751",
    0xF0FC: "\u2713",
    0xF0A8: "\u2610",
    0xF0FE: "\u2611",
}
_ALEFS, _LAM = "\u0627\u0623\u0625\u0622\u0671", "\u0644"  # alef (plain, hamza, madda, wasla), lam
# Bold by name; TeX's bold fonts are named by weight letter: CMBX10, SFBX1200, CMBXTI10, CMB10.
_BOLD_NAME = re.compile(r"bold|black|heavy|demi|semib|bx(?:ti|sl)?\d|(?:^|\+)cmb\d", re.IGNORECASE)
_MONO_NAME = re.compile(  # typewriter families (TeX's cmtt, lmtt, txtt and pcrr too; URW's
    # Courier, NimbusMonL, is LaTeX's with Times)
    "mono|courier|consol|menlo|monaco|typewriter|fixed|cmtt|lmtt|txtt|pcrr|nimbusmon|sourcecode",
    re.IGNORECASE,
)


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
            if pdfium_c.FPDF_GetFormType(self._doc.raw) != pdfium_c.FORMTYPE_NONE:
                self._doc.init_forms()  # before any page loads: its fields' values are read
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
                shades: list[Box] = []
                rules = user_rules(page, shades)
                cuts = _grid_columns(rules, shades) if view.rotation in (0, 180) else []
                bands = _ruled_bands(rules)
                textpage = page.get_textpage()
                invisible: list[int] = [0]
                try:
                    lines, garbage = text_lines(textpage, view, cuts, invisible, bands)
                finally:
                    textpage.close()
                chars = sum(line.chars for line in lines)
                if garbage > GARBAGE_SHARE * (chars + garbage) or _needs_ocr(page, chars):
                    return render_for_ocr(page)
                shown = [Rule(*view.box(*rule)) for rule in rules]
                scanned = invisible[0] > INVISIBLE_SHARE * chars and _image_share(page) >= (
                    SCAN_COVERAGE
                )
                if self._doc.formenv is not None:
                    lines += forms.field_lines(self._doc.formenv.raw, page, view.box)
                return PageText(lines, shown, scanned=scanned)
            except pdfium.PdfiumError as exc:
                raise CorruptFile(
                    f"Page {index + 1} of the PDF could not be read: repair or re-export "
                    "the PDF and send it again.",
                    page=str(index + 1),
                    detail=str(exc),
                ) from exc
            finally:
                page.close()

    def origin(self, index: int) -> tuple[float, float, float] | None:
        """For an upright page (no /Rotate): the user-space x and y of its
        shown top left corner and its width, so that a shown point (x, y)
        lies (x - left) and (top + y) points from a rendering's top left
        corner (width points wide); None for a turned page."""
        with PDFIUM_LOCK:
            page = self._doc[index]
            try:
                if page.get_rotation() % 360:
                    return None
                left, _, right, top = page.get_cropbox()
                return left, top, right - left
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
    turned with /Rotate 90) is laid out as a reader sees it. ``crop`` is the
    part of user space shown (left, bottom, right, top: the crop box); what
    lies wholly outside it (a proof's job ticket above the trimmed page) is
    not on the page a reader sees."""

    rotation: int
    width: float
    height: float
    crop: Box | None = None

    @classmethod
    def of(cls, page: pdfium.PdfPage) -> View:
        width, height = page.get_size()
        if page.get_rotation() in (90, 270):
            width, height = height, width  # get_size reports the shown size
        return cls(page.get_rotation() % 360, width, height, page.get_cropbox())

    def shows(self, left: float, bottom: float, right: float, top: float) -> bool:
        """Some of the user-space box lies inside the crop box or on its edge."""
        if self.crop is None:
            return True
        c_left, c_bottom, c_right, c_top = self.crop
        return left <= c_right and right >= c_left and bottom <= c_top and top >= c_bottom

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

    def along_height(self, dx: float, dy: float) -> bool:
        """A user-space direction (``dx``, ``dy``) runs down or up the shown
        page rather than across it (a quarter turn swaps the axes)."""
        across, down = (dx, dy) if self.rotation in (0, 180) else (dy, dx)
        return abs(down) > abs(across)

    def box(
        self, left: float, bottom: float, right: float, top: float
    ) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) on the shown page of a user-space box."""
        if self.rotation == 0:  # the common case, without the general one's calls
            return min(left, right), -max(bottom, top), max(left, right), -min(bottom, top)
        x0, y0 = self.point(left, bottom)
        x1, y1 = self.point(right, top)
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


UPRIGHT = View(0, 0.0, 0.0)


def text_lines(
    textpage: pdfium.PdfTextPage,
    view: View = UPRIGHT,
    cuts: Sequence[tuple[float, float, float]] = (),
    invisible: list[int] | None = None,
    bands: Sequence[tuple[float, float, float, float]] = (),
) -> tuple[list[Line], int]:
    """The text page's segments, in pdfium's (content stream) order, and the
    number of characters that have no usable Unicode value. ``invisible[0]``
    counts up the characters drawn invisibly (render mode 3: an OCR layer).

    The text page's characters come in runs, one per text object drawing
    them (``_object_runs``); a run's text is its object's text (exact,
    unlike a geometric bounded-text query, which picks up neighbours'
    overhanging glyphs), its box pdfium's rectangle for it, and its middle
    character gives the font size and baseline. Each object is read once: a
    copy drawn over it (bold or shadow effects) or its rest after a break
    pdfium made adds nothing. A run that a vertical ruling line in ``cuts``
    (x, y0, y1; user space) crosses, or that covers several lines, is read
    character by character into pieces instead: a producer may draw a whole
    table row as one text object, and the grid is what splits it into cells.
    Right-to-left runs are read run by run from their characters. Between
    two rules of a table ruled only across (``bands``: x0, x1, y0, y1; user
    space; ``_ruled_bands``) a run is split at gaps of CELL_GAP font sizes:
    a producer may draw a row of narrow columns as one text object.

    Texts are read raw (C0 controls kept) and cleaned once the page is
    read, font by font: a font whose text on the page is its glyph indices
    (``_glyph_fonts``) is read through the standard glyph order; in the
    rest, controls become spaces (``_printable``).
    """
    handle = textpage.raw  # skip the wrapper's per-call parameter conversion
    c_left, c_top, c_right, c_bottom = (ctypes.c_double() for _ in range(4))
    rect = [ctypes.byref(value) for value in (c_left, c_top, c_right, c_bottom)]
    runs: list[Line] = []
    fonts: dict[int | None, _Font] = {}
    weights: list[int] = []  # per run: its font's weight, or 0 if named bold
    buffer = (ctypes.c_ushort * TEXT_BUFFER_CHARS)()
    garbage = 0
    cut_index = _Lines(cuts)
    read: set[int] = set()  # objects whose whole text is in
    spans: dict[int, tuple[int, int]] = {}  # id of a run read whole -> its characters
    drawn: dict[tuple[str, int, int], list[Box]] = {}  # (text, cell) -> boxes read
    glue_at, last_run = -1, None  # where the last whole run read ends, and it
    # each object's run as read: (box, raw text, a character) per piece, its
    # object, and its characters if read whole
    read_runs: list[tuple[list[tuple[Box, str, int]], Any, tuple[int, int] | None]] = []
    # some text holds C0 controls (but \x02: hyphenation marks are common), as the
    # figures and stops of a font that gives glyph indices do: look for such fonts
    controlled = False
    angles: dict[int, float] = {}  # id of a run of one letter -> its angle, degrees
    object_runs = list(_object_runs(handle))
    run_count = Counter(address for _, _, address in object_runs)
    chars = _bare.FPDFText_CountChars(handle)
    for first, end, address in object_runs:
        if address in read:
            continue
        lines = _bare.FPDFText_CountRects(handle, first, end - first)
        if lines < 1 or not _bare.FPDFText_GetRect(handle, 0, *rect):
            continue
        box = left, bottom, right, top = c_left.value, c_bottom.value, c_right.value, c_top.value
        if not view.shows(*box):
            continue
        index = _middle_glyph(handle, first, end)
        obj = pdfium_c.FPDFText_GetTextObject(handle, index)
        middle = (bottom + top) / 2
        crossing = bool(cuts) and any(
            _between_glyphs(handle, cx, middle) for cx in cut_index.at(middle, left, right)
        )
        texts: list[tuple[Box, str, int]]
        gap = math.inf
        width, height = right - left, top - bottom
        if end - first > 2 and (
            width > SPREAD_WIDTH * height * (end - first)
            or (
                width > SPREAD_WORDS * height * (end - first)
                and _spaced_words(handle, first, end, chars, buffer)
            )
        ):
            gap = SEGMENT_GAP * _font_size(handle, index)  # wide for its glyphs: gaps inside?
        elif (
            end - first > 2
            and any(
                x0 <= left and right <= x1 and y0 <= bottom and top <= y1
                for x0, x1, y0, y1 in bands
            )
            and not _font_style(obj, fonts).mono  # code set in a box of rules keeps its spacing
        ):
            gap = CELL_GAP * _font_size(handle, index)  # a row between a table's rules
        if gap < math.inf:
            gap = gap if _widest_gap(handle, range(first, end)) > gap else math.inf
        whole = not (crossing or lines > 1 or gap < math.inf)  # one run: the object's text
        text = None
        if whole and run_count[address] == 1:  # drawn as this one run: read the range
            text = _run_text(handle, first, end, chars, buffer)
            moved = _moved_gap(handle, first, end, text) if text and end - first >= MOVED_RUN else 0
            if moved and moved > (widest := MOVED_GAP * _font_size(handle, index)):
                whole, gap = False, widest  # carried across a gutter: split there
        if not whole:
            texts = _object_pieces(handle, range(first, end), cuts, gap)
        else:
            if text is None:
                text = _object_text(handle, obj, buffer)
            if run_count[address] == 1 and _spaced_wide(text):  # pdfium spaced CJK tracking
                text = _squeezed_text(handle, first, end, chars) or text
            if RTL_SCRIPT.search(text):  # pdfium may break it into runs: read this one
                text = (
                    _rtl_object_text(handle, range(first, end), _font_size(handle, index)) or text
                )
            else:
                read.add(address)
            if _drawn_before(drawn, text, box):
                continue  # a copy drawn over it (bold or shadow effects)
            texts = [(box, text, index)]
        if not controlled:
            controlled = any(_CONTROL.search(piece[1]) for piece in texts)
        read_runs.append((texts, obj, (first, end) if whole else None))
    glyph_fonts = _glyph_fonts(read_runs) if controlled else {}
    for texts, obj, span in read_runs:
        count = len(runs)
        mode = _bare.FPDFTextObj_GetTextRenderMode(obj) if obj else 0
        stroked = mode == pdfium_c.FPDF_TEXTRENDERMODE_FILL_STROKE
        space = glyph_fonts.get(_font_of(obj)) if glyph_fonts and obj else None
        shown = 0
        for piece, text, at in texts:
            text = _printable(text) if space is None else glyph_order.decode(text, space)
            garbage += _add_run(
                runs, weights, handle, view, text, piece, at, obj, fonts, stroked, angles
            )
            shown += len(text.strip())
        if span and len(runs) > count:
            spans[id(runs[-1])] = span
            runs[-1].glued = span[0] == glue_at and count > 0 and runs[count - 1] is last_run
            glue_at, last_run = span[1], runs[-1]
        if invisible is not None and mode == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE:
            invisible[0] += shown
    _unbold_body(runs, weights)
    if len({round(angle) for angle in angles.values()}) >= CURVE_LETTERS:  # letters turned apart
        runs = _lettering(runs, angles)
    runs = stacks.columns(accents.place(handle, view.box, runs, spans))
    walls = []  # the cuts on the shown page: (x, top, bottom)
    for x, y0, y1 in cuts:
        (shown_x, top), (_, bottom) = view.point(x, y0), view.point(x, y1)
        walls.append((shown_x, min(top, bottom), max(top, bottom)))
    if _vertical(runs) or sum(run.chars for run in runs if run.side) > VERTICAL_SHARE * sum(
        run.chars for run in runs
    ):
        for run in runs:  # most of the text is set along the height: it is the page's own
            run.side = False
        if _vertical(runs):
            return _merge_runs([_turned(run) for run in runs]), garbage
    _keep_margin_side(runs)
    return stacks.join(_merge_runs(runs, walls)), garbage


def _lettering(runs: list[Line], angles: dict[int, float]) -> list[Line]:
    """Letters set one by one along a curve (a seal's or a logo's lettering:
    CURVE_LETTERS or more single letters drawn in a row, each turned from
    the one before by CURVE_STEP degrees, always the same way) become one
    run of their text, set apart as slanted text is: its letters are no
    text of the page's lines. A step WORD_TURN times the usual one parts
    two words ("CHONGQING UNIVERSITY" round a seal)."""
    out: list[Line] = []
    i = 0
    while i < len(runs):
        j, turn = i + 1, 0.0
        while j < len(runs) and id(runs[j - 1]) in angles and id(runs[j]) in angles:
            step = _turn(angles, runs[j - 1], runs[j])
            low, high = CURVE_STEP
            if not low <= abs(step) <= high or step * turn < 0:
                break
            turn, j = step, j + 1
        if j - i < CURVE_LETTERS:
            out.append(runs[i])
            i += 1
            continue
        letters = runs[i:j]
        steps = [abs(_turn(angles, a, b)) for a, b in itertools.pairwise(letters)]
        usual = sorted(steps)[len(steps) // 2]
        text = letters[0].text.strip()
        for step, run in zip(steps, letters[1:], strict=True):  # a wider step parts words
            text += (" " if step > WORD_TURN * usual else "") + run.text.strip()
        size = sorted(run.size for run in letters)[len(letters) // 2]
        top, bottom = min(run.top for run in letters), max(run.bottom for run in letters)
        left, right = min(run.left for run in letters), max(run.right for run in letters)
        chars = sum(run.chars for run in letters)
        out.append(
            Line(text, left, right, top, bottom, bottom, size, chars, side=True, slanted=True)
        )
        i = j
    return out


def _turn(angles: dict[int, float], a: Line, b: Line) -> float:
    """Degrees from letter ``a``'s angle to ``b``'s, in (-180, 180]."""
    return (angles[id(b)] - angles[id(a)] + 180.0) % 360.0 - 180.0


def _keep_margin_side(runs: list[Line]) -> None:
    """Runs set sideways stay apart (``Line.side``) only in a margin: left
    or right of all the page's upright text (an arXiv stamp, a printer's
    code). A sideways label among the upright text (a form's, a rotated
    column head) is read with it. Runs set at a slant (a watermark across
    the page) stay apart wherever they are."""
    upright = [run for run in runs if not run.side]
    left = min((run.left for run in upright), default=math.inf)
    right = max((run.right for run in upright), default=-math.inf)
    for run in runs:
        if run.side and not run.slanted and run.right > left and run.left < right:
            run.side = False


def _slanted(dx: float, dy: float) -> bool:
    """A text direction (``dx``, ``dy``) more than SLANT_ANGLE degrees off
    both axes of the page."""
    return bool(dx and dy) and min(abs(dx), abs(dy)) > _SLANT_SINE * math.hypot(dx, dy)


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
        run.mono,
    )


def _between_glyphs(handle: pdfium_c.FPDF_TEXTPAGE, x: float, y: float) -> bool:
    """No glyph but a space lies on the vertical line at ``x`` (user space):
    a grid's column line runs between cell texts, not through a word."""
    index = pdfium_c.FPDFText_GetCharIndexAtPos(handle, x, y, WALL_SLACK, WALL_SLACK)
    return index < 0 or _blank(handle, index)


def _blank(handle: pdfium_c.FPDF_TEXTPAGE, index: int) -> bool:
    """The character is a space (or has no Unicode value)."""
    return chr(_bare.FPDFText_GetUnicode(handle, index) or 32).isspace()


def _add_run(
    runs: list[Line],
    weights: list[int],
    handle: pdfium_c.FPDF_TEXTPAGE,
    view: View,
    text: str,
    box: Box,
    index: int,
    obj: pdfium_c.FPDF_PAGEOBJECT | None,
    fonts: dict[int | None, _Font],
    stroked: bool = False,
    angles: dict[int, float] | None = None,
) -> int:
    """Append the run of ``text`` in user-space ``box`` (left, bottom, right,
    top) whose middle character is ``index`` (and its font's weight to
    ``weights``: 0 if bold by name or by stroke); return its count of
    characters without a Unicode value (dropped). Glyphs ``stroked`` as
    well as filled (render mode 2) are bold: a word processor's bold of a
    font that has none. A run of one letter gets its angle in ``angles``
    (degrees; ``_lettering``)."""
    garbage = 0
    if _GARBAGE.search(text):
        text = text.translate(_SYMBOL_MARKS)
        garbage = len(_GARBAGE.findall(text))
        text = _GARBAGE.sub(" ", text)
    chars = len(text.strip())
    if not chars:
        return garbage
    shown_left, shown_top, shown_right, shown_bottom = view.box(*box)
    size, baseline = shown_bottom - shown_top, shown_bottom  # fallbacks: the box's
    turned = slanted = False
    matrix = None
    if index >= 0:
        matrix = _char_matrix(handle, index)
        size = _scaled_size(handle, index, size, matrix)
        turned = matrix is not None and view.along_height(matrix.a, matrix.b)
        slanted = matrix is not None and _slanted(matrix.a, matrix.b)
        x, y = ctypes.c_double(), ctypes.c_double()
        if _bare.FPDFText_GetCharOrigin(handle, index, ctypes.byref(x), ctypes.byref(y)):
            baseline = view.point(x.value, y.value)[1]
    font = _font_style(obj, fonts) if obj else _PLAIN
    bold = font.named_bold or stroked or font.weight >= BOLD_WEIGHT
    shown = (shown_left, shown_right, shown_top, shown_bottom)
    side = (turned and chars > 1) or slanted
    runs.append(Line(text, *shown, baseline, size, chars, bold, font.mono, side, slanted=slanted))
    if angles is not None and chars == 1 and matrix is not None:  # a letter alone: its angle
        angles[id(runs[-1])] = math.degrees(math.atan2(matrix.b, matrix.a))
    weights.append(0 if font.named_bold or stroked else font.weight)
    return garbage


class _Font(NamedTuple):
    """What a run's font says of its style: bold by name, weight, fixed pitch."""

    named_bold: bool
    weight: int
    mono: bool


_PLAIN = _Font(False, 0, False)


def _font_style(obj: pdfium_c.FPDF_PAGEOBJECT, cache: dict[int | None, _Font]) -> _Font:
    """The text object's font's style, cached per font: bold by name,
    weight, and whether it is fixed-pitch (its descriptor's flag, or a
    typewriter family's name)."""
    key = _font_of(obj)
    if key not in cache:
        font = pdfium_c.FPDFTextObj_GetFont(obj) if key else None
        style = _PLAIN
        if font:
            name = ctypes.create_string_buffer(128)
            pdfium_c.FPDFFont_GetBaseFontName(font, name, len(name))
            family = name.value.decode("latin-1")
            mono = bool(pdfium_c.FPDFFont_GetFlags(font) & FIXED_PITCH_FLAG)
            style = _Font(
                bool(_BOLD_NAME.search(family)),
                pdfium_c.FPDFFont_GetWeight(font),
                mono or bool(_MONO_NAME.search(family)),
            )
        cache[key] = style
    return cache[key]


def _unbold_body(runs: list[Line], weights: list[int]) -> None:
    """pdfium weighs a font by its descriptor's stem width, which some fonts
    give far too wide (TeX's Computer Modern: its roman weighs more than its
    bold). Where the page's main font (most characters) is heavy by weight
    alone, weight no longer makes a run bold unless its font is heavier
    still: a page's body text is not bold; bold by name stays bold."""
    chars: dict[int, int] = {}
    for run, weight in zip(runs, weights, strict=True):
        chars[weight] = chars.get(weight, 0) + run.chars
    body = max(chars, key=lambda weight: chars[weight], default=0)
    if body < BOLD_WEIGHT:
        return
    for run, weight in zip(runs, weights, strict=True):
        if weight and weight <= body:
            run.bold = False


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
    return ctypes.string_at(buffer, n_bytes - 2).decode("utf-16-le", errors="replace")


def _run_text(
    textpage: pdfium_c.FPDF_TEXTPAGE, first: int, end: int, count: int, buffer: ctypes.Array
) -> str | None:
    """The text of an object drawn as the one run of characters ``first`` to
    ``end``, as pdfium's object text has it (its characters, then the space
    after it if one follows), read from the text page's range: far cheaper
    than the object text, which pdfium builds by scanning the whole page.
    None where the range may not be the object's text (read that instead):
    the range reads a hyphenation mark as U+FFFE but skips some control
    characters, shifting the text, and drops unmapped glyphs; so its ends
    must be the run's own characters, and it must hold no replacement
    character, NUL or surrogate."""
    space = _space_after(textpage, end, count)
    if end - first == 1:  # one character: its code is its text
        code = _bare.FPDFText_GetUnicode(textpage, first)
        if 0x20 < code < 0xD800 or 0xE000 <= code < 0xFFFD:
            return chr(code) + " " * space
    units = end - first + space
    if units >= len(buffer):
        return None
    if _bare.FPDFText_GetText(textpage, first, units, buffer) != units + 1:  # and its NUL
        return None
    text = ctypes.string_at(buffer, 2 * units).decode("utf-16-le", errors="replace")
    text = text.replace("\ufffe", "\x02")
    if (
        ord(text[0]) != _bare.FPDFText_GetUnicode(textpage, first)
        or ord(text[-1]) != _bare.FPDFText_GetUnicode(textpage, first + units - 1)
        or _UNSURE_RANGE.search(text)
    ):
        return None
    return text


def _squeezed_text(textpage: pdfium_c.FPDF_TEXTPAGE, first: int, end: int, count: int) -> str:
    """The text of an object drawn as the one run of characters ``first`` to
    ``end`` (as ``_run_text``), read a character at a time, without the
    spaces pdfium generated between two CJK characters (for a gap of
    tracking or justification: CJK puts no spaces between words). "": a
    character outside the Basic Multilingual Plane (keep the object text)."""
    codes = [_bare.FPDFText_GetUnicode(textpage, j) for j in range(first, end)]
    codes = [
        code
        for k, code in enumerate(codes)
        if not (
            code == 0x20
            and 0 < k < len(codes) - 1
            and _bare.FPDFText_IsGenerated(textpage, first + k)
            and is_wide_char(chr(codes[k - 1]))
            and is_wide_char(chr(codes[k + 1]))
        )
    ]
    if _space_after(textpage, end, count):
        codes.append(0x20)
    if max(codes, default=0) > 0xFFFF:
        return ""
    units = array.array("H", [code for code in codes if code])
    return units.tobytes().decode("utf-16-le", errors="replace")


def _moved_gap(textpage: pdfium_c.FPDF_TEXTPAGE, first: int, end: int, text: str) -> float:
    """The widest gap (points) at a space pdfium generated inside the run of
    characters ``first`` to ``end`` (``text``, read from the range): there
    the producer moved the pen instead of drawing a space. TeX does so
    between words; some typesetters carry one object on along the baseline
    across a gutter into the next column, whose line it then seems to be.
    Gaps at a dot leader (before it, in it, after it), beside a CJK
    character (a title's characters set apart) and after a first word of
    MOVED_LABEL characters at most (a list label, a section number: "(1)",
    "2", "3.1") are left out, and right-to-left text is not looked at."""
    widest, edges = 0.0, None
    wide = not text.isascii()
    if wide and RTL_SCRIPT.search(text):
        return widest  # read run by run from its characters
    at = text.find(" ", 1)
    if at > 0 and len(text[:at].strip()) <= MOVED_LABEL:
        at = text.find(" ", at + 1)  # after a label: "(1)", "2", "3.1"
    while 0 < at < end - first - 1:
        if _bare.FPDFText_IsGenerated(textpage, first + at):
            leader = text[at + 1] == "." or text[at - 2 : at] in ("..", " .")
            spaced = wide and (is_wide_char(text[at - 1]) or is_wide_char(text[at + 1]))
            if not (leader or spaced):  # not a leader's, nor CJK set apart
                if edges is None:
                    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
                    edges = [ctypes.byref(value) for value in (left, right, bottom, top)]
                _bare.FPDFText_GetCharBox(textpage, first + at - 1, *edges)
                before = right.value
                _bare.FPDFText_GetCharBox(textpage, first + at + 1, *edges)
                widest = max(widest, left.value - before)
        at = text.find(" ", at + 1)
    return widest


def _space_after(textpage: pdfium_c.FPDF_TEXTPAGE, end: int, count: int) -> bool:
    """A space follows the run ending before character ``end`` (of ``count``):
    pdfium's object text ends with it."""
    return end < count and _bare.FPDFText_GetUnicode(textpage, end) == 0x20


def _spaced_words(
    textpage: pdfium_c.FPDF_TEXTPAGE, first: int, end: int, count: int, buffer: ctypes.Array
) -> bool:
    """The run of characters ``first`` to ``end`` holds words between spaces,
    none of them CJK (whose glyphs are wide by nature), and no dot leader
    (its dots are spaced out by design)."""
    text = _run_text(textpage, first, end, count, buffer) or ""
    return " " in text.strip() and not any(map(is_wide_char, text)) and not _DOTS.search(text)


def _spaced_wide(text: str) -> bool:
    """A space between two CJK (wide) characters."""
    if text.isascii():
        return False
    at = text.find(" ", 1)
    while 0 < at < len(text) - 1:
        if is_wide_char(text[at - 1]) and is_wide_char(text[at + 1]):
            return True
        at = text.find(" ", at + 1)
    return False


def _rtl_object_text(textpage: pdfium_c.FPDF_TEXTPAGE, chars: range, size: float) -> str:
    """The text of a right-to-left object's run of characters (``chars``,
    text page indices), with each lam-alef ligature in logical order: pdfium
    may give its two characters as alef, lam, which no glyph can be (alef
    never joins the letter after it). A run drawn in the order it is seen
    is turned around (``bidi.as_read``), with spaces where its letters stand
    further apart than SPACE_GAP font sizes (``size``, points)."""
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    edges = [ctypes.byref(value) for value in (left, right, bottom, top)]
    glyphs: list[tuple[tuple[float, ...], str]] = []
    for j in chars:
        code = _bare.FPDFText_GetUnicode(textpage, j)
        _bare.FPDFText_GetCharBox(textpage, j, *edges)
        box = (round(left.value, 2), round(right.value, 2), round(bottom.value, 2))
        ch = chr(code) if code else ""
        if glyphs and glyphs[-1][0] == box and glyphs[-1][1] in _ALEFS and ch == _LAM:
            glyphs[-1] = (box, ch + glyphs[-1][1])  # one glyph: lam-alef, turned around
        elif glyphs and glyphs[-1][0] == box:
            glyphs[-1] = (box, glyphs[-1][1] + ch)  # one glyph (a ligature)
        else:
            glyphs.append((box, ch))
    return "".join(text for _, text in bidi.as_read(glyphs, SPACE_GAP * size))


def _object_runs(textpage: pdfium_c.FPDF_TEXTPAGE) -> Iterator[tuple[int, int, int]]:
    """(first character, end character, object address) of each run of
    characters on the text page that one text object drew; characters pdfium
    generated between objects (spaces, line breaks: no object) are left out.

    An object's characters are neighbours on the text page (it lists objects
    in drawing order), so a run's end is found by galloping and halving
    rather than by asking for every character's object."""
    count = _bare.FPDFText_CountChars(textpage)
    first = 0
    while first < count:
        address = _object_of(textpage, first)
        if not address:
            first += 1
            continue
        last, step = first, 1  # _object_of(last) == address
        while last + step < count and _object_of(textpage, last + step) == address:
            last += step
            step *= 2
        beyond = min(last + step, count)  # its object differs (or the page ends)
        while beyond - last > 1:
            middle = (last + beyond) // 2
            if _object_of(textpage, middle) == address:
                last = middle
            else:
                beyond = middle
        yield first, last + 1, address
        first = last + 1


def _untyped(name: str, restype: Any) -> Callable[..., Any]:
    """pdfium's function ``name`` returning ``restype``, called without
    ctypes' argument conversion (no argtypes), which costs more than the
    call itself: Python ints go as C ints and ctypes pointers as they are,
    so an out parameter must be passed ``byref`` (and a double as
    c_double). A pointer result as ``c_void_p`` is a plain int (or None), a
    fraction of a typed pointer's cost."""
    function = type(getattr(pdfium_c, name))((name, pdfium_bindings._libs["pdfium"]))
    function.restype = restype
    return function


# The text layer's and the rule finder's hottest pdfium calls, untyped.
_bare: Any = types.SimpleNamespace(
    **{
        name: _untyped(name, getattr(pdfium_c, name).restype)
        for name in (
            "FPDFPage_CountObjects",
            "FPDFPage_GetObject",
            "FPDFPageObj_GetBounds",
            "FPDFPageObj_GetType",
            "FPDFPageObj_GetFillColor",
            "FPDFPath_CountSegments",
            "FPDFPath_GetDrawMode",
            "FPDFText_CountChars",
            "FPDFText_CountRects",
            "FPDFText_GetCharBox",
            "FPDFText_GetCharOrigin",
            "FPDFText_GetFontSize",
            "FPDFText_GetMatrix",
            "FPDFText_GetRect",
            "FPDFText_GetText",
            "FPDFText_GetUnicode",
            "FPDFText_IsGenerated",
            "FPDFTextObj_GetTextRenderMode",
        )
    }
)
_object_of = _untyped("FPDFText_GetTextObject", ctypes.c_void_p)  # a character's object's address
_font_of = _untyped("FPDFTextObj_GetFont", ctypes.c_void_p)  # a text object's font's address


def _drawn_before(drawn: dict[tuple[str, int, int], list[Box]], text: str, box: Box) -> bool:
    """The same text was read before in a box overlapping ``box`` by
    COPY_OVERLAP of its area (a copy drawn over it); else remember it.
    Boxes are filed under each COPY_CELL (width, height) they cross, so only
    those sharing a cell with ``box`` are compared: a form may repeat "X" or
    a leader's "." hundreds of times a page. Only the cell of ``box``'s
    middle is looked in: a box overlapping half of it or more holds its
    middle (the overlap, a rectangle, would lie in one half otherwise)."""
    key = " ".join(text.split())
    left, bottom, right, top = box
    width, height = COPY_CELL
    earlier = drawn.get((key, int((left + right) / 2 // width), int((bottom + top) / 2 // height)))
    if earlier:
        least = COPY_OVERLAP * max((right - left) * (top - bottom), 1e-6)
        for x0, y0, x1, y1 in earlier:
            overlap = max(0.0, min(right, x1) - max(left, x0)) * max(
                0.0, min(top, y1) - max(bottom, y0)
            )
            if overlap >= least:
                return True
    for x in range(int(left // width), int(right // width) + 1):
        for y in range(int(bottom // height), int(top // height) + 1):
            drawn.setdefault((key, x, y), []).append(box)
    return False


def _widest_gap(handle: pdfium_c.FPDF_TEXTPAGE, chars: range) -> float:
    """The widest horizontal gap (points) between consecutive glyphs of ``chars``."""
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    edges = [ctypes.byref(value) for value in (left, right, bottom, top)]
    widest, edge = 0.0, None
    for j in chars:
        if _blank(handle, j):
            continue
        _bare.FPDFText_GetCharBox(handle, j, *edges)
        if edge is not None:
            widest = max(widest, left.value - edge)
        edge = right.value
    return widest


def _font_size(handle: pdfium_c.FPDF_TEXTPAGE, index: int, fallback: float = 0.0) -> float:
    """The character's font size as drawn (its matrix's scale applied), in
    points; ``fallback`` (scaled the same) where pdfium knows none."""
    return _scaled_size(handle, index, fallback, _char_matrix(handle, index))


def _scaled_size(
    handle: pdfium_c.FPDF_TEXTPAGE, index: int, fallback: float, matrix: pdfium_c.FS_MATRIX | None
) -> float:
    """``_font_size`` with the character's ``matrix`` already read. A size
    set negative (``-8 Tf``: the glyphs turned a half turn, which a flipped
    matrix may turn back) is its magnitude."""
    size = abs(_bare.FPDFText_GetFontSize(handle, index) or fallback)
    return size * (math.hypot(matrix.c, matrix.d) or 1.0) if matrix is not None else size


def _char_matrix(handle: pdfium_c.FPDF_TEXTPAGE, index: int) -> pdfium_c.FS_MATRIX | None:
    """The character's matrix, or None where pdfium knows none."""
    matrix = pdfium_c.FS_MATRIX()
    return matrix if _bare.FPDFText_GetMatrix(handle, index, ctypes.byref(matrix)) else None


def _middle_glyph(handle: pdfium_c.FPDF_TEXTPAGE, first: int, end: int) -> int:
    """The run's middle character, or the nearest to it that a glyph drew: a
    space pdfium generated (for a gap) has no font, and reads as size 1."""
    if end - first == 1:
        return first  # itself, glyph or not
    middle = first + (end - first) // 2
    for offset in range(end - first):
        for index in (middle - offset, middle + offset):
            if first <= index < end and not _bare.FPDFText_IsGenerated(handle, index):
                if not _blank(handle, index):
                    return index
    return middle


def _object_pieces(
    textpage: pdfium_c.FPDF_TEXTPAGE,
    chars: range,
    cuts: Sequence[tuple[float, float, float]],
    gap: float = math.inf,
) -> list[tuple[Box, str, int]]:
    """The characters ``chars`` (a run of one object) cut into pieces at the
    grid's column lines (``cuts``: x, y0, y1), at line breaks and at gaps
    wider than ``gap`` (points) between glyphs: (box, text, a character
    index) per piece, in drawing order."""
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    edges = [ctypes.byref(value) for value in (left, right, bottom, top)]
    pieces: list[tuple[Box, str, int]] = []
    column = -1
    for j in chars:
        ch = chr(_bare.FPDFText_GetUnicode(textpage, j) or 32)
        if ch.isspace():
            if pieces:
                box, text, at = pieces[-1]
                pieces[-1] = (box, text + " ", at)
            continue
        _bare.FPDFText_GetCharBox(textpage, j, *edges)
        x0, x1, y0, y1 = left.value, right.value, bottom.value, top.value
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        walls = sum(1 for x, lo, hi in cuts if x < cx and lo <= cy <= hi)
        near = pieces and x0 - pieces[-1][0][2] <= gap
        if near and walls == column and y0 <= pieces[-1][0][3] and y1 >= pieces[-1][0][1]:
            (a, b, c, d), text, at = pieces[-1]  # same cell, same line (boxes overlap)
            pieces[-1] = ((min(a, x0), min(b, y0), max(c, x1), max(d, y1)), text + ch, at)
        else:
            pieces.append(((x0, y0, x1, y1), ch, j))
            column = walls
    return pieces


def _printable(text: str) -> str:
    """Control characters become spaces; NULs go; pdfium's hyphenation mark
    stays. A text of UNMAPPED_MIN_CHARS or more made largely of C0 controls
    is a font's raw glyph codes (no Unicode map): each of its characters
    becomes U+FFFD, counted as garbage. (A lone control is often a symbol
    font's bullet.) A space before a combining mark goes: the mark belongs
    to the letter before it (pdfium may put one between an Arabic letter
    and its shadda drawn apart: "العربي ّة"); before tanwin, which ends a
    word, it goes after the mark instead."""
    if text.isascii() and text.isprintable():
        return text  # the common case, at once
    text = text.replace("\x00", "")
    unmapped = len(_UNMAPPED.findall(text.rstrip("\x02")))
    shown = len("".join(text.split()))
    if unmapped and shown >= UNMAPPED_MIN_CHARS and unmapped > GARBAGE_SHARE * shown:
        return "\ufffd" * shown
    text = _CONTROL.sub(" ", text)
    return text if text.isascii() else bidi.marks_joined(text)


def _glyph_fonts(
    read_runs: list[tuple[list[tuple[Box, str, int]], Any, tuple[int, int] | None]],
) -> dict[int, int]:
    """The fonts (by address) whose text on the page, in ``read_runs`` (the
    pieces of each object's run, its object, ...), is their glyph indices,
    each with its space's glyph (``legibility.glyph_space``). Fonts with
    too little text to judge alone are judged with the spaces of those
    found, if any: one producer made the page."""
    parts: dict[int, list[str]] = {}
    for pieces, obj, _ in read_runs:
        if obj:
            parts.setdefault(_font_of(obj), []).extend(text for _, text, _ in pieces)
    texts = {font: "".join(texts) for font, texts in parts.items() if font}
    found: dict[int, int] = {}
    for font, text in texts.items():
        space = legibility.glyph_space(text)
        if space is not None:
            found[font] = space
    if found:
        given = tuple(sorted(set(found.values()), reverse=True))
        for font, text in texts.items():
            if font not in found:
                space = legibility.glyph_space(text, given)
                if space is not None:
                    found[font] = space
    return found


def _merge_runs(runs: list[Line], walls: Sequence[tuple[float, float, float]] = ()) -> list[Line]:
    """Join consecutive runs on one baseline band, left to right, into segments
    (a gap wider than SEGMENT_GAP font sizes, or a grid's column line in
    ``walls`` (x, top, bottom; shown page), keeps them apart). Neighbouring
    right-to-left runs so joined (drawn left to right, as they are seen)
    read right to left."""
    lines: list[Line] = []
    single: set[int] = set()  # lines of one run so far
    parts: dict[int, list[tuple[str, str, float]]] = {}  # line -> (joint, text, left) of its runs
    wall_index = _Lines(walls)
    for run in runs:
        cur = lines[-1] if lines else None
        gap = run.left - cur.right if cur else 0.0
        if (
            cur is not None
            and cur.text.strip() == "o"
            and id(cur) in single
            and SEGMENT_GAP * run.size < gap <= MARKER_GAP * run.size
            and _same_band(cur, run)
        ):
            cur.text = "\u25e6"  # Word's second-level bullet: an "o", a tab before its text
        if cur is not None and _inner_mark(cur, run):
            at = _mark_place(parts[id(cur)], run.left, cur.right)
            cur.text = cur.text[:at] + run.text.strip() + cur.text[at:]
            cur.chars += run.chars
            continue
        if (
            cur is None
            or gap < -SAME_LINE * run.size
            or _drawn_leftwards(cur, run)
            or gap > marker_gap(cur.text, SEGMENT_GAP, run.text) * max(run.size, cur.size)
            or cur.side
            or run.side
            or not _same_band(cur, run)
            or _walled(cur, run, wall_index)
        ):
            lines.append(run)
            single.add(id(run))
            parts[id(run)] = [("", run.text, run.left)]
            continue
        mark = (  # the line begins with a raised mark: a note's
            id(cur) in single
            and cur.size <= SCRIPT_SIZE * run.size
            and cur.baseline < run.baseline - BASELINE_TOLERANCE * run.size
        )
        cur.noted = cur.noted or mark
        drop = id(cur) in single and _drop_cap(cur, run)
        single.discard(id(cur))
        spaced = cur.text.endswith(" ") or run.text.startswith(" ")
        unspaced = meets_wide(cur.text, run.text)
        space = MONO_SPACE_GAP if cur.mono and run.mono else SPACE_GAP
        glued = run.glued and gap <= GLUE_GAP * run.size  # pdfium's verdict: one word
        joint = " " if gap > space * run.size and not (spaced or unspaced or glued) else ""
        if mark and not spaced:
            joint = " "  # the note's mark, then its text: "1 The code ...", not "1The"
        elif drop:
            cur.text, joint = cur.text.strip(), ""  # the word's first letter: "Scalable"
        cur.text += joint + run.text
        parts[id(cur)].append((joint, run.text, run.left))
        if run.chars > cur.chars // 2:  # the dominant run sets the line's style
            cur.size, cur.baseline = run.size, run.baseline
        cur.right = run.right
        cur.bold = cur.bold and run.bold
        fallback = run.chars <= FALLBACK_CHARS and run.text.isalpha() and not (joint or spaced)
        cur.mono = cur.mono and (run.mono or fallback)  # an accented letter from another font
        if drop:  # the line is the text's, not the cap's that hangs down beside the next ones
            cur.top, cur.bottom = run.top, run.bottom
        else:
            cur.top, cur.bottom = min(cur.top, run.top), max(cur.bottom, run.bottom)
        cur.chars += run.chars
    for line in lines:
        if len(parts[id(line)]) > 1 and not line.text.isascii() and RTL_SCRIPT.search(line.text):
            line.text = bidi.line_text(parts[id(line)])
        line.text = " ".join(line.text.split())
    # A lone "-" pdfium took for a hyphen (\x02), with no text beside it, is a
    # list marker of nothing (the bullets of a column whose text is unreadable).
    return [line for line in lines if line.text and line.text != "\x02"]


def _drawn_leftwards(cur: Line, run: Line) -> bool:
    """``run`` stands left of ``cur`` (its middle does: Arabic letters touch
    and overhang), both right-to-left script (or the run a stop): text drawn
    in reading order, a glyph or a word at a time. It is kept apart (the
    reading order joins the row's pieces, by where they stand): joined as
    if drawn left to right, a glyph overlapping the one before would turn
    the line's box inside out."""
    text = run.text.strip()
    if run.left + run.right >= cur.left + cur.right or not text:
        return False
    if not RTL_SCRIPT.search(text) and not all(unicodedata.category(ch)[0] == "P" for ch in text):
        return False  # neither letters of the script nor stops ("." after the last word)
    if unicodedata.category(text[0]) == "Mn":
        return False  # a vowel mark over or under the letter drawn before it
    return RTL_SCRIPT.search(cur.text) is not None


def _inner_mark(line: Line, run: Line) -> bool:
    """The run is a note's mark (``_NOTE_MARK``), a superscript of the line
    (``_script_of``, raised), drawn after the line, inside its width: a
    producer left room for it in the line and set it afterwards."""
    return (
        line.left < run.left
        and run.right <= line.right
        and _NOTE_MARK.fullmatch(run.text.strip()) is not None
        and _script_of(line, run)
        and run.baseline < line.baseline - BASELINE_TOLERANCE * line.size
        and not (line.side or run.side)
        and not RTL_SCRIPT.search(line.text)
    )


def _mark_place(parts: list[tuple[str, str, float]], x: float, right: float) -> int:
    """Where in a line made of ``parts`` ((joint, text, left) each; the line
    ends at ``right``) a mark standing at ``x`` goes: after the word ending
    nearest the share of its run's width that lies left of ``x``, its
    characters taken as equally wide."""
    start = 0
    for k, (joint, text, left) in enumerate(parts):
        end = parts[k + 1][2] if k + 1 < len(parts) else right
        if k + 1 < len(parts) and x >= end:
            start += len(joint) + len(text)
            continue
        start += len(joint)
        guess = round((x - left) / max(end - left, 1e-6) * len(text))
        ends = [
            i
            for i in range(1, len(text) + 1)
            if text[i - 1] != " " and text[i : i + 1] in ("", " ")
        ]
        return start + min(ends, key=lambda i: abs(i - guess), default=len(text))
    return start


def _walled(line: Line, run: Line, walls: _Lines) -> bool:
    """A column line of a grid stands between the two (at the run's height)."""
    middle = (run.top + run.bottom) / 2
    return bool(walls.at(middle, line.right - WALL_SLACK, run.left + WALL_SLACK, closed=True))


class _Lines:
    """Vertical lines (x, y0, y1), found by height and by x: each band of
    LINE_BAND points of height lists the lines across it, sorted by x."""

    def __init__(self, lines: Sequence[tuple[float, float, float]]) -> None:
        self.bands: dict[int, list[tuple[float, float, float]]] = {}
        for x, y0, y1 in sorted(lines):
            low, high = min(y0, y1), max(y0, y1)
            for band in range(int(low // LINE_BAND), int(high // LINE_BAND) + 1):
                self.bands.setdefault(band, []).append((x, low, high))
        self.xs = {band: [x for x, _, _ in found] for band, found in self.bands.items()}

    def at(self, y: float, left: float, right: float, closed: bool = False) -> list[float]:
        """The x of each line crossing height ``y`` between ``left`` and
        ``right`` (excluded, or included if ``closed``)."""
        band = int(y // LINE_BAND)
        found = self.bands.get(band)
        if not found:
            return []
        xs = self.xs[band]
        start = (bisect.bisect_left if closed else bisect.bisect_right)(xs, left)
        end = (bisect.bisect_right if closed else bisect.bisect_left)(xs, right)
        return [x for x, low, high in found[start:end] if low <= y <= high]


def _drop_cap(cap: Line, run: Line) -> bool:
    """``cap`` is a drop cap opening ``run``'s word: one capital letter,
    DROP_CAP_SIZE times the run's size or more, hanging below its top."""
    letter = cap.text.strip()
    return (
        len(letter) == 1
        and letter.isupper()
        and cap.size >= DROP_CAP_SIZE * run.size
        and cap.bottom > run.bottom
        and run.text[:1].islower()
    )


def _same_band(line: Line, run: Line) -> bool:
    """Same baseline (tiny punctuation boxes too), overlapping boxes, or a
    smaller run raised or lowered by less than the larger one's size (a
    superscript or subscript, whose box may overlap the line's only a little)."""
    if abs(line.baseline - run.baseline) <= BASELINE_TOLERANCE * run.size:
        return True
    overlap = min(run.bottom, line.bottom) - max(run.top, line.top)
    if overlap >= SAME_LINE * min(run.bottom - run.top, line.bottom - line.top):
        return True
    big, small = (line, run) if line.size >= run.size else (run, line)
    return _script_of(big, small)


def _script_of(big: Line, small: Line) -> bool:
    """``small`` is a superscript or subscript of ``big``'s line: SCRIPT_SIZE
    smaller, SCRIPT_CHARS at most and no space, its baseline within
    SCRIPT_RISE of the line's."""
    rise, drop = SCRIPT_RISE
    return (
        small.size <= SCRIPT_SIZE * big.size
        and len(small.text.strip()) <= SCRIPT_CHARS
        and not any(ch.isspace() for ch in small.text.strip())
        and big.baseline - rise * big.size <= small.baseline <= big.baseline + drop * big.size
    )


def _needs_ocr(page: pdfium.PdfPage, chars: int) -> bool:
    """A page is OCR'd if it draws something but has no text layer (a scan, or
    text drawn as outlines), or if images cover most of it and it has only a
    few characters (a scan with a stamped header)."""
    if chars >= MIN_TEXT_CHARS:
        return False
    if chars == 0:
        return pdfium_c.FPDFPage_CountObjects(page) > 0
    return _image_share(page) >= SCAN_COVERAGE


def _image_share(page: pdfium.PdfPage) -> float:
    """The share of the page's area that its images cover (overlaps counted twice),
    in form XObjects too, nested up to IMAGE_DEPTH - 1 deep (a scan repository
    may wrap each page's scan in a form inside a form)."""
    width, height = page.get_size()
    covered = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=IMAGE_DEPTH):
        left, bottom, right, top = obj.get_bounds()
        covered += max(0.0, right - left) * max(0.0, top - bottom)
    return covered / max(width * height, 1.0)


def page_rules(page: pdfium.PdfPage, view: View = UPRIGHT) -> list[Rule]:
    """Ruling lines of the page on the shown page (``view``), y-down, in points."""
    rules = []
    for x0, y0, x1, y1 in user_rules(page):
        left, top, right, bottom = view.box(x0, y0, x1, y1)
        rules.append(Rule(left, top, right, bottom))
    return rules


def _grid_columns(
    rules: list[tuple[float, float, float, float]], shades: Sequence[Box] = ()
) -> list[tuple[float, float, float]]:
    """The vertical rules (x, y0, y1) that at least two horizontal rules meet
    or cross (the column lines of a ruled grid), or that run SEPARATOR_MIN
    points or more (a line between columns of text): not a short bar or a
    box edge beside text, nor a side of one of the ``shades`` (filled
    rectangles, x0, y0, x1, y1) standing alone, its top and bottom the only
    rules to meet it (a word shaded in its line: the text runs on through)."""
    horizontal = np.array([r for r in rules if r[1] == r[3]], dtype=np.float64).reshape(-1, 4)
    vertical = np.array([r for r in rules if r[0] == r[2]], dtype=np.float64).reshape(-1, 4)
    if not len(vertical):
        return []
    slack = RULE_MAX_THICKNESS
    x, y0, y1 = vertical[:, :1], vertical[:, 1:2], vertical[:, 3:4]  # columns, against rows
    hx0, hy, hx1 = horizontal[:, 0], horizontal[:, 1], horizontal[:, 2]
    meets = (hx0 - slack <= x) & (x <= hx1 + slack) & (y0 - slack <= hy) & (hy <= y1 + slack)
    ending = meets & ((np.abs(hx0 - x) <= slack) | (np.abs(hx1 - x) <= slack))
    meeting = meets.sum(axis=1)
    box = np.array(shades, dtype=np.float64).reshape(-1, 4)  # against the shades
    edge = (np.abs(box[:, 0] - x) <= slack) | (np.abs(box[:, 2] - x) <= slack)
    edge &= (np.abs(box[:, 1] - y0) <= slack) & (np.abs(box[:, 3] - y1) <= slack)
    side = (meeting == 2) & (ending.sum(axis=1) == 2) & edge.any(axis=1)  # a lone shade's
    keep = ((meeting >= 2) & ~side) | (np.abs(vertical[:, 3] - vertical[:, 1]) >= SEPARATOR_MIN)
    return [(float(a), float(b), float(c)) for a, b, _, c in vertical[keep].tolist()]


def _ruled_bands(
    rules: list[tuple[float, float, float, float]],
) -> list[tuple[float, float, float, float]]:
    """The strips (x0, x1, y0, y1; user space) between the horizontal rules
    of a table ruled only across: three or more rules of the same length
    one over the other (above its head, under it, under its last row), each
    no further than BAND_MAX points from the next, the top two no further
    than HEAD_MAX (a head of a few lines), on a page with no vertical rule.
    Two rules alone, or a tall band on top (a box around a code example
    under its title), are none."""
    if any(r[0] == r[2] for r in rules):
        return []
    slack = RULE_MAX_THICKNESS
    groups: list[list[tuple[float, float, float, float]]] = []  # rules of one length, bottom up
    for rule in sorted((r for r in rules if r[1] == r[3]), key=lambda r: r[1]):
        last = groups[-1][-1] if groups else None
        if last is not None and abs(rule[1] - last[1]) <= slack and abs(rule[0] - last[0]) <= slack:
            continue  # a rule drawn twice (a thick one as two lines)
        if (
            last is not None
            and abs(rule[0] - last[0]) <= slack
            and abs(rule[2] - last[2]) <= slack
            and rule[1] - last[1] <= BAND_MAX
        ):
            groups[-1].append(rule)
        else:
            groups.append([rule])
    return [
        (a[0] - slack, a[2] + slack, a[1], b[1])
        for group in groups
        if len(group) >= 3 and group[-1][1] - group[-2][1] <= HEAD_MAX
        for a, b in itertools.pairwise(group)
    ]


def user_rules(
    page: pdfium.PdfPage, shades: list[Box] | None = None
) -> list[tuple[float, float, float, float]]:
    """Ruling lines of the page's top-level path objects in user space (x0,
    y0, x1, y1; y up; x0 == x1 for a vertical one): thin paths are lines,
    small rectangles give their four edges, unless filled (not stroked) with
    the colour of a filled rectangle they lie in, which draws no edge (a
    cell's padding box over its cell: ``_Fills``); rows of dashes drawn one
    by one are lines too (``_dashed``). None on pages with more than
    MAX_PATHS other paths (drawings, charts). The rectangles filled and not
    stroked that give edges are added to ``shades``."""
    handle = page.raw
    count = _bare.FPDFPage_CountObjects(handle)
    width, height = page.get_size()
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    bounds = [ctypes.byref(value) for value in (left, bottom, right, top)]
    rules: list[tuple[float, float, float, float]] = []
    dashes: list[Box] = []
    fills = _Fills()
    paths = 0
    for i in range(count):
        obj = _bare.FPDFPage_GetObject(handle, i)
        if _bare.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        if not _bare.FPDFPageObj_GetBounds(obj, *bounds):
            continue
        x0, y0, x1, y1 = left.value, bottom.value, right.value, top.value
        w, h = x1 - x0, y1 - y0
        if w < RULE_MIN_LENGTH and h < RULE_MIN_LENGTH and min(w, h) <= RULE_MAX_THICKNESS:
            dashes.append((x0, y0, x1, y1))  # a dash or a dot, or a small mark
            continue
        paths += 1
        if paths > MAX_PATHS:
            return []
        if h <= RULE_MAX_THICKNESS and w >= RULE_MIN_LENGTH:
            rules.append((x0, (y0 + y1) / 2, x1, (y0 + y1) / 2))
        elif w <= RULE_MAX_THICKNESS and h >= RULE_MIN_LENGTH:
            rules.append(((x0 + x1) / 2, y0, (x0 + x1) / 2, y1))
        elif (
            w >= RULE_MIN_LENGTH
            and h >= RULE_MIN_LENGTH
            and _bare.FPDFPath_CountSegments(obj) <= RECT_MAX_SEGMENTS
        ):
            colour = _fill_only(obj)
            if colour is not None and fills.add((x0, y0, x1, y1), colour):
                continue  # the colour beneath it: no edge shows
            if w * h <= RECT_MAX_PAGE_SHARE * width * height:
                rules += [(x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)]
                if colour is not None and shades is not None:
                    shades.append((x0, y0, x1, y1))
    return rules + _dashed(dashes) if len(dashes) >= DASH_MIN else rules


def _dashed(dashes: list[Box]) -> list[tuple[float, float, float, float]]:
    """The lines (as ``user_rules``) that rows of ``dashes`` (x0, y0, x1,
    y1) draw: DASH_MIN or more of one size on one centre line, each within
    DASH_GAPS dash lengths (or DASH_MIN_GAP points) of the next, reaching
    RULE_MIN_LENGTH (a spreadsheet's dotted cell borders, drawn dash by
    dash). A dash lies along its longer side; a dot (square) both ways.
    None from more than MAX_DASHES (a scatter plot's marks)."""
    if len(dashes) > MAX_DASHES:
        return []
    lines: dict[tuple[bool, float, float, float], list[tuple[float, float]]] = {}
    for x0, y0, x1, y1 in dashes:
        w, h = round(x1 - x0, 1), round(y1 - y0, 1)
        if w >= h:  # along x: keyed by its centre line, length and thickness
            lines.setdefault((True, round((y0 + y1) / 2, 1), w, h), []).append((x0, x1))
        if h >= w:
            lines.setdefault((False, round((x0 + x1) / 2, 1), h, w), []).append((y0, y1))
    rules: list[tuple[float, float, float, float]] = []
    for (across, at, length, _), spans in lines.items():
        if len(spans) < DASH_MIN:
            continue
        reach = max(DASH_GAPS * length, DASH_MIN_GAP)
        spans.sort()
        start, end, count = spans[0][0], spans[0][1], 1
        for a, b in [*spans[1:], (math.inf, math.inf)]:
            if a - end <= reach:
                end, count = max(end, b), count + 1
                continue
            if count >= DASH_MIN and end - start >= RULE_MIN_LENGTH:
                rules.append((start, at, end, at) if across else (at, start, at, end))
            start, end, count = a, b, 1
    return rules


def _fill_only(obj: pdfium_c.FPDF_PAGEOBJECT) -> tuple[int, int, int, int] | None:
    """The fill colour (RGBA) of a path filled and not stroked, else None."""
    mode, stroke = ctypes.c_int(), ctypes.c_int()
    if not _bare.FPDFPath_GetDrawMode(obj, ctypes.byref(mode), ctypes.byref(stroke)):
        return None
    if stroke.value or not mode.value:
        return None
    rgba = [ctypes.c_uint() for _ in range(4)]
    if not _bare.FPDFPageObj_GetFillColor(obj, *map(ctypes.byref, rgba)):
        return None
    r, g, b, a = (channel.value for channel in rgba)
    return r, g, b, a


class _Fills:
    """The rectangles filled so far on a page (user space), to tell the
    colour beneath a new one: that of the last one drawn that holds it (a
    white one on the bare page keeps its edges: forms mark their fields
    so). Filed by the FILL_CELL squares they cover, so only those covering
    a new rectangle's centre are compared."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[Box, tuple[int, int, int, int]]]] = {}

    def add(self, box: Box, colour: tuple[int, int, int, int]) -> bool:
        """File the rectangle ``box`` (x0, y0, x1, y1) filled with ``colour``;
        True if that is the colour beneath it (it draws no edge)."""
        x0, y0, x1, y1 = box
        centre = int((x0 + x1) / 2 // FILL_CELL), int((y0 + y1) / 2 // FILL_CELL)
        beneath: tuple[int, int, int, int] | None = None
        for (a0, b0, a1, b1), under in reversed(self.cells.get(centre, [])):
            if a0 <= x0 and b0 <= y0 and x1 <= a1 and y1 <= b1:
                beneath = under
                break
        for cx in range(int(x0 // FILL_CELL), int(x1 // FILL_CELL) + 1):
            for cy in range(int(y0 // FILL_CELL), int(y1 // FILL_CELL) + 1):
                self.cells.setdefault((cx, cy), []).append((box, colour))
        return colour == beneath


def render_for_ocr(page: pdfium.PdfPage) -> np.ndarray:
    """Grayscale rendering at OCR_DPI, the longer side capped to OCR_MAX_SIDE_PX."""
    width, height = page.get_size()
    scale = min(OCR_DPI / POINTS_PER_INCH, OCR_MAX_SIDE_PX / max(width, height, 1.0))
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        return np.array(bitmap.to_numpy(), dtype=np.uint8, copy=True)
    finally:
        bitmap.close()
