"""The child side of ``sandbox``: ``python -m ilios.worker.sandbox_child REQUEST_FD REPLY_FD``.

Started by ``sandbox.Sandboxed``, never by hand. It reads the setup frame,
caps its data segment (RLIMIT_DATA, ``memory_mb`` MiB) before importing the
engine, builds the engine, optionally warms it up, answers ``{ready}``, then
converts one ``{path, mime}`` request at a time until its request pipe
closes. See ``sandbox`` for the protocol and what each failure becomes.

A MemoryError (or a C++ bad_alloc) anywhere in a failure's chain is reported
as MemoryLimit and the child exits, since a library may be left half-updated;
if even reporting runs out of memory it exits with MEMORY_EXIT. Other
exceptions that are not ``IliosError`` are reported as internal errors, with
the traceback on stderr for the operator.
"""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import gc
import importlib
import json
import logging
import os
import pathlib
import resource
import signal
import struct
import sys
import tempfile
import threading
import traceback
from typing import Any

from ilios import errors
from ilios.errors import IliosError, MemoryLimit
from ilios.worker.engines.base import Usage

PR_SET_PDEATHSIG = 1  # linux/prctl.h
ORPHAN_CHECK_S = 1.0  # how often the watchdog checks that the worker still lives, seconds
MEMORY_EXIT = 86  # exit status of a child whose MemoryError left it unable to report
MAX_FRAME_BYTES = 1 << 30  # a longer frame means the child is corrupt
HEADER = struct.Struct(">I")  # frame length prefix
READ_CHUNK = 1 << 20  # bytes per pipe read
MEMORY_WORDS = ("bad_alloc", "bad allocation", "failed to allocate memory", "out of memory")
WARM_UP_SIDE_PX = 32  # ``warm_up`` converts a blank square PNG this many pixels wide


def main(argv: list[str]) -> None:
    request_fd, reply_fd = int(argv[0]), int(argv[1])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worker decides when to stop
    parent = os.getppid()
    _die_with_parent(parent)
    setup = read_frame(request_fd)
    if setup is None:
        return
    logging.basicConfig(
        level=int(setup.get("log_level", logging.WARNING)),
        format="%(asctime)s engine[%(process)d] %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    limit = int(setup["memory_mb"]) << 20
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a hostile file's abort leaves no core
    try:
        engine = _build(setup)
        if setup.get("warm_up"):
            _warm_up(engine)
        gc.freeze()  # the engine's long-lived objects: out of every later collection's way
        write_frame(reply_fd, {"ready": os.getpid()})
        while (request := read_frame(request_fd)) is not None:
            if not _convert(engine, request, reply_fd, int(setup["memory_mb"])):
                break
    except MemoryError:
        os._exit(MEMORY_EXIT)
    except BaseException as exc:  # failed to start (or the worker went): say why, then go
        try:
            write_frame(reply_fd, {"error": describe(_as_ilios(exc))})
        except OSError:
            pass


def _build(setup: dict[str, Any]) -> Any:
    module, _, name = str(setup["factory"]).partition(":")
    factory: Any = importlib.import_module(module)
    for part in name.split("."):
        factory = getattr(factory, part)
    return factory(**setup["kwargs"])


def _warm_up(engine: Any) -> None:
    """Convert a blank PNG, so lazy per-process state (the OCR model) loads now."""
    from PIL import Image

    with tempfile.NamedTemporaryFile(suffix=".png") as blank:
        Image.new("L", (WARM_UP_SIDE_PX, WARM_UP_SIDE_PX), 255).save(blank, format="PNG")
        blank.flush()
        try:
            for _ in engine.pages(pathlib.Path(blank.name), "image/png"):
                pass
        except Exception:  # the engine reports its own troubles when it meets real pages
            traceback.print_exc()


def _convert(engine: Any, request: dict[str, Any], reply_fd: int, memory_mb: int) -> bool:
    """Convert one document, streaming its frames; False if this child must stop."""
    usage = Usage()
    try:
        extra = (
            {"languages": [str(code) for code in request["languages"]]}
            if "languages" in request
            else {}
        )
        for page in engine.pages(
            pathlib.Path(request["path"]), str(request["mime"]), usage, **extra
        ):
            write_frame(
                reply_fd, {"page": page.number, "markdown": page.markdown, "last": page.last}
            )
        write_frame(reply_fd, {"done": True, "usage": dataclasses.asdict(usage)})
        return True
    except Exception as exc:
        if _out_of_memory(exc):
            del exc  # free what the failed attempt held before reporting
            write_frame(reply_fd, {"error": describe(memory_error(memory_mb))})
            return False
        write_frame(reply_fd, {"error": describe(_as_ilios(exc))})
        return True


def _as_ilios(exc: BaseException) -> IliosError:
    if isinstance(exc, IliosError):
        return exc
    traceback.print_exception(exc)
    return IliosError("The conversion engine failed unexpectedly.", detail=repr(exc)[:2000])


def _out_of_memory(exc: BaseException | None) -> bool:
    """Whether a MemoryError, ENOMEM or C++ bad_alloc is anywhere in ``exc``'s chain."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, MemoryError) or getattr(exc, "errno", None) == errno.ENOMEM:
            return True
        text = f"{exc} {getattr(exc, 'details', '')}".lower()
        if any(word in text for word in MEMORY_WORDS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _die_with_parent(parent: int) -> None:
    """SIGKILL this child when the worker dies: PR_SET_PDEATHSIG (which fires when
    the thread that started the child ends), and a watchdog thread for the rest."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the watchdog alone
        pass

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(ORPHAN_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="orphan-watchdog", daemon=True).start()


# --- protocol (shared with the parent) ---------------------------------------


def memory_error(memory_mb: int, **details: str) -> MemoryLimit:
    return MemoryLimit(
        f"Converting the document needed more than {memory_mb} MiB of memory, the most this "
        "service allows (ENGINE_MEMORY_MB): it may be a decompression bomb, or far larger "
        "than it looks. Simplify it or split it and send it again.",
        memory_mb=str(memory_mb),
        **details,
    )


def rebuild(info: dict[str, Any]) -> IliosError:
    """The error ``describe`` described: its class if loaded here, else the class
    with its reason, else ``IliosError``."""
    classes = errors.all_classes()
    by_name = (c for c in classes if f"{c.__module__}.{c.__qualname__}" == info["type"])
    by_reason = (c for c in classes if c.reason == info["reason"])
    cls = next(by_name, None) or next(by_reason, IliosError)
    return cls(str(info["message"]), **{str(k): str(v) for k, v in info["details"].items()})


def describe(exc: IliosError) -> dict[str, Any]:
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    return {"type": name, "reason": exc.reason, "message": exc.message, "details": exc.details}


def write_frame(fd: int, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode()
    view = memoryview(HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def read_frame(fd: int) -> dict[str, Any] | None:
    """The next frame (blocking), or None at end of input."""
    header = _read_exactly(fd, HEADER.size)
    if header is None:
        return None
    body = _read_exactly(fd, HEADER.unpack(header)[0])
    return None if body is None else dict(json.loads(body))


def _read_exactly(fd: int, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = os.read(fd, min(size - len(data), READ_CHUNK))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


if __name__ == "__main__":
    main(sys.argv[1:])
