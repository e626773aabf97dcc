"""Test corpus builder: writes documents with known content into a directory.

Every ``make_*`` function writes one file at ``path`` and returns what a
correct conversion must recover from it, so unit and integration tests share
one source of truth:

- ``make_text_pdf`` returns the exact Markdown expected for each page;
- the OCR'd documents return the text lines drawn on each page (OCR is fuzzy:
  compare with ``words``).

Units: PDF geometry is in points (1/72 inch); images are in pixels.
"""

from __future__ import annotations

import io
import pathlib
import random
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen import canvas

# Typography of the text PDF, in points.
TITLE_SIZE = 26.0
SECTION_SIZE = 17.0
SUBSECTION_SIZE = 13.5
BODY_SIZE = 11.0
BODY_LEADING = 14.0  # baseline to baseline inside a paragraph
BLOCK_GAP = 12.0  # extra space between blocks
MARGIN = 72.0
FONT = "Helvetica"
BOLD = "Helvetica-Bold"

# Rendered-text images, in pixels.
IMAGE_SIZE = (800, 300)
IMAGE_FONT_PX = 40
IMAGE_LINE_PX = 64

Block = tuple[str, str | list[str]]  # (kind, text or items); kind: h1 h2 h3 p ul ol

_LOREM = (
    "The conversion service reads each page of a document and writes Markdown "
    "that keeps the structure a reader relies on: headings, paragraphs, and "
    "lists. Wrapped lines of one paragraph are joined with spaces so that the "
    "text flows naturally when rendered."
)


def text_pdf_blocks(pages: int = 3) -> list[list[Block]]:
    """The content of ``make_text_pdf``: per page, a list of (kind, content) blocks."""
    out: list[list[Block]] = [
        [
            ("h1", "Ilios Quarterly Report"),
            ("h2", "Summary of findings"),
            ("p", "Page one opens the report. " + _LOREM),
            (
                "p",
                "A second paragraph follows after a gap, and it is long enough "
                "to wrap over more than one line on a letter-sized page.",
            ),
            (
                "ul",
                [
                    "Bullets become dashes",
                    "Order is preserved",
                    "Long items keep their words together even when the item is "
                    "wide enough to wrap onto a second line",
                ],
            ),
            ("ol", ["Extract the text layer", "Detect headings", "Emit Markdown"]),
        ],
        [
            ("h2", "Method"),
            ("p", "Page two describes the method. " + _LOREM),
            ("h3", "Data sources"),
            (
                "p",
                "Font sizes come from the PDF itself; the body size is the one "
                "used by most characters, and larger sizes rank as headings.",
            ),
            ("ul", ["Reports", "Invoices", "Scanned letters"]),
        ],
        [
            ("h2", "Results"),
            ("p", "Page three closes with results. " + _LOREM),
            ("ol", ["Text pages convert quickly", "Scanned pages use OCR"]),
        ],
    ]
    for n in range(4, pages + 1):
        out.append(
            [
                ("h2", f"Section {n}"),
                ("p", f"This is page {n} of the report. " + _LOREM),
                ("p", f"Closing paragraph of page {n}. " + _LOREM),
                ("ul", [f"Point {n}a", f"Point {n}b"]),
            ]
        )
    return out[:pages]


def blocks_markdown(blocks: list[Block]) -> str:
    """The Markdown a correct converter produces for ``blocks``."""
    parts: list[str] = []
    for kind, content in blocks:
        if kind in ("h1", "h2", "h3"):
            parts.append("#" * int(kind[1]) + " " + str(content))
        elif kind == "p":
            parts.append(str(content))
        elif kind == "ul":
            parts.append("\n".join(f"- {item}" for item in content))
        elif kind == "ol":
            parts.append("\n".join(f"{i}. {item}" for i, item in enumerate(content, 1)))
    return "\n\n".join(parts)


def make_text_pdf(path: pathlib.Path, pages: int = 3) -> list[str]:
    """Write a PDF with a text layer; return the expected Markdown of each page.

    Page 1 has a title (h1), a subheading (h2), wrapped paragraphs, a bulleted
    list ("•") and a numbered list ("1."); later pages use h2/h3, "-" bullets
    and "1)" numbering. Pages beyond 3 repeat a pattern naming their number.
    """
    content = text_pdf_blocks(pages)
    c = canvas.Canvas(str(path), pagesize=LETTER)
    for number, blocks in enumerate(content, 1):
        _draw_blocks(c, blocks, dash_bullets=number > 1, paren_numbers=number > 1)
        c.showPage()
    c.save()
    return [blocks_markdown(blocks) for blocks in content]


def _draw_blocks(
    c: canvas.Canvas, blocks: list[Block], *, dash_bullets: bool, paren_numbers: bool
) -> None:
    width = LETTER[0] - 2 * MARGIN
    y = LETTER[1] - MARGIN
    sizes = {"h1": TITLE_SIZE, "h2": SECTION_SIZE, "h3": SUBSECTION_SIZE}
    for kind, content in blocks:
        if kind in sizes:
            size = sizes[kind]
            y -= size
            c.setFont(BOLD, size)
            c.drawString(MARGIN, y, str(content))
            y -= size * 0.6
        elif kind == "p":
            c.setFont(FONT, BODY_SIZE)
            for line in simpleSplit(str(content), FONT, BODY_SIZE, width):
                y -= BODY_LEADING
                c.drawString(MARGIN, y, line)
        else:
            c.setFont(FONT, BODY_SIZE)
            for i, item in enumerate(content, 1):
                if kind == "ul":
                    marker = "-" if dash_bullets else "\u2022"
                else:
                    marker = f"{i})" if paren_numbers else f"{i}."
                indent = 18.0
                for j, line in enumerate(simpleSplit(item, FONT, BODY_SIZE, width - indent)):
                    y -= BODY_LEADING
                    if j == 0:
                        c.drawString(MARGIN + 4, y, marker)
                    c.drawString(MARGIN + indent, y, line)
        y -= BLOCK_GAP


def render_text_image(
    lines: list[str],
    size: tuple[int, int] = IMAGE_SIZE,
    background: str | tuple[int, int, int, int] = "white",
) -> Image.Image:
    """Black text, one line per entry ("" leaves a blank line), in Pillow's
    scalable default font; RGBA if ``background`` is an RGBA tuple."""
    mode = "RGBA" if isinstance(background, tuple) else "RGB"
    image = Image.new(mode, size, background)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=IMAGE_FONT_PX)
    for i, line in enumerate(lines):
        draw.text((40, 30 + i * IMAGE_LINE_PX), line, fill="black", font=font)
    return image


# Two paragraphs: a blank line between them makes the gap OCR must keep.
PNG_PARAGRAPHS = [["Invoice number 4711", "Total due 250 EUR"], ["Thank you"]]
PNG_LINES = [line for paragraph in PNG_PARAGRAPHS for line in paragraph]
TIFF_FRAMES = [["First frame heading", "alpha bravo"], ["Second frame text", "charlie delta"]]
SCAN_LINES = ["Scanned page without", "any text layer"]
TRANSPARENT_LINES = ["Transparent background", "still reads"]


def _png_layout() -> list[str]:
    out: list[str] = []
    for paragraph in PNG_PARAGRAPHS:
        if out:
            out.append("")
        out.extend(paragraph)
    return out


def make_png(path: pathlib.Path) -> list[str]:
    """Write a PNG of rendered text (PNG_PARAGRAPHS); return its lines."""
    render_text_image(_png_layout()).save(path, format="PNG")
    return list(PNG_LINES)


def make_jpeg(path: pathlib.Path) -> list[str]:
    """Write a JPEG of the same text as ``make_png``; return its lines."""
    render_text_image(_png_layout()).save(path, format="JPEG", quality=90)
    return list(PNG_LINES)


def make_transparent_png(path: pathlib.Path) -> list[str]:
    """Write an RGBA PNG: black text on a fully transparent background."""
    render_text_image(TRANSPARENT_LINES, background=(0, 0, 0, 0)).save(path, format="PNG")
    return list(TRANSPARENT_LINES)


def make_tiff(path: pathlib.Path) -> list[list[str]]:
    """Write a multi-frame TIFF (one frame per page); return the lines of each frame."""
    frames = [render_text_image(lines) for lines in TIFF_FRAMES]
    frames[0].save(
        path, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate"
    )
    return [list(lines) for lines in TIFF_FRAMES]


def make_scanned_pdf(path: pathlib.Path) -> list[list[str]]:
    """Write a 2-page PDF: page 1 has a text layer, page 2 is only an image.

    Returns the text of each page as lines (page 1 is the text layer's paragraph).
    """
    text_line = "A text layer page before the scan."
    png = io.BytesIO()
    render_text_image(SCAN_LINES).save(png, format="PNG")
    c = canvas.Canvas(str(path), pagesize=LETTER)
    c.setFont(FONT, BODY_SIZE)
    c.drawString(MARGIN, LETTER[1] - MARGIN, text_line)
    c.showPage()
    # 800x300 px drawn 400x150 pt: 144 DPI, like a modest office scan.
    c.drawImage(
        ImageReader(io.BytesIO(png.getvalue())),
        MARGIN,
        LETTER[1] - MARGIN - 150,
        width=400,
        height=150,
    )
    c.showPage()
    c.save()
    return [[text_line], list(SCAN_LINES)]


def make_scan_pages_pdf(path: pathlib.Path, pages: list[list[str]]) -> None:
    """Write a PDF of image-only pages, one per entry of ``pages`` (its lines)."""
    c = canvas.Canvas(str(path), pagesize=LETTER)
    for lines in pages:
        png = io.BytesIO()
        render_text_image(lines).save(png, format="PNG")
        c.drawImage(ImageReader(png), MARGIN, LETTER[1] - MARGIN - 150, width=400, height=150)
        c.showPage()
    c.save()


def make_tiff_last_frame_damaged(path: pathlib.Path, frames: list[list[str]]) -> None:
    """Write a multi-frame TIFF (see ``make_tiff``) whose last frame's
    compressed data is overwritten: it opens, counts its frames, and fails
    to decode the last."""
    out = io.BytesIO()
    images = [render_text_image(lines) for lines in frames]
    images[0].save(
        out, format="TIFF", save_all=True, append_images=images[1:], compression="tiff_deflate"
    )
    data = bytearray(out.getvalue())
    with Image.open(io.BytesIO(bytes(data))) as tiff:
        tiff.seek(len(frames) - 1)
        start, length = tiff.tag_v2[273][0], tiff.tag_v2[279][0]  # first strip
    data[start + 2 : start + length - 4] = b"\xff" * (length - 6)
    path.write_bytes(bytes(data))


def make_encrypted_pdf(path: pathlib.Path, user_password: str = "secret") -> None:
    """Write a PDF that needs ``user_password`` to open ("" means owner-only protection)."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    enc = StandardEncryption(user_password, ownerPassword="owner-secret")
    c = canvas.Canvas(str(path), pagesize=LETTER, encrypt=enc)
    c.setFont(FONT, BODY_SIZE)
    c.drawString(MARGIN, LETTER[1] - MARGIN, "Encrypted content")
    c.showPage()
    c.save()


def make_truncated_pdf(path: pathlib.Path) -> None:
    """Write the first half of a valid text PDF (header intact, xref and trailer gone)."""
    full = path.with_name(path.name + ".full")
    make_text_pdf(full, pages=3)
    data = full.read_bytes()
    full.unlink()
    path.write_bytes(data[: len(data) // 2])


def make_random_bytes(path: pathlib.Path, size: int = 4096, seed: int = 7) -> None:
    """Write ``size`` pseudo-random bytes (never starting with a known magic)."""
    data = bytearray(random.Random(seed).randbytes(size))
    data[0] = 0x00
    path.write_bytes(bytes(data))


def words(text: str) -> list[str]:
    """Lower-case alphanumeric words of ``text``: for comparing OCR output loosely."""
    cleaned = "".join(ch.lower() if ch.isalnum() else " " for ch in text)
    return cleaned.split()


def squashed(text: str) -> str:
    """Lower-case letters and digits only: OCR may drop or add spaces, not letters."""
    return "".join(words(text))


def assert_in_order(markdown: str, phrases: list[str]) -> None:
    """Each of ``phrases`` is in ``markdown``, one after the other (``squashed``)."""
    got = squashed(markdown)
    position = 0
    for phrase in phrases:
        found = got.find(squashed(phrase), position)
        assert found >= 0, f"{phrase!r} not found (in order) in {markdown[:3000]!r}"
        position = found + len(squashed(phrase))


def write_all(directory: pathlib.Path) -> dict[str, pathlib.Path]:
    """Write every corpus document into ``directory``; return name -> path."""
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, Callable[[pathlib.Path], object]] = {
        "text.pdf": make_text_pdf,
        "scanned.pdf": make_scanned_pdf,
        "encrypted.pdf": make_encrypted_pdf,
        "truncated.pdf": make_truncated_pdf,
        "page.png": make_png,
        "page.jpg": make_jpeg,
        "transparent.png": make_transparent_png,
        "frames.tiff": make_tiff,
        "random.bin": make_random_bytes,
    }
    out: dict[str, pathlib.Path] = {}
    for name, make in files.items():
        target = directory / name
        make(target)
        out[name] = target
    return out


# --- Office and web documents --------------------------------------------------------
# Each builder writes the file with the format's own library and returns the exact
# Markdown of each page.


def make_docx(path: pathlib.Path) -> list[str]:
    """Write a DOCX: title, heading, formatted paragraph, nested bullets, a numbered
    list, a table, then a hard page break and a second page."""
    import docx

    document = docx.Document()
    document.add_heading("Quarterly Letter", level=1)
    document.add_heading("Summary", level=2)
    para = document.add_paragraph("Sales rose by ")
    para.add_run("twelve").bold = True
    para.add_run(" percent in ")
    para.add_run("the north").italic = True
    para.add_run(".")
    document.add_paragraph("Apples", style="List Bullet")
    document.add_paragraph("Pears", style="List Bullet")
    document.add_paragraph("Green pears", style="List Bullet 2")
    for step in ("Collect", "Count", "Report"):
        document.add_paragraph(step, style="List Number")
    table = document.add_table(rows=3, cols=2)
    for r, row in enumerate([("Region", "Total"), ("North", "1200"), ("South", "950")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_page_break()
    document.add_paragraph("The second page closes the letter.")
    document.save(str(path))
    return [
        "# Quarterly Letter\n\n## Summary\n\n"
        "Sales rose by **twelve** percent in *the north*.\n\n"
        "- Apples\n- Pears\n    - Green pears\n1. Collect\n2. Count\n3. Report\n\n"
        "| Region | Total |\n| --- | --- |\n| North | 1200 |\n| South | 950 |",
        "The second page closes the letter.",
    ]


def make_pptx(path: pathlib.Path) -> list[str]:
    """Write a PPTX of three slides: bullets with a sub-bullet, a table with a
    text box below it, and a title-only slide."""
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])  # title and content
    slide.shapes.title.text = "Roadmap"
    body = slide.placeholders[1].text_frame
    body.text = "Ship the sandbox"
    sub = body.add_paragraph()
    sub.text = "Then the office formats"
    sub.level = 1
    slide = deck.slides.add_slide(deck.slide_layouts[5])  # title only
    slide.shapes.title.text = "Numbers"
    grid = slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    for r, row in enumerate([("Metric", "Value"), ("Pages", "42")]):
        for c, value in enumerate(row):
            grid.cell(r, c).text = value
    note = slide.shapes.add_textbox(Inches(1), Inches(4), Inches(4), Inches(1))
    note.text_frame.text = "Figures are preliminary."
    deck.slides.add_slide(deck.slide_layouts[5]).shapes.title.text = "Questions"
    deck.save(str(path))
    return [
        "# Roadmap\n\n- Ship the sandbox\n    - Then the office formats",
        "# Numbers\n\n| Metric | Value |\n| --- | --- |\n| Pages | 42 |\n\n"
        "Figures are preliminary.",
        "# Questions",
    ]


def make_xlsx(path: pathlib.Path) -> list[str]:
    """Write an XLSX of three sheets: a table with numbers and a date, an empty
    sheet, and cells away from A1 (outer empty rows and columns are dropped)."""
    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sales"
    for row in (
        ["Region", "Units", "Closed"],
        ["North", 1200, datetime.date(2024, 3, 31)],
        ["South", 950.5, None],
    ):
        sheet.append(row)
    book.create_sheet("Notes")
    offset = book.create_sheet("Offset")
    offset["C4"], offset["D4"], offset["C5"], offset["D5"] = "Key", "Flag", "a|b", True
    book.save(str(path))
    return [
        "## Sales\n\n| Region | Units | Closed |\n| --- | --- | --- |\n"
        "| North | 1200 | 2024-03-31 |\n| South | 950.5 |  |",
        "## Notes",
        "## Offset\n\n| Key | Flag |\n| --- | --- |\n| a\\|b | TRUE |",
    ]


HTML_PAGE = """<!doctype html>
<html><head><title>Ignored title</title><style>p { color: red }</style>
<script>document.write("never shown")</script></head>
<body><h1>Release notes</h1>
<p>Version <strong>2.0</strong> adds <em>office</em> formats; see
<a href="https://example.com/docs">the docs</a>.</p>
<ul><li>DOCX</li><li>PPTX</li></ul>
<ol><li>Upload</li><li>Convert</li></ol>
<table><tr><th>Format</th><th>Pages</th></tr><tr><td>XLSX</td><td>one per sheet</td></tr></table>
<noscript>Enable scripts</noscript><img src="data:image/png;base64,AAAA" alt="Diagram">
<script>alert("no")</script></body></html>
"""


def make_html(path: pathlib.Path) -> list[str]:
    """Write an HTML page with scripts, styles and an image; return its Markdown."""
    path.write_text(HTML_PAGE, encoding="utf-8")
    return [
        "# Release notes\n\nVersion **2.0** adds *office* formats; see\n"
        "[the docs](https://example.com/docs).\n\n- DOCX\n- PPTX\n\n1. Upload\n2. Convert\n\n"
        "| Format | Pages |\n| --- | --- |\n| XLSX | one per sheet |\n\nDiagram"
    ]


EMBEDDING_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>Media page</title></head>
<body><h1>Media page</h1>
<p>Before the media.</p>
<embed src="clip.swf" type="application/x-shockwave-flash">
<p>After the embed.</p>
<video controls><source src="clip.webm" type="video/webm"><track src="clip.vtt"></video>
<table><tr><th>Format</th><th>Kept</th></tr><tr><td>HTML</td><td>every paragraph</td></tr></table>
<object data="chart.svg" type="image/svg+xml"><param name="zoom" value="1">
<p>Fallback: sales doubled.</p>
<p>After the object, which is never closed.</p>
</body></html>
"""


def make_embedding_html(path: pathlib.Path) -> list[str]:
    """Write valid HTML5 with an ``<embed>``, a ``<video>`` with ``<source>`` and
    ``<track>``, and an ``<object>`` left open to the end; return its Markdown."""
    path.write_text(EMBEDDING_HTML, encoding="utf-8")
    return [
        "# Media page\n\nBefore the media.\n\nAfter the embed.\n\n[](clip.webm)\n\n"
        "| Format | Kept |\n| --- | --- |\n| HTML | every paragraph |\n\n"
        "Fallback: sales doubled.\n\nAfter the object, which is never closed."
    ]


# --- Hostile documents -------------------------------------------------------------
# Small files that cost a converter far more than their size; see tests/integration/
# test_hostile.py. PDFs are written object by object (no library would write them).


def _raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF of ``objects`` (object i+1 is ``objects[i]``; 1 is the catalog) with an xref."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), entries, data)


def _one_page(resources: bytes = b"<< >>") -> list[bytes]:
    """Catalog, page tree and one letter-size page whose content is object 4."""
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources %s "
        b"/Contents 4 0 R >>" % resources,
    ]


CARRIED_COLUMNS = (
    "Section references are to the harbour code unless otherwise noted. The harbour office "
    "keeps a register of every vessel that enters the port, its cargo and its crew, and "
    "publishes a summary of that register at the end of each quarter.",
    "Tonnage dues are paid on arrival. A vessel that stays longer than thirty days pays the "
    "dues again for each further month, and a vessel laid up for repairs pays half of them "
    "until it sails.",
    "Pilotage is required for every vessel over two hundred tonnes. The pilot boards at the "
    "outer buoy and stays on the bridge until the vessel is made fast at its berth.",
)
CARRIED_TICKET = "Proof 3 of 12 Fileid: harbour-guide.sgm Draft"


def make_carried_columns_pdf(path: pathlib.Path) -> tuple[list[str], str]:
    """Three columns of prose (``CARRIED_COLUMNS``: Helvetica 9.5 on 11
    points, 160 points wide, 14-point gutters) set as some typesetters set
    government instructions: each baseline is one text object across all
    three columns, moved over each gutter with no space drawn. The media
    box is taller than the crop box, and above the crop box stands a
    proof's job ticket (``CARRIED_TICKET``), which no reader sees. Returns
    the columns' texts and the ticket."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    size, leading, width, gutter = 9.5, 11.0, 160.0, 14.0
    lefts = [42.0 + k * (width + gutter) for k in range(3)]
    columns = [simpleSplit(text, FONT, size, width) for text in CARRIED_COLUMNS]
    ops = [b"BT /F1 9.5 Tf"]
    for row in range(max(map(len, columns))):
        parts = [(k, column[row]) for k, column in enumerate(columns) if row < len(column)]
        pieces: list[bytes] = []
        x = lefts[parts[0][0]]
        for k, text in parts:
            if pieces:  # over the gutter: a move in the text array, no space glyph
                pieces.append(b"%.1f" % (-(lefts[k] - x) * 1000 / size))
            pieces.append(b"(%s)" % _pdf_string(text))
            x = lefts[k] + stringWidth(text, FONT, size)
        y = 700 - row * leading
        ops.append(b"1 0 0 1 %.2f %.2f Tm [%s] TJ" % (lefts[parts[0][0]], y, b" ".join(pieces)))
    ops.append(b"ET BT /F1 9 Tf 1 0 0 1 60 900 Tm (%s) Tj ET" % _pdf_string(CARRIED_TICKET))
    path.write_bytes(
        _raw_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 1008] /CropBox [0 0 612 792] "
                b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
                _stream(b"\n".join(ops)),
                b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                b"/Encoding /WinAnsiEncoding >>",
            ]
        )
    )
    return list(CARRIED_COLUMNS), CARRIED_TICKET


def _pdf_string(text: str) -> bytes:
    """``text`` (Latin-1) as the inside of a PDF literal string."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return escaped.encode("latin-1")


def make_code_listing_pdf(path: pathlib.Path) -> tuple[list[str], list[str]]:
    """A page of prose (Times) around a listing set in URW's Courier, named
    NimbusMonL-Regu as LaTeX with Times embeds it, whose descriptor does not
    flag it fixed-pitch: only its name tells. One listing line holds a
    letter drawn in Times inside a word (a fallback font's accented letter).
    Returns (the prose lines, the listing's lines)."""
    prose = [
        "The listing below adds a type to the database of the desktop.",
        "Each entry names the type and describes it in several languages.",
        "The update command writes the file and reads it back again.",
    ]
    listing = [
        '<mime-type type="text/x-diff">',
        "<comment>verskille laers</comment>",
        "</mime-type>",
    ]
    text = [b"BT /F1 11 Tf 72 700 Td (%s) Tj ET" % prose[0].encode()]
    text.append(b"BT /F1 11 Tf 72 686 Td (%s) Tj ET" % prose[1].encode())
    text.append(b"BT /F2 10 Tf 72 660 Td (%s) Tj ET" % listing[0].encode())
    text.append(b"BT /F2 10 Tf 72 647 Td (<comment>verskille l) Tj /F1 10 Tf (a) Tj ")
    text[-1] += b"/F2 10 Tf (ers</comment>) Tj ET"
    text.append(b"BT /F2 10 Tf 72 634 Td (%s) Tj ET" % listing[2].encode())
    text.append(b"BT /F1 11 Tf 72 608 Td (%s) Tj ET" % prose[2].encode())
    fonts = b"<< /Font << /F1 5 0 R /F2 6 0 R >> >>"
    path.write_bytes(
        _raw_pdf(
            [
                *_one_page(fonts),
                _stream(b"\n".join(text)),
                b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>",
                b"<< /Type /Font /Subtype /Type1 /BaseFont /NimbusMonL-Regu "
                b"/FontDescriptor 7 0 R >>",
                b"<< /Type /FontDescriptor /FontName /NimbusMonL-Regu /Flags 32 "
                b"/FontBBox [-12 -237 650 811] /ItalicAngle 0 /Ascent 625 /Descent -157 "
                b"/CapHeight 563 /StemV 41 >>",
            ]
        )
    )
    return prose, listing


NESTED_SCAN_LINES = [
    "Quarterly report of the harbour office",
    "Ships entered the port in good order",
]


def make_nested_scan_pdf(path: pathlib.Path) -> tuple[list[str], str]:
    """A scanned page as a scan repository may wrap it: the page's image
    (letter size at 144 DPI, ``NESTED_SCAN_LINES``) drawn by a form XObject
    that another form draws, and over it an invisible OCR layer of poor
    quality (figures for letters). Returns the scan's lines and the layer's text."""
    layer = "Qnarter1y rep0rt 0f tbe harb0ur 0ff1ce Sh1ps entered tbe p0rt 1n g00d 0rder"
    jpeg = io.BytesIO()
    render_text_image(NESTED_SCAN_LINES, size=(1224, 1584)).save(jpeg, format="JPEG", quality=90)
    content = b"q /Fm0 Do Q BT 3 Tr /F1 12 Tf 20 770 Td (%s) Tj ET" % layer.encode()
    path.write_bytes(
        _raw_pdf(
            [
                *_one_page(b"<< /XObject << /Fm0 5 0 R >> /Font << /F1 8 0 R >> >>"),
                _stream(content),
                _stream(
                    b"q /Fm1 Do Q",
                    b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] "
                    b"/Resources << /XObject << /Fm1 6 0 R >> >>",
                ),
                _stream(
                    b"q 612 0 0 792 0 0 cm /Im0 Do Q",
                    b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] "
                    b"/Resources << /XObject << /Im0 7 0 R >> >>",
                ),
                _stream(
                    jpeg.getvalue(),
                    b"/Type /XObject /Subtype /Image /Width 1224 /Height 1584 "
                    b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode",
                ),
                b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            ]
        )
    )
    return list(NESTED_SCAN_LINES), layer


def _deflated_repeats(chunk: bytes, times: int) -> bytes:
    """A zlib stream of ``chunk`` repeated ``times`` times, built without inflating it:
    after a full flush, deflate encodes the same input to the same bytes."""
    import struct
    import zlib

    packer = zlib.compressobj(9)
    first = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(times):
        checksum = zlib.adler32(chunk, checksum)
    # An empty final block (fixed Huffman), then the Adler-32 of everything.
    return first + again * (times - 1) + b"\x03\x00" + struct.pack(">I", checksum)


def make_recursive_xobject_pdf(path: pathlib.Path) -> None:
    """A page drawing form XObject X, which draws itself twice: unbounded work and memory."""
    form = (
        b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] "
        b"/Resources << /XObject << /X 5 0 R >> >>"
    )
    objects = _one_page(b"<< /XObject << /X 5 0 R >> >>")
    objects.append(_stream(b"/X Do"))
    objects.append(_stream(b"q 0.5 0 0 0.5 0 0 cm /X Do Q q 0.5 0 0 0.5 306 0 cm /X Do Q", form))
    path.write_bytes(_raw_pdf(objects))


def make_inflating_pdf(path: pathlib.Path, unpacked_mib: int = 2048) -> None:
    """A one-page PDF (a few MB) whose content stream inflates to ``unpacked_mib`` MiB."""
    objects = _one_page()
    objects.append(_stream(_deflated_repeats(b" " * 2**20, unpacked_mib), b"/Filter /FlateDecode"))
    path.write_bytes(_raw_pdf(objects))


def make_slow_pdf(path: pathlib.Path, operations: int = 200_000) -> None:
    """A one-page PDF (~3 KB) that no page budget on any machine covers, in little
    memory: the page has no text and only paints a function-based shading, so the
    engine renders it for OCR (~3 million pixels), and each pixel's shade comes
    from a PostScript calculator function of ``operations`` ``dup pop`` pairs.
    Its cost is pixels x operations (6e11 pairs by default, where a page of text
    costs milliseconds); its memory, the parsed function (~20 MB) and one
    grayscale bitmap. Slow by construction, not by the machine's speed."""
    import zlib

    function = b"{ pop " + b"dup pop " * operations + b"}"  # (x y) -> x
    objects = _one_page(b"<< /Shading << /S 5 0 R >> >>")
    objects.append(_stream(b"/S sh"))
    objects.append(  # the domain [0 1] x [0 1], stretched over the whole page
        b"<< /ShadingType 1 /ColorSpace /DeviceGray /Domain [0 1 0 1] "
        b"/Matrix [612 0 0 792 0 0] /Function 6 0 R >>"
    )
    objects.append(
        _stream(
            zlib.compress(function, 9),
            b"/FunctionType 4 /Domain [0 1 0 1] /Range [0 1] /Filter /FlateDecode",
        )
    )
    path.write_bytes(_raw_pdf(objects))


def make_many_pages_pdf(path: pathlib.Path, pages: int = 10_000) -> None:
    """A PDF of ``pages`` blank pages (about 100 bytes each)."""
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * pages
    path.write_bytes(_raw_pdf(objects))


def make_png_bomb(path: pathlib.Path, side: int = 30_000) -> None:
    """A PNG header declaring ``side`` x ``side`` 8-bit gray pixels (900 Mpx by default)
    around a few bytes of data: decoding it would need ``side**2`` bytes."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    data = zlib.compress(bytes(side + 1))  # the first row only
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )
