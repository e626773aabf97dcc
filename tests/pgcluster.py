"""A throwaway PostgreSQL cluster: ``initdb`` in a temporary folder, ``pg_ctl``
on a free port, torn down after. Debian's ``postgresql`` package provides the
binaries (``scripts/install-postgres.sh``, which ``make test`` runs).

PostgreSQL refuses to run as root, so as root the cluster belongs to the
``postgres`` user (the package creates it) and each command runs through
``runuser``. Each test gets a database of its own (``Cluster.database()``).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile

import psycopg
from psycopg.rows import dict_row

from ilios.store.postgres import Postgres, to_psycopg

SUPERUSER = "ilios"
INSTALL_HINT = "PostgreSQL's server is not installed: run `make postgres` (Debian's package)"
# Quick and throwaway: nothing here must survive a crash of the machine.
TEST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "64MB",
    "listen_addresses": "127.0.0.1",
}


def bin_dir() -> pathlib.Path:
    """The newest installed PostgreSQL's programs (Debian keeps them per version)."""
    found = sorted(
        pathlib.Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError(INSTALL_HINT)
    return pathlib.Path(initdb).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """One PostgreSQL server in ``root``; ``start()``, ``restart()``, ``stop()``."""

    def __init__(
        self, root: pathlib.Path | None = None, settings: dict[str, str] | None = None
    ) -> None:
        self._as_postgres = os.geteuid() == 0
        # As root the cluster belongs to postgres, who must reach its folder: /tmp,
        # not a TMPDIR inside root's home.
        folder = "/tmp" if self._as_postgres else None
        self.root = root or pathlib.Path(tempfile.mkdtemp(prefix="ilios-pg-", dir=folder))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.bin = bin_dir()
        self.settings = {**TEST_SETTINGS, **(settings or {})}
        self._names = itertools.count(1)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd="/")
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr}{done.stdout}\n{log}")
        return done

    def start(self) -> Cluster:
        if not (self.bin / "initdb").exists():
            raise RuntimeError(INSTALL_HINT)
        self.root.mkdir(parents=True, exist_ok=True)
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        self._pg_ctl("start")
        return self

    def _pg_ctl(self, action: str, *extra: str) -> None:
        settings = [f"-c {key}={value}" for key, value in self.settings.items()]
        options = " ".join([f"-p {self.port}", f"-k {self.root}", *settings])
        self._run(
            "pg_ctl", action, "-D", str(self.data), "-l", str(self.log), "-w", "-o", options, *extra
        )

    def restart(self) -> None:
        """Stop the server the way a crash or a failover looks to clients (every
        session cut off), and start it again on the same port."""
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def database(self, name: str | None = None) -> str:
        """A new, empty database; its URL."""
        name = name or f"test_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


class RawSQL:
    """A connection-like face for tests' raw SQL (``:name`` parameters), run on
    the thread's write transaction when there is one, else on a connection of
    its own: ``store.connector.conn.execute(sql, params)`` as on SQLite."""

    def __init__(self, pg: Postgres) -> None:
        self.pg = pg

    def execute(self, text: str, params: dict | None = None) -> list[dict]:
        conn = getattr(self.pg._local, "conn", None)
        if conn is not None:
            cursor = conn.execute(to_psycopg(text), params or {})
            return cursor.fetchall() if cursor.description else []
        with psycopg.connect(self.pg.url, autocommit=True, row_factory=dict_row) as own:
            cursor = own.execute(to_psycopg(text), params or {})
            return cursor.fetchall() if cursor.description else []


class InspectablePostgres(Postgres):
    """The PostgreSQL connector with ``conn`` for tests' raw SQL (``RawSQL``)."""

    @property
    def conn(self) -> RawSQL:
        return RawSQL(self)
