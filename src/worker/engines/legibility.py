"""Whether a PDF text layer reads as real text, and whether OCR agrees with it.

A text layer can lie: a font whose Unicode map is missing or wrong gives
Latin look-alikes for Cyrillic ("HanorosaR" for "Налоговая"), letters
shifted by a constant code-point offset ("Bohfm" for "Angel"), or private-use
code points. The glyphs on the page are right, so OCR reads such a page
correctly. Checking every page by OCR would cost a second a page, so a cheap
test on the text picks the suspects first (``suspect``), and OCR then
decides (``agreement``): a suspect page whose text OCR does not find is
replaced by what OCR reads.

Suspects (pages with enough letters to judge):

- few of the letters most common in every Latin-script language (e, a, i,
  n, o, r, s, t, l, d, u: two thirds or more of the letters of English,
  French, German, Spanish, Italian, Dutch, Portuguese, Polish or Czech
  text, accents set aside);
- many words with an upper-case letter after a lower-case one inside them
  ("npVIMeHeHVIeM"), which running text hardly ever has.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter

COMMON_LETTERS = frozenset("eainorstldu")
COMMON_SHARE = 0.6  # fewer common letters than this share of the Latin letters: suspect
MIN_LETTERS = 150  # ... judged on pages with at least this many Latin letters
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
_OPENING = '("\u201c\u2018['  # stripped from a word's start before it is judged


def suspect(text: str) -> bool:
    """The text looks like a wrongly mapped font rather than language."""
    # Latin letters, accents split off and dropped
    letters = _NOT_LATIN.sub("", unicodedata.normalize("NFKD", text.casefold()))
    if len(letters) >= MIN_LETTERS:
        common = sum(letters.count(ch) for ch in COMMON_LETTERS)
        if common < COMMON_SHARE * len(letters):
            return True
    words = _WORD.findall(text)
    if len(words) >= MIN_WORDS:
        mixed = sum(1 for word in words if _inner_capital(word))
        if mixed > MIXED_CASE_SHARE * len(words):
            return True
    return False


def _inner_capital(word: str) -> bool:
    if word.islower() or word[1:].islower():
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
