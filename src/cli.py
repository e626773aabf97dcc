"""The ``ilios`` command: ``serve`` runs everything; ``server``, ``gateway``,
``worker`` and ``workers`` run one part each (for deployments that split them,
on one host or many: README, "Scaling out"); ``migrate`` brings the database's
schema up to date, or moves an SQLite installation to PostgreSQL."""

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


def _serve(settings: config.Settings, workers_only: bool = False) -> int:
    from ilios.worker.supervisor import Supervisor

    return Supervisor(settings, workers_only=workers_only).run()


def _migrate(settings: config.Settings, from_sqlite: pathlib.Path | None) -> int:
    from ilios.store import open_store

    if from_sqlite is None:
        open_store(settings).close()
        where = "PostgreSQL" if settings.database_url else str(settings.db_path)
        print(f"the schema of {where} is up to date")
        return 0
    if not settings.database_url:
        print("ilios migrate: --from-sqlite copies into DATABASE_URL: set it", file=sys.stderr)
        return 2
    from ilios.store.copy import copy_from_sqlite
    from ilios.store.postgres import Postgres

    target = Postgres(settings.database_url, settings.database_pool_size)
    counts = copy_from_sqlite(from_sqlite, target)
    print(
        f"copied {from_sqlite} into PostgreSQL: "
        + ", ".join(f"{count} {table}" for table, count in counts.items())
    )
    return 0


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
    sub.add_parser("workers", help="run WORKER_COUNT worker processes (a worker node)")
    migrate = sub.add_parser("migrate", help="bring the database's schema up to date")
    migrate.add_argument(
        "--from-sqlite",
        type=pathlib.Path,
        metavar="PATH",
        help="copy this SQLite installation's database into DATABASE_URL (empty)",
    )
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
        if args.command in ("serve", "server", "worker", "workers"):
            from ilios.storage import check_shared

            check_shared(settings)  # before any process starts: say what to set
        if args.command == "migrate":
            return _migrate(settings, args.from_sqlite)
        if args.command == "workers":
            return _serve(settings, workers_only=True)
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
