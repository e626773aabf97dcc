"""Ready files: how a process says it is listening, and on which port.

A process started with ``--ready-file PATH`` writes ``{"pid": ..., "port": ...}``
there once it accepts connections (atomically: written aside, then renamed),
and removes it when it stops; whoever started it waits for the file.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import time

READY_TIMEOUT_S = 120.0


def read_ready(
    path: pathlib.Path, proc: subprocess.Popen[bytes], timeout_s: float = READY_TIMEOUT_S
) -> dict[str, int]:
    """Wait for a child's ready file; fail if the child exits first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists():
            data: dict[str, int] = json.loads(path.read_text())
            if data.get("pid") == proc.pid:
                return data
        if proc.poll() is not None:
            raise RuntimeError(f"{path.stem} exited with status {proc.returncode} on start-up")
        time.sleep(0.05)
    raise RuntimeError(f"{path.stem} did not become ready within {timeout_s:.0f} s")


def write_ready(path: pathlib.Path, **fields: int | str) -> None:
    """Atomically write a ready file (pid added)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps({"pid": os.getpid(), **fields}))
    os.replace(temp, path)
