"""Quality corpus: layouts, tables, scripts and scans with known text.

Companion of ``corpus.py`` (same conventions: every ``make_*`` writes one file
and returns what a correct conversion recovers) for the local engine's
quality tests and ``bench/quality.py``:

- ``make_two_column_pdf``: a full-width title over two columns, drawn row by
  row across both columns (the worst content order), one paragraph running
  on from the left column into the right one;
- ``make_footed_columns_pdf``: two columns under a title, a footer in two
  pieces at the page's edges below them;
- ``make_contents_beside_text_pdf``: a contents list of short entries
  beside a column of running text, their lines level;
- ``make_numbered_lines_pdf``: running text, each line numbered in the margin;
- ``make_ruled_table_pdf`` / ``make_aligned_table_pdf``: one table, with a
  ruled grid or only aligned in columns (a right-aligned number column);
- ``make_rtl_pdf`` (Hebrew, Arabic) and ``make_cjk_pdf`` (Chinese,
  Japanese): text drawn in visual order, word by word, as PDF producers do;
- ``make_unmapped_pdf``: a font whose ToUnicode map points at private-use
  code points (text extracts as garbage; the glyphs are fine);
- ``render_page`` / ``make_rotated_png``: pages rendered to images, and
  turned by 90, 180 or 270 degrees.

Fonts: DejaVu Sans (Hebrew, Arabic) and Droid Sans Fallback (CJK) from the
system's font directories; ``font_path`` returns None when a font is missing
and the documents needing it are skipped by their callers.
Units: PDF geometry in points, images in pixels.
"""

from __future__ import annotations

import pathlib
import re
import textwrap
from collections.abc import Callable

import numpy as np
import pypdfium2 as pdfium
from corpus import BODY_LEADING, BODY_SIZE, BOLD, FONT, MARGIN
from PIL import Image
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_DIRS = [pathlib.Path("/usr/share/fonts"), pathlib.Path("/usr/local/share/fonts")]
RTL_FONT_FILE = "DejaVuSans.ttf"
CJK_FONT_FILE = "DroidSansFallbackFull.ttf"
COLUMN_GAP = 24.0  # gutter between the two columns, points
RENDER_SCALE = 2.0  # pixels per point when a page is rendered to an image (144 DPI)
LAMP_DARKEST = 0.35  # an unevenly lit page keeps this share of its brightness at its dark edge

Rows = list[list[str]]

TWO_COLUMN_TITLE = "Two Column Field Notes"
TWO_COLUMN_PARAGRAPHS = [
    "Alpha begins the left column with notes about river surveys taken in early spring, "
    "when the water runs high and the banks are soft underfoot.",
    "Bravo follows with the second paragraph, describing the instruments, the weather, "
    "and the careful routine of logging every depth reading at the same hour each day "
    "so that the series can be compared across the whole season without doubt.",
    "Charlie opens the right column and summarises what the readings showed: the river "
    "rose twice, fell slowly, and settled by the start of summer.",
    "Delta closes the page with thanks to the volunteers who walked the banks.",
]
TABLE_ROWS: Rows = [
    ["Region", "Product", "Units"],
    ["North", "Apples", "1200"],
    ["South", "Pears", "860"],
    ["East", "Plums", "45"],
    ["West", "Dried figs", "3075"],
]
TABLE_BEFORE = "Quarterly sales by region are listed below."
TABLE_AFTER = "All figures are provisional until the audit closes."
HEBREW_LINES = ["שלום עולם", "זהו מסמך לבדיקה"]
ARABIC_LINE = "مرحبا بالعالم"
MIXED_LINE = "הדוח לשנת 2024 מוכן"
CJK_HEADING = "季度报告"
CJK_PARAGRAPH = (
    "本报告介绍了文档转换服务的设计与测试结果。"
    "每一页都会被读取并转换为结构清晰的文本，"  # noqa: RUF001 (a fullwidth comma is Chinese)
    "标题、段落和列表都会保留下来。"
)
JAPANESE_LINE = "日本語のテキストも正しく読めます。"
UNMAPPED_HEADER = "Summary"
UNMAPPED_LINES = ["Glyphs without a usable map", "still read through OCR"]
GLYPH_INDEX_LINES = [  # set in a font whose map gives glyph indices (make_glyph_index_pdf)
    "Venu au cinéma par le documentaire en 1931, il s'est très vite",
    "intéressé aux textes littéraires pour édifier son œuvre entre",
    "théâtre et cinéma; sa première fiction date de 1942.",
]
GLYPH_ACCENTS = {"é": 112, "è": 113, "â": 107, "œ": 177}  # their glyphs in the standard order
GLYPH_INDEX_CLOSING = (
    "Les textes sont ici donnés à entendre, l'image déjà frontale, le cadre rigoureux, "
    "proche de la démarche des Straub-Huillet. Comme le soulignera plus tard le critique "
    "Peter von Bagh, il y a dans toute son oeuvre la capacité à lire la littérature dans "
    "une nouvelle articulation du voir, du montrer et de l'écouter, où l'image devient "
    "parole visuelle et poétique."
)


def font_path(name: str) -> pathlib.Path | None:
    """The first file called ``name`` under the system font directories."""
    for directory in FONT_DIRS:
        for found in sorted(directory.rglob(name)) if directory.is_dir() else []:
            return found
    return None


def _register(name: str, file: str) -> bool:
    if name in pdfmetrics.getRegisteredFontNames():
        return True
    path = font_path(file)
    if path is None:
        return False
    pdfmetrics.registerFont(TTFont(name, str(path)))
    return True


def _wrap(text: str, width: float) -> list[str]:
    return simpleSplit(text, FONT, BODY_SIZE, width)


def make_two_column_pdf(path: pathlib.Path) -> list[str]:
    """Write the two-column page; return its title and paragraphs in reading order
    (paragraph 2 runs from the bottom of the left column into the right one)."""
    column = (LETTER[0] - 2 * MARGIN - COLUMN_GAP) / 2
    rows: list[str] = []
    for n, paragraph in enumerate(TWO_COLUMN_PARAGRAPHS):
        rows += ([""] if n else []) + _wrap(paragraph, column)
    split = len(_wrap(TWO_COLUMN_PARAGRAPHS[0], column)) + 4  # inside paragraph 2
    left, right = rows[:split], rows[split:]
    c = canvas.Canvas(str(path), pagesize=LETTER)
    c.setFont(BOLD, 20)
    top = LETTER[1] - MARGIN
    c.drawString(MARGIN, top, TWO_COLUMN_TITLE)
    c.setFont(FONT, BODY_SIZE)
    for i in range(max(len(left), len(right))):  # row by row across both columns
        y = top - 36 - i * BODY_LEADING
        for x, side in ((MARGIN, left), (MARGIN + column + COLUMN_GAP, right)):
            if i < len(side) and side[i]:
                c.drawString(x, y, side[i])
    c.showPage()
    c.save()
    return [TWO_COLUMN_TITLE, *TWO_COLUMN_PARAGRAPHS]


FOOTED_TITLE = "Spring Survey Notes"
FOOTED_REFERENCE = (  # the left column's last paragraph, set with a hanging indent
    "[1] E. Walker and J. Hale, River depth readings over a wet spring, a field "
    "report for the survey volunteers, second edition."
)
FOOTER = ("Preprint submitted to the Survey Review", "June 8, 2018")


def make_footed_columns_pdf(path: pathlib.Path) -> list[str]:
    """Write a page of two columns under a title, the left column ending in
    a reference entry with a hanging indent (its lines justified but the
    last), and a footer at the page's foot in two pieces: one flush left,
    one flush right. Return its paragraphs in reading order: the title, the
    left column's, the right column's, then the footer as one line."""
    column = (LETTER[0] - 2 * MARGIN - COLUMN_GAP) / 2
    hang = 12.0
    opening = _wrap(FOOTED_REFERENCE, column)[0]
    *hanging, last = _wrap(FOOTED_REFERENCE[len(opening) + 1 :], column - hang)

    def justified(line: str, width: float) -> float:  # the word spacing that fills the width
        return (width - pdfmetrics.stringWidth(line, FONT, BODY_SIZE)) / line.count(" ")

    left = [(MARGIN, line, 0.0) for line in [*_wrap(TWO_COLUMN_PARAGRAPHS[0], column), ""]]
    left.append((MARGIN, opening, justified(opening, column)))
    left += [(MARGIN + hang, line, justified(line, column - hang)) for line in hanging]
    left.append((MARGIN + hang, last, 0.0))
    right_x = MARGIN + column + COLUMN_GAP
    right = [
        (right_x, line, 0.0)
        for paragraph in TWO_COLUMN_PARAGRAPHS[1:]
        for line in [*_wrap(paragraph, column), ""]
    ]
    c = canvas.Canvas(str(path), pagesize=LETTER)
    c.setFont(BOLD, 16)
    top = LETTER[1] - MARGIN
    c.drawString(MARGIN, top, FOOTED_TITLE)
    c.setFont(FONT, BODY_SIZE)
    for side in (left, right):
        for i, (x, line, spacing) in enumerate(side):
            c.drawString(x, top - 36 - i * BODY_LEADING, line, wordSpace=spacing)
    foot = top - 36 - (max(len(left), len(right)) + 2) * BODY_LEADING
    c.setFont(FONT, BODY_SIZE - 2)
    c.drawString(MARGIN, foot, FOOTER[0])
    c.drawRightString(LETTER[0] - MARGIN, foot, FOOTER[1])
    c.showPage()
    c.save()
    paragraphs = [TWO_COLUMN_PARAGRAPHS[0], FOOTED_REFERENCE, *TWO_COLUMN_PARAGRAPHS[1:]]
    return [FOOTED_TITLE, *paragraphs, " ".join(FOOTER)]


CONTENTS_ENTRIES = [
    "1 Introduction", "2 Survey sites", "2.1 Upper reach", "2.2 Lower reach", "3 Instruments",
    "4 Readings", "4.1 Depth", "4.2 Flow", "5 Volunteers", "6 Results", "7 Outlook", "References",
]  # fmt: skip


def make_contents_beside_text_pdf(path: pathlib.Path) -> tuple[list[str], list[str]]:
    """Write a paper's first page: a contents list of short entries (no
    page numbers) in the left column, one a line, beside running text in
    the right column at the same leading, so each line of text stands
    level with an entry. Return the entries and the text's paragraphs."""
    column = (LETTER[0] - 2 * MARGIN - COLUMN_GAP) / 2
    paragraphs = TWO_COLUMN_PARAGRAPHS[1:3]
    right = [line for paragraph in paragraphs for line in _wrap(paragraph, column)]
    c = canvas.Canvas(str(path), pagesize=LETTER)
    c.setFont(FONT, BODY_SIZE)
    top = LETTER[1] - MARGIN
    for i, entry in enumerate(CONTENTS_ENTRIES):
        c.drawString(MARGIN, top - i * BODY_LEADING, entry)
    first_lines = len(_wrap(paragraphs[0], column))
    for i, line in enumerate(right):  # the second paragraph after a blank line
        y = top - (i + (i >= first_lines)) * BODY_LEADING
        c.drawString(MARGIN + column + COLUMN_GAP, y, line)
    c.showPage()
    c.save()
    return CONTENTS_ENTRIES, paragraphs


def make_numbered_lines_pdf(path: pathlib.Path) -> str:
    """Write a page of running text whose every line is numbered in the
    margin (a bill's, a court paper's), the numbers a font size from the
    text, the lines about 60 characters long; return its text (one
    paragraph)."""
    text = " ".join(TWO_COLUMN_PARAGRAPHS)
    lines = _wrap(text, 300.0)
    c = canvas.Canvas(str(path), pagesize=LETTER)
    c.setFont(FONT, BODY_SIZE)
    top = LETTER[1] - MARGIN
    for i, line in enumerate(lines):
        c.drawRightString(MARGIN + 26, top - i * BODY_LEADING, str(i + 1))
        c.drawString(MARGIN + 36, top - i * BODY_LEADING, line)
    c.showPage()
    c.save()
    return text


MAGAZINE_TITLE = "The River Towns Come Back"
MAGAZINE_LEFT = [
    "Three small ports along the estuary spent the winter rebuilding the quays "
    "that the spring floods had broken, and by summer the first barges were back.",
    "The harbour council of Elmsford widened the old landing so that grain and "
    "timber could be loaded again, while the fishermen kept their moorings by the bridge.",
]
MAGAZINE_CAPTION = "Barges wait at the widened quay in Elmsford."
MAGAZINE_RIGHT = [
    "Further downstream, the town of Marrow Cross turned its flooded warehouses "
    "into a market hall that opens every Saturday morning.",
    "Its traders sell cheese, honey and bread from the farms up the valley, and "
    "in the afternoon the hall becomes a dance floor for anyone who cares to stay.",
    "At Lowater, the smallest of the three, the ferry runs again twice a day, "
    "carrying cyclists, school children and the post across to the far bank.",
    "The ferryman says the river has never been so busy in his lifetime, and he "
    "expects the summer visitors to fill the new guest houses along the front.",
    "None of the towns has finished its work: the sea wall at Elmsford still "
    "needs new stone, and the old mill at Marrow Cross waits for a buyer.",
]
PHOTO_SIZE = (250.0, 170.0)  # points: the photograph in the right column
MAGAZINE_PAGE_NUMBER = "14"


def make_magazine_pdf(path: pathlib.Path) -> list[str]:
    """Write a magazine-like page: a title over two columns, the right one
    opening with a photograph (a dark, textured picture) and its caption,
    and the page number at the foot of the left column; return the title,
    the left column's paragraphs, the caption, the right column's paragraphs
    and the page number, in reading order."""
    import numpy as np
    from PIL import ImageDraw
    from reportlab.lib.utils import ImageReader

    column = (LETTER[0] - 2 * MARGIN - COLUMN_GAP) / 2
    right_x = MARGIN + column + COLUMN_GAP
    rng = np.random.default_rng(7)
    photo = Image.new("L", (500, 340), 110)
    draw = ImageDraw.Draw(photo)
    for _ in range(150):  # lighter and darker shapes over a dark ground
        x, y = int(rng.integers(0, 500)), int(rng.integers(0, 340))
        draw.ellipse((x, y, x + 30, y + 20), fill=int(rng.integers(40, 220)))
    c = canvas.Canvas(str(path), pagesize=LETTER)
    top = LETTER[1] - MARGIN
    c.setFont(BOLD, 22)
    c.drawString(MARGIN, top, MAGAZINE_TITLE)
    c.setFont(FONT, BODY_SIZE)
    y = top - 40
    for paragraph in MAGAZINE_LEFT:
        for line in _wrap(paragraph, column):
            c.drawString(MARGIN, y, line)
            y -= BODY_LEADING
        y -= BODY_LEADING
    width, height = PHOTO_SIZE
    c.drawImage(ImageReader(photo), right_x, top - 30 - height, width, height)
    y = top - 30 - height - BODY_LEADING
    c.drawString(right_x, y, MAGAZINE_CAPTION)
    y -= 2 * BODY_LEADING
    for paragraph in MAGAZINE_RIGHT:
        for line in _wrap(paragraph, column):
            c.drawString(right_x, y, line)
            y -= BODY_LEADING
        y -= BODY_LEADING
    c.drawString(MARGIN, MARGIN, MAGAZINE_PAGE_NUMBER)  # at the foot of the left column
    c.showPage()
    c.save()
    return [MAGAZINE_TITLE, *MAGAZINE_LEFT, MAGAZINE_CAPTION, *MAGAZINE_RIGHT, MAGAZINE_PAGE_NUMBER]


BANNER = "SPECIAL REPORT: THE HARBOUR"
BANNER_LINES = [
    "The council met on Tuesday to decide the future of the quay.",
    "Most members agreed that the old landing must be widened.",
]


def make_banner_png(path: pathlib.Path) -> list[str] | None:
    """Write a scanned page whose heading is set white on a black band over
    two lines of black text; return the heading and the lines (None without
    DejaVu fonts)."""
    from PIL import ImageDraw, ImageFont

    bold, plain = font_path("DejaVuSans-Bold.ttf"), font_path("DejaVuSans.ttf")
    if bold is None or plain is None:
        return None
    image = Image.new("L", (1700, 600), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 100, 1600, 220), fill=20)
    draw.text((140, 125), BANNER, font=ImageFont.truetype(str(bold), 60), fill=255)
    body = ImageFont.truetype(str(plain), 28)
    for i, line in enumerate(BANNER_LINES):
        draw.text((100, 300 + 45 * i), line, font=body, fill=0)
    image.save(path, format="PNG")
    return [BANNER, *BANNER_LINES]


def _table_page(path: pathlib.Path, *, ruled: bool, gray: float = 0.0) -> Rows:
    """The table page; in the ruled one (its rules drawn in ``gray``, 0
    black) the last row is taller and its middle cell wraps over two lines
    (only the grid says they are one cell)."""
    widths = [140.0, 160.0, 90.0]
    heights = [22.0] * len(TABLE_ROWS)
    if ruled:
        heights[-1] = 34.0
    c = canvas.Canvas(str(path), pagesize=LETTER)
    y = LETTER[1] - MARGIN
    c.setFont(FONT, BODY_SIZE)
    c.drawString(MARGIN, y, TABLE_BEFORE)
    top = y - 24
    edges = [top - sum(heights[:r]) for r in range(len(heights) + 1)]
    for r, row in enumerate(TABLE_ROWS):
        baseline = edges[r] - 15
        x = MARGIN
        for k, (cell, width) in enumerate(zip(row, widths, strict=True)):
            c.setFont(BOLD if r == 0 else FONT, BODY_SIZE)
            if k == len(row) - 1:
                c.drawRightString(x + width - 6, baseline, cell)
            elif ruled and r == len(TABLE_ROWS) - 1 and k == 1:
                first, second = cell.split(" ", 1)
                c.drawString(x + 6, baseline, first)
                c.drawString(x + 6, baseline - 13, second)
            else:
                c.drawString(x + 6, baseline, cell)
            x += width
    if ruled:
        c.setLineWidth(0.6)
        c.setStrokeGray(gray)
        for edge in edges:
            c.line(MARGIN, edge, MARGIN + sum(widths), edge)
        x = MARGIN
        for width in [0.0, *widths]:
            x += width
            c.line(x, top, x, edges[-1])
    c.setFont(FONT, BODY_SIZE)
    c.drawString(MARGIN, edges[-1] - 24, TABLE_AFTER)
    c.showPage()
    c.save()
    return [list(row) for row in TABLE_ROWS]


def make_ruled_table_pdf(path: pathlib.Path, gray: float = 0.0) -> Rows:
    """Write a page with a paragraph, a table in a full grid of rules (drawn
    in ``gray``, 0 black), a paragraph; return the table's rows (row 0 is
    the bold header)."""
    return _table_page(path, ruled=True, gray=gray)


def make_aligned_table_pdf(path: pathlib.Path) -> Rows:
    """Like ``make_ruled_table_pdf`` but without any rules: columns by alignment only."""
    return _table_page(path, ruled=False)


def _draw_visual(c: canvas.Canvas, text: str, right: float, y: float, font: str) -> None:
    """Draw right-to-left ``text`` word by word from ``right`` leftwards, each
    word's letters in visual order (reversed; numbers and Latin words kept)."""
    x = right
    for word in text.split():
        shown = word if re.fullmatch(r"[0-9A-Za-z]+", word) else word[::-1]
        width = c.stringWidth(shown, font, 14)
        c.drawString(x - width, y, shown)
        x -= width + c.stringWidth(" ", font, 14)


JAPANESE_COLUMNS = (
    "流体力学は目に見えない流れを扱うため、学生にとって理解しにくい科目である。"
    "そこで授業では実験を多く取り入れ、現象を自分の目で確かめる機会を増やしている。"
    "実験の後には、なぜそうなるのかを班ごとに話し合い、結果を短い報告にまとめる。",
    "この方法を三年間続けた結果、期末試験の平均点は少しずつ上がった。"
    "また、授業に対する感想でも、流れが面白くなったという意見が増えている。"
    "今後は、家庭でもできる簡単な実験を教材として公開する予定である。",
)


def make_japanese_columns_pdf(path: pathlib.Path) -> list[str] | None:
    """Two columns of Japanese running text (``JAPANESE_COLUMNS``) on one
    line grid, each wrapped at 14 characters a line and set a little apart
    (3 points between characters, as justified Japanese often is); return
    the columns' texts (None: no CJK font)."""
    if not _register("Cjk", CJK_FONT_FILE):
        return None
    c = canvas.Canvas(str(path), pagesize=LETTER)
    for k, text in enumerate(JAPANESE_COLUMNS):
        for i in range(0, len(text), 14):
            line = c.beginText(MARGIN + k * 260, 700 - 16 * (i // 14))
            line.setFont("Cjk", 11)
            line.setCharSpace(3)
            line.textOut(text[i : i + 14])
            c.drawText(line)
    c.save()
    return list(JAPANESE_COLUMNS)


def make_vertical_glyphs_pdf(path: pathlib.Path) -> str | None:
    """The first of ``JAPANESE_COLUMNS`` set vertically, 20 characters a
    column, columns right to left, each glyph drawn as a text object of its
    own (as some gazettes are produced); return the text (None: no CJK font)."""
    if not _register("Cjk", CJK_FONT_FILE):
        return None
    text, size = JAPANESE_COLUMNS[0], 11.0
    c = canvas.Canvas(str(path), pagesize=LETTER)
    c.setFont("Cjk", size)
    for k, glyph in enumerate(text):
        column, place = divmod(k, 20)
        c.drawString(520 - column * 2 * size, 700 - place * size, glyph)
    c.save()
    return text


LABELLED_LINE = "NAME OF THE VESSEL"


def make_labelled_dots_pdf(path: pathlib.Path) -> tuple[list[str], str]:
    """The two-column paragraphs (``TWO_COLUMN_PARAGRAPHS``: the first two
    on the left, the last two on the right), and under both columns a
    form's line at the columns' leading: a bold label (``LABELLED_LINE``) and
    the dotted line it heads, drawn before the columns, running on under
    the right column in larger dots. Returns the columns' texts and the label."""
    column = (LETTER[0] - 2 * MARGIN - COLUMN_GAP) / 2
    sides = [
        [line for text in TWO_COLUMN_PARAGRAPHS[:2] for line in _wrap(text, column)],
        [line for text in TWO_COLUMN_PARAGRAPHS[2:] for line in _wrap(text, column)],
    ]
    c = canvas.Canvas(str(path), pagesize=LETTER)
    top = LETTER[1] - MARGIN
    y = top - max(map(len, sides)) * BODY_LEADING  # at the columns' leading: no lead-in
    start = MARGIN + c.stringWidth(LABELLED_LINE, BOLD, BODY_SIZE) + 4
    c.setFont(FONT, 14)  # the dots first, as a form's template is drawn before its text
    c.drawString(start, y, "." * int((LETTER[0] - MARGIN - start) / c.stringWidth(".", FONT, 14)))
    c.setFont(FONT, BODY_SIZE)
    for k, side in enumerate(sides):
        for i, line in enumerate(side):
            c.drawString(MARGIN + k * (column + COLUMN_GAP), top - i * BODY_LEADING, line)
    c.setFont(BOLD, BODY_SIZE)
    c.drawString(MARGIN, y, LABELLED_LINE)
    c.save()
    return [" ".join(TWO_COLUMN_PARAGRAPHS[:2]), " ".join(TWO_COLUMN_PARAGRAPHS[2:])], LABELLED_LINE


DARK_HEAD = ["Status", "Project name", "Estimated output (tons a year)", "Owner", "Location"]
DARK_ROWS = [
    ["Running", "Harbour wind farm", "10,000", "Northern Power", "Ordos"],
    ["Planned", "Desert solar park", "500", "Sunrise Energy", "Baotou"],
    ["Planned", "River valley hydrogen", "384", "Valley Holding", "Xilingol"],
]


def make_dark_head_table_pdf(path: pathlib.Path) -> tuple[list[str], list[list[str]]]:
    """A report's table whose header cells are printed white on black
    (``DARK_HEAD``; a long one wraps onto two lines), its rows black on
    white between thin rules (``DARK_ROWS``). Returns the head and the rows."""
    widths = [70.0, 130.0, 100.0, 110.0, 70.0]
    lefts = [MARGIN + sum(widths[:k]) for k in range(len(widths))]
    c = canvas.Canvas(str(path), pagesize=LETTER)
    top = LETTER[1] - MARGIN
    c.setFont(BOLD, 14)
    c.drawString(MARGIN, top, "Table 1: Projects in the region")
    head_top, head_height = top - 20, 34.0
    for left, width, title in zip(lefts, widths, DARK_HEAD, strict=True):
        c.setFillGray(0.0)
        c.rect(left, head_top - head_height, width - 2, head_height, stroke=0, fill=1)
        c.setFillGray(1.0)
        c.setFont(BOLD, BODY_SIZE)
        lines = simpleSplit(title, BOLD, BODY_SIZE, width - 10)
        for i, line in enumerate(lines):
            c.drawString(left + 5, head_top - 14 - i * BODY_LEADING, line)
    c.setFillGray(0.0)
    c.setFont(FONT, BODY_SIZE)
    y = head_top - head_height
    for row in DARK_ROWS:
        for left, cell in zip(lefts, row, strict=True):
            c.drawString(left + 5, y - 16, cell)
        y -= 24
        c.line(MARGIN, y, lefts[-1] + widths[-1], y)
    c.save()
    return list(DARK_HEAD), [list(row) for row in DARK_ROWS]


CONTENTS = [  # (entry, page) of a contents page whose entries end in dot leaders
    ("1.1 Compiling from the command line", "3"),
    ("1.2 Compiling with the build tools", "3"),
    ("1.3 Integrating several modules", "4"),
    ("1.4 Compiling at import time", "4"),
    ("1.5 Compiler directives", "6"),
    ("2.1 Special methods of extension types", "17"),
    ("2.2 Sharing declarations between files", "23"),
    ("2.3 Interfacing with external libraries", "31"),
]


def make_contents_pdf(path: pathlib.Path, leaders: bool = True) -> list[tuple[str, str]]:
    """A contents page set as LaTeX sets one (``CONTENTS``): each entry, then
    (``leaders``) a dot leader (dots 4.5 points apart) up to its page
    number, set flush right. Returns the entries and their pages."""
    c = canvas.Canvas(str(path), pagesize=LETTER)
    c.setFont(BOLD, 16)
    top = LETTER[1] - MARGIN
    c.drawString(MARGIN, top, "Contents")
    right = LETTER[0] - MARGIN
    for i, (entry, page) in enumerate(CONTENTS):
        y = top - 36 - i * 1.6 * BODY_LEADING
        c.setFont(FONT, BODY_SIZE)
        c.drawString(MARGIN, y, entry)
        c.drawRightString(right, y, page)
        x = MARGIN + c.stringWidth(entry, FONT, BODY_SIZE) + 9
        while leaders and x < right - 18:
            c.drawString(x, y, ".")
            x += 4.5
    c.save()
    return list(CONTENTS)


RUN_IN_LINES = [  # (text, bold) pieces a line, as instructions set run-in headings
    [("Tax benefits extended.", True), (" The following tax", False)],
    [("benefits were extended through the year.", False)],
    [("Alternative minimum tax exemption", True)],
    [("amount decreased.", True), (" The exemption amount is", False)],
    [("decreased for every filer this year.", False)],
    [("Standard mileage rates.", True), (" The rate for business", False)],
    [("use of a vehicle is unchanged.", False)],
]
RUN_IN_PARAGRAPHS = [(0, 2), (2, 5), (5, 7)]  # lines of each paragraph


def make_run_in_headings_pdf(path: pathlib.Path) -> list[str]:
    """Paragraphs opening with a bold run-in heading (``RUN_IN_LINES``,
    Helvetica 10 on 12 points, no space between paragraphs, the first
    ending in a line about as long as the others). The second's heading
    wraps: its first line is all bold, its second opens in lower case,
    bold, then goes on in the regular face. Returns the paragraphs' texts."""
    c = canvas.Canvas(str(path), pagesize=LETTER)
    for row, pieces in enumerate(RUN_IN_LINES):
        text = c.beginText(MARGIN, 700 - 12 * row)
        for piece, bold in pieces:
            text.setFont(BOLD if bold else FONT, 10)
            text.textOut(piece)
        c.drawText(text)
    c.save()
    lines = ["".join(piece for piece, _ in pieces) for pieces in RUN_IN_LINES]
    return [" ".join(lines[start:end]) for start, end in RUN_IN_PARAGRAPHS]


NOTE_MARKED = [  # (text before the mark, the mark, text after it): one line each
    ("The Harbour Act (HA)", "1", " was signed into law in the spring of that year."),
    ("Dues are paid on arrival at the quay", "*", " unless the harbour master waives them."),
]


def make_note_marks_pdf(path: pathlib.Path) -> list[str]:
    """Lines with a note's mark inside (``NOTE_MARKED``), each line drawn
    first with room left for its mark, then its mark (7 points, raised 4),
    as some word processors do. Returns the lines as read, each mark after
    its word."""
    c = canvas.Canvas(str(path), pagesize=LETTER)
    for row, (before, mark, after) in enumerate(NOTE_MARKED):
        y = 700 - 20 * row
        room = c.stringWidth(before, FONT, BODY_SIZE) + 1
        c.setFont(FONT, BODY_SIZE)
        c.drawString(MARGIN, y, before)
        c.drawString(MARGIN + room + c.stringWidth(mark, FONT, 7), y, after)
        c.setFont(FONT, 7)
        c.drawString(MARGIN + room, y + 4, mark)
    c.save()
    return [before + mark + after for before, mark, after in NOTE_MARKED]


def make_rtl_pdf(path: pathlib.Path) -> list[str] | None:
    """Write Hebrew and Arabic lines drawn in visual order; return them in
    logical order (None: no font with these scripts on this machine)."""
    if not _register("Rtl", RTL_FONT_FILE):
        return None
    c = canvas.Canvas(str(path), pagesize=LETTER)
    c.setFont("Rtl", 14)
    lines = [*HEBREW_LINES, ARABIC_LINE, MIXED_LINE]
    for i, line in enumerate(lines):
        _draw_visual(c, line, LETTER[0] - MARGIN, LETTER[1] - MARGIN - i * 30, "Rtl")
    c.showPage()
    c.save()
    return lines


def make_cjk_pdf(path: pathlib.Path, heading: str = CJK_HEADING) -> list[str] | None:
    """Write a Chinese ``heading`` (in large print), a Chinese paragraph
    wrapped over lines and a Japanese line; return heading, paragraph, line
    (None: no CJK font)."""
    if not _register("Cjk", CJK_FONT_FILE):
        return None
    c = canvas.Canvas(str(path), pagesize=LETTER)
    y = LETTER[1] - MARGIN
    c.setFont("Cjk", 22)
    c.drawString(MARGIN, y, heading)
    c.setFont("Cjk", 12)
    y -= 36
    for line in textwrap.wrap(CJK_PARAGRAPH, 30):
        c.drawString(MARGIN, y, line)
        y -= 17
    c.drawString(MARGIN, y - 20, JAPANESE_LINE)
    c.showPage()
    c.save()
    return [heading, CJK_PARAGRAPH, JAPANESE_LINE]


def make_unmapped_pdf(path: pathlib.Path) -> list[str] | None:
    """Write a header in Helvetica, then two lines whose font maps every code
    to a private-use character (None: no DejaVu Sans); return the lines."""
    if not _register("Unmapped", RTL_FONT_FILE):
        return None
    size = (6 * 72.0, 2.5 * 72.0)  # a small page: cheap to render and OCR
    c = canvas.Canvas(str(path), pagesize=size, pageCompression=0)
    c.setFont(FONT, 14)  # a line with a good map: too little to stand for the page
    c.drawString(36, size[1] - 30, UNMAPPED_HEADER)
    c.setFont("Unmapped", 24)
    for i, line in enumerate(UNMAPPED_LINES):
        c.drawString(36, size[1] - 70 - i * 40, line)
    c.showPage()
    c.save()
    _remap(path, rb"<([0-9A-F]{2})> <00([2-7][0-9A-F])>", rb"<\1> <E0\2>")  # <21> <E021>
    return [UNMAPPED_HEADER, *UNMAPPED_LINES]


def make_glyph_index_pdf(path: pathlib.Path, space: int = 3) -> list[str] | None:
    """Write a heading in Helvetica, then GLYPH_INDEX_LINES in a font whose
    Unicode map gives each glyph's index in TrueType's standard order ("VD"
    for "sa": a subset font without its own map, as pdfium reads it; the
    space glyph ``space``, 3 in the order itself, 1 or 2 in a font that
    numbers from there), and a
    longer paragraph in Helvetica, so that the page as a whole reads as
    language (None: no DejaVu Sans). Return the heading, the glyph-index
    lines and the paragraph's lines."""
    if not _register("GlyphIndex", RTL_FONT_FILE):
        return None
    heading = "Manoel de Oliveira"
    closing = textwrap.wrap(GLYPH_INDEX_CLOSING, 70)
    c = canvas.Canvas(str(path), pagesize=LETTER, pageCompression=0)
    c.setFont(FONT, 16)
    c.drawString(MARGIN, 700, heading)
    c.setFont("GlyphIndex", 11)
    for i, line in enumerate(GLYPH_INDEX_LINES):
        c.drawString(MARGIN, 670 - 15 * i, line)
    c.setFont(FONT, 11)
    for i, line in enumerate(closing):
        c.drawString(MARGIN, 610 - 15 * i, line)
    c.showPage()
    c.save()

    def glyph(match: re.Match[bytes]) -> bytes:
        code = int(match[2], 16)
        if 32 <= code < 127 or chr(code) in GLYPH_ACCENTS:
            code = ord(glyph_indices(chr(code), GLYPH_ACCENTS, space))
        return b"<%s> <%04X>" % (match[1], code)

    _remap(path, rb"<([0-9A-F]{2})> <([0-9A-F]{4})>", glyph)
    return [heading, *GLYPH_INDEX_LINES, *closing]


def glyph_indices(text: str, accents: dict[str, int], space: int = 3) -> str:
    """``text`` as a font that gives its glyph indices has it ("VD" for
    "sa"): ASCII in TrueType's standard order, its accented letters at
    ``accents`` (glyph numbers in that order), all shifted so that the
    space is glyph ``space``."""
    return "".join(chr(accents.get(ch, ord(ch) - 29) - 3 + space) for ch in text)


def _remap(
    path: pathlib.Path, entry: bytes, code: bytes | Callable[[re.Match[bytes]], bytes]
) -> None:
    """Rewrite the entries of the PDF's uncompressed ToUnicode maps that
    match ``entry`` (a pattern) to ``code`` (its replacement, or a function
    of the match giving it; the same length, so that the xref offsets stay
    valid)."""
    data = path.read_bytes()
    remapped = re.sub(entry, code, data)
    assert remapped != data, "reportlab wrote no uncompressed ToUnicode map"
    path.write_bytes(remapped)


def make_word_bullets_pdf(path: pathlib.Path) -> list[tuple[int, str]] | None:
    """Write a list as Word prints one: its bullets in symbol fonts that map
    them to the private use area (U+F0B7, Symbol's bullet; U+F075,
    Wingdings' diamond), a tab before each item's text, and a second level
    whose bullet is an "o" in Courier, one item all code in Courier too;
    then a line with Wingdings' empty check box (U+F0A8) before its text
    (None: no DejaVu Sans). Return the items, top down, each with its level
    (0, or 1 for the second), then the check box line as (-1, its text)."""
    if not _register("Bullets", RTL_FONT_FILE):
        return None
    items = [(0, "Pixmaps may carry an alpha channel"), (1, "Pixmap.alpha tells which")]
    items += [(1, "Pixmap.n = Colorspace.n + 1"), (0, "Colorspaces name their kind")]
    bullets = ["\u2022", "o", "o", "\u25c6"]
    c = canvas.Canvas(str(path), pagesize=LETTER, pageCompression=0)
    c.setFont(FONT, 11)
    c.drawString(MARGIN, 700, "The changes:")
    for i, ((level, text), bullet) in enumerate(zip(items, bullets, strict=True)):
        y, x = 684 - 14 * i, MARGIN + 18 + 18 * level
        c.setFont("Courier" if bullet == "o" else "Bullets", 11)
        c.drawString(x, y, bullet)
        c.setFont("Courier" if "=" in text else FONT, 11)
        c.drawString(x + 18, y, text)
    c.setFont("Bullets", 11)
    c.drawString(MARGIN, 600, "\u2610")
    c.setFont(FONT, 11)
    c.drawString(MARGIN + 16, 600, "Reviewed by the maintainers")
    c.showPage()
    c.save()
    for code, private in ((b"2022", b"F0B7"), (b"25C6", b"F075"), (b"2610", b"F0A8")):
        _remap(path, rb"<([0-9A-F]{2})> <" + code + rb">", rb"<\1> <" + private + rb">")
    return [*items, (-1, "\u2610 Reviewed by the maintainers")]


def render_page(pdf_path: pathlib.Path, index: int = 0, scale: float = RENDER_SCALE) -> Image.Image:
    """Page ``index`` of a PDF rendered to a grayscale image (``scale`` px per point)."""
    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        return doc[index].render(scale=scale, grayscale=True).to_pil().convert("L")
    finally:
        doc.close()


def make_rendered_png(
    path: pathlib.Path,
    make: Callable[[pathlib.Path], object],
    scale: float = RENDER_SCALE,
    turn: float = 0,
    lamp: bool = False,
) -> object:
    """Write ``make``'s PDF rendered to a PNG, turned ``turn`` degrees
    counter-clockwise (a quarter turn, or a few degrees askew: the corners
    white), ``lamp``: lit unevenly (``lamp_lit``); return what ``make``
    returned."""
    source = path.with_suffix(".source.pdf")
    expected = make(source)
    image = render_page(source, 0, scale)
    source.unlink()
    if turn:
        image = image.rotate(turn, expand=True, fillcolor=255)
    if lamp:
        image = lamp_lit(image)
    image.save(path, format="PNG")
    return expected


def lamp_lit(image: Image.Image, darkest: float = LAMP_DARKEST) -> Image.Image:
    """The grayscale page as if photographed by a lamp at its right: its
    brightness falls off to ``darkest`` of itself at the left edge."""
    pixels = np.asarray(image.convert("L"), dtype=np.float32)
    across = np.linspace(darkest, 1.0, pixels.shape[1], dtype=np.float32)
    return Image.fromarray((pixels * across[None, :]).astype(np.uint8))


SCAN_TEXT = [
    "Orientation check for scanned pages",
    "The quick brown fox jumps over the lazy dog",
    "Invoice 2024 total amount due 315 EUR",
]


def make_rotated_png(path: pathlib.Path, turn: int) -> list[str]:
    """Write a short text page (SCAN_TEXT, 1100 x 260 px) turned ``turn`` degrees."""
    from corpus import render_text_image

    image = render_text_image(SCAN_TEXT, size=(1100, 260)).convert("L")
    if turn:
        image = image.rotate(turn, expand=True)
    image.save(path, format="PNG")
    return list(SCAN_TEXT)
