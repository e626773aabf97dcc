"""Tables: ruled grids (from a PDF's ruling lines) and column-aligned rows.

A ruled table is a cluster of horizontal and vertical rules that cross each
other, or run side by side along the same stretch a hair apart (cells drawn
as boxes of their own, double rules): its distinct rule positions (and the
rules' ends, its edges) make the grid, and each text segment goes to the
cell holding its centre. A grid ruled between its columns only, whose tall
cells' lines share baselines, is a statistical table: each shared baseline
is a row (``_banded_table``). Another grid whose text is mostly in tall
cells is a layout of boxes (``Boxes``), read box by box, not a table; in a
grid row of several text lines a cell, blank strips across all the cells
part its entries (``_spaced_rows``). An aligned table is a run of
consecutive text rows of a single-column flow that each hold two or more
segments (see ``pdf.SEGMENT_GAP``) whose x-ranges fall into common columns,
filling two or more of them in half its rows; a run that fails may still
make a table up to its first blank strip (``_spaced_end``), and rows ending
in page numbers in order are a contents list, no table (``_contents``).

Units are the source's (PDF points, or pixels for rules found in a scan);
tolerances are in font sizes (the median size of the page's segments).
"""

from __future__ import annotations

import bisect
import itertools
import statistics

from ilios.worker.engines.geometry import (
    FULL_CHARS,
    FULL_LINE,
    LEADER_DOTS,
    Boxes,
    Line,
    Rule,
    Table,
    blank_strips,
    is_rtl,
    join_words,
    leader_start,
    running_text,
)

RULE_SNAP = 0.2  # rules this close (font sizes) meet or continue each other
CELL_SPACING = 0.5  # parallel rules this close along the same stretch are one grid line
MIN_GRID_LINES = 3  # a grid needs at least this many lines each way (2 rows x 2 columns)
CELL_ROW = 0.5  # segments of a cell within this many font sizes share a row
ROW_GAP = 0.5  # a blank strip this high (font sizes) across a grid row's cells parts its entries
BOX_LINES = 10  # a grid cell with this many text lines or more is a box of running text
BOX_SHARE = 0.5  # ... and a grid with more than this share of its lines in such boxes is no table
SPACED_ENTRIES = 3  # ... unless a grid row parts into this many rows at blank strips across it
TABLE_ROWS_SHARE = 0.5  # a table (grid or unruled) fills 2+ cells in this share of its rows
MAX_RULES = 800  # pages with more rules (drawings) are not searched for grids
MIN_ALIGNED_ROWS = 3  # an unruled table has at least this many rows ...
MIN_ALIGNED_ROWS_WIDE = 2  # ... or this many if it has 3 or more columns
BRIDGE_SHARE = 0.1  # ... whose columns part where at most this share of its rows reach across
MAX_CELL_CHARS = 40  # aligned "cells" this long (median) are lines of text columns
BANDED_MIN_ROWS = 6  # a grid row of a table ruled only between columns: a cell this many lines
BANDED_SHARE = 0.6  # ... this share of them level with a line of another cell
BANDED_LABELS = 0.9  # ... and one column (the row labels) filled in this share of its rows
MAX_HEAD_ROWS = 4  # a banded table's head, above its body, holds this many rows at most ...
HEAD_BODY_SHARE = 0.5  # ... and its body this share of the table's rows or more
WRAPPED_SHARE = 0.2  # ... and at most this share of its lines begin in lower case
WRAPPED_PITCH = 0.8  # a row closer than this share of the usual row pitch continues the one above
MIN_PITCHES = 3  # ... of a table with at least this many pitches between its rows
MAX_ROW_PITCH = 2.6  # rows of one table are at most this many font sizes apart
SPACED_PITCH = 1.6  # ... and a pitch this many times the usual one above it may end one
CONTENTS_SHARE = 0.75  # aligned rows this share of which end in a page number may be contents
_LEADER_CHARS = LEADER_DOTS + " "  # dots (and the spaces between) leading to a value


def ruled_tables(segments: list[Line], rules: list[Rule]) -> tuple[list[Table | Boxes], list[Line]]:
    """Tables drawn as grids of rules (or boxes of text drawn with rules),
    and the segments outside them."""
    if not 2 * MIN_GRID_LINES <= len(rules) <= MAX_RULES or not segments:
        return [], segments
    sizes = sorted(seg.size for seg in segments)
    size = sizes[len(sizes) // 2]
    tables: list[Table | Boxes] = []
    rest = segments
    snap, spacing = RULE_SNAP * size, CELL_SPACING * size
    for grid in grids(rules, snap, spacing):
        table, rest = _fill(grid, rest, rules, spacing)
        if table is not None:
            tables.append(table)
    return tables, rest


def grids(rules: list[Rule], snap: float, spacing: float) -> list[tuple[list[float], list[float]]]:
    """Clusters of touching rules (``_touch``: ``snap`` and ``spacing``
    apart), each as (column x's, row y's), sorted; positions ``spacing``
    apart are one grid line."""
    grids = []
    for cluster in _clusters(rules, snap, spacing):
        across = [r for r in cluster if r.horizontal]
        down = [r for r in cluster if not r.horizontal]
        # The ends of the rules are the table's edges, drawn or not (tables that
        # leave their sides open: a rule under each row, lines between columns),
        # once two lines each way show a grid.
        xs, ys = _snap([r.x0 for r in down], spacing), _snap([r.y0 for r in across], spacing)
        if len(xs) >= MIN_GRID_LINES - 1 and len(ys) >= MIN_GRID_LINES - 1:
            xs = _snap([*xs, min(r.x0 for r in across), max(r.x1 for r in across)], spacing)
            ys = _snap([*ys, min(r.y0 for r in down), max(r.y1 for r in down)], spacing)
        if len(xs) >= MIN_GRID_LINES and len(ys) >= MIN_GRID_LINES:
            grids.append((xs, ys))
    return grids


def _clusters(rules: list[Rule], snap: float, spacing: float) -> list[list[Rule]]:
    """The rules grouped by touching (``_touch``, through each other). A rule
    is compared with a group's rules only if it comes near the group's bounds."""
    clusters: list[tuple[Rule, list[Rule]]] = []  # (bounds, rules)
    for rule in rules:
        touching = [
            c
            for c in clusters
            if rule.meets(c[0], spacing)
            and any(_touch(rule, other, snap, spacing) for other in c[1])
        ]
        merged, bounds = [rule], rule
        for cluster in touching:
            merged += cluster[1]
            edge = cluster[0]
            bounds = Rule(
                min(bounds.x0, edge.x0),
                min(bounds.y0, edge.y0),
                max(bounds.x1, edge.x1),
                max(bounds.y1, edge.y1),
            )
            clusters.remove(cluster)
        clusters.append((bounds, merged))
    return [members for _, members in clusters]


def _touch(a: Rule, b: Rule, snap: float, spacing: float) -> bool:
    """Rules that cross, meet or continue each other (within ``snap``), or
    run side by side along the same stretch (within ``spacing``): the edges
    of two neighbouring cells a table draws as boxes apart (HTML's separate
    borders), or a double rule."""
    if a.x0 - snap <= b.x1 and b.x0 - snap <= a.x1 and a.y0 - snap <= b.y1 and b.y0 - snap <= a.y1:
        return True  # they meet (inlined: the hottest test of the grid search)
    if abs(a.x0 - b.x0) > spacing or abs(a.y0 - b.y0) > spacing:
        return False
    if a.horizontal:
        return b.horizontal and abs(a.x1 - b.x1) <= spacing
    return not b.horizontal and abs(a.y1 - b.y1) <= spacing


def _snap(values: list[float], snap: float) -> list[float]:
    """The grid lines of rule positions ``values``: positions within ``snap``
    of the first of a run are one line, at the middle of the run."""
    runs: list[list[float]] = []
    for value in sorted(values):
        if runs and value - runs[-1][0] <= snap:
            runs[-1].append(value)
        else:
            runs.append([value])
    return [(run[0] + run[-1]) / 2 for run in runs]


def _fill(
    grid: tuple[list[float], list[float]], segments: list[Line], rules: list[Rule], spacing: float
) -> tuple[Table | Boxes | None, list[Line]]:
    """Put each segment whose centre is inside the grid into its cell; the
    text of a merged cell (no rule between grid cells) goes to its top left.
    A grid whose text lies mostly in cells of BOX_LINES lines or more is a
    layout of boxes (``Boxes``), read box by box, top row first, unless a
    grid row parts into entries (``_entries``): a table whose rows are
    spaced apart, not ruled."""
    xs, ys = grid
    anchor = {
        (r, c): first
        for first, last in merged_cells(xs, ys, rules, spacing)
        for r in range(first[0], last[0] + 1)
        for c in range(first[1], last[1] + 1)
    }
    cells: dict[tuple[int, int], list[Line]] = {}
    rest: list[Line] = []
    for seg in segments:
        cx, cy = (seg.left + seg.right) / 2, (seg.top + seg.bottom) / 2
        col, row = _slot(cx, xs), _slot(cy, ys)
        if col is None or row is None:
            rest.append(seg)
        else:
            cells.setdefault(anchor[(row, col)], []).append(seg)
    banded = _banded_table(xs, ys, cells)
    if banded is not None:
        return Table(_readable(banded), xs[0], xs[-1], ys[0], ys[-1]), rest
    grid_rows = [[cells.get((r, c), []) for c in range(len(xs) - 1)] for r in range(len(ys) - 1)]
    split = [_unruled_rows(in_row) for in_row in grid_rows if any(in_row)]
    if _boxed(cells) and not any(map(_entries, split)):
        order = sorted(cells, reverse=is_rtl(" ".join(seg.text for seg in segments)))
        ordered = sorted(order, key=lambda cell: cell[0])  # rows top down, stable
        parts = [cells[cell] for cell in ordered]
        return Boxes(parts, xs[0], xs[-1], ys[0], ys[-1]), rest
    rows = [[_cell_text(cell) for cell in line] for lines in split for line in lines]
    filled = sum(1 for row in rows if sum(1 for cell in row if cell) >= 2)
    if not filled or filled < TABLE_ROWS_SHARE * len(rows):
        return None, segments  # a frame, or boxes around the text of a figure
    return Table(_readable(rows), xs[0], xs[-1], ys[0], ys[-1]), rest


def _entries(rows: list[list[list[Line]]]) -> bool:
    """A grid row's parts (``_unruled_rows``) are a table's entries: there
    are SPACED_ENTRIES of them or more, each cell fewer than BOX_LINES text
    lines (a box's items, not a cell's wrapped text, run longer)."""
    return len(rows) >= SPACED_ENTRIES and all(
        len(_text_rows(cell)) < BOX_LINES for row in rows for cell in row
    )


def _boxed(cells: dict[tuple[int, int], list[Line]]) -> bool:
    """Most of the grid's text lines sit in cells of BOX_LINES lines or more."""
    counts = [len(_text_rows(segments)) for segments in cells.values()]
    return sum(n for n in counts if n >= BOX_LINES) > BOX_SHARE * sum(counts)


def _unruled_rows(row: list[list[Line]]) -> list[list[list[Line]]]:
    """A grid row's cells (segments each), as one row, or as several where
    the grid leaves out the lines between rows: every filled cell (two or
    more) holds the same number of text lines, on the same baselines."""
    filled = [cell for cell in row if cell]
    if len(filled) < 2:
        return [row]
    lines = [_text_rows(cell) for cell in filled]
    count = len(lines[0])
    if count < 2 or any(len(cell_lines) != count for cell_lines in lines):
        return _spaced_rows(row)
    for k in range(count):
        baselines = [cell_lines[k][0].baseline for cell_lines in lines]
        if max(baselines) - min(baselines) > CELL_ROW * lines[0][k][0].size:
            return _spaced_rows(row)
    split = {id(cell): _text_rows(cell) for cell in filled}
    return [[split[id(cell)][k] if cell else [] for cell in row] for k in range(count)]


def _spaced_rows(row: list[list[Line]]) -> list[list[list[Line]]]:
    """A grid row's cells as several rows where blank strips (ROW_GAP font
    sizes high or more) run across all its cells and each part fills two
    cells or more: entries the producer spaced apart but did not rule (a
    wrapped cell of an entry, centred on it, stays in its row); else the
    row as one."""
    segments = [seg for cell in row for seg in cell]
    groups = blank_strips(segments, ROW_GAP * statistics.median(seg.size for seg in segments))
    if len(groups) < 2:
        return [row]
    parts = [
        [[seg for seg in cell if id(seg) in ids] for cell in row]
        for ids in ({id(seg) for seg in group} for group in groups)
    ]
    if any(sum(1 for cell in part if cell) < 2 for part in parts):
        return [row]
    return parts


def _banded_table(
    xs: list[float], ys: list[float], cells: dict[tuple[int, int], list[Line]]
) -> list[list[str]] | None:
    """The rows of a grid whose rules frame columns but not rows (a
    statistical table: a rule between column groups, none between its many
    rows), or None for another grid. Such a grid row holds many text lines
    in each cell, and the lines of its cells share baselines (``_bands``):
    each shared baseline is a row. A grid column holds as many columns as
    its banded rows' cells have separate x-ranges (three figures under one
    "Total" rule); a header cell goes to the column under its centre. One
    column, the rows' labels, is filled in nearly every row (BANDED_LABELS).
    The grid rows above the body (the grid row of most rows, HEAD_BODY_SHARE
    of the table's or more) are its head if they hold MAX_HEAD_ROWS rows at
    most: their lines, top down, make one header row, and a line of one
    label alone in a grid column of several columns (a group's "Male" over
    "Under 18" and "18 and over") heads each of them."""
    grid_rows = [[cells.get((r, c), []) for c in range(len(xs) - 1)] for r in range(len(ys) - 1)]
    banded = [_bands(row) for row in grid_rows]
    every = [band for cut in banded if cut for band in cut]
    if not every:
        return None
    labelled = max(sum(bool(band[c]) for band in every) for c in range(len(xs) - 1))
    if labelled < BANDED_LABELS * len(every):
        return None  # boxes of lists set on one line pitch: each has gaps of its own
    spans = []
    for c in range(len(xs) - 1):
        segments = [seg for band in every for seg in band[c]]
        spans.append(_sub_columns(segments) or [(xs[c], xs[c + 1])])
    parts = [
        [texts for band in cut or _unruled_rows(row) if any(texts := _band_texts(band, spans))]
        for row, cut in zip(grid_rows, banded, strict=True)
    ]
    body = max(range(len(banded)), key=lambda r: len(banded[r] or ()))
    above = sum(map(len, parts[:body]))
    if 0 < above <= MAX_HEAD_ROWS and len(parts[body]) >= HEAD_BODY_SHARE * (
        above + len(parts[body])
    ):
        head = [
            _band_texts(band, spans, spread=True)
            for row, cut in zip(grid_rows[:body], banded[:body], strict=True)
            for band in cut or _unruled_rows(row)
        ]  # the head's lines, top down, one header row
        parts[:body] = [[[" ".join(filter(None, column)) for column in zip(*head, strict=True)]]]
    return _join_labels([texts for grid_row in parts for texts in grid_row])


def _band_texts(
    band: list[list[Line]], spans: list[list[tuple[float, float]]], spread: bool = False
) -> list[str]:
    """A band's texts, each grid column's segments put in the column (of its
    ``spans``) nearest their centre. ``spread``: a head's band, where one
    label alone in a grid column of several columns heads each of them."""
    texts: list[str] = []
    for segments, columns in zip(band, spans, strict=True):
        parts = [""] * len(columns)
        lines = _text_rows(segments)
        if spread and len(lines) == 1 and len(lines[0]) == 1 < len(columns):
            texts += [lines[0][0].text.strip()] * len(columns)
            continue
        for line in lines:
            for seg in sorted(line, key=lambda s: s.left):
                k = _nearest(columns, (seg.left + seg.right) / 2)
                parts[k] = join_words(parts[k], _unled(seg.text))
        texts += parts
    return texts


def _unled(text: str) -> str:
    """The text without the dot leader it ends in, stripped."""
    start = leader_start(text)
    return (text if start is None else text[:start]).strip()


def _bands(row: list[list[Line]]) -> list[list[list[Line]]] | None:
    """A grid row's cells cut at their shared baselines (per band, each
    cell's segments), if the row is one of a banded table: two or more
    filled cells, one of BANDED_MIN_ROWS lines or more, BANDED_SHARE of their
    lines level with a line of another cell, table-like cells (median
    segment at most MAX_CELL_CHARS: two columns of prose framed by rules
    share baselines too), and few lines (WRAPPED_SHARE) running on in lower
    case (cells of text wrapped side by side: a tall header row)."""
    if max(map(len, row)) < BANDED_MIN_ROWS:
        return None  # no cell holds that many segments, let alone lines
    per_cell = [_text_rows(cell) for cell in row]
    filled = [cell for cell in per_cell if cell]
    lines = [line for cell in filled for line in cell]
    if len(filled) < 2 or max(map(len, filled)) < BANDED_MIN_ROWS:
        return None
    if statistics.median(len(seg.text) for line in lines for seg in line) > MAX_CELL_CHARS:
        return None
    if sum(line[0].text[:1].islower() for line in lines) > WRAPPED_SHARE * len(lines):
        return None
    level = 0
    for i, cell in enumerate(filled):
        others = [line[0] for j, other in enumerate(filled) if j != i for line in other]
        for line in cell:
            tolerance = CELL_ROW * line[0].size
            level += any(abs(o.baseline - line[0].baseline) <= tolerance for o in others)
    if level < BANDED_SHARE * len(lines):
        return None
    ordered = sorted(
        ((line[0].baseline, c, line) for c, cell in enumerate(per_cell) for line in cell),
        key=lambda item: (item[0], item[1]),
    )
    bands: list[tuple[float, list[list[Line]]]] = []
    for baseline, c, line in ordered:
        if not bands or baseline - bands[-1][0] > CELL_ROW * line[0].size:
            bands.append((baseline, [[] for _ in row]))
        bands[-1][1][c].extend(line)
    return [band for _, band in bands]


def _sub_columns(segments: list[Line]) -> list[tuple[float, float]]:
    """The columns (``_columns``) of a grid column's banded segments, where a
    segment of several words that spans two columns of one-word segments
    is left out: a producer may draw a dash and "14.1" (two cells) as one text."""
    words = [seg for seg in segments if " " not in seg.text.strip()]
    columns = _columns(words)
    spanning = {
        id(seg)
        for seg in segments
        if sum(seg.left <= hi and seg.right >= lo for lo, hi in columns) > 1
    }
    return _columns([seg for seg in segments if id(seg) not in spanning])


def _nearest(columns: list[tuple[float, float]], x: float) -> int:
    """The index of the column (x-range) holding ``x``, or the nearest one."""
    return min(range(len(columns)), key=lambda k: max(columns[k][0] - x, x - columns[k][1], 0.0))


def _join_labels(rows: list[list[str]]) -> list[list[str]]:
    """A row label wrapped over two lines, its figures level with one of
    them, made one row: a row of only a label joins the row below if that
    one's label runs on in lower case ("Murder and nonnegligent" /
    "manslaughter  10.0 0.9"), or the row above if its own label does."""
    out: list[list[str]] = []
    for i, row in enumerate(rows):
        alone = bool(row[0]) and not any(row[1:])
        below = rows[i + 1] if i + 1 < len(rows) else None
        if alone and below is not None and below[0][:1].islower() and any(below[1:]):
            below[0] = join_words(row[0], below[0])
        elif alone and row[0][:1].islower() and out and any(out[-1][1:]):
            out[-1][0] = join_words(out[-1][0], row[0])
        else:
            out.append(row)
    return out


def _text_rows(segments: list[Line]) -> list[list[Line]]:
    """The segments grouped into text lines (baselines within CELL_ROW font
    sizes), top to bottom."""
    rows: list[list[Line]] = []
    for seg in sorted(segments, key=lambda s: s.baseline):
        if rows and seg.baseline - rows[-1][0].baseline <= CELL_ROW * seg.size:
            rows[-1].append(seg)
        else:
            rows.append([seg])
    return rows


def _readable(rows: list[list[str]]) -> list[list[str]]:
    """Rows without the columns no row fills (grid lines drawn for layout),
    first column first: the rightmost one in a right-to-left table."""
    keep = [c for c in range(len(rows[0])) if any(row[c] for row in rows)]
    rows = [[row[c] for c in keep] for row in rows]
    if is_rtl(" ".join(cell for row in rows for cell in row)):
        rows = [row[::-1] for row in rows]
    return rows


def merged_cells(
    xs: list[float], ys: list[float], rules: list[Rule], snap: float
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The grid's cells as ((first row, first column), (last row, last
    column)): neighbours that no rule (within ``snap`` of the grid line)
    separates over half their shared edge are one cell."""
    rows, cols = len(ys) - 1, len(xs) - 1
    parent = {(r, c): (r, c) for r in range(rows) for c in range(cols)}

    def root(cell: tuple[int, int]) -> tuple[int, int]:
        while parent[cell] != cell:
            cell = parent[cell]
        return cell

    # The spans of the rules on each grid line: (start, end) along the line.
    down = _spans_at(xs, [(r.x0, r.y0, r.y1) for r in rules if not r.horizontal], snap)
    across = _spans_at(ys, [(r.y0, r.x0, r.x1) for r in rules if r.horizontal], snap)

    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols and not _ruled(down[xs[c + 1]], ys[r], ys[r + 1]):
                parent[root((r, c + 1))] = root((r, c))
            if r + 1 < rows and not _ruled(across[ys[r + 1]], xs[c], xs[c + 1]):
                parent[root((r + 1, c))] = root((r, c))
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for cell in parent:
        groups.setdefault(root(cell), []).append(cell)
    return [
        ((min(r for r, _ in g), min(c for _, c in g)), (max(r for r, _ in g), max(c for _, c in g)))
        for g in groups.values()
    ]


def _spans_at(
    positions: list[float], lines: list[tuple[float, float, float]], snap: float
) -> dict[float, list[tuple[float, float]]]:
    """For each grid line position, the (start, end) of the ``lines``
    (position, start, end) within ``snap`` of it."""
    lines = sorted(lines)
    keys = [line[0] for line in lines]
    return {
        at: [
            (a, b)
            for _, a, b in lines[
                bisect.bisect_left(keys, at - snap) : bisect.bisect_right(keys, at + snap)
            ]
        ]
        for at in positions
    }


def _ruled(spans: list[tuple[float, float]], start: float, end: float) -> bool:
    """The rules' ``spans`` on a grid line cover more than half of ``start``..``end``."""
    covered = sum(max(0.0, min(b, end) - max(a, start)) for a, b in spans)
    return covered > 0.5 * (end - start)


def _slot(value: float, edges: list[float]) -> int | None:
    """The i with edges[i] <= value < edges[i + 1] (``edges`` sorted), or None."""
    i = bisect.bisect_right(edges, value) - 1
    return i if 0 <= i < len(edges) - 1 else None


def _cell_text(segments: list[Line]) -> str:
    """A cell's segments in reading order (rows top to bottom, each left to
    right, or right to left for right-to-left script)."""
    rtl = is_rtl("".join(seg.text for seg in segments))
    text = ""
    for row in _text_rows(segments):
        for seg in sorted(row, key=lambda s: s.left, reverse=rtl):
            text = join_words(text, seg.text)
    return text


def aligned_tables(bands: list[list[Line]]) -> list[tuple[int, int, Table]]:
    """Unruled tables in ``bands`` (rows of segments, top to bottom, each sorted
    left to right): (first band, end band, table) for each, in order."""
    found: list[tuple[int, int, Table]] = []
    i = 0
    while i < len(bands):
        if len(bands[i]) < 2:
            i += 1
            continue
        j = i + 1
        while j < len(bands) and _continues(bands, j):
            j += 1
        while j > i and len(bands[j - 1]) < 2:
            j -= 1  # a table ends with a full row, not with a stray line
        if _prose(bands[i:j]):
            i = j  # running text beside labels: no table starts inside it either
            continue
        table = _aligned(bands[i:j])
        if table is None:  # a table followed, past a blank strip, by rows of another layout?
            j = _spaced_end(bands, i, j)
            rows = sum(1 for band in bands[i:j] if len(band) >= 2)
            table = _aligned(bands[i:j]) if rows >= MIN_ALIGNED_ROWS else None
        if table is not None:
            found.append((i, j, table))
            i = j
        else:
            i += 1
    return found


def _contents(rows: list[list[Line]]) -> bool:
    """The rows are a contents list: most of them (CONTENTS_SHARE) end in a
    page number (their last segment's last word: a producer may draw the
    leader and the page as one), the page numbers never go down, and half of the rows lead
    to theirs with dots. A price list or a statement with dot leaders has
    figures that are not whole numbers in order."""
    ends = [row[-1].text.split()[-1:] for row in rows]  # a leader and its page may be one
    pages = [end[0] for end in ends if end and end[0].isdigit()]
    if len(pages) < CONTENTS_SHARE * len(rows):
        return False
    numbers = [int(page) for page in pages]
    if any(b < a for a, b in itertools.pairwise(numbers)):
        return False
    led = sum(1 for row in rows if any(_leads(seg.text) for seg in row))
    return led >= 0.5 * len(rows)


def _leads(text: str) -> bool:
    """The text ends in a dot leader, or in one and the page it leads to."""
    words = text.split()
    if words and words[-1].isdigit():
        text = text[: text.rstrip().rfind(words[-1])]
    return leader_start(text.rstrip()) is not None


def _spaced_end(bands: list[list[Line]], i: int, j: int) -> int:
    """Where rows ``i`` to ``j`` first part at a blank strip: a row pitch
    SPACED_PITCH times the usual one of the rows above it (a grid of
    authors' cards, row after row); ``i`` if there is none."""
    pitches: list[float] = []
    for k in range(i + 1, j):
        pitch = bands[k][0].baseline - bands[k - 1][0].baseline
        if pitches and pitch > SPACED_PITCH * statistics.median(pitches):
            return k
        pitches.append(pitch)
    return i


def _continues(bands: list[list[Line]], j: int) -> bool:
    """Band j belongs to the table above: close enough, and a row of cells
    (or a single cell followed by one)."""
    prev, band = bands[j - 1], bands[j]
    size = max(seg.size for seg in band)
    if band[0].baseline - prev[0].baseline > MAX_ROW_PITCH * size:
        return False
    return len(band) >= 2 or (j + 1 < len(bands) and len(bands[j + 1]) >= 2)


def _aligned(rows: list[list[Line]]) -> Table | None:
    if _contents(rows):
        return None  # titles led by dots to their pages: a contents list, read as lines
    rows = [[seg for seg in row if seg.text.strip(_LEADER_CHARS)] for row in rows]
    rows = [row for row in rows if row]  # a dot leader is no cell (nor a row of them a row)
    segments = [seg for row in rows for seg in row]
    columns = _columns(segments, int(BRIDGE_SHARE * len(rows)))
    enough = MIN_ALIGNED_ROWS_WIDE if len(columns) >= 3 else MIN_ALIGNED_ROWS
    if len(columns) < 2 or len(rows) < enough:
        return None
    if statistics.median(seg.chars for row in rows for seg in row) > MAX_CELL_CHARS:
        return None  # rows of running text side by side: columns, not a table
    cells = []
    for row in rows:
        texts = [""] * len(columns)
        for seg in row:
            k = _column_of(seg, columns)
            texts[k] = join_words(texts[k], seg.text)
        cells.append(texts)
    cells = _join_wrapped(cells, [max(seg.baseline for seg in row) for row in rows])
    if sum(1 for row in cells if sum(map(bool, row)) >= 2) < TABLE_ROWS_SHARE * len(cells):
        return None  # mostly one cell a row: text beside a stray label (a figure's caption)
    if is_rtl(" ".join(seg.text for row in rows for seg in row)):
        cells = [row[::-1] for row in cells]  # the first column is the rightmost
    segs = [seg for row in rows for seg in row]
    return Table(
        cells,
        min(s.left for s in segs),
        max(s.right for s in segs),
        min(s.top for s in segs),
        max(s.bottom for s in segs),
    )


def _prose(bands: list[list[Line]]) -> bool:
    """The bands are lines of running text (``running_text``), each level
    with a label (a bill's line numbers), not a table's rows: the widest
    segment of each is its line, full at FULL_LINE of the longest such in
    characters and FULL_CHARS or more."""
    widest = [max(band, key=lambda seg: seg.right - seg.left).text for band in bands if band]
    least = max(FULL_CHARS, FULL_LINE * max(map(len, widest), default=0))
    return running_text(widest, [len(text) >= least for text in widest])


def _join_wrapped(cells: list[list[str]], baselines: list[float]) -> list[list[str]]:
    """Rows that continue the row above (a cell's text wrapped onto a second
    line) joined into it: closer to it than WRAPPED_PITCH of the table's
    usual row pitch, and filling only columns the row above fills. Three
    rows or fewer have no usual pitch to judge by (a form's label and value
    pairs, set closer in groups): there, each filled cell of the row must
    also run on in lower case ("Purpose, scope," / "and methodology")."""
    pitches = sorted(b - a for a, b in itertools.pairwise(baselines))
    if not pitches:
        return cells
    usual = pitches[len(pitches) // 2]
    few = len(pitches) < MIN_PITCHES
    out = [list(cells[0])]
    for i in range(1, len(cells)):
        above, row = out[-1], cells[i]
        wrapped = baselines[i] - baselines[i - 1] < WRAPPED_PITCH * usual
        runs_on = not few or all(cell[:1].islower() for cell in row if cell)
        if wrapped and runs_on and all(above[c] for c, cell in enumerate(row) if cell):
            out[-1] = [join_words(a, b) if b else a for a, b in zip(above, row, strict=True)]
        else:
            out.append(list(row))
    return out


def _column_of(seg: Line, columns: list[tuple[float, float]]) -> int:
    """The column the segment starts in (one drawn across columns goes to the
    first), or, starting in a gap, the one it overlaps most."""
    for k, (lo, hi) in enumerate(columns):
        if lo <= seg.left <= hi:
            return k
    return max(
        range(len(columns)),
        key=lambda k: min(seg.right, columns[k][1]) - max(seg.left, columns[k][0]),
    )


def _columns(segments: list[Line], bridges: int = 0) -> list[tuple[float, float]]:
    """The columns the segments' x-ranges make: each separate interval of
    their union; a stretch that at most ``bridges`` segments cover, none of
    them within it (cells that overhang a column's edge, or a producer drew
    as one object across two columns), parts columns too. A column few rows
    fill has cells within its stretch and stays."""
    edges = sorted({x for seg in segments for x in (seg.left, seg.right)})
    starts = sorted(seg.left for seg in segments)
    ends = sorted(seg.right for seg in segments)
    spans = list(itertools.pairwise(edges))  # no segment starts or ends inside one
    depth = [bisect.bisect_right(starts, a) - bisect.bisect_right(ends, a) for a, _ in spans]
    gap = [not d for d in depth]
    k = 0
    while k < len(spans):  # stretches covered thinly: gaps unless a cell lies within
        if not 0 < depth[k] <= bridges:
            k += 1
            continue
        j = k
        while j < len(spans) and 0 < depth[j] <= bridges:
            j += 1
        lo, hi = spans[k][0], spans[j - 1][1]
        if not any(lo <= seg.left and seg.right <= hi for seg in segments):
            gap[k:j] = [True] * (j - k)
        k = j
    columns: list[tuple[float, float]] = []
    for (a, b), open_ in zip(spans, gap, strict=True):
        if open_:
            continue
        if columns and columns[-1][1] == a:
            columns[-1] = (columns[-1][0], b)
        else:
            columns.append((a, b))
    return columns


def table_markdown(table: Table) -> str:
    """A pipe table; the first row is the header."""
    width = max(len(row) for row in table.rows)
    lines = []
    for n, row in enumerate(table.rows):
        cells = [_escape_cell(cell) for cell in row] + [""] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
        if n == 0:
            lines.append("|" + " --- |" * width)
    return "\n".join(lines)


def running_on(markdown: str, before: str) -> str:
    """A page's ``markdown`` with its opening table given an empty header row
    when the table runs on from the page ``before``: it opens the page, the
    last table of the page before has as many columns, and that table's
    header row is not this one's first (a table that repeats its head on
    each page keeps it): its first row is data, not a head."""
    if not markdown.startswith("| "):
        return markdown
    lines = markdown.split("\n")
    tables = [block for block in before.split("\n\n") if block.startswith("| ")]
    if not tables or len(lines) < 2:
        return markdown
    last = tables[-1].split("\n", 1)[0]
    width = _row_width(lines[0])
    if last == lines[0] or _row_width(last) != width:
        return markdown
    empty = "| " + " | ".join([""] * width) + " |"
    return "\n".join([empty, lines[1], lines[0], *lines[2:]])


def _row_width(row: str) -> int:
    """The cells of a pipe table's row (``table_markdown``'s: escaped pipes
    are no separators)."""
    return row.count(" | ") + 1


def _escape_cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())
