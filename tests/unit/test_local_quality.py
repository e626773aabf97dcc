"""Local engine quality: reading order, tables, headings, scripts, orientation.

Documents come from ``tests/quality_corpus.py`` (known text in). Text-layer
PDFs must come out exactly; OCR'd pages are compared on lower-case letters
and digits (OCR may drop or add spaces, not words). Each OCR'd document is
converted once per module.
"""

from __future__ import annotations

import pathlib
import random
import re
import textwrap

import corpus
import numpy as np
import pytest
import quality_corpus as qc
from PIL import Image, ImageOps
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen import canvas

from ilios.worker.engines import margins, scan
from ilios.worker.engines.geometry import LEADER_DOTS, Line, leader_start
from ilios.worker.engines.layout import to_markdown
from ilios.worker.engines.local import LocalEngine
from ilios.worker.engines.tables import running_on

PDF, PNG = "application/pdf", "image/png"
SCAN_SCALE = 1.5  # rendered pages: pixels per point (108 DPI, a low-resolution scan)


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return tmp_path_factory.mktemp("quality-docs")


def convert(path: pathlib.Path, mime: str = PDF) -> list[str]:
    return [page.markdown for page in LocalEngine().pages(path, mime)]


squashed = corpus.squashed


def table_rows(markdown: str) -> list[list[str]]:
    """The cells of the Markdown table rows in ``markdown`` (separator row left out)."""
    rows = []
    for line in markdown.splitlines():
        if line.startswith("|") and not set(line) <= set("|- "):
            rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def body_text(c: canvas.Canvas, top: float, count: int = 8) -> None:
    """``count`` lines of body text from ``top`` down, enough to make their
    size the page's body size."""
    c.setFont(corpus.FONT, corpus.BODY_SIZE)
    for i in range(count):
        c.drawString(72, top - 14 * i, "Revenue grew in every region this year, and costs fell;")


# --- text-layer PDFs ---------------------------------------------------------------


def test_two_columns_read_left_then_right(docs: pathlib.Path) -> None:
    path = docs / "two-column.pdf"
    title, *paragraphs = qc.make_two_column_pdf(path)
    [page] = convert(path)
    # Drawn row by row across both columns; paragraph 2 runs on into the right column.
    assert page == "\n\n".join([f"# {title}", *paragraphs])


def test_a_footer_at_both_edges_comes_after_the_columns(docs: pathlib.Path) -> None:
    """A footer below two columns, one piece flush left and one flush right
    ("Preprint submitted to ...", its date): each piece falls inside a
    column, and was read as the foot of its column, the left one in the
    middle of the page. It is read after both columns, as one line, out of
    the flow: the left column's hanging reference entry stays whole."""
    path = docs / "footed-columns.pdf"
    title, *paragraphs = qc.make_footed_columns_pdf(path)
    [page] = convert(path)
    assert page == "\n\n".join([f"# {title}", *paragraphs])


def test_running_text_beside_a_contents_list_is_no_table(docs: pathlib.Path) -> None:
    """A paper's contents list (short entries, one a line) in the left
    column beside its introduction in the right, at the same leading: each
    line of text stands level with an entry, and the page was read as a
    two-column table of entries and line fragments. The text's sentences
    run on from line to line past the entries (a table's next row starts a
    new cell): two columns, the text's paragraphs whole."""
    path = docs / "contents-beside-text.pdf"
    entries, paragraphs = qc.make_contents_beside_text_pdf(path)
    [page] = convert(path)
    assert not table_rows(page)
    assert page.split("\n\n")[-2:] == paragraphs
    corpus.assert_in_order(page, [*entries, *paragraphs])


@pytest.mark.parametrize("make", [qc.make_ruled_table_pdf, qc.make_aligned_table_pdf])
def test_tables_become_markdown_tables(docs: pathlib.Path, make) -> None:
    path = docs / f"{make.__name__}.pdf"
    rows = make(path)
    [page] = convert(path)
    header = "| " + " | ".join(rows[0]) + " |\n|" + " --- |" * len(rows[0])
    assert page.startswith(f"{qc.TABLE_BEFORE}\n\n{header}\n")
    assert page.endswith(f" |\n\n{qc.TABLE_AFTER}")
    assert table_rows(page) == rows


def test_bold_body_size_line_is_a_heading_below_sized_ones(docs: pathlib.Path) -> None:
    path = docs / "bold.pdf"
    c = canvas.Canvas(str(path), pagesize=LETTER)
    c.setFont(corpus.BOLD, 20)
    c.drawString(72, 700, "Annual Review")
    c.setFont(corpus.BOLD, corpus.BODY_SIZE)
    c.drawString(72, 660, "Key results")
    c.setFont(corpus.FONT, corpus.BODY_SIZE)
    c.drawString(72, 640, "Revenue grew in every region this year.")
    c.drawString(72, 626, "Costs fell, and the outlook is steady.")
    c.setFont(corpus.BOLD, corpus.BODY_SIZE)
    c.drawString(72, 600, "A bold sentence that ends with a full stop.")
    c.showPage()
    c.save()
    assert convert(path) == [
        "# Annual Review\n\n## Key results\n\n"
        "Revenue grew in every region this year. Costs fell, and the outlook is steady.\n\n"
        "A bold sentence that ends with a full stop."
    ]


def test_a_bold_phrase_filling_a_line_of_its_paragraph_is_no_heading(docs: pathlib.Path) -> None:
    """A line all bold inside a paragraph (a bold phrase that happens to fill
    it) opens in lower case: it is the paragraph's, not a heading."""
    path = docs / "bold-phrase.pdf"
    c = canvas.Canvas(str(path), pagesize=LETTER)
    lines = [
        (corpus.FONT, "The story of the first couple reminds us that we are free and aware of"),
        (corpus.BOLD, "the consequences of our own choices and of what they mean"),
        (corpus.FONT, "for everyone else, which is what makes a person truly free."),
    ]
    for i, (font, text) in enumerate(lines):
        c.setFont(font, corpus.BODY_SIZE)
        c.drawString(72, 700 - 14 * i, text)
    c.showPage()
    c.save()
    assert convert(path) == [" ".join(text for _, text in lines)]


def test_large_print_that_ends_as_a_sentence_or_has_no_word_is_no_heading(
    docs: pathlib.Path,
) -> None:
    """Text larger than the body is a heading unless it ends as a sentence
    does (a full stop after a lower-case word: a notice, a lead paragraph)
    or holds no word of two letters (a chart's axis figure, a form's "O"
    for "or"). A title ending in an abbreviation ("Inc.") stays one."""
    path = docs / "large-print.pdf"
    c = canvas.Canvas(str(path), pagesize=LETTER)
    c.setFont(corpus.FONT, 20)
    c.drawString(72, 700, "Acme Holdings Inc.")
    c.setFont(corpus.FONT, 14)
    c.drawString(72, 660, "Enclose, but do not attach, any payment.")
    c.drawString(72, 630, "2,500")
    c.drawString(72, 600, "O")
    body_text(c, 570)
    c.showPage()
    c.save()
    [page] = convert(path)
    assert page.split("\n\n")[:4] == [
        "# Acme Holdings Inc.",
        "Enclose, but do not attach, any payment.",
        "2,500",
        "O",
    ]

    cjk = qc.make_cjk_pdf(docs / "cjk-sentence.pdf", heading="本次发行不引用主体评级。")
    if cjk is None:
        pytest.skip(f"no {qc.CJK_FONT_FILE} on this machine (Debian: fonts-droid-fallback)")
    [page] = convert(docs / "cjk-sentence.pdf")
    assert page.startswith(f"{cjk[0]}\n\n")  # ends with an ideographic full stop


def test_key_points_in_large_print_are_list_items_not_headings(docs: pathlib.Path) -> None:
    """A report's key points, bulleted and set larger than its body, wrap
    onto second lines: each is one list item, no line of it a heading."""
    path = docs / "key-points.pdf"
    c = canvas.Canvas(str(path), pagesize=LETTER)
    c.setFont(corpus.FONT, 22)
    c.drawString(72, 720, "Oversupply misconceptions")
    points = [
        ("Our supply and demand models for each region suggest that", "concerns are overblown"),
        ("Stricter rules on supply chains should keep local markets", "apart despite the surplus"),
    ]
    c.setFont(corpus.FONT, 13)
    for i, (first, second) in enumerate(points):
        y = 690 - 40 * i
        c.drawString(72, y, "\u2022")
        c.drawString(86, y, first)
        c.drawString(86, y - 16, second)
    body_text(c, 600)
    c.showPage()
    c.save()
    [page] = convert(path)
    assert page.split("\n\n")[:2] == [
        "# Oversupply misconceptions",
        "\n".join(f"- {first} {second}" for first, second in points),
    ]


def test_word_bullets_in_a_symbol_font_make_a_list(docs: pathlib.Path) -> None:
    """Word's bullets come out of its symbol fonts in the private use area
    (U+F0B7 for Symbol's bullet, U+F075 for Wingdings' diamond), and its
    second level's bullet is an "o" in Courier a tab before the text: all
    open list items, the second level's nested under the first's (its
    bullets further in). Wingdings' empty check box is read as one."""
    path = docs / "word-bullets.pdf"
    made = qc.make_word_bullets_pdf(path)
    if made is None:
        pytest.skip(f"no {qc.RTL_FONT_FILE} on this machine (Debian: fonts-dejavu-core)")
    *items, (_, boxed) = made
    nested = "\n".join(f"{'  ' * level}- {item}" for level, item in items)
    assert convert(path) == [f"The changes:\n\n{nested}\n\n{boxed}"]


def test_a_word_shaded_in_its_line_keeps_the_line_whole(docs: pathlib.Path) -> None:
    """A word set on a shaded box (inline code, a highlight) is read in its
    line: the box's sides are no column lines, though its top and bottom
    meet them."""
    path = docs / "shaded-word.pdf"
    c = canvas.Canvas(str(path), pagesize=LETTER)
    c.setFont(corpus.FONT, 10)
    before = "Its presence is controlled by a new parameter (called"
    c.drawString(72, 700, before)
    left = 72 + c.stringWidth(before + " ", corpus.FONT, 10)
    c.setFillGray(0.8)
    c.rect(left - 1, 697, c.stringWidth("alpha", "Courier", 9) + 2, 11, stroke=0, fill=1)
    c.setFillGray(0)
    c.setFont("Courier", 9)
    c.drawString(left, 700, "alpha")
    c.setFont(corpus.FONT, 10)
    c.drawString(left + c.stringWidth("alpha", "Courier", 9) + 1, 700, "). This")
    c.drawString(72, 686, "has the following consequences for every pixmap.")
    c.showPage()
    c.save()
    assert convert(path) == [
        "Its presence is controlled by a new parameter (called alpha). This "
        "has the following consequences for every pixmap."
    ]


def test_a_narrow_sidebar_beside_full_lines_is_a_column_of_its_own(docs: pathlib.Path) -> None:
    """A journal's sidebar (dates, subject areas) set right-aligned in a
    narrow column a font size or so left of the text: the text's full lines
    are too wide to shape the gutter (its one short line is indented), but
    they all start at one x, so the gutter ends there, and the sidebar is
    read apart from the text."""
    path = docs / "sidebar.pdf"
    c = canvas.Canvas(str(path), pagesize=LETTER)
    side = ["Received", "3 November 2014", "Accepted", "23 January 2015", "Published"]
    side += ["25 February 2015", "Correspondence to", "S. Wang"]
    c.setFont(corpus.FONT, 8)
    for i, line in enumerate(side):
        c.drawRightString(125, 641 - 10 * i, line)
    words = ("quantum computation in a planar ion crystal confined by a Paul trap " * 9).split()
    lines, line = [], ""
    for word in words:
        if c.stringWidth(f"{line} {word}", corpus.FONT, 10) > 400:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    c.setFont(corpus.FONT, 10)
    for i, text in enumerate(lines):  # full lines only: none narrow
        c.drawString(137, 644 - 12.6 * i, text)
    c.drawString(147, 644 - 12.6 * len(lines), "Generic ion traps, on the other hand.")
    c.showPage()
    c.save()
    [page] = convert(path)
    assert page.split("\n\n")[-2:] == [" ".join(lines), "Generic ion traps, on the other hand."]


def test_a_drop_cap_opens_its_word_and_paragraph(docs: pathlib.Path) -> None:
    """A paragraph's first letter set large (a drop cap, three lines deep)
    is its first word's first letter, and the lines beside it, indented to
    clear it, run on into the lines below it."""
    path = docs / "drop-cap.pdf"
    c = canvas.Canvas(str(path), pagesize=LETTER)
    c.setFont(corpus.FONT, 43)  # its top level with the first line's capitals
    c.drawString(72, 676, "S")
    lines = [
        (100, "calable quantum computation is one of the goals"),
        (100, "of modern physics, and trapped ions are among"),
        (72, "the most promising platforms for it, as the linear Paul"),
        (72, "trap was among the first to perform logic gates."),
    ]
    c.setFont(corpus.FONT, 10)
    for i, (x, text) in enumerate(lines):
        c.drawString(x, 700 - 12 * i, text)
    c.showPage()
    c.save()
    assert convert(path) == ["S" + " ".join(text for _, text in lines)]


def test_a_column_of_one_letter_cells_is_no_stacked_word(docs: pathlib.Path) -> None:
    """Letters one under another are read as a word only when they stand
    alone on their lines: a table's column of Y/N flags keeps its rows."""
    path = docs / "flags.pdf"
    c = canvas.Canvas(str(path), pagesize=LETTER)
    c.setFont(corpus.FONT, corpus.BODY_SIZE)
    rows = [("Item", "Stock", "Due"), ("Bolts", "Y", "May"), ("Nuts", "N", "June")]
    rows += [("Gears", "Y", "July"), ("Belts", "N", "Aug")]
    for i, row in enumerate(rows):
        for x, cell in zip((72, 200, 300), row, strict=True):
            c.drawString(x, 700 - 13 * i, cell)
    c.showPage()
    c.save()
    [page] = convert(path)
    assert table_rows(page) == [list(row) for row in rows]


def test_right_to_left_lines_come_out_in_logical_order(docs: pathlib.Path) -> None:
    path = docs / "rtl.pdf"
    lines = qc.make_rtl_pdf(path)
    if lines is None:
        pytest.skip(f"no {qc.RTL_FONT_FILE} on this machine (Debian: fonts-dejavu-core)")
    assert convert(path) == ["\n\n".join(lines)]


def test_arabic_pieces_in_a_latin_line_read_right_to_left(docs: pathlib.Path) -> None:
    """An Arabic word in a Latin line drawn in two pieces: the pieces side by
    side read right to left, the one on the right first, and the Latin
    words around them keep their places."""
    if not qc._register("Rtl", qc.RTL_FONT_FILE):
        pytest.skip(f"no {qc.RTL_FONT_FILE} on this machine (Debian: fonts-dejavu-core)")
    path = docs / "rtl-in-latin.pdf"
    c = canvas.Canvas(str(path), pagesize=LETTER)
    x = 72.0
    # "الكتاب" (al-kitab), drawn as seen: its end ("بات") leftmost
    for font, text in [(qc.FONT, "To obtain "), ("Rtl", "بات"), ("Rtl", "كلا")]:
        c.setFont(font, 12)
        c.drawString(x, 700, text)
        x += c.stringWidth(text, font, 12)
    c.setFont(qc.FONT, 12)
    c.drawString(x, 700, " one writes AlkitAb.")
    c.showPage()
    c.save()
    assert convert(path) == ["To obtain الكتاب one writes AlkitAb."]


def test_first_page_in_small_print_keeps_its_body_and_headings(docs: pathlib.Path) -> None:
    """An article's first page (ACM's small format): its abstract and the
    authors' addresses in 8 pt outweigh the 10 pt text. A page's worth of
    10 pt text is still body text, not a heading, and a bold 10 pt line
    above it is a heading."""
    path = docs / "small-print-first-page.pdf"
    c = canvas.Canvas(str(path), pagesize=LETTER)
    c.setFont(corpus.FONT, 16)
    c.drawString(72, 720, "The Name of the Title Is Hope")
    c.setFont(corpus.FONT, 8)
    small = "Authors' addresses: Institute for Clarity in Documentation, P.O. Box 1212, Ohio."
    for i in range(24):
        c.drawString(72, 690 - 10 * i, small)
    c.setFont(corpus.BOLD, 10)
    c.drawString(72, 430, "1 INTRODUCTION")
    c.setFont(corpus.FONT, 10)
    body = "ACM's consolidated article template provides a consistent style for all of its"
    for i in range(8):
        c.drawString(72, 414 - 12 * i, body)
    c.showPage()
    c.save()
    [page] = convert(path)
    blocks = page.split("\n\n")
    assert blocks[0] == "# The Name of the Title Is Hope"
    at = blocks.index("## 1 INTRODUCTION")
    assert blocks[at + 1] == " ".join([body] * 8)


def test_ocr_layer_script_names_the_model_to_read_it() -> None:
    """A scanned page's invisible layer (another OCR's reading) in Chinese,
    Japanese or Arabic adds that script's installed model to the languages
    our OCR reads the page in; a Latin layer adds none."""
    from ilios.worker.engines import tesseract

    have = tesseract.installed_models()
    cases = [("合肥工业大学试卷参考答案数学", "chi_sim"), ("これはテストの文章です", "jpn")]
    cases += [("تحسين الإنتاجية وحل المشكلات", "ara")]
    for text, model in cases:
        expected = ["eng", model] if model in have else ["eng"]
        assert tesseract.with_script_of(f"{text} 2022 A", ["eng"]) == expected
    assert tesseract.with_script_of("The committee met on 12 May", ["eng"]) == ["eng"]
    assert tesseract.with_script_of("合肥工业大学", ["chi_sim"]) == ["chi_sim"]


def test_scan_drawn_by_a_form_inside_a_form_is_a_scan(docs: pathlib.Path) -> None:
    """A scan repository's page: the scan drawn by a form XObject that
    another form draws, under an invisible OCR layer of poor quality. The
    image is found two forms deep, so the page is a scan and our OCR's
    better reading replaces the layer's."""
    path = docs / "nested-scan.pdf"
    lines, layer = corpus.make_nested_scan_pdf(path)
    [page] = convert(path)
    assert squashed(page) == squashed(" ".join(lines))
    assert "rep0rt" in layer and "rep0rt" not in page


def test_japanese_words_of_one_ocr_line_make_one_segment() -> None:
    """Tesseract's Japanese words on one line, as it boxes them on a scan:
    apart by a line height after a full-width stop (its blank half), or one
    box reaching back over the one before. They are one segment, as a
    column's line of running text is; Latin words that far apart are two."""
    from ilios.worker.engines import tesseract

    line_box = {0: ((175, 1290, 1185, 1330), 1325), 1: ((175, 1520, 1185, 1560), 1555)}
    words = [
        (0, "重要性を伝えなければいけない\uff0e", (175, 1290, 700, 1325), 90.0),
        (0, "実現象に正面から向かい合", (738, 1292, 1182, 1327), 90.0),
        (1, "2\uff0e問題", (182, 1522, 436, 1556), 90.0),
        (1, "の背景", (345, 1520, 436, 1555), 90.0),
    ]
    got = tesseract._segments(words, line_box, False, 2480)
    assert [seg.text for seg in got] == [
        "重要性を伝えなければいけない\uff0e実現象に正面から向かい合",
        "2\uff0e問題の背景",
    ]
    latin = [(0, "Total", (175, 1290, 300, 1325), 90.0), (0, "due", (380, 1290, 450, 1325), 90.0)]
    assert [seg.text for seg in tesseract._segments(latin, line_box, False, 2480)] == [
        "Total",
        "due",
    ]


def test_two_columns_of_japanese_scanned_are_read_one_after_the_other(
    docs: pathlib.Path,
) -> None:
    """A scan of two columns of Japanese on one line grid, 14 characters a
    line: each column is running text (a CJK character is worth two of a
    Latin line's), so the page reads the left column, then the right, not
    a table pairing their lines."""
    from ilios.worker.engines import tesseract

    if "jpn" not in tesseract.installed_models():
        pytest.skip("no Japanese model (Debian: tesseract-ocr-jpn)")
    path = docs / "japanese-columns.png"
    columns = qc.make_rendered_png(path, qc.make_japanese_columns_pdf, scale=3.0)
    if columns is None:
        pytest.skip(f"no {qc.CJK_FONT_FILE} on this machine (Debian: fonts-droid-fallback)")
    [page] = [p.markdown for p in LocalEngine().pages(path, PNG, languages=["jpn"])]
    assert "|" not in page
    text = "".join(page.split())
    starts = [text.find(column[:8]) for column in columns]
    ends = [text.find(column[-8:-1]) for column in columns]
    assert -1 not in starts + ends, page
    assert starts[0] < ends[0] < starts[1] < ends[1]


def test_seal_lettering_along_a_circle_is_one_phrase(docs: pathlib.Path) -> None:
    """A thesis cover's seal: its letters set one by one round a circle,
    each turned a little further than the one before (a wider step between
    the words). They are read as one phrase set apart from the page's
    text, not as letters scattered through it."""
    import math

    path = docs / "seal.pdf"
    c = canvas.Canvas(str(path), pagesize=LETTER)
    body_text(c, 700)
    c.setFont(corpus.BOLD, 14)
    angle = 200.0  # degrees round the circle, clockwise from its left
    for word in ("CHONGQING", "UNIVERSITY"):
        for letter in word:
            x = 300 + 60 * math.cos(math.radians(angle))
            y = 400 + 60 * math.sin(math.radians(angle))
            c.saveState()
            c.translate(x, y)
            c.rotate(angle - 90)  # each letter upright to the circle's edge
            c.drawString(0, 0, letter)
            c.restoreState()
            angle -= 11
        angle -= 11  # a letter's room between the words
    c.showPage()
    c.save()
    [page] = convert(path)
    blocks = page.split("\n\n")
    assert "CHONGQING UNIVERSITY" in blocks
    assert all(len(block) > 1 for block in blocks), blocks


def test_cjk_heading_and_wrapped_paragraph_join_without_spaces(docs: pathlib.Path) -> None:
    path = docs / "cjk.pdf"
    expected = qc.make_cjk_pdf(path)
    if expected is None:
        pytest.skip(f"no {qc.CJK_FONT_FILE} on this machine (Debian: fonts-droid-fallback)")
    heading, paragraph, japanese = expected
    assert convert(path) == [f"# {heading}\n\n{paragraph}\n\n{japanese}"]


def test_page_whose_font_has_no_unicode_map_is_ocred(docs: pathlib.Path) -> None:
    path = docs / "unmapped.pdf"
    lines = qc.make_unmapped_pdf(path)
    if lines is None:
        pytest.skip(f"no {qc.RTL_FONT_FILE} on this machine")
    [page] = convert(path)
    assert "\ue000" not in page and squashed(page) == squashed(" ".join(lines))


@pytest.mark.parametrize("space", [3, 1])
def test_font_that_gives_glyph_indices_is_read_back(docs: pathlib.Path, space: int) -> None:
    """A page broken in one font only: its map gives glyph indices ("VD
    SUHPLqUH" for "sa première"), the other font's text is right, and the
    page as a whole reads as language. That font's text is read through
    the standard glyph order (a font numbering from glyph 1 too), with its
    digits, punctuation and accents; the heading stays a heading."""
    path = docs / f"glyph-index-{space}.pdf"
    lines = qc.make_glyph_index_pdf(path, space)
    if lines is None:
        pytest.skip(f"no {qc.RTL_FONT_FILE} on this machine")
    [page] = convert(path)
    heading, *body = lines
    glyph_lines = len(qc.GLYPH_INDEX_LINES)
    assert page.split("\n\n") == [
        f"# {heading}",
        " ".join(body[:glyph_lines]),
        " ".join(body[glyph_lines:]),
    ]


def test_glyph_indices_are_told_from_text() -> None:
    """Text that merely looks odd is not read as glyph indices: capitals
    (which read as other letters that way, but hold no C0 controls),
    figures, math's single letters, text already right, a shifted map
    (letters one code point off), nor too little text to judge."""
    from ilios.worker.engines import glyph_order, legibility

    garbage = "9HQX\x03DX\x03FLQpPD\x03SDU\x03OH\x03GRFXPHQWDLUH\x03SRXU\x03pGLILHU"
    assert glyph_order.decode(garbage) == "Venu au cinéma par le documentaire pour édifier"
    assert legibility.glyph_space(garbage) == 3
    assert legibility.glyph_space(garbage[:24]) is None  # too short to judge alone ...
    assert legibility.glyph_space(garbage[:24], given=(3,)) == 3  # ... but not beside another
    for text in [
        "INTRODUCTION AND BACKGROUND OF THE PRESENT STUDY",
        "1 057 2 114 3 171 4 228 5 285 6 342 7 399 8 456 9 513",
        "x y z U d x y z x y z V T t d x y x y U z x y z d t",
        "Venu au cinéma par le documentaire, il s'est très vite intéressé",
        "Bohfm qjejf b Boof vo bcmftljwfs z vo cpfvg cpvshvjhopo",  # each letter one up
        "QWERTY XZK-220 VGHJ-4471 QXW PLKJ-88 ZZT-9 WXYZ-1204",
        "WRKFCNUSG CHGFCNUSG DSPFCNUSG WRKFCNUSG CHGFCNUSG",  # commands' names
        "D D1 D2 M C P1 P2 PM W Q R C CF K CF C CF K P1 P2 W Q",  # a math font's capitals
    ]:
        assert legibility.glyph_space(text) is None, text
    assert glyph_order.decode("\x12\x13", space=1) == "12"  # numbered from glyph 1
    # accented letters in the standard order read right; numbered the font's
    # own way, they read as symbols inside words, and the font is left alone
    sentence = "Göran fête son été au bord de la mer, près de chez sa mère. Göran est là."
    standard = {"ö": 124, "ê": 114, "é": 112, "è": 113, "à": 106}
    own = {"ö": 0xB9, "ê": 0xBC, "é": 0xA8, "è": 0xA6, "à": 0xA9}
    assert legibility.glyph_space(qc.glyph_indices(sentence, standard)) == 3
    raw = qc.glyph_indices(sentence, own)
    assert legibility.glyph_space(raw) is None


def _statistical_frame(
    path: pathlib.Path, head: float, rows: int, label: float
) -> tuple[canvas.Canvas, tuple[int, int]]:
    """A statistical table's frame, the Census Bureau's way: rules across
    its top (700), under its head (``head``) and at its foot (``rows``
    12-point rows below), and down beside the labels (from 72) and each
    group of two figures (from 200 and from 320, to 440), and the labels'
    head, "Offense charged", ``label`` points under the top; the canvas is
    set in 8-point Helvetica. Returns the canvas and the groups' left edges."""
    sheet = canvas.Canvas(str(path), pagesize=LETTER)
    left, groups, right = 72, (200, 320), 440
    top, bottom = 700, head - 12 * (rows + 1)
    for y in (top, head, bottom):
        sheet.line(left, y, right, y)
    for x in (left, *groups, right):
        sheet.line(x, top, x, bottom)
    sheet.setFont("Helvetica", 8)
    sheet.drawString(left + 4, top - label, "Offense charged")
    return sheet, groups


def _statistical_body(
    sheet: canvas.Canvas, head: float, groups: tuple[int, int], body: list[tuple[str, list[str]]]
) -> None:
    """The rows of ``_statistical_frame``'s table under its head: each label
    led by dots to its figures (a label's lower-case second line indented,
    without them), two figures a group, set right."""
    for i, (label, figures) in enumerate(body):
        y = head - 12 * (i + 1)
        indent = 12 if label.islower() else 4
        sheet.drawString(72 + indent, y, label + (" . . . . . . . ." if figures else ""))
        for k, figure in enumerate(figures):
            sheet.drawRightString(groups[k // 2] + 55 + 60 * (k % 2), y, figure)


def _offenses(names: list[str], first: int = 1) -> list[tuple[str, list[str]]]:
    """Rows of made-up figures for ``_statistical_body``, one per name."""
    return [
        (name, [f"{i}.{i}", f"{10 * i}.5", f"{i + 1}.0", f"{20 * i}.25"])
        for i, name in enumerate(names, first)
    ]


def test_table_ruled_only_between_column_groups_keeps_its_rows(docs: pathlib.Path) -> None:
    """A statistical table (the Census Bureau's way): rules frame the label
    column and each group of figures, none part the rows, so the body is one
    grid row of many lines per cell. Its lines share baselines across the
    groups: each baseline is a row, and each group holds as many columns as
    its figures have x-ranges. A label wrapped onto a lower-case second line,
    its figures level with that line, is one row; dot leaders go."""
    body = [
        ("Total", ["1,540.0", "9,522.6", "468.3", "2,330.9"]),
        ("Violent crime", ["69.1", "398.8", "12.6", "75.2"]),
        ("Murder and nonnegligent", []),
        ("manslaughter", ["0.9", "9.1", "\u2013", "1.0"]),  # an en dash: none
        *_offenses(["Robbery", "Burglary", "Larceny-theft", "Arson", "Fraud", "Vandalism"]),
    ]
    path = docs / "statistical-table.pdf"
    top, head = 700, 670
    sheet, groups = _statistical_frame(path, head, len(body), label=20)
    for x, name in zip(groups, ("Male", "Female"), strict=True):
        sheet.drawCentredString(x + 60, top - 10, name)
        sheet.drawRightString(x + 55, top - 24, "Under 18")
        sheet.drawRightString(x + 115, top - 24, "18 and over")
    _statistical_body(sheet, head, groups, body)
    sheet.save()
    [page] = convert(path)
    rows = table_rows(page)
    got = [row for row in rows if row[0] not in ("", "Offense charged")]
    want = [[label, *figures] for label, figures in body if figures]
    want[2][0] = "Murder and nonnegligent manslaughter"
    assert got == want
    assert rows[0] == [
        "Offense charged",
        "Male Under 18",
        "18 and over",
        "Female Under 18",
        "18 and over",
    ]


def test_statistical_table_head_of_groups_is_one_header_row(docs: pathlib.Path) -> None:
    """The Census Bureau's head: a group's label ("Male") over a rule across
    its columns, then each column's head over two lines ("Under 18" /
    "years"). The head is one header row, each column headed by its group
    and its own words, top down; the body keeps its rows."""
    body = _offenses(
        ["Total", "Robbery", "Burglary", "Larceny-theft", "Arson", "Fraud", "Vandalism"]
    )
    path = docs / "statistical-head.pdf"
    top, head = 700, 660
    sheet, groups = _statistical_frame(path, head, len(body), label=24)
    for x, name in zip(groups, ("Male", "Female"), strict=True):
        sheet.drawCentredString(x + 60, top - 9, name)
        sheet.line(x, top - 12, x + 120, top - 12)  # the group's rule, across its columns
        for k, (upper, lower) in enumerate([("Under 18", "years"), ("18 years", "and over")]):
            sheet.drawRightString(x + 55 + 60 * k, top - 24, upper)
            sheet.drawRightString(x + 55 + 60 * k, top - 34, lower)
    _statistical_body(sheet, head, groups, body)
    sheet.save()
    [page] = convert(path)
    rows = table_rows(page)
    assert rows[0] == [
        "Offense charged",
        "Male Under 18 years",
        "Male 18 years and over",
        "Female Under 18 years",
        "Female 18 years and over",
    ]
    assert rows[1:] == [[label, *figures] for label, figures in body]


def test_listing_in_urw_courier_is_a_code_block(docs: pathlib.Path) -> None:
    """A listing set in NimbusMonL (LaTeX's Courier with Times), whose font
    descriptor does not flag it fixed-pitch, is a code block by its font's
    name, line by line; a letter drawn in another font inside one of its
    words (a fallback's accented letter) leaves its line in the block."""
    path = docs / "listing.pdf"
    prose, listing = corpus.make_code_listing_pdf(path)
    [page] = convert(path)
    fence = "\n".join(["```", *listing, "```"])
    assert page == f"{prose[0]} {prose[1]}\n\n{fence}\n\n{prose[2]}"


def test_dashes_for_no_value_in_neighbouring_cells_stay_apart(docs: pathlib.Path) -> None:
    """A statistical table's narrow columns, a dash for no value in two or
    three neighbouring cells ("Suspicion", then three en dashes): a lone dash is no list
    marker of the dash after it, so each keeps its own cell."""
    body = [
        ("Burglary", ["240.9", "60.3", "180.6", "35.9"]),
        ("Forcible rape", ["17.5", "\u2013", "\u2013", "\u2013"]),
        ("Gambling", ["8.2", "1.4", "\u2013", "0.9"]),
        ("Suspicion", ["1.6", "\u2013", "\u2013", "1.0"]),
        ("Runaways", ["75.8", "75.8", "41.8", "41.8"]),
    ]
    path = docs / "dashes.pdf"
    sheet = canvas.Canvas(str(path), pagesize=LETTER)
    sheet.setFont("Helvetica", 8)
    for i, (label, figures) in enumerate([("Offense", ["All", "Minor", "Female", "Male"]), *body]):
        y = 700 - 11 * i
        sheet.drawString(72, y, label)
        for k, figure in enumerate(figures):
            sheet.drawRightString(200 + 36 * k, y, figure)
    sheet.save()
    [page] = convert(path)
    assert table_rows(page)[1:] == [[label, *figures] for label, figures in body]


def test_table_with_dotted_borders_drawn_dash_by_dash_keeps_its_cells(
    docs: pathlib.Path,
) -> None:
    """A spreadsheet's dotted cell borders come out as one small filled
    rectangle per dash (1.9 by 0.6 points, every 2.5). The dashes of a
    border are one ruling line, so the head's cells, of one to four lines
    set in the middle of its height, are one row; two stray dots (a mark)
    draw no line."""
    head = [
        ["Region"],
        ["Population", "at 31/12/2021", "census of", "20/01/2023"],
        ["Polling", "stations"],
        ["Voters", "registered", "at 31/12/2023"],
    ]
    body = [
        ["North", "1.357", "2", "1.578"],
        ["South", "53.402", "52", "44.600"],
        ["East", "206", "1", "510"],
        ["West", "3.092", "3", "2.851"],
    ]
    path = docs / "dotted-borders.pdf"
    sheet = canvas.Canvas(str(path), pagesize=LETTER)
    xs, top = [72, 180, 280, 380, 480], 700
    ys = [top, top - 50, *(top - 50 - 16 * (i + 1) for i in range(len(body)))]
    dash, pitch, thick = 1.92, 2.52, 0.6
    for y in ys:  # across: dash by dash
        x = xs[0]
        while x + dash <= xs[-1]:
            sheet.rect(x, y - thick / 2, dash, thick, stroke=0, fill=1)
            x += pitch
    for x in xs:  # down
        y = ys[-1]
        while y + dash <= ys[0]:
            sheet.rect(x - thick / 2, y, thick, dash, stroke=0, fill=1)
            y += pitch
    sheet.rect(300, 740, 0.6, 0.6, stroke=0, fill=1)  # stray dots: no rule
    sheet.rect(304, 740, 0.6, 0.6, stroke=0, fill=1)
    sheet.setFont("Helvetica", 8)
    for lines, x in zip(head, xs, strict=False):  # centred in the head's height
        for k, line in enumerate(lines):
            sheet.drawString(x + 4, top - 28 + 5 * len(lines) - 10 * k, line)
    for i, row in enumerate(body):
        for cell, x in zip(row, xs, strict=False):
            sheet.drawString(x + 4, ys[1] - 16 * i - 11, cell)
    sheet.save()
    [page] = convert(path)
    assert table_rows(page) == [[" ".join(lines) for lines in head], *body]


# --- scans -------------------------------------------------------------------------


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_turned_scans_read_upright(docs: pathlib.Path, turn: int) -> None:
    path = docs / f"turned-{turn}.png"
    lines = qc.make_rotated_png(path, turn)
    [page] = convert(path, PNG)
    assert squashed(page) == squashed(" ".join(lines))


def test_two_column_scan_reads_in_column_order(docs: pathlib.Path) -> None:
    path = docs / "two-column.png"
    title, *paragraphs = qc.make_rendered_png(path, qc.make_two_column_pdf, scale=SCAN_SCALE)
    [page] = convert(path, PNG)
    got = squashed(page)  # OCR may glue words together
    assert got.startswith(squashed(title))
    firsts = [got.find(corpus.words(p)[0]) for p in paragraphs]  # alpha, bravo, ...
    lasts = [got.rfind(corpus.words(p)[-1]) for p in paragraphs]  # underfoot, doubt, ...
    assert -1 not in firsts + lasts
    assert firsts == sorted(firsts) and lasts == sorted(lasts)
    assert all(first < last for first, last in zip(firsts, lasts, strict=True))


def test_a_scanned_contents_page_reads_each_entry_with_its_page(docs: pathlib.Path) -> None:
    """A contents page's dot leaders, scanned: Tesseract reads each leader
    as a string of stray letters ("oo. 6555.50 es eee") and cuts the page
    numbers off into a column of their own, read as one word ("FHRHHHHwWWW").
    The leaders are painted out, and what ends each leader's line is read
    on its own: every entry comes out with its page, in order, and nothing
    else."""
    path = docs / "contents.png"
    entries = qc.make_rendered_png(path, qc.make_contents_pdf, scale=2.0)
    [page] = convert(path, PNG)
    rows = [squashed(line) for line in page.splitlines()]
    for entry, number in entries:
        assert squashed(entry) + number in rows, page
    corpus.assert_in_order(page, [entry for entry, _ in entries])
    expected = {"contents", *(word for item in entries for word in corpus.words(" ".join(item)))}
    assert set(corpus.words(page)) <= expected, page


def test_a_scanned_table_head_printed_white_on_black_reads(docs: pathlib.Path) -> None:
    """A table's header cells printed white on black, scanned: Tesseract
    reads them as stray letters. Each dark panel is turned to black on
    white and read on its own, a wrapped head whole: the heads come out
    in order, before the rows."""
    path = docs / "dark-head.png"
    head, rows = qc.make_rendered_png(path, qc.make_dark_head_table_pdf, scale=2.0)
    [page] = convert(path, PNG)
    corpus.assert_in_order(page, [*head, *rows[0]])
    assert any(squashed(head[2]) in squashed(line) for line in page.splitlines()), page


def test_a_scanned_column_of_page_numbers_is_read_line_by_line(docs: pathlib.Path) -> None:
    """A contents page without leaders, scanned: its page numbers, flush
    right far from their entries, are a column of short lines that page
    segmentation reads as one vertical word of stray letters (and leaves
    the last ones out). Read line by line, each entry keeps its page."""
    path = docs / "contents-unled.png"
    entries = qc.make_rendered_png(path, lambda pdf: qc.make_contents_pdf(pdf, False), scale=2.0)
    [page] = convert(path, PNG)
    rows = [squashed(line) for line in page.splitlines()]
    for entry, number in entries:
        assert any(row.endswith(number) and squashed(entry) in row for row in rows), page
    corpus.assert_in_order(page, [entry for entry, _ in entries])


def test_a_dot_leader_on_a_page_askew_is_followed_as_it_drifts(docs: pathlib.Path) -> None:
    """A contents page laid 0.4 degrees askew is read as it lies: each
    leader's dots drift across the heights they are looked for at, and
    are followed whole, not cut where they leave the first dot's height."""
    path = docs / "contents-askew.png"
    entries = qc.make_rendered_png(path, qc.make_contents_pdf, scale=2.0, turn=0.4)
    pixels = scan.scaled(np.asarray(Image.open(path).convert("L")))
    found, _ = scan.leaders(pixels)
    assert len(found) == len(entries)
    right = max(leader.right for leader in found)
    assert all(right - leader.right < 2 * leader.glyph for leader in found)


@pytest.mark.parametrize(
    ("rows", "label", "leaders"),
    [
        ([0.0], True, 1),  # a label's dotted line to fill in: a leader
        ([0.0], False, 0),  # a dotted line from nothing: a dotted grid's
        ([0.0, 7.0], True, 0),  # dots just above or below: a form's comb of letter boxes
    ],
)
def test_a_dot_leader_leads_from_text_and_stands_alone(
    docs: pathlib.Path, rows: list[float], label: bool, leaders: int
) -> None:
    def draw(path: pathlib.Path) -> None:
        sheet = canvas.Canvas(str(path), pagesize=LETTER)
        sheet.setFont(corpus.FONT, 11)
        label_text = "Name of the applicant"
        sheet.drawString(72, 600, label_text * label)
        for drop in rows:
            x = 78 + sheet.stringWidth(label_text, corpus.FONT, 11)
            while x < 540:
                sheet.drawString(x, 600 - drop, ".")
                x += 4.5
        sheet.drawString(72, 400, "The text of the page goes on below the line to fill in.")
        sheet.save()

    path = docs / "dots.png"
    qc.make_rendered_png(path, draw, scale=2.0)
    pixels = scan.scaled(np.asarray(Image.open(path).convert("L")))
    found, mask = scan.leaders(pixels)
    assert len(found) == leaders
    assert bool(mask.any()) == bool(leaders)


def test_a_negative_scan_reads_as_its_positive(docs: pathlib.Path) -> None:
    """White text on black (a film negative; OCRmyPDF's JBIG2 test page,
    which pdfium renders inverted): read as its positive, the page reads as
    the same page in black on white. As it is, Tesseract reads garbage."""
    path = docs / "negative.png"
    title, *_ = qc.make_rendered_png(path, qc.make_two_column_pdf, scale=SCAN_SCALE)
    positive = convert(path, PNG)
    ImageOps.invert(Image.open(path).convert("L")).save(path)
    assert convert(path, PNG) == positive
    assert squashed(positive[0]).startswith(squashed(title))


def test_a_photograph_of_mid_tones_is_no_negative() -> None:
    """A photograph filling most of the page (PyMuPDF's dog with a speech
    bubble) lies mostly on the dark side of Otsu's threshold too, but in
    mid-tones, not on a dark ground: it stays as it is."""
    bubble = np.asarray(corpus.render_text_image(["Never look back!"]).convert("L"))
    page = np.full((bubble.shape[0] * 5, bubble.shape[1]), 120, dtype=np.uint8)
    page[: bubble.shape[0]] = bubble
    assert scan.positive(page) is page
    assert (scan.positive(255 - bubble) == bubble).all()  # white text on black: a negative


def test_scanned_square_bullets_are_list_items(docs: pathlib.Path) -> None:
    """A printed web page's contents box (OCRmyPDF's Epson printout of
    Wikipedia): small solid squares start its lines, which Tesseract reads
    as "=", "m" or "a". A solid square filling the box its ink spans is a
    bullet, as a solid round dot is."""
    items = ["History of the method", "Blind and visually impaired users", "Applications"]

    def draw(path: pathlib.Path) -> None:
        sheet = canvas.Canvas(str(path), pagesize=LETTER)
        sheet.setFont(corpus.FONT, 11)
        sheet.drawString(72, 720, "The contents of this article, in the order it follows:")
        for i, item in enumerate(items):
            y = 700 - 18 * i
            sheet.rect(84, y + 1.5, 4.5, 4.5, stroke=0, fill=1)
            sheet.drawString(96, y, item)
        sheet.save()

    path = docs / "square-bullets.png"
    qc.make_rendered_png(path, draw, scale=2.0)
    [page] = convert(path, PNG)
    listed = [line[2:] for line in page.splitlines() if line.startswith("- ")]
    assert [squashed(item) for item in listed] == [squashed(item) for item in items]


def test_scanned_bullets_are_list_items_and_one_letter_words_stay(docs: pathlib.Path) -> None:
    """At 108 DPI Tesseract reads the report's round bullets as "¢": a solid
    round dot starting a line is a bullet all the same. A bold one-letter
    word starting a line ("e", "a": and, the) is no bullet."""
    path = docs / "bullets.png"
    qc.make_rendered_png(path, lambda pdf: corpus.make_text_pdf(pdf, pages=1), scale=SCAN_SCALE)
    [page] = convert(path, PNG)
    items = [line[2:] for line in page.splitlines() if line.startswith("- ")]
    assert [squashed(item) for item in items] == [
        squashed("Bullets become dashes"),
        squashed("Order is preserved"),
        squashed(
            "Long items keep their words together even when the item is wide enough to "
            "wrap onto a second line"
        ),
    ]
    words = docs / "one-letter.pdf"
    sheet = canvas.Canvas(str(words), pagesize=LETTER)
    sheet.setFont("Helvetica-Bold", 11)
    lines = ["e o gato dorme no sol", "a gata corre e salta", "e a casa fica em paz"]
    for i, line in enumerate(lines):
        sheet.drawString(72, 700 - 16 * i, line)
    sheet.save()
    scanned = docs / "one-letter.png"
    qc.make_rendered_png(scanned, lambda pdf: pdf.write_bytes(words.read_bytes()), scale=2.0)
    [page] = convert(scanned, PNG)
    assert not any(line.startswith(("- ", "\u2022")) for line in page.splitlines())
    assert squashed(page) == squashed(" ".join(lines))


def test_magazine_scan_reads_its_photo_as_nothing_and_keeps_paragraphs(docs: pathlib.Path) -> None:
    """A scanned magazine page: a photograph (dark and textured) is no table
    of ruling lines and no text, its caption follows it, each paragraph is
    a paragraph of its own, in reading order, and the page number at the
    foot of the left column comes last. The title, set over twice the
    body's height, is a heading."""
    path = docs / "magazine.png"
    expected = qc.make_rendered_png(path, qc.make_magazine_pdf, scale=SCAN_SCALE)
    [page] = convert(path, PNG)
    assert page.startswith(f"# {qc.MAGAZINE_TITLE}\n\n")
    assert "\n#" not in page  # one heading: body lines, whatever their boxes, are none
    assert not table_rows(page)
    paragraphs = page.split("\n\n")
    assert [squashed(p) for p in paragraphs] == [squashed(p) for p in expected]


def test_heading_set_white_on_a_dark_band_is_read(docs: pathlib.Path) -> None:
    """A band of solid ink is no ruling line: it is not painted out before
    OCR, so the white heading on it is read (and not turned into junk)."""
    path = docs / "banner.png"
    expected = qc.make_banner_png(path)
    if expected is None:
        pytest.skip(f"no {qc.RTL_FONT_FILE} on this machine (Debian: fonts-dejavu-core)")
    [page] = convert(path, PNG)
    heading, *lines = expected
    assert page.split("\n\n") == [heading, " ".join(lines)]


@pytest.mark.parametrize(("lamp", "gray"), [(False, 0.0), (True, 0.0), (False, 0.6)])
def test_ruled_table_scan_keeps_rows_and_cells(docs: pathlib.Path, lamp: bool, gray: float) -> None:
    """A ruled table scanned, or photographed in a lamp's light from one
    side: on the dark side, the rules are ink against the paper around them
    and are painted over in the paper's gray (a white stripe would read as
    a stroke, "| South"), and each cell keeps its whole text. A grid drawn
    thin and light gray, which the scan blurs lighter still, is a grid too
    (its wrapped cell stays one cell)."""
    path = docs / f"ruled-{lamp}-{gray}.png"

    def make(pdf: pathlib.Path) -> object:
        return qc.make_ruled_table_pdf(pdf, gray)

    rows = qc.make_rendered_png(path, make, scale=SCAN_SCALE, lamp=lamp)
    [page] = convert(path, PNG)
    got = [[squashed(cell) for cell in row] for row in table_rows(page)]
    assert got == [[squashed(cell) for cell in row] for row in rows]


# --- layout rules on hand-made segments --------------------------------------------


def seg(text: str, left: float, baseline: float, width: float | None = None) -> Line:
    right = left + (6.0 * len(text) if width is None else width)
    return Line(text, left, right, baseline - 10, baseline + 2, baseline, 10.0, len(text))


SYMBOLS = [  # a table whose last column is short descriptions in lower case
    ("\\micron", "um", "microns"), ("\\degr", "o", "degrees"),
    ("\\arcmin", "'", "arcminutes"), ("\\arcsec", "''", "arcseconds"),
    ("\\fdg", ".o", "fraction of a degree"), ("\\farcm", ".'", "fraction of an arcminute"),
    ("\\farcs", ".''", "fraction of an arcsecond"), ("\\fd", ".d", "fraction of a day"),
    ("\\fh", ".h", "fraction of an hour"), ("\\fm", ".m", "fraction of a minute"),
]  # fmt: skip


def test_only_section_numbers_in_outline_order_start_their_own_lines() -> None:
    """Short lines opening with section numbers in outline order (a contents
    list without page numbers) are an entry each; numbers out of order, or
    before a word in lower case, are a paragraph's wrapped lines (set here
    all as wide, so that no line ends short)."""

    def page(texts: list[str]) -> str:
        return to_markdown(
            [seg(text, 72, 100 + 14 * i, width=300) for i, text in enumerate(texts)],
            fonts=None,
            max_leading=1.6,
        )

    outline = ["4 Class options", "5 Title page", "5.1 Title", "5.2 Authors", "6 Sections"]
    assert page(outline) == "\n\n".join(outline)
    assert page(["4 Class options", "5 Title page", "5.2 Authors", "6 Sections"]) == (
        "4 Class options 5 Title page 5.2 Authors 6 Sections"
    )
    assert page(["Counted: 4 boxes", "5 crates and", "6 bags and", "7 sacks"]) == (
        "Counted: 4 boxes 5 crates and 6 bags and 7 sacks"
    )


def test_lines_of_text_numbered_in_the_margin_are_no_table() -> None:
    """A court paper's or a bill's page: each line of running text with its
    number close beside it (a font size or so away). The two "columns" pair
    row by row, but the text's sentences run on from line to line in lower
    case (a table's next row starts a new cell): the numbers number the
    lines and are left out. Numbered out of step (a number skipped), they
    stay, but the lines are still no table. A table whose last column holds
    short descriptions in lower case ("degrees", "fraction of a day") stays
    a table."""
    text = " ".join(qc.TWO_COLUMN_PARAGRAPHS * 2)
    wrapped = textwrap.wrap(text, 60)

    def numbered(skip: int | None) -> list[Line]:
        lines = []
        for i, line in enumerate(wrapped):
            number = i + 1 + (skip is not None and i >= skip)
            lines += [seg(str(number), 60, 100 + 14 * i), seg(line, 84, 100 + 14 * i)]
        return lines

    assert to_markdown(numbered(None), fonts=None, max_leading=1.6) == text
    markdown = to_markdown(numbered(5), fonts=None, max_leading=1.6)
    assert not table_rows(markdown)
    assert re.sub(r" \d+ ", " ", markdown.replace("\n\n", " ")).endswith(text[-200:])
    symbols = [
        seg(text, x, 100 + 14 * i)
        for i, row in enumerate(SYMBOLS)
        for text, x in zip(row, (72, 150, 200), strict=True)
    ]
    assert table_rows(to_markdown(symbols, fonts=None, max_leading=1.6)) == [
        list(row) for row in SYMBOLS
    ]


def test_a_few_cells_drawn_across_a_column_gap_do_not_join_the_columns() -> None:
    """A report's table of twenty rows: one the producer drew as one object
    across two columns ("1,523 19,865"), a long label that overhangs the
    next column's head ("Percentages:"). The columns stay apart (a joined
    cell goes to the column it starts in), a column only one row fills
    ("Fruit") stays a column, and a "*" for no value is a cell, not a list
    marker joined to the figure after it."""
    head = [("County", 72), ("Precincts", 140), ("Green", 210), ("Libertarian", 260)]
    lines = [seg(text, x, 100) for text, x in head] + [seg("Fruit", 340, 100)]
    for i in range(1, 19):
        baseline = 100 + 14 * i
        green = "15" if i == 2 else "*"
        lines += [seg(f"County {i}", 72, baseline), seg(str(40 + i), 170, baseline)]
        lines += [seg(green, 230 - 6 * len(green), baseline), seg(str(200 + i), 260, baseline)]
    lines.append(seg("7", 340, 100 + 14 * 5))  # the only row with a Fruit figure
    lines += [seg("Maricopa", 72, 100 + 14 * 19), seg("906", 170, 100 + 14 * 19)]
    lines.append(seg("1,523 19,865", 200, 100 + 14 * 19, 80))  # one object across both
    lines += [seg("Percentages:", 72, 100 + 14 * 20), seg("0.06", 206, 100 + 14 * 20)]
    markdown = to_markdown(lines, fonts=None, max_leading=1.6)
    table = [
        [cell.strip() for cell in line.strip("|").split(" | ")] for line in markdown.splitlines()
    ]
    assert table[0] == ["County", "Precincts", "Green", "Libertarian", "Fruit"]
    assert table[2] == ["County 1", "41", "*", "201", ""]
    assert table[6] == ["County 5", "45", "*", "205", "7"]
    assert table[-2] == ["Maricopa", "906", "1,523 19,865", "", ""]
    assert table[-1] == ["Percentages:", "", "0.06", "", ""]


def test_a_table_running_on_from_the_page_before_gets_an_empty_head() -> None:
    """A page that opens with a table as wide as the last table of the page
    before, whose first row is not that table's head, continues it: its
    first row is data under an empty header row. A table that repeats its
    head on each page, or one of another width, keeps its first row as head."""
    before = "Intro\n\n| Code | Name |\n| --- | --- |\n| A1 | Airport |\n\nPage 1"
    page = "| B0 | Post office |\n| --- | --- |\n| B3 | ZCTA |"
    assert running_on(page, before) == (
        "|  |  |\n| --- | --- |\n| B0 | Post office |\n| B3 | ZCTA |"
    )
    repeated = "| Code | Name |\n| --- | --- |\n| B0 | Post office |"
    assert running_on(repeated, before) == repeated
    wider = "| B0 | Post office | Point |\n| --- | --- | --- |"
    assert running_on(wider, before) == wider
    assert running_on("Text first\n\n" + page, before) == "Text first\n\n" + page
    assert running_on(page, "No table here") == page


def test_aligned_short_cells_are_a_table_not_columns() -> None:
    lines = [seg(a, 72, 100 + 14 * i) for i, a in enumerate(["Name", "Ada", "Alan", "Grace"])]
    lines += [seg(b, 300, 100 + 14 * i) for i, b in enumerate(["Year", "1843", "1936", "1952"])]
    assert to_markdown(lines, fonts=None, max_leading=1.6) == (
        "| Name | Year |\n| --- | --- |\n| Ada | 1843 |\n| Alan | 1936 |\n| Grace | 1952 |"
    )


def test_a_row_of_only_dots_inside_a_table_is_dropped() -> None:
    """A row of nothing but dots (leaders, or an OCR layer's specks) between
    a table's rows is no row: the table keeps its others."""
    rows = [("Name", "Year"), ("Ada", "1843"), ("..", ". ."), ("Alan", "1936"), ("Grace", "1952")]
    lines = [
        seg(cell, x, 100 + 14 * i)
        for i, row in enumerate(rows)
        for cell, x in zip(row, (72, 300), strict=True)
    ]
    assert to_markdown(lines, fonts=None, max_leading=1.6) == (
        "| Name | Year |\n| --- | --- |\n| Ada | 1843 |\n| Alan | 1936 |\n| Grace | 1952 |"
    )


def test_a_dot_leader_is_read_back_from_the_end() -> None:
    """A segment's dot leader is four dots or more, each followed by one
    space at most, at its end (a final newline aside): where the pattern
    saying so would find it, on random mixes of dots, spaces and words; and
    a form's dotted field of 20,000 dots that ends in a word is none."""
    pattern = re.compile(rf"(?:[{LEADER_DOTS}][ \u00a0]?){{4,}}$")
    draw = random.Random(3)
    for _ in range(20_000):
        text = "".join(draw.choice(". \u00a0a1\u2026\u00b7\n") for _ in range(draw.randint(0, 14)))
        found = pattern.search(text)
        assert leader_start(text) == (found.start() if found else None), repr(text)
    assert leader_start("2.1 Scope . . . . . 3") is None
    assert leader_start("2.1 Scope . . . . . ") == 10
    assert leader_start("." * 20_000 + " Name") is None


def test_full_columns_of_text_are_read_one_after_the_other() -> None:
    left = [seg(f"left column line {i} of text", 72, 100 + 14 * i, 220) for i in range(4)]
    right = [seg(f"right column line {i} of text", 320, 100 + 14 * i, 220) for i in range(4)]
    markdown = to_markdown(right + left, fonts=None, max_leading=1.6)
    assert markdown == " ".join(line.text for line in left + right)


def test_a_heading_under_the_columns_leads_into_the_text_below_them() -> None:
    """A brochure (OCRmyPDF's LinnSequencer scan): two columns, then a
    heading set in the left column's width after a blank strip, then
    bullets across the page. The heading opens the part below; read with
    the left column, it would come before the right column."""
    left = [seg(f"left column line {i} of text", 72, 100 + 14 * i, 220) for i in range(4)]
    right = [seg(f"right column line {i} of text", 320, 100 + 14 * i, 220) for i in range(4)]
    heading = seg("Additional Features", 72, 100 + 14 * 3 + 26)
    below = seg("Simple to learn and use, whatever you play", 72, 100 + 14 * 3 + 42, 470)
    markdown = to_markdown([*left, *right, heading, below], fonts=None, max_leading=1.6)
    assert markdown.split("\n\n") == [
        " ".join(line.text for line in left + right),
        heading.text,
        below.text,
    ]
    # The left column's last paragraph, one line, and a footnote far below: no heading.
    last = seg("left column line 4 of text", 72, 100 + 14 * 3 + 26, 220)
    footnote = seg("A footnote across the page, well below the columns", 72, 100 + 14 * 9, 470)
    markdown = to_markdown([*left, last, *right, footnote], fonts=None, max_leading=1.6)
    assert markdown.split("\n\n")[:2] == [
        " ".join(line.text for line in left),
        " ".join(line.text for line in [last, *right]),
    ]


def test_list_item_wrapped_flush_with_its_marker_stays_whole() -> None:
    """A numbered rule set in running text (Backus 1977): its lines wrap back
    to the column's edge, left of the indented "7.". The line that runs on
    in lower case goes on with the item, and so do the item's later lines
    at that edge; the next paragraph, after a gap, does not."""
    lines = [
        seg("7. If x and y are objects, then the meaning is. In", 84, 100, 228),
        seg("words: the meaning of an application is found by", 72, 114, 240),
        seg("(which is usually an object and its own meaning).", 72, 128, 240),
        seg("13.3.4 Cells, fetching, and storing. For a number", 72, 152, 240),
    ]
    markdown = to_markdown(lines, fonts=None, max_leading=1.6)
    assert markdown.split("\n\n") == [
        "7. If x and y are objects, then the meaning is. In words: the meaning of an "
        "application is found by (which is usually an object and its own meaning).",
        "13.3.4 Cells, fetching, and storing. For a number",
    ]


def test_numbered_rows_of_a_table_keep_their_numbers() -> None:
    """Numbers counting up down a column are line numbers only in a margin
    strip, two font sizes clear of all the other text: a table's "No."
    column, beside its cells, stays."""
    lines = [seg("No.", 72, 100), seg("Item", 110, 100), seg("Cost", 300, 100)]
    for i, (item, cost) in enumerate([("Paper", "12.50"), ("Ink", "30.00"), ("Pens", "4.75")]):
        baseline = 114 + 14 * i
        lines += [seg(str(i + 1), 72, baseline), seg(item, 110, baseline)]
        lines.append(seg(cost, 300, baseline))
    markdown = to_markdown(lines, fonts=None, max_leading=1.6)
    assert "| 1 | Paper | 12.50 |" in markdown
    assert "| 3 | Pens | 4.75 |" in markdown


def test_rows_of_author_cards_past_a_blank_strip_are_tables_of_their_own() -> None:
    """ACM's sigconf sample: cards of authors (name, institution, city),
    centred, three a row, a blank strip between rows of cards; the first
    card of the first row has two lines more than the others, the last of
    the second row one more, and the last row holds two cards. The rows of
    cards do not make one table; the second row, read to the strip after
    it (twice its line pitch), is a table of its own."""

    def card(centre: float, baseline: float, texts: list[str]) -> list[Line]:
        out = []
        for k, text in enumerate(texts):
            width = 6.0 * len(text)
            out.append(seg(text, centre - width / 2, baseline + 12 * k, width))
        return out

    first = [
        "Ben Trovato",
        "Tobin",
        "trovato@corp.com",
        "webmaster@ohio.com",
        "Institute",
        "Dublin",
    ]
    lines = card(140, 100, first)
    lines += card(305, 100, ["Lars Thorvald", "Thorvald Group", "Hekla, Iceland", "larst@aff.org"])
    lines += card(470, 100, ["Valerie Beranger", "Inria Paris", "Rocquencourt"])
    lines += card(140, 190, ["Aparna Patel", "Rajiv Gandhi University", "Doimukh, India"])
    lines += card(305, 190, ["Huifen Chan", "Tsinghua University", "Haidian Qu, China"])
    lines += card(470, 190, ["Charles Palmer", "Palmer Laboratories", "San Antonio", "cp@prl.com"])
    lines += card(220, 250, ["John Smith", "The Thorvald Group", "Hekla, Iceland", "js@aff.org"])
    lines += card(
        390, 250, ["Julius P. Kumquat", "The Kumquat Consortium", "New York", "jp@kc.net"]
    )
    markdown = to_markdown(lines, fonts=None, max_leading=1.6)
    assert "| Aparna Patel | Huifen Chan | Charles Palmer |" in markdown
    assert "| Rajiv Gandhi University | Tsinghua University | Palmer Laboratories |" in markdown


def test_contents_list_is_no_table_but_a_price_list_is() -> None:
    """Section numbers, titles led by dots, page numbers: the rows align
    like a table's, but their last cells are page numbers that never go
    down, so they are a contents list, each entry on its own. Items led by
    dots to prices (not whole numbers in order) stay a table."""
    entries = [("1", "Introduction", "1"), ("1.1", "Scope", "2"), ("1.2", "Terms", "4")]
    entries += [("2", "Design", "7"), ("2.1", "Storage", "9")]
    lines = []
    for k, (number, title, page) in enumerate(entries):
        baseline = 100 + 16 * k
        lines += [seg(number, 72, baseline), seg(title + " . . . . . . . .", 110, baseline, 300)]
        lines.append(seg(page, 480, baseline))
    markdown = to_markdown(lines, fonts=None, max_leading=1.6)
    assert "|" not in markdown
    assert "1.2 Terms" in markdown and markdown.index("1.2 Terms") < markdown.index("2 Design")
    prices = [("Paper", "2", "12.50"), ("Ink", "1", "30.00"), ("Pens", "5", "4.75")]
    lines = []
    for k, (item, count, price) in enumerate([*prices, ("Tape", "3", "2.10")]):
        baseline = 100 + 16 * k
        lines += [seg(item + " . . . . . . . .", 72, baseline, 300), seg(count, 420, baseline)]
        lines.append(seg(price, 480, baseline))
    markdown = to_markdown(lines, fonts=None, max_leading=1.6)
    assert "| 1 | 30.00 |" in markdown


def test_a_contents_list_whose_leaders_end_in_their_pages_is_no_table() -> None:
    """A producer (or a scan's reading) may give a leader and the page it
    leads to as one piece, ". . . . 7": the rows still end in page numbers
    in order, led by dots, so they are a contents list."""
    entries = [("1", "Introduction", "1"), ("1.1", "Scope", "2"), ("1.2", "Terms", "4")]
    entries += [("2", "Design", "7"), ("2.1", "Storage", "9")]
    lines = []
    for k, (number, title, page) in enumerate(entries):
        baseline = 100 + 16 * k
        lines += [seg(number, 72, baseline), seg(title, 110, baseline)]
        lines.append(seg(". . . . . . . . " + page, 200, baseline, 290))
    markdown = to_markdown(lines, fonts=None, max_leading=1.6)
    assert "|" not in markdown
    assert "1.2 Terms" in markdown and markdown.index("1.2 Terms") < markdown.index("2 Design")


def test_words_drawn_right_to_left_join_in_logical_order() -> None:
    words = [seg("עולם", 100, 100, 30), seg("שלום", 140, 100, 30)]  # visual: left, right
    assert to_markdown(words, fonts=None, max_leading=1.6) == "שלום עולם"


def test_a_cell_wrapped_onto_a_second_line_stays_one_row() -> None:
    """The header "State funded / legal aid" wraps; its second line sits
    closer than the table's row pitch and fills only a column the row above fills."""
    lines = [seg("State funded", 300, 100), seg("Ratio", 420, 100), seg("legal aid", 300, 110)]
    for i, (name, value, ratio) in enumerate([("North", "12", "0.5"), ("South", "7", "0.3")]):
        baseline = 130 + 20 * i
        lines += [seg(name, 72, baseline), seg(value, 300, baseline), seg(ratio, 420, baseline)]
    lines += [seg("East", 72, 170), seg("9", 300, 170), seg("0.1", 420, 170)]
    assert table_rows(to_markdown(lines, fonts=None, max_leading=1.6)) == [
        ["", "State funded legal aid", "Ratio"],
        ["North", "12", "0.5"],
        ["South", "7", "0.3"],
        ["East", "9", "0.1"],
    ]


def test_text_wrapped_beside_a_captioned_figure_is_no_table() -> None:
    """Lines of a book page set right of an illustration, split at wide
    justified gaps, with the figure's caption level with the last of them:
    one row of two cells among six is no table."""
    lines = []
    for i in range(6):  # each line's wide gap falls elsewhere
        baseline, gap = 100 + 14 * i, 260 + 25 * i
        lines += [seg(f"wrapped line {i} runs", 200, baseline, gap - 25 - 200)]
        lines += [seg("on and on", gap, baseline, 420 - gap)]
    lines.append(seg("THE CAPTION.", 72, 100 + 14 * 5))
    markdown = to_markdown(lines, fonts=None, max_leading=1.6)
    assert "|" not in markdown
    assert "wrapped line 0 runs on and on wrapped line 1 runs" in markdown


def test_dot_leaders_make_no_columns_of_a_table() -> None:
    """Rows of a statement whose labels run on in dot leaders to an amount:
    the dots, split at gaps into pieces of their own, are no cells."""
    lines = []
    for i, (label, amount) in enumerate([("Wages", "1,200"), ("Interest", "35"), ("Rent", "900")]):
        baseline = 100 + 14 * i
        lines += [seg(label, 72, baseline), seg(". . .", 140 + 20 * i, baseline)]
        lines += [seg(". .", 220 - 10 * i, baseline), seg(amount, 300, baseline)]
    assert table_rows(to_markdown(lines, fonts=None, max_leading=1.6)) == [
        ["Wages", "1,200"],
        ["Interest", "35"],
        ["Rent", "900"],
    ]


def test_two_columns_of_entries_are_no_table() -> None:
    """A panel list (NCCN's): two columns of entries, a name over one to
    three lines of its hospital, five points of extra leading between
    entries. Two thirds of the lines happen to share a baseline with one
    across, but each column's entries end at heights of its own: columns,
    read one after the other, not a table pairing their lines."""

    def column(left: float, name: str, entries: list[int]) -> list[Line]:
        out, baseline = [], 100.0
        for k, count in enumerate(entries):
            for j in range(count):
                text = f"Doctor {name}{k}, MD" if j == 0 else "Memorial Cancer Center"
                out.append(
                    Line(text, left, left + 130, baseline - 11, baseline + 2, baseline, 11.0)
                )
                baseline += 12
            baseline += 5
        return out

    lines = column(72, "A", [2, 3, 3, 3, 2, 2, 2, 2]) + column(330, "B", [2, 2, 2, 4, 2, 3, 3])
    markdown = to_markdown(lines, fonts=None, max_leading=1.6)
    assert "|" not in markdown
    assert markdown.index("Doctor B0") > markdown.index("Doctor A7")  # first column, then second


def test_small_table_joins_only_rows_that_run_on_in_lower_case() -> None:
    """Three rows give no usual row pitch to judge a wrapped cell by: a
    form's pairs of label and value, set closer in a group, stay rows; a
    header whose every cell runs on in lower case is one row."""
    pairs = [("Race:", "Black", 100), ("Special needs:", "None known", 110), ("Date:", "1/9", 130)]
    lines = [
        seg(text, x, y) for label, value, y in pairs for text, x in ((label, 72), (value, 250))
    ]
    assert table_rows(to_markdown(lines, fonts=None, max_leading=1.6)) == [
        ["Race:", "Black"],
        ["Special needs:", "None known"],
        ["Date:", "1/9"],
    ]
    heads = [("Purpose, scope,", "Risk and", 100), ("and methodology", "assessment", 110)]
    lines = [seg(text, x, y) for a, b, y in heads for text, x in ((a, 72), (b, 250))]
    lines += [seg("Sound", 72, 130), seg("Weak", 250, 130)]
    assert table_rows(to_markdown(lines, fonts=None, max_leading=1.6)) == [
        ["Purpose, scope, and methodology", "Risk and assessment"],
        ["Sound", "Weak"],
    ]


def test_lone_page_number_under_a_middle_column_comes_last() -> None:
    """A single page (a scan: no neighbouring page to compare) of three
    columns whose page number sits alone at the foot, under the middle
    column: it is the page's footer, read after the last column, not in
    the middle column's flow. A number just under the text is not."""
    lines = []
    for column, left in enumerate((72.0, 252.0, 432.0)):
        for i in range(12):  # each column on a line grid of its own: no table
            words = f"column {column} line {i} runs on"
            lines.append(seg(words, left, 100 + 5 * column + 14 * i, 150))
    number = seg("14", 320, 100 + 14 * 11 + 60)
    assert margins.split([*lines, number], []) == ([], [number])
    markdown = to_markdown([*lines, number], fonts=None, max_leading=1.6, margins=([], [number]))
    assert markdown.endswith("column 2 line 11 runs on\n\n14")
    close = seg("14", 320, 100 + 14 * 12 + 10)
    assert margins.split([*lines, close], []) == ([], [])


def test_prose_whose_lines_end_in_punctuation_only_at_times_is_no_verse() -> None:
    """Wrapped prose runs on, even when a few of its lines happen to end a
    sentence; verse keeps its breaks."""
    prose = [
        "The council met on",
        "Tuesday. Most members agreed",
        "that the landing must",
        "be widened.",
    ]
    verse = ["Mih freuts, daß ih die Eiher hob,", "Jhr seyd doch g'sund und wuhl?"]
    verse += ["Und wos mer nau noh sunst'n sagt,", "Und wöi mer Cumplament'n macht."]
    # Sentences a line each, but one word broken across two lines: prose.
    notes = ["Returns a string.", "It is like strerror.", "The only difference is the func-"]
    notes += ["tion.", "Returns: a pointer.", "Since: 1.6"]
    for text, kept in ((prose, False), (verse, True), (notes, False)):
        lines = [seg(line, 72, 100 + 14 * i, 300) for i, line in enumerate(text)]
        markdown = to_markdown(lines, fonts=None, max_leading=1.6)
        expected = "  \n".join(text) if kept else " ".join(text)
        assert markdown == expected.replace("func- tion", "func-tion")  # a plain "-" stays


def test_a_short_first_line_is_a_title_only_if_the_text_does_not_run_on() -> None:
    """A short first line over a full one is a title of its own, unless the
    next line goes on in lower case (a sentence broken early). One that
    closes a sentence is no title, but it was ended with room to spare for
    the next line's first word: a paragraph of its own all the same."""
    full = "the text of the section runs across the whole column width here"
    for first, second, apart in (
        ("Boots Self-Locking Nut", "The " + full, True),
        ("Je demande que les personnes", "ci-dessus " + full, False),
        ("It ends here.", "The " + full, True),
    ):
        lines = [seg(first, 72, 100, 120), seg(second, 72, 114, 300)]
        markdown = to_markdown(lines, fonts=None, max_leading=1.6)
        assert markdown == f"{first}{chr(10) * 2 if apart else ' '}{second}"


def test_ocr_lines_of_uneven_heights_still_part_at_a_blank_line() -> None:
    """OCR's line boxes are as tall as their letters reach (ascenders,
    descenders), so their "sizes" differ line by line; the usual pitch is
    the page's, not each height's, and a blank line parts paragraphs."""
    lines = []
    for i in range(12):
        height = 26.0 if i % 2 else 31.0  # lines with and without descenders, in turn
        baseline = 100 + 38 * i + (38 if i >= 6 else 0)  # a blank line before the seventh
        top = baseline - height
        lines.append(Line(f"line {i} of the text", 72, 400, top, baseline, baseline, height, 16))
    markdown = to_markdown(lines, fonts=None, max_leading=2.2)
    assert markdown.split("\n\n") == [
        " ".join(f"line {i} of the text" for i in range(6)),
        " ".join(f"line {i} of the text" for i in range(6, 12)),
    ]


def test_scanned_page_keeps_an_ocr_layer_that_reads_as_ours() -> None:
    """The better of a scanned page's invisible layer and our OCR: the layer
    stays when they agree, OCR wins when the layer's words are irregular or
    OCR read the page confidently and no less regularly."""
    from ilios.worker.engines import legibility

    text = "The committee met on 12 May 2021 and approved the budget, as proposed."
    assert not legibility.better(text, text.replace("12", "l2"), confidence=95.0)  # agree
    poor = "Tlie c0mmittee rnet 0n l2 Ma\u00a5 2O21 aud appr0ved tlie budget, as pr0posed."
    assert legibility.better(text, poor, confidence=60.0)
    assert not legibility.better(poor, text, confidence=95.0)
    misread = "The comittee met in 12 Mey 2021 end approvd the budgot, os propesed."
    assert legibility.better(text, misread, confidence=90.0)
    assert not legibility.better(text, misread, confidence=70.0)


def test_columns_carried_over_the_gutters_by_one_object_are_read_one_by_one(
    docs: pathlib.Path,
) -> None:
    """Three columns of prose whose lines are drawn one text object a
    baseline, moved over the gutters with no space drawn (as some
    typesetters set government instructions): the objects are split where
    pdfium put a space in a gap that wide, and each column is read whole,
    left to right; not a table of three columns (a side of the page holding
    two of them is running text too). The proof's job ticket above the crop
    box is not on the page."""
    path = docs / "carried-columns.pdf"
    columns, ticket = corpus.make_carried_columns_pdf(path)
    [page] = convert(path)
    assert "|" not in page
    corpus.assert_in_order(page, columns)
    assert "Fileid" in ticket and "Fileid" not in page


def test_a_label_and_the_dotted_line_it_heads_under_columns_stay_one_line(
    docs: pathlib.Path,
) -> None:
    """A form's label under two columns, at their leading, and the dotted
    line it heads, drawn apart from it and running on under the right
    column (its dots' tops lie lower than the label's): the line across
    the gutter takes its row with it, so the label follows both columns,
    with its dots, and does not close the left column."""
    path = docs / "labelled-dots.pdf"
    columns, label = qc.make_labelled_dots_pdf(path)
    [page] = convert(path)
    corpus.assert_in_order(page, [*columns, label])
    assert label + " ....." in " ".join(page.split()), page


def test_vertical_japanese_drawn_glyph_by_glyph_reads_column_after_column(
    docs: pathlib.Path,
) -> None:
    """Vertical Japanese whose every glyph is a text object of its own (as
    some gazettes are made): the glyphs drawn one under another are joined
    into their columns, so the page is seen to be vertical and read column
    by column, right to left; not a table of glyphs."""
    path = docs / "vertical-glyphs.pdf"
    text = qc.make_vertical_glyphs_pdf(path)
    if text is None:
        pytest.skip(f"no {qc.CJK_FONT_FILE} on this machine (Debian: fonts-droid-fallback)")
    [page] = convert(path)
    assert "|" not in page
    assert "".join(page.split()) == text


def test_a_wrapped_run_in_heading_opens_its_paragraph(docs: pathlib.Path) -> None:
    """Instructions' paragraphs open with a bold run-in heading, with no
    space between paragraphs. One heading wraps: its first line is all
    bold, the next opens in lower case. That line is no heading (its
    sentence runs on), and a bold line after plain text opens a paragraph:
    each paragraph comes out whole, on its own."""
    path = docs / "run-in-headings.pdf"
    paragraphs = qc.make_run_in_headings_pdf(path)
    [page] = convert(path)
    assert "#" not in page
    assert [" ".join(block.split()) for block in page.split("\n\n")] == paragraphs


def test_a_note_mark_drawn_after_its_line_goes_after_its_word(docs: pathlib.Path) -> None:
    """Lines drawn with room left for a note's mark ("1", "*"), the raised
    mark drawn after the line: the mark goes into the line after the word
    it stands by, not at the line's end or on a line of its own."""
    path = docs / "note-marks.pdf"
    lines = qc.make_note_marks_pdf(path)
    [page] = convert(path)
    assert [" ".join(block.split()) for block in page.split("\n\n")] == lines
