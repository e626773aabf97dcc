"""Running headers, running footers and page numbers of a PDF's text layer.

A running header or footer is text that comes back at the same place on
neighbouring pages, at the top or the bottom of the page's text: a chapter
title, a document number, "Page 3 of 10". It is told apart from the page's
own text by comparing the page with the pages around it (MARGIN_WINDOW each
side; every other page too, for headers that alternate between left and
right pages):

- a candidate is on one of the MARGIN_LINES topmost or bottommost rows of
  the page (rows of at most MARGIN_CELLS segments: a longer row is a table's);
  the rows from the edge inwards that match are running, up to the first
  that does not; if all candidates match, none is (a form, or a generated
  report, repeats its whole layout from page to page);
- it is running if a candidate line of a neighbouring page sits at the same
  place (within MARGIN_SLACK font sizes up or down, overlapping it across),
  in the same font size, with the same text once digits and
  roman numerals are masked ("Chapter 3 ... 15" and "Chapter 3 ... 17"
  match), or with text that is only a number (a page number) on both.

A page with no running footer (a single page, a scan) may still end with
its page number alone ("14", "- 3 -", "Page 2"), set well below the text:
that is its footer.

Line numbers (a bill's or a court paper's "5", "10", "15" beside its lines)
stand in a margin strip left or right of all the page's other text, at
least LINE_NUMBER_GAP font sizes from it (PROSE_NUMBER_GAP beside running
text, whose lines run on from one to the next in lower case: a court
paper's numbers stand close to its lines): numbers of up to three digits,
at least LINE_NUMBERS of them, counting up from top to bottom by one step.
They number the page's lines rather than saying anything, and are left out.

The layout stage takes these lines out of the page's flow: headers go first,
footers last, each on a line of its own, so columns, tables and paragraphs
are read without them.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from ilios.worker.engines.geometry import Line, running_text

MARGIN_WINDOW = 2  # pages compared on each side
MARGIN_LINES = 3  # candidates: this many lines from the top and from the bottom
MARGIN_SLACK = 1.0  # a running line sits this close (font sizes) to its match, vertically
ROW_TOLERANCE = 0.3  # baselines closer than this (font sizes) are one row
MARGIN_CELLS = 3  # rows of more segments are table rows (a header row repeated on each page)
PAGE_NUMBER_GAP = 2.0  # a lone page number this far (font sizes) below the text is a footer
LINE_NUMBERS = 3  # line numbers in a margin: at least this many ...
LINE_NUMBER_GAP = 2.0  # ... this many font sizes or more left or right of all other text ...
PROSE_NUMBER_GAP = 0.5  # ... or this many beside running text (its lines run on)

_NUMBER = re.compile(r"\d+")
_LINE_NUMBER = re.compile(r"\d{1,3}")
_ROMAN = re.compile(r"\b[ivxlc]{1,6}\b")
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[#]+(?:\s*(?:/|of)\s*[#]+)?$")


def split(lines: list[Line], neighbours: list[list[Line]]) -> tuple[list[Line], list[Line]]:
    """(headers, footers) among ``lines`` (segments of one page), by
    comparing them with the segments of neighbouring pages (none: only a
    lone page number is found); each list in reading order. The rest is the
    page's own text."""
    lines = [line for line in lines if not line.side]  # sideways text is apart already
    if not lines:
        return [], []
    headers: list[list[Line]] = []
    footers: list[list[Line]] = []
    if neighbours:
        top, bottom = _candidates(lines)
        others = [
            _candidates([line for line in page if not line.side]) for page in neighbours if page
        ]
        headers = _running(top, [page[0] for page in others])
        footers = _running(bottom[::-1], [page[1] for page in others])
        footers = [row for row in footers[::-1] if row not in headers]
    if not footers:
        footers = _lone_number(_rows(lines))
    return [line for row in headers for line in row], [line for row in footers for line in row]


def line_numbers(lines: list[Line]) -> list[Line]:
    """The segments among ``lines`` that number the page's lines from a
    margin (see the module doc)."""
    numbers = [line for line in lines if _LINE_NUMBER.fullmatch(line.text.strip())]
    others = [line for line in lines if not _LINE_NUMBER.fullmatch(line.text.strip())]
    if len(numbers) < LINE_NUMBERS or not others:
        return []
    left = min(line.left for line in others)
    right = max(line.right for line in others)
    out: list[Line] = []
    for outside in (
        lambda number, gap: number.right <= left - gap * number.size,
        lambda number, gap: number.left >= right + gap * number.size,
    ):
        for gap in (PROSE_NUMBER_GAP, LINE_NUMBER_GAP):  # the whole strip beside prose first
            strip = sorted((n for n in numbers if outside(n, gap)), key=lambda n: n.baseline)
            values = [int(line.text) for line in strip]
            steps = {b - a for a, b in itertools.pairwise(values)}
            if len(strip) < LINE_NUMBERS or len(steps) != 1 or steps.pop() <= 0:
                continue
            if gap == LINE_NUMBER_GAP or _numbered_prose(strip, others):
                out += strip
                break
    return out


def _numbered_prose(numbers: list[Line], others: list[Line]) -> bool:
    """The lines level with ``numbers`` (top to bottom) are running text
    (``running_text``, every line taken as full): a table's numbered rows
    start a new cell each."""
    texts = []
    for number in numbers:
        level = [
            line
            for line in others
            if abs(line.baseline - number.baseline) <= ROW_TOLERANCE * number.size
        ]
        texts.append(max(level, key=lambda line: line.left - number.left).text if level else "")
    return running_text(texts, [True] * len(texts))


def _lone_number(rows: list[list[Line]]) -> list[list[Line]]:
    """The page's last row if it is only a page number ("14", "- 3 -",
    "Page 2", "iv") set PAGE_NUMBER_GAP font sizes or more below the text
    above it: a footer even with no neighbouring page to compare (a single
    page, a scan)."""
    if len(rows) < 3 or len(rows[-1]) != 1:
        return []
    number, above = rows[-1][0], rows[-2]
    if not _PAGE_NUMBER.match(_key(number.text).strip("-\u2013\u2014 ")):
        return []
    if number.top - max(line.bottom for line in above) < PAGE_NUMBER_GAP * number.size:
        return []
    return [rows[-1]]


def _candidates(lines: list[Line]) -> tuple[list[list[Line]], list[list[Line]]]:
    """The MARGIN_LINES topmost and bottommost rows of segments, top to bottom."""
    rows = _rows(lines)
    count = min(MARGIN_LINES, len(rows) // 3)
    return rows[:count], rows[len(rows) - count :] if count else []


def _rows(lines: list[Line]) -> list[list[Line]]:
    """The segments in rows (a row: the segments on one baseline, left to
    right), top to bottom."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda line: line.baseline):
        if rows and abs(line.baseline - rows[-1][0].baseline) <= ROW_TOLERANCE * line.size:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [sorted(row, key=lambda line: line.left) for row in rows]


def _running(rows: list[list[Line]], others: list[list[list[Line]]]) -> list[list[Line]]:
    """The rows, from the page's edge inwards, whose segments all match a
    neighbour's: up to the first that does not. None if every candidate
    row matches: a page laid out like its neighbours all through (a form,
    a generated report) has no running lines to tell apart."""
    pool = [line for page in others for row in page for line in row]
    out: list[list[Line]] = []
    for row in rows:
        if len(row) > MARGIN_CELLS or not all(_matches(line, pool) for line in row):
            return out
        out.append(row)
    return []


def _matches(line: Line, others: list[Line]) -> bool:
    key = _key(line.text)
    if not key:
        return False
    slack = MARGIN_SLACK * line.size
    for other in others:
        if abs(other.top - line.top) > slack or abs(other.size - line.size) > 0.2 * line.size:
            continue
        if other.left > line.right + slack or other.right < line.left - slack:
            continue
        theirs = _key(other.text)
        if theirs == key or (_PAGE_NUMBER.match(key) and _PAGE_NUMBER.match(theirs)):
            return True
    return False


def _key(text: str) -> str:
    """The text with digits and roman numerals masked, case and spacing folded."""
    folded = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return _ROMAN.sub("#", _NUMBER.sub("#", folded))
