"""Page layout: turn positioned text lines into Markdown blocks.

Both text sources of the local engine feed this module: the PDF text layer
(coordinates and sizes in points) and OCR (pixels). Coordinates grow
downward; a ``Line`` carries its own size so every threshold here is relative
(a multiple of the font size or box height), never absolute.

``to_markdown`` first finds ruled tables (``tables``) and the reading order
(``order``: columns, rows, aligned tables, whole lines), then applies these
rules, in order, to each line:

- a clearly larger font than the body text is a heading (``#`` .. ``###`` by
  size rank within the document, see ``FontStats``); so is a short, lone,
  all-bold line at body size (one level below the smallest size heading),
  unless nearly all the document's text is bold (then bold marks nothing);
- a line starting with a bullet ("•", "◦", "-", "*", ...) starts a ``- item``;
  "1." / "1)" starts a numbered item; indented following lines continue it;
- otherwise lines join the open paragraph (wrapped lines joined with spaces)
  unless a vertical gap, a size change or a first-line indent starts a new one.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ilios.worker.engines.geometry import (
    BULLET_CHARS,
    Line,
    Rule,
    Table,
    is_rtl,
    is_wide_char,
    join_words,
    leader_start,
)
from ilios.worker.engines.margins import line_numbers
from ilios.worker.engines.order import edge_rows, reading_order
from ilios.worker.engines.tables import ruled_tables, table_markdown

__all__ = ["FontStats", "Line", "to_markdown"]

HEADING_MIN_RATIO = 1.15  # a heading's font is at least this many times the body size
TITLE_LINE_SHARE = 0.6  # a paragraph's first line this much shorter than the next is a title
STRAY_MARKS = frozenset(".,;:")  # alone on a line, they are dropped
FIGURE_BLOCKS = 12  # a figure interrupting a paragraph: at most this many blocks ...
FIGURE_LABEL_CHARS = 80  # ... of labels this short, and a caption
VERSE_LINES, VERSE_SHARE = 4, 0.75  # a paragraph of 4+ lines, 3/4 capitalised and closed ...
VERSE_ENDS = ",.;:!?"  # ... with one of these, is verse: its line breaks are kept
TITLE_RATIO = 1.5  # an OCR'd line this many times the body's box height is a heading ...
TITLE_SHARE = 0.2  # ... unless more than this share of the page's lines are that tall
TITLE_PITCH = 1.3  # ... and its letters are this many times as wide as the body's
HEADING_MAX_CHARS = 200  # longer "headings" are emphasised paragraphs
HEADING_MAX_SHARE = 0.3  # a size carrying more of the document's characters is body text
PAGE_TEXT_CHARS = 500  # ... and so is one carrying more characters on the page than this
CODE_MAX_SHARE = 0.5  # fixed-pitch lines are code blocks if they hold at most this share
BOLD_HEADING_MAX_CHARS = 80  # a bold body-size line this short may be a heading ...
BOLD_ALL_SHARE = 0.9  # ... unless more than this share of the document's characters are bold
HEADING_LEVELS = 3  # deepest heading level emitted (###)
SIZE_STEP = 1.0  # font sizes rounding to the same step (points) are one style
SAME_SIZE = 0.15  # neighbour lines within this relative size difference share a leading
PARAGRAPH_GAP = 1.3  # a baseline pitch this much above the usual pitch breaks a paragraph
MIN_PITCHES = 4  # a font size with more lines than this has a usual pitch of its own
INDENT_BREAK = 1.0  # first-line indent (in font sizes) that starts a new paragraph
INDENT_STEP = 0.6  # ... or this much further in than a previous line ...
SHORT_LINE = 2.0  # ... that stopped this short of the paragraph's far edge (its last line)
LINE_OVERLAP = 0.3  # a line under another overlaps it by at most this (font sizes)
WORD_ROOM = 1.0  # a line that left room for the next line's first word and this much more ends one
OUTLINE_LINES = 3  # lines opening with section numbers in outline order, each its own
ITEM_INDENT = 0.5  # continuation lines of a list item sit this far right of its marker
NEST_INDENT, NEST_MAX = 1.0, 6.0  # a bullet this many font sizes further in is nested (at most)
HANG_MIN, HANG_MAX = 0.5, 5.0  # a hanging indent: second line this far in (font sizes) ...

# A marker opening a line: a bullet, or "-", "*" or pdfium's hyphenation code
# (a "-" drawn as a bullet, which pdfium took for a line-end hyphen) and a space.
BULLET = re.compile(rf"^(?:[{BULLET_CHARS}]\s*|[-*\x02]\s+)(?=\S)")
NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(?=\S)")
# An item labelled in brackets, as laws and contracts number theirs: "(a)", "(2)", "(iv)".
LABELLED = re.compile(r"^\((?:\d{1,3}|[a-zA-Z]|[ivxlc]{2,6})\)\s+(?=\S)")
# A caption: a figure or table label and its number ("Figure 7-26.", "Table 1:", "Abb. 3", "图 2").
CAPTION = re.compile(
    r"^(?:Figure|Fig\.|Table|Tab\.|Chart|Exhibit|Plate|Listing|Abbildung|Abb\.|Tabelle|Tableau|"
    r"Figura|Tabla|Tabela|Рисунок|Рис\.|Таблица|图|表|圖|그림|표|図)"
    r"\s?(?:\d+|[IVX]+)(?:[.\-\u2013]\d+)*(?:[.:)]|\s)"
)
# Two letters in a row (any script), or three letter-spaced ("C O N T E N T S").
_WORD = re.compile(r"[^\W\d_]{2}|(?:[^\W\d_] ){2}[^\W\d_]")
_WORDY = re.compile(r"[^\W\d_]{4}|[^\W\d_]{2,}\s+[^\W\d_]{2,}")  # a 4-letter word, or 2 words
# A contents entry: a dot leader, then a page number (arabic or roman) at the line's end
# (``_entry``: the number, then ``leader_start`` before it; one pattern for both
# backtracks through every dot of a long leader).
_PAGE_NUMBER = re.compile(r"\s*(?:\d{1,4}|[ivxlcdm]{1,7})$", re.IGNORECASE)
# A section number opening a line, before a letter: "2 Obtaining", "5.2. Authors".
SECTION = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+(?=[^\W\d_])")
SOFT_HYPHENS = ("\u00ad", "\x02")  # soft hyphen; pdfium's code for a line-end hyphen


@dataclass(slots=True)
class FontStats:
    """Font sizes of one document, accumulated page by page (pages stream out).

    ``body_size`` is the size used by most characters so far. Heading levels
    rank every heading size seen so far, largest first, so a later page can
    only reuse or extend the ranking page 1 started.
    """

    chars: Counter[float] = field(default_factory=Counter)
    bold_chars: int = 0  # ... of them in a bold font
    heading_sizes: set[float] = field(default_factory=set)
    body_size: float | None = None  # updated by add_page
    page: Counter[float] = field(default_factory=Counter)  # characters by size, this page

    def add_page(self, lines: list[Line]) -> None:
        """Count this page's characters by size, then register its heading sizes."""
        self.page = Counter()
        for line in lines:
            self.chars[_step(line.size)] += line.chars
            self.page[_step(line.size)] += line.chars
            self.bold_chars += line.chars if line.bold else 0
        self.body_size = self.chars.most_common(1)[0][0] if self.chars else None
        body = self.body_size
        if body is None:
            return
        for line in lines:
            if _is_heading_shape(line, body) and not self._common(line.size):
                self.heading_sizes.add(_step(line.size))

    def _common(self, size: float) -> bool:
        """So many characters are set in ``size`` that it is a body size (a
        page of small print, footnotes or tables, can outweigh the text): a
        share of the document's, or a page's worth of text on this page (an
        article's first page, its abstract and addresses in small print)."""
        step = _step(size)
        return self.chars[step] > HEADING_MAX_SHARE * sum(self.chars.values()) or self._running(
            size
        )

    def _running(self, size: float) -> bool:
        """This page holds a page's worth of text (PAGE_TEXT_CHARS) in ``size``."""
        return self.page[_step(size)] > PAGE_TEXT_CHARS

    def _all_bold(self) -> bool:
        """Nearly every character is bold (a font's weight may say so of a
        regular face): bold marks no heading."""
        return self.bold_chars > BOLD_ALL_SHARE * sum(self.chars.values())

    def heading_level(self, line: Line) -> int | None:
        """1..HEADING_LEVELS for a heading line, None for body text."""
        body = self.body_size
        if body is None:
            return None
        size = _step(line.size)
        bold = _is_bold_heading(line, body) or (
            line.size > body and self._running(line.size) and _is_bold_heading(line, line.size)
        )  # in the size of a page's text that small print outweighs
        if bold and not self._all_bold():
            return min(len(self.heading_sizes) + 1, HEADING_LEVELS)
        if not _is_heading_shape(line, body) or self._common(line.size):
            return None
        larger = sum(1 for s in self.heading_sizes if s > size)
        return min(larger + 1, HEADING_LEVELS)


def _box_titles(lines: list[Line]) -> dict[int, int]:
    """Heading levels (by id) of OCR'd lines, whose sizes are their boxes'
    heights: a short line (at most HEADING_MAX_CHARS, with a word of four
    letters or two words: no drop cap, no scribble) TITLE_RATIO times the
    body's height or more, its letters TITLE_PITCH times as wide (a line of
    body text with a tall mark in it, a form's "|", is not) is a heading, the
    tallest level 1; none if such lines are over TITLE_SHARE of the page's
    (a poster, a slide: no body to stand out from)."""
    if not any(line.chars for line in lines):
        return {}
    body = _char_median(lines, lambda line: line.size)
    body_pitch = _char_median(lines, _char_pitch)
    tall = [
        line
        for line in lines
        if line.size >= TITLE_RATIO * body
        and _char_pitch(line) >= TITLE_PITCH * body_pitch
        and len(line.text) <= HEADING_MAX_CHARS
        and _WORDY.search(line.text)
    ]
    if len(tall) > TITLE_SHARE * len(lines):
        return {}
    levels: dict[int, int] = {}
    level, top = 0, float("inf")
    for line in sorted(tall, key=lambda line: -line.size):
        if line.size < top / HEADING_MIN_RATIO:  # a size of its own: the next level
            level, top = min(level + 1, HEADING_LEVELS), line.size
        levels[id(line)] = level
    return levels


def _char_median(lines: list[Line], value: Callable[[Line], float]) -> float:
    """The median of ``value`` over the lines' characters (each line weighs
    as many as it has characters; some must have)."""
    ranked = sorted((value(line), line.chars) for line in lines)
    half, seen = sum(chars for _, chars in ranked) // 2, 0
    for measure, chars in ranked:
        seen += chars
        if seen > half:
            return measure
    raise ValueError("no characters")


def _char_pitch(line: Line) -> float:
    """The line's width per character."""
    return (line.right - line.left) / max(line.chars, 1)


def _step(size: float) -> float:
    return round(size / SIZE_STEP) * SIZE_STEP


def _is_heading_shape(line: Line, body: float) -> bool:
    return line.size >= body * HEADING_MIN_RATIO and len(line.text) <= HEADING_MAX_CHARS


def _is_bold_heading(line: Line, body: float) -> bool:
    """All bold, about body size, short, no sentence punctuation at its end,
    not opening in lower case (a bold phrase that fills a line of its
    paragraph). A line opening with a list marker is no heading at all
    (``to_markdown``)."""
    return (
        line.bold
        and not line.text[:1].islower()
        and _step(line.size) >= _step(body) * (2 - HEADING_MIN_RATIO)
        and line.size < body * HEADING_MIN_RATIO
        and len(line.text) <= BOLD_HEADING_MAX_CHARS
        and not line.text.endswith((".", ",", ";", ":"))
    )


@dataclass(slots=True)
class _Block:
    kind: str  # "h1".."h3", "p", "ul", "ol", "table" (parts: its Markdown)
    parts: list[str]  # paragraph/heading lines, or list items
    numbers: list[str] = field(default_factory=list)  # "ol" item numbers
    left: float = 0.0  # left edge of the first line / of the current item's marker
    edges: tuple[float, float] = (0.0, 0.0)  # paragraphs: leftmost and rightmost edge of its lines
    # A paragraph set with a hanging indent: its lines' start (_start); a list
    # item wrapped flush with (or left of) its marker: that left edge.
    hang: float | None = None
    size: float = 0.0
    lines: list[Line] = field(default_factory=list)  # paragraphs: the line of each part
    marks: list[float] = field(default_factory=list)  # lists: each item's marker's left edge

    def markdown(self) -> str:
        if self.kind == "table":
            return self.parts[0]
        if self.kind == "code":
            return "```\n" + "\n".join(_clean(part) for part in self.parts) + "\n```"
        if self.kind == "ul":
            levels = _levels(self.marks, self.size, self.parts)
            nested = zip(levels, self.parts, strict=True)
            return "\n".join(f"{'  ' * level}- {_clean(item)}" for level, item in nested)
        if self.kind == "ol":
            pairs = zip(self.numbers, self.parts, strict=True)
            return "\n".join(f"{n}. {_clean(item)}" for n, item in pairs)
        if self.kind == "p" and _verse(self.parts):  # its line breaks kept (hard breaks)
            return "  \n".join(_escape(_clean(part)) for part in self.parts)
        text = _escape(_clean(_join(self.parts)))
        return f"{'#' * int(self.kind[1])} {text}" if self.kind.startswith("h") else text


def to_markdown(
    lines: list[Line],
    *,
    fonts: FontStats | None,
    max_leading: float,
    rules: Sequence[Rule] = (),
    margins: tuple[list[Line], list[Line]] = ([], []),
) -> str:
    """Markdown for one page's text ``lines`` (segments, in any order) and
    ruling lines ``rules`` (PDF only).

    ``fonts`` enables headings and size-change breaks; pass None when sizes
    are unreliable (OCR boxes). ``max_leading`` caps the usual baseline pitch,
    in sizes, so a page made only of one-line paragraphs still splits.
    ``margins``: the running header and footer segments among ``lines``
    (``margins.split``): they come first and last, a paragraph each, out of
    the flow (unless a ruled table holds them), and so does a page's header
    or footer row set at both edges over or under columns (``edge_rows``).
    Segments set sideways (``Line.side``: a margin stamp) are out of the
    flow too, a paragraph each before the footer; line numbers in a margin
    (``margins.line_numbers``) are left out.
    """
    tables, rest = ruled_tables([line for line in lines if not line.side], list(rules))
    rest += [line for line in lines if line.side]
    free = {id(line) for line in rest}
    head, foot = ([line for line in part if id(line) in free] for part in margins)
    side = sorted((line for line in rest if line.side), key=lambda line: line.left)
    numbering = line_numbers(rest)  # a bill's or a court paper's: left out
    running = {id(line) for line in (*head, *foot, *side, *numbering)}
    top, bottom = edge_rows([line for line in rest if id(line) not in running], tables)
    head, foot = [*head, *top], [*bottom, *foot]  # a header or footer row over columns
    running |= {id(line) for line in (*top, *bottom)}
    items = reading_order([line for line in rest if id(line) not in running], tables)
    blocks: list[_Block] = []
    moved: dict[int, list[_Block]] = {}  # id of a paragraph -> a figure's blocks, after it
    flow = [it for it in items if isinstance(it, Line)]
    # OCR boxes' heights vary line by line: one usual pitch for all of them
    pitches: dict[float | None, float] = (
        _usual_pitches(flow, max_leading)
        if fonts is not None
        else {None: _usual_pitch(flow, max_leading, sized=False)}
    )
    # OCR'd titles, judged on the segments (a row of several is no title)
    titles = {} if fonts is not None else _box_titles([ln for ln in rest if id(ln) not in running])
    code = _code_lines([it for it in items if isinstance(it, Line)])
    prev: Line | None = None
    for i, line in enumerate(items):
        if isinstance(line, Table):
            blocks.append(_Block("table", [table_markdown(line)]))
            prev = None
            continue
        text = line.text
        if text in STRAY_MARKS:
            continue  # a stop alone on its line: no text, and it would hide the gap around it
        if id(line) in code:
            cur = blocks[-1] if blocks else None
            pitch = line.baseline - prev.baseline if prev else None
            usual = pitches.get(_step(line.size), pitches[None])
            indent = " " * round(max(0.0, line.left - code[id(line)]) / _char_width(line))
            if cur and cur.kind == "code" and pitch is not None and 0 < pitch < 2.5 * usual:
                cur.parts.append(indent + text)
            else:
                blocks.append(_Block("code", [indent + text], left=line.left, size=line.size))
            prev = line
            continue
        after = items[i + 1] if i + 1 < len(items) else None
        usual = pitches.get(_step(line.size), pitches[None])
        bullet = BULLET.match(text)
        level: int | None = None  # a bulleted line is a list item, however large (key points)
        if bullet is None and fonts is None:
            level = titles.get(id(line))
        elif bullet is None and fonts is not None:
            level = _heading_level(fonts, line, prev, after, usual)
        pitch = line.baseline - prev.baseline if prev else None
        gap = pitch is None or pitch > usual * PARAGRAPH_GAP or pitch < 0.5 * line.size
        restyled = fonts is not None and prev is not None and _restyled(prev.size, line.size)
        cur = blocks[-1] if blocks else None
        if cur and pitch is not None and pitch < 0 and not restyled:  # the top of a column
            if cur.kind != "p" or not _flows_on(cur.parts[-1], text):
                at = _interrupted(blocks, text)  # a figure ended the column mid-paragraph
                if at is not None:
                    cur = _resumed(blocks, at, moved)
            if cur.kind == "p" and _flows_on(cur.parts[-1], text):  # the paragraph goes on
                cur.left, cur.edges, gap = line.left, (line.left, line.right), False
        elif cur and gap and cur.kind == "p" and CAPTION.match(cur.parts[0]):
            at = _interrupted(blocks, text)  # a figure stood in the column mid-paragraph
            if at is not None and not _restyled(blocks[at].size, line.size):
                cur, gap, restyled = _resumed(blocks, at, moved), False, False
                cur.left, cur.edges = line.left, (line.left, line.right)
        if cur and cur.kind == "p" and _entry(cur.parts[-1]):
            gap = True  # a contents entry ends its paragraph at its page number
        if CAPTION.match(text) and not (cur and cur.kind == "p" and _open(cur.parts[-1])):
            gap = True  # a caption starts a paragraph of its own
        if line.noted:
            gap = True  # so does a note, after its raised mark
        if line.bold and prev is not None and not prev.bold and text[:1].isupper():
            gap = True  # and a bold line after plain text: a run-in heading, wrapped
        if level is not None and cur and cur.kind in ("ul", "ol") and not (gap or restyled):
            if _item_goes_on(cur, line, prev, flow):
                level = None  # the large item's next line
        number = None if bullet else NUMBERED.match(text)
        label = None if bullet or number else LABELLED.match(text)
        marker = bullet or number or label
        if level is not None:
            kind = f"h{level}"
            if cur and cur.kind == kind and not gap and not restyled:
                cur.parts.append(text)
            else:
                blocks.append(_Block(kind, [text], left=line.left, size=line.size))
        elif marker is not None:
            kind = "ol" if number else "ul"
            item = text if label else text[marker.end() :]  # "(a)" stays its item's label
            if not (cur and cur.kind == kind):
                cur = _Block(kind, [])
                blocks.append(cur)
            cur.parts.append(item)
            cur.marks.append(line.left)
            if number:
                cur.numbers.append(number.group(1))
            cur.left, cur.size, cur.hang = line.left, line.size, None
        elif (
            cur
            and cur.kind in ("ul", "ol")
            and not gap
            and not restyled
            and _item_goes_on(cur, line, prev, flow)
        ):
            if line.left <= cur.left + ITEM_INDENT * line.size:
                cur.hang = line.left  # the item's further lines start there too
            cur.parts[-1] = _join([cur.parts[-1], text])
        elif cur and cur.kind == "p" and not gap and not restyled and _hangs(line, prev, cur, flow):
            cur.parts.append(text)
            cur.lines.append(line)
            cur.edges = min(cur.edges[0], line.left), max(cur.edges[1], line.right)
        elif (
            cur
            and cur.kind == "p"
            and not gap
            and not restyled
            and cur.hang is None
            and not _indented(line, cur)
            and not (
                len(cur.parts) > 1 and prev and pitch and pitch > 0 and _new_indent(line, prev, cur)
            )
            and not (len(cur.parts) == 1 and prev and _title_over(prev, line))
        ):
            cur.parts.append(text)
            cur.lines.append(line)
            cur.edges = min(cur.edges[0], line.left), max(cur.edges[1], line.right)
        else:
            span = line.left, line.right
            blocks.append(
                _Block("p", [text], left=line.left, size=line.size, edges=span, lines=[line])
            )
        prev = line
    blocks = [moving for block in blocks for moving in (block, *moved.get(id(block), ()))]
    for block in blocks:  # large or bold, but a sentence (a notice) or no words (a chart's axis)
        if block.kind.startswith("h") and _untitled(_join(block.parts)):
            block.kind = "p"
    blocks = [part for block in blocks for part in _broken_up(block)]
    edges = ([_margin_line(head)] if head else []), ([_margin_line(foot)] if foot else [])
    aside = [_margin_line([line]) for line in side]
    return "\n\n".join([*edges[0], *(block.markdown() for block in blocks), *aside, *edges[1]])


def _hangs(line: Line, prev: Line | None, paragraph: _Block, flow: list[Line]) -> bool:
    """The line continues a paragraph set with a hanging indent (a
    reference list's entries, a function's definition): its second line
    starts HANG_MIN to HANG_MAX font sizes further in than its first, in the
    same font size, and the first is full (reaches within SHORT_LINE sizes
    of the far edge of the lines that start near it); later lines start
    where the second did and a line back at the first line's start opens
    the next entry, unless the line before it is full and stops
    mid-sentence: then the text runs on, and the paragraph is no longer
    hanging (a heading over a paragraph with an indented first line). A
    centred line is no hanging one. Mirrored for right-to-left text;
    ``paragraph.hang`` keeps the start once found."""
    rtl = is_rtl(line.text)
    start = _start(line, rtl)
    if prev is None or rtl != is_rtl(prev.text):
        return False

    if paragraph.hang is not None:
        if abs(start - paragraph.hang) <= HANG_MIN * line.size:
            return True
        if start < paragraph.hang and _full(prev, line, flow) and _open(prev.text):
            paragraph.hang = None  # the text runs on: the line it hung on was a first line's indent
        return False
    first = _start(prev, rtl)
    if len(paragraph.parts) != 1 or _step(line.size) != _step(prev.size):
        return False
    if not HANG_MIN * line.size <= start - first <= HANG_MAX * line.size:
        return False
    if not _full(prev, line, flow):
        return False
    if abs((start - first) - (_end(prev, rtl) - _end(line, rtl))) <= HANG_MIN * line.size:
        return False  # as far in as it is short: a centred line
    paragraph.hang = start
    return True


def _item_goes_on(item: _Block, line: Line, prev: Line | None, flow: list[Line]) -> bool:
    """The line (no marker of its own) goes on with the list's last item: it
    starts right of the item's marker, or at the edge its wrapped lines took,
    or flush with the marker when it runs on in lower case or the line
    before it is full and stops mid-sentence; but not after a labelled item
    ("(1) Scope ...") that ended short at a sentence's end (a paragraph
    follows)."""
    if (
        LABELLED.match(item.parts[-1])
        and prev is not None
        and not _open(prev.text)
        and not _full(prev, line, flow)
    ):
        return False
    return (
        line.left > item.left + ITEM_INDENT * line.size
        or (item.hang is not None and abs(line.left - item.hang) < ITEM_INDENT * line.size)
        or _flows_on(item.parts[-1], line.text)  # an item wrapped flush with its marker
        or (prev is not None and _open(prev.text) and _full(prev, line, flow))
    )


def _full(prev: Line, line: Line, flow: list[Line]) -> bool:
    """``prev`` reaches (within SHORT_LINE font sizes) the far edge of the
    lines of ``flow`` that start near ``line`` (HANG_MAX): a wrapped line,
    not a paragraph's last."""
    rtl = is_rtl(line.text)
    start = _start(line, rtl)
    near = [other for other in flow if abs(_start(other, rtl) - start) <= HANG_MAX * line.size]
    return _end(prev, rtl) >= max(_end(other, rtl) for other in near) - SHORT_LINE * line.size


def _start(line: Line, rtl: bool) -> float:
    """Where a line starts, growing inwards: its left edge, or its right edge
    negated in right-to-left text."""
    return -line.right if rtl else line.left


def _end(line: Line, rtl: bool) -> float:
    """Where a line ends, growing outwards: its right edge, or its left edge
    negated in right-to-left text."""
    return -line.left if rtl else line.right


def _broken_up(block: _Block) -> list[_Block]:
    """A paragraph as the paragraphs its lines ended on purpose part it into
    (``_broken_off``): each line compared with the one above it (below it,
    overlapping it by at most LINE_OVERLAP sizes) and with the median end of
    the paragraph's lines that start where the line does (its column's);
    verse (``_verse``) stays whole, its line breaks kept. Mirrored for
    right-to-left text. Lines of a contents list opening with section
    numbers (``_outline``) each start a paragraph too."""
    lines = block.lines
    if block.kind != "p" or len(lines) != len(block.parts) or _verse(block.parts):
        return [block]
    rtl = is_rtl(block.parts[0])

    def column(line: Line) -> int:  # where it starts, in steps of HANG_MIN sizes
        return round(_start(line, rtl) / (HANG_MIN * line.size))

    ends: dict[int, list[float]] = {}
    for line in lines:
        ends.setdefault(column(line), []).append(_end(line, rtl))
    far = {key: sorted(values)[len(values) // 2] for key, values in ends.items()}
    outline = _outline(block.parts)
    cuts = [
        i
        for i in range(1, len(lines))
        if i in outline
        or (
            lines[i].top >= lines[i - 1].bottom - LINE_OVERLAP * lines[i].size
            and _broken_off(lines[i - 1], lines[i], far[column(lines[i])], rtl)
        )
    ]
    return [
        _Block("p", block.parts[a:b], left=lines[a].left, size=block.size)
        for a, b in itertools.pairwise([0, *cuts, len(lines)])
    ]


def _outline(parts: list[str]) -> set[int]:
    """The indexes of the lines that open with a section number ("2",
    "5.2", "5.3.") and a capital, when OUTLINE_LINES or more do and each
    number follows the one before in an outline (the next at its depth, its
    first child, or the next of a parent: 5, 5.1, 5.2, 6): a contents list
    without page numbers, whose short lines would otherwise run together.
    Empty if they do not."""
    numbered = [
        (i, m.group(1))
        for i, part in enumerate(parts)
        if (m := SECTION.match(part)) and not part[m.end()].islower()
    ]
    if len(numbered) < OUTLINE_LINES:
        return set()
    for (_, before), (_, number) in itertools.pairwise(numbered):
        a, b = [int(n) for n in before.split(".")], [int(n) for n in number.split(".")]
        if b != [*a, 1] and not any(b == [*a[:k], a[k] + 1] for k in range(len(a))):
            return set()
    return {i for i, _ in numbered}


def _broken_off(prev: Line, line: Line, far: float, rtl: bool) -> bool:
    """``prev`` stopped with room for the first word of ``line`` and
    WORD_ROOM font sizes more before ``far`` (where a paragraph's lines
    usually end; measured as ``_end`` measures): it was ended on purpose,
    and ``line`` opens a paragraph (paragraphs set flush, with no indent or
    space between them: a declaration's "Whereas" clauses). A script
    written without spaces has no first word to measure; a line going on in
    lower case, or after a hyphen, goes on with its paragraph."""
    words = line.text.split()
    if len(words) < 2 or any(map(is_wide_char, words[0])) or line.text[0].islower():
        return False  # a script without spaces, or the sentence runs on
    if prev.text.endswith(("-", *SOFT_HYPHENS)):
        return False  # a word broken across the lines
    room = (len(words[0]) / len(line.text)) * (line.right - line.left) + WORD_ROOM * line.size
    return far - _end(prev, rtl) > room


def _title_over(first: Line, line: Line) -> bool:
    """``first``, a paragraph's first line, is a title set over the text
    ``line`` begins (an italic or plain run-in heading on a line of its
    own): two words or more, no closing punctuation, the next line not
    going on in lower case, and it stops short, covering under
    TITLE_LINE_SHARE of the next line's width from the same start."""
    if is_rtl(first.text) or len(first.text.split()) < 2 or not _open(first.text):
        return False
    if line.text[:1].islower():  # the sentence goes on
        return False
    if abs(first.left - line.left) > HANG_MIN * line.size:
        return False
    return first.right - first.left < TITLE_LINE_SHARE * (line.right - line.left)


def _indented(line: Line, paragraph: _Block) -> bool:
    """The line starts more than INDENT_BREAK font sizes further in than the
    paragraph's first line: from its left edge in left-to-right text, from
    its right edge in right-to-left text (a short last line of a paragraph
    set right to left ends far from the left edge, but starts at the right)."""
    rtl = is_rtl(line.text)
    first = -paragraph.edges[1] if rtl else paragraph.left  # measured as _start measures
    return _start(line, rtl) > first + INDENT_BREAK * line.size


def _new_indent(line: Line, prev: Line, paragraph: _Block) -> bool:
    """The line is an indented first line after a paragraph's last line: it
    starts INDENT_STEP further in than the line before it, and that line
    stopped short (SHORT_LINE before the paragraph's far edge), as a
    paragraph's last line does; a line of a centred block or a list item's
    hanging indent follows a full line. On the left in left-to-right text,
    mirrored in right-to-left text."""
    rtl = is_rtl(line.text)
    if rtl != is_rtl(prev.text):
        return False
    step, short = INDENT_STEP * line.size, SHORT_LINE * line.size
    low, high = paragraph.edges
    far = -low if rtl else high  # the paragraph's far edge, measured as _end measures
    return _start(line, rtl) - _start(prev, rtl) > step and _end(prev, rtl) < far - short


def _entry(text: str) -> bool:
    """The text ends in a contents entry's dot leader and page number."""
    last = text[-2:-1] if text.endswith("\n") else text[-1:]  # "$" takes a final newline
    if not last.isdigit() and last.lower() not in "ivxlcdm":
        return False  # the common case, at once (the search tries every position)
    number = _PAGE_NUMBER.search(text)
    return number is not None and leader_start(text[: number.start()]) is not None


def _code_lines(lines: list[Line]) -> dict[int, float]:
    """The lines set in a fixed-pitch font, when such lines are a minority of
    the page's characters (code among text; a page set all in a typewriter
    face is text), each with the left edge its indentation counts from (the
    leftmost of its run of such lines). A line opening with a bullet
    character is a list item, whatever its font (Word's "o" bullet is
    Courier's)."""
    mono = [line for line in lines if line.mono and line.text.strip()]
    if not mono or sum(line.chars for line in mono) > CODE_MAX_SHARE * sum(
        line.chars for line in lines
    ):
        return {}
    out: dict[int, float] = {}
    run: list[Line] = []
    for line in [*lines, None]:
        if line is not None and line.mono and line.text[:1] not in BULLET_CHARS:
            run.append(line)
            continue
        if run:
            left = min(seg.left for seg in run)
            out.update((id(seg), left) for seg in run)
            run = []
    return out


def _char_width(line: Line) -> float:
    """A fixed-pitch line's character width (its width over its characters)."""
    return max((line.right - line.left) / max(len(line.text), 1), 0.1 * line.size)


def _margin_line(lines: list[Line]) -> str:
    """Running header or footer segments as one line, rows top to bottom."""
    return _escape(_clean(" ".join(" ".join(line.text.split()) for line in lines)))


def _heading_level(
    fonts: FontStats | None, line: Line, prev: Line | None, after: object, usual: float
) -> int | None:
    """The line's heading level; a bold body-size line counts only when it
    stands alone (no bold line of the same size runs on before or after it)
    and its sentence does not run on into the next line (opening in lower
    case at the paragraph's pitch: a run-in heading that wrapped)."""
    if fonts is None:
        return None
    level = fonts.heading_level(line)
    if level is None or not line.bold or _restyled(line.size, fonts.body_size or line.size):
        return level
    if (
        isinstance(after, Line)
        and after.text[:1].islower()
        and 0 < after.baseline - line.baseline <= usual * PARAGRAPH_GAP
    ):
        return None
    for other in (prev, after):
        if isinstance(other, Line) and other.bold and not _restyled(other.size, line.size):
            if abs(other.baseline - line.baseline) <= usual * PARAGRAPH_GAP:
                return None
    return level


def _untitled(text: str) -> bool:
    """The text is no title, however it is set: it holds no word (two
    letters in a row, three letter-spaced, or a CJK character: a figure, a
    mark, a lone letter such as a form's "O" for "or" are none), or it
    ends as a sentence does: with a full stop after a lower-case word ("…
    any payment."; not "Inc." or "Fig. 2.") or with an ideographic full
    stop (CJK titles have none)."""
    if text.endswith(("\u3002", "\uff0e")):
        return True
    if _WORD.search(text) is None and not any(map(is_wide_char, text)):
        return True
    word = text[:-1].rsplit(" ", 1)[-1].rstrip(")\u201d\u2019\"'") if text.endswith(".") else ""
    return len(word) >= 2 and word.isalpha() and word.islower()


def _levels(marks: list[float], size: float, items: list[str]) -> list[int]:
    """Each bulleted item's nesting level: the rank of its marker's left edge
    among the list's, edges within NEST_INDENT font sizes of each other one
    rank (a second-level bullet sits further in). All one level unless the
    first item is on the first and each item at most one level deeper than
    the one before it; if two ranks lie more than NEST_MAX sizes apart (the
    list runs on in the next column); or if the list is right-to-left (its
    markers at the items' right)."""
    flat = [0] * len(items)
    if len(marks) != len(items) or any(map(is_rtl, items)):
        return flat
    ranks: list[float] = []
    for x in sorted(marks):
        if ranks and x - ranks[-1] > NEST_MAX * size:
            return flat
        if not ranks or x - ranks[-1] > NEST_INDENT * size:
            ranks.append(x)
    levels = [max(k for k, rank in enumerate(ranks) if x >= rank) for x in marks]
    steps = itertools.pairwise([-1, *levels])
    return levels if all(b <= a + 1 for a, b in steps) and levels[:1] == [0] else flat


def _open(text: str) -> bool:
    """The text stops mid-sentence (no closing punctuation at its end)."""
    return not text.rstrip().endswith((".", "!", "?", ":", ";", "\u3002"))


def _interrupted(blocks: list[_Block], text: str) -> int | None:
    """The index of the paragraph that ``text`` (at the top of a column, or
    under a caption) goes on with, when a figure stood in its way: the
    blocks after that paragraph are a figure's labels and caption (short
    paragraphs, at most FIGURE_BLOCKS, one of them a caption). None: no such
    figure."""
    for at in reversed(range(max(len(blocks) - 1 - FIGURE_BLOCKS, 0), len(blocks))):
        block = blocks[at]
        if block.kind == "p" and CAPTION.match(block.parts[0]) is None:
            if len(_join(block.parts)) > FIGURE_LABEL_CHARS:
                after = blocks[at + 1 :]
                captioned = any(b.kind == "p" and CAPTION.match(b.parts[0]) for b in after)
                return at if after and captioned and _flows_on(block.parts[-1], text) else None
        elif block.kind != "p":
            return None
    return None


def _resumed(blocks: list[_Block], at: int, moved: dict[int, list[_Block]]) -> _Block:
    """The paragraph ``blocks[at]`` (``_interrupted``), open again: the
    figure's blocks after it are set aside in ``moved``, to follow it."""
    moved.setdefault(id(blocks[at]), []).extend(blocks[at + 1 :])
    del blocks[at + 1 :]
    return blocks[at]


def _flows_on(previous: str, text: str) -> bool:
    """The text reads as the same sentence going on (no full stop, lower-case start)."""
    return not previous.endswith((".", "!", "?", ":")) and text[:1].islower()


def _restyled(a: float, b: float) -> bool:
    """A font size change big enough to end a paragraph (inline code may be a bit smaller)."""
    return max(a, b) > HEADING_MIN_RATIO * min(a, b)


def _usual_pitches(lines: list[Line], max_leading: float) -> dict[float | None, float]:
    """The usual pitch (``_usual_pitch``) of each font size's lines (rounded
    to SIZE_STEP) that has MIN_PITCHES pairs or more, and of all (key None):
    small print packed tight must not make the text's leading look wide. A
    size larger than the body's with too few lines (a title's) has the
    body's leading scaled to it: leading grows with the size."""
    out: dict[float | None, float] = {None: _usual_pitch(lines, max_leading)}
    by_size: dict[float, list[Line]] = {}
    for line in lines:
        by_size.setdefault(_step(line.size), []).append(line)
    for size, group in by_size.items():
        if len(group) > MIN_PITCHES and len(group) < len(lines):
            out[size] = _usual_pitch(group, max_leading)
    if any(line.chars for line in lines):
        body = _char_median(lines, lambda line: line.size)
        for size in {_step(line.size) for line in lines if line.size > body} - out.keys():
            out[size] = out[None] * size / body
    return out


def _usual_pitch(lines: list[Line], max_leading: float, sized: bool = True) -> float:
    """Lower-quartile baseline pitch between same-size neighbours (any
    neighbours when sizes are not ``sized``: OCR boxes), capped."""
    pitches = sorted(
        b.baseline - a.baseline
        for a, b in itertools.pairwise(lines)
        if (not sized or abs(a.size - b.size) <= SAME_SIZE * max(a.size, b.size))
        and b.baseline - a.baseline > 0.5 * b.size
    )
    sizes = sorted(line.size for line in lines) or [1.0]
    cap = max_leading * sizes[len(sizes) // 2]
    return min(pitches[len(pitches) // 4], cap) if pitches else cap


def _verse(parts: list[str]) -> bool:
    """Lines set as verse (or any text whose line breaks matter): VERSE_LINES
    or more, VERSE_SHARE of them opening with a capital and VERSE_SHARE of
    all but the last closing with punctuation, as prose's wrapped lines
    almost never do; none ending in a hyphen (prose breaks words, verse
    does not)."""
    if len(parts) < VERSE_LINES or any(part.endswith(("-", *SOFT_HYPHENS)) for part in parts):
        return False  # too short, or a word broken across lines: prose
    capitals = sum(1 for part in parts if part[:1].isupper())
    closed = sum(1 for part in parts[:-1] if part.rstrip()[-1:] in VERSE_ENDS)
    return capitals >= VERSE_SHARE * len(parts) and closed >= VERSE_SHARE * (len(parts) - 1)


def _join(parts: list[str]) -> str:
    """Join wrapped lines with spaces. A hyphenation mark at a line end joins
    the word halves; a plain "-" before a lower-case word keeps its hyphen."""
    out = parts[0]
    for part in parts[1:]:
        if out.endswith(SOFT_HYPHENS):
            out = out[:-1] + part
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and part[:1].islower():
            out += part
        else:
            out = join_words(out, part)
    return out


def _clean(text: str) -> str:
    """Hyphenation marks left at a block's end (not joined) print as they looked."""
    return text.replace("\x02", "-").replace("\u00ad", "")


def _escape(text: str) -> str:
    """Keep body text from reading as Markdown syntax at its start."""
    return "\\" + text if text[:1] in ("#", ">", "+", "=") else text
