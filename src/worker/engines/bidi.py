"""Right-to-left text in reading order, where a producer drew it as it is seen.

Most producers draw right-to-left text in reading order: a run's letters
from right to left, its marks after their letters, and pdfium's text is
logical. LuaTeX and XeTeX draw it as it is seen: glyphs left to right, each
mark before its letter, no spaces (the gaps between words are only
gaps), and a line's runs left to right too. Such text reads backwards.

- Within a run (``as_read``): the run's right-to-left letters stand left to
  right in its text, so it is turned around glyph by glyph; a mark then
  comes after its letter, numbers and Latin words keep their order, and a
  space goes where two letters stand further apart than a word space.
- Across a line's runs (``line_text``): right-to-left runs drawn left to
  right read right to left, the one on the right first, with the marks,
  stops and figures between them. In a line mostly right to left, Latin
  runs keep their order, and so do figures after them and the stops and
  signs between two of them ("Sn = U0 + U1"), as the Unicode bidirectional
  algorithm resolves European numbers (W7) and neutrals (N1).

Apart from that, pdfium may put a space between a letter and a combining
mark drawn over it ("العربي ّة"): ``marks_joined`` takes it out.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Sequence

from ilios.worker.engines.geometry import is_rtl, is_rtl_char, right_to_left

Glyph = tuple[tuple[float, ...], str]  # box (left, right, bottom), its text

# spaces before a combining mark (the marks of the Basic Multilingual Plane)
_MARKS = "".join(chr(c) for c in range(0x300, 0x10000) if unicodedata.category(chr(c)) == "Mn")
_MARK = re.compile(f"[{_MARKS}]")
# (a match starts where a run of spaces does: tried inside one, it would scan the rest again)
_SPACED_MARK = re.compile(f"(?<![ \t])[ \t]+(?=[{_MARKS}])")
# ... but tanwin ends a word: a space before it, and a letter after it other than
# the alef that may carry it, belongs after it ("حلا ًوحيدًا" for "حلاً وحيدًا")
_SPACED_TANWIN = re.compile("(?<![ \t])[ \t]+([\u064b-\u064d])(?=[^\\s\u0627\u0649\u064b-\u065f])")
_LEFT_TO_RIGHT = re.compile(r"[^\W_]", re.ASCII)  # a glyph of a Latin word or a number


def marks_joined(text: str) -> str:
    """The text without spaces before combining marks: a mark belongs to the
    letter before it. Before tanwin, which ends a word, the space goes
    after the mark instead."""
    if _MARK.search(text) is None:  # most text holds none: a cheap look first
        return text
    return _SPACED_MARK.sub("", _SPACED_TANWIN.sub(r"\1 ", text))


def as_read(glyphs: list[Glyph], gap: float) -> list[Glyph]:
    """A right-to-left run's glyphs in reading order: as they are if drawn
    so, else (``_drawn_as_seen``) turned around, with spaces where letters
    stand more than ``gap`` (points) apart."""
    if not _drawn_as_seen(glyphs):
        return glyphs
    return right_to_left(
        _spaced(glyphs, gap), lambda glyph: _LEFT_TO_RIGHT.match(glyph[1]) is not None
    )


def _drawn_as_seen(glyphs: list[Glyph]) -> bool:
    """The right-to-left letters of a run stand left to right in its text:
    the producer drew them in the order they are seen, not read."""
    lefts = [box[0] for box, text in glyphs if text and is_rtl_char(text[0])]
    steps = [b - a for a, b in itertools.pairwise(lefts) if b != a]
    return sum(step > 0 for step in steps) > max(1, len(steps) // 2)


def _spaced(glyphs: list[Glyph], gap: float) -> list[Glyph]:
    """The glyphs, drawn left to right, with a space between two letters
    further apart than ``gap`` (points). Combining marks sit over their
    letters and part nothing; drawn before their letter, they stay with it
    (the space goes before them)."""
    out: list[Glyph] = []
    reach, after = math.inf, 0  # the right edge of the last letter, and where it ends in out
    for box, text in glyphs:
        if not text or unicodedata.category(text[0]) == "Mn":
            out.append((box, text))
            continue
        if box[0] - reach > gap and not text.isspace() and not out[after - 1][1].isspace():
            out.insert(after, (box, " "))
        out.append((box, text))
        reach, after = box[1], len(out)
    return out


def line_text(parts: Sequence[tuple[str, str, float]]) -> str:
    """A line's text from its runs in drawing order (the joint before each,
    its text, its left edge), some of them right to left. Drawn right to
    left (in reading order), the runs keep their order; drawn left to right
    (each further right than the one before), they are read as the module
    says."""
    kinds = [direction(text) for _, text, _ in parts]
    lefts = [left for (_, _, left), kind in zip(parts, kinds, strict=True) if kind == "R"]
    steps = [b - a for a, b in itertools.pairwise(lefts)]
    if not steps or sum(step > 0 for step in steps) <= len(steps) / 2:
        return "".join(joint + text for joint, text, _ in parts)
    if is_rtl("".join(text for _, text, _ in parts)):
        _resolve(parts, kinds)
        order = right_to_left(list(range(len(parts))), lambda i: kinds[i] == "L")
    else:
        order = []
        for stretch in _stretches(kinds):
            ends = [k for k, i in enumerate(stretch) if kinds[i] == "R"]
            if not ends:
                order += stretch
                continue
            first, last = ends[0], ends[-1]  # neutrals outside these read left to right
            order += stretch[:first] + stretch[first : last + 1][::-1] + stretch[last + 1 :]
    texts = [text.strip() for _, text, _ in parts]
    spaced = (
        [False]
        + [  # a space between each run and the one before it
            bool(joint) or parts[k - 1][1][-1:].isspace() or text[:1].isspace()
            for k, (joint, text, _) in enumerate(parts[1:], 1)
        ]
    )
    text = texts[order[0]]
    for a, b in itertools.pairwise(order):
        apart = any(spaced[k] for k in range(min(a, b) + 1, max(a, b) + 1))
        text += (" " if apart else "") + texts[b]
    return text


def _resolve(parts: Sequence[tuple[str, str, float]], kinds: list[str]) -> None:
    """In a line mostly right to left: figures after Latin letters ("U" and
    its "1"), and the neutral runs between two Latin ones, become Latin."""
    strong = "R"
    for i, (_, text, _) in enumerate(parts):
        if kinds[i] != "N":
            strong = kinds[i]
        elif strong == "L" and any(ch.isdigit() for ch in text):
            kinds[i] = "L"
    for stretch in _stretches([kind if kind == "N" else "L" for kind in kinds]):
        before, after = stretch[0] - 1, stretch[-1] + 1
        if kinds[stretch[0]] == "N" and before >= 0 and after < len(kinds):
            if kinds[before] == kinds[after] == "L":
                for i in stretch:
                    kinds[i] = "L"


def _stretches(kinds: list[str]) -> list[list[int]]:
    """The positions of ``kinds``, each left-to-right ("L") one alone, the
    others in stretches of neighbours."""
    out: list[list[int]] = []
    for i, kind in enumerate(kinds):
        if kind != "L" and out and kinds[out[-1][-1]] != "L":
            out[-1].append(i)
        else:
            out.append([i])
    return out


def direction(text: str) -> str:
    """ "R" for text mostly in right-to-left letters, "L" for text with
    left-to-right ones (more), "N" for neither (marks, stops, figures)."""
    if text.isascii():
        return "L" if any(ch.isalpha() for ch in text) else "N"
    if is_rtl(text):
        return "R"
    return "L" if any(unicodedata.bidirectional(ch) == "L" for ch in text) else "N"
