"""The ``ilios`` command: ``serve`` runs everything; ``server``, ``gateway``
and ``worker`` run one part each (for deployments that split them)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import pathlib
import sys

from ilios import config
from ilios.errors import IliosError


def _server(settings: config.Settings, ready_file: pathlib.Path | None) -> int:
    from ilios.server.app import serve
    from ilios.worker.supervisor import write_ready

    def on_ready(port: int) -> None:
        if ready_file:
            write_ready(ready_file, port=port)

    asyncio.run(serve(settings, on_ready=on_ready))
    return 0


def _gateway(settings: config.Settings, ready_file: pathlib.Path | None) -> int:
    from ilios.server.gateway import run

    return run(settings, ready_file)


def _worker(settings: config.Settings) -> int:
    from ilios.worker.worker import main

    return main(settings)


def _sweep(settings: config.Settings, as_of: str | None) -> int:
    import datetime as dt

    from ilios import sweeper
    from ilios.blobs import open_store
    from ilios.database import Database

    now = None
    if as_of:
        moment = dt.datetime.fromisoformat(as_of.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        now = int(moment.timestamp() * 1000)
    db = Database(settings.db_path, settings.db_synchronous)
    db.setup()
    report = sweeper.sweep(settings, db, open_store(settings), now=now)
    print(
        f"archived {report.archived} document(s), dropped {report.uploads_dropped} "
        f"expired upload(s), removed {report.temp_files_removed} temp file(s)"
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

    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format=f"%(asctime)s {args.command}[%(process)d] %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = config.load()
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
