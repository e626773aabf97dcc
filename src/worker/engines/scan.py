"""A scanned page's image, made ready for recognition: its scale, its
skew, its light and its ruling lines.

- Scale (``scaled``): Tesseract reads best when glyphs are some 20-40
  pixels high, and its orientation detector fails on small print, so the
  page is scaled until the median height of its ink blobs is about GLYPH_PX.
- Skew (``skew``, ``straightening``): a page laid crooked on the scanner,
  or photographed, has its lines some degrees askew. The angle is the one
  at which the ink's row profile is sharpest. A page askew by less than
  SKEW_RESAMPLE is read as it is (Tesseract reads a slightly crooked line
  well; turned, the page would be resampled, which costs letters), but its
  ruling lines are found on it turned straight (``turned``,
  ``turned_back``), and the boxes of the words read on it are placed on the
  straight page (``straight_box``, ``straight_y``): left square to the
  askew page, a line's words would drift across the lines below it and the
  columns beside it. A page further askew is turned straight (``turned``)
  and read so: Tesseract's line finding fails past a few degrees.
- Light (``unevenly_lit``): a page whose paper is much darker in places (a
  lamp's light, a stain) needs a threshold that follows the paper: ink is
  then what is darker than SHADED_INK of the paper around it.
- Negatives (``positive``): a page of light text on a dark ground (a film
  negative, a slide, a scanner's inverted output) is turned to dark ink on
  light paper first: everything after (the glyph scale, the thresholds,
  Tesseract) looks for dark ink.
- Ruling lines (``ruling_lines``, ``painted``): long thin dark runs, found by
  a morphological opening and painted over, since Tesseract's page
  segmentation takes a ruled grid for a picture and drops the text in it.

All sizes are pixels of the page as given; the page is 8-bit grayscale.
"""

from __future__ import annotations

import itertools
from typing import Any, NamedTuple

import cv2
import numpy as np

from ilios.worker.engines.geometry import Rule

GLYPH_PX = 16.0  # pages are scaled so that the median glyph is about this high, pixels
MIN_SCALE, MAX_SCALE = 0.5, 4.0  # ... by a factor within these bounds
KEEP_SCALE = (0.75, 1.4)  # ... and not at all when the factor falls in this range
MAX_SIDE_PX = 7000  # ... and never past this many pixels on the longer side
GLYPH_MIN_PX, GLYPH_MAX_PX = 4, 300  # blobs outside these heights are not glyphs
INK_LEVEL = 128  # gray levels below this are ink (ruling lines) ...
RULE_LIGHT = 0.25  # ... and pale rules this share of the way from the paper to the ink ...
RULE_PALE = 0.2  # ... darker than INK_LEVEL along at most this share of their length ...
GRID_LENGTH = 0.15  # ... at least this share of the page side long ...
GRID_CROSSINGS = 3  # ... that cross at least this many rules the other way
RULE_RIDGE = 0.5  # ... and darker than the ground around them by this share of that way ...
RULE_EDGE_PX = 2  # ... further than this from a dark rule (its blurred edge)
RULE_MIN_SHARE = 0.04  # a ruling line spans at least this share of the page side
RULE_MIN_PX = 40  # ... and at least this many pixels
RULE_MAX_PX = 8  # ... and is at most this many pixels thick (half a scaled glyph's height)
SKEW_MAX = 10.0  # degrees: a page's lines are looked for this far askew either way ...
SKEW_STEP, SKEW_FINE = 0.25, 0.05  # ... in steps of this many degrees, then of these
SKEW_MIN = 0.5  # degrees: a page less askew than this is read as it is (its lines hold)
SKEW_SAMPLE_PX = 1000  # the skew is measured on the page scaled to at most this many pixels
SKEW_MIN_INK = 500  # ... with at least this many ink pixels (else it is left as it is)
SKEW_BLOB = 3.0  # ... in blobs at most this many times the median blob's height
SKEW_GAIN = 1.5  # ... and its profile this many times sharper than the page's as it is
SKEW_RESAMPLE = 2.0  # degrees: a page further askew is read turned straight (see module doc)
UNEVEN_LIGHT = 0.8  # the paper's darker tenth under this share of its lighter tenth's light
LIGHT_REACH = 0.05  # the paper's brightness at a point: its lightest gray this near (page side)
LIGHT_SAMPLE_PX = 400  # ... measured on the page scaled to at most this many pixels
BED_LIGHT = 0.25  # darker than this share of the lightest paper: beyond the sheet
SHADED_INK = 0.5  # on such a page, ink is darker than this share of the paper around it
NEGATIVE_SHARE = 0.7  # a page this share of which is on the dark side of Otsu's threshold ...
NEGATIVE_SAMPLE_PX = 1000  # ... (measured on the page scaled to this many pixels) is a negative
NEGATIVE_GROUND = 0.3  # ... if that side is dark: its median under this share of the light side's
PANEL_WIDTH, PANEL_HEIGHT = 3.0, 1.2  # a dark panel with light text: at least this many glyphs
PANEL_BOX = 0.9  # ... filling this share of its box with its holes ...
PANEL_SOLID = 0.5  # ... and that with ink this share or more ...
PANEL_MAX = 0.5  # ... on at most this share of the page ...
PANEL_GLYPHS = 3  # ... with at least this many holes ...
PANEL_HOLES = (0.4, 2.5)  # ... this many glyph heights high
PANEL_EDGE = 2  # pixels: the edge drawn round a panel turned to black on white
LEADER_DOTS = 5  # a dot leader or dotted line: at least this many dots in a row ...
DOT_SIZE = 0.4  # ... each at most this many glyph heights across ...
DOT_MIN_PX = 2  # ... and at least this many pixels (not a speck of noise) ...
DOT_FILL = 0.5  # ... its ink filling this share of its box or more (solid) ...
DOT_LEVEL = 0.15  # ... its middle within this many glyph heights of the one before's ...
DOT_PITCH = 3.0  # ... and at most this many glyph heights on from it ...
LEADER_EVEN = 0.35  # ... by the pitch before, give or take this share of it ...
LEADER_LEAD = 4.0  # ... after ink on its height at most this many glyph heights before it ...
COMB_RISE = 1.4  # ... and with fewer dots than two, or this share of its own, ...
COMB_SHARE = 0.25  # ... this near above or below it
LEADERS_OPEN = 8  # rows of dots kept open in a height band before those ended are dropped


def scaled(pixels: np.ndarray) -> np.ndarray:
    """The page scaled so its median glyph is about GLYPH_PX high."""
    height = glyph_height(pixels)
    if height is None:
        return pixels
    scale = min(max(GLYPH_PX / height, MIN_SCALE), MAX_SCALE)
    scale = min(scale, MAX_SIDE_PX / max(pixels.shape))
    if KEEP_SCALE[0] <= scale <= KEEP_SCALE[1]:
        return pixels
    size = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
    method = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    return cv2.resize(pixels, size, interpolation=method)


def glyph_height(pixels: np.ndarray) -> float | None:
    """Median height of the ink blobs shaped like glyphs, or None (no text-like ink)."""
    _, ink = cv2.threshold(pixels, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    return _median_glyph(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])


def _median_glyph(w: np.ndarray, h: np.ndarray, dots: bool = True) -> float | None:
    """The median height of the blobs (widths ``w``, heights ``h``) shaped
    like glyphs (GLYPH_MIN_PX to GLYPH_MAX_PX high, at most three times as
    wide), or None if there are fewer than ten; without ``dots``, those at
    most DOT_SIZE of the tallest tenth's height either way left out."""
    shaped = (h >= GLYPH_MIN_PX) & (h <= GLYPH_MAX_PX) & (w <= 3 * h)
    if not dots and np.count_nonzero(shaped) >= 10:
        small = DOT_SIZE * np.percentile(h[shaped], 90)
        shaped &= (h > small) | (w > small)
    heights = h[shaped]
    return float(np.median(heights)) if len(heights) >= 10 else None


def straightening(shape: tuple[int, ...], angle: float) -> np.ndarray:
    """The affine map (2 x 3) that turns a page of ``shape`` whose lines run
    ``angle`` degrees askew (``skew``) straight, onto a canvas grown to keep
    its corners (``_canvas``)."""
    height, width = shape
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), -angle, 1.0)  # turned back
    grown_width, grown_height = _canvas(shape, turn)
    turn[0, 2] += grown_width / 2 - width / 2
    turn[1, 2] += grown_height / 2 - height / 2
    return turn


def _canvas(shape: tuple[int, ...], turn: np.ndarray) -> tuple[float, float]:
    """Width and height of the canvas that holds a page of ``shape`` turned by ``turn``."""
    height, width = shape
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    return width * cos + height * sin, width * sin + height * cos


def turned(pixels: np.ndarray, turn: np.ndarray) -> np.ndarray:
    """The page straightened by ``turn`` (``straightening``), the new margins white."""
    width, height = _canvas(pixels.shape, turn)
    return cv2.warpAffine(
        pixels,
        turn,
        (round(width), round(height)),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )


def turned_back(mask: np.ndarray, turn: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A mask of the straightened page (``turned``) on the page as it is (``shape``)."""
    size = (shape[1], shape[0])
    return cv2.warpAffine(mask, turn, size, flags=cv2.WARP_INVERSE_MAP | cv2.INTER_NEAREST)


def skew(pixels: np.ndarray, uneven: bool = False) -> float:
    """Degrees the page's lines are turned counter-clockwise (rising to the
    right; negative: falling): the angle at which the ink's row profile is
    sharpest (the sum of squared differences between neighbouring rows:
    lines of text and rules give tall, steep peaks only when level),
    searched within SKEW_MAX each way, coarse then fine, on the page scaled
    to SKEW_SAMPLE_PX. Only the ink of glyph-sized blobs counts (on an
    ``uneven``ly lit page, ink against the paper around it). 0.0 for a page
    with next to no ink, or whose profile is not SKEW_GAIN times sharper at
    that angle than as it is (a few words, a drawing: no lines to level)."""
    small = _shrunk(pixels, SKEW_SAMPLE_PX)
    if uneven:  # one threshold would take the page's darker part for ink
        ink = _shaded_ink(small)
    else:
        _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    # Blobs of glyph height only: not a photograph, nor the scanner's bed
    # around the sheet, whose edge has a slant of its own.
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count < 2:
        return 0.0
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    glyphs = np.zeros(count, dtype=bool)
    glyphs[1:] = heights <= SKEW_BLOB * np.median(heights)
    ys, xs = np.nonzero(glyphs[labels])
    if len(xs) < SKEW_MIN_INK:
        return 0.0
    xs = xs - small.shape[1] / 2

    def sharpness(degrees: float) -> float:
        rows = np.rint(ys + xs * np.tan(np.radians(degrees))).astype(np.int64)
        profile = np.bincount(rows - rows.min()).astype(np.float64)
        steps = np.diff(profile)
        return float(steps @ steps)

    best = max(np.arange(-SKEW_MAX, SKEW_MAX + SKEW_STEP / 2, SKEW_STEP), key=sharpness)
    fine = np.arange(best - SKEW_STEP, best + SKEW_STEP + SKEW_FINE / 2, SKEW_FINE)
    best = max(fine, key=sharpness)
    return float(best) if sharpness(best) >= SKEW_GAIN * sharpness(0.0) else 0.0


def positive(pixels: np.ndarray) -> np.ndarray:
    """The page as dark ink on light paper: a negative (NEGATIVE_SHARE of it
    or more on the dark side of Otsu's threshold between its two levels:
    text and rules cover a tenth of a page, seldom a third; that side's
    median gray under NEGATIVE_GROUND of the light side's) is inverted."""
    sample = _shrunk(pixels, NEGATIVE_SAMPLE_PX)
    level, _ = cv2.threshold(sample, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    dark = sample <= level
    if np.count_nonzero(dark) < NEGATIVE_SHARE * sample.size or dark.all():
        return pixels
    if np.median(sample[dark]) > NEGATIVE_GROUND * np.median(sample[~dark]):
        return pixels  # a photograph's mid-tones (a speech bubble's text on it stays readable)
    return cv2.bitwise_not(pixels)


def unevenly_lit(pixels: np.ndarray) -> bool:
    """The paper is much darker in places than in others (a photographed
    page in a lamp's light, a stained or yellowed sheet): its darker tenth
    under UNEVEN_LIGHT of its lighter tenth's brightness (``_paper``); what
    is darker than BED_LIGHT of the lightest paper is the scanner's bed
    around the sheet, left out."""
    paper = _paper(pixels)
    sheet = paper[paper >= BED_LIGHT * np.percentile(paper, 99)]
    dark, light = np.percentile(sheet, (10, 90))
    return bool(dark < UNEVEN_LIGHT * light)


def _ink(pixels: np.ndarray, uneven: bool) -> np.ndarray:
    """Ink (1): darker than INK_LEVEL, or on an ``uneven``ly lit page
    ``_shaded_ink``."""
    return _shaded_ink(pixels) if uneven else (pixels < INK_LEVEL).astype(np.uint8)


def _shaded_ink(pixels: np.ndarray) -> np.ndarray:
    """Ink (1) on an unevenly lit page: darker than SHADED_INK times the
    paper's brightness around it (``_paper``)."""
    level = _paper_at(pixels).astype(np.float32)
    return (pixels < level * SHADED_INK).astype(np.uint8)


def _paper(pixels: np.ndarray) -> np.ndarray:
    """The paper's brightness around each point: the lightest gray level
    within LIGHT_REACH of the page side (text and rules vanish in it), on
    the page scaled to LIGHT_SAMPLE_PX."""
    small = _shrunk(pixels, LIGHT_SAMPLE_PX)
    reach = max(3, round(LIGHT_REACH * max(small.shape)))
    return cv2.dilate(small, np.ones((reach, reach), np.uint8))


def _paper_at(pixels: np.ndarray) -> np.ndarray:
    """``_paper`` at each pixel of the page."""
    return cv2.resize(_paper(pixels), pixels.shape[::-1], interpolation=cv2.INTER_LINEAR)


def _shrunk(pixels: np.ndarray, side: int) -> np.ndarray:
    """The page scaled down to at most ``side`` pixels on its longer side."""
    scale = min(1.0, side / max(pixels.shape))
    if scale == 1.0:
        return pixels
    size = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def ruling_lines(pixels: np.ndarray, uneven: bool = False) -> tuple[list[Rule], np.ndarray]:
    """Ruling lines (dark runs of at least RULE_MIN_SHARE of the page side,
    at most RULE_MAX_PX thick: not the dark areas of a photograph), and a
    mask of their pixels (for ``painted``). Ink is darker than INK_LEVEL;
    on an ``uneven``ly lit page, it is ``_shaded_ink``. A table's grid is
    often drawn thin and light gray, which a scan blurs lighter still: on a
    page evenly lit, runs lighter than INK_LEVEL all along (at most
    RULE_PALE of their length darker) but darker than RULE_LIGHT of the way
    from the paper (the page's 95th percentile of gray) to its ink (its
    2nd) are rules too where each is GRID_LENGTH of the page side long or
    more and crosses GRID_CROSSINGS rules the other way or more: a grid's
    lines, not an engraving's strokes; or, shorter, crosses as many of the
    grid's lines found (a short table's column lines). Such a pale line is
    darker than the ground around it (``_ridges``: a shaded table head is
    no line, the rules along its edges are) and lies away from the dark
    rules (RULE_EDGE_PX: a dark rule's blurred edge is no line of its own)."""
    rules, mask = _runs(pixels, _ink(pixels, uneven))
    if uneven:
        return [rule for rule, _ in rules], mask
    darkest, paper = np.percentile(_shrunk(pixels, LIGHT_SAMPLE_PX), (2, 95))
    level = paper - RULE_LIGHT * (paper - darkest)
    if level <= INK_LEVEL:
        return [rule for rule, _ in rules], mask
    # pale ink: lighter lines, not a shade (``_ridges``), and not the dark rules found
    # nor their blurred edges
    edge = 2 * RULE_EDGE_PX + 1
    near = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (edge, edge)))
    ink = (pixels < level) & _ridges(pixels, RULE_RIDGE * (paper - level)) & (near == 0)
    pale, _ = _runs(pixels, ink.astype(np.uint8), pale=True)
    found = [rule for rule, _ in rules]
    every = found + [rule for rule, _ in pale]
    height, width = pixels.shape
    short = []
    for rule, (box, own) in pale:
        long = GRID_LENGTH * (width if rule.horizontal else height)
        if max(rule.x1 - rule.x0, rule.y1 - rule.y0) < long:
            short.append((rule, (box, own)))
        elif _crossings(rule, every) >= GRID_CROSSINGS:
            found.append(rule)
            mask[box][own] = 255
    grid = list(found)  # a shorter pale run crossing as many of the grid's lines is one too
    for rule, (box, own) in short:
        if _crossings(rule, grid) >= GRID_CROSSINGS:
            found.append(rule)
            mask[box][own] = 255
    return found, mask


def _ridges(pixels: np.ndarray, depth: float) -> np.ndarray:
    """The pixels ``depth`` darker than the ground around them (the lightest
    gray within RULE_MAX_PX each way, closed: a black-hat transform): a
    line's or a glyph's, not a shaded area's. A table head's gray fill is
    no darker than its ground; the rule along its edge is."""
    size = 2 * RULE_MAX_PX + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    return cv2.morphologyEx(pixels, cv2.MORPH_BLACKHAT, kernel) >= depth


def _crossings(rule: Rule, others: list[Rule]) -> int:
    """How many of ``others`` running the other way ``rule`` crosses or meets."""
    return sum(
        rule.horizontal != other.horizontal and rule.meets(other, RULE_MAX_PX) for other in others
    )


def _runs(
    pixels: np.ndarray, ink: np.ndarray, pale: bool = False
) -> tuple[list[tuple[Rule, tuple[tuple[slice, slice], np.ndarray]]], np.ndarray]:
    """The straight runs of ``ink`` (1) at least RULE_MIN_SHARE of the page
    side long and at most RULE_MAX_PX thick, each with its box and its
    pixels there, and a mask of them all; ``pale``: only those lighter than
    INK_LEVEL along all but RULE_PALE of their length."""
    height, width = ink.shape
    found: list[tuple[Rule, tuple[tuple[slice, slice], np.ndarray]]] = []
    mask = np.zeros(ink.shape, np.uint8)
    for horizontal in (True, False):
        length = max(int((width if horizontal else height) * RULE_MIN_SHARE), RULE_MIN_PX)
        shape = (length, 1) if horizontal else (1, length)
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, shape)
        runs = cv2.morphologyEx(ink * 255, cv2.MORPH_OPEN, kernel)
        _, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
        for i, (x, y, w, h, _) in enumerate(stats.tolist()[1:], start=1):
            box = (slice(y, y + h), slice(x, x + w))
            own = labels[box] == i
            thick = (h if horizontal else w) > RULE_MAX_PX  # a dark area (a photograph)
            if pale and not thick:
                along = (own & (pixels[box] < INK_LEVEL)).any(axis=0 if horizontal else 1)
                thick = along.mean() > RULE_PALE  # dark in places: a blurred line of text
            if thick:
                runs[box][own] = 0  # no line, and not painted out
            elif horizontal:
                found.append((Rule(x, y + h / 2, x + w, y + h / 2), (box, own)))
            else:
                found.append((Rule(x + w / 2, y, x + w / 2, y + h), (box, own)))
        mask = np.maximum(mask, runs)
    return found, mask


class Panel(NamedTuple):
    """A dark panel holding light text: its box (left, top, right, bottom)
    and, over the box, the pixels it covers (1), its dark ground among them
    (1), and its outline (contours in the box's coordinates)."""

    box: tuple[int, int, int, int]
    inside: np.ndarray
    ground: np.ndarray
    outline: Any


def panels(pixels: np.ndarray, uneven: bool = False) -> list[Panel]:
    """Dark panels holding light text (a table's header cells printed
    white on black, a banner), which Tesseract reads as stray letters: blobs
    of ink at least PANEL_WIDTH glyph heights wide and PANEL_HEIGHT high,
    on at most PANEL_MAX of the page, filling PANEL_BOX of their box with
    their holes (a rectangle, not a photograph's dark shapes) and
    PANEL_SOLID of that with ink, with PANEL_GLYPHS or more holes
    PANEL_HOLES glyph heights high (letters cut out of it)."""
    glyph = glyph_height(pixels)
    if glyph is None:
        return []
    ink = _ink(pixels, uneven)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    found: list[Panel] = []
    low, high = PANEL_HOLES
    for i, (x, y, w, h, area) in enumerate(stats.tolist()[1:], start=1):
        if w < PANEL_WIDTH * glyph or h < PANEL_HEIGHT * glyph or area < PANEL_SOLID * w * h / 2:
            continue  # the common case, at once
        if w * h > PANEL_MAX * pixels.size:
            continue  # a frame round the page (a scanner's bed), not a panel
        blob = (labels[y : y + h, x : x + w] == i).astype(np.uint8)
        outline, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        inside = np.zeros_like(blob)
        cv2.drawContours(inside, outline, -1, 1, thickness=-1)
        filled = int(inside.sum())
        if filled < PANEL_BOX * w * h or area < PANEL_SOLID * filled:
            continue
        holes = ((inside > 0) & (blob == 0)).astype(np.uint8)
        _, _, hole_stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=8)
        letters = [hh for _, _, _, hh, _ in hole_stats.tolist()[1:] if low <= hh / glyph <= high]
        if len(letters) >= PANEL_GLYPHS:
            ground = ink[y : y + h, x : x + w] & inside
            found.append(Panel((x, y, x + w, y + h), inside, ground, outline))
    return found


def panels_turned(pixels: np.ndarray, found: list[Panel], edged: bool = False) -> np.ndarray:
    """The page with the panels ``found`` turned to black text on white
    (their dark ground white, the rest black); ``edged``: each with its
    edge drawn round it, PANEL_EDGE pixels thick, which parts what lies on
    either side of it as a rule does (a table's body from its head)."""
    if not found:
        return pixels
    turned = pixels.copy()
    for panel in found:
        left, top, right, bottom = panel.box
        region = turned[top:bottom, left:right]
        inside = panel.inside > 0
        region[inside] = np.where(panel.ground[inside] > 0, 255, 0)
        if edged:
            cv2.drawContours(region, panel.outline, -1, 0, thickness=PANEL_EDGE)
    return turned


def _leads_on(
    chain: list[int],
    i: int,
    stats: np.ndarray,
    ink: np.ndarray,
    glyph: float,
    reach: float,
    level: float,
) -> bool:
    """Dot ``i`` (a label of ``stats``) goes on the row of dots ``chain``:
    after its last dot by at most ``reach`` and within ``level`` of its
    height, the usual step of its last few on (or twice it: a dot lost to
    noise), and no ink between them (see ``leaders``)."""
    x, y, w, h = (stats[1:, k] for k in range(4))
    last = chain[-1]
    step = x[i] + w[i] / 2 - (x[last] + w[last] / 2)
    if not 0 < step <= reach or abs(y[i] + h[i] / 2 - (y[last] + h[last] / 2)) > level:
        return False
    if len(chain) >= 2:  # its pitch: the middle of its last steps
        steps = sorted(int(b - a) for a, b in itertools.pairwise(x[chain[-5:]]))
        pitch = steps[len(steps) // 2]
        if min(abs(step - pitch), abs(step - 2 * pitch)) > LEADER_EVEN * pitch:
            return False
    middle = y[i] + h[i] / 2
    top, bottom = max(0, int(middle - glyph)), int(middle + glyph / 3) + 1
    return not ink[top:bottom, x[last] + w[last] : x[i]].any()


class Leader(NamedTuple):
    """A dot leader (or a dotted line) on the page: its ends, the middle
    height of its dots and their count, and the height of the page's
    glyphs (pixels)."""

    left: int
    right: int
    y: float
    dots: int
    glyph: float


def leaders(pixels: np.ndarray, uneven: bool = False) -> tuple[list[Leader], np.ndarray]:
    """Dot leaders and dotted lines: LEADER_DOTS or more dots (blobs about
    as wide as high, at most DOT_SIZE glyph heights across, at least
    DOT_MIN_PX) in a row on one height (``_leads_on``: each at most
    DOT_PITCH glyph heights on from the one before, its pitch on within
    LEADER_EVEN of it, or twice it where noise lost a dot, with no ink
    between them from a glyph's height above to a third of one below),
    the first at most LEADER_LEAD glyph heights after ink that is no dot
    (the text it leads from: a dotted grid's line leads from nothing), and
    with fewer than two dots, or than COMB_SHARE of its own, within COMB_RISE
    glyph heights above or below it (a form's comb of boxes for letters,
    drawn in dots); and a mask of their dots' pixels (for ``painted``). A
    glyph's height is the median of the blobs shaped like glyphs but for
    dots (at most DOT_SIZE of the tallest tenth's height either way): a
    contents page may have more dots than letters. Tesseract reads a leader
    as a string of stray letters and cuts a contents line's page number off
    into a column of its own, read as one vertical word."""
    ink = _ink(pixels, uneven)
    mask = np.zeros(pixels.shape, np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    x, y, w, h, area = (stats[1:, k] for k in range(5))
    glyph = _median_glyph(w, h, dots=False)
    if glyph is None:
        return [], mask
    dot = (
        (np.maximum(w, h) <= DOT_SIZE * glyph)
        & (np.minimum(w, h) >= DOT_MIN_PX)
        & (w <= 2 * h)
        & (h <= 2 * w)
        & (area >= DOT_FILL * w * h)
    )
    centres, middles = (x + w / 2)[dot], (y + h / 2)[dot]
    found: list[Leader] = []
    rows: dict[int, list[list[int]]] = {}  # height band -> chains open there, by last dot
    reach, level = DOT_PITCH * glyph, max(1.5, DOT_LEVEL * glyph)
    chains: list[list[int]] = []  # dots (label indices) in a row, left to right
    for i in sorted(np.nonzero(dot)[0].tolist(), key=lambda i: x[i] + w[i] / 2):
        cx, cy = x[i] + w[i] / 2, y[i] + h[i] / 2
        band, hit = int(cy // level), None
        for near in (band - 1, band, band + 1):
            open_chains = rows.get(near, [])
            if len(open_chains) > LEADERS_OPEN:  # those ended too far back go
                rows[near] = open_chains = [
                    chain for chain in open_chains if x[chain[-1]] + w[chain[-1]] >= cx - reach
                ]
            for chain in open_chains:
                if _leads_on(chain, i, stats, ink, glyph, reach, level):
                    hit = near, chain
                    break
            if hit:
                break
        if hit is None:
            chains.append([i])
            rows.setdefault(band, []).append(chains[-1])
            continue
        near, chain = hit
        chain.append(i)
        if near != band:  # filed by its last dot's height: a page askew drifts
            rows[near].remove(chain)
            rows.setdefault(band, []).append(chain)
    for chain in chains:
        if len(chain) < LEADER_DOTS:
            continue
        first, middle = chain[0], float(np.median([y[i] + h[i] / 2 for i in chain]))
        before = labels[
            max(0, int(middle - glyph)) : int(middle + glyph / 3) + 1,
            max(0, int(x[first] - LEADER_LEAD * glyph)) : x[first],
        ]
        if not any(label and not dot[label - 1] for label in np.unique(before).tolist()):
            continue  # no text leads to it: a dotted grid's line
        rise = np.abs(middles - middle)
        close = (rise > glyph / 2) & (rise <= COMB_RISE * glyph)
        close &= (centres >= x[first]) & (centres <= x[chain[-1]] + w[chain[-1]])
        if np.count_nonzero(close) >= max(2, COMB_SHARE * len(chain)):
            continue  # dots close above or below: a form's comb of boxes for letters
        for i in chain:
            box = (slice(y[i], y[i] + h[i]), slice(x[i], x[i] + w[i]))
            mask[box][labels[box] == i + 1] = 255
        right = int(x[chain[-1]] + w[chain[-1]])
        found.append(Leader(int(x[first]), right, middle, len(chain), glyph))
    return found, mask


def painted(pixels: np.ndarray, mask: np.ndarray, uneven: bool = False) -> np.ndarray:
    """The page with the ruling lines of ``mask`` painted over (and a pixel
    around them, their antialiased edges): white, or on an ``uneven``ly lit
    page the paper's brightness around them (a white stripe on gray paper
    would read as a stroke)."""
    if not mask.any():
        return pixels
    cleaned = pixels.copy()
    lines = cv2.dilate(mask, np.ones((3, 3), np.uint8)) > 0
    if uneven:
        cleaned[lines] = _paper_at(pixels)[lines]
    else:
        cleaned[lines] = 255
    return cleaned


def straight_box(box: tuple[int, int, int, int], turn: np.ndarray) -> tuple[int, int, int, int]:
    """A word's or line's box on the page askew, placed on the page turned
    straight (``turn``): its centre mapped, its width kept, and its height
    less the rise its slant added."""
    x0, y0, x1, y1 = box
    (cx, cy) = turn @ np.array([(x0 + x1) / 2, (y0 + y1) / 2, 1.0])
    half_width = (x1 - x0) / 2
    half_height = max(1.0, (y1 - y0) - (x1 - x0) * abs(turn[1, 0])) / 2
    return (
        round(cx - half_width),
        round(cy - half_height),
        round(cx + half_width),
        round(cy + half_height),
    )


def straight_y(ends: Any, turn: np.ndarray) -> int:
    """The height of a line's baseline (its two ends, on the page askew) on
    the page turned straight."""
    (x0, y0), (x1, y1) = ends
    return round(float(turn[1] @ np.array([(x0 + x1) / 2, (y0 + y1) / 2, 1.0])))
