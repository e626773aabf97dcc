"""The local engine: offline PDF and image conversion to Markdown, page by page.

- PDFs with a text layer: pdfium text segments and ruling lines -> ``layout``
  (reading order across columns, tables, headings from font size and weight,
  paragraphs, lists), the running headers and footers found by comparing a
  page with its neighbours (``margins``) first and last. Pages without one,
  or whose fonts have no usable Unicode map, are rendered and OCR'd; so is a
  page whose text looks like a wrongly mapped font and that OCR reads
  differently, and a scanned page whose invisible OCR layer reads worse than
  our OCR (``legibility``).
- PNG, JPEG and TIFF (every TIFF frame is a page): OCR (``ocr``: Tesseract,
  or RapidOCR without its models; pages scanned sideways or upside down are
  turned upright).
"""

from __future__ import annotations

import functools
import logging
import pathlib
from collections.abc import Callable, Iterator, Sequence

import numpy as np
from PIL import Image, ImageOps

from ilios.errors import (
    CorruptFile,
    IliosError,
    UnsupportedFileType,
)
from ilios.worker.engines import legibility, margins, tesseract
from ilios.worker.engines.base import Page, Usage, check_page_count, decoding_image
from ilios.worker.engines.geometry import Line, PageText
from ilios.worker.engines.layout import FontStats, to_markdown
from ilios.worker.engines.ocr import default_languages, ocr_markdown, ocr_page, page_markdown
from ilios.worker.engines.pdf import MAX_LEADING as PDF_MAX_LEADING
from ilios.worker.engines.pdf import PdfFile
from ilios.worker.engines.readahead import DEFAULT_THREADS as DEFAULT_OCR_THREADS
from ilios.worker.engines.readahead import ReadAhead
from ilios.worker.engines.tables import running_on

PDF = "application/pdf"
TIFF = "image/tiff"
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", TIFF})
DEFAULT_MAX_PAGES = 2000
OCR_SIZE_NOISE = 0.25  # an OCR layer's sizes this close to the next smaller one are one size
SAMPLE_SHARE = 0.3  # a scanned page's OCR layer is checked on this middle share of its height
SAMPLE_WORDS = 30  # ... if the layer has this many words there (else the page is OCR'd)
IMAGE_MAX_SIDE_PX = 5000  # larger images are scaled down before OCR (600 DPI letter pages fit)

log = logging.getLogger(__name__)
_LAYER_KEPT = "page %d: OCR'd to check its text layer, which stays"
_READ_BETTER = "page %d: OCR, read better than its text layer"


class LocalEngine:
    """Converts PDFs and PNG/JPEG/TIFF images on this machine; see ``Engine``."""

    name = "local"
    model = "ilios-local-1"

    def __init__(
        self, max_pages: int = DEFAULT_MAX_PAGES, ocr_threads: int = DEFAULT_OCR_THREADS
    ) -> None:
        self.max_pages = max_pages
        self.ocr_threads = ocr_threads  # pages OCR'd at once (``readahead``)

    def pages(
        self,
        path: pathlib.Path,
        mime_type: str,
        usage: Usage | None = None,
        languages: Sequence[str] | None = None,
    ) -> Iterator[Page]:
        """Yield the pages of ``path`` (of sniffed type ``mime_type``) as each is ready.

        ``languages``: OCR language codes the document is written in (``eng``,
        ``deu``, ``frk``, ``ara``, ``jpn``...; see ``languages``), or None for
        the engine's default.

        Raises (from the iterator) UnsupportedFileType, CorruptFile,
        PdfEncrypted, TooManyPages, FileTooLarge (image pixel count),
        EngineRejected/EngineUnavailable (OCR) or IliosError (internal).
        """
        from ilios import filetypes
        from ilios.worker.engines import office  # DOCX, PPTX, XLSX, HTML, Markdown, text

        langs = list(languages or ())
        try:
            if mime_type == PDF:
                yield from self._pdf_pages(path, langs)
            elif mime_type in IMAGE_TYPES:
                yield from self._image_pages(path, langs, every_frame=mime_type == TIFF)
            elif mime_type in (filetypes.GIF, filetypes.WEBP, filetypes.BMP):  # first frame
                yield from self._image_pages(path, langs, every_frame=False)
            elif mime_type in office.TYPES:
                yield from office.pages(path, mime_type, self.max_pages)
            else:
                raise UnsupportedFileType(
                    f"The local engine cannot convert {mime_type}: send a PDF; an image; "
                    "a DOCX, PPTX or XLSX file; or HTML, Markdown or plain text.",
                    mime_type=mime_type,
                )
        except IliosError:
            raise
        except Exception as exc:  # a library failure we did not foresee: never leak it raw
            raise IliosError(
                "The local engine failed unexpectedly while converting the document.",
                detail=repr(exc),
            ) from exc

    def _pdf_pages(self, path: pathlib.Path, languages: list[str]) -> Iterator[Page]:
        if path.stat().st_size == 0:
            raise CorruptFile("The PDF is empty (0 bytes): send the complete file.")
        with PdfFile(path) as pdf, ReadAhead[str | None](self.ocr_threads) as ahead:
            check_page_count(pdf.page_count, self.max_pages)
            fonts = FontStats()
            pages = _Window(pdf)
            before = ""  # the page before's Markdown (a table may run on from it)
            planner = functools.partial(_ocr_plan, pdf, pages, languages)
            for index in range(pdf.page_count):
                pages.move_to(index)
                ahead.plan(index, pdf.page_count, planner)
                content = pages.get(index)
                ocr = ahead.take(index)
                if ocr is not None:
                    markdown = ocr
                else:
                    assert isinstance(content, PageText)
                    if content.scanned:
                        _steady_sizes(content.lines)
                    fonts.add_page(content.lines)
                    markdown = to_markdown(
                        content.lines,
                        fonts=fonts,
                        max_leading=PDF_MAX_LEADING,
                        rules=content.rules,
                        margins=margins.split(content.lines, pages.around(index)),
                    )
                markdown, before = running_on(markdown, before), markdown
                yield Page(index + 1, markdown, last=index + 1 == pdf.page_count)

    def _image_pages(
        self, path: pathlib.Path, languages: list[str], *, every_frame: bool
    ) -> Iterator[Page]:
        """OCR each frame of a TIFF, or the first frame of other images (a
        phone JPEG may carry a second, preview frame)."""
        with decoding_image("image"), ReadAhead[str](self.ocr_threads) as ahead:
            with Image.open(path) as image:
                count = getattr(image, "n_frames", 1) if every_frame else 1
                check_page_count(count, self.max_pages)
                planner = functools.partial(_frame_plan, image, languages)
                for index in range(count):
                    ahead.plan(index, count, planner)
                    markdown = ahead.take(index)
                    assert markdown is not None
                    yield Page(index + 1, markdown, last=index + 1 == count)


def _ocr_plan(
    pdf: PdfFile, pages: _Window, languages: list[str], index: int
) -> Callable[[], str | None] | None:
    """The OCR page ``index`` needs, its pdfium part done (``ReadAhead.plan``):
    all of a page without a usable text layer; for a page whose layer may be
    wrong, the reading that decides, and gives OCR's Markdown if the layer
    loses (None if it stays; ``_read_instead``). None: the layer is kept unread."""
    content = pages.get(index)
    if isinstance(content, np.ndarray):

        def read() -> str | None:
            log.debug("page %d: OCR, no usable text layer", index + 1)
            return ocr_markdown(content, languages)

        return read
    return _read_instead(pdf, index, content, languages)


def _frame_plan(image: Image.Image, languages: list[str], index: int) -> Callable[[], str]:
    """Frame ``index`` of ``image`` decoded (here, on the converting thread),
    and its OCR to run."""
    with decoding_image("image"):
        image.seek(index)
        pixels = _grayscale(image)

    def read() -> str:
        log.debug("page %d: OCR, an image", index + 1)
        return ocr_markdown(pixels, languages)

    return read


class _Window:
    """A PDF's pages read once each, kept while within MARGIN_WINDOW pages of
    the one being converted (``margins`` compares a page with those around it)."""

    def __init__(self, pdf: PdfFile) -> None:
        self.pdf = pdf
        self.read: dict[int, PageText | np.ndarray] = {}

    def move_to(self, index: int) -> None:
        """Page ``index`` is the one being converted: forget those far behind it."""
        for old in [i for i in self.read if i < index - margins.MARGIN_WINDOW]:
            del self.read[old]

    def get(self, index: int) -> PageText | np.ndarray:
        """Page ``index``, read now or earlier (its errors raise here, at its turn)."""
        if index not in self.read:
            self.read[index] = self.pdf.read_page(index)
        return self.read[index]

    def around(self, index: int) -> list[list[Line]]:
        """The text segments of the text-layer pages within MARGIN_WINDOW of
        ``index`` (a page that cannot be read is left out until its turn)."""
        out = []
        for other in range(index - margins.MARGIN_WINDOW, index + margins.MARGIN_WINDOW + 1):
            if other == index or not 0 <= other < self.pdf.page_count:
                continue
            try:
                content = self.get(other) if other > index else self.read.get(other)
            except IliosError:
                continue
            if isinstance(content, PageText):
                out.append(content.lines)
        return out


def _steady_sizes(lines: list[Line]) -> None:
    """An OCR layer's font sizes are fitted to each line's box and wander by
    a point or two through one paragraph: sizes that follow each other
    (sorted) within OCR_SIZE_NOISE are one size, their most used (by
    character), so that only a clearly larger line is a heading and a
    paragraph does not break at a step of the fit."""
    groups: list[list[Line]] = []
    for line in sorted(lines, key=lambda line: line.size):
        if not groups or line.size > (1 + OCR_SIZE_NOISE) * groups[-1][-1].size:
            groups.append([])
        groups[-1].append(line)
    for group in groups:
        chars: dict[float, int] = {}
        for line in group:
            chars[line.size] = chars.get(line.size, 0) + line.chars
        usual = max(chars, key=lambda size: chars[size])
        for line in group:
            line.size = usual


def _read_instead(
    pdf: PdfFile, index: int, content: PageText, languages: list[str]
) -> Callable[[], str | None] | None:
    """For a page whose text layer looks like a broken font map, or a scanned
    page with an invisible OCR layer (``legibility``): its pixels rendered,
    and the reading that gives OCR's Markdown if OCR reads the page
    differently (a broken map) or better (an OCR layer), else None (the
    layer stays). None for any other page: its layer is kept unread."""
    text = _joined(content)
    if legibility.suspect(text):
        pixels = pdf.render(index)

        def read_suspect() -> str | None:
            page = ocr_page(pixels, languages, upright=True)
            same = legibility.agreement(text, _joined(page)) >= legibility.AGREEMENT_MIN
            return _layer_or_ocr(page, index, keep_layer=same)

        return read_suspect
    if not content.scanned:
        return None
    # the layer's script (another OCR's reading) names a model to read it with
    langs = tesseract.with_script_of(text, languages or default_languages())
    pixels, origin = pdf.render(index), pdf.origin(index)

    def read_scanned() -> str | None:
        if _layer_agrees(origin, content, pixels, langs):
            log.debug(_LAYER_KEPT, index + 1)
            return None
        page = ocr_page(pixels, langs)
        worse = not legibility.better(_joined(page), text, page.confidence)
        return _layer_or_ocr(page, index, keep_layer=worse)

    return read_scanned


def _joined(page: PageText) -> str:
    """The page's text, its segments joined by spaces."""
    return " ".join(line.text for line in page.lines)


def _layer_or_ocr(page: PageText, index: int, *, keep_layer: bool) -> str | None:
    """OCR's Markdown of page ``index`` (read as ``page``), or None if its
    text layer stays."""
    if keep_layer:
        log.debug(_LAYER_KEPT, index + 1)
        return None
    log.debug(_READ_BETTER, index + 1)
    return page_markdown(page)


def _layer_agrees(
    origin: tuple[float, float, float] | None,
    content: PageText,
    pixels: np.ndarray,
    languages: list[str],
) -> bool:
    """Whether a scanned page's invisible layer reads as our OCR does, judged
    on a sample: the middle SAMPLE_SHARE of the page's height, OCR'd alone.
    Only upright pages (``origin``: ``PdfFile.origin``) with Tesseract; the
    sample must hold SAMPLE_WORDS words of the layer."""
    if origin is None or not tesseract.available():
        return False
    _, top, width = origin
    scale = pixels.shape[1] / width
    height = pixels.shape[0]
    y0, y1 = int(height * (1 - SAMPLE_SHARE) / 2), int(height * (1 + SAMPLE_SHARE) / 2)
    inside = [
        line.text
        for line in content.lines
        if y0 <= ((line.top + line.bottom) / 2 + top) * scale <= y1
    ]
    if len(" ".join(inside).split()) < SAMPLE_WORDS:
        return False
    seen = tesseract.read_region(pixels, (0, y0, pixels.shape[1], y1), languages)
    return legibility.agreement(" ".join(inside), seen) >= legibility.SAME_READING


def _grayscale(frame: Image.Image) -> np.ndarray:
    """The current frame upright (EXIF), on white, 8-bit gray, at most IMAGE_MAX_SIDE_PX."""
    frame.draft("L", (IMAGE_MAX_SIDE_PX, IMAGE_MAX_SIDE_PX))  # JPEG: decode at reduced scale
    upright = ImageOps.exif_transpose(frame)
    if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
        rgba = upright.convert("RGBA")
        upright = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    if upright.mode.startswith(("I", "F")):  # 16/32-bit samples: Pillow would clip to 255
        values = np.asarray(upright, dtype=np.float32)
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) * (255.0 / (high - low or 1.0))
        upright = Image.fromarray(scaled.astype(np.uint8))
    gray = upright.convert("L")
    gray.thumbnail((IMAGE_MAX_SIDE_PX, IMAGE_MAX_SIDE_PX))
    return np.asarray(gray)
