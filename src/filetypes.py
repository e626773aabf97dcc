"""File types from content, and safe file names.

``sniff`` trusts bytes over names: the extension only disambiguates formats
whose bytes do not (zip-based Office files, text formats). ``check_supported``
is the upload gate: it returns the type the local engine will be given, or
raises an error that says what was detected and what is accepted.
"""

from __future__ import annotations

import unicodedata

from ilios.errors import EmptyFile, UnsupportedFileType

SNIFF_BYTES = 4096  # callers pass at least this many leading bytes (fewer if the file is shorter)
PDF_MARKER_WINDOW = 1024  # "%PDF-" may follow junk (e.g. a mail header) within this many bytes
MAX_NAME_BYTES = 255  # longest file name, in UTF-8 bytes (common filesystem limit)

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
GIF = "image/gif"
WEBP = "image/webp"
BMP = "image/bmp"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML = "text/html"
MARKDOWN = "text/markdown"
TEXT = "text/plain"
UNKNOWN = "application/octet-stream"

SUPPORTED: frozenset[str] = frozenset(
    {PDF, PNG, JPEG, TIFF, GIF, WEBP, BMP, DOCX, PPTX, XLSX, HTML, MARKDOWN, TEXT}
)
"""The types the local engine converts (GIF and WebP: the first frame)."""

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
)
_BMP_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})  # DIB header sizes Windows writes
_ZIP_BY_EXTENSION = {"docx": DOCX, "pptx": PPTX, "xlsx": XLSX}
_ZIP_BY_PART = ((b"word/", DOCX), (b"ppt/", PPTX), (b"xl/", XLSX))  # part names in the zip head
_TEXT_BY_EXTENSION = {
    "html": HTML,
    "htm": HTML,
    "md": MARKDOWN,
    "markdown": MARKDOWN,
    "txt": TEXT,
    "text": TEXT,
}
_NAMES = {
    PDF: "a PDF",
    PNG: "a PNG image",
    JPEG: "a JPEG image",
    TIFF: "a TIFF image",
    GIF: "a GIF image",
    WEBP: "a WebP image",
    BMP: "a BMP image",
    DOCX: "a Word document",
    PPTX: "a PowerPoint presentation",
    XLSX: "an Excel workbook",
    HTML: "UTF-8 HTML",
    MARKDOWN: "UTF-8 Markdown",
    TEXT: "UTF-8 text",
}
_EXTENSIONS = {
    "pdf": PDF,
    "png": PNG,
    "jpg": JPEG,
    "jpeg": JPEG,
    "jpe": JPEG,
    "tif": TIFF,
    "tiff": TIFF,
    "gif": GIF,
    "webp": WEBP,
    "bmp": BMP,
    **_ZIP_BY_EXTENSION,
    **_TEXT_BY_EXTENSION,
}
_ACCEPTED = (
    "a PDF; a PNG, JPEG, TIFF, GIF, WebP or BMP image; a Word (.docx), PowerPoint (.pptx) "
    "or Excel (.xlsx) file; or HTML, Markdown or plain text in UTF-8"
)


def sniff(head: bytes, file_name: str = "") -> str:
    """The MIME type of a file from its first bytes (``head``, up to SNIFF_BYTES).

    Unknown or empty content is "application/octet-stream".
    """
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if b"%PDF-" in head[:PDF_MARKER_WINDOW]:
        return PDF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES:
        return BMP
    extension = _extension(file_name)
    if head.startswith(b"PK\x03\x04"):
        if extension in _ZIP_BY_EXTENSION:
            return _ZIP_BY_EXTENSION[extension]
        return next((mime for part, mime in _ZIP_BY_PART if part in head), UNKNOWN)
    if extension in _TEXT_BY_EXTENSION and head and _is_utf8_text(head):
        return _TEXT_BY_EXTENSION[extension]
    return UNKNOWN


def check_supported(head: bytes, file_name: str = "") -> str:
    """The sniffed MIME type of a file whose first bytes are ``head``, if supported.

    Raises EmptyFile for an empty head; otherwise see ``require_supported``.
    """
    if not head:
        raise EmptyFile(file_name=file_name)
    return require_supported(sniff(head, file_name), file_name)


def require_supported(mime: str, file_name: str = "", size: int | None = None) -> str:
    """``mime`` (as sniffed) if the local engine converts it (``SUPPORTED``).

    Raises EmptyFile when ``size`` is 0, UnsupportedFileType otherwise, with a
    message naming what the content is and what is accepted (and saying so
    when the name promises a supported type the content is not).
    """
    if size == 0:
        raise EmptyFile(file_name=file_name)
    if mime in SUPPORTED:
        return mime
    extension = _extension(file_name)
    claimed = _EXTENSIONS.get(extension)
    if claimed is not None:
        message = (
            f"The file is named .{extension} but its content is not {_NAMES[claimed]} "
            f"(detected {mime}); it may be damaged or mislabelled. Send {_ACCEPTED}."
        )
    else:
        message = f"This file type is not supported (detected {mime}): send {_ACCEPTED}."
    raise UnsupportedFileType(
        message, detected=mime, file_name=file_name, accepted=", ".join(sorted(SUPPORTED))
    )


def safe_file_name(name: str) -> str:
    """``name`` fit to store and echo back: no directories (/ or \\), no NUL,
    control or bidi-override characters, no leading dots or spaces, at most
    MAX_NAME_BYTES of UTF-8 (the extension kept when it can be); "document"
    if nothing is left."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if not _is_control(ch)).strip().lstrip(". ")
    if len(base.encode("utf-8")) > MAX_NAME_BYTES:
        stem, dot, extension = base.rpartition(".")
        if not dot or len(extension) > 16:
            stem, extension = base, ""
        suffix = f".{extension}" if extension else ""
        budget = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
        stem = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
        base = stem.rstrip() + suffix
    return base or "document"


def _extension(file_name: str) -> str:
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rpartition(".")[2].lower() if "." in base else ""


def _is_utf8_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A head cut inside a multi-byte character is still text.
        return exc.reason == "unexpected end of data" and exc.start >= len(head) - 3
    return True


def _is_control(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category == "Cc" or (
        category == "Cf"
        and unicodedata.bidirectional(ch)
        in ("LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI")
    )
