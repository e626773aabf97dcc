"""Spacing accents a PDF font draws as glyphs of their own, joined to their letters.

TeX's OT1 fonts (and some others) draw "ğ" as a "g" and a breve placed over
it, so the text layer reads "g" and a stray "˘". An accent that sits over
(or, a cedilla or ogonek, under) a letter of the run beside it becomes that
letter's combining mark, and the pair is composed (NFC).
"""

from __future__ import annotations

import ctypes
import unicodedata

import pypdfium2.raw as pdfium_c

from ilios.worker.engines.geometry import Line, ToShown

ACCENT_REACH = 0.5  # an accent glyph lies within this many font sizes of its letter's top

# Spacing accents a font may draw apart from their letters -> their combining marks.
_ACCENTS = dict(
    zip(
        "\u02d8\u00b4`\u00a8\u02c6\u02dc\u02c7\u02da\u02d9\u02dd\u00af\u00b8\u02db",
        "\u0306\u0301\u0300\u0308\u0302\u0303\u030c\u030a\u0307\u030b\u0304\u0327\u0328",
        strict=True,
    )
)
_BELOW_MARKS = {"\u0327", "\u0328"}  # cedilla, ogonek


def place(
    handle: pdfium_c.FPDF_TEXTPAGE,
    shown: ToShown,
    runs: list[Line],
    spans: dict[int, tuple[int, int]],
) -> list[Line]:
    """Spacing accents drawn as glyphs of their own (TeX's OT1 fonts draw
    "ğ" as "g" and a breve) joined to the letter they sit over or under, as
    its combining mark: a run of one accent whose middle lies over a letter
    of the run drawn before or after it, within ACCENT_REACH font sizes above
    its top (below its bottom for a cedilla or ogonek)."""
    joined: set[int] = set()
    for i, run in enumerate(runs):
        mark = _ACCENTS.get(run.text.strip())
        if mark is None:
            continue
        middle = (run.left + run.right) / 2
        for base in runs[max(0, i - 1) : i + 2 : 2]:
            span = spans.get(id(base))
            if span is None or not base.left <= middle <= base.right:
                continue
            at = _letter_under(handle, shown, base, span, run, mark in _BELOW_MARKS)
            if at is not None:
                text = base.text[: at + 1] + mark + base.text[at + 1 :]
                base.text = unicodedata.normalize("NFC", text)
                joined.add(id(run))
                break
    return [run for run in runs if id(run) not in joined] if joined else runs


def _letter_under(
    handle: pdfium_c.FPDF_TEXTPAGE,
    shown: ToShown,
    base: Line,
    span: tuple[int, int],
    accent: Line,
    below: bool,
) -> int | None:
    """The index in ``base.text`` of the letter of ``base`` (its text page
    characters ``span``) that ``accent`` sits over (or under), or None."""
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    middle = (accent.left + accent.right) / 2
    reach = ACCENT_REACH * base.size
    first, end = span
    for j in range(first, end):
        pdfium_c.FPDFText_GetCharBox(handle, j, left, right, bottom, top)
        x0, y0, x1, y1 = shown(left.value, bottom.value, right.value, top.value)
        if not x0 <= middle <= x1:
            continue
        offset, ch = j - first, chr(pdfium_c.FPDFText_GetUnicode(handle, j))
        if offset >= len(base.text) or base.text[offset] != ch or not ch.isalpha():
            return None
        if below:
            placed = y1 - reach <= accent.top and accent.bottom <= y1 + reach
        else:
            placed = y0 - reach <= accent.top and accent.bottom <= y0 + reach
        return offset if placed else None
    return None
