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

_WORD = re.compile(r"[^\W\d_]{3,}")
_TOKEN = re.compile(r"[^\W_]+")


def suspect(text: str) -> bool:
    """The text looks like a wrongly mapped font rather than language."""
    letters = [
        ch
        for ch in unicodedata.normalize("NFKD", text.casefold())
        if "a" <= ch <= "z"  # Latin letters, accents split off and dropped
    ]
    if len(letters) >= MIN_LETTERS:
        common = sum(1 for ch in letters if ch in COMMON_LETTERS)
        if common < COMMON_SHARE * len(letters):
            return True
    words = _WORD.findall(text)
    if len(words) >= MIN_WORDS:
        mixed = sum(1 for word in words if _inner_capital(word))
        if mixed > MIXED_CASE_SHARE * len(words):
            return True
    return False


def _inner_capital(word: str) -> bool:
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
