"""Benchmark conversion quality: the local engine vs pymupdf4llm and markitdown.

Usage (from the repository root, after ``pip install -r requirements-bench.txt``)::

    .venv/bin/python bench/quality.py            # full corpus, about 1-3 minutes
    .venv/bin/python bench/quality.py --quick    # smoke run, a few documents

It writes a corpus with known text (``tests/corpus.py`` and
``tests/quality_corpus.py``: text PDFs with headings, lists, two columns,
ruled and aligned tables, right-to-left and CJK script; the same pages
rendered to PNG, some turned 90/180/270 degrees; a scanned PDF page and a
PDF whose font has no Unicode map), converts every document with each
converter in the same run, and prints per converter and per category
(overall, scans, text PDFs):

- CER: character error rate, Levenshtein distance / reference length, on
  normalised text (Markdown syntax removed, NFKC, whitespace collapsed, no
  spaces next to CJK characters), summed over documents; lower is better;
- word F1: bag-of-words F1 on lower-case words (CJK: characters); higher is
  better;
- pages/s: pages / wall-clock seconds of the conversions (each converter is
  warmed up on one document first, untimed).

Targets, marked PASS/MISS (informational: the exit code is 0 unless a run
errors): the local engine has the lowest CER overall and on scans, and
converts text PDFs at least as fast per page as the faster of the others.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import os
import pathlib
import re
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

ROOT = pathlib.Path(__file__).resolve().parent.parent
# bench/ holds a queue.py that would shadow the standard library's (urllib3 needs it).
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT / "tests"))

import corpus  # noqa: E402
import quality_corpus as qc  # noqa: E402

from ilios.worker.engines.base import join_pages  # noqa: E402
from ilios.worker.engines.local import LocalEngine  # noqa: E402

CONVERTERS = ("local", "pymupdf4llm", "markitdown")
CATEGORIES = ("overall", "scans", "text PDFs")
SCAN_SCALE = 1.5  # rendered pages: pixels per point (108 DPI)


@dataclass
class Doc:
    name: str
    path: pathlib.Path
    mime: str
    category: str  # "scans" or "text PDFs"
    reference: str
    pages: int


@dataclass
class Score:
    edits: int = 0
    chars: int = 0
    f1_sum: float = 0.0
    docs: int = 0
    pages: int = 0
    seconds: float = 0.0

    def add(self, edits: int, chars: int, f1: float, pages: int, seconds: float) -> None:
        self.edits += edits
        self.chars += chars
        self.f1_sum += f1
        self.docs += 1
        self.pages += pages
        self.seconds += seconds


# --- corpus ------------------------------------------------------------------------


def _rows_text(rows: list[list[str]]) -> str:
    return "\n".join(" ".join(row) for row in rows)


def build_corpus(directory: pathlib.Path, quick: bool) -> list[Doc]:
    """Write the documents into ``directory``; return them with their reference text."""
    text_pages = corpus.make_text_pdf(directory / "report.pdf", pages=3)
    table = _rows_text(qc.TABLE_ROWS)
    table_text = f"{qc.TABLE_BEFORE}\n{table}\n{qc.TABLE_AFTER}"
    two_column = "\n".join([qc.TWO_COLUMN_TITLE, *qc.TWO_COLUMN_PARAGRAPHS])
    pdfs: list[tuple[str, Callable[[pathlib.Path], object], str]] = [
        ("two-column.pdf", qc.make_two_column_pdf, two_column),
        ("ruled-table.pdf", qc.make_ruled_table_pdf, table_text),
        ("aligned-table.pdf", qc.make_aligned_table_pdf, table_text),
    ]
    if not quick:
        pdfs += [
            ("rtl.pdf", qc.make_rtl_pdf, "\n".join([*qc.HEBREW_LINES, qc.ARABIC_LINE])),
            ("cjk.pdf", qc.make_cjk_pdf, f"{qc.CJK_HEADING}\n{qc.CJK_PARAGRAPH}"),
        ]
    docs = [
        Doc(
            "report.pdf",
            directory / "report.pdf",
            "application/pdf",
            "text PDFs",
            "\n".join(text_pages),
            3,
        )
    ]
    for name, make, reference in pdfs:
        if name == "rtl.pdf":
            reference += "\n" + qc.MIXED_LINE
        if name == "cjk.pdf":
            reference += "\n" + qc.JAPANESE_LINE
        if make(directory / name) is None:
            print(f"note: {name} skipped (its font is not on this machine)")
            continue
        docs.append(Doc(name, directory / name, "application/pdf", "text PDFs", reference, 1))
    scans: list[tuple[str, Callable[[pathlib.Path], object], str, int]] = [
        ("two-column.png", qc.make_two_column_pdf, two_column, 0),
        ("report-180.png", _report_page, text_pages[0], 180),
    ]
    if not quick:
        scans += [
            ("report.png", _report_page, text_pages[0], 0),
            ("report-90.png", _report_page, text_pages[0], 90),
            ("report-270.png", _report_page, text_pages[0], 270),
            ("ruled-table.png", qc.make_ruled_table_pdf, table_text, 0),
            ("aligned-table.png", qc.make_aligned_table_pdf, table_text, 0),
        ]
    for name, make, reference, turn in scans:
        path = directory / name
        qc.make_rendered_png(path, make, scale=SCAN_SCALE, turn=turn)
        docs.append(Doc(name, path, "image/png", "scans", reference, 1))
    if not quick:
        lines = corpus.make_scanned_pdf(directory / "scanned.pdf")
        reference = "\n".join(line for page in lines for line in page)
        docs.append(
            Doc("scanned.pdf", directory / "scanned.pdf", "application/pdf", "scans", reference, 2)
        )
        path = directory / "unmapped.pdf"
        unmapped = qc.make_unmapped_pdf(path)
        if unmapped is not None:
            docs.append(Doc(path.name, path, "application/pdf", "scans", "\n".join(unmapped), 1))
    return docs


def _report_page(path: pathlib.Path) -> None:
    corpus.make_text_pdf(path, pages=1)


# --- converters --------------------------------------------------------------------


def converters() -> dict[str, Callable[[Doc], str]]:
    import pymupdf
    import pymupdf4llm
    from markitdown import MarkItDown

    pymupdf.TOOLS.mupdf_display_errors(False)
    engine = LocalEngine()
    markitdown = MarkItDown()

    def local(doc: Doc) -> str:
        return join_pages(engine.pages(doc.path, doc.mime))

    def mupdf(doc: Doc) -> str:
        with _silenced():  # it prints parser messages, also below Python's sys.stdout
            return pymupdf4llm.to_markdown(str(doc.path), show_progress=False)

    def markit(doc: Doc) -> str:
        return markitdown.convert(str(doc.path)).text_content

    return {"local": local, "pymupdf4llm": mupdf, "markitdown": markit}


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
    """Send file descriptors 1 and 2 to /dev/null for the duration."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)


# --- metrics -----------------------------------------------------------------------

_WIDE = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_MARKUP = [
    (re.compile(r"<!--.*?-->", re.S), " "),  # page markers
    (re.compile(r"^\s*\|?[\s:|-]*-{3,}[\s:|-]*\|?\s*$", re.M), " "),  # table separator rows
    (re.compile(r"^\s{0,3}(#{1,6}\s+|[-*+]\s+|\d{1,3}[.)]\s+|>\s*)", re.M), ""),  # block marks
    (re.compile(r"(\*\*|__|`|\\(?=[#>+=*_|-]))"), ""),  # emphasis, code, escapes
    (re.compile(r"\|"), " "),  # table cell borders
]


def normalise(text: str) -> str:
    """Plain text for comparison: no Markdown syntax, NFKC, one space between words."""
    for pattern, repl in _MARKUP:
        text = pattern.sub(repl, text)
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    return re.sub(rf"(?<=[{_WIDE}]) | (?=[{_WIDE}])", "", text)


def tokens(text: str) -> list[str]:
    """Lower-case words; every CJK character is a word of its own."""
    return re.findall(rf"[{_WIDE}]|[^\W_{_WIDE}]+", text.lower())


def word_f1(reference: str, hypothesis: str) -> float:
    ref, hyp = collections.Counter(tokens(reference)), collections.Counter(tokens(hypothesis))
    common = sum((ref & hyp).values())
    if not common:
        return 0.0
    precision, recall = common / sum(hyp.values()), common / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


# --- run ---------------------------------------------------------------------------


def run(docs: list[Doc], verbose: bool) -> dict[str, dict[str, Score]]:
    scores = {name: {cat: Score() for cat in CATEGORIES} for name in CONVERTERS}
    for name, convert in converters().items():
        warm = next(d for d in docs if d.category == "scans")
        _safe(convert, warm)  # load models, untimed
        for doc in docs:
            start = time.perf_counter()
            output = _safe(convert, doc)
            seconds = time.perf_counter() - start
            ref, hyp = normalise(doc.reference), normalise(output)
            edits = Levenshtein.distance(ref, hyp)
            f1 = word_f1(ref, hyp)
            for cat in ("overall", doc.category):
                scores[name][cat].add(edits, len(ref), f1, doc.pages, seconds)
            if verbose:
                print(
                    f"  {name:12} {doc.name:20} CER {edits / len(ref):6.3f}  F1 {f1:5.3f}"
                    f"  {seconds:6.2f} s"
                )
    return scores


def _safe(convert: Callable[[Doc], str], doc: Doc) -> str:
    """The converter's output; a failure counts as empty output."""
    try:
        return convert(doc) or ""
    except Exception as exc:  # a competitor that cannot read a file scores zero on it
        print(f"note: {doc.name}: {type(exc).__name__}: {exc}"[:200])
        return ""


def report(scores: dict[str, dict[str, Score]]) -> None:
    print(
        f"\n{'converter':12} {'category':10} {'docs':>4} {'pages':>5} {'CER':>7} "
        f"{'word F1':>7} {'pages/s':>8}"
    )
    for name in CONVERTERS:
        for cat in CATEGORIES:
            s = scores[name][cat]
            cer = s.edits / max(s.chars, 1)
            rate = s.pages / s.seconds if s.seconds else float("inf")
            print(
                f"{name:12} {cat:10} {s.docs:>4} {s.pages:>5} {cer:7.3f} "
                f"{s.f1_sum / max(s.docs, 1):7.3f} {rate:8.1f}"
            )

    def cer(name: str, cat: str) -> float:
        return scores[name][cat].edits / max(scores[name][cat].chars, 1)

    def rate(name: str) -> float:
        s = scores[name]["text PDFs"]
        return s.pages / s.seconds if s.seconds else float("inf")

    others = [n for n in CONVERTERS if n != "local"]
    print("\nTargets:")
    for cat in ("overall", "scans"):
        best = min(cer(n, cat) for n in others)
        mark = "PASS" if cer("local", cat) < best else "MISS"
        print(f"  {mark}  lowest CER {cat}: local {cer('local', cat):.3f} vs best other {best:.3f}")
    fastest = max(rate(n) for n in others)
    mark = "PASS" if rate("local") >= fastest else "MISS"
    print(f"  {mark}  text PDFs pages/s: local {rate('local'):.1f} vs fastest other {fastest:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few documents: a smoke run")
    parser.add_argument("--verbose", action="store_true", help="print every document's scores")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ilios-quality-") as tmp:
        docs = build_corpus(pathlib.Path(tmp), args.quick)
        pages = sum(d.pages for d in docs)
        print(
            f"corpus: {len(docs)} documents, {pages} pages "
            f"({'quick' if args.quick else 'full'} mode)"
        )
        started = time.perf_counter()
        scores = run(docs, args.verbose)
        report(scores)
        print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
