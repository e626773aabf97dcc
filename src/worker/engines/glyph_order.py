"""Text a font gives as glyph indices, read through TrueType's standard glyph order.

A PDF font with no Unicode map (a subset TrueType font under Identity-H
without a ToUnicode stream, most often) leaves a reader nothing but its
glyph indices, and pdfium hands those on as if they were code points. Most
TrueType fonts number their first glyphs in the standard Macintosh order
that the 'post' table defines (formats 1 and 2): glyph 3 is the space, 4 to
97 are "!" to "~", and 98 to 257 are Mac Roman's accented letters and
symbols. So "sa première fiction" comes out as "VD\\x03SUHPLqUH..." (every
ASCII character 29 below its own code, digits and punctuation as C0
controls), which this order reads back. A font that numbers its glyphs
otherwise past the ASCII range gets a wrong accent or symbol here and
there; its letters are still right. Fonts that leave out ``.null`` and the
return glyph number the same order from glyph 1 or 2.
"""

from __future__ import annotations

SPACE = 3  # the space's glyph in the standard order; 0-2 are .notdef, .null and a return
SPACES = (3, 2, 1)  # where fonts put it: fonts without .null or the return number from 1 or 2
# Glyphs 98-257 of the standard order (Apple's 'apple' logo, 210, as U+F8FF).
_BEYOND_ASCII = (  # the order's own characters, look-alikes included
    "ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü"
    "†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø¿¡¬√ƒ≈∆«»…\u00a0ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄¤‹›ﬁﬂ‡·‚„‰"  # noqa: RUF001
    "ÂÊÁËÈÍÎÏÌÓÔ\uf8ffÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇŁłŠšŽž¦ÐðÝýÞþ−×¹²³½¼¾₣ĞğİŞşĆćČčđ"  # noqa: RUF001
)
# standard glyph index -> the character it draws: 3-97 are " " to "~", then Mac Roman's
_ORDER = [chr(32 + k) for k in range(95)] + list(_BEYOND_ASCII)
# code point given -> character, for each place of the space
_TABLES = {space: {space + k: ch for k, ch in enumerate(_ORDER)} for space in SPACES}


def decode(text: str, space: int = SPACE) -> str:
    """``text`` read as glyph indices in the standard order, in a font whose
    space is glyph ``space`` (one of SPACES: the order shifted down by 3 -
    ``space``). A
    space character (U+0020) stays: the reader put it between words it saw
    apart. An index past the order becomes U+FFFD (unreadable); one before
    the space (``.notdef``, ``.null``, a return) is dropped."""
    table = _TABLES[space]
    return "".join(
        ch if ch == " " else table.get(ord(ch), "" if ord(ch) < space else "\ufffd") for ch in text
    )
