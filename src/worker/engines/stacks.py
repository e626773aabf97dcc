"""Letters set one under another, read as the word they spell.

A form may set a label down its margin a letter a line ("P R I N T  C L E A
R L Y"); read as it stands, each letter is a segment of its own, and the
table finder makes a column of them. ``join`` turns such a stack into one
segment at its top, its text read top to bottom.

A producer may also draw vertical CJK text a glyph at a time (a government
gazette set in columns read top to bottom). ``columns`` joins such glyphs,
each drawn under the one before, into the columns they stand in, so that
the page is seen to be set vertically.
"""

from __future__ import annotations

import bisect
import itertools

from ilios.worker.engines.geometry import Line, is_wide_char

STACK_MIN = 4  # letters set one under another, at least this many, are read as a word
STACK_SHIFT = 0.5  # ... their centres within this many font sizes across
STACK_GAP = 2.0  # ... and at most this many font sizes apart down
STACK_SPACE = 1.0  # ... a gap wider than this is a space between words
SAME_BASELINE = 0.2  # font sizes: segments with baselines this close share a line
COLUMN_SHIFT = 0.25  # a glyph drawn centred within this many font sizes of the one before ...
COLUMN_GAP = 1.0  # ... and under it, at most this many font sizes below, goes on its column
COLUMN_SHARE = 0.5  # a page with more than this share of its runs in such pairs is vertical


def join(lines: list[Line]) -> list[Line]:
    """Letters set one under another (a form's "P R I N T  C L E A R L Y"
    down its margin) become one segment, read top to bottom: STACK_MIN or
    more single letters, centred within STACK_SHIFT font sizes of the one
    above and at most STACK_GAP sizes under it, most of them alone on their
    baselines; a gap over STACK_SPACE sizes is a space between words. A
    column of one-letter table cells is not a stack: its letters share
    their baselines with the rows' other cells."""
    baselines = sorted(line.baseline for line in lines)

    def alone(line: Line) -> bool:
        tolerance = SAME_BASELINE * line.size
        low = bisect.bisect_left(baselines, line.baseline - tolerance)
        return bisect.bisect_right(baselines, line.baseline + tolerance) - low == 1

    letters = sorted(
        (line for line in lines if len(line.text) == 1 and line.text.isalpha()),
        key=lambda line: (line.top, line.left),
    )
    chains: list[list[Line]] = []
    for letter in letters:
        middle = (letter.left + letter.right) / 2
        for chain in chains:
            last = chain[-1]
            gap = letter.top - last.bottom
            if (
                abs(middle - (last.left + last.right) / 2) <= STACK_SHIFT * last.size
                and 0 <= gap <= STACK_GAP * last.size
            ):
                chain.append(letter)
                break
        else:
            chains.append([letter])
    stacked: dict[int, Line] = {}  # id of a stack's first letter -> the stack
    gone: set[int] = set()
    for chain in chains:
        if len(chain) < STACK_MIN or 2 * sum(map(alone, chain)) <= len(chain):
            continue
        text = chain[0].text
        for above, letter in itertools.pairwise(chain):
            gap = letter.top - above.bottom
            text += (" " if gap > STACK_SPACE * above.size else "") + letter.text
        first = chain[0]
        stacked[id(first)] = Line(
            text,
            min(letter.left for letter in chain),
            max(letter.right for letter in chain),
            first.top,
            first.bottom,  # a line at the stack's top, as it is read
            first.baseline,
            first.size,
            len(chain),
            first.bold,
        )
        gone.update(id(letter) for letter in chain)
    if not stacked:
        return lines
    return [
        stacked.get(id(line), line) for line in lines if id(line) in stacked or id(line) not in gone
    ]


def columns(runs: list[Line]) -> list[Line]:
    """Runs of one CJK character, in drawing order, each drawn under the one
    before it (centred within COLUMN_SHIFT font sizes of it, its top at
    most COLUMN_GAP sizes below its bottom), joined into the columns they
    make, read top to bottom. Only where more than COLUMN_SHARE of the runs
    are so drawn: a page drawn glyph by glyph across has its glyphs side
    by side."""
    under = [
        len(a.text) == len(b.text) == 1
        and is_wide_char(a.text)
        and is_wide_char(b.text)
        and abs(a.left + a.right - b.left - b.right) <= 2 * COLUMN_SHIFT * a.size
        and -COLUMN_SHIFT * a.size <= b.top - a.bottom <= COLUMN_GAP * a.size
        for a, b in itertools.pairwise(runs)
    ]
    if sum(under) <= COLUMN_SHARE * len(runs):
        return runs
    out: list[Line] = []
    column: list[Line] = runs[:1]
    for run, goes_on in zip(runs[1:], under, strict=True):
        if goes_on:
            column.append(run)
        else:
            out.append(_column(column))
            column = [run]
    if column:
        out.append(_column(column))
    return out


def _column(glyphs: list[Line]) -> Line:
    """One run of glyphs set one under another."""
    if len(glyphs) == 1:
        return glyphs[0]
    first = glyphs[0]
    return Line(
        "".join(glyph.text for glyph in glyphs),
        min(glyph.left for glyph in glyphs),
        max(glyph.right for glyph in glyphs),
        first.top,
        glyphs[-1].bottom,
        glyphs[-1].baseline,
        max(glyph.size for glyph in glyphs),
        sum(glyph.chars for glyph in glyphs),
        all(glyph.bold for glyph in glyphs),
        all(glyph.mono for glyph in glyphs),
    )
