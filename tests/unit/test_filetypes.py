"""Content sniffing, the upload gate and file-name cleaning."""

from __future__ import annotations

import pathlib

import corpus as builder
import pytest

from ilios import filetypes
from ilios.errors import EmptyFile, UnsupportedFileType
from ilios.filetypes import check_supported, safe_file_name, sniff

PNG_HEAD = b"\x89PNG\r\n\x1a\n" + bytes(24)


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
        (b"From: scanner@example.com\r\n\r\n%PDF-1.4\n", "application/pdf"),  # junk before marker
        (PNG_HEAD, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        (b"II*\x00\x08\x00\x00\x00", "image/tiff"),
        (b"MM\x00*\x00\x00\x00\x08", "image/tiff"),
        (b"GIF89a\x01\x00\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"BM" + bytes(12) + (40).to_bytes(4, "little") + bytes(8), "image/bmp"),
        (b"BMW is a car brand, not a bitmap header", "application/octet-stream"),
        (b"\x00\x01\x02garbage", "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
)
def test_sniff_magic_bytes(head: bytes, mime: str) -> None:
    assert sniff(head) == mime


def test_pdf_marker_is_only_searched_in_the_first_kilobyte() -> None:
    assert sniff(b" " * 1019 + b"%PDF-") == "application/pdf"
    assert sniff(b" " * 1020 + b"%PDF-") == "application/octet-stream"


def test_content_wins_over_the_name() -> None:
    assert sniff(PNG_HEAD, "scan.pdf") == "image/png"
    assert sniff(b"%PDF-1.4", "photo.jpg") == "application/pdf"


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("letter.docx", filetypes.DOCX),
        ("slides.PPTX", filetypes.PPTX),
        ("sheet.xlsx", filetypes.XLSX),
        ("bundle.zip", "application/octet-stream"),
    ],
)
def test_zip_office_files_by_extension(name: str, mime: str) -> None:
    assert sniff(b"PK\x03\x04" + bytes(100), name) == mime


def test_zip_office_file_without_extension_by_part_name() -> None:
    head = b"PK\x03\x04" + bytes(26) + b"word/document.xml" + bytes(50)
    assert sniff(head, "upload") == filetypes.DOCX


@pytest.mark.parametrize(
    ("name", "head", "mime"),
    [
        ("notes.md", b"# Title\n\nSome *text*.", "text/markdown"),
        ("page.HTML", b"<!doctype html><p>hi</p>", "text/html"),
        ("readme.txt", "Grüße aus Köln".encode(), "text/plain"),
        ("cut.txt", "ab€".encode()[:-1], "text/plain"),  # head ends inside a character
        ("binary.txt", b"abc\x00def", "application/octet-stream"),
        ("latin1.txt", b"caf\xe9 au lait", "application/octet-stream"),
        ("noext", b"plain words", "application/octet-stream"),
    ],
)
def test_text_types_by_extension_when_utf8(name: str, head: bytes, mime: str) -> None:
    assert sniff(head, name) == mime


def test_supported_is_what_the_local_engine_converts() -> None:
    assert (
        frozenset(
            {
                "application/pdf",
                "image/png",
                "image/jpeg",
                "image/tiff",
                "image/gif",
                "image/webp",
                "image/bmp",
                filetypes.DOCX,
                filetypes.PPTX,
                filetypes.XLSX,
                "text/html",
                "text/markdown",
                "text/plain",
            }
        )
        == filetypes.SUPPORTED
    )


def test_check_supported_accepts_real_corpus_files(tmp_path: pathlib.Path) -> None:
    makers = {
        "a.pdf": (builder.make_text_pdf, "application/pdf"),
        "a.png": (builder.make_png, "image/png"),
        "a.jpg": (builder.make_jpeg, "image/jpeg"),
        "a.tiff": (builder.make_tiff, "image/tiff"),
    }
    for name, (make, mime) in makers.items():
        path = tmp_path / name
        make(path)
        head = path.read_bytes()[: filetypes.SNIFF_BYTES]
        assert check_supported(head, name) == mime


def test_check_supported_empty_file() -> None:
    with pytest.raises(EmptyFile) as caught:
        check_supported(b"", "report.pdf")
    assert caught.value.reason == "EMPTY_FILE"


def test_check_supported_pdf_name_with_other_content_says_not_a_pdf() -> None:
    with pytest.raises(UnsupportedFileType) as caught:
        check_supported(b"\x00garbage" * 100, "report.pdf")
    err = caught.value
    assert err.reason == "UNSUPPORTED_FILE_TYPE"
    assert "named .pdf but its content is not a PDF" in err.message
    assert err.details["detected"] == "application/octet-stream"


def test_check_supported_image_name_with_other_content() -> None:
    assert check_supported(b"GIF89a" + bytes(10), "photo.PNG") == "image/gif"  # content wins
    with pytest.raises(UnsupportedFileType) as caught:
        check_supported(b"\x00garbage" * 10, "photo.PNG")
    assert "named .png but its content is not a PNG image" in caught.value.message
    assert "application/octet-stream" in caught.value.message


def test_check_supported_text_name_with_binary_content_says_not_utf8() -> None:
    with pytest.raises(UnsupportedFileType) as caught:
        check_supported(b"caf\xe9 au lait", "menu.txt")
    assert "named .txt but its content is not UTF-8 text" in caught.value.message


def test_check_supported_unknown_type_names_detected_and_accepted() -> None:
    assert check_supported(b"PK\x03\x04" + bytes(100), "letter.docx") == filetypes.DOCX
    with pytest.raises(UnsupportedFileType) as caught:
        check_supported(b"PK\x03\x04" + bytes(100), "bundle.zip")
    message = caught.value.message
    assert "application/octet-stream" in message
    for accepted in ("PDF", "PNG", "TIFF", "WebP", ".docx", ".pptx", ".xlsx", "HTML", "Markdown"):
        assert accepted in message
    assert caught.value.details["accepted"] == ", ".join(sorted(filetypes.SUPPORTED))


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ana\\Desktop\\scan 01.tiff", "scan 01.tiff"),
        (".hidden.pdf", "hidden.pdf"),
        ("...", "document"),
        ("dir/", "document"),
        ("", "document"),
        ("  \t ", "document"),
        ("a\x00b\x07c\n.pdf", "abc.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override spoofing
        ("Bericht März 2024.pdf", "Bericht März 2024.pdf"),
    ],
)
def test_safe_file_name(raw: str, clean: str) -> None:
    assert safe_file_name(raw) == clean


def test_safe_file_name_caps_utf8_bytes_and_keeps_extension() -> None:
    name = safe_file_name("é" * 300 + ".pdf")
    encoded = name.encode("utf-8")
    assert len(encoded) <= filetypes.MAX_NAME_BYTES
    assert name.endswith(".pdf")
    assert name.startswith("é" * 100)
    assert safe_file_name("x" * 400) == "x" * 255
