"""Whether a PDF text layer reads as real text, and whether OCR agrees with it.

A text layer can lie: a font whose Unicode map is missing or wrong gives
Latin look-alikes for Cyrillic ("HanorosaR" for "Налоговая"), letters
shifted by a constant code-point offset ("Bohfm" for "Angel"), or private-use
code points. The glyphs on the page are right, so OCR reads such a page
correctly. Checking every page by OCR would cost a second a page, so a cheap
test on the text picks the suspects first (``suspect``), and OCR then
decides (``agreement``): a suspect page whose text OCR does not find is
replaced by what OCR reads.

One lie can be read back without OCR: a font that gives its glyph indices
for text ("VD SUHPLqUH" for "sa première"; ``glyph_order``). Its text on a
page is read that way (``glyph_space``) when nearly all of it falls where
the standard glyph order keeps the space, digits, punctuation and ASCII
letters (1-95: upper-case letters and controls as text, hardly ever
lower-case), its spaces, figures and stops come as C0 controls (glyphs
below 32: no text holds them, while text in capitals has the same letters),
it is not language as it stands (few vowels), and read that
way it is (a third of its letters vowels, two thirds common letters), with
its accents where accents go. Of
the places a font may put its space (glyph 3, 2 or 1), the one whose
reading has most vowels is taken: one glyph off, "a" reads as "b" or "`".

Suspects (pages with enough letters to judge):

- few of the letters most common in every Latin-script language (e, a, i,
  n, o, r, s, t, l, d, u: two thirds or more of the letters of English,
  French, German, Spanish, Italian, Dutch, Portuguese, Polish or Czech
  text, accents set aside);
- many words with an upper-case letter after a lower-case one inside them
  ("npVIMeHeHVIeM"), which running text hardly ever has (a small prefix to
  capitals, as in "pTEX" or "mRNA", set aside).

Text mostly in another script (Japanese with its programs' Latin names) is
not judged by its Latin letters.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from ilios.worker.engines import glyph_order

COMMON_LETTERS = frozenset("eainorstldu")
COMMON_SHARE = 0.6  # fewer common letters than this share of the Latin letters: suspect
LATIN_SHARE = 0.7  # ... judged on text with at least this share of its letters Latin
MIN_LETTERS = 150  # ... judged on pages with at least this many Latin letters
VOWELS = "aeio"  # a third of the letters of Latin-script languages (29-36%), accents aside
GLYPH_RANGE_SHARE = 0.75  # a font's text this much in glyph indices 1-95 (non-spaces), ...
MIN_FONT_LETTERS = 30  # ... this long, ...
CONTROL_SHARE = 0.05  # ... this much of it C0 controls (its spaces, figures and stops), ...
MIN_GLYPH_LETTERS = 4  # ... holding this many letters and half its non-spaces letters (ASCII's
# lower-case letters are glyphs 68-93: capitals as text, "[", "\\" and "]"), ...
RAW_VOWELS = 0.2  # ... with fewer VOWELS than this as it stands, and read as glyph indices ...
VOWEL_SHARE = 0.25  # ... this many and COMMON_SHARE common letters, not suspect, is glyph indices
OWN_ORDER_SHARE = 0.2  # ... unless this share of its non-ASCII characters misfit (_own_order)
MIN_MISFITS = 3  # ... and at least this many
MIXED_CASE_SHARE = 0.15  # more words with inner capitals than this share: suspect
MIN_WORDS = 30  # ... judged on pages with at least this many words of three letters or more
AGREEMENT_MIN = 0.5  # a suspect page whose words OCR finds less than this (F1) is OCR'd
SAME_READING = 0.9  # two readings whose words agree this well (F1) are the same text
BETTER_BY = 0.02  # ... otherwise OCR wins if this much more of its words are regular
CONFIDENT = 85.0  # ... or, as regular, if read with this mean word confidence (0-100)

_WORD = re.compile(r"[^\W\d_]{3,}")
_NOT_LATIN = re.compile("[^a-z]+")
_TOKEN = re.compile(r"[^\W_]+")
# A regular token: letters (inner apostrophes or hyphens allowed), or a number.
_REGULAR = re.compile(
    "(?:[^\\W\\d_]+(?:['\u2019-][^\\W\\d_]+)*|\\d+(?:[.,:/-]\\d+)*)[.,;:!?)\\]\"\u201d\u2019]*"
)
_PREFIXED_CAPITALS = re.compile("[a-z]+[A-Z]{2,}")
_C0 = re.compile("[\x01-\x1f]")  # \x02 too: a font numbering from glyph 2 spaces with it
_LETTER = re.compile(r"[^\W\d_]")
# a non-ASCII character after a lower-case ASCII letter, or else before one
_IN_WORD = re.compile(r"(?<=[a-z])([^\x00-\x7f\ufffd])|([^\x00-\x7f\ufffd])(?=[a-z])")
_GLYPH_RANGE = re.compile(r"[\x01-\x5f]")  # glyphs up to "z" when the space is 1 to 3
_OPENING = '("\u201c\u2018['  # stripped from a word's start before it is judged


def suspect(text: str) -> bool:
    """The text looks like a wrongly mapped font rather than language. Text
    mostly in another script (under LATIN_SHARE of its letters Latin:
    Japanese with its programs' names, say) is not judged by its Latin
    letters."""
    letters = _latin(text)
    odd = len(letters) >= MIN_LETTERS and _common(letters) < COMMON_SHARE
    if not odd:
        words = _WORD.findall(text)
        mixed = sum(1 for word in words if _inner_capital(word))
        odd = len(words) >= MIN_WORDS and mixed > MIXED_CASE_SHARE * len(words)
    return odd and len(letters) >= LATIN_SHARE * len(_LETTER.findall(text))


def glyph_space(text: str, given: Sequence[int] = ()) -> int | None:
    """If a font's text on a page is its glyph indices (see the module's
    notes): the glyph of its space, of ``glyph_order.SPACES``, that reads
    it best (most VOWELS); else None. A text too short to judge alone
    (MIN_FONT_LETTERS) is judged only when other fonts on the page were
    found to give glyph indices, with their spaces (``given``)."""
    shown = len(text) - text.count(" ")
    if not given and shown < MIN_FONT_LETTERS:
        return None
    if len(_C0.findall(text)) < max(1, CONTROL_SHARE * shown):
        return None  # text (in capitals too: a heading, a command's name)
    if len(_GLYPH_RANGE.findall(text)) < GLYPH_RANGE_SHARE * shown:
        return None
    raw_letters = len(_LETTER.findall(text))
    if raw_letters < max(MIN_GLYPH_LETTERS, shown / 2) or _vowels(_latin(text)) >= RAW_VOWELS:
        return None  # figures, or language as it stands
    readings = {space: glyph_order.decode(text, space) for space in given or glyph_order.SPACES}
    latin = {space: _latin(reading) for space, reading in readings.items()}
    space = max(latin, key=lambda space: _vowels(latin[space]))
    letters = latin[space]
    if not letters or _vowels(letters) < VOWEL_SHARE or _common(letters) < COMMON_SHARE:
        return None
    decoded = readings[space]
    return None if suspect(decoded) or _own_order(decoded) else space


def _own_order(decoded: str) -> bool:
    """The font numbers its glyphs past ASCII in an order of its own: more
    than OWN_ORDER_SHARE of the text's non-ASCII characters, and MIN_MISFITS
    or more, sit in a word (next to a lower-case ASCII letter) as what no
    word holds: a symbol, a figure or a stop rather than a letter or a quote
    mark, or a capital after a lower-case letter ("G½ran", "fÐte", "‰ngel"
    for "Göran", "fête", "Angel")."""
    beyond = sum(1 for ch in decoded if not ch.isascii() and ch != "\ufffd")
    misfits = 0
    for match in _IN_WORD.finditer(decoded):
        ch = match.group(1) or match.group(2)
        if ch.isalpha():
            misfits += bool(match.group(1)) and ch.isupper()  # a capital after a small letter
        else:
            misfits += unicodedata.category(ch) not in ("Pi", "Pf")
    return misfits >= MIN_MISFITS and misfits > OWN_ORDER_SHARE * beyond


def _latin(text: str) -> str:
    """The text's Latin letters, case folded, accents split off and dropped."""
    return _NOT_LATIN.sub("", unicodedata.normalize("NFKD", text.casefold()))


def _vowels(letters: str) -> float:
    """The share of VOWELS among ``letters`` (``_latin``)."""
    return sum(letters.count(ch) for ch in VOWELS) / len(letters) if letters else 0.0


def _common(letters: str) -> float:
    """The share of COMMON_LETTERS among ``letters`` (``_latin``)."""
    return sum(letters.count(ch) for ch in COMMON_LETTERS) / len(letters) if letters else 0.0


def _inner_capital(word: str) -> bool:
    """A capital after a small letter, but for a small prefix to capitals
    (a name's: "pTEX", "mRNA", "iOS")."""
    if word.islower() or word[1:].islower() or _PREFIXED_CAPITALS.fullmatch(word):
        return False
    return any(a.islower() and b.isupper() for a, b in itertools.pairwise(word))


def agreement(layer: str, ocr: str) -> float:
    """Bag-of-words F1 between the text layer's words and OCR's (case folded)."""
    ours, theirs = Counter(_tokens(layer)), Counter(_tokens(ocr))
    common = sum((ours & theirs).values())
    if not common:
        return 0.0
    precision, recall = common / sum(ours.values()), common / sum(theirs.values())
    return 2 * precision * recall / (precision + recall)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def better(ocr: str, layer: str, confidence: float | None = None) -> bool:
    """Whether our OCR reads a scanned page better than its invisible text
    layer (another OCR's reading). Not if the two agree (word F1 of
    SAME_READING or more: the producer's layer stays). Else OCR wins if the
    layer looks like a broken font map and OCR does not, if more of OCR's
    words are regular (letters, or a number, with their punctuation) by
    BETTER_BY (misreadings mix letters, digits and stray marks: "rn0re",
    "t|ie"), or if OCR read the page confidently (mean word confidence
    ``confidence`` of CONFIDENT or more) and its words are no less regular."""
    if not ocr.strip():
        return False
    if agreement(layer, ocr) >= SAME_READING:
        return False
    if suspect(layer) and not suspect(ocr):
        return True
    ours, theirs = regularity(ocr), regularity(layer)
    if ours > theirs + BETTER_BY:
        return True
    return confidence is not None and confidence >= CONFIDENT and ours >= theirs


def regularity(text: str) -> float:
    """The share of the text's words (runs without spaces) that are regular."""
    words = text.split()
    if not words:
        return 0.0
    return sum(1 for word in words if _REGULAR.fullmatch(word.lstrip(_OPENING))) / len(words)
