"""Engines in child processes, so a hostile document cannot hang or kill a worker.

``Sandboxed`` is an ``Engine`` that runs another engine in a long-lived child
process (``python -m ilios.worker.sandbox_child``: a fresh interpreter, never a
fork, so onnxruntime's and pdfium's threads are never copied mid-flight). It
keeps one child per concurrent job: a job takes an idle child or starts one,
and gives it back when the document ends. The child builds the engine once
(and, with ``warm_up``, converts a blank PNG so lazy state such as the OCR
model loads before any page is timed), caps its data segment (RLIMIT_DATA:
heap and anonymous mappings, not the shared libraries' address space) at
``Limits.memory_mb`` and converts one document at a time, streaming each page
back as it is ready.

Guards, each a permanent ``ConversionFailed``:

- PageTimeout: no page (or end of document) within ``Limits.page_timeout_s``
  of the previous one (of the request, for page 1). The child is killed.
- MemoryLimit: the child ran out of its memory cap: a MemoryError (or a C++
  bad_alloc) anywhere in the failure's chain, or death by SIGABRT, which
  pdfium and C++ runtimes raise when an allocation fails. The child is replaced.
- EngineCrashed: the child died any other way (a segfault, an exit). Replaced.

Errors the engine raises (``ilios.errors`` classes) come back as the same
class with the same reason, message and details; the child stays in use.
Closing the page iterator early kills the child (it may be mid-page); the
next document starts a fresh one. A child is also replaced after
RECYCLE_AFTER_JOBS documents. Children die with the worker (PR_SET_PDEATHSIG and a
watchdog), and exit when their request pipe closes.

Protocol (``sandbox_child``): frames of a 4-byte length and UTF-8 JSON (never pickle:
the parent must not execute what a compromised child sends). Parent to
child: the setup ``{factory, kwargs, memory_mb, warm_up, log_level}`` (the
child logs to the worker's stderr at the worker's level), then one
``{path, mime[, languages]}`` per document. Child to parent: ``{ready}`` once, then per
document ``{page, markdown}``... and ``{done, usage}`` or ``{error}``.
"""

from __future__ import annotations

import atexit
import dataclasses
import json
import logging
import os
import pathlib
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ilios.config import Settings
from ilios.errors import EngineCrashed, EngineUnavailable, IliosError, MemoryLimit, PageTimeout
from ilios.worker.engines.base import Page, Usage
from ilios.worker.sandbox_child import (
    HEADER,
    MAX_FRAME_BYTES,
    MEMORY_EXIT,
    READ_CHUNK,
    memory_error,
    rebuild,
    write_frame,
)

PAGE_TIMEOUT_S = 60.0  # default per-page budget, seconds
ENGINE_MEMORY_MB = 2048  # default memory cap of a child, MiB
START_TIMEOUT_S = 120.0  # a child must be ready (imported, warmed up) within this, seconds
REAP_TIMEOUT_S = 10.0  # a killed child must be reaped within this, seconds
RECYCLE_AFTER_JOBS = 500  # documents a child converts before a fresh one replaces it


@dataclasses.dataclass(frozen=True, slots=True)
class Limits:
    """Per-child limits: seconds per page, MiB of memory."""

    page_timeout_s: float = PAGE_TIMEOUT_S
    memory_mb: int = ENGINE_MEMORY_MB

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """``PAGE_TIMEOUT_S`` and ``ENGINE_MEMORY_MB``."""
        return cls(page_timeout_s=settings.page_timeout_s, memory_mb=settings.engine_memory_mb)


class Sandboxed:
    """An ``Engine`` running ``factory(**kwargs)`` in child processes; see the module doc.

    ``factory`` must be importable by name (a module-level class or function)
    and ``kwargs`` JSON-serialisable; ``name`` and ``model`` are the factory's
    unless given. Thread-safe: concurrent ``pages`` calls use separate children.
    """

    def __init__(
        self,
        factory: Callable[..., Any],
        kwargs: Mapping[str, Any] | None = None,
        *,
        limits: Limits | None = None,
        warm_up: bool = False,
        name: str | None = None,
        model: str | None = None,
    ) -> None:
        self.factory = f"{factory.__module__}:{factory.__qualname__}"
        self.kwargs = dict(kwargs or {})
        self.limits = limits or Limits()
        self.warm_up = warm_up
        self.name: str = name or factory.name  # type: ignore[attr-defined]
        self.model: str = model or factory.model  # type: ignore[attr-defined]
        self._idle: list[_Child] = []
        self._lock = threading.Lock()
        atexit.register(self.close)

    def pages(
        self,
        path: pathlib.Path,
        mime_type: str,
        usage: Usage | None = None,
        languages: Sequence[str] | None = None,
    ) -> Iterator[Page]:
        """Yield the pages the engine yields for ``path``, each within the page budget.
        ``languages`` (OCR language codes) is passed on to an engine that takes
        them (the local engine); None passes nothing.

        Raises what the engine raises, or PageTimeout, MemoryLimit, EngineCrashed;
        EngineUnavailable if no child could be started.
        """
        child = self._checkout()
        reusable = False
        number = 1  # the page being waited for
        try:
            request: dict[str, Any] = {"path": str(path), "mime": mime_type}
            if languages is not None:
                request["languages"] = list(languages)
            child.send(request)
            while True:
                message = child.receive(time.monotonic() + self.limits.page_timeout_s, number)
                if "page" in message:
                    number = int(message["page"]) + 1
                    yield Page(
                        int(message["page"]), str(message["markdown"]), bool(message["last"])
                    )
                elif "done" in message:
                    for field in dataclasses.fields(Usage):
                        if usage is not None and field.name in message["usage"]:
                            setattr(usage, field.name, message["usage"][field.name])
                    reusable = True
                    return
                else:
                    error = rebuild(message["error"])
                    reusable = not isinstance(error, MemoryLimit)
                    raise error
        finally:
            if reusable:
                self._checkin(child)
            else:
                child.kill()

    def close(self) -> None:
        """Stop the idle children (running ones stop when their documents end)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for child in idle:
            child.kill()

    def _checkout(self) -> _Child:
        with self._lock:
            while self._idle:
                child = self._idle.pop()
                if child.proc.poll() is None:
                    return child
                child.kill()
        return _Child.start(self)

    def _checkin(self, child: _Child) -> None:
        child.jobs += 1
        if child.jobs >= RECYCLE_AFTER_JOBS:
            child.kill()
            return
        with self._lock:
            self._idle.append(child)


class _Child:
    """One child process and the parent's ends of its two pipes."""

    def __init__(self, proc: subprocess.Popen[bytes], to_child: int, from_child: int) -> None:
        self.proc, self.to_child, self.from_child = proc, to_child, from_child
        self.buffer = bytearray()
        self.jobs = 0
        self.budget_s = 0.0
        self.memory_mb = 0

    @classmethod
    def start(cls, sandbox: Sandboxed) -> _Child:
        """A ready child, or EngineUnavailable."""
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        # The parent's extra import paths (e.g. tests'), not the interpreter's own.
        extra = [p for p in sys.path if p and not p.startswith((sys.prefix, sys.base_prefix))]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(extra)}
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "ilios.worker.sandbox_child", str(request_r), str(reply_w)],
                pass_fds=(request_r, reply_w),
                stdin=subprocess.DEVNULL,
                stdout=sys.__stderr__ or subprocess.DEVNULL,  # stdout would be lost noise
                env=env,
            )
        finally:
            os.close(request_r)
            os.close(reply_w)
        child = cls(proc, request_w, reply_r)
        child.budget_s, child.memory_mb = sandbox.limits.page_timeout_s, sandbox.limits.memory_mb
        setup: dict[str, Any] = {"factory": sandbox.factory, "kwargs": sandbox.kwargs}
        setup |= {"memory_mb": sandbox.limits.memory_mb, "warm_up": sandbox.warm_up}
        setup["log_level"] = logging.getLogger().getEffectiveLevel()  # the worker's, to stderr
        try:
            child.send(setup)
            message = child.receive(time.monotonic() + START_TIMEOUT_S, 0)
        except IliosError as exc:
            child.kill()
            raise EngineUnavailable(
                "The conversion engine could not start on this worker (is ENGINE_MEMORY_MB "
                "large enough?).",
                detail=f"{exc.reason}: {exc.message}",
            ) from exc
        if "ready" not in message:
            child.kill()
            cause = rebuild(message["error"])
            raise EngineUnavailable(
                "The conversion engine could not start on this worker.",
                detail=f"{cause.reason}: {cause.message} {cause.details}",
            )
        return child

    def send(self, message: dict[str, Any]) -> None:
        try:
            write_frame(self.to_child, message)
        except OSError:  # the child is gone; receive() says how it died
            pass

    def receive(self, deadline: float, page: int) -> dict[str, Any]:
        """The next message, or PageTimeout (by ``deadline``, a monotonic time),
        MemoryLimit or EngineCrashed (the child died) for ``page``."""
        poller = select.poll()
        poller.register(self.from_child, select.POLLIN)
        while True:
            if len(self.buffer) >= HEADER.size:
                (size,) = HEADER.unpack_from(self.buffer)
                if size > MAX_FRAME_BYTES:
                    raise self._died(page, f"corrupt frame of {size} bytes")
                if len(self.buffer) >= HEADER.size + size:
                    frame = bytes(self.buffer[HEADER.size : HEADER.size + size])
                    del self.buffer[: HEADER.size + size]
                    return dict(json.loads(frame))
            if not poller.poll(max(0.0, deadline - time.monotonic()) * 1000):
                self.kill()
                raise PageTimeout(
                    f"Page {page} took longer than {self.budget_s:g} s to convert, the most "
                    "this service allows per page (PAGE_TIMEOUT_S): it may be far more complex "
                    "than it looks. Simplify or rasterise it and send it again.",
                    page=str(page),
                    timeout_s=f"{self.budget_s:g}",
                )
            chunk = os.read(self.from_child, READ_CHUNK)
            if not chunk:
                raise self._died(page, "")
            self.buffer += chunk

    def _died(self, page: int, why: str) -> IliosError:
        self.kill()
        status = self.proc.returncode
        how = why or (f"signal {signal.Signals(-status).name}" if status < 0 else f"exit {status}")
        if status in (-signal.SIGABRT, MEMORY_EXIT):
            return memory_error(self.memory_mb, page=str(page), detail=how)
        return EngineCrashed(
            f"The conversion engine crashed on page {page} of this document ({how}); the "
            "document may be malformed. Repair or re-export it and send it again.",
            page=str(page),
            detail=how,
        )

    def kill(self) -> None:
        """SIGKILL (a no-op if it has exited), reap, and close the pipes."""
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(REAP_TIMEOUT_S)
        except subprocess.TimeoutExpired:  # stuck in the kernel; init reaps it later
            pass
        for fd in (self.to_child, self.from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self.to_child = self.from_child = -1
