"""Hostile documents on the real service: each ends as a failed document with its
own reason, and the one worker goes on converting.

One service with one worker, a small page budget (PAGE_TIMEOUT_S) and memory
cap (ENGINE_MEMORY_MB), is sent a batch in which every hostile file that
kills the engine's child process follows a normal document, so the child is
warm and the hostile file's time is its own. Documents run in batch order.

No verdict rests on the machine's speed: the hostile files cost hours, or
without end, so a guard always stops them (which guard, time or memory, may
depend on the speed, and then either reason is right); a page budget is never
over before it is spent; and the one upper bound on time, END_WITHIN_S, is
generous.
"""

from __future__ import annotations

import pathlib

import corpus as builder
from harness import descendants, running, wait_for

from ilios.v1 import conversion_service_pb2 as pb

BUDGET_S = 2.0  # PAGE_TIMEOUT_S: far above a normal page (~50 ms), far below the slow one
MEMORY_MB = 1024  # ENGINE_MEMORY_MB: the warm engine uses ~350
# Generous: the most seconds any document here may take, start to end, even on a slow,
# busy machine; a guard that failed to stop a hostile file would take hours.
END_WITHIN_S = 60.0
INFLATED_MIB = 1536  # the inflating PDF's stream, unpacked: more than MEMORY_MB


def build(directory: pathlib.Path) -> list[tuple[str, pathlib.Path]]:
    """(expectation, file) in the order they are sent; see EXPECTED."""
    directory.mkdir()
    normal = directory / "normal.pdf"
    builder.make_text_pdf(normal, pages=3)
    makers = {
        "recursive.pdf": builder.make_recursive_xobject_pdf,
        "slow.pdf": builder.make_slow_pdf,
        "inflating.pdf": lambda p: builder.make_inflating_pdf(p, INFLATED_MIB),
        "bomb.png": builder.make_png_bomb,
        "many.pdf": builder.make_many_pages_pdf,
        "empty-password.pdf": lambda p: builder.make_encrypted_pdf(p, user_password=""),
        "letter.docx": builder.make_docx,
    }
    files = {"normal.pdf": normal}
    for name, make in makers.items():
        files[name] = directory / name
        make(files[name])
    order = ["normal.pdf", "recursive.pdf", "normal.pdf", "slow.pdf", "normal.pdf"]
    order += ["inflating.pdf", "normal.pdf", "bomb.png", "many.pdf", "empty-password.pdf"]
    order += ["letter.docx", "normal.pdf"]
    return [(name, files[name]) for name in order]


EXPECTED = {  # file -> its error reason(s), "|" between; the others convert
    # Without end in time and memory (it grows by hundreds of MB a second): the
    # page budget or the memory cap, whichever the machine's speed reaches first.
    "recursive.pdf": "PAGE_TIMEOUT|MEMORY_LIMIT",
    "slow.pdf": "PAGE_TIMEOUT",  # hours of work in little memory
    # The memory cap, or the page budget when the VM is slow to hand out the
    # memory (the sandbox's own tests pin MEMORY_LIMIT down).
    "inflating.pdf": "MEMORY_LIMIT|PAGE_TIMEOUT",
    "bomb.png": "FILE_TOO_LARGE",  # refused from its header, before decoding
    "many.pdf": "TOO_MANY_PAGES",  # refused from its page count, before the first page
}


def test_hostile_documents_fail_with_their_reason_and_the_worker_survives(tmp_path):
    files = build(tmp_path / "files")
    normal_markdown = builder.text_pdf_blocks(3)
    env = {"WORKER_COUNT": "1", "PAGE_TIMEOUT_S": str(BUDGET_S), "ENGINE_MEMORY_MB": str(MEMORY_MB)}
    with running(tmp_path / "svc", **env) as svc:
        (worker,) = wait_for(svc.worker_pids, 60, what="the worker")
        sources = [pb.FileSource(content=p.read_bytes(), file_name=name) for name, p in files]
        reply = svc.conversion.BatchSubmit(pb.BatchSubmitRequest(files=sources), timeout=60)
        ids = [d.id for d in reply.documents]

        def finished() -> list[dict] | None:
            rows = [
                svc.rows(
                    "SELECT d.state, d.error_reason, j.attempts, j.started_at, j.completed_at "
                    "FROM documents d JOIN jobs j ON j.document_id = d.id WHERE d.id = :id",
                    id=doc_id,
                )[0]
                for doc_id in ids
            ]
            return rows if all(r["state"] in ("completed", "failed") for r in rows) else None

        rows = wait_for(finished, 4 * END_WITHIN_S, what="every document to finish")
        for (name, _), doc_id, row in zip(files, ids, rows, strict=True):
            reasons = EXPECTED.get(name, "")
            assert row["state"] == ("failed" if reasons else "completed"), name
            reason = row["error_reason"] or ""
            assert reason in reasons.split("|"), f"{name}: {reason}"
            assert row["attempts"] == 1, name  # permanent: never retried
            took_s = (row["completed_at"] - row["started_at"]) / 1000
            print(f"{name}: {reason or 'converted'} after {took_s:.1f} s")
            assert took_s <= END_WITHIN_S, f"{name} took {took_s:.1f} s"
            if reason == "PAGE_TIMEOUT":
                assert took_s >= BUDGET_S, f"{name} ended before its budget"
            pages = [
                r["markdown"]
                for r in svc.rows(
                    "SELECT markdown FROM pages WHERE document_id = :id ORDER BY number", id=doc_id
                )
            ]
            if name == "normal.pdf":
                assert pages == [builder.blocks_markdown(b) for b in normal_markdown]
            elif name == "empty-password.pdf":
                assert pages == ["Encrypted content"]
            elif name == "letter.docx":
                assert pages == builder.make_docx(tmp_path / "again.docx")
        # The same worker did it all, and holds at most one engine child.
        assert svc.worker_pids() == [worker]
        assert len(svc.rows("SELECT id FROM workers")) == 1
        assert len(descendants(worker)) <= 1
