"""Office and web formats: DOCX, PPTX, XLSX, HTML, text and Markdown to Markdown pages.

Documents are built by the tests with the formats' own libraries
(``tests/corpus.py``), which also say the exact Markdown expected.
"""

from __future__ import annotations

import pathlib
import zipfile

import corpus as builder
import pytest

from ilios import filetypes
from ilios.errors import CorruptFile, FileTooLarge, TooManyPages
from ilios.worker.engines import office, ooxml
from ilios.worker.engines.local import LocalEngine


def convert(path: pathlib.Path, mime: str, max_pages: int = 100) -> list[str]:
    pages = list(office.pages(path, mime, max_pages))
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    return [p.markdown for p in pages]


@pytest.mark.parametrize(
    ("make", "name", "mime"),
    [
        (builder.make_docx, "letter.docx", filetypes.DOCX),
        (builder.make_pptx, "deck.pptx", filetypes.PPTX),
        (builder.make_xlsx, "book.xlsx", filetypes.XLSX),
        (builder.make_html, "page.html", filetypes.HTML),
    ],
)
def test_documents_convert_to_the_expected_markdown(tmp_path, make, name, mime) -> None:
    path = tmp_path / name
    expected = make(path)
    assert filetypes.check_supported(path.read_bytes()[: filetypes.SNIFF_BYTES], name) == mime
    assert convert(path, mime) == expected
    # The local engine dispatches these types to the same converter.
    assert [p.markdown for p in LocalEngine().pages(path, mime)] == expected


def test_docx_structure(tmp_path) -> None:
    path = tmp_path / "letter.docx"
    builder.make_docx(path)
    first, second = convert(path, filetypes.DOCX)
    lines = first.splitlines()
    assert lines[0] == "# Quarterly Letter" and "## Summary" in lines
    assert "**twelve**" in first and "*the north*" in first
    assert lines.index("- Apples") < lines.index("    - Green pears") < lines.index("1. Collect")
    assert "3. Report" in lines
    assert "| North | 1200 |" in lines and lines[lines.index("| Region | Total |") + 1] == (
        "| --- | --- |"
    )
    assert second == "The second page closes the letter."  # after the hard page break


def test_pptx_one_page_per_slide_in_order(tmp_path) -> None:
    path = tmp_path / "deck.pptx"
    builder.make_pptx(path)
    pages = convert(path, filetypes.PPTX)
    assert [page.splitlines()[0] for page in pages] == ["# Roadmap", "# Numbers", "# Questions"]
    assert "- Ship the sandbox\n    - Then the office formats" in pages[0]
    assert "| Pages | 42 |" in pages[1]
    assert pages[1].index("| Pages | 42 |") < pages[1].index("Figures are preliminary.")


def test_xlsx_one_page_per_sheet_and_bounded(tmp_path, monkeypatch) -> None:
    import openpyxl

    path = tmp_path / "big.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Wide"
    for r in range(1, 8):
        sheet.append([f"r{r}c{c}" for c in range(1, 6)])
    book.create_sheet("Second")["A1"] = "only cell"
    book.save(path)
    monkeypatch.setattr(ooxml, "XLSX_MAX_ROWS", 4)
    monkeypatch.setattr(ooxml, "XLSX_MAX_COLS", 3)
    wide, second = convert(path, filetypes.XLSX)
    rows = [line for line in wide.splitlines() if line.startswith("| r")]
    assert rows[0] == "| r1c1 | r1c2 | r1c3 |" and rows[-1] == "| r4c1 | r4c2 | r4c3 |"
    assert "first 4 rows" in wide and "first 3 columns" in wide
    assert second == "## Second\n\n| only cell |\n| --- |"


def test_xlsx_tables_apart_on_one_sheet_come_out_apart(tmp_path) -> None:
    """Two tables side by side and one below them, with empty cells between."""
    import openpyxl

    path = tmp_path / "tables.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    for r, row in enumerate([["a", "b"], [1, 2], [3, 4]], start=1):
        for c, value in enumerate(row, start=1):
            sheet.cell(r, c, value)  # A1:B3
            sheet.cell(r, c + 4, f"{value}'")  # E1:F3
    sheet["B6"], sheet["C6"], sheet["C7"] = "x", "y", 9  # B6:C7
    book.save(path)
    [page] = convert(path, filetypes.XLSX)
    assert page == "\n\n".join(
        [
            "## Data",
            "| a | b |\n| --- | --- |\n| 1 | 2 |\n| 3 | 4 |",
            "| a' | b' |\n| --- | --- |\n| 1' | 2' |\n| 3' | 4' |",
            "| x | y |\n| --- | --- |\n|  | 9 |",
        ]
    )


def test_pptx_chart_comes_out_as_its_title_and_data(tmp_path) -> None:
    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    path = tmp_path / "chart.pptx"
    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Survey"
    data = CategoryChartData()
    data.categories = ["2019", "2020"]
    data.add_series("Ducks", (120, 130.5))
    data.add_series("Geese", (80, 95))
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(2), Inches(6), Inches(4), data
    )
    frame.chart.has_title = True
    frame.chart.chart_title.text_frame.text = "Birds by year"
    deck.save(path)
    [page] = convert(path, filetypes.PPTX)
    assert page == (
        "# Survey\n\nBirds by year\n\n| | Ducks | Geese |\n| --- | --- | --- |\n"
        "| 2019 | 120 | 80 |\n| 2020 | 130.5 | 95 |"
    ).replace("| |", "|  |")


def test_html_drops_scripts_styles_and_head(tmp_path) -> None:
    path = tmp_path / "page.html"
    builder.make_html(path)
    (markdown,) = convert(path, filetypes.HTML)
    for absent in ("never shown", "alert", "color", "Ignored title", "Enable scripts", "data:"):
        assert absent not in markdown


def test_text_and_markdown_pass_through(tmp_path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_bytes("\ufeff# Notes\r\n\r\n- *keep* me\r\n".encode())
    assert convert(notes, filetypes.MARKDOWN) == ["# Notes\n\n- *keep* me\n"]
    log = tmp_path / "log.txt"
    log.write_text("page one\fpage two\fpage three", encoding="utf-8")
    assert convert(log, filetypes.TEXT) == ["page one", "page two", "page three"]


def test_long_pages_are_split_at_blank_lines(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(office, "MAX_PAGE_CHARS", 100)
    paragraphs = [f"Paragraph {i} " + "x" * 18 for i in range(6)]  # 30 chars: 3 fit a page
    path = tmp_path / "long.txt"
    path.write_text("\n\n".join(paragraphs), encoding="utf-8")
    pages = convert(path, filetypes.TEXT)
    assert all(len(page) <= 100 for page in pages) and len(pages) == 2
    assert "\n\n".join(pages) == "\n\n".join(paragraphs)  # nothing lost, order kept
    with pytest.raises(TooManyPages):
        convert(path, filetypes.TEXT, max_pages=1)


def test_text_that_is_not_utf8_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("café au lait".encode("latin-1"))
    with pytest.raises(CorruptFile) as caught:
        convert(path, filetypes.TEXT)
    assert "not UTF-8" in caught.value.message and caught.value.details["offset"] == "3"


def test_too_many_slides_fails_before_the_first_page(tmp_path) -> None:
    path = tmp_path / "deck.pptx"
    builder.make_pptx(path)
    pages = office.pages(path, filetypes.PPTX, max_pages=2)
    with pytest.raises(TooManyPages) as caught:
        next(pages)
    assert caught.value.details == {"pages": "3", "max_pages": "2"}


@pytest.mark.parametrize("mime", [filetypes.DOCX, filetypes.PPTX, filetypes.XLSX])
def test_damaged_office_files_are_corrupt(tmp_path, mime) -> None:
    path = tmp_path / "bad"
    path.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(CorruptFile):
        convert(path, mime)
    with zipfile.ZipFile(path, "w") as archive:  # a zip, but not an Office package
        archive.writestr("hello.txt", "hi")
    with pytest.raises(CorruptFile):
        convert(path, mime)


def test_zip_bomb_is_refused_by_declared_size(tmp_path) -> None:
    path = tmp_path / "bomb.docx"
    builder.make_docx(path)
    data = bytearray(path.read_bytes())
    # Declare word/document.xml as 4 GiB unpacked in the central directory.
    entry = data.index(b"PK\x01\x02")  # central directory entries; the name is at 46
    while data[entry + 46 : entry + 46 + 17] != b"word/document.xml":
        entry = data.index(b"PK\x01\x02", entry + 4)
    data[entry + 24 : entry + 28] = (2**32 - 1).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(FileTooLarge) as caught:
        convert(path, filetypes.DOCX)
    assert "unpacks to" in caught.value.message


def test_new_images_take_the_ocr_path(tmp_path) -> None:
    """GIF, WebP and BMP are sniffed, accepted and OCR'd (first frame only)."""
    image = builder.render_text_image(builder.PNG_LINES)
    second = builder.render_text_image(["Another frame entirely"])
    for name, mime, extra in [
        ("scan.gif", filetypes.GIF, {"save_all": True, "append_images": [second]}),
        ("scan.webp", filetypes.WEBP, {"lossless": True}),
        ("scan.bmp", filetypes.BMP, {}),
    ]:
        path = tmp_path / name
        image.save(path, **extra)
        head = path.read_bytes()[: filetypes.SNIFF_BYTES]
        assert filetypes.check_supported(head, "upload") == mime
        pages = list(LocalEngine().pages(path, mime))
        assert len(pages) == 1
        got = "".join(builder.words(pages[0].markdown))
        assert "invoice" in got and "another" not in got, (name, pages[0].markdown)
