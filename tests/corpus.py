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
            ("p", "A second paragraph follows after a gap, and it is long enough "
                  "to wrap over more than one line on a letter-sized page."),
            ("ul", ["Bullets become dashes", "Order is preserved",
                    "Long items keep their words together even when the item is "
                    "wide enough to wrap onto a second line"]),
            ("ol", ["Extract the text layer", "Detect headings", "Emit Markdown"]),
        ],
        [
            ("h2", "Method"),
            ("p", "Page two describes the method. " + _LOREM),
            ("h3", "Data sources"),
            ("p", "Font sizes come from the PDF itself; the body size is the one "
                  "used by most characters, and larger sizes rank as headings."),
            ("ul", ["Reports", "Invoices", "Scanned letters"]),
        ],
        [
            ("h2", "Results"),
            ("p", "Page three closes with results. " + _LOREM),
            ("ol", ["Text pages convert quickly", "Scanned pages use OCR"]),
        ],
    ]
    for n in range(4, pages + 1):
        out.append([
            ("h2", f"Section {n}"),
            ("p", f"This is page {n} of the report. " + _LOREM),
            ("p", f"Closing paragraph of page {n}. " + _LOREM),
            ("ul", [f"Point {n}a", f"Point {n}b"]),
        ])
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


def _draw_blocks(c: canvas.Canvas, blocks: list[Block], *, dash_bullets: bool,
                 paren_numbers: bool) -> None:
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


def render_text_image(lines: list[str], size: tuple[int, int] = IMAGE_SIZE,
                      background: str | tuple[int, int, int, int] = "white") -> Image.Image:
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
    frames[0].save(path, format="TIFF", save_all=True, append_images=frames[1:],
                   compression="tiff_deflate")
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
    c.drawImage(ImageReader(io.BytesIO(png.getvalue())), MARGIN, LETTER[1] - MARGIN - 150,
                width=400, height=150)
    c.showPage()
    c.save()
    return [[text_line], list(SCAN_LINES)]


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

