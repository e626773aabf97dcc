"""Office Open XML readers for the office converter: DOCX, PPTX, XLSX.

Each reader takes a path (whatever its name: stored files are named by blob
key, without an extension) and returns ``(page count, page texts)``; the count
is known before any page is built, so the caller can refuse a document with
too many pages first. Parse errors propagate raw (``office.pages`` maps
them to CorruptFile).

- DOCX (python-docx): headings from "Heading N"/"Title" styles; bulleted and
  numbered lists from Word numbering (nesting by level, 4 spaces a level);
  bold/italic from direct run formatting; hyperlinks; tables. One page,
  split after each hard page break.
- PPTX (python-pptx): a page per slide; the title as ``#``; shapes in reading
  order (top, then left; groups opened); body placeholders bullet as in
  PowerPoint unless ``buNone``; tables.
- XLSX (openpyxl, read-only, cached values): a page per sheet, ``## name``
  and a table of at most XLSX_MAX_ROWS x XLSX_MAX_COLS cells.
"""

from __future__ import annotations

import contextlib
import datetime
import pathlib
import re
from collections.abc import Iterator
from typing import Any

XLSX_MAX_ROWS = 10_000  # rows shown per sheet
XLSX_MAX_COLS = 200  # columns shown per sheet
_HEADING = re.compile(r"(?:Heading|heading) ([1-6])$")


# --- Markdown building blocks --------------------------------------------------


def table_markdown(rows: list[list[str]]) -> str:
    """A Markdown table; the first row is the header. Cells are one line, ``|`` escaped."""
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    lines = []
    for i, row in enumerate(rows):
        cells = [" ".join(c.replace("|", "\\|").split()) for c in row] + [""] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
        if i == 0:
            lines.append("|" + " --- |" * width)
    return "\n".join(lines)


def _emphasis(text: str, bold: bool, italic: bool) -> str:
    """``text`` wrapped in ``**``/``*``, with its outer spaces kept outside the markers."""
    core = text.strip()
    if not core or not (bold or italic):
        return text
    mark = ("**" if bold else "") + ("*" if italic else "")
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return f"{lead}{mark}{core}{mark[::-1]}{trail}"


def _join_blocks(blocks: list[tuple[str, bool]]) -> str:
    """Blocks (text, is_list_item) separated by blank lines; list items by one break."""
    out = ""
    for i, (text, item) in enumerate(blocks):
        if i:
            out += "\n" if item and blocks[i - 1][1] else "\n\n"
        out += text
    return out


# --- DOCX -------------------------------------------------------------------------


def docx(path: pathlib.Path) -> tuple[int, Iterator[str]]:
    import docx as python_docx
    from docx.table import Table

    document = python_docx.Document(str(path))
    numbering = _DocxLists(document)
    pages_out: list[str] = []
    blocks: list[tuple[str, bool]] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.append((table_markdown(_docx_rows(item)), False))
            continue
        text, is_item = numbering.paragraph(item)
        if text.strip():
            blocks.append((text, is_item))
        for inner in _text_boxes(item):
            text, is_item = numbering.paragraph(inner)
            if text.strip():
                blocks.append((text, is_item))
        if item._p.xpath(".//w:br[@w:type='page']"):  # a hard page break ends the page
            pages_out.append(_join_blocks(blocks))
            blocks = []
    if blocks or not pages_out:
        pages_out.append(_join_blocks(blocks))
    return len(pages_out), iter(pages_out)


def _text_boxes(paragraph: Any) -> list[Any]:
    """The paragraphs of the text boxes anchored in ``paragraph``, in document
    order. A text box is stored twice (DrawingML, and VML as the fallback for
    old readers inside mc:AlternateContent): the fallback copy is skipped."""
    from docx.text.paragraph import Paragraph

    found = paragraph._p.xpath(".//w:txbxContent[not(ancestor::*[local-name()='Fallback'])]//w:p")
    return [Paragraph(p, paragraph._parent) for p in found]


def _docx_rows(table: Any) -> list[list[str]]:
    """Cell texts by row; a cell merged across columns keeps its text in the first only."""
    rows = []
    for row in table.rows:
        cells, previous = [], None
        for cell in row.cells:
            cells.append(
                "" if cell._tc is previous else "<br>".join(p.text for p in cell.paragraphs)
            )
            previous = cell._tc
        rows.append(cells)
    return rows


class _DocxLists:
    """Paragraphs to Markdown, numbering list items per list and level."""

    def __init__(self, document: Any) -> None:
        self.counters: dict[tuple[str, int], int] = {}
        try:
            self.numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):  # no numbering part
            self.numbering = None

    def paragraph(self, paragraph: Any) -> tuple[str, bool]:
        """(Markdown, is a list item) of one paragraph."""
        style = paragraph.style.name if paragraph.style is not None else ""
        heading = _HEADING.match(style)
        if heading or style == "Title":
            level = int(heading.group(1)) if heading else 1
            return "#" * level + " " + " ".join(paragraph.text.split()), False
        text = _docx_inline(paragraph).replace("\t", " ").strip()
        marker = self._marker(paragraph)
        if marker is None or not text:
            return text, False
        return marker + text, True

    def _marker(self, paragraph: Any) -> str | None:
        num = _num_pr(paragraph._p) or self._style_num(paragraph.style)
        if num is None:
            return None
        list_id, level = num
        for key in [k for k in self.counters if k[0] == list_id and k[1] > level]:
            del self.counters[key]  # a shallower item restarts deeper numbering
        indent = "    " * level
        if self._format(list_id, level) in ("bullet", "none"):
            return indent + "- "
        count = self.counters[(list_id, level)] = self.counters.get((list_id, level), 0) + 1
        return f"{indent}{count}. "

    @staticmethod
    def _style_num(style: Any) -> tuple[str, int] | None:
        """The numbering a paragraph style (or a style it is based on) carries, as
        "List Bullet 2" does; its level is the name's digit when the style gives none."""
        name = style.name if style is not None else ""
        while style is not None:
            found = _num_pr(style.element)
            if found is not None:
                digit = name[-1] if name[-1:].isdigit() else ""
                has_level = style.element.xpath("./w:pPr/w:numPr/w:ilvl")
                return found[0], found[1] if has_level or not digit else int(digit) - 1
            style = style.base_style
        return None

    def _format(self, num_id: str, level: int) -> str:
        if self.numbering is None:
            return "bullet"
        abstract = self.numbering.xpath(f"./w:num[@w:numId='{num_id}']/w:abstractNumId/@w:val")
        if not abstract:
            return "bullet"
        found = self.numbering.xpath(
            f"./w:abstractNum[@w:abstractNumId='{abstract[0]}']"
            f"/w:lvl[@w:ilvl='{level}']/w:numFmt/@w:val"
        )
        return str(found[0]) if found else "bullet"


def _num_pr(element: Any) -> tuple[str, int] | None:
    """(numId, level) of a paragraph's or style's w:numPr, if it numbers."""
    ids = element.xpath("./w:pPr/w:numPr/w:numId/@w:val")
    if not ids or ids[0] == "0":  # numId 0 switches numbering off
        return None
    levels = element.xpath("./w:pPr/w:numPr/w:ilvl/@w:val")
    return str(ids[0]), int(levels[0]) if levels else 0


def _docx_inline(paragraph: Any) -> str:
    """Runs with bold/italic markers (direct formatting; neighbours formatted alike are
    merged first, as Word splits runs anywhere), hyperlinks as Markdown links."""
    from docx.text.hyperlink import Hyperlink

    spans: list[list[Any]] = []  # [text, bold, italic]
    for item in paragraph.iter_inner_content():
        if isinstance(item, Hyperlink):
            text = item.text
            link = f"[{text}]({item.address})" if item.address and text.strip() else text
            spans.append([link, False, False])
            continue
        style = [bool(item.bold), bool(item.italic)]
        if spans and spans[-1][1:] == style:
            spans[-1][0] += item.text
        else:
            spans.append([item.text, *style])
    return "".join(_emphasis(text, bold, italic) for text, bold, italic in spans)


# --- PPTX ----------------------------------------------------------------------------


def pptx(path: pathlib.Path) -> tuple[int, Iterator[str]]:
    from pptx import Presentation

    slides = list(Presentation(str(path)).slides)
    return len(slides), (_slide(slide) for slide in slides)


def _slide(slide: Any) -> str:
    title = slide.shapes.title
    blocks: list[tuple[str, bool]] = []
    if title is not None and title.text_frame.text.strip():
        blocks.append(("# " + " ".join(title.text_frame.text.split()), False))
    for shape in _reading_order(slide.shapes):
        if title is not None and shape.shape_id == title.shape_id:
            continue
        if getattr(shape, "has_table", False):
            rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
            blocks.append((table_markdown(rows), False))
        elif getattr(shape, "has_chart", False):
            blocks.extend((part, False) for part in _chart(shape.chart))
        elif getattr(shape, "has_text_frame", False):
            blocks.extend(_text_frame(shape))
    return _join_blocks(blocks)


def _chart(chart: Any) -> list[str]:
    """A chart's title and its data as a table: a row per category, a
    column per series (what the chart shows, as text)."""
    out = []
    if chart.has_title and chart.chart_title.has_text_frame:
        title = " ".join(chart.chart_title.text_frame.text.split())
        if title:
            out.append(title)
    try:
        plot = chart.plots[0]
        categories = [str(c) for c in plot.categories]
        series = list(plot.series)
    except (IndexError, KeyError, ValueError, AttributeError):
        return out  # a chart type python-pptx cannot read: its title only
    if categories and series:
        rows = [["", *(s.name or "" for s in series)]]
        for i, category in enumerate(categories):
            values = [s.values[i] if i < len(s.values) else None for s in series]
            rows.append([category, *("" if v is None else f"{v:g}" for v in values)])
        out.append(table_markdown(rows))
    return out


def _reading_order(shapes: Any) -> Iterator[Any]:
    """Shapes top to bottom, then left to right; groups opened in place."""
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    for shape in sorted(shapes, key=lambda s: (s.top or 0, s.left or 0)):
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _reading_order(shape.shapes)
        else:
            yield shape


def _text_frame(shape: Any) -> list[tuple[str, bool]]:
    """Paragraphs of a text shape; body placeholders bullet by default, as PowerPoint does."""
    from pptx.enum.shapes import PP_PLACEHOLDER

    kind = shape.placeholder_format.type if shape.is_placeholder else None
    body = kind in (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT)
    out: list[tuple[str, bool]] = []
    counters: dict[int, int] = {}
    for para in shape.text_frame.paragraphs:
        text = " ".join(para.text.replace("\v", " ").split())
        if not text:
            continue
        ppr = para._p.pPr
        tags = {child.tag.rsplit("}", 1)[-1] for child in ppr} if ppr is not None else set()
        if "buAutoNum" in tags:
            counters[para.level] = counters.get(para.level, 0) + 1
            out.append(("    " * para.level + f"{counters[para.level]}. " + text, True))
        elif "buChar" in tags or (body and "buNone" not in tags):
            out.append(("    " * para.level + "- " + text, True))
        else:
            out.append((text, False))
    return out


# --- XLSX ------------------------------------------------------------------------------


def xlsx(path: pathlib.Path) -> tuple[int, Iterator[str]]:
    import openpyxl

    # Given a path, openpyxl refuses any name not ending in .xlsx, .xlsm, .xltx or
    # .xltm, and stored files are named by their blob key: it gets the open file,
    # whose content alone decides.
    stream = path.open("rb")
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except BaseException:
        stream.close()
        raise

    def sheets() -> Iterator[str]:
        with stream, contextlib.closing(workbook):
            # A generator runs its clean-up only once started: it is started below,
            # so closing or dropping it closes the file even before the first sheet.
            yield ""
            for name in workbook.sheetnames:
                yield _sheet(name, workbook[name])

    texts = sheets()
    next(texts)
    return len(workbook.sheetnames), texts


def _sheet(name: str, sheet: Any) -> str:
    """``## name`` and the used cells as tables (see ``_blocks``)."""
    if not hasattr(sheet, "iter_rows"):  # a chart sheet
        return f"## {name}"
    rows = [
        [_cell_text(value) for value in row]
        for row in sheet.iter_rows(
            max_row=XLSX_MAX_ROWS + 1, max_col=XLSX_MAX_COLS + 1, values_only=True
        )
    ]
    notes = []
    if len(rows) > XLSX_MAX_ROWS:  # read-only sheets yield rows past the data only if there are
        notes.append(f"_Only the first {XLSX_MAX_ROWS:,} rows are shown._")
    rows = rows[:XLSX_MAX_ROWS]  # empty rows stay: they keep tables apart
    if any(len(row) > XLSX_MAX_COLS and row[XLSX_MAX_COLS] for row in rows):
        notes.append(f"_Only the first {XLSX_MAX_COLS} columns are shown._")
    rows = [row[:XLSX_MAX_COLS] for row in rows]
    tables = [table_markdown(block) for block in _blocks(rows)]
    return "\n\n".join(part for part in (f"## {name}", *tables, *notes) if part)


def _blocks(rows: list[list[str]]) -> list[list[list[str]]]:
    """The sheet's tables: groups of filled cells that touch (also corner to
    corner), each cut out by its bounding box, top to bottom, then left to
    right. Several tables side by side or one under another on one sheet
    come out as separate tables, not as one table padded with empty cells."""
    filled = {(r, c) for r, row in enumerate(rows) for c, cell in enumerate(row) if cell}
    seen: set[tuple[int, int]] = set()
    boxes = []
    for start in sorted(filled):
        if start in seen:
            continue
        seen.add(start)
        stack, cells = [start], []
        while stack:
            r, c = stack.pop()
            cells.append((r, c))
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    near = (r + dr, c + dc)
                    if near in filled and near not in seen:
                        seen.add(near)
                        stack.append(near)
        top, bottom = min(r for r, _ in cells), max(r for r, _ in cells)
        left, right = min(c for _, c in cells), max(c for _, c in cells)
        boxes.append((top, left, bottom, right))
    return [
        [
            rows[r][left : right + 1] + [""] * (right + 1 - len(rows[r]))
            for r in range(top, bottom + 1)
        ]
        for top, left, bottom, right in sorted(boxes)
    ]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return f"{value:.15g}"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else str(value)
    return str(value)
