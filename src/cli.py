"""The ``ilios`` command: ``serve`` runs everything; ``server``, ``gateway``
and ``worker`` run one part each (for deployments that split them)."""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import logging
import pathlib
import signal
import sys

from ilios import config
from ilios.errors import IliosError

M_TRIM_THRESHOLD = -1  # glibc <malloc.h>
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 4 * 1024 * 1024
TRIM_THRESHOLD_BYTES = 32 * 1024 * 1024
ARENA_MAX = 2


def tune_malloc() -> None:
    """Keep 1 MiB transfer buffers on the heap instead of fresh mmaps, in at
    most two heaps (glibc's ``mallopt``; a no-op elsewhere).

    Streaming uploads allocate a buffer per chunk: as fresh mmaps each costs
    page faults, and per-thread heaps each keep freed buffers. The figures are
    in docs/performance.md ("Uploads").
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
        libc.mallopt(M_ARENA_MAX, ARENA_MAX)
    except (OSError, AttributeError):
        pass


def _server(settings: config.Settings, ready_file: pathlib.Path | None) -> int:
    from ilios.ready import write_ready
    from ilios.server.app import serve

    def on_ready(port: int) -> None:
        if ready_file:
            write_ready(ready_file, port=port)

    try:
        asyncio.run(serve(settings, on_ready=on_ready))
    finally:
        if ready_file:
            ready_file.unlink(missing_ok=True)
    return 0


def _gateway(settings: config.Settings, ready_file: pathlib.Path | None) -> int:
    from ilios.gateway.app import run

    # uvicorn re-raises the signal that stopped it once it is done; with this
    # handler that ends the process through the ``finally`` below.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        return run(settings, ready_file)
    finally:
        if ready_file:
            ready_file.unlink(missing_ok=True)


def _worker(settings: config.Settings) -> int:
    from ilios.worker.worker import main

    return main(settings)


def _sweep(settings: config.Settings, as_of: str | None) -> int:
    import datetime as dt

    from ilios.server import sweeper
    from ilios.storage import open_originals
    from ilios.store import open_store

    now = None
    if as_of:
        moment = dt.datetime.fromisoformat(as_of.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        now = int(moment.timestamp() * 1000)
    store = open_store(settings)
    report = sweeper.sweep(settings, store, open_originals(settings, store), now=now)
    print(
        f"archived {report.archived} document(s), dropped {report.uploads_dropped} "
        f"expired upload(s), removed {report.temp_files_removed} temp file(s) and "
        f"{report.orphans_removed} orphaned blob(s)"
    )
    return 0


def _serve(settings: config.Settings) -> int:
    from ilios.worker.supervisor import Supervisor

    return Supervisor(settings).run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ilios", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the gRPC server, the REST gateway and the workers")
    for name, text in (("server", "run the gRPC server"), ("gateway", "run the REST gateway")):
        part = sub.add_parser(name, help=text)
        part.add_argument(
            "--ready-file", type=pathlib.Path, help="write {pid, port} here once listening"
        )
    sub.add_parser("worker", help="run one worker process")
    sweep = sub.add_parser("sweep", help="archive documents past retention, clean temp files")
    sweep.add_argument("--as-of", help="pretend it is this ISO 8601 time (default: now)")
    args = parser.parse_args(argv)

    try:
        settings = config.load()  # the environment, and .env, read once here
    except IliosError as exc:
        print(f"ilios {args.command}: {exc.message}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format=f"%(asctime)s {args.command}[%(process)d] %(levelname)s %(name)s: %(message)s",
    )
    if args.command in ("server", "gateway", "worker"):
        tune_malloc()
    try:
        if args.command == "serve":
            return _serve(settings)
        if args.command == "server":
            return _server(settings, args.ready_file)
        if args.command == "gateway":
            return _gateway(settings, args.ready_file)
        if args.command == "sweep":
            return _sweep(settings, args.as_of)
        return _worker(settings)
    except IliosError as exc:
        print(f"ilios {args.command}: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
