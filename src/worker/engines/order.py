"""Reading order: columns, rows, aligned tables and whole lines from segments.

``reading_order`` takes a page's text segments (runs of one baseline, split
at wide gaps) and the tables already found, and returns lines and tables in
the order a reader takes them:

1. Columns: a vertical gutter (a strip at least GUTTER_MIN font sizes wide
   that almost no segment crosses, with MIN_COLUMN_LINES segments on each
   side) splits the page at its core (the widest stretch of it the fewest
   segments reach into). Segments that reach past it on both sides (a title
   over both columns) or on neither (a centred page number) cut the page
   into bands (taking along the segments of their row that belong to them:
   the touching pieces of a word, a dot leader's label); each band reads
   left column, then right column, recursively (three columns are two
   nested splits: a side holding columns of running text is running text
   too); a segment reaching past it on one side belongs to that side. A
   wide blank strip across the columns, below which both start again level
   (``_bands``), cuts the page into bands too.
   Rows of short cells aligned across the gutter are a table, not two
   columns, unless each side breaks into blocks of its own (columns of
   entries, ``_own_breaks``) or one side's sentences run on past the
   other's rows (prose beside a contents list, ``_runs_on``), or each side
   holds a ruled table of its own (``_tabled``). The boxes of
   a ``Boxes`` layout are each ordered on their own, in their order.
2. Rows: within a column, segments on one baseline band form a row.
3. Rows of two or more cells, aligned in columns, become a table
   (``tables.aligned_tables``); the other rows are joined into lines, left
   to right, or right to left when the row is mostly right-to-left script
   (each segment's own text is already in logical order). A segment ending
   in a dot leader joins the one after it (a contents entry and its page).

Units are the source's; all thresholds are multiples of the font size.
"""

from __future__ import annotations

import bisect
import itertools
import statistics

from ilios.worker.engines.geometry import (
    FULL_CHARS,
    FULL_LINE,
    Boxes,
    Line,
    Table,
    blank_strips,
    is_rtl,
    is_wide_char,
    join_words,
    leader_start,
    left_to_right,
    marker_gap,
    right_to_left,
    running_text,
)
from ilios.worker.engines.tables import aligned_tables

Item = Line | Table
Block = Line | Table | Boxes

GUTTER_MIN = 0.5  # a gutter is at least this many font sizes wide (justified columns: ~1)
EDGE_SLACK = 0.2  # lines whose ends lie this close (font sizes) share a column edge
MIN_COLUMN_LINES = 3  # each column of a split has at least this many segments
NARROW_SHARE = 0.6  # segments narrower than this share of the region shape the gutter
CROSSING_SHARE = 0.1  # ... of which at most this share may cross it (page numbers, stray)
ACROSS_SHARE = 0.5  # lines across the gutter (titles) are at most this share of those beside it
BESIDE_SHARE = 0.5  # columns run side by side: this share of one side's lines has ...
BESIDE_PITCH = 1.2  # ... a line of the other side within this many font sizes
LEAD_LINES = 2  # a heading under the columns, of the text below them, has at most this many lines
LEAD_GAP = 1.0  # ... below a blank strip this many font sizes high across the columns ...
LEAD_CLOSER = 2.0  # ... at least this many times the gap under it
HEADER_GAP = 1.5  # a blank strip this many font sizes high may end a block above columns
MAX_HEADER_CUTS = 4  # ... one of the first (or last) this many such strips
BAND_GAP = 4.0  # a blank strip this many font sizes high across columns may part bands of them
BLOCK_ACROSS = 0.3  # a block over columns with a gutter of its own: this share of it crosses theirs
EDGE_ROW_GAP = 1.0  # a header or footer row at both edges stands this far (font sizes) apart
EDGE_ROW_SLACK = 1.0  # ... its ends this close to the page's edges
ROW_PAIRING = 0.6  # when this share of left rows pairs with right rows on one baseline ...
RUN_ON_PITCH = 2.0  # a side's text runs on from a line to one at most this far below (sizes)
TEXT_FILL = 0.6  # ... both sides must be text (median line fills this share of its side)
LABEL_MAX_CHARS = 3  # lines this short (page numbers, index letters) are not judged
TEXT_MIN_CHARS = 16  # ... and hold at least this many characters (median)
BREAK_PITCH = 1.25  # a line this many usual pitches below the one before starts a block ...
WHOLE_PITCHES = 0.15  # ... unless within this share of a pitch of a whole number of them
STEADY_PITCH = 0.02  # ... on a side whose other pitches stray from the usual by this share at most
OWN_BREAKS = 3  # sides that each break into blocks this often ...
BREAKS_SHARED = 0.5  # ... at a height the other side shares less than this share of the time
BASELINE_TOLERANCE = 0.3  # baselines closer than this (font sizes) are one row
SPACE_GAP = 0.15  # neighbours closer than this (font sizes) join without a space
WORD_GAP = 1.0  # neighbours in a row closer than this (font sizes) are one segment


def reading_order(segments: list[Line], tables: list[Table | Boxes]) -> list[Item]:
    """Lines and tables of one page in reading order; the text of each box
    of ``Boxes`` is ordered on its own, in the boxes' order."""
    items: list[Block] = [*segments, *tables]
    out: list[Item] = []
    for flow in _flows(items):
        for item in _rows_to_lines(flow):
            if isinstance(item, Boxes):
                for part in item.parts:
                    out.extend(reading_order(part, []))
            else:
                out.append(item)
    return out


def _flows(items: list[Block]) -> list[list[Block]]:
    """Split ``items`` into single-column flows, in reading order."""
    gutter = _gutter(items)
    if gutter is None:
        return _header_cut(items) or [items]
    header = (
        _grid_over_columns(items, gutter)
        or _block_over_columns(items, gutter)
        or _bands(items, gutter)
    )
    if header is not None:
        return header
    middle = sum(gutter) / 2
    flows: list[list[Block]] = []
    band: list[Block] = []
    for item in sorted(items, key=lambda it: it.top):
        if _across(item, gutter):  # ends the band, with the rest of its row
            mates = [_row_mates(item, it) for it in band]
            row = list(itertools.compress(band, mates))
            rest = [it for it, mate in zip(band, mates, strict=True) if not mate]
            band, lead = _lead_in(rest, item, middle)
            flows.extend(_split_band(band, middle))
            band = []
            if not lead and flows and flows[-1] and _across(flows[-1][-1], gutter):
                flows[-1].extend([*row, item])
            else:
                flows.append([*lead, *row, item])
        elif not band and flows and _row_mates(flows[-1][-1], item):
            flows[-1].append(item)  # on the row of the item across before it
        else:
            band.append(item)
    flows.extend(_split_band(band, middle))
    return flows


def _row_mates(across: Block, other: Block) -> bool:
    """A line on the baseline of a line ``across`` the gutter that belongs to
    it: touching it (SPACE_GAP: the pieces of one word), or closer than
    WORD_GAP to it when it is a dot leader alone (a form's dotted line,
    whose short dots put its top lower than its label's)."""
    if not (isinstance(across, Line) and isinstance(other, Line)):
        return False
    size = max(across.size, other.size)
    if abs(across.baseline - other.baseline) > BASELINE_TOLERANCE * size:
        return False
    gap = max(across.left, other.left) - min(across.right, other.right)
    if leader_start(across.text.strip()) == 0:
        return gap <= WORD_GAP * size
    return gap <= SPACE_GAP * size


def _lead_in(band: list[Block], after: Block, middle: float) -> tuple[list[Block], list[Block]]:
    """The band, and the heading at its foot that leads into what follows
    the columns (``after``, the first item across the gutter below): at
    most LEAD_LINES lines on one side, below everything on the other, parted
    from the columns (MIN_COLUMN_LINES lines each side) by a blank strip
    across the band at least LEAD_GAP font sizes high and LEAD_CLOSER times
    the gap below them. Without it, the heading would close its column and
    be read before the other column."""
    lines = _lines(band)
    if len(lines) <= LEAD_LINES:
        return band, []
    size = statistics.median(line.size for line in lines)
    groups = blank_strips(band, LEAD_GAP * size)
    tail = groups[-1]
    if len(groups) < 2 or len(tail) > LEAD_LINES or len(_lines(tail)) < len(tail):
        return band, []
    rest = [item for group in groups[:-1] for item in group]
    above = min(item.top for item in tail) - max(item.bottom for item in rest)
    below = after.top - max(item.bottom for item in tail)
    left = sum(1 for line in _lines(rest) if _on_left(line, middle))
    if min(left, len(_lines(rest)) - left) < MIN_COLUMN_LINES:  # not columns above it
        return band, []
    if len({_on_left(item, middle) for item in tail}) > 1:
        return band, []
    if above < LEAD_CLOSER * max(below, 0.0):
        return band, []
    return rest, tail


def _header_cut(items: list[Block]) -> list[list[Block]] | None:
    """The flows of a region without a gutter whose columns start below a
    block of another layout (a paper's centred title and authors, or three
    columns of authors, over two columns of text) or end above one: it is
    cut at the first blank strip across it (HEADER_GAP font sizes high or
    more; one of the first MAX_HEADER_CUTS from the top, then from the
    bottom) past which the rest has a gutter with running text on both
    sides. None if there is none."""
    if len(items) < 2 * MIN_COLUMN_LINES:
        return None
    ordered, cuts = _blank_strips(items)
    tries = [(at, True) for at in cuts[:MAX_HEADER_CUTS]]
    tries += [(at, False) for at in cuts[::-1][:MAX_HEADER_CUTS]]
    for at, downwards in tries:
        above, below = ordered[:at], ordered[at:]
        if _text_columns(below if downwards else above):
            return [*_flows(above), *_flows(below)]
    return None


def _blank_strips(items: list[Block], height: float = HEADER_GAP) -> tuple[list[Block], list[int]]:
    """The items top down, and the indexes among them where a blank strip
    across the region (``height`` font sizes high or more) ends."""
    sizes = [line.size for line in _lines(items)]
    if not sizes:
        return sorted(items, key=lambda it: it.top), []
    groups = blank_strips(items, height * statistics.median(sizes))
    starts = list(itertools.accumulate(len(group) for group in groups))
    return [item for group in groups for item in group], starts[:-1]


def _grid_over_columns(items: list[Block], gutter: tuple[float, float]) -> list[list[Block]] | None:
    """The flows of a page whose columns lie below a grid (three columns of
    authors' names and addresses): lines across the gutter that have
    neighbours on their baseline beside it are a grid's middle cells, not
    titles, and would cut the columns into bands. The page is cut at the
    first blank strip below them past which the rest has a gutter with
    running text on both sides and above which there is none. None if
    there is no such grid."""
    lines = _lines(items)
    across = [line for line in lines if _across(line, gutter)]
    baselines = sorted(line.baseline for line in lines if not _across(line, gutter))
    crowded = [line for line in across if _has_row(baselines, line)]
    if not crowded:
        return None
    low = max(line.bottom for line in crowded)
    ordered, cuts = _blank_strips(items)
    for at in cuts:
        above, below = ordered[:at], ordered[at:]
        if ordered[at].top < low:
            continue
        if _text_columns(above):
            return None
        if _text_columns(below):
            return [*_flows(above), *_flows(below)]
    return None


def edge_rows(lines: list[Line], tables: list[Table | Boxes]) -> tuple[list[Line], list[Line]]:
    """The segments of a page's header row and of its footer row (either may
    be empty) when it is set at the page's two edges ("Preprint submitted
    to ..." flush left, its date flush right) over or under columns: two
    or more segments on one baseline, the first starting at the page's left
    edge and the last ending at its right edge (EDGE_ROW_SLACK), on either
    side of the page's gutter (others may stand across it), parted from
    columns of running text by a blank strip across the page (EDGE_ROW_GAP
    font sizes high or more). Each of its pieces falls inside a column, and
    would be read as the top or the foot of that column: the layout stage
    takes them out of the flow, as it does running headers and footers."""
    items: list[Block] = [*lines, *tables]
    gutter = _gutter(items)
    if gutter is None:
        return [], []
    size = statistics.median(line.size for line in lines)
    groups = blank_strips(items, EDGE_ROW_GAP * size)
    left, right = min(it.left for it in items), max(it.right for it in items)
    found: tuple[list[Line], list[Line]] = ([], [])
    for row, first in ((groups[0], True), (groups[-1], False)):
        pieces = sorted(_lines(row), key=lambda line: line.left)
        if len(groups) < 2 or len(pieces) < max(len(row), 2):
            continue
        if not all(_one_baseline(pieces[0], line) for line in pieces):
            continue
        slack = EDGE_ROW_SLACK * size
        if pieces[0].left - left > slack or right - pieces[-1].right > slack:
            continue
        if pieces[0].right > gutter[0] or pieces[-1].left < gutter[1]:
            continue
        rest = [item for group in (groups[1:] if first else groups[:-1]) for item in group]
        if _text_columns(rest):
            found[not first].extend(pieces)
    return found


def _one_baseline(one: Line, other: Line) -> bool:
    """The two lines stand on one baseline (BASELINE_TOLERANCE of the
    smaller's font size: a large line is no row with the small lines beside it)."""
    return abs(one.baseline - other.baseline) <= BASELINE_TOLERANCE * min(one.size, other.size)


def _block_over_columns(
    items: list[Block], gutter: tuple[float, float]
) -> list[list[Block]] | None:
    """The flows of a page whose columns lie below a block of another layout
    that has a gutter of its own (an abstract beside its authors' sidebar,
    the abstract's lines crossing the columns' gutter): the page is cut at
    one of the first MAX_HEADER_CUTS blank strips (HEADER_GAP) above which
    BLOCK_ACROSS of the lines or more cross the gutter and the rest has one
    of its own, and below which there is running text on both sides of a
    gutter. Read line by line across, the sidebar's lines and the
    abstract's would alternate. None if there is no such block."""
    ordered, cuts = _blank_strips(items)
    for at in cuts[:MAX_HEADER_CUTS]:
        above, below = ordered[:at], ordered[at:]
        lines = _lines(above)
        if sum(_across(line, gutter) for line in lines) < BLOCK_ACROSS * len(lines):
            continue
        if _gutter(above) is not None and _text_columns(below):
            return [*_flows(above), *_flows(below)]
    return None


def _bands(items: list[Block], gutter: tuple[float, float]) -> list[list[Block]] | None:
    """The flows of a page in bands of columns (two offers side by side over
    their terms side by side): it is cut at the first blank strip across it
    BAND_GAP font sizes high or more with MIN_COLUMN_LINES blocks or more on
    each side of the gutter above it and below it, where both columns start
    again level below it, neither in lower case (a new story's headings;
    text going on past a figure in one column starts elsewhere). Each band
    is read column by column before the next. None if there is no such
    strip."""
    ordered, cuts = _blank_strips(items, BAND_GAP)
    for at in cuts:
        above, below = ordered[:at], ordered[at:]
        sides = _sides(above, gutter) + _sides(below, gutter)
        if min(map(len, sides)) >= MIN_COLUMN_LINES and _level_starts(*sides[2:]):
            return [*_flows(above), *_flows(below)]
    return None


def _sides(items: list[Block], gutter: tuple[float, float]) -> list[list[Block]]:
    """The items left of the gutter's middle and right of it, less those across it."""
    middle = sum(gutter) / 2
    beside = [it for it in items if not _across(it, gutter)]
    return [[it for it in beside if _on_left(it, middle) == left] for left in (True, False)]


def _level_starts(left: list[Block], right: list[Block]) -> bool:
    """Both sides start with a line, on one baseline, neither in lower case."""
    firsts = [min(side, key=lambda it: it.top) for side in (left, right)]
    lines = [it for it in firsts if isinstance(it, Line) and not it.text[:1].islower()]
    return len(lines) == 2 and _one_baseline(*lines)


def _text_columns(items: list[Block]) -> bool:
    """The items have a gutter with running text on both sides of it."""
    gutter = _gutter(items)
    if gutter is None:
        return False
    lines = _lines(items)
    left = [line for line in lines if line.right <= gutter[0]]
    right = [line for line in lines if line.left >= gutter[1]]
    return _runs_text(left) and _runs_text(right)


def _across(item: Block, gutter: tuple[float, float]) -> bool:
    """The item crosses the gutter's middle and reaches past it on both
    sides (a title over the columns) or on neither (a page number centred
    in it); one that reaches past it on one side only belongs to that side
    (a caption starting in the gutter's slack)."""
    g0, g1 = gutter
    if not item.left < (g0 + g1) / 2 < item.right:
        return False
    return (item.left < g0) == (item.right > g1)


def _lines(items: list[Block]) -> list[Line]:
    return [it for it in items if isinstance(it, Line)]


def _on_left(item: Block, middle: float) -> bool:
    """The item's centre lies left of the gutter's ``middle``."""
    return item.left + item.right < 2 * middle


def _split_band(band: list[Block], middle: float) -> list[list[Block]]:
    """The band's left and right columns as flows, or the band as one flow if
    its two sides are rows (a label far right of each line, a table)."""
    left = [it for it in band if _on_left(it, middle)]
    right = [it for it in band if not _on_left(it, middle)]
    if not _tabled(left, right) and _is_table(_lines(left), _lines(right)):
        return [band]
    out: list[list[Block]] = []
    for side in (left, right):
        if side:
            out.extend(_flows(side) if len(side) < len(band) else [side])
    return out


def _gutter(items: list[Block]) -> tuple[float, float] | None:
    """The widest x-range (g0, g1) that splits ``items`` into columns, if any."""
    lines = _lines(items)
    if len(lines) < 2 * MIN_COLUMN_LINES:
        return None
    size = statistics.median(line.size for line in lines)
    lo, hi = min(it.left for it in items), max(it.right for it in items)
    narrow = [it for it in items if it.right - it.left < NARROW_SHARE * (hi - lo)]
    wide = [it for it in items if it.right - it.left >= NARROW_SHARE * (hi - lo)]
    allowed = int(CROSSING_SHARE * len(narrow))
    events = sorted([(it.left, 1) for it in narrow] + [(it.right, -1) for it in narrow])
    depth, start, best = 0, None, None
    for x, step in events:  # ranges where at most `allowed` narrow items overlap
        depth += step
        if depth <= allowed and start is None:
            start = x
        elif depth > allowed and start is not None:
            g0, g1 = _trimmed(wide, start, x, size)
            if lo < g0 and g1 - g0 >= GUTTER_MIN * size and _splits(items, g0, g1):
                if best is None or g1 - g0 > best[1] - best[0]:
                    best = (g0, g1)
            start = None
    return _core(narrow, *best) if best else None


def _trimmed(wide: list[Block], g0: float, g1: float, size: float) -> tuple[float, float]:
    """The strip g0..g1 less what the ``wide`` items (they do not shape the
    gutter) reach into it from one side, when MIN_COLUMN_LINES or more of
    them reach to one x (within EDGE_SLACK font ``size``s), the furthest:
    the straight edge of a wide column beside a narrow one (a journal's
    sidebar), which its full lines start or end at (its others fall
    short: indents, a paragraph's last line). Else the strip as it is."""
    starts = [it.left for it in wide if g0 < it.left < g1 and it.right >= g1]
    ends = [it.right for it in wide if g0 < it.right < g1 and it.left <= g0]
    if (starts and ends) or not (starts or ends):
        return g0, g1
    edge = min(starts) if starts else max(ends)
    if sum(abs(x - edge) <= EDGE_SLACK * size for x in starts or ends) < MIN_COLUMN_LINES:
        return g0, g1
    return (g0, edge) if starts else (edge, g1)


def _core(narrow: list[Block], g0: float, g1: float) -> tuple[float, float]:
    """The widest part of the gutter g0..g1 that the fewest narrow items
    overlap: the gutter may let a few items reach into it (a caption that
    starts in it, a label), and the columns part where none do."""
    edges = sorted({g0, g1, *(x for it in narrow for x in (it.left, it.right) if g0 < x < g1)})
    pieces: list[tuple[float, float, int]] = []  # (start, end, items overlapping)
    for a, b in itertools.pairwise(edges):
        depth = sum(1 for it in narrow if it.left < (a + b) / 2 < it.right)
        if pieces and pieces[-1][2] == depth:
            pieces[-1] = (pieces[-1][0], b, depth)
        else:
            pieces.append((a, b, depth))
    least = min(depth for _, _, depth in pieces)
    start, end, _ = max((p for p in pieces if p[2] == least), key=lambda p: p[1] - p[0])
    return start, end


def _splits(items: list[Block], g0: float, g1: float) -> bool:
    """Enough lines each side of the gutter, at most half as many lines
    across it as beside it (a one-column page whose short lines leave a
    channel has its full lines across it), and the two sides not the halves
    of a table (their lines pair up as rows, and neither holds a ruled
    table of its own: ``_tabled``)."""
    lines = _lines(items)
    left = [line for line in lines if line.right <= g0]
    right = [line for line in lines if line.left >= g1]
    across = len(lines) - len(left) - len(right)
    beside_gutter = len(left) + len(right)
    if min(len(left), len(right)) < MIN_COLUMN_LINES or across > ACROSS_SHARE * beside_gutter:
        return False
    small, large = sorted((left, right), key=len)
    baselines = sorted(line.baseline for line in large)
    beside = sum(1 for line in small if _has_row(baselines, line, BESIDE_PITCH))
    if beside < BESIDE_SHARE * len(small):
        return False
    if not _is_table(left, right):
        return True
    return _tabled([it for it in items if it.right <= g0], [it for it in items if it.left >= g1])


def _tabled(left: list[Block], right: list[Block]) -> bool:
    """Each side holds a table of its own: two columns, not one table's halves."""
    return all(any(isinstance(it, Table) for it in side) for side in (left, right))


def _is_table(left: list[Line], right: list[Line]) -> bool:
    """Rows of the two sides pair up on baselines (most lines of the smaller
    side have a partner) and the sides are not both running text."""
    small, large = sorted((left, right), key=len)
    if not small:
        return False
    baselines = sorted(line.baseline for line in large)
    paired = sum(1 for line in small if _has_row(baselines, line))
    if paired < ROW_PAIRING * len(small):
        return False
    if _own_breaks(left, right) or _runs_on(left, right) or _runs_on(right, left):
        return False
    return not (_runs_text(left) and _runs_text(right))


def _runs_on(side: list[Line], other: list[Line]) -> bool:
    """The side is running text (``running_text``) whose sentences run on
    past rows of ``other``: a line is full at FULL_LINE of the side's width
    and FULL_CHARS or more, and runs on into a line at most
    RUN_ON_PITCH font sizes below it, level with a line of ``other``. A
    column of prose beside a list of short entries (a paper's contents) is
    no table column, however its lines pair with the entries."""
    lines = sorted(side, key=lambda line: line.baseline)
    width = max(line.right for line in lines) - min(line.left for line in lines)
    full = [
        line.right - line.left >= FULL_LINE * width and _half_widths(line) >= FULL_CHARS
        for line in lines
    ]
    baselines = sorted(line.baseline for line in other)
    linked = (
        0 < below.baseline - above.baseline <= RUN_ON_PITCH * above.size
        and _has_row(baselines, below)
        for above, below in itertools.pairwise(lines)
    )
    return running_text([line.text for line in lines], full, linked)


def _own_breaks(left: list[Line], right: list[Line]) -> bool:
    """Each side is broken into blocks by wider gaps (OWN_BREAKS or more),
    and most of the breaks of the side with fewer fall where the other side
    runs on (it has a line within the gap): two columns of entries (names
    over their addresses), not a table, whose gaps run across it (a group's
    title row on one side may stand in the gap's lower part)."""
    (few, side), (_, other) = sorted(
        ((_breaks(left), left), (_breaks(right), right)), key=lambda pair: len(pair[0])
    )
    if len(few) < OWN_BREAKS:
        return False
    lines = sorted(side, key=lambda line: line.baseline)
    above = {id(b): a for a, b in itertools.pairwise(lines)}
    baselines = sorted(line.baseline for line in other)
    shared = 0
    for line in few:
        slack = BASELINE_TOLERANCE * line.size
        low, high = above[id(line)].baseline + slack, line.baseline - slack
        shared += bisect.bisect_right(baselines, high) == bisect.bisect_left(baselines, low)
    return shared < BREAKS_SHARED * len(few)


def _breaks(side: list[Line]) -> list[Line]:
    """The lines of ``side`` that follow a gap of extra leading: their
    baseline lies more than BREAK_PITCH usual pitches below the line before
    (sorted), and not a whole number of pitches (rows a table leaves empty
    in this column, or a blank line on a line grid, are no break). None on
    a side whose leading is uneven (STEADY_PITCH: OCR boxes)."""
    lines = sorted(side, key=lambda line: line.baseline)
    pitches = [b.baseline - a.baseline for a, b in itertools.pairwise(lines)]
    steps = sorted(p for p in pitches if p > BASELINE_TOLERANCE * lines[0].size) if lines else []
    if not steps:
        return []
    usual = steps[len(steps) // 2]
    within = [p for p in steps if p <= BREAK_PITCH * usual]
    if statistics.median(abs(p - usual) for p in within) > STEADY_PITCH * usual:
        return []  # uneven leading (OCR boxes): its gaps say nothing
    return [
        line
        for line, pitch in zip(lines[1:], pitches, strict=True)
        if pitch > BREAK_PITCH * usual and abs(pitch / usual - round(pitch / usual)) > WHOLE_PITCHES
    ]


def _has_row(baselines: list[float], line: Line, tolerance: float = BASELINE_TOLERANCE) -> bool:
    """A baseline (of ``baselines``, sorted) within ``tolerance`` font sizes of the line's."""
    tolerance *= line.size
    at = bisect.bisect_left(baselines, line.baseline - tolerance)
    return at < len(baselines) and baselines[at] <= line.baseline + tolerance


def _is_text(side: list[Line]) -> bool:
    """Running text: its lines are long (``_long_lines``) and mostly fill
    their column."""
    if not _long_lines(side):
        return False
    lines = [line for line in side if line.chars > LABEL_MAX_CHARS]
    lo, hi = min(line.left for line in lines), max(line.right for line in lines)
    fill = statistics.median((line.right - line.left) / max(hi - lo, 1e-6) for line in lines)
    return fill >= TEXT_FILL


def _runs_text(side: list[Line]) -> bool:
    """Running text (``_is_text``), or columns of it: one side of three
    columns is two, whose lines fill half of it."""
    if _is_text(side):
        return True
    items: list[Block] = list(side)
    return _long_lines(side) and _text_columns(items)


def _long_lines(side: list[Line]) -> bool:
    """The side's lines (labels and numbers of a few characters aside) hold
    TEXT_MIN_CHARS or more (a CJK character, full width, counts as two: a
    column of Japanese holds 14 to 25 a line)."""
    lines = [line for line in side if line.chars > LABEL_MAX_CHARS]
    return bool(lines) and statistics.median(map(_half_widths, lines)) >= TEXT_MIN_CHARS


def _half_widths(line: Line) -> int:
    """The line's characters, a full-width (CJK) one counted twice."""
    if line.text.isascii():
        return line.chars
    return line.chars + sum(map(is_wide_char, line.text))


def _rows_to_lines(flow: list[Block]) -> list[Block]:
    """Group a flow's segments into rows; aligned rows become tables, the
    others whole lines. Tables already found stay where they are: a line
    comes before a table whose top is below the line's middle (a caption
    whose box reaches past the table's top rule: an OCR box's descenders)."""
    out: list[Block] = []
    rows: list[list[Line]] = []
    tops = sorted(it.top for it in flow if not isinstance(it, Line))

    def place(item: Block) -> tuple[float, int]:
        if not isinstance(item, Line):
            return item.top, 1
        middle = (item.top + item.bottom) / 2
        at = bisect.bisect_right(tops, middle)  # the first table top below the middle
        if at < len(tops) and tops[at] < item.bottom:
            return tops[at], 0  # just before that table
        return item.bottom, 1

    for item in sorted(flow, key=place):
        if isinstance(item, (Table, Boxes)):
            out.extend(_finish(rows))
            rows = []
            out.append(item)
        elif rows and _same_row(rows[-1][0], item):
            rows[-1].append(item)
        else:
            rows.append([item])
    out.extend(_finish(rows))
    return out


def _same_row(a: Line, b: Line) -> bool:
    if abs(a.baseline - b.baseline) <= BASELINE_TOLERANCE * max(a.size, b.size):
        return True
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap >= 0.5 * min(a.bottom - a.top, b.bottom - b.top)


def _finish(rows: list[list[Line]]) -> list[Item]:
    rows = [_close_gaps(sorted(row, key=lambda seg: seg.left)) for row in rows]
    out: list[Item] = []
    position = 0
    for start, end, table in aligned_tables(rows):
        out.extend(_join_row(row) for row in rows[position:start])
        out.append(table)
        position = end
    out.extend(_join_row(row) for row in rows[position:])
    return out


def _close_gaps(row: list[Line]) -> list[Line]:
    """Merge neighbours (sorted left to right) closer than WORD_GAP, or a list
    marker and its item: words a producer drew one by one (right-to-left
    scripts, whose runs come in descending x), not cells. The direction of
    the whole row orders the words (a Latin word between Arabic ones keeps
    its place)."""
    rtl = is_rtl("".join(seg.text for seg in row))
    groups = [[row[0]]]
    for seg in row[1:]:
        last = groups[-1][-1]
        limit = marker_gap(last.text, WORD_GAP, seg.text) * max(seg.size, last.size)
        if seg.left - last.right <= limit or (
            leader_start(last.text) is not None and len(row) == 2
        ):
            groups[-1].append(seg)  # near, or the page number a dot leader points to
        else:
            groups.append([seg])
    return [_join_row(group, rtl) for group in groups]


def _join_row(row: list[Line], rtl: bool | None = None) -> Line:
    """One line from a row's segments (sorted left to right), read right to
    left if ``rtl`` (None: if the row is mostly right-to-left script); in a
    left-to-right row, neighbouring right-to-left segments read right to
    left."""
    if len(row) == 1:
        return row[0]
    if rtl is None:
        rtl = is_rtl("".join(seg.text for seg in row))
    if rtl:
        ordered = _rtl_order(row)
    elif all(seg.text.isascii() for seg in row):
        ordered = row
    else:
        ordered = left_to_right(row, lambda seg: is_rtl(seg.text))
    main = max(row, key=lambda seg: seg.chars)
    text, before = "", None
    for seg in ordered:
        if before is not None and _touching(before, seg) and _cursive_join(text, seg.text):
            text += seg.text  # letters of one word drawn one by one
        else:
            text = join_words(text, seg.text)
        before = seg
    return Line(
        text,
        row[0].left,
        max(seg.right for seg in row),
        min(seg.top for seg in row),
        max(seg.bottom for seg in row),
        main.baseline,
        main.size,
        sum(seg.chars for seg in row),
        all(seg.bold for seg in row),
        all(seg.mono for seg in row),
    )


def _touching(a: Line, b: Line) -> bool:
    """The two boxes are closer than a word space (SPACE_GAP font sizes)."""
    gap = max(b.left - a.right, a.left - b.right)
    return gap < SPACE_GAP * max(a.size, b.size)


def _cursive_join(left: str, right: str) -> bool:
    """Arabic-script letters on both sides, or punctuation closing the text:
    cursive words that a producer drew glyph by glyph (Hebrew and Latin
    words are drawn whole, and their close neighbours are separate words)."""
    if not left or not right:
        return False
    if right[0] in ".,:;!?\u060c\u061b\u061f":
        return True
    return all(
        "\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff" for ch in (left[-1], right[0])
    )


def _rtl_order(row: list[Line]) -> list[Line]:
    """Right to left, except that neighbouring left-to-right words (Latin
    letters) keep their left-to-right order."""
    return right_to_left(
        row, lambda seg: not is_rtl(seg.text) and any(ch.isalpha() for ch in seg.text)
    )
