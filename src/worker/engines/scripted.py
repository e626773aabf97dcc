"""The scripted engine: follows a script inside the document, records each run.

For tests and benchmarks only (``OCR_ENGINE=scripted``; never a default). A
scripted document is a tiny PDF-looking file whose second line holds a JSON
script::

    %PDF-1.4
    %ilios-script {"pages": 3, "page_ms": 200, "fail": 1, "reason": "ENGINE_UNAVAILABLE"}

- ``pages``: pages to produce (default 1), each ``"page N of KEY"``;
- ``page_ms``: time each page takes, in milliseconds (default 0);
- ``fail``: how many runs fail before one succeeds (default 0), raising the
  error whose reason is ``reason`` (default ENGINE_UNAVAILABLE, a transient one).

Every run appends one line, ``<key> <pid> <start ms>``, to the file named by
``ILIOS_SCRIPTED_LOG`` (an O_APPEND write of one short line is atomic), so a
test can count how often each document was executed.
"""

from __future__ import annotations

import json
import os
import pathlib
import time
from collections.abc import Iterator, Sequence

from ilios.errors import CorruptFile, from_reason
from ilios.worker.engines.base import Page, Usage

MARKER = b"%ilios-script "


def script_document(**script: object) -> bytes:
    """The bytes of a scripted document (for tests and benchmarks)."""
    return b"%PDF-1.4\n" + MARKER + json.dumps(script).encode() + b"\n%%EOF\n"


class ScriptedEngine:
    name = "scripted"
    model = "scripted-1"

    def __init__(self, log_path: str | None = None) -> None:
        self.log_path = log_path or os.environ.get("ILIOS_SCRIPTED_LOG", "")

    def _runs_before(self, key: str) -> int:
        if not self.log_path or not os.path.exists(self.log_path):
            return 0
        with open(self.log_path) as log:
            return sum(1 for line in log if line.split(" ", 1)[0] == key)

    def _record(self, key: str) -> None:
        if self.log_path:
            fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, f"{key} {os.getpid()} {time.time_ns() // 1_000_000}\n".encode())
            finally:
                os.close(fd)

    def pages(
        self,
        path: pathlib.Path,
        mime_type: str,
        usage: Usage | None = None,
        languages: Sequence[str] | None = None,  # no OCR models to choose: ignored
    ) -> Iterator[Page]:
        with path.open("rb") as file:
            head = file.read(4096)
        start = head.find(MARKER)
        if start < 0:
            raise CorruptFile("Not a scripted document (no %ilios-script line).")
        script = json.loads(head[start + len(MARKER) :].split(b"\n", 1)[0])
        key = path.name
        runs = self._runs_before(key)
        self._record(key)
        if runs < int(script.get("fail", 0)):
            raise from_reason(
                script.get("reason", "ENGINE_UNAVAILABLE"), f"scripted failure {runs + 1}"
            )
        count = int(script.get("pages", 1))
        page_s = int(script.get("page_ms", 0)) / 1000
        for number in range(1, count + 1):
            if page_s:  # sleep(0) would still give up the CPU
                time.sleep(page_s)
            yield Page(number, f"page {number} of {key}", last=number == count)
