"""Positioned page content shared by the PDF reader, OCR and the layout stages.

Coordinates grow downward (y-down) and are in the source's units: PDF points
for the text layer, pixels for OCR. Every threshold that uses them is a
multiple of a line's own ``size``, so both sources share one set of rules.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar


class _Spanned(Protocol):
    """Anything laid out over a height: a line, a table, boxes."""

    top: float
    bottom: float


Spanned = TypeVar("Spanned", bound=_Spanned)
Item = TypeVar("Item")

# A PDF rectangle (left, bottom, right, top; user space) -> (left, top, right, bottom) as shown.
ToShown = Callable[[float, float, float, float], tuple[float, float, float, float]]

MARKER_GAP = 4.0  # a list marker joins the text this many font sizes to its right

_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af]")
# The blocks holding every strong right-to-left character (Hebrew, Arabic,
# Syriac, Thaana, N'Ko..., their presentation forms, the right-to-left mark,
# the historic scripts beyond the BMP): text with none of them is no RTL text.
RTL_SCRIPT = re.compile(
    "[\u0590-\u08ff\u200f\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
LEADER_DOTS = (
    ".\u2024\u2026\u00b7"  # the dots a leader is made of (full stop, one-dot, ellipsis, middle)
)
RUN_ON_LINES = 3  # running text: a full line runs on into the next this many times or more ...
RUN_ON_SHARE = 0.25  # ... at this share of its lines ...
FULL_SHARE = 0.5  # ... of which this share or more are full ...
FULL_LINE = 0.8  # ... (as long as this share of the longest, as its callers measure it ...
FULL_CHARS = 16  # ... and, where they count characters, this many or more)
LEADER_UNITS = 4  # a dot leader is this many dots or more, each maybe followed by a space
# The bullets a list item may open with (and the en dash); Word's bullet
# gallery adds an arrowhead, diamonds and a shadowed square.
BULLET_CHARS = (
    "\u2022\u25e6\u25aa\u25cf\u25cb\u25a0\u2023\u2219\u00b7\u2013\u27a2\u2756\u25c6\u2751"
)
_MARKER = re.compile(rf"^(?:[{BULLET_CHARS}*\x02-]|\d{{1,3}}[.)])$")


@dataclass(slots=True)
class Line:
    """A run of text on one baseline (a segment of a line, or a whole line)."""

    text: str
    left: float
    right: float
    top: float
    bottom: float
    baseline: float
    size: float  # font size (PDF, points) or box height (OCR, pixels)
    chars: int = 0  # characters, the weight of this line's size in the body-size vote
    bold: bool = False  # every character is in a bold font (PDF only)
    mono: bool = False  # every character is in a fixed-pitch font (PDF only: code)
    side: bool = False  # set a quarter turn from the page's lines (a margin stamp; PDF only)
    slanted: bool = False  # set at a slant, neither across nor down (a watermark; PDF only)
    noted: bool = False  # begins with a raised note mark (a footnote; PDF only)
    glued: bool = False  # pdfium put no space between it and the run before (PDF only)


@dataclass(frozen=True, slots=True)
class Rule:
    """A ruling line drawn on the page: horizontal if ``y0 == y1``, else vertical."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def horizontal(self) -> bool:
        return self.y0 == self.y1

    def meets(self, other: Rule, snap: float) -> bool:
        """The rules' (or bounds') boxes overlap or come within ``snap``: two
        rules one across, one down, cross or one ends at the other."""
        return (
            self.x0 - snap <= other.x1
            and other.x0 - snap <= self.x1
            and self.y0 - snap <= other.y1
            and other.y0 - snap <= self.y1
        )


@dataclass(slots=True)
class Table:
    """A table found on the page: ``rows`` of cell texts (row 0 is the header)."""

    rows: list[list[str]]
    left: float
    right: float
    top: float
    bottom: float


@dataclass(slots=True)
class Boxes:
    """A ruled grid laid out as boxes of running text (columns or panels
    drawn with rules), not a table: ``parts`` are the segments of each box,
    in reading order, each read on its own."""

    parts: list[list[Line]]
    left: float
    right: float
    top: float
    bottom: float


@dataclass(slots=True)
class PageText:
    """A page's text layer: text segments (content order) and ruling lines."""

    lines: list[Line]
    rules: list[Rule] = field(default_factory=list)
    scanned: bool = False  # an invisible (OCR) text layer over a page-sized image
    confidence: float | None = None  # OCR's mean word confidence (0-100); None: a text layer


def is_rtl_char(ch: str) -> bool:
    """Hebrew, Arabic, Syriac, Thaana, NKo ... (strong right-to-left letters)."""
    return unicodedata.bidirectional(ch) in ("R", "AL")


def is_wide_char(ch: str) -> bool:
    """CJK ideographs, kana, fullwidth forms: scripts written without spaces
    between words. Not hangul: Korean puts spaces between words, so a line
    of it wraps at a space."""
    return unicodedata.east_asian_width(ch) in ("W", "F") and not is_hangul(ch)


def is_hangul(ch: str) -> bool:
    """A Korean letter or syllable."""
    return _HANGUL.match(ch) is not None


def is_rtl(text: str) -> bool:
    """More strong right-to-left letters than strong left-to-right ones."""
    if text.isascii() or not RTL_SCRIPT.search(text):
        return False
    rtl = ltr = 0
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            rtl += 1
        elif kind == "L":
            ltr += 1
    return rtl > ltr


def marker_gap(text: str, gap: float, after: str) -> float:
    """The widest gap (font sizes) after ``text`` that still joins the next
    run (``after``): MARKER_GAP after a lone list marker ("•", "-", "1."),
    unless a figure or another lone marker follows (a table's "*" or "-"
    for no value, then the next cell's number or dash), else ``gap``."""
    if (
        _MARKER.match(text.strip())
        and not after.lstrip()[:1].isdigit()
        and not _MARKER.match(after.strip())
    ):
        return MARKER_GAP
    return gap


def runs_on(text: str, after: str) -> bool:
    """``text`` stops mid-sentence (it ends in a letter, a comma or a hyphen)
    and ``after`` goes on in lower case: one sentence wrapped from a line
    onto the next."""
    end = text.rstrip()[-1:]
    return (end.isalpha() or end in ",-") and after.lstrip()[:1].islower()


def running_text(
    texts: Sequence[str], full: Sequence[bool], linked: Iterable[bool] | None = None
) -> bool:
    """Consecutive lines (top to bottom) are running text, not a table's
    cells: FULL_SHARE of them or more are ``full`` (FULL_LINE of the
    longest: a wrapped line fills its measure), and a full line runs on into
    the next (``runs_on``; between lines ``linked`` only, if given: a pair
    of lines each) RUN_ON_LINES times or more, at RUN_ON_SHARE of the
    lines. A table's next row starts a new cell, and a column of short
    descriptions in lower case ("microns", "fraction of a day") is ragged."""
    if sum(full) < FULL_SHARE * len(texts):
        return False
    links = itertools.repeat(True) if linked is None else linked
    count = sum(
        wide and link and runs_on(above, below)
        for wide, link, (above, below) in zip(full, links, itertools.pairwise(texts), strict=False)
    )
    return count >= max(RUN_ON_LINES, RUN_ON_SHARE * len(texts))


def leader_start(text: str) -> int | None:
    """Where the dot leader ending ``text`` begins (LEADER_UNITS dots or
    more, each followed by one space at most; a final newline aside), or
    None. Read back from the end, in one pass: a pattern searched for it
    backtracks through every dot of a long leader that ends in a word."""
    end = len(text) - text.endswith("\n")
    start, units = end, 0
    while True:
        at = start - (start > 0 and text[start - 1] in " \u00a0")  # a unit's space
        if at == 0 or text[at - 1] not in LEADER_DOTS:
            break
        start, units = at - 1, units + 1
    return start if units >= LEADER_UNITS else None


def blank_strips(items: Iterable[Spanned], height: float) -> list[list[Spanned]]:
    """``items`` top down, in groups parted by blank strips across them at
    least ``height`` high (nothing of the items reaches into the strip)."""
    groups: list[list[Spanned]] = []
    reach = -math.inf  # the lowest bottom of the items so far
    for item in sorted(items, key=lambda it: it.top):
        if item.top - reach < height:
            groups[-1].append(item)
        else:
            groups.append([item])
        reach = max(reach, item.bottom)
    return groups


def right_to_left(items: Sequence[Item], ltr: Callable[[Item], bool]) -> list[Item]:
    """``items`` laid out left to right in a right-to-left line, in reading
    order: right to left, except that runs of left-to-right items (Latin
    words, digits: ``ltr``) keep their own order."""
    return left_to_right(items, ltr)[::-1]


def left_to_right(items: Sequence[Item], rtl: Callable[[Item], bool]) -> list[Item]:
    """``items`` laid out left to right in a left-to-right line, in reading
    order: left to right, except that runs of right-to-left items (Arabic or
    Hebrew words: ``rtl``) read right to left."""
    out: list[Item] = []
    run: list[Item] = []
    for item in items:
        if rtl(item):
            run.append(item)
            continue
        out.extend(reversed(run))
        run = []
        out.append(item)
    out.extend(reversed(run))
    return out


def meets_wide(left: str, right: str) -> bool:
    """Two pieces of a line meet at a CJK (wide) character, where no space
    parts words."""
    return bool(left and right) and (is_wide_char(left[-1]) or is_wide_char(right[0]))


def join_words(left: str, right: str) -> str:
    """Join two pieces of one line or paragraph: with a space, or none between CJK."""
    if not left or not right:
        return left + right
    if is_wide_char(left[-1]) and is_wide_char(right[0]):
        return left + right
    return f"{left} {right}"
