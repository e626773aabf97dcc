"""Start the real service (``ilios serve``) as processes on free ports.

``Service`` runs the same command ``make run`` does, with ``PORT=0`` and
``GRPC_PORT=0`` and a private data directory, waits for the supervisor's
ready file, and hands tests a gRPC channel and the REST base URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence

import grpc
import httpx
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from ilios import config
from ilios.storage import scratch_dir
from ilios.store import Connector
from ilios.store.sqlite import SQLite
from ilios.v1 import conversion_service_pb2_grpc, usage_service_pb2_grpc

START_TIMEOUT_S = 120.0
# What a child process may see of the test's own environment: nothing of Ilios,
# AWS or Mistral (a developer's settings must not reach a test's service).
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "USER")
# Set (by tests/postgres/conftest.py) while a test runs on PostgreSQL: the
# database URL for a service's data directory (the same one each time, so a
# service restarted on its data finds its rows).
DATABASE_FOR: Callable[[pathlib.Path], str] | None = None


def child_env(**env: str) -> dict[str, str]:
    """An environment for a process the tests start: the allow-listed basics and ``env``."""
    return {**{k: os.environ[k] for k in INHERITED if k in os.environ}, **env}


def run_ilios(
    args: Sequence[str], env: dict[str, str], cwd: pathlib.Path, **kwargs
) -> subprocess.CompletedProcess:
    """Run an ``ilios`` command of the service to its end, in ``cwd`` (where no
    ``.env`` is), with exactly ``env``."""
    return subprocess.run([sys.executable, "-m", "ilios.cli", *args], env=env, cwd=cwd, **kwargs)


def start_ilios(
    args: Sequence[str], env: dict[str, str], cwd: pathlib.Path, **kwargs
) -> subprocess.Popen[bytes]:
    """Start an ``ilios`` command of the service, as ``run_ilios``."""
    return subprocess.Popen([sys.executable, "-m", "ilios.cli", *args], env=env, cwd=cwd, **kwargs)


def wait_for(predicate, timeout_s: float = 30.0, interval_s: float = 0.05, what: str = ""):
    """Poll ``predicate`` until it returns something truthy; return it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)  # wait-ok: polling a condition with a deadline
    raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what or predicate}")


class Service:
    def __init__(
        self,
        data_dir: pathlib.Path,
        *,
        launcher: Sequence[str] = (),
        log: pathlib.Path | None = None,
        **env: str,
    ) -> None:
        """``launcher``: a command that runs the service command it is given (e.g. in a
        private mount namespace); it must exec it, keeping the pid. ``log``: a file
        for everything the service writes (else the test's own output)."""
        self.data_dir = data_dir
        self.launcher = tuple(launcher)
        self.log = log
        data_dir.mkdir(parents=True, exist_ok=True)
        defaults = {
            "DATA_DIR": str(data_dir.absolute()),
            "PORT": "0",
            "GRPC_PORT": "0",
            "WORKER_COUNT": "2",
            "GATEWAY_WORKERS": "1",
            "LOG_LEVEL": "WARNING",
        }
        if DATABASE_FOR is not None and "DATABASE_URL" not in env:
            # One host, many processes: the blob directory is shared by construction.
            defaults.update(DATABASE_URL=DATABASE_FOR(data_dir), BLOB_DIR_SHARED="true")
        self.env = child_env(**{**defaults, **env})
        self.proc: subprocess.Popen[bytes] | None = None
        self.grpc_port = 0
        self.http_port = 0
        self._channel: grpc.Channel | None = None
        self._db: Connector | None = None

    @property
    def ready_file(self) -> pathlib.Path:
        return pathlib.Path(self.env.get("RUN_DIR") or self.data_dir / "run") / "serve.json"

    def start(self) -> Service:
        self.ready_file.unlink(missing_ok=True)
        output = open(self.log, "ab") if self.log else None  # the child keeps its own copy
        try:
            self.proc = subprocess.Popen(
                [*self.launcher, sys.executable, "-m", "ilios.cli", "serve"],
                env=self.env,
                cwd=self.data_dir,  # no .env here: the service sees only self.env
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
            )
        finally:
            if output:
                output.close()

        def ready() -> dict[str, int] | None:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"ilios serve exited with {self.proc.returncode}")
            if self.ready_file.exists():
                data: dict[str, int] = json.loads(self.ready_file.read_text())
                return data if data["pid"] == self.proc.pid else None
            return None

        info = wait_for(ready, START_TIMEOUT_S, what="ilios serve to be ready")
        self.grpc_port, self.http_port = info["grpc_port"], info["http_port"]
        return self

    @property
    def db(self) -> Connector:
        """A handle on the service's database, for asserting on rows: ``db.one(query,
        ...)`` runs a named query; ``db.conn.execute(sql, params)`` raw SQL."""
        if self._db is None:
            url = self.env.get("DATABASE_URL")
            self._db = _inspectable(url) if url else SQLite(self.data_dir / "ilios.db")
        return self._db

    def child_pid(self, name: str) -> int:
        """The pid of the service's ``server`` or ``gateway`` process (its ready file)."""
        run_dir = pathlib.Path(self.env.get("RUN_DIR") or self.data_dir / "run")
        return int(json.loads((run_dir / f"{name}.json").read_text())["pid"])

    def log_text(self) -> str:
        assert self.log is not None, "start the service with log=PATH"
        return self.log.read_text(errors="replace")

    def rows(self, sql: str, **params: object) -> list[dict]:
        return list(self.db.conn.execute(sql, params))  # type: ignore[attr-defined]

    def worker_pids(self) -> list[int]:
        """Pids of the live worker processes (from the workers table)."""
        live = self.rows("SELECT pid FROM workers WHERE state = 'active'")
        return [r["pid"] for r in live if alive(r["pid"])]

    def kill_all(self) -> None:
        """SIGKILL the supervisor and every process it started: a machine crash."""
        assert self.proc is not None
        victims = [self.proc.pid, *descendants(self.proc.pid)]
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(30)
        for pid in victims:
            wait_for(lambda pid=pid: not alive(pid), 30, what=f"pid {pid} to die")
        if self._channel is not None:
            self._channel.close()
            self._channel = None

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 60.0) -> int:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._db is not None:
            self._db.close()
            self._db = None
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
        finally:
            # The workers' scratch folder may live in /dev/shm, outside data_dir.
            scratch = scratch_dir(config.load(self.env, dotenv=False))
            shutil.rmtree(scratch, ignore_errors=True)

    def wait_healthy(self, timeout_s: float = 30.0) -> None:
        """Wait until the gateway's /health answers 200 (it reaches the gRPC server)."""

        def healthy() -> bool:
            try:
                return httpx.get(f"{self.url}/health", timeout=2.0).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(healthy, timeout_s, what=f"the gateway at {self.url} to be healthy")

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def channel(self) -> grpc.Channel:
        if self._channel is None:
            self._channel = grpc.insecure_channel(
                self.grpc_target,
                options=[
                    ("grpc.max_receive_message_length", 80 * 1024 * 1024),
                    ("grpc.max_send_message_length", 80 * 1024 * 1024),
                ],
            )
        return self._channel

    @property
    def conversion(self) -> conversion_service_pb2_grpc.ConversionServiceStub:
        return conversion_service_pb2_grpc.ConversionServiceStub(self.channel)

    @property
    def usage(self) -> usage_service_pb2_grpc.UsageServiceStub:
        return usage_service_pb2_grpc.UsageServiceStub(self.channel)

    def http(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=120, **kwargs)


def _inspectable(url: str) -> Connector:
    from pgcluster import InspectablePostgres

    return InspectablePostgres(url)


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not count)."""
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@contextlib.contextmanager
def running(
    data_dir: pathlib.Path,
    *,
    launcher: Sequence[str] = (),
    log: pathlib.Path | None = None,
    **env: str,
) -> Iterator[Service]:
    service = Service(data_dir, launcher=launcher, log=log, **env).start()
    try:
        yield service
    finally:
        service.stop()


def reason_of(error: grpc.RpcError) -> str:
    """The ErrorInfo reason of a failed call (fails the test if there is none)."""
    status = rpc_status.from_call(error)
    assert status is not None, f"no google.rpc.Status on {error}"
    for detail in status.details:
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return info.reason
    raise AssertionError("no ErrorInfo in the status")
