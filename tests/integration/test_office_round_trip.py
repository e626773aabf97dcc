"""Office and web documents through the running service: a DOCX, a PPTX, an
XLSX and an HTML page with embedded media, each through REST (``POST
/v1/convert``) and gRPC (``Convert`` with inline content), come back as the
Markdown their builders in ``tests/corpus.py`` state.

The workers read each upload by its blob key, a name with no extension, so
these catch a converter that depends on the file's name; the HTML page
catches text lost after an ``<embed>`` or an ``<object>``.
"""

from __future__ import annotations

import corpus as builder
import pytest

from ilios import filetypes
from ilios.markdown import join_pages
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import document_pb2

OFFICE = [
    pytest.param(builder.make_docx, "letter.docx", filetypes.DOCX, id="docx"),
    pytest.param(builder.make_pptx, "deck.pptx", filetypes.PPTX, id="pptx"),
    pytest.param(builder.make_xlsx, "book.xlsx", filetypes.XLSX, id="xlsx"),
    pytest.param(builder.make_embedding_html, "media.html", filetypes.HTML, id="html"),
]
# A line of each document's table: the check that reads best when a page is wrong.
TABLE_ROWS = {
    filetypes.DOCX: "| North | 1200 |",
    filetypes.PPTX: "| Pages | 42 |",
    filetypes.XLSX: "| North | 1200 | 2024-03-31 |",
    filetypes.HTML: "| HTML | every paragraph |",
}


@pytest.mark.parametrize(("make", "name", "mime"), OFFICE)
def test_office_documents_convert_over_rest(service, tmp_path, make, name, mime):
    path = tmp_path / name
    expected = make(path)
    with service.http() as http:
        r = http.post("/v1/convert", files={"file": (name, path.read_bytes(), mime)})
    assert r.status_code == 200, r.text
    assert r.headers["x-extracted-pages"] == str(len(expected))
    assert TABLE_ROWS[mime] in r.text.splitlines()
    assert r.text == join_pages(enumerate(expected, 1))


@pytest.mark.parametrize(("make", "name", "mime"), OFFICE)
def test_office_documents_convert_over_grpc(service, tmp_path, make, name, mime):
    path = tmp_path / name
    expected = make(path)
    request = pb.ConvertRequest(file=pb.FileSource(content=path.read_bytes(), file_name=name))
    events = list(service.conversion.Convert(request, timeout=120))
    pages = [e.page for e in events if e.HasField("page")]
    assert [p.number for p in pages] == list(range(1, len(expected) + 1))
    assert any(TABLE_ROWS[mime] in p.markdown.splitlines() for p in pages)
    assert [p.markdown for p in pages] == expected
    done = events[-1].completed.document
    assert done.state == document_pb2.DOCUMENT_STATE_COMPLETED, done
    assert done.page_count == len(expected) and done.mime_type == mime
