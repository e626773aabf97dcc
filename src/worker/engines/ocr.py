"""OCR for the local engine: Tesseract where its models are installed, else RapidOCR.

Tesseract (``tesseract``: page segmentation, orientation and script
detection, one model per language) reads the page when the default model is
installed; the languages a request names choose the models. Without
Tesseract's models, RapidOCR (below) reads it: its ONNX models (Chinese and
English) ship inside its wheel. Nothing is downloaded.

RapidOCR: One
instance per process, created on first use and shared behind a lock because
it is not thread-safe. Its per-line text-angle classifier is off: it flips
upright lines of long text and garbles them.

Orientation is decided per page instead (``_read_upright``): if most
detected text boxes are taller than wide, the page lies sideways and a
sample of boxes read both ways chooses the quarter turn; if an upright-shaped
reading is not confident, the widest boxes are read again turned half a
turn, and the page is turned if they read clearly better. Upright pages read
confidently cost nothing extra; a turned page costs one more detection and
reading. Pages come as 8-bit grayscale arrays; coordinates of the result are
pixels of the upright page.

Recognition reads each box scaled up to REC_MIN_HEIGHT_PX and squeezed to
REC_SQUEEZE of its width: the model (trained mostly on Chinese) otherwise
drops the spaces between Latin words and misreads small print.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from ilios.errors import EngineRejected, EngineUnavailable
from ilios.worker.engines import margins, scan, tesseract
from ilios.worker.engines.geometry import Line, PageText, Rule, join_words, marker_gap
from ilios.worker.engines.layout import to_markdown

OCR_MAX_LEADING = 2.2  # usual line pitch is capped at this many OCR box heights
OCR_SAME_LINE = 0.5  # boxes overlapping vertically by this share of the smaller are one line
OCR_SEGMENT_GAP = 1.0  # boxes further apart than this many box heights stay separate segments
OCR_OPTIONS: dict[str, Any] = {
    "use_cls": False,  # see module docstring
    "det_limit_type": "max",  # detect at most ...
    "det_limit_side_len": 1280,  # ... this many pixels on the longer side; never upscale
}
INK_LEVEL = 128  # gray levels below this are ink, for finding ruling lines
RULE_MIN_SHARE = 0.04  # a ruling line spans at least this share of the page side
TALL_SHARE = 0.6  # boxes taller than wide holding this share of box area: page sideways
TALL_RATIO = 1.5  # ... where "taller" means height at least this many times the width
REC_SQUEEZE = 0.75  # boxes are read squeezed to this share of their width (keeps spaces)
REC_MIN_HEIGHT_PX = 40  # ... after lower boxes are scaled up to this height (small print)
REC_MAX_UPSCALE = 3.0  # ... by at most this factor
TEXT_SCORE = 0.5  # boxes read with a lower score are dropped (RapidOCR's default)
CONFIDENT = 0.85  # a page read with this mean confidence is upright
ORIENT_CROPS = 10  # otherwise this many widest boxes are read turned half a turn ...
FLIP_MARGIN = 0.08  # ... and must beat the first reading by this mean confidence

_ocr: Any = None  # the process's RapidOCR instance, created on first use
_ocr_lock = threading.Lock()


def ocr_markdown(pixels: np.ndarray, languages: Sequence[str] = ()) -> str:
    """Markdown of the text OCR reads in a grayscale image (H x W uint8), any
    quarter turn, written in ``languages`` (Tesseract codes; () = the default)."""
    return page_markdown(ocr_page(pixels, languages))


def page_markdown(page: PageText) -> str:
    """Markdown of an OCR'd page: its lines laid out as OCR boxes (no font
    sizes), a lone page number at its foot last."""
    return to_markdown(
        page.lines,
        fonts=None,
        max_leading=OCR_MAX_LEADING,
        rules=page.rules,
        margins=margins.split(page.lines, []),
    )


def ocr_page(
    pixels: np.ndarray, languages: Sequence[str] = (), *, upright: bool = False
) -> PageText:
    """OCR'd text segments and ruling lines of the page turned upright;
    coordinates in pixels of the upright (possibly rescaled) page.
    ``upright``: the page is upright (its text layer says so), so Tesseract
    tries no turn (it still detects the script, see ``tesseract.read_page``).
    A negative (light text on a dark ground) is read as its positive."""
    pixels = scan.positive(pixels)
    if tesseract.available():
        try:
            langs = languages or default_languages()
            reading = tesseract.read_page(pixels, langs, upright=upright)
        except RuntimeError as exc:  # tesserocr's failures (a model that does not load)
            raise EngineRejected(
                "The OCR engine could not read this page.", detail=repr(exc)
            ) from exc
        return PageText(reading.lines, reading.rules, confidence=reading.confidence)
    with _ocr_lock:
        engine = _engine()
        try:
            result, turned = _read_upright(engine, pixels)
        except Exception as exc:
            raise EngineRejected(
                "The OCR engine could not read this page.", detail=repr(exc)
            ) from exc
    boxes = [_box(points, text) for points, text, *_ in result if str(text).strip()]
    lines = _group_lines(boxes, max_gap=OCR_SEGMENT_GAP)
    return PageText(lines, image_rules(turned) if lines else [])


def default_languages() -> list[str]:
    """The OCR languages of a request that names none: $OCR_LANGUAGES (codes
    separated by commas or plus signs), else English."""
    value = os.environ.get("OCR_LANGUAGES", "") or tesseract.DEFAULT_LANGUAGE
    return [code for code in value.replace("+", ",").split(",") if code.strip()]


def image_rules(pixels: np.ndarray) -> list[Rule]:
    """Ruling lines of a grayscale page: dark runs at least RULE_MIN_SHARE of
    the page's width (or height) long, found by a morphological opening."""
    ink = np.where(pixels < INK_LEVEL, 255, 0).astype(np.uint8)
    height, width = ink.shape
    rules: list[Rule] = []
    for horizontal in (True, False):
        length = max(int((width if horizontal else height) * RULE_MIN_SHARE), 8)
        shape = (length, 1) if horizontal else (1, length)
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, shape)
        runs = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
        _, _, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
        for x, y, w, h, _ in stats[1:].tolist():
            if horizontal:
                rules.append(Rule(x, y + h / 2, x + w, y + h / 2))
            else:
                rules.append(Rule(x + w / 2, y, x + w / 2, y + h))
    return rules


def _read_upright(engine: Any, pixels: np.ndarray) -> tuple[list[Any], np.ndarray]:
    """[points, text, score] per box read on the page turned upright (scores
    at least TEXT_SCORE; points in the upright page's pixels), and that page.

    If the detected boxes stand tall, the page is sideways: a sample of boxes
    read both ways chooses the quarter turn. Otherwise every box is read; a
    reading below CONFIDENT is checked for being upside down. A turned page
    is detected and read again (boxes found on upright text crop better);
    scores are the orientation signal, so nothing is dropped before the end.
    """
    boxes = _detect(engine, pixels)
    texts: list[Any] = []
    turns = 0
    if boxes and _tall_share(boxes) >= TALL_SHARE:  # rapidocr stands tall crops up
        sample = sorted(boxes, key=_long_side, reverse=True)[:ORIENT_CROPS]
        as_cut, _ = engine.text_rec(_crops(engine, pixels, sample))
        turned, _ = engine.text_rec(_crops(engine, pixels, sample, turns=2))
        turns = 1 if _confidence(as_cut) >= _confidence(turned) else 3
    elif boxes:
        texts, _ = engine.text_rec(_crops(engine, pixels, boxes))
        if _confidence(texts) < CONFIDENT and _upside_down(engine, pixels, boxes, texts):
            turns = 2
    if turns:
        pixels = np.ascontiguousarray(np.rot90(pixels, turns))
        boxes = _detect(engine, pixels)
        texts, _ = engine.text_rec(_crops(engine, pixels, boxes)) if boxes else ([], 0)
    result = [
        [box.tolist(), text, score]
        for box, (text, score) in zip(boxes, texts, strict=True)
        if score >= TEXT_SCORE
    ]
    return result, pixels


def _detect(engine: Any, pixels: np.ndarray) -> list[np.ndarray]:
    """Text boxes (4 points each: top-left, top-right, bottom-right, bottom-left)."""
    return [np.array(b, dtype=np.float32) for b in engine(pixels, use_rec=False)[0] or []]


def _long_side(box: np.ndarray) -> float:
    return float(max(np.ptp(box[:, 0]), np.ptp(box[:, 1])))


def _crops(
    engine: Any, pixels: np.ndarray, boxes: list[np.ndarray], turns: int = 0
) -> list[np.ndarray]:
    """The boxes cut out straight, scaled up to REC_MIN_HEIGHT_PX (at most
    REC_MAX_UPSCALE times), squeezed to REC_SQUEEZE of their width, and
    turned ``turns`` quarter turns."""
    image = cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR)
    out = []
    for crop in engine.get_crop_img_list(image, boxes):
        height, width = crop.shape[:2]
        scale = min(max(REC_MIN_HEIGHT_PX / max(height, 1), 1.0), REC_MAX_UPSCALE)
        size = (max(1, round(width * scale * REC_SQUEEZE)), max(1, round(height * scale)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC)
        out.append(np.ascontiguousarray(np.rot90(crop, turns)))
    return out


def _upside_down(
    engine: Any, pixels: np.ndarray, boxes: list[np.ndarray], texts: list[Any]
) -> bool:
    """The widest boxes read clearly better turned half a turn."""
    widest = sorted(range(len(boxes)), key=lambda k: np.ptp(boxes[k][:, 0]), reverse=True)
    sample = widest[:ORIENT_CROPS]
    turned, _ = engine.text_rec(_crops(engine, pixels, [boxes[k] for k in sample], turns=2))
    return _confidence(turned) > _confidence([texts[k] for k in sample]) + FLIP_MARGIN


def _tall_share(boxes: list[np.ndarray]) -> float:
    """Share of the box area in boxes at least TALL_RATIO times taller than wide."""
    tall = total = 0.0
    for box in boxes:
        width, height = float(np.ptp(box[:, 0])), float(np.ptp(box[:, 1]))
        total += width * height
        if height >= TALL_RATIO * width:
            tall += width * height
    return tall / total if total else 0.0


def _confidence(readings: list[Any]) -> float:
    """Mean recognition score of ``readings`` (text, score), weighted by characters."""
    total = sum(len(str(text)) for text, _ in readings)
    return sum(float(score) * len(str(text)) for text, score in readings) / total if total else 0.0


def _engine() -> Any:
    global _ocr
    if _ocr is None:
        try:
            from rapidocr_onnxruntime import RapidOCR

            _ocr = RapidOCR(**OCR_OPTIONS)
        except Exception as exc:
            raise EngineUnavailable(
                "The OCR engine could not start on this worker.", detail=repr(exc)
            ) from exc
    return _ocr


def _box(points: list[list[float]], text: str) -> Line:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    top, bottom = min(ys), max(ys)
    return Line(
        " ".join(str(text).split()), min(xs), max(xs), top, bottom, bottom, bottom - top, len(text)
    )


def _group_lines(boxes: list[Line], max_gap: float = float("inf")) -> list[Line]:
    """Boxes overlapping vertically form a line (left to right), split where
    boxes are more than ``max_gap`` box heights apart; lines top to bottom."""
    rows: list[list[Line]] = []
    for box in sorted(boxes, key=lambda b: (b.top + b.bottom) / 2):
        row = rows[-1] if rows else None
        if row is not None:
            top, bottom = min(b.top for b in row), max(b.bottom for b in row)
            overlap = min(bottom, box.bottom) - max(top, box.top)
            if overlap >= OCR_SAME_LINE * min(bottom - top, box.size):
                row.append(box)
                continue
        rows.append([box])
    merged: list[Line] = []
    for row in rows:
        row.sort(key=lambda b: b.left)
        pieces: list[list[Line]] = [[row[0]]]
        for box in row[1:]:
            last = pieces[-1][-1]
            if box.left - last.right > marker_gap(last.text, max_gap, box.text) * max(
                box.size, last.size
            ):
                pieces.append([box])
            else:
                pieces[-1].append(box)
        merged.extend(_merge(piece) for piece in pieces)
    return merged


def _merge(piece: list[Line]) -> Line:
    heights = sorted(b.size for b in piece)
    text = ""
    for box in piece:
        text = join_words(text, box.text)
    return Line(
        text,
        piece[0].left,
        max(b.right for b in piece),
        min(b.top for b in piece),
        max(b.bottom for b in piece),
        max(b.bottom for b in piece),
        heights[len(heights) // 2],
        sum(b.chars for b in piece),
    )
