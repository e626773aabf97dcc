"""OCR of the pages ahead, on other threads, while a document's pages are
converted in order.

Tesseract lets go of Python's lock while it recognises, so on a machine
with cores to spare the next pages' OCR runs while the current page is
read: a multi-page scan converts about as many times faster as there are
threads (``OCR_THREADS``), up to the number of cores. Pages still come out
one by one, in order, each error at its own page's turn.

What a page needs from pdfium or Pillow (its pixels, where it sits) is taken
on the converting thread, which alone touches them; only the OCR work runs
on the pool. At most ``threads`` pages are planned ahead of the one being
converted, so at most that many pages' pixels are held at once.

The pool is the process's, made on first use and kept (each of its threads
keeps its own Tesseract models loaded; see ``tesseract._api``). With one
thread there is no pool: a page's work runs at its turn on the caller's
thread, as if this module were not there.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent import futures
from typing import Generic, NoReturn, TypeVar

from ilios.errors import IliosError

T = TypeVar("T")
DEFAULT_THREADS = 2  # OCR_THREADS: pages OCR'd at once in one engine process


class ReadAhead(Generic[T]):
    """A document's pages' OCR work, keyed by page index. Use as a context
    manager: leaving it cancels the work not started and waits for the work
    running (at most ``threads`` pages), so nothing outlives the document."""

    def __init__(self, threads: int) -> None:
        self.threads = max(1, threads)
        self._planned: set[int] = set()
        self._work: dict[int, futures.Future[T] | Callable[[], T]] = {}

    def __enter__(self) -> ReadAhead[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        running = [job for job in self._work.values() if isinstance(job, futures.Future)]
        for job in running:
            job.cancel()
        futures.wait(running)
        self._work.clear()

    def plan(
        self, index: int, count: int, planner: Callable[[int], Callable[[], T] | None]
    ) -> None:
        """Before page ``index`` of ``count`` is converted: plan it and the
        next ``threads - 1`` pages, each once. ``planner(page)`` runs now, on
        this thread (the pdfium or Pillow part), and returns the OCR to run
        for the page (on the pool), or None if the page needs none. Its error
        raises for page ``index``; for a page ahead, at that page's turn,
        after the pages before it have come."""
        for page in range(index, min(count, index + self.threads)):
            if page in self._planned:
                continue
            self._planned.add(page)
            try:
                job = planner(page)
            except IliosError as exc:
                if page == index:
                    raise
                self._work[page] = functools.partial(_raise, exc)
                continue
            if job is not None:
                self._work[page] = job if self.threads == 1 else _pool(self.threads).submit(job)

    def take(self, index: int) -> T | None:
        """Page ``index``'s OCR result (waiting for it; its error raises
        here), or None if the page was planned without OCR."""
        job = self._work.pop(index, None)
        if job is None:
            return None
        return job.result() if isinstance(job, futures.Future) else job()


def _raise(exc: IliosError) -> NoReturn:
    raise exc


@functools.cache
def _pool(threads: int) -> futures.ThreadPoolExecutor:
    return futures.ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ocr")
