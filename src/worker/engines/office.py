"""Office and web documents to Markdown pages: DOCX, PPTX, XLSX, HTML, text.

DOCX, PPTX and XLSX are read by ``ooxml`` (see there for their pages);
HTML (parsed as browsers parse it by ``htmltree``, then markdownify; nothing
is fetched; scripts, styles and other non-text elements dropped; images
become their alt text, an ``<object>`` its fallback content) is one page;
plain text and Markdown pass through (UTF-8, CRLF to LF), split at form
feeds. A page longer than MAX_PAGE_CHARS is cut at a blank line (else a line
break) into several, so no page outgrows a gRPC message.

Errors, before the first page: CorruptFile (unreadable, not UTF-8, nested
too deeply), FileTooLarge (a zip declaring more than ZIP_MAX_UNPACKED_BYTES
unpacked), TooManyPages (counted before splitting; a split past the limit
raises it mid-document). MemoryError propagates (the sandbox reports it).
Libraries load on first use, so PDF-only workers never import them.
"""

from __future__ import annotations

import pathlib
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

from ilios.errors import CorruptFile, FileTooLarge, IliosError
from ilios.filetypes import DOCX, HTML, MARKDOWN, PPTX, TEXT, XLSX
from ilios.worker.engines import ooxml
from ilios.worker.engines.base import Page, check_page_count

TYPES = frozenset({DOCX, PPTX, XLSX, HTML, MARKDOWN, TEXT})
MAX_PAGE_CHARS = 1_000_000  # longer pages are split (UTF-8: at most 4 MB, gRPC's default)
ZIP_MAX_UNPACKED_BYTES = 2**30  # an Office zip declaring more than this, unpacked, is refused
# Elements whose content is not document text. Not ``object``: nothing is ever
# fetched, so its children (the fallback content) are what a reader sees.
HTML_DROPPED = tuple("head script style noscript template iframe embed svg canvas".split())
# A <header> or <footer> outside these is the page's banner or footer (HTML-AAM:
# roles banner and contentinfo), site navigation rather than the document.
HTML_SECTIONING = ["article", "aside", "main", "nav", "section"]
HTML_MAX_SPAN = 50  # a cell spanning more rows or columns is repeated in this many at most
HTML_MAX_SLOTS = 200_000  # table slots regularised per page at most (then left as they are)
_KINDS = {
    DOCX: "Word document",
    PPTX: "PowerPoint presentation",
    XLSX: "Excel workbook",
    HTML: "HTML page",
    MARKDOWN: "Markdown file",
    TEXT: "text file",
}
_Reader = Callable[[pathlib.Path], tuple[int, Iterator[str]]]


def pages(path: pathlib.Path, mime_type: str, max_pages: int) -> Iterator[Page]:
    """Yield the Markdown pages of an Office, HTML or text file (``mime_type`` in TYPES)."""
    kind = _KINDS[mime_type]
    converter: _Reader = {
        DOCX: ooxml.docx,
        PPTX: ooxml.pptx,
        XLSX: ooxml.xlsx,
        HTML: _html,
        MARKDOWN: _text,
        TEXT: _text,
    }[mime_type]
    if mime_type in (DOCX, PPTX, XLSX):
        _check_zip(path, kind)
    try:
        count, texts = converter(path)
        check_page_count(count, max_pages, at_least=True)
        number = 0
        for text in texts:
            for piece in _split(text):
                number += 1
                check_page_count(number, max_pages, at_least=True)
                yield Page(number, piece)
    except (IliosError, MemoryError):
        raise
    except RecursionError as exc:
        raise CorruptFile(f"The {kind} is nested too deeply to convert.", detail=repr(exc)) from exc
    except Exception as exc:  # the libraries' many parse errors
        raise CorruptFile(
            f"The {kind} is damaged or not what its type says and cannot be read: check that "
            "it opens in its application, then send it again.",
            detail=repr(exc),
        ) from exc


def _check_zip(path: pathlib.Path, kind: str) -> None:
    """Refuse an unreadable zip, or one whose entries declare more than
    ZIP_MAX_UNPACKED_BYTES (zipfile never inflates past a declared size)."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CorruptFile(
            f"The {kind} is damaged or truncated (it is not a readable zip package): check "
            "that it opens in its application, then send it again.",
            detail=repr(exc),
        ) from exc
    if unpacked > ZIP_MAX_UNPACKED_BYTES:
        raise FileTooLarge(
            f"The {kind} unpacks to {unpacked // 2**20} MiB; this service unpacks at most "
            f"{ZIP_MAX_UNPACKED_BYTES // 2**20} MiB. Remove large embedded media and send "
            "it again.",
            unpacked_bytes=str(unpacked),
        )


def _split(text: str) -> Iterator[str]:
    """``text`` in pieces of at most MAX_PAGE_CHARS, cut at blank lines or line breaks."""
    while len(text) > MAX_PAGE_CHARS:
        cut = text.rfind("\n\n", 0, MAX_PAGE_CHARS)
        if cut < MAX_PAGE_CHARS // 2:
            cut = text.rfind("\n", 0, MAX_PAGE_CHARS)
        if cut <= 0:
            cut = MAX_PAGE_CHARS
        yield text[:cut]
        text = text[cut:].lstrip("\n")
    yield text


# --- HTML and text ------------------------------------------------------------------------


def _html(path: pathlib.Path) -> tuple[int, Iterator[str]]:
    from bs4 import UnicodeDammit
    from markdownify import MarkdownConverter

    from ilios.worker.engines import htmltree

    # A byte-order mark, else <meta charset> or http-equiv, else a detected encoding
    # that decodes (UTF-8 before windows-1252): BeautifulSoup's own order for bytes.
    text = UnicodeDammit(path.read_bytes(), is_html=True).unicode_markup or ""
    soup = htmltree.parse(text)
    for tag in soup(HTML_DROPPED):
        tag.decompose()
    for tag in soup(hidden=True):  # not shown (but hidden="until-found": searchable, shown)
        if str(tag.get("hidden")).strip().lower() != "until-found" and not tag.decomposed:
            tag.decompose()
    for image in soup("img"):
        image.replace_with(_alt_word(image))
    for landmark in soup(["header", "footer"]):
        if landmark.find_parent(HTML_SECTIONING) is None and not landmark.decomposed:
            landmark.decompose()  # the page's banner or footer, not the document's
    for landmark in soup.select('[role="banner"], [role="contentinfo"]'):
        if not landmark.decomposed:
            landmark.decompose()
    _regular_tables(soup)
    for link in soup("a"):
        href = str(link.get("href", "")).strip()
        if href.lower().startswith(("javascript:", "data:")):
            del link["href"]
        elif href:  # parentheses and spaces would end a Markdown link destination
            link["href"] = href.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
        if link.has_attr("title"):
            del link["title"]  # a tooltip, not text of the page
    converter = MarkdownConverter(
        heading_style="ATX",
        bullets="-",
        escape_underscores=False,
        escape_asterisks=False,
        table_infer_header=True,
    )
    markdown = re.sub(r"\n{3,}", "\n\n", converter.convert_soup(soup)).strip()
    return 1, iter([markdown])


def _alt_word(image: Any) -> str:
    """An image's alt text, as a word of its own: set apart by a space from
    text that touches it in the same element (an icon before a list item's
    words: "PDF Advanced PDF understanding", not "PDFAdvanced")."""
    alt = str(image.get("alt") or "").strip()
    if not alt:
        return ""
    before, after = image.previous_sibling, image.next_sibling
    before_text = before.get_text() if before is not None else ""
    after_text = after.get_text() if after is not None else ""
    head = " " if before_text[-1:].strip() else ""
    tail = " " if after_text[:1].strip() else ""
    return head + alt + tail


def _regular_tables(soup: Any) -> None:
    """Make every table a plain grid that a pipe table can show: a table in
    a cell becomes its text (a row after another, cells separated by
    spaces), and a cell spanning rows or columns is repeated in each slot
    it covers (as DOCX merged cells are). Spans past HTML_MAX_SPAN, or
    tables past HTML_MAX_SLOTS in all, are left as the page has them."""
    budget = HTML_MAX_SLOTS
    for table in reversed(soup("table")):  # the innermost first
        if table.find_parent(["td", "th"]) is not None:
            texts = [
                " ".join(cell.get_text(" ", strip=True) for cell in _cells(row))
                for row in _rows(table)
            ]
            table.replace_with(" ".join(text for text in texts if text))
            continue
        rows = _rows(table)
        grid: dict[tuple[int, int], Any] = {}
        for r, row in enumerate(rows):
            c = 0
            for cell in _cells(row):
                while (r, c) in grid:
                    c += 1
                width, height = _span(cell, "colspan"), _span(cell, "rowspan")
                for dr in range(min(height, len(rows) - r)):
                    for dc in range(width):
                        grid[(r + dr, c + dc)] = cell
                c += width
        budget -= len(grid)
        if budget < 0:
            return
        if all(_span(cell, "colspan") == _span(cell, "rowspan") == 1 for cell in grid.values()):
            continue
        width = 1 + max((c for _, c in grid), default=0)
        for r, row in enumerate(rows):
            row.clear()  # the cells, and the white space between them
            for c in range(width):
                cell = grid.get((r, c))
                if cell is None:
                    row.append(soup.new_tag("td"))
                    continue
                copy = cell if cell.parent is None else _copy(cell)
                for name in ("colspan", "rowspan"):
                    if copy.has_attr(name):
                        del copy[name]
                row.append(copy)


def _rows(table: Any) -> list[Any]:
    """The table's own rows (not those of tables inside it)."""
    return [row for row in table("tr") if row.find_parent("table") is table]


def _cells(row: Any) -> list[Any]:
    return row.find_all(["td", "th"], recursive=False)


def _span(cell: Any, name: str) -> int:
    value = str(cell.get(name, "1")).strip()
    return min(max(int(value), 1), HTML_MAX_SPAN) if value.isdigit() else 1


def _copy(cell: Any) -> Any:
    import copy

    return copy.copy(cell)


def _text(path: pathlib.Path) -> tuple[int, Iterator[str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorruptFile(
            f"The text file is not UTF-8 (invalid byte at offset {exc.start}): save it as "
            "UTF-8 and send it again.",
            offset=str(exc.start),
        ) from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    sheets = text.split("\f")  # form feeds separate pages
    return len(sheets), iter(sheets)
