"""Tesseract (through tesserocr) for the local engine's OCR: text size,
orientation, page segmentation and recognition.

The tesserocr wheel bundles libtesseract; the models are the traineddata
files of Debian's ``tesseract-ocr-<lang>`` packages (``scripts/install-ocr.sh``
installs them; ``$TESSDATA_PREFIX`` points elsewhere). Nothing is fetched at
run time. Without models, ``available()`` is False and OCR falls back to
RapidOCR.

A page goes through, in order:

1. Text size (``scan.scaled``): the page is scaled to the glyph height
   Tesseract reads best.
2. Orientation and script (Tesseract's OSD model): a confident quarter turn
   is applied; an unsure one is tried against the page as it is, and the
   reading with the better confidence wins. A script the requested models
   cannot read (Fraktur, Han, Arabic...) adds its installed model: at once
   when OSD is sure of it, else only if the page reads poorly without it
   and better with it (short texts give OSD little to go on).
3. Skew, light, ruling lines, leaders and panels (``scan``): a page askew
   is straightened in geometry, its words placed on the straight page; an
   unevenly lit page's ink is judged against the paper around it; ruling
   lines and dot leaders are found (on the straight page) and painted over
   (the rules go to the layout stage, which finds ruled tables in them);
   dark panels of light text are turned black on white.
4. Page segmentation and recognition (automatic page segmentation: columns,
   blocks, lines; Otsu's one threshold for the page, and on a page whose
   paper is much darker in places, Sauvola's local one too, the reading
   that finds more text kept), words grouped back into text segments with
   boxes, which the layout stage orders like a PDF text layer's. A solid
   round dot or square starting a line is a bullet; a line read at a low confidence,
   mostly stray letters and signs, is a picture's texture and goes. Vertical
   lines (CJK) are turned a quarter turn in geometry so that right-to-left
   columns read like top-to-bottom rows.
5. Parts page segmentation misreads are read again on their own
   (``regions``): a column of short lines it read as one vertical word,
   what ends each dot leader's line, each dark panel, each ruled grid's
   cells.
6. Language (``_language``): a Latin-script page whose words are mostly
   the common words of a language whose model is installed but was not
   used is read again with that model too (its accents), and the reading
   with the better confidence kept.
"""

from __future__ import annotations

import functools
import os
import pathlib
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ilios.worker.engines import regions, scan
from ilios.worker.engines.geometry import (
    Line,
    Rule,
    is_hangul,
    is_rtl_char,
    join_words,
    marker_gap,
    meets_wide,
    right_to_left,
)
from ilios.worker.engines.regions import Word

# Where Debian's tesseract-ocr-<lang> packages put their models, newest first.
TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
)
DEFAULT_LANGUAGE = "eng"
ORIENT_SURE = 5.0  # OSD orientation confidence above which a turn is applied untested
SCRIPT_SURE = 3.0  # OSD script confidence above which the script's model is added
RETRY_CONFIDENCE = 70.0  # below this, a reading is tried again with a less sure script's model
SCRIPT_TRIES = 2  # ... with at most this many of the script's models, one after the other
SEGMENT_GAP = 1.0  # words further apart than this many line heights are separate segments
WIDE_SEGMENT_GAP = 2.0  # ... this many between CJK words (a full-width stop's blank half)
ATTACH_GAP = 0.3  # a lone comma, stop or closing bracket this close (line heights) joins the word
RTL_OVERLAP = 0.3  # a right-to-left word may reach past its segment's right end (line heights)
VERTICAL_RATIO = 1.5  # a line this many times taller than wide runs top to bottom
LEGIBLE = 40.0  # a line read at a lower mean confidence (of 100) is texture, not text ...
SURE_WORD, SURE_LETTERS = 85.0, 5  # ... unless it holds a word this sure of this many letters
# A line's first "word" of one character that is a solid round dot is a
# bullet, whatever Tesseract calls it ("¢", "©", "e"): no taller than this
# share of the line, about as wide as high, its middle (the middle 40% each
# way) this share inked and each corner (20% each way) at most this share: a
# letter with its counters filled in ("в", bold and small) has inked corners.
BULLET_HEIGHT, BULLET_ASPECT, BULLET_MIDDLE, BULLET_CORNER = 0.7, (0.6, 1.6), 0.9, 0.5
BULLET_SQUARE = 0.9  # a square bullet ("■") fills this share of the box its ink spans
BULLET_TEXT = "\u2022"  # what a bullet found so is read as
# Tesseract's binarisation: Otsu's one threshold for the page; an unevenly lit
# page (see scan.unevenly_lit) is read again with Sauvola's, which follows the
# paper's brightness from place to place, and the reading that finds more text wins.
OTSU, SAUVOLA = "0", "2"  # Tesseract's thresholding_method values
MORE_TEXT = 1.2  # Sauvola's reading is kept if it finds this many times the characters ...
SAME_CONFIDENCE = 5.0  # ... at a mean confidence at most this much lower (of 100)
# OSD script names -> installed models that read them (first installed one is used).
SCRIPT_MODELS: dict[str, tuple[str, ...]] = {
    "Fraktur": ("frk", "Fraktur", "deu_latf"),
    "Han": ("chi_sim", "jpn", "chi_tra"),
    "Japanese": ("jpn",),
    "Hangul": ("kor",),
    "Korean": ("kor",),  # OSD's name for Hangul with Han (as Japanese is Han with kana)
    "Arabic": ("ara",),
    "Hebrew": ("heb",),
    "Cyrillic": ("rus", "ukr", "Cyrillic"),
    "Greek": ("ell", "Greek"),
    "Devanagari": ("hin", "Devanagari"),
    "Thai": ("tha",),
}
# The letters of those scripts (their main blocks), to tell the script of a text.
_SCRIPT_LETTERS = {
    name: re.compile(f"[{ranges}]")
    for name, ranges in {
        "Japanese": "\u3040-\u30ff",  # kana (with Han: Japanese)
        "Han": "\u3400-\u4dbf\u4e00-\u9fff",
        "Hangul": "\u1100-\u11ff\uac00-\ud7af",
        "Arabic": "\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff",
        "Hebrew": "\u0590-\u05ff",
        "Cyrillic": "\u0400-\u04ff",
        "Greek": "\u0370-\u03ff",
        "Devanagari": "\u0900-\u097f",
        "Thai": "\u0e00-\u0e7f",
    }.items()
}
KANA_SHARE = 0.1  # CJK text with this share of kana is Japanese
# Common words of the Latin-script languages with models, no word in two lists
# (a word two languages share, as Spanish and Portuguese "por", counts for one:
# the other's own words must outnumber it twice over, LANGUAGE_LEAD, for either
# to be told): a page read in other models whose words are mostly one of these
# languages' is read again with its model too (accents, ligatures, spelling).
LANGUAGE_WORDS = {
    language: frozenset(words.split())
    for language, words in {
        "eng": "the and of to that for it with was are by this from which have be",
        "deu": "der die und ist nicht mit sich auf für dem den ein eine zu von",
        "fra": "les et est une du dans pour sur pas au qui avec ce sont cette aux",
        "spa": "el los las y se por con para es al lo como más pero puede pueden sin desde",
        "ita": "di che della per sono gli nel alla delle dei anche questo più degli",
        "por": "os do em não uma ao pelo pela são também foi muito você",
        "nld": "het een van dat op zijn niet voor ook wordt naar bij hij",
    }.items()
}
LANGUAGE_MIN = 8  # ... at least this many of its common words ...
LANGUAGE_DISTINCT = 4  # ... this many different ones among them ...
LANGUAGE_LEAD = 2.0  # ... this many times as many as any other language's
VERTICAL_MODELS = ("jpn", "chi_sim", "chi_tra", "kor")  # models with a *_vert companion
_SCRIPTS_OWN = frozenset(m for models in SCRIPT_MODELS.values() for m in models)

_EDGE_MARKS = "|{}[]()<>.,;:!?'\"\u00ab\u00bb\u201c\u201d\u2018\u2019-"  # around a word
_CLOSING = re.compile("[,.)\\]}\u201d\u2019\u00bb]+")  # never starts a word in Latin scripts
_BAR = re.compile("[|\u00a6\u2502\u2503]+")  # a "word" of bars (see _bars_cut)
_own = threading.local()  # each thread's APIs (one API reads one page at a time)


def tessdata_dir() -> pathlib.Path | None:
    """The folder of installed traineddata files: $TESSDATA_PREFIX if set
    (Tesseract's own variable), else the first of Debian's that has models."""
    given = os.environ.get("TESSDATA_PREFIX")
    for candidate in [given] if given else TESSDATA_DIRS:
        if any(pathlib.Path(candidate).glob("*.traineddata")):
            return pathlib.Path(candidate)
    return None


@functools.cache
def installed_models() -> frozenset[str]:
    """Names of the installed models (``eng``, ``deu``, ``jpn_vert``, ``osd``...)."""
    folder = tessdata_dir()
    if folder is None:
        return frozenset()
    try:
        import tesserocr  # noqa: F401  (the wheel bundles libtesseract)
    except ImportError:
        return frozenset()
    return frozenset(p.stem for p in folder.glob("*.traineddata"))


def available() -> bool:
    """Tesseract can run here: tesserocr imports and the default model is installed."""
    return DEFAULT_LANGUAGE in installed_models()


def models_for(languages: Sequence[str]) -> list[str]:
    """The installed models for ``languages`` (Tesseract codes), each CJK
    model followed by its vertical companion; the default if none is installed."""
    have = installed_models()
    out: list[str] = []
    for code in languages:
        for name in (code, f"{code}_vert") if code in VERTICAL_MODELS else (code,):
            if name in have and name not in out:
                out.append(name)
    return out or [DEFAULT_LANGUAGE]


def with_script_of(text: str, languages: Sequence[str]) -> list[str]:
    """``languages``, and the first installed model of the script most of
    ``text``'s letters are in (an OCR layer's, when that script has models
    of its own: SCRIPT_MODELS) if they hold none of that script's."""
    script = _script(text)
    have = [m for m in SCRIPT_MODELS.get(script or "", ()) if m in installed_models()]
    if not have or any(m in languages for m in SCRIPT_MODELS[script or ""]):
        return list(languages)
    return [*languages, have[0]]


def _script(text: str) -> str | None:
    """The script (an OSD name) of most of the text's letters, of those
    with models of their own; None for Latin text or no majority."""
    letters = sum(1 for ch in text if ch.isalpha())
    counts = {name: len(pattern.findall(text)) for name, pattern in _SCRIPT_LETTERS.items()}
    cjk = counts["Japanese"] + counts["Han"]
    if cjk > letters / 2:
        return "Japanese" if counts["Japanese"] >= KANA_SHARE * cjk else "Han"
    name = max(counts, key=lambda name: counts[name])
    return name if counts[name] > letters / 2 else None


@dataclass(slots=True)
class Reading:
    """What Tesseract read on a page: segments and ruling lines in pixels of
    the upright, scaled and straightened page, and the mean word confidence
    (0-100)."""

    lines: list[Line]
    rules: list[Rule]
    confidence: float
    vertical: bool = False  # the lines were vertical: geometry turned a quarter turn
    turns: int = 0  # quarter turns (np.rot90) that made the page upright


def read_page(pixels: np.ndarray, languages: Sequence[str], *, upright: bool = False) -> Reading:
    """Read a grayscale page (H x W uint8) in ``languages``; see the module
    docstring. ``upright``: the page is known to be upright (a PDF page
    whose text layer is set upright), so no turn is tried; its script is
    still detected (a layer whose font map is broken says nothing of it)
    unless a language of a script of its own (one of SCRIPT_MODELS) is named."""
    page = scan.scaled(pixels)
    models = models_for(languages)
    if upright and any(m in _SCRIPTS_OWN for m in models):
        turns, script, sure = [0], None, False
    else:
        turns, script, sure = _orientation(page)
        turns = [0] if upright else turns
    have = [m for m in SCRIPT_MODELS.get(script or "", ()) if m in installed_models()]
    if any(m in models for m in have):  # a named language reads the script: only the
        have = [m for m in have if m[0].isupper()]  # script's own model may add to it
    others = [models_for([m, *models]) for m in have if m not in models]
    if others and sure:
        models, others = others[0], []
    readings = [_read_turned(page, turn, models) for turn in turns]
    best = max(readings, key=lambda r: r.confidence)
    for other in others[:SCRIPT_TRIES]:  # an unsure script: try its models on a poor reading
        if best.confidence >= RETRY_CONFIDENCE:
            break
        again = _read_turned(page, best.turns, other)
        best = max((best, again), key=lambda r: r.confidence)
    if not best.vertical and not any(m in _SCRIPTS_OWN for m in models):
        language = _language(" ".join(line.text for line in best.lines))
        if language is not None and language not in models and language in installed_models():
            again = _read_turned(page, best.turns, models_for([language, *models]))
            best = max((again, best), key=lambda r: r.confidence)  # a tie: the language's
    return best


def _language(text: str) -> str | None:
    """The Latin-script language (a model name) whose common words
    (LANGUAGE_WORDS) the text holds most of: at least LANGUAGE_MIN of them,
    LANGUAGE_DISTINCT different ones among them (one word is no language:
    Polish is full of "do"), LANGUAGE_LEAD times as many as any other
    language's (English's too); None if there is no such language."""
    counts = dict.fromkeys(LANGUAGE_WORDS, 0)
    seen: dict[str, set[str]] = {language: set() for language in LANGUAGE_WORDS}
    for word in re.findall(r"[^\W\d_]+", text.casefold()):
        for language, words in LANGUAGE_WORDS.items():
            if word in words:
                counts[language] += 1
                seen[language].add(word)
    ranked = sorted(counts, key=lambda language: counts[language], reverse=True)
    first, second = counts[ranked[0]], counts[ranked[1]]
    if first < LANGUAGE_MIN or first < LANGUAGE_LEAD * second:
        return None
    return ranked[0] if len(seen[ranked[0]]) >= LANGUAGE_DISTINCT else None


def read_region(
    pixels: np.ndarray, box: tuple[int, int, int, int], languages: Sequence[str]
) -> str:
    """The text Tesseract reads (page segmentation, no orientation check) in
    ``box`` (left, top, right, bottom; pixels) of an upright grayscale page,
    cut out and scaled as a whole page is (``scan.scaled``)."""
    left, top, right, bottom = box
    crop = scan.scaled(np.ascontiguousarray(pixels[top:bottom, left:right]))
    # cut out: Tesseract reads a rectangle of a page worse than the same image
    api = _api("+".join(models_for(languages)))
    api.SetPageSegMode(regions.psm().AUTO)
    api.SetImage(regions.image(crop))
    return " ".join(str(api.GetUTF8Text() or "").split())


def _read_turned(page: np.ndarray, turns: int, models: list[str]) -> Reading:
    """The page turned ``turns`` quarter turns (np.rot90), ruling lines erased,
    read. A page slightly askew (``scan.skew``) is read as it is, its
    ruling lines found on it turned straight and the words read placed
    where they stand on the straight page; one steeply askew is turned
    straight and read so (see ``scan``)."""
    upright = np.ascontiguousarray(np.rot90(page, turns)) if turns else page
    uneven = scan.unevenly_lit(upright)
    api = _api("+".join(models))
    upright, panels = regions.panels_read(upright, uneven, api)
    angle = scan.skew(upright, uneven)
    if abs(angle) >= scan.SKEW_RESAMPLE:  # too far askew to read as it is: turned straight
        upright, angle = scan.turned(upright, scan.straightening(upright.shape, angle)), 0.0
    straighten = scan.straightening(upright.shape, angle) if abs(angle) >= scan.SKEW_MIN else None
    target = upright if straighten is None else scan.turned(upright, straighten)
    rules, mask = scan.ruling_lines(target, uneven)
    dots, dotted = scan.leaders(target, uneven)
    mask = np.maximum(mask, dotted)
    if straighten is None:
        clean = straight = scan.painted(upright, mask, uneven)
    else:
        clean = scan.painted(upright, scan.turned_back(mask, straighten, upright.shape), uneven)
        straight = scan.painted(target, mask, uneven)  # where the grid's cells are
    reading = _read_lit(clean, api, straighten, uneven)
    reading.rules = rules if reading.lines else []
    reading.turns = turns
    if reading.lines and not reading.vertical:
        lines = regions.leader_ends(reading.lines, straight, api, dots)
        lines = regions.panels_placed(lines, panels, straighten)
        reading.lines = regions.cells(lines, reading.rules, straight, api)
    return reading


def _read_lit(pixels: np.ndarray, api: Any, straighten: np.ndarray | None, uneven: bool) -> Reading:
    """The page read with Otsu's one threshold; an ``uneven``ly lit page
    (``scan.unevenly_lit``) read again with Sauvola's, which follows the paper's
    brightness, that reading kept if it finds MORE_TEXT times the characters
    at a mean confidence at most SAME_CONFIDENCE lower (one threshold may
    black out the paper's darker part; the rest then reads as confidently).
    ``api`` keeps the threshold of the reading returned; ``straighten``: see
    ``_recognise``."""
    api.SetVariable("thresholding_method", OTSU)
    reading = _recognise(pixels, api, straighten)
    if not uneven:
        return reading
    api.SetVariable("thresholding_method", SAUVOLA)
    again = _recognise(pixels, api, straighten)
    chars = sum(line.chars for line in reading.lines)
    if (
        sum(line.chars for line in again.lines) >= MORE_TEXT * chars
        and again.confidence >= reading.confidence - SAME_CONFIDENCE
    ):
        return again
    api.SetVariable("thresholding_method", OTSU)
    return reading


def _orientation(pixels: np.ndarray) -> tuple[list[int], str | None, bool]:
    """Quarter turns (np.rot90) to try, the script OSD saw, and whether it is sure of it."""
    if "osd" not in installed_models():
        return [0], None, False
    api = _api("osd")
    api.SetPageSegMode(regions.psm().OSD_ONLY)
    api.SetImage(regions.image(pixels))
    try:
        found = api.DetectOrientationScript()
    except RuntimeError:  # too little text to tell
        return [0], None, False
    if not found:
        return [0], None, False
    turn = (found["orient_deg"] // 90) % 4
    script, sure = found["script_name"], found["script_conf"] >= SCRIPT_SURE
    if found["orient_conf"] >= ORIENT_SURE or turn == 0:
        return [turn], script, sure
    return [0, turn], script, sure


def _recognise(pixels: np.ndarray, api: Any, straighten: np.ndarray | None = None) -> Reading:
    """Automatic page segmentation and recognition; words grouped into
    segments. ``straighten`` (``scan.straightening``): the page is askew, and
    its words and lines are placed on the page turned straight."""
    from tesserocr import RIL, iterate_level

    api.SetPageSegMode(regions.psm().AUTO)
    api.SetImage(regions.image(pixels))
    api.Recognize()
    words: list[Word] = []
    raw: list[tuple[int, int, int, int]] = []  # each word's box on the page as it lies
    boxes: dict[int, tuple[tuple[int, int, int, int], int]] = {}
    line = -1
    iterator = api.GetIterator()
    starts = True  # the next word kept starts a line
    for word in iterate_level(iterator, RIL.WORD):
        starts = starts or word.IsAtBeginningOf(RIL.TEXTLINE)
        box = word.BoundingBox(RIL.WORD)
        text = _text(word, RIL.WORD)
        if box is None or not text or (starts and _BAR.fullmatch(text)):
            continue  # nothing, or bars before a line's words: a box's edge read
        placed = box if straighten is None else scan.straight_box(box, straighten)
        if (
            not starts
            and words
            and _beside(raw[-1], box)
            and _syllable_on(words[-1][1], text, word.BlanksBeforeWord())
        ):
            raw[-1] = _union(raw[-1], box)  # one word: its boxes as one
            at, before, joined, confidence = words[-1]
            confidence = min(confidence, word.Confidence(RIL.WORD))
            words[-1] = (at, before + text, _union(joined, placed), confidence)
            continue
        if starts:
            starts = False
            line += 1
            baseline = word.Baseline(RIL.TEXTLINE)
            line_box = word.BoundingBox(RIL.TEXTLINE) or box
            if straighten is not None:
                ends = baseline or ((line_box[0], line_box[3]), (line_box[2], line_box[3]))
                boxes[line] = (
                    scan.straight_box(line_box, straighten),
                    scan.straight_y(ends, straighten),
                )
            else:
                boxes[line] = (line_box, int(baseline[1][1]) if baseline else line_box[3])
            if len(text) == 1 and _solid_dot(pixels, box, line_box):
                text = BULLET_TEXT
        raw.append(box)
        words.append((line, text, placed, word.Confidence(RIL.WORD)))
    words = _bars_cut(regions.unstacked(words, raw, boxes, pixels, api, straighten))
    total = sum(len(text) for _, text, _, _ in words)
    confidence = sum(len(t) * c for _, t, _, c in words) / total if total else 0.0
    vertical = _vertical_share(boxes, words) > 0.5
    lines = _segments(_legible(words), boxes, vertical, pixels.shape[1])
    return Reading(lines, [], confidence, vertical)


def _bars_cut(words: list[Word]) -> list[Word]:
    """The words without the bars ending their lines: the edge of a box
    drawn round text (a contents box), too light to be found as a rule, is
    read as "|". A bar between words stays (Tesseract reads a roman "I" so)."""
    kept: list[Word] = []
    line, at_end = -1, True
    for word in reversed(words):
        if word[0] != line:
            line, at_end = word[0], True
        if at_end and _BAR.fullmatch(word[1]):
            continue
        at_end = False
        kept.append(word)
    return kept[::-1]


def _legible(words: list[Word]) -> list[Word]:
    """The words of the lines that are not a picture's texture (``_texture``)."""
    lines: dict[int, list[Word]] = {}
    for word in words:
        lines.setdefault(word[0], []).append(word)
    texture = {line for line, own in lines.items() if _texture(own)}
    return [word for word in words if word[0] not in texture]


def _texture(words: list[Word]) -> bool:
    """One line's words are a photograph's or drawing's texture read as
    letters: a mean confidence (by character) under LEGIBLE, no word of
    SURE_LETTERS letters or more read at SURE_WORD (a form's label among the
    marks of its boxes), and no more than half of them words of three
    letters or more with nothing but punctuation at their ends (texture
    reads as stray letters and signs; a worn word alone on a line stays,
    and so does one after the bullet opening its line, a solid dot found
    in the pixels: no word of the vote)."""
    chars = sum(len(text) for _, text, _, _ in words)
    if sum(len(text) * confidence for _, text, _, confidence in words) >= LEGIBLE * chars:
        return False
    if any(
        confidence >= SURE_WORD and len(text) >= SURE_LETTERS and text.isalpha()
        for _, text, _, confidence in words
    ):
        return False
    voters = words[1:] if len(words) > 1 and words[0][1] == BULLET_TEXT else words
    cores = [text.strip(_EDGE_MARKS) for _, text, _, _ in voters]
    return 2 * sum(len(core) >= 3 and core.isalpha() for core in cores) <= len(voters)


def _solid_dot(
    pixels: np.ndarray, box: tuple[int, int, int, int], line: tuple[int, int, int, int]
) -> bool:
    """The glyph in ``box`` is a bullet: a solid round dot (see
    BULLET_MIDDLE) or a solid square (BULLET_SQUARE) on the text line whose
    box is ``line``."""
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    low, high = BULLET_ASPECT
    if min(width, height) < 5 or height > BULLET_HEIGHT * (line[3] - line[1]):
        return False
    if not low <= width / height <= high:
        return False
    pad = max(1, round(0.2 * min(width, height)))  # the paper around it (a square fills its box)
    around = pixels[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad]
    darkest, lightest = int(around.min()), int(around.max())
    if lightest - darkest <= 64:
        return False
    inked = around < (darkest + lightest) / 2
    top, left = y0 - max(0, y0 - pad), x0 - max(0, x0 - pad)
    ink = inked[top : top + height, left : left + width]
    dy, dx = max(1, round(0.2 * height)), max(1, round(0.2 * width))
    corners = (ink[:dy, :dx], ink[:dy, -dx:], ink[-dy:, :dx], ink[-dy:, -dx:])
    middle = ink[round(0.3 * height) : round(0.7 * height), round(0.3 * width) : round(0.7 * width)]
    if middle.mean() < BULLET_MIDDLE:
        return False
    if all(c.mean() <= BULLET_CORNER for c in corners):
        return True  # round
    rows, cols = np.nonzero(inked)  # square: its ink fills the box it spans
    solid = inked[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].mean()
    aspect = (cols.max() - cols.min() + 1) / (rows.max() - rows.min() + 1)
    return bool(low <= aspect <= high and solid >= BULLET_SQUARE)


def _text(iterator: Any, level: int) -> str:
    """The element's text; a word of right-to-left script in logical order
    (``_logical``)."""
    try:
        text = str(iterator.GetUTF8Text(level) or "").strip()
    except RuntimeError:  # tesserocr raises on an element without text
        return ""
    return _logical(text) if any(map(is_rtl_char, text)) else text


_LEFT_TO_RIGHT = ("L", "EN", "AN")  # bidi classes read left to right: Latin, digits
_SEPARATORS = ("CS", "ES", "ET")  # ... and a separator between two of them ("1,5")


def _logical(word: str) -> str:
    """A word of right-to-left script as tesserocr's word iterator gives it:
    its characters left to right as they stand on the page (visual order).
    Read right to left, except that runs of digits and Latin letters keep
    their own left-to-right order. (Tesseract names a bracket as read, so a
    mirrored one is already the right character.)"""
    kinds = [unicodedata.bidirectional(ch) in _LEFT_TO_RIGHT for ch in word]
    for k in range(1, len(word) - 1):
        if unicodedata.bidirectional(word[k]) in _SEPARATORS and kinds[k - 1] and kinds[k + 1]:
            kinds[k] = True
    return "".join(word[k] for k in right_to_left(range(len(word)), kinds.__getitem__))


def _vertical_share(boxes: dict[int, Any], words: list[Any]) -> float:
    """Share of the characters in lines much taller than wide."""
    chars = vertical = 0
    for line, text, _, _ in words:
        (x0, y0, x1, y1), _ = boxes[line]
        chars += len(text)
        if y1 - y0 >= VERTICAL_RATIO * (x1 - x0) and len(text) >= 1:
            vertical += len(text)
    return vertical / chars if chars else 0.0


def _segments(
    words: list[Word],
    boxes: dict[int, tuple[tuple[int, int, int, int], int]],
    vertical: bool,
    width: int,
) -> list[Line]:
    """Words of each text line joined into segments, split at gaps wider than
    SEGMENT_GAP line heights (WIDE_SEGMENT_GAP where the words meet at a CJK
    character; a CJK word whose box reaches back over the one before goes
    on it, as a right-to-left word does). Vertical lines are turned a quarter turn in
    geometry (x' = y, y' = width - x), so columns read right to left become
    rows read top to bottom."""
    out: list[Line] = []
    current: Line | None = None
    current_line = -1
    for line, text, (x0, y0, x1, y1), _ in words:
        (lx0, ly0, lx1, ly1), baseline = boxes[line]
        if vertical:
            x0, y0, x1, y1 = y0, width - x1, y1, width - x0
            lx0, ly0, lx1, ly1 = ly0, width - lx1, ly1, width - lx0
            baseline = ly1
        size = max(ly1 - ly0, 1)
        gap = x0 - current.right if current is not None else 0.0
        wide = current is not None and meets_wide(current.text, text)
        if current is not None and gap < -size and (wide or _leftwards(current, text, x0, x1)):
            # right-to-left words come in reading order; a CJK word's box may
            # reach back over the one before
            gap = max(0, current.left - x1)
        limit = WIDE_SEGMENT_GAP if wide else SEGMENT_GAP
        if (
            current is None
            or line != current_line
            or gap > marker_gap(current.text, limit, text) * size
            or gap < -size
        ):
            current = Line(text, x0, x1, y0, y1, baseline, size, len(text))
            current_line = line
            out.append(current)
            continue
        if _CLOSING.fullmatch(text) and gap < ATTACH_GAP * size:
            current.text += text  # a comma or stop read as a word of its own
        else:
            current.text = join_words(current.text, text)
        current.left, current.right = min(current.left, x0), max(current.right, x1)
        current.top, current.bottom = min(current.top, y0), max(current.bottom, y1)
        current.chars += len(text)
    return out


def _union(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _beside(before: tuple[int, int, int, int], box: tuple[int, int, int, int]) -> bool:
    """``box`` follows ``before`` along a horizontal line: it starts right of
    its start, and the two overlap in height by half the shorter one's."""
    overlap = min(before[3], box[3]) - max(before[1], box[1])
    return box[0] >= before[0] and 2 * overlap >= min(before[3] - before[1], box[3] - box[1])


def _syllable_on(before: str, text: str, blanks: int) -> bool:
    """Tesseract put no blank between the word ``before`` and ``text``, Korean
    at the joint (a letter or figure on the other side): syllables of one
    word that it gave as words of their own ("트", "레", "이", "더", "스";
    "40", "만원"), which a space would part."""
    if blanks != 0 or not before:
        return False
    last, first = before[-1], text[0]
    return (is_hangul(last) and first.isalnum()) or (last.isalnum() and is_hangul(first))


def _leftwards(segment: Line, text: str, left: int, right: int) -> bool:
    """The word (from x ``left`` to ``right``) goes on the right-to-left
    segment towards its left: Tesseract gives a right-to-left line's words
    in reading order, right to left (a word's box may reach back over the
    one before it)."""
    return (
        left < segment.left
        and right <= segment.right + RTL_OVERLAP * (segment.bottom - segment.top)
        and (any(map(is_rtl_char, text)) or any(map(is_rtl_char, segment.text)))
    )


def _api(models: str) -> Any:
    """This thread's tesserocr API for a model combination, created on first
    use (an API is not shared between threads: ``readahead`` OCRs pages on
    several at once)."""
    apis: dict[str, Any] = _own.__dict__.setdefault("apis", {})
    api = apis.get(models)
    if api is None:
        from tesserocr import OEM, PyTessBaseAPI

        oem = OEM.TESSERACT_ONLY if models == "osd" else OEM.LSTM_ONLY
        api = apis[models] = PyTessBaseAPI(path=str(tessdata_dir()), lang=models, oem=oem)
    return api
