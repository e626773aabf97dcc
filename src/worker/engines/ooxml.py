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
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import Any

CHART_KINDS = {  # DrawingML chart elements (less "Chart", "3DChart") -> what a reader calls them
    "bar": "Bar", "line": "Line", "pie": "Pie", "ofPie": "Pie", "doughnut": "Doughnut",
    "area": "Area", "scatter": "Scatter", "bubble": "Bubble", "radar": "Radar",
    "stock": "Stock", "surface": "Surface",
}  # fmt: skip
_CHART_NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
SAME_ROW = 0.1  # slide shapes whose tops differ by at most this share of the lower one: a row
XLSX_MAX_ROWS = 10_000  # rows shown per sheet
XLSX_MAX_COLS = 200  # columns shown per sheet
XLSX_MAX_MERGES = 100_000  # merged ranges read per sheet
XLSX_MAX_PART_BYTES = 20 * 2**20  # larger drawing or chart parts are not read
_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([$A-Z0-9]+):([$A-Z0-9]+)"')
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
            blocks.append((table_markdown(_docx_rows(item, numbering)), False))
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


def _docx_rows(table: Any, numbering: _DocxLists) -> list[list[str]]:
    """Cell texts by row and grid column: a merged cell's text in every grid
    cell it covers (as Word shows it across them), a row that starts late
    (``w:gridBefore``) shifted right."""
    rows = []
    for row in table.rows:
        texts: dict[int, str] = {}  # the same cell spans several grid columns
        cells = [""] * row.grid_cols_before
        for cell in row.cells:
            if id(cell._tc) not in texts:
                texts[id(cell._tc)] = _docx_cell(cell, numbering)
            cells.append(texts[id(cell._tc)])
        rows.append(cells)
    return rows


def _docx_cell(cell: Any, numbering: _DocxLists) -> str:
    """A cell's paragraphs (list items with their markers, emphasis, links)
    and nested tables (a line per row, its cells separated by spaces), one
    ``<br>`` between blocks."""
    from docx.table import Table

    parts = []
    for item in cell.iter_inner_content():
        if isinstance(item, Table):
            parts += [" ".join(row) for row in _docx_rows(item, numbering)]
            continue
        text, _ = numbering.paragraph(item)
        parts.append(text.lstrip("#").strip())
    return "<br>".join(part for part in parts if part.strip())


class _DocxLists:
    """Paragraphs to Markdown, with Word's numbering labels ("2.3.1.", "a)",
    "IV") computed per list and level as Word shows them: a level's counter
    starts at its ``w:start`` (or the list's ``w:startOverride``), counts up
    and restarts when a shallower level moves on; ``%N`` in the level's
    ``w:lvlText`` is level N's counter in its ``w:numFmt``."""

    def __init__(self, document: Any) -> None:
        self.counters: dict[tuple[str, int], int] = {}
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}
        try:
            self.numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):  # no numbering part
            self.numbering = None

    def paragraph(self, paragraph: Any) -> tuple[str, bool]:
        """(Markdown, is a list item) of one paragraph. A heading shows its
        number before its text; a list item whose label is a plain "N." is a
        Markdown numbered item, a bullet a ``-`` item, any other label
        ("1.2.", "a)") is kept as text after a ``-``."""
        level = _heading_level(paragraph.style)
        label = self._label(paragraph)
        if level is not None:
            text = " ".join(paragraph.text.split())
            number = f"{label[1]} " if label and label[0] != "bullet" and label[1] else ""
            return "#" * level + " " + number + text, False
        text = _docx_inline(paragraph).replace("\t", " ").strip()
        if label is None or not text:
            return text, False
        kind, mark, depth = label
        indent = "    " * depth
        if kind == "bullet":
            return f"{indent}- {text}", True
        if kind == "plain":
            return f"{indent}{mark} {text}", True
        if not mark:  # numbering without a visible label
            return text, False
        return f"{indent}- {mark} {text}", True

    def _label(self, paragraph: Any) -> tuple[str, str, int] | None:
        """(kind, label, level) of a numbered paragraph, counting it; kind is
        "bullet", "plain" (a decimal "N.") or "label"; None if not numbered."""
        num = _num_pr(paragraph._p) or self._style_num(paragraph.style)
        if num is None:
            return None
        list_id, level = num
        fmt, text, _ = self._level(list_id, level)
        if fmt == "bullet":
            return "bullet", "", level
        for key in [k for k in self.counters if k[0] == list_id and k[1] > level]:
            del self.counters[key]  # a shallower item restarts deeper numbering
        key = (list_id, level)
        self.counters[key] = self.counters[key] + 1 if key in self.counters else self._start(key)
        label = re.sub(r"%([1-9])", lambda m: self._counter(list_id, int(m.group(1)) - 1), text)
        plain = fmt == "decimal" and text == f"%{level + 1}."
        return ("plain" if plain else "label"), label.strip(), level

    def _counter(self, list_id: str, level: int) -> str:
        """Level ``level``'s counter in its format. A level shown before any
        item of its own counts as its start from then on (Word numbers
        "2.1.1" then "2.2" when a level-3 heading follows a level-1 one)."""
        fmt, _, _ = self._level(list_id, level)
        value = self.counters.setdefault((list_id, level), self._start((list_id, level)))
        return _number_format(value, fmt)

    def _start(self, key: tuple[str, int]) -> int:
        return self._level(*key)[2]

    def _level(self, num_id: str, level: int) -> tuple[str, str, int]:
        """(numFmt, lvlText, start) of a list's level; a bullet where undefined."""
        key = (num_id, level)
        if key not in self.levels:
            self.levels[key] = self._read_level(num_id, level)
        return self.levels[key]

    def _read_level(self, num_id: str, level: int) -> tuple[str, str, int]:
        if self.numbering is None:
            return "bullet", "", 1
        num = self.numbering.xpath(f"./w:num[@w:numId='{num_id}']")
        if not num:
            return "bullet", "", 1
        override = num[0].xpath(f"./w:lvlOverride[@w:ilvl='{level}']")
        found = override[0].xpath("./w:lvl") if override else []
        if not found:
            abstract = num[0].xpath("./w:abstractNumId/@w:val")
            found = self.numbering.xpath(
                f"./w:abstractNum[@w:abstractNumId='{abstract[0] if abstract else ''}']"
                f"/w:lvl[@w:ilvl='{level}']"
            )
        if not found:
            return "bullet", "", 1
        from docx.oxml.ns import qn

        def value(element: Any, tag: str, default: str) -> str:
            child = element.find(qn(tag)) if element is not None else None
            found = child.get(qn("w:val")) if child is not None else None
            return str(found) if found is not None else default

        lvl = found[0]
        start = value(override[0] if override else None, "w:startOverride", "")
        start = start or value(lvl, "w:start", "1")
        fmt, text = value(lvl, "w:numFmt", "decimal"), value(lvl, "w:lvlText", "")
        return fmt, text, int(start) if start.isdigit() else 1

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


def _heading_level(style: Any) -> int | None:
    """1-6 for a "Heading N" or "Title" style, or a style based on one; else None."""
    for _ in range(10):  # base styles chain; a loop in a damaged file ends here
        if style is None:
            return None
        name = style.name or ""
        heading = _HEADING.match(name)
        if heading:
            return int(heading.group(1))
        if name == "Title":
            return 1
        style = style.base_style
    return None


def _number_format(value: int, fmt: str) -> str:
    """``value`` as Word writes it in numbering format ``fmt`` (decimal for
    formats not listed: ordinals, CJK counting...)."""
    if fmt in ("lowerLetter", "upperLetter"):
        letters = ""
        while value > 0:
            value, rest = divmod(value - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return letters.upper() if fmt == "upperLetter" else letters
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(value)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt == "none":
        return ""
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)


def _roman(value: int) -> str:
    out = ""
    for number, letters in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        count, value = divmod(value, number)
        out += letters * count
    return out


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
            blocks.append((table_markdown(_pptx_rows(shape.table)), False))
        elif getattr(shape, "has_chart", False):
            blocks.extend((part, False) for part in _chart(shape.chart))
        elif getattr(shape, "has_text_frame", False):
            blocks.extend(_text_frame(shape))
    return _join_blocks(blocks)


def _pptx_rows(table: Any) -> list[list[str]]:
    """Cell texts by row; a merged cell's text in every cell it covers."""
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            if cell.is_merge_origin:
                for dr in range(cell.span_height):
                    for dc in range(cell.span_width):
                        if r + dr < len(rows) and c + dc < len(rows[r + dr]):
                            rows[r + dr][c + dc] = cell.text
    return rows


def _chart(chart: Any) -> list[str]:
    """A chart's title, its kind ("Bar chart") and its data as a table: a
    row per category (or x value), a column per series, read from the
    values cached in the chart (what the chart shows, as text)."""
    out = []
    if chart.has_title and chart.chart_title.has_text_frame:
        title = " ".join(chart.chart_title.text_frame.text.split())
        if title:
            out.append(title)
    plots = _xpath(chart._chartSpace, "./c:chart/c:plotArea/*[c:ser]")
    if not plots:
        return out
    kind = re.sub(r"(3D)?Chart$", "", plots[0].tag.rpartition("}")[2])
    out.append(f"{CHART_KINDS.get(kind, 'Other')} chart")
    series = _xpath(plots[0], "./c:ser")
    columns = [_chart_points(ser, ("c:cat", "c:xVal")) for ser in series]
    values = [_chart_points(ser, ("c:val", "c:yVal")) for ser in series]
    categories = next((c for c in columns if c), {})
    indices = sorted(set(categories).union(*(v.keys() for v in values)))
    if indices and values:
        names = [_series_name(ser) for ser in series]
        rows = [["", *names]]
        for i in indices[:XLSX_MAX_ROWS]:
            rows.append([categories.get(i, ""), *(v.get(i, "") for v in values)])
        out.append(table_markdown(rows))
    return out


def _series_name(series: Any) -> str:
    """The series' name: its cached text (c:v), else its rich text (a:t)."""
    parts = _xpath(series, "./c:tx//c:v/text()") or _xpath(
        series, "./c:tx//*[local-name()='t']/text()"
    )
    return " ".join(" ".join(str(part) for part in parts).split())


def _chart_points(series: Any, tags: tuple[str, ...]) -> dict[int, str]:
    """A series' cached points (index -> text) under the first of ``tags``
    it has (categories: c:cat or c:xVal; values: c:val or c:yVal)."""
    for tag in tags:
        points = _xpath(series, f"./{tag}//c:pt")
        if points:
            out = {}
            for pt in points:
                index = str(pt.get("idx", ""))
                text = " ".join(_xpath(pt, "string(./c:v)").split())
                with contextlib.suppress(ValueError):
                    text = f"{float(text):g}" if text else text
                if index.isdigit():
                    out[int(index)] = text
            return out
    return {}


def _xpath(element: Any, path: str) -> Any:
    """``path`` evaluated on any chart element (DrawingML chart namespace as ``c:``)."""
    from lxml import etree

    return etree.XPath(path, namespaces=_CHART_NS)(element)


def _reading_order(shapes: Any) -> Iterator[Any]:
    """Shapes in rows, top to bottom, each row left to right; groups opened
    in place. A shape joins a row when its top edge lines up with the row's
    first shape's (boxes laid out side by side, whose tops differ a little)."""
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    rows: list[list[Any]] = []
    for shape in sorted(shapes, key=lambda s: (s.top or 0, s.left or 0)):
        first = rows[-1][0] if rows else None
        if first is not None and _same_row(first, shape):
            rows[-1].append(shape)
        else:
            rows.append([shape])
    for row in rows:
        for shape in sorted(row, key=lambda s: s.left or 0):
            if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
                yield from _reading_order(shape.shapes)
            else:
                yield shape


def _same_row(a: Any, b: Any) -> bool:
    """Top edges aligned: within SAME_ROW of the lower shape's height."""
    height = min(a.height or 0, b.height or 0)
    return abs((a.top or 0) - (b.top or 0)) <= SAME_ROW * height


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
        archive = zipfile.ZipFile(stream)  # merged cells and charts: read-only mode skips them
    except BaseException:
        stream.close()
        raise
    # Hidden sheets are not shown to the workbook's readers (all, if every one is hidden).
    names = [n for n in workbook.sheetnames if workbook[n].sheet_state == "visible"]
    names = names or workbook.sheetnames

    def sheets() -> Iterator[str]:
        with stream, contextlib.closing(workbook), archive:
            # A generator runs its clean-up only once started: it is started below,
            # so closing or dropping it closes the file even before the first sheet.
            yield ""
            for name in names:
                yield _sheet(name, workbook[name], archive)

    texts = sheets()
    next(texts)
    return len(names), texts


def _sheet(name: str, sheet: Any, archive: zipfile.ZipFile) -> str:
    """``## name``, then the used cells as tables (see ``_blocks``; a merged
    range shows its value in each of its cells) and the sheet's charts (see
    ``_chart``), in reading order of their top left cells."""
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
    part = getattr(sheet, "_worksheet_path", "")
    _fill_merged(rows, _merged_ranges(archive, part))
    placed = [((top, left), table_markdown(block)) for (top, left), block in _blocks(rows)]
    placed += [(at, "\n\n".join(parts)) for at, parts in _sheet_charts(archive, part)]
    items = [text for _, text in sorted(placed, key=lambda item: item[0])]
    return "\n\n".join(part for part in (f"## {name}", *items, *notes) if part)


def _merged_ranges(archive: zipfile.ZipFile, part: str) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges as (first row, first column, last row, last
    column), 0-based; at most XLSX_MAX_MERGES. Found by scanning the sheet's
    XML in chunks (the ranges follow the cell data), never holding all of it."""
    found: list[tuple[int, int, int, int]] = []
    try:
        stream = archive.open(part)
    except KeyError:
        return found
    with stream:
        tail = b""
        while len(found) < XLSX_MAX_MERGES:
            chunk = stream.read(2**20)
            if not chunk:
                break
            data = tail + chunk
            for match in _MERGE_CELL.finditer(data):
                if match.end() <= len(tail):
                    continue  # inside the tail: counted with the chunk before
                first, last = _cell_ref(match.group(1)), _cell_ref(match.group(2))
                if first and last:
                    found.append((*first, *last))
            tail = data[-256:]  # longer than any mergeCell element
    return found[:XLSX_MAX_MERGES]


def _cell_ref(ref: bytes) -> tuple[int, int] | None:
    """(row, column), 0-based, of an A1-style reference."""
    match = re.fullmatch(rb"\$?([A-Z]{1,3})\$?(\d{1,7})", ref)
    if match is None:
        return None
    column = 0
    for letter in match.group(1):
        column = column * 26 + letter - ord("A") + 1
    return int(match.group(2)) - 1, column - 1


def _fill_merged(rows: list[list[str]], ranges: list[tuple[int, int, int, int]]) -> None:
    """Each merged range's value (its top left cell's) in all of its cells
    that the rows hold, as DOCX and HTML merged cells come out."""
    for top, left, bottom, right in ranges:
        if top >= len(rows) or left >= len(rows[top]) or not rows[top][left]:
            continue
        value = rows[top][left]
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(left, min(right, XLSX_MAX_COLS - 1) + 1):
                if c >= len(row):
                    row.extend([""] * (c + 1 - len(row)))
                row[c] = value


def _sheet_charts(archive: zipfile.ZipFile, part: str) -> list[tuple[tuple[int, int], list[str]]]:
    """The charts drawn on the sheet: ((row, column) of their top left
    anchor, their title and data table (``_chart``))."""
    from pptx.chart.chart import Chart

    out = []
    for drawing in _related(archive, part, "/drawing"):
        targets = dict(_related_ids(archive, drawing, "/chart"))
        root = _xml(archive, drawing)
        if root is None:
            continue
        for anchor in root:
            ids = anchor.xpath(".//*[local-name()='chart']/@*[local-name()='id']")
            chart_part = targets.get(str(ids[0])) if ids else None
            space = _xml(archive, chart_part) if chart_part else None
            if space is None:
                continue
            at = tuple(
                int(value) if str(value).isdigit() else 0
                for value in (
                    anchor.xpath("string(./*[local-name()='from']/*[local-name()='row'])"),
                    anchor.xpath("string(./*[local-name()='from']/*[local-name()='col'])"),
                )
            )
            try:
                parts = _chart(Chart(space, None))
            except (AttributeError, KeyError, ValueError, TypeError):
                continue  # not a chart python-pptx can read
            out.append(((at[0], at[1]), parts))
    return out


def _related(archive: zipfile.ZipFile, part: str, kind: str) -> list[str]:
    return [target for _, target in _related_ids(archive, part, kind)]


def _related_ids(archive: zipfile.ZipFile, part: str, kind: str) -> list[tuple[str, str]]:
    """(relationship id, part name) of ``part``'s relationships whose type ends in ``kind``."""
    folder, name = posixpath.split(part)
    root = _xml(archive, posixpath.join(folder, "_rels", name + ".rels"))
    if root is None:
        return []
    out = []
    for rel in root:
        target = str(rel.get("Target", ""))
        if str(rel.get("Type", "")).endswith(kind) and rel.get("TargetMode") != "External":
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            out.append((str(rel.get("Id", "")), posixpath.normpath(path)))
    return out


def _xml(archive: zipfile.ZipFile, part: str) -> Any:
    """The part parsed (python-pptx's parser: no entities, no network), or
    None if missing or larger than XLSX_MAX_PART_BYTES."""
    from pptx.oxml import parse_xml

    try:
        info = archive.getinfo(part)
    except KeyError:
        return None
    if info.file_size > XLSX_MAX_PART_BYTES:
        return None
    return parse_xml(archive.read(info))


def _blocks(rows: list[list[str]]) -> list[tuple[tuple[int, int], list[list[str]]]]:
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
        (
            (top, left),
            [
                rows[r][left : right + 1] + [""] * (right + 1 - len(rows[r]))
                for r in range(top, bottom + 1)
            ],
        )
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
