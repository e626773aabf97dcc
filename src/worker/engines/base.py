"""The engine interface: what a conversion engine yields, and how pages join.

An engine turns one stored file into Markdown, one page at a time. Each
page's Markdown is self-contained (no page-break markers inside); the service
joins them (``join_pages``).
"""

from __future__ import annotations

import contextlib
import pathlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ilios.errors import CorruptFile, FileTooLarge, TooManyPages
from ilios.markdown import join_pages as _join_numbered


@dataclass(frozen=True, slots=True)
class Page:
    """One converted page."""

    number: int  # 1-based page number
    markdown: str  # this page only; may be "" for a blank page
    # True when the engine knows no page follows: the worker then stores this
    # page with the result, in one commit instead of two.
    last: bool = False


@dataclass(slots=True)
class Usage:
    """What one conversion consumed, as the engine reports it (filled in as it runs)."""

    pages: int = 0  # pages the engine processed (what is billed); 0: one per page yielded
    input_tokens: int = 0
    output_tokens: int = 0
    model: str = ""  # the model the engine's service reported; "": the engine's ``model``


@runtime_checkable
class Engine(Protocol):
    """A converter from a stored file to Markdown pages.

    ``pages`` yields each page as soon as it is converted, in page order,
    starting at 1, and adds what it consumed to ``usage`` (if given).
    Failures are ``ilios.errors`` classes raised by the iterator;
    document-level ones (unreadable, encrypted, too many pages, unsupported
    type) are raised before the first page is yielded.
    """

    name: str  # engine family, e.g. "local"
    model: str  # engine version recorded with each conversion, e.g. "ilios-local-1"

    def pages(
        self,
        path: pathlib.Path,
        mime_type: str,
        usage: Usage | None = None,
        languages: Sequence[str] | None = None,
    ) -> Iterator[Page]:
        """The document's pages; ``languages``: the OCR model codes it is written
        in (None: the engine's default; engines without OCR models ignore it)."""
        ...


def join_pages(pages: Iterable[Page]) -> str:
    """A whole document: page 1, then ``"\\n\\n<!-- page N -->\\n\\n"`` before each
    later page N. Delegates to ``ilios.markdown.join_pages``, the service's one
    joining rule (it also strips each page and ends the text with a newline)."""
    return _join_numbered((page.number, page.markdown) for page in pages)


@contextlib.contextmanager
def decoding_image(what: str = "image") -> Iterator[None]:
    """Turn Pillow's decoding failures into the error tree (for every engine)."""
    from PIL import Image

    try:
        yield
    except Image.DecompressionBombError as exc:
        raise FileTooLarge(
            "The image has more pixels than this service accepts: scale it down "
            "(300 DPI is plenty for text) and send it again.",
            detail=str(exc),
        ) from exc
    except (OSError, ValueError, EOFError, SyntaxError) as exc:
        raise CorruptFile(
            f"The {what} is damaged or truncated and cannot be decoded: check that it opens "
            "in an image viewer, then send it again.",
            detail=str(exc),
        ) from exc


def check_page_count(count: int, max_pages: int, at_least: bool = False) -> None:
    """Raise TooManyPages when ``count`` (or, with ``at_least``, a lower bound) is over."""
    if count > max_pages:
        has = f"at least {count}" if at_least else str(count)
        raise TooManyPages(
            f"The document has {has} pages; this service converts at most "
            f"{max_pages}. Split it into smaller documents and send them separately.",
            pages=str(count),
            max_pages=str(max_pages),
        )
