"""Which node (host) a process runs on, as the workers and servers tables record it.

A process's identity there is its node, its pid and its start time. Two
processes compare pids only when they share a node: the pid check that buries
a crashed worker at once (``Workers.bury_vanished``) must never be made against
another machine's, or another container's, process table, where the same pid
names another process. So the node is the host name plus a short digest of the
kernel's boot id and the pid namespace: two containers that share a host name
but not a process table are two nodes; a restarted machine is a new node (its
old rows are rescued by heartbeat age, as every other host's are).
"""

from __future__ import annotations

import functools
import hashlib
import os
import pathlib
import socket


@functools.cache
def host_id() -> str:
    """``hostname/digest``: this process's node (see the module's docstring)."""
    try:
        boot = pathlib.Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = ""
    try:
        namespace = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        namespace = ""
    digest = hashlib.sha256(f"{boot}:{namespace}".encode()).hexdigest()[:8]
    return f"{socket.gethostname()}/{digest}"
