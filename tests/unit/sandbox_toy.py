"""A scripted engine for the sandbox tests, in a module light enough to import
fast in every child process (no numpy, no test framework).

Each document is JSON: ``pages`` (default 1), ``on`` (page number -> action:
hang, hog, hog-wrapped, abort, segfault, exit, corrupt, bug) and ``pid_file``
(where to write the child's pid). Every page says which process made it.
"""

from __future__ import annotations

import ctypes
import json
import os
import pathlib
import threading
from collections.abc import Iterator

from ilios.errors import CorruptFile, IliosError
from ilios.worker.engines.base import Page, Usage


class ToyEngine:
    """A scripted engine; see the module docstring."""

    name = "toy"
    model = "toy-1"

    def __init__(self, greeting: str = "page") -> None:
        self.greeting = greeting

    def pages(
        self, path: pathlib.Path, mime_type: str, usage: Usage | None = None
    ) -> Iterator[Page]:
        script = json.loads(path.read_text())
        if "pid_file" in script:
            pathlib.Path(script["pid_file"]).write_text(str(os.getpid()))
        for number in range(1, script.get("pages", 1) + 1):
            action = script.get("on", {}).get(str(number), "")
            if action == "hang":
                threading.Event().wait()
            elif action == "hog":
                bytearray(2**31)
            elif action == "hog-wrapped":  # as LocalEngine wraps library failures
                try:
                    bytearray(2**31)
                except MemoryError as exc:
                    raise IliosError("failed unexpectedly", detail=repr(exc)) from exc
            elif action == "abort":
                os.abort()
            elif action == "segfault":
                ctypes.string_at(0)
            elif action == "exit":
                os._exit(3)
            elif action == "corrupt":
                raise CorruptFile("Page is damaged.", page=str(number), detail="xref")
            elif action == "bug":
                raise KeyError("oops")
            if usage is not None:
                usage.input_tokens += 10
            yield Page(number, f"{self.greeting} {number} pid {os.getpid()}")
