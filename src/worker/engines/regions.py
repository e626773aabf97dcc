"""Parts of a scanned page that Tesseract's page segmentation misreads,
read again on their own (each with the page's API, in pixels of the page
Tesseract reads):

- Grid cells (``cells``): page segmentation drops a ruled grid's short lone
  cells and runs a cell's text into its neighbour's.
- Stacked columns (``unstacked``): a column of short lines one under
  another (page numbers set flush right, a column of figures) is read as
  one vertical word of stray letters.
- Dot leaders' line ends (``leader_ends``): the leaders are painted out
  (``scan.leaders``); what ends each leader's line (a contents entry's
  page) is read as one line and put after its dots.
- Dark panels (``panels_read``, ``panels_placed``): light text on a dark
  ground (a table's head printed white on black) is turned black on white
  and read as one block, if it reads as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ilios.worker.engines import scan
from ilios.worker.engines.geometry import Line, Rule
from ilios.worker.engines.tables import RULE_SNAP, grids, merged_cells

Word = tuple[int, str, tuple[int, int, int, int], float]  # line, text, box, confidence

MAX_CELLS = 400  # pages with more grid cells than this keep page segmentation's reading
CELL_MIN_PX = 8  # grid cells narrower or lower than this (pixels) are rule doublings
STACKED_LINES = 3.0  # a "word" this many usual word heights high ...
STACKED_RATIO = 1.5  # ... and this many times as high as wide is a column of lines ...
STACKED_MIN = 0.3  # ... whose runs of inked rows this many usual heights high or more ...
STACKED_GAP = 0.3  # ... have blank strips this many usual heights high or more between them
LEADER_RISE = 1.6  # a dot leader's line ends in the ink from this many glyph heights above it ...
LEADER_DROP = 0.6  # ... to this many below it ...
LEADER_REACH = 5.0  # ... starting at most this many glyph heights after it ...
LEADER_TAIL = 2.0  # ... up to a gap this many glyph heights wide, its ink (gray page numbers
TAIL_LIGHT = 0.25  # too) darker than this share of the way from the paper to the ink
TAIL_STEP = 4  # (the paper and the ink: percentiles of every this many pixels each way)
PANEL_LEGIBLE = 40.0  # a dark panel read at a lower mean confidence (of 100) is no text


def cells(lines: list[Line], rules: list[Rule], pixels: np.ndarray, api: Any) -> list[Line]:
    """The segments with each cell of the ruled grids on the page read on
    its own, in place of the words found inside the grid: page segmentation
    drops short lone cells ("5", "n=1") and runs a cell's text into its
    neighbour's. Cells with no rule between them are one merged cell, read
    once; its text goes to its top left cell."""
    sizes = sorted(line.size for line in lines)
    size = float(sizes[len(sizes) // 2])
    snap = RULE_SNAP * size  # a scan's strokes are too rough to join rules side by side
    found = grids(rules, snap, snap)
    if not found or sum((len(xs) - 1) * (len(ys) - 1) for xs, ys in found) > MAX_CELLS:
        return lines
    api.SetPageSegMode(psm().SINGLE_BLOCK)
    api.SetImage(image(pixels))
    read: list[Line] = []
    for xs, ys in found:
        for (r0, c0), (r1, c1) in merged_cells(xs, ys, rules, snap):
            left, top, right, bottom = xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]
            if right - left < CELL_MIN_PX or bottom - top < CELL_MIN_PX:
                continue
            api.SetRectangle(int(left), int(top), int(right - left), int(bottom - top))
            text = " ".join(api.GetUTF8Text().split())
            if text:
                x0, x1 = xs[c0] + 1, xs[c0 + 1] - 1  # in the top left cell
                middle = (ys[r0] + ys[r0 + 1]) / 2
                height = min(size, ys[r0 + 1] - ys[r0])
                y0, y1 = middle - height / 2, middle + height / 2
                read.append(Line(text, x0, x1, y0, y1, y1, height, len(text)))
    return _outside(lines, [(xs[0], ys[0], xs[-1], ys[-1]) for xs, ys in found]) + read


def unstacked(
    words: list[Word],
    raw: list[tuple[int, int, int, int]],
    boxes: dict[int, tuple[tuple[int, int, int, int], int]],
    pixels: np.ndarray,
    api: Any,
    straighten: np.ndarray | None,
) -> list[Word]:
    """The words, each "word" page segmentation made of a column of short
    lines stacked one under another (a column of page numbers, of figures)
    read again line by line: one at least STACKED_LINES of the page's usual
    word heights high and STACKED_RATIO times as high as wide, whose ink
    parts into two or more runs of inked pixel rows (each at least
    STACKED_MIN usual heights high) with blank strips of STACKED_GAP usual
    heights or more between them. Tesseract reads such a column as one
    vertical word of stray letters ("FHRHHHHwWWW" for "3 3 4 4 4 4 4 4"),
    and other stray words over it, which go with it; its lines become lines
    of one word each. A word set sideways (a margin's stamp) has its
    letters far closer together, and stays as it was read. ``raw``: each
    word's box on the page as it lies (``pixels``)."""
    heights = sorted(y1 - y0 for _, y0, _, y1 in raw)
    usual = float(heights[len(heights) // 2]) if heights else 0.0
    columns: list[tuple[tuple[int, int, int, int], list[tuple[int, int]]]] = []
    for x0, y0, x1, y1 in raw:
        if y1 - y0 >= max(STACKED_LINES * usual, STACKED_RATIO * (x1 - x0), 1):
            rows = _stacked_rows(pixels, (x0, y0, x1, y1), usual)
            if rows:
                columns.append(((x0, rows[0][0], x1, rows[-1][1]), rows))
    if not columns:
        return words
    kept = [
        word
        for word, (x0, y0, x1, y1) in zip(words, raw, strict=True)
        if not any(
            c0 <= (x0 + x1) / 2 <= c1 and r0 <= (y0 + y1) / 2 <= r1
            for (c0, r0, c1, r1), _ in columns
        )
    ]
    api.SetPageSegMode(psm().SINGLE_LINE)
    line = max(boxes, default=-1)
    for (x0, _, x1, _), rows in columns:
        for top, bottom in rows:
            left, right = _row_span(pixels, (x0, top, x1, bottom), usual)
            text = _line_alone(api, pixels, (left, top, right, bottom), round(usual))
            if not text:
                continue
            box = (left, top, right, bottom)
            if straighten is not None:
                box = scan.straight_box(box, straighten)
            line += 1
            boxes[line] = (box, box[3])
            kept.append((line, text, box, float(api.MeanTextConf())))
    api.SetPageSegMode(psm().AUTO)
    return kept


def _row_span(pixels: np.ndarray, box: tuple[int, int, int, int], usual: float) -> tuple[int, int]:
    """The left and right ends of the ink in ``box``'s rows that reaches
    into it or lies within STACKED_GAP usual heights of it: a column's box
    may be as wide as its narrowest line ("4" of "4", "17")."""
    left, top, right, bottom = box
    reach = round(usual)
    start = max(0, left - reach)
    strip = np.less(pixels[top:bottom, start : right + reach], scan.INK_LEVEL)
    inked: list[bool] = strip.any(axis=0).tolist()
    lo, hi = left - start, right - start  # the box, in the strip
    gap = STACKED_GAP * usual
    while lo > 0 and any(inked[max(0, lo - 1 - round(gap)) : lo]):
        lo -= 1
    while hi < len(inked) and any(inked[hi : hi + 1 + round(gap)]):
        hi += 1
    return start + lo, start + hi


def _stacked_rows(
    pixels: np.ndarray, box: tuple[int, int, int, int], usual: float
) -> list[tuple[int, int]]:
    """The lines (top, bottom; pixels) stacked in ``box`` (see
    ``unstacked``), and those going on from them above and below it, in
    its width, no further apart than the furthest two in it (page
    segmentation may leave a column's last lines out of it, or read none of
    them); [] if they are no such stack."""
    left, top, right, bottom = box
    reach = round(STACKED_LINES * usual)
    start = max(0, top - reach)
    strip = np.less(pixels[start : bottom + reach, max(0, left) : right], scan.INK_LEVEL)
    inked: list[bool] = strip.any(axis=1).tolist()
    rows = [
        (start + first, start + end)
        for first, end in _spans(inked)
        if end - first >= STACKED_MIN * usual  # else a speck
    ]
    inside = [k for k, (y0, y1) in enumerate(rows) if top <= (y0 + y1) / 2 <= bottom]
    if len(inside) < 2:
        return []
    gaps = [rows[k + 1][0] - rows[k][1] for k in inside[:-1]]
    if min(gaps) < STACKED_GAP * usual:
        return []
    lo, hi = inside[0], inside[-1]
    while lo > 0 and rows[lo][0] - rows[lo - 1][1] <= max(gaps):
        lo -= 1
    while hi + 1 < len(rows) and rows[hi + 1][0] - rows[hi][1] <= max(gaps):
        hi += 1
    return rows[lo : hi + 1]


def leader_ends(
    lines: list[Line], pixels: np.ndarray, api: Any, found: list[scan.Leader]
) -> list[Line]:
    """The segments with each dot leader (painted out before page
    segmentation) as a segment of its dots, and what ends its line (a
    contents entry's page number) read on its own as one line and put after
    them: the ink after the leader (from LEADER_RISE glyph heights above its
    dots to LEADER_DROP below, the run of rows on its own line; darker than
    TAIL_LIGHT of the way from the paper to the ink, as a page number may be
    set in gray) starting
    within LEADER_REACH glyph heights of it, up to a gap of LEADER_TAIL
    glyph heights, past any dots left of the leader (``_past_dots``), cut
    out (``_line_alone``); stray marks read before a page number go. Page
    segmentation cuts a column of such numbers off and reads it as one
    vertical word; the segments it read there (their middle in the
    segment's span, on its height) are replaced."""
    if not found:
        return lines
    api.SetPageSegMode(psm().SINGLE_LINE)
    dark, paper = np.percentile(pixels[::TAIL_STEP, ::TAIL_STEP], (2, 95))
    level = max(scan.INK_LEVEL, paper - TAIL_LIGHT * (paper - dark))  # gray page numbers too
    ends: list[Line] = []
    for leader in found:
        glyph, text, right = leader.glyph, "." * leader.dots, leader.right
        top = max(0, round(leader.y - LEADER_RISE * glyph))
        bottom = round(leader.y + LEADER_DROP * glyph)
        line_top, line_bottom = round(leader.y - glyph), round(leader.y + 1)
        inked = pixels[top:bottom, leader.right :] < level
        columns = _past_dots(inked, scan.DOT_SIZE * glyph)
        if columns and columns[0] <= LEADER_REACH * glyph:  # its line ends after it
            first = last = columns[0]
            for column in columns[1:]:
                if column - last > LEADER_TAIL * glyph:
                    break
                last = column
            y0, y1 = _own_rows(inked[:, first : last + 1], leader.y - glyph / 2 - top)
            left = leader.right + first
            tail = _line_alone(
                api, pixels, (left, top + y0, left + last + 1 - first, top + y1), round(glyph)
            )
            marks = tail.split()[:-1]
            if marks and not any(len(mark) > 1 and any(map(str.isalnum, mark)) for mark in marks):
                tail = tail.split()[-1]  # a leader's last dots read as marks before its page
            if tail:
                line_top, line_bottom = min(line_top, top + y0), max(line_bottom, top + y1)
                text, right = f"{text} {tail}", leader.right + last + 1
        size = line_bottom - line_top
        box = (leader.left, right, line_top, line_bottom)
        ends.append(Line(text, *box, line_bottom, size, len(text)))
    return [
        line
        for line in lines
        if not any(
            end.left <= (line.left + line.right) / 2 <= end.right
            and line.top < end.bottom
            and end.top < line.bottom
            for end in ends
        )
    ] + ends


def _past_dots(inked: np.ndarray, dot: float) -> list[int]:
    """The inked columns of ``inked`` from the first blob of them that is no
    dot (at most ``dot`` pixels wide and high): a leader's last dots, too
    faint or too close to be found with it, lie before its page."""
    for first, end in _spans(np.greater(inked, 0).any(axis=0).tolist()):
        rows = np.nonzero(inked[:, first:end].any(axis=1))[0]
        if end - first > dot or rows[-1] - rows[0] + 1 > dot:
            return [int(column) for column in np.nonzero(inked[:, first:].any(axis=0))[0] + first]
    return []


def _line_alone(api: Any, pixels: np.ndarray, box: tuple[int, int, int, int], margin: int) -> str:
    """The text of the one line in ``box`` (left, top, right, bottom) of
    ``pixels``, cut out onto white paper ``margin`` pixels wide all round:
    read in place, on the whole page, Tesseract misreads a figure alone
    ("sf" for "7")."""
    left, top, right, bottom = box
    cut = pixels[max(0, top) : max(0, bottom), max(0, left) : max(0, right)]
    if not cut.size:
        return ""
    api.SetImage(image(np.pad(cut, margin, constant_values=255)))
    return " ".join(str(api.GetUTF8Text() or "").split())


def _own_rows(inked: np.ndarray, middle: float) -> tuple[int, int]:
    """The run of inked rows of ``inked`` (rows parted by blank ones) that
    holds row ``middle``, or lies nearest it: what ends a leader's line,
    not the page number of the line above, which may reach into its band."""
    runs = _spans(np.greater(inked, 0).any(axis=1).tolist())
    return min(runs, key=lambda run: max(run[0] - middle, middle - run[1] + 1, 0))


def _spans(flags: list[bool]) -> list[tuple[int, int]]:
    """The runs of true flags, each as (first, end) indices."""
    runs: list[tuple[int, int]] = []
    for at, flag in enumerate(flags):
        if flag and runs and runs[-1][1] == at:
            runs[-1] = (runs[-1][0], at + 1)
        elif flag:
            runs.append((at, at + 1))
    return runs


def panels_read(
    pixels: np.ndarray, uneven: bool, api: Any
) -> tuple[np.ndarray, list[tuple[tuple[int, int, int, int], Line]]]:
    """The page with its dark panels of light text (``scan.panels``) turned
    black on white and edged, and each panel's box and text, read on its
    own as one block: a table's header cells are panels side by side, and
    page segmentation runs a cell's lines into its neighbours'. A panel
    read under PANEL_LEGIBLE confidence (a logo, a dark picture) is left as
    it is.
    Its text goes where its ink is, on its first line's baseline (a head
    wrapped onto more lines stays level with its neighbours), a line of it
    high; coordinates are the page's as it lies."""
    found = scan.panels(pixels, uneven)
    if not found:
        return pixels, []
    turned = scan.panels_turned(pixels, found)
    api.SetPageSegMode(psm().SINGLE_BLOCK)
    api.SetImage(image(turned))
    kept: list[scan.Panel] = []
    read: list[tuple[tuple[int, int, int, int], Line]] = []
    for panel in found:
        left, top, right, bottom = panel.box
        api.SetRectangle(left, top, right - left, bottom - top)
        text = " ".join(str(api.GetUTF8Text() or "").split())
        if not text or api.MeanTextConf() < PANEL_LEGIBLE:
            continue  # no letters to read: a logo's ornament, a dark picture
        inked = np.less(turned[top:bottom, left:right], scan.INK_LEVEL) & (panel.inside > 0)
        rows, columns = np.nonzero(inked.any(axis=1))[0], np.nonzero(inked.any(axis=0))[0]
        if not rows.size:
            continue
        breaks = np.nonzero(np.diff(rows) > 1)[0]  # where its first line ends
        first = int(rows[breaks[0]] if breaks.size else rows[-1]) + 1
        x0, x1 = left + int(columns[0]), left + int(columns[-1]) + 1
        y0, y1 = top + int(rows[0]), top + int(rows[-1]) + 1
        line = Line(text, x0, x1, y0, y1, top + first, first - int(rows[0]), len(text))
        kept.append(panel)
        read.append((panel.box, line))
    return scan.panels_turned(pixels, kept, edged=True), read


def panels_placed(
    lines: list[Line],
    panels: list[tuple[tuple[int, int, int, int], Line]],
    straighten: np.ndarray | None,
) -> list[Line]:
    """The segments with the panels' texts (``panels_read``) in place of
    those page segmentation read in them; on a page askew, placed on the
    page turned straight."""
    boxes: list[tuple[int, int, int, int]] = []
    for box, line in panels:
        if straighten is not None:
            box = scan.straight_box(box, straighten)
            rise = line.baseline - line.bottom
            x0, y0, x1, y1 = scan.straight_box(
                (int(line.left), int(line.top), int(line.right), int(line.bottom)), straighten
            )
            line.left, line.top, line.right, line.bottom = x0, y0, x1, y1
            line.baseline = y1 + rise
        boxes.append(box)
    return _outside(lines, boxes) + [line for _, line in panels]


def _outside(lines: list[Line], boxes: Sequence[tuple[float, float, float, float]]) -> list[Line]:
    """The segments whose middle lies in none of ``boxes`` (left, top, right,
    bottom): what a part read on its own does not replace."""
    return [
        line
        for line in lines
        if not any(
            x0 <= (line.left + line.right) / 2 <= x1 and y0 <= (line.top + line.bottom) / 2 <= y1
            for x0, y0, x1, y1 in boxes
        )
    ]


def psm() -> Any:
    """tesserocr's page segmentation modes."""
    from tesserocr import PSM

    return PSM


def image(pixels: np.ndarray) -> Any:
    """A grayscale page (H x W uint8) as the image tesserocr reads."""
    from PIL import Image

    return Image.fromarray(pixels)
