"""The process's one lock on pdfium: the library is not thread-safe, even across
documents, so every user in a process (the PDF engine, the fake Mistral
server's page counter) takes this lock around its calls."""

from __future__ import annotations

import threading

PDFIUM_LOCK = threading.RLock()
