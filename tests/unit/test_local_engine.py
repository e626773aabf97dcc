"""The local engine: text-layer PDFs, scans and images to Markdown, and its errors.

Documents come from ``tests/corpus.py`` (known text in, expected Markdown
out). OCR costs about a second per image, so each document is converted once
per module and shared.
"""

from __future__ import annotations

import ctypes
import pathlib
import threading
from collections import Counter

import corpus as builder
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen import canvas

from ilios.errors import (
    CorruptFile,
    IliosError,
    PdfEncrypted,
    TooManyPages,
    UnsupportedFileType,
)
from ilios.worker.engines import local, ocr, pdf, tesseract
from ilios.worker.engines.base import Engine, Page, join_pages
from ilios.worker.engines.layout import FontStats, Line, to_markdown
from ilios.worker.engines.local import LocalEngine

PDF = "application/pdf"


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return tmp_path_factory.mktemp("engine-docs")


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    return LocalEngine()


def convert(engine: LocalEngine, path: pathlib.Path, mime: str) -> list[Page]:
    return list(engine.pages(path, mime))


squashed = builder.squashed
assert_reads_in_order = builder.assert_in_order


# --- text-layer PDFs ---------------------------------------------------------------


@pytest.fixture(scope="module")
def text_pdf(docs: pathlib.Path, engine: LocalEngine) -> tuple[list[str], list[Page]]:
    path = docs / "text.pdf"
    expected = builder.make_text_pdf(path, pages=3)
    return expected, convert(engine, path, PDF)


def test_text_pdf_is_exactly_the_expected_markdown(text_pdf) -> None:
    expected, pages = text_pdf
    assert [p.number for p in pages] == [1, 2, 3]
    assert [p.markdown for p in pages] == expected


def test_text_pdf_structure(text_pdf) -> None:
    _, pages = text_pdf
    first = pages[0].markdown
    assert first.startswith("# Ilios Quarterly Report\n\n## Summary of findings\n\n")
    # Wrapped lines of one paragraph are one line; paragraphs are blank-line separated.
    assert "\n\nPage one opens the report. The conversion service reads each page" in first
    assert "wrap over more than one line on a letter-sized page.\n\n" in first
    assert "- Bullets become dashes\n- Order is preserved\n- Long items" in first
    assert "wide enough to wrap onto a second line\n\n1. Extract" in first
    assert first.endswith("1. Extract the text layer\n2. Detect headings\n3. Emit Markdown")
    # Headings rank across the document: page 2's section keeps page 1's "##".
    assert pages[1].markdown.startswith("## Method\n\n")
    assert "\n\n### Data sources\n\n" in pages[1].markdown
    assert "- Reports\n- Invoices\n- Scanned letters" in pages[1].markdown  # "-" bullets
    assert "1. Text pages convert quickly\n2. Scanned pages use OCR" in pages[2].markdown  # "1)"
    assert all("<!--" not in p.markdown for p in pages)  # pages are self-contained


def test_twenty_pages_come_in_order(docs: pathlib.Path, engine: LocalEngine) -> None:
    path = docs / "twenty.pdf"
    expected = builder.make_text_pdf(path, pages=20)
    pages = convert(engine, path, PDF)
    assert [p.number for p in pages] == list(range(1, 21))
    assert [p.markdown for p in pages] == expected
    assert f"This is page {17} of the report." in pages[16].markdown


def test_pages_are_yielded_as_each_is_read(
    docs: pathlib.Path, engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = docs / "lazy.pdf"
    builder.make_text_pdf(path, pages=5)
    reads: list[int] = []
    real_read = pdf.PdfFile.read_page

    def spy(self: pdf.PdfFile, index: int):
        reads.append(index)
        return real_read(self, index)

    monkeypatch.setattr(pdf.PdfFile, "read_page", spy)
    pages = engine.pages(path, PDF)
    assert reads == []  # nothing happens until the caller asks
    assert next(pages).number == 1
    assert reads == [0, 1, 2]  # the page, and those it is compared with for running headers
    assert next(pages).number == 2
    assert reads == [0, 1, 2, 3]  # each page is read once
    pages.close()  # abandoning the document closes it


def test_effective_font_size_and_run_text(docs: pathlib.Path, engine: LocalEngine) -> None:
    """Size = Tf size x text matrix scale; a slanted glyph does not leak into the next run."""
    path = docs / "runs.pdf"
    c = canvas.Canvas(str(path), pagesize=LETTER)
    text = c.beginText()
    text.setTextTransform(24, 0, 0, 24, 72, 700)  # a 1 pt font scaled 24x: a 24 pt title
    text.setFont("Helvetica", 1)
    text.textLine("Scaled title")
    c.drawText(text)
    x = 72.0
    for font, run in [
        ("Helvetica", "Body with "),
        ("Helvetica-Oblique", "italic"),
        ("Helvetica", " and "),
        ("Helvetica-Bold", "bold"),
        ("Helvetica", " words in one line of ordinary text."),
    ]:
        c.setFont(font, 11)
        c.drawString(x, 650, run)
        x += c.stringWidth(run, font, 11)
    c.showPage()
    c.save()
    [page] = convert(engine, path, PDF)
    assert page.markdown == (
        "# Scaled title\n\nBody with italic and bold words in one line of ordinary text."
    )


def test_paragraph_cut_by_a_figure_mid_column_goes_on_whole(
    docs: pathlib.Path, engine: LocalEngine
) -> None:
    """A figure set in a column mid-paragraph, its caption under it, and the
    paragraph going on below (mid-sentence: a lower-case start): the
    paragraph is one, whole, and the figure's labels and caption follow it."""
    path = docs / "figure-mid-column.pdf"
    c = canvas.Canvas(str(path), pagesize=LETTER)
    c.setFont("Helvetica", 11)
    body = [
        "Self-locking nuts are used on aircraft to give tight connections that",
        "will not shake loose under severe vibration. Of the two general types",
        "in use, the all-metal kind is the one whose shape is",
    ]
    below = [
        "most common, in sizes for every bolt diameter used on the airframe.",
        "It holds by the friction of its upper portion on the bolt's threads.",
    ]
    y = 700.0
    for line in body:
        c.drawString(72, y, line)
        y -= 14
    c.rect(150, y - 130, 250, 120)  # the figure: a frame and two labels in it
    c.drawString(170, y - 40, "Steel nut")
    c.drawString(300, y - 100, "Fiber collar")
    c.setFont("Helvetica-Oblique", 11)
    c.drawString(72, y - 150, "Figure 3. Two kinds of self-locking nut.")
    c.setFont("Helvetica", 11)
    y -= 180
    for line in below:
        c.drawString(72, y, line)
        y -= 14
    c.drawString(72, y - 14, "Boots nuts are made of spring steel and are of two types.")
    c.showPage()
    c.save()
    [page] = convert(engine, path, PDF)
    paragraphs = page.markdown.split("\n\n")
    assert paragraphs[0] == " ".join([*body, *below])
    assert paragraphs[1:] == [
        "Steel nut",
        "Fiber collar",
        "Figure 3. Two kinds of self-locking nut.",
        "Boots nuts are made of spring steel and are of two types.",
    ]


def test_owner_password_only_pdf_opens_with_the_empty_password(
    docs: pathlib.Path, engine: LocalEngine
) -> None:
    path = docs / "owner.pdf"
    builder.make_encrypted_pdf(path, user_password="")
    assert [p.markdown for p in convert(engine, path, PDF)] == ["Encrypted content"]


# --- OCR -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scanned_pdf(docs: pathlib.Path, engine: LocalEngine) -> tuple[list[list[str]], list[Page]]:
    path = docs / "scanned.pdf"
    expected = builder.make_scanned_pdf(path)
    return expected, convert(engine, path, PDF)


def test_scanned_pdf_page_is_ocred(scanned_pdf) -> None:
    expected, pages = scanned_pdf
    assert [p.number for p in pages] == [1, 2]
    assert pages[0].markdown == expected[0][0]  # the text layer, exactly
    assert_reads_in_order(pages[1].markdown, expected[1])  # no text layer: OCR


def test_png_reads_lines_and_paragraphs(docs: pathlib.Path, engine: LocalEngine) -> None:
    path = docs / "page.png"
    builder.make_png(path)
    [page] = convert(engine, path, "image/png")
    paragraphs = page.markdown.split("\n\n")
    assert len(paragraphs) == len(builder.PNG_PARAGRAPHS)
    for got, lines in zip(paragraphs, builder.PNG_PARAGRAPHS, strict=True):
        assert "\n" not in got  # a paragraph's lines are joined
        assert_reads_in_order(got, lines)
    assert "invoice" in builder.words(page.markdown)


def test_jpeg_and_transparent_png(docs: pathlib.Path, engine: LocalEngine) -> None:
    jpeg, transparent = docs / "page.jpg", docs / "transparent.png"
    lines = builder.make_jpeg(jpeg)
    on_nothing = builder.make_transparent_png(transparent)
    assert_reads_in_order(convert(engine, jpeg, "image/jpeg")[0].markdown, lines)
    assert_reads_in_order(convert(engine, transparent, "image/png")[0].markdown, on_nothing)


def test_every_tiff_frame_is_a_page(docs: pathlib.Path, engine: LocalEngine) -> None:
    path = docs / "frames.tiff"
    frames = builder.make_tiff(path)
    pages = convert(engine, path, "image/tiff")
    assert [p.number for p in pages] == [1, 2]
    for page, lines in zip(pages, frames, strict=True):
        assert_reads_in_order(page.markdown, lines)
    assert "charlie" not in squashed(pages[0].markdown)


def test_pages_ahead_are_ocred_on_other_threads_and_come_in_order(
    docs: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With OCR_THREADS above one, the pages after the one being converted
    are OCR'd on the pool's threads meanwhile; pages come in order, each
    read as it is read alone."""
    words = ("alpha", "bravo", "charlie", "delta")
    path = docs / "four-scans.pdf"
    texts = [[f"Page {word} of the scan", f"reads {word} words"] for word in words]
    builder.make_scan_pages_pdf(path, texts)
    caplog.set_level("DEBUG", logger=local.__name__)
    ahead = convert(LocalEngine(ocr_threads=3), path, PDF)
    threads = {r.threadName for r in caplog.records if r.getMessage().startswith("page")}
    alone = convert(LocalEngine(ocr_threads=1), path, PDF)
    assert [p.number for p in ahead] == [1, 2, 3, 4]
    assert [p.markdown for p in ahead] == [p.markdown for p in alone]
    for page, lines in zip(ahead, texts, strict=True):
        assert_reads_in_order(page.markdown, lines)
    assert threads and all(name.startswith("ocr") for name in threads), threads


def test_a_damaged_frame_ahead_fails_at_its_turn(docs: pathlib.Path) -> None:
    """A frame read ahead that cannot be decoded raises when its page comes,
    after the pages before it."""
    path = docs / "damaged-last.tiff"
    frames = [["First frame heading"], ["Second frame text"], ["Third frame words"]]
    builder.make_tiff_last_frame_damaged(path, frames)
    pages = LocalEngine(ocr_threads=3).pages(path, "image/tiff")
    for number, lines in enumerate(frames[:2], 1):
        page = next(pages)
        assert page.number == number
        assert_reads_in_order(page.markdown, lines)
    with pytest.raises(CorruptFile, match="damaged or truncated"):
        next(pages)


def test_grayscale_keeps_16_bit_contrast_and_caps_size() -> None:
    deep = Image.fromarray(np.array([[0, 30000], [60000, 65535]], dtype=np.uint16))
    assert deep.mode == "I;16"
    assert local._grayscale(deep).tolist() == [[0, 116], [233, 255]]
    big = Image.new("RGB", (2 * local.IMAGE_MAX_SIDE_PX, 1000), "white")
    assert local._grayscale(big).shape == (500, local.IMAGE_MAX_SIDE_PX)


def test_concurrent_ocr_reads_right_and_a_thread_keeps_its_models(docs: pathlib.Path) -> None:
    path = docs / "concurrent.png"
    lines = builder.make_png(path)
    results: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.extend(p.markdown for p in LocalEngine().pages(path, "image/png"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 2
    for markdown in results:
        assert_reads_in_order(markdown, lines)
    serial = LocalEngine(ocr_threads=1)  # OCR on this thread
    convert(serial, path, "image/png")
    first = dict(tesseract._own.apis)
    assert first
    convert(serial, path, "image/png")
    assert tesseract._own.apis == first  # the same instances, none added


def test_lines_read_as_texture_are_left_out() -> None:
    """Tesseract reads a photograph's texture as stray letters and signs at
    a low confidence: such a line goes, unless it holds a long word read
    surely (a form's label among the marks of its boxes) or is mostly words
    (a worn word alone on its line); print, however worn, stays."""
    box = (0, 0, 10, 10)
    words = [
        (0, "Diet", box, 31.0),
        (0, "ee", box, 22.0),
        (0, "=a", box, 12.0),
        (0, "i", box, 8.0),
        (1, "Worn", box, 62.0),
        (1, "print", box, 48.0),
        (2, "O:", box, 0.0),
        (2, "Signed", box, 97.0),
        (2, "of filing", box, 21.0),
        (3, "a", box, 9.0),
        (3, "=a", box, 3.0),
        (3, "Dated", box, 84.0),  # not sure enough to keep its line
        (3, "ee", box, 10.0),
        (3, "~~", box, 2.0),
        (4, "oeuvre.", box, 14.0),
    ]
    kept = tesseract._legible(words)
    assert [text for _, text, _, _ in kept] == [
        "Worn",
        "print",
        "O:",
        "Signed",
        "of filing",
        "oeuvre.",
    ]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Los empleadores son responsables de los errores y por eso es para el que lo lea, "
            "como al final.",
            "spa",
        ),
        (
            "Der Antrag ist nicht mit dem Formular auf den Weg zu bringen, das von der Stelle "
            "für die Akten ein Muster hat.",
            "deu",
        ),
        (
            "The form and the notes that go with it are on the page, for it was made by the "
            "office as this year's.",
            "eng",
        ),
        ("Los errores de the form", None),  # too few common words to tell
        # Polish: "do" is Portuguese's too, but one word is no language
        (
            "Wniosek do urzędu, skargi do sądu i listy do biura idą do nas, do was, do nich "
            "i do mnie.",
            None,
        ),
        (
            "El formulario y the notes, por the office and the clerk, para el que lo pide, "
            "with the date.",
            None,
        ),  # no language leads twice over the next
    ],
)
def test_a_pages_language_is_told_by_its_common_words(text: str, language: str | None) -> None:
    assert tesseract._language(text) == language


def test_without_tesseract_models_rapidocr_reads(
    docs: pathlib.Path, monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    """A machine without Tesseract's models ($TESSDATA_PREFIX names an empty
    folder) still reads scans, with RapidOCR."""
    path = docs / "fallback.png"
    lines = builder.make_png(path)
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    tesseract.installed_models.cache_clear()
    try:
        assert not tesseract.available()
        [page] = convert(LocalEngine(), path, "image/png")
        assert ocr._ocr is not None
    finally:
        monkeypatch.undo()
        tesseract.installed_models.cache_clear()
    assert_reads_in_order(page.markdown, lines)


# --- errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "mime", "error", "reason", "words"),
    [
        (builder.make_encrypted_pdf, PDF, PdfEncrypted, "PDF_ENCRYPTED", "password"),
        (builder.make_truncated_pdf, PDF, CorruptFile, "CORRUPT_FILE", "truncated or damaged"),
        (builder.make_random_bytes, PDF, CorruptFile, "CORRUPT_FILE", "truncated or damaged"),
        (builder.make_random_bytes, "image/png", CorruptFile, "CORRUPT_FILE", "cannot be decoded"),
        (lambda p: p.write_bytes(b""), PDF, CorruptFile, "CORRUPT_FILE", "empty"),
        (
            builder.make_png,
            "application/zip",
            UnsupportedFileType,
            "UNSUPPORTED_FILE_TYPE",
            "application/zip",
        ),
    ],
)
def test_bad_documents_raise_the_right_error(
    docs: pathlib.Path,
    engine: LocalEngine,
    make,
    mime: str,
    error: type[IliosError],
    reason: str,
    words: str,
) -> None:
    path = docs / f"bad-{reason}-{mime.replace('/', '_')}-{make.__name__}"
    make(path)
    with pytest.raises(error) as caught:
        convert(engine, path, mime)
    assert type(caught.value) is error
    assert caught.value.reason == reason
    assert words in caught.value.message


def test_truncated_png_is_corrupt(docs: pathlib.Path, engine: LocalEngine) -> None:
    path = docs / "half.png"
    builder.make_png(path)
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(CorruptFile):
        convert(engine, path, "image/png")


def test_too_many_pages_is_raised_before_any_page(docs: pathlib.Path) -> None:
    path, tiff = docs / "three.pdf", docs / "two.tiff"
    builder.make_text_pdf(path, pages=3)
    builder.make_tiff(tiff)
    pages = LocalEngine(max_pages=2).pages(path, PDF)
    with pytest.raises(TooManyPages) as caught:
        next(pages)
    assert caught.value.details == {"pages": "3", "max_pages": "2"}
    assert "at most 2" in caught.value.message
    with pytest.raises(TooManyPages):
        next(LocalEngine(max_pages=1).pages(tiff, "image/tiff"))
    assert len(convert(LocalEngine(max_pages=3), path, PDF)) == 3


def test_unexpected_library_failures_do_not_escape_raw(
    docs: pathlib.Path, engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = docs / "boom.pdf"
    builder.make_text_pdf(path, pages=1)

    def boom(*args: object, **kwargs: object) -> str:
        raise ValueError("layout exploded")

    monkeypatch.setattr(local, "to_markdown", boom)
    with pytest.raises(IliosError) as caught:
        convert(engine, path, PDF)
    assert type(caught.value) is IliosError
    assert caught.value.reason == "INTERNAL"
    assert isinstance(caught.value.__cause__, ValueError)


# --- interface -------------------------------------------------------------------


def test_local_engine_is_an_engine() -> None:
    engine = LocalEngine()
    assert isinstance(engine, Engine)
    assert (engine.name, engine.model, engine.max_pages) == ("local", "ilios-local-1", 2000)


def test_join_pages_puts_a_marker_before_each_later_page() -> None:
    pages = [Page(1, "# One"), Page(2, "Two"), Page(3, "")]
    assert join_pages(pages) == "# One\n\n<!-- page 2 -->\n\nTwo\n\n<!-- page 3 -->\n\n\n"


# --- layout rules on hand-made lines ----------------------------------------------


def line(
    text: str, baseline: float, size: float = 10.0, left: float = 72.0, chars: int | None = None
) -> Line:
    return Line(
        text,
        left,
        left + 6 * len(text),
        baseline - size,
        baseline + 2,
        baseline,
        size,
        len(text) if chars is None else chars,
    )


def test_headings_rank_by_size_across_pages() -> None:
    fonts = FontStats()
    body = [line("body " * 20, 200 + 12 * i, chars=500) for i in range(5)]
    page1 = [line("Title", 50, 24), line("Section", 100, 16), *body]
    fonts.add_page(page1)
    first = to_markdown(page1, fonts=fonts, max_leading=pdf.MAX_LEADING)
    assert first.startswith("# Title\n\n## Section\n\nbody")
    page2 = [line("Another section", 50, 16), line("Subsection", 90, 13), *body]
    fonts.add_page(page2)
    second = to_markdown(page2, fonts=fonts, max_leading=pdf.MAX_LEADING)
    assert second.startswith("## Another section\n\n### Subsection\n\nbody")
    assert fonts.body_size == 10.0


def test_paragraphs_lists_hyphens_and_escapes() -> None:
    lines = [
        line("# not a heading, a paragraph that starts with a hash and is", 100),
        line("letter-", 112),
        line("sized.", 124),
        line("A new paragraph after a gap.", 150),
        line("\u2022 first item that is long and", 175),
        line("wraps onto an indented line", 187, left=84),
        line("\u25e6 second item", 199),
        line("7) seventh", 224),
        line("8. eighth", 236),
        line("Closing words with hyphen\x02", 261),
        line("ation marks and a last line that ends in one\x02", 273),
    ]
    assert to_markdown(lines, fonts=None, max_leading=pdf.MAX_LEADING) == (
        "\\# not a heading, a paragraph that starts with a hash and is letter-sized.\n\n"
        "A new paragraph after a gap.\n\n"
        "- first item that is long and wraps onto an indented line\n- second item\n\n"
        "7. seventh\n8. eighth\n\n"
        "Closing words with hyphenation marks and a last line that ends in one-"
    )


def test_ocr_boxes_group_into_lines_left_to_right() -> None:
    boxes = [
        ocr._box([[300, 12], [400, 12], [400, 40], [300, 40]], "right"),
        ocr._box([[10, 100], [90, 100], [90, 128], [10, 128]], "below"),
        ocr._box([[10, 10], [250, 10], [250, 38], [10, 38]], "left  words"),
    ]
    lines = ocr._group_lines(boxes)
    assert [ln.text for ln in lines] == ["left words right", "below"]


@pytest.mark.parametrize(
    "name",
    ["docling-korean-2col-p2-4.pdf", "plumber-ca-warn-report-p1.pdf", "docling-2305-03393-p9.pdf"],
)
def test_runs_read_from_the_text_page_match_the_object_text(name: str) -> None:
    """An object drawn as one run is read from the text page's range
    (cheaper than pdfium's object text); it must be what the object text
    says, spaces after it, hyphenation marks and characters beyond the BMP
    (those fall back) included."""
    document = pdfium.PdfDocument(pathlib.Path(__file__).parent.parent / "data" / "real" / name)
    compared = 0
    for page in document:
        textpage = page.get_textpage()
        handle = textpage.raw
        runs = list(pdf._object_runs(handle))
        spread = Counter(address for _, _, address in runs)
        count = pdfium_c.FPDFText_CountChars(handle)
        buffer = (ctypes.c_ushort * pdf.TEXT_BUFFER_CHARS)()
        for first, end, address in runs:
            if spread[address] > 1:
                continue
            whole = pdf._object_text(handle, pdfium_c.FPDFText_GetTextObject(handle, first), buffer)
            read = pdf._run_text(handle, first, end, count, buffer)
            assert read is None or read == whole
            compared += read is not None
    assert compared > 20
