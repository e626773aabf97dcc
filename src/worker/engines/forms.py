"""Filled form fields of a PDF page: their values, read as text at their places.

pdfium's text page holds only the page's own text; an AcroForm's answers
live in its widget annotations. Text fields, combo boxes and list boxes
carry text values; check boxes and radio buttons carry a state name ("Off",
"Yes"), which is no text of the page, and are left out.
"""

from __future__ import annotations

import ctypes
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ilios.worker.engines.geometry import Line, ToShown

FIELD_AUTO_SIZE = 0.7  # a form field's auto-sized text is this share of its height ...
FIELD_MAX_AUTO_SIZE = 12.0  # ... up to this many points
FIELD_DESCENT = 0.2  # a line's descent, in font sizes: its baseline sits this far above its bottom

_VALUE_FIELDS = {  # form fields whose value is text
    pdfium_c.FPDF_FORMFIELD_TEXTFIELD,
    pdfium_c.FPDF_FORMFIELD_COMBOBOX,
    pdfium_c.FPDF_FORMFIELD_LISTBOX,
}
_HIDDEN = pdfium_c.FPDF_ANNOT_FLAG_HIDDEN | pdfium_c.FPDF_ANNOT_FLAG_NOVIEW
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # line breaks of a multi-line field, too


def field_lines(form: pdfium_c.FPDF_FORMHANDLE, page: pdfium.PdfPage, shown: ToShown) -> list[Line]:
    """The values of the page's filled form fields (text fields, combo and
    list boxes; not check boxes or radio buttons, whose value is a state
    name), each a segment at its field's place: a form's answers are read
    with its labels. pdfium's text page holds only the page's own text."""
    out: list[Line] = []
    size = ctypes.c_float()
    for index in range(pdfium_c.FPDFPage_GetAnnotCount(page.raw)):
        annot = pdfium_c.FPDFPage_GetAnnot(page.raw, index)
        try:
            if (
                pdfium_c.FPDFAnnot_GetSubtype(annot) != pdfium_c.FPDF_ANNOT_WIDGET
                or pdfium_c.FPDFAnnot_GetFormFieldType(form, annot) not in _VALUE_FIELDS
                or pdfium_c.FPDFAnnot_GetFlags(annot) & _HIDDEN
            ):
                continue
            text = " ".join(_field_value(form, annot).split())
            rect = pdfium_c.FS_RECTF()
            if not text or not pdfium_c.FPDFAnnot_GetRect(annot, rect):
                continue
            left, top, right, bottom = shown(rect.left, rect.bottom, rect.right, rect.top)
            height = bottom - top
            if not pdfium_c.FPDFAnnot_GetFontSize(form, annot, size) or size.value <= 0:
                size.value = min(FIELD_AUTO_SIZE * height, FIELD_MAX_AUTO_SIZE)
            baseline = top + (height + size.value) / 2 - FIELD_DESCENT * size.value
            chars = len(text.replace(" ", ""))
            out.append(
                Line(
                    text, left, right, baseline - size.value, baseline, baseline, size.value, chars
                )
            )
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
    return out


def _field_value(form: pdfium_c.FPDF_FORMHANDLE, annot: pdfium_c.FPDF_ANNOTATION) -> str:
    n_bytes = pdfium_c.FPDFAnnot_GetFormFieldValue(form, annot, None, 0)
    if n_bytes <= 2:
        return ""
    buffer = (ctypes.c_ushort * (n_bytes // 2))()
    pdfium_c.FPDFAnnot_GetFormFieldValue(form, annot, buffer, n_bytes)
    text = ctypes.string_at(buffer, n_bytes - 2).decode("utf-16-le", errors="replace")
    return _CONTROL.sub(" ", text)
