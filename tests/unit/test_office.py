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
from ilios.errors import CorruptFile, FileTooLarge, MemoryLimit, TooManyPages
from ilios.worker.engines import office, ooxml
from ilios.worker.engines.local import LocalEngine
from ilios.worker.sandbox import Limits, Sandboxed


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


@pytest.mark.parametrize(
    ("make", "mime"),
    [
        (builder.make_docx, filetypes.DOCX),
        (builder.make_pptx, filetypes.PPTX),
        (builder.make_xlsx, filetypes.XLSX),
    ],
)
def test_office_files_convert_whatever_their_stored_name(tmp_path, make, mime) -> None:
    """Workers see a file by its blob key (``originals/doc_…``), with no extension."""
    path = tmp_path / "doc_0a1b2c"
    expected = make(path)
    assert convert(path, mime) == expected
    # Refused before the first page: the workbook's file is closed all the same
    # (an unclosed file would be a ResourceWarning, an error under this suite's filters).
    with pytest.raises(TooManyPages):
        convert(path, mime, max_pages=1)


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
        "# Survey\n\nBirds by year\n\nBar chart\n\n| | Ducks | Geese |\n| --- | --- | --- |\n"
        "| 2019 | 120 | 80 |\n| 2020 | 130.5 | 95 |"
    ).replace("| |", "|  |")


def test_html_drops_scripts_styles_and_head(tmp_path) -> None:
    path = tmp_path / "page.html"
    builder.make_html(path)
    (markdown,) = convert(path, filetypes.HTML)
    for absent in ("never shown", "alert", "color", "Ignored title", "Enable scripts", "data:"):
        assert absent not in markdown


def test_html_page_banner_and_footer_stay_out_but_an_articles_header_stays(tmp_path) -> None:
    """A <header> or <footer> outside article/aside/main/nav/section is the
    site's banner or footer (roles banner and contentinfo); inside them it
    belongs to the document. Link tooltips are not text; parentheses in a
    link's address are encoded so the Markdown link ends where it should."""
    path = tmp_path / "page.html"
    path.write_text(
        "<body><header><nav>Main menu</nav></header>"
        "<main><article><header><h1>Ducks</h1></header>"
        "<p>See <a href='/wiki/ISBN_(identifier)' title='ISBN (identifier)'>ISBN</a>.</p>"
        "<footer>Article footnote</footer></article></main>"
        "<div role='contentinfo'>Privacy policy</div>"
        "<footer>Last edited today</footer></body>",
        encoding="utf-8",
    )
    (markdown,) = convert(path, filetypes.HTML)
    assert markdown == ("# Ducks\n\nSee [ISBN](/wiki/ISBN_%28identifier%29).\n\nArticle footnote")


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


def html_markdown(tmp_path: pathlib.Path, html: str | bytes) -> str:
    path = tmp_path / "page.html"
    if isinstance(html, str):
        path.write_text(html, encoding="utf-8")
    else:
        path.write_bytes(html)
    (markdown,) = convert(path, filetypes.HTML)
    return markdown


AFTER = "<p>First after.</p><p>Second after.</p>"


@pytest.mark.parametrize(
    ("body", "blocks"),
    [
        pytest.param(  # a void element: nothing after it is its content
            '<p>Before.</p><embed src="movie.swf" type="application/x-shockwave-flash">' + AFTER,
            ["Before.", "First after.", "Second after."],
            id="embed",
        ),
        pytest.param(  # never closed: what follows is its fallback content, and is read
            '<p>Before.</p><object data="report.pdf"><param name="view" value="fit">' + AFTER,
            ["Before.", "First after.", "Second after."],
            id="unclosed-object",
        ),
        pytest.param(  # nothing is ever fetched: a reader sees the fallback
            '<p>Before.</p><object data="chart.svg" type="image/svg+xml">'
            "<p>Sales doubled in 2024.</p></object>" + AFTER,
            ["Before.", "Sales doubled in 2024.", "First after.", "Second after."],
            id="object-fallback",
        ),
        pytest.param(
            '<object data="movie.swf"><embed src="movie.swf"></object>' + AFTER,
            ["First after.", "Second after."],
            id="embed-in-object",
        ),
        pytest.param(
            '<video controls><source src="a.webm" type="video/webm"><source src="a.mp4">'
            '<track kind="captions" src="a.vtt" srclang="en"></video>'
            '<audio controls><source src="b.ogg"><track src="b.vtt"></audio>' + AFTER,
            ["[](a.webm)", "First after.", "Second after."],  # a video links its first source
            id="media-source-track",
        ),
        pytest.param(
            '<picture><source srcset="wide.png" media="(min-width: 800px)">'
            '<img src="narrow.png" alt="A chart"></picture>' + AFTER,
            ["A chart", "First after.", "Second after."],
            id="picture-source",
        ),
        pytest.param(  # an icon's alt text is a word of its own, not glued to the item's
            '<ul><li><img src="pdf.png" alt="PDF">Advanced PDF understanding</li>'
            '<li>Logo<img src="l.png" alt=" Docling "><img src="x.png" alt=""></li></ul>' + AFTER,
            ["- PDF Advanced PDF understanding\n- Logo Docling", "First after.", "Second after."],
            id="inline-image-alt",
        ),
        pytest.param(
            "<p>Super<wbr>cali<wbr>fragilistic.</p>" + AFTER,
            ["Supercalifragilistic.", "First after.", "Second after."],
            id="wbr",
        ),
    ],
)
def test_html_after_embedded_content_converts_whole(tmp_path, body, blocks) -> None:
    markdown = html_markdown(tmp_path, f"<!doctype html><html><body>{body}</body></html>")
    assert markdown.split("\n\n") == blocks


def test_html_non_text_elements_stay_out(tmp_path) -> None:
    markdown = html_markdown(
        tmp_path,
        "<!doctype html><body><p>Before.</p>"
        '<iframe src="ad.html"><p>Frame text</p></iframe>'
        "<template><p>Template text</p></template>"
        "<svg><text>Vector text</text></svg>"
        "<canvas>Canvas text</canvas>"
        "<noscript>Enable scripts</noscript><script>var x = 'Script text'</script>"
        "<pre hidden><code>$ hidden listing</code></pre><p hidden=''>Hidden text</p>"
        '<div hidden="until-found"><p>Found text</p></div>' + AFTER,
    )
    assert markdown.split("\n\n") == ["Before.", "Found text", "First after.", "Second after."]


@pytest.mark.parametrize(
    ("head", "encoding"),
    [
        ('<meta charset="windows-1251">', "windows-1251"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">', "koi8-r"),
        ("", "utf-8"),  # no declaration: UTF-8 is tried before windows-1252
    ],
)
def test_html_charset_comes_from_the_page(tmp_path, head, encoding) -> None:
    html = f"<!doctype html><html><head>{head}</head><body><p>Привет, мир</p></body></html>"
    assert html_markdown(tmp_path, html.encode(encoding)) == "Привет, мир"


def test_html_neither_fetches_nor_expands_entities(tmp_path) -> None:
    """Nothing a page names is requested (a server on loopback counts requests), and
    DOCTYPE entity declarations are text, never expanded (XXE, billion laughs)."""
    import http.server
    import threading

    requests: list[str] = []

    class Counter(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<p>Fetched</p>")

        def log_message(self, *args: object) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counter) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        laughs = '<!ENTITY a "hahahahahahahahahaha">' + "".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
        )
        html = (
            f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "{url}/xxe">'
            f'<!ENTITY local SYSTEM "file:///etc/passwd">{laughs}]>'
            f'<html><head><base href="{url}/base/"><link rel="stylesheet" href="{url}/css">'
            f'<meta http-equiv="refresh" content="0; url={url}/refresh">'
            f'<script src="{url}/js"></script><style>@import "{url}/import";</style></head>'
            f'<body><p>Start &xxe; &local; &j;</p><img src="{url}/img" alt="Logo">'
            f'<iframe src="{url}/frame"></iframe><embed src="{url}/embed">'
            f'<object data="{url}/object">Fallback</object>'
            f'<video src="{url}/video" poster="{url}/poster"><source src="{url}/source">'
            f'<track src="{url}/track"></video><p>End</p></body></html>'
        )
        markdown = html_markdown(tmp_path, html)
        server.shutdown()
        thread.join()
    assert requests == []
    # The DOCTYPE ends at its first ">": a browser, too, shows the "]>" closing the
    # declarations as text. References to declared entities stay as written.
    assert markdown.split("\n\n") == [
        "]>",
        "Start &xxe; &local; &j;",
        f"Logo Fallback[![]({url}/poster)]({url}/video)",  # inline: image, object, video
        "End",
    ]


def reopening_html(elements: int, runs: int) -> str:
    """``elements`` formatting elements left open in a closed ``<div>``, then ``runs``
    paragraphs: HTML re-opens all of them around each paragraph's text."""
    opened = "".join(f'<b id="b{i}">' for i in range(elements))
    return f"<!doctype html><body><div>{opened}</div>" + "<div>text</div>" * runs


def test_html_reopened_formatting_does_not_multiply_the_markdown(tmp_path) -> None:
    markdown = html_markdown(tmp_path, reopening_html(200, 100))  # 20,000 <b> in the tree
    assert markdown.split("\n\n") == ["**text**"] * 100


def test_html_emphasis_inside_its_own_kind_is_marked_once(tmp_path) -> None:
    """docling's formatting.html: CMS output nests <b> in <strong>, <em> in <i>,
    <del> in <s>; each pair is one Markdown mark, not a doubled one."""
    markdown = html_markdown(
        tmp_path,
        "<p>Notice that <strong><b>strong + bold</b></strong> and "
        "<i><em>italic + emphasis</em></i>, also <s><del>struck twice</del></s>, "
        "but <strong><em>strong + emphasis</em></strong> is both.</p>",
    )
    assert markdown == (
        "Notice that **strong + bold** and *italic + emphasis*, also ~~struck twice~~, "
        "but ***strong + emphasis*** is both."
    )


def test_html_tree_past_the_memory_cap_is_memory_limit(tmp_path) -> None:
    """An 86 KB page whose tree (9 million re-opened elements) outgrows the engine's
    memory cap fails as MEMORY_LIMIT, not as a damaged file."""
    path = tmp_path / "reopened.html"
    path.write_text(reopening_html(3000, 3000), encoding="utf-8")
    engine = Sandboxed(LocalEngine, limits=Limits(page_timeout_s=120, memory_mb=768))
    try:
        with pytest.raises(MemoryLimit):
            list(engine.pages(path, filetypes.HTML))
    finally:
        engine.close()
