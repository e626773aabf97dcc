"""``ilios serve``: one command that runs the server, the gateway and N workers
(``ilios workers``: the N workers alone, a worker node of a deployment on
many hosts).

Each part is a child process started with the same interpreter
(``python -m ilios.cli <part>``). The supervisor waits for each to
report ready (a JSON file with its pid and port), restarts any child that
dies, and when a worker dies it marks the worker dead and rescues its jobs at
once, without waiting for the heartbeat to go stale.

SIGTERM/SIGINT: the workers get SIGTERM and finish or give back their jobs
within ``SHUTDOWN_GRACE_S`` while the server keeps streaming to ``Convert``
callers; then the server and gateway stop, and the supervisor exits 0. A
second signal stops everything at once (workers give their jobs back). Each
child runs in its own process group and gets SIGTERM if the supervisor dies.
"""

from __future__ import annotations

import ctypes
import dataclasses
import logging
import os
import signal
import subprocess
import sys
import time
from types import FrameType

from ilios import node, wakeups
from ilios.config import Settings
from ilios.errors import IliosError
from ilios.ready import read_ready, write_ready
from ilios.store import Store, open_store

log = logging.getLogger("ilios.serve")

PR_SET_PDEATHSIG = 1  # linux/prctl.h
POLL_S = 0.2
RESTART_DELAY_S = 1.0  # after a crash, before starting the child again
READY_FILES = ("serve.json", "server.json", "gateway.json")


@dataclasses.dataclass
class Child:
    name: str
    args: list[str]
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    def start(self) -> None:
        cmd = [sys.executable, "-m", "ilios.cli", *self.args]
        # Its own process group: a terminal's Ctrl-C reaches the supervisor only,
        # which then stops the children in order.
        self.proc = subprocess.Popen(
            cmd, env=self.env, process_group=0, preexec_fn=_die_with_parent
        )

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else 0

    @property
    def is_worker(self) -> bool:
        return self.name.startswith("worker")

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def terminate(self) -> None:
        if self.alive:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGTERM)


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the supervisor dies, so no orphan outlives it."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    def __init__(self, settings: Settings, workers_only: bool = False) -> None:
        self.settings = settings
        self.workers_only = workers_only
        self.store: Store | None = None  # opened when a worker first dies
        self.ringer: wakeups.Ringer | None = None
        self.run_dir = settings.run_dir
        self.children: list[Child] = []
        self.signals = 0

    def _env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DATA_DIR": str(self.settings.data_dir.absolute()),
                "LOCAL_DB_PATH": str(self.settings.db_path.absolute()),
                "BLOB_DIR": str(self.settings.blob_dir.absolute()),
                "TMP_DIR": str(self.settings.tmp_dir.absolute()),
                "RUN_DIR": str(self.settings.run_dir.absolute()),
            }
        )
        env.update(extra)
        return env

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        """First signal: workers drain, then the rest stop. Second: everything stops now."""
        self.signals += 1
        for child in self.children:
            if self.signals == 1 and not child.is_worker:
                continue  # the server keeps serving Convert streams while workers drain
            child.terminate()

    def _stop_the_rest(self) -> None:
        """Once the workers are gone, stop the server and the gateway."""
        if self.signals and not any(c.alive for c in self.children if c.is_worker):
            for child in self.children:
                child.terminate()

    def run(self) -> int:
        try:
            self._start_all()
        except RuntimeError as exc:
            log.error("could not start: %s", exc)
            for child in self.children:
                child.terminate()
            return 1
        try:
            self._watch()
        finally:
            for name in READY_FILES:  # nothing listens any more
                (self.run_dir / name).unlink(missing_ok=True)
        return 0

    def _start_all(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "serve.json").unlink(missing_ok=True)
        if self.workers_only:
            for index in range(self.settings.worker_count):
                self._start(Child(f"worker-{index}", ["worker"], self._env()))
            log.info("Ilios workers are up: %d", self.settings.worker_count)
            return

        server_ready = self.run_dir / "server.json"
        server = Child("server", ["server", "--ready-file", str(server_ready)], self._env())
        self._start(server)
        grpc_port = read_ready(server_ready, server.proc)["port"]  # type: ignore[arg-type]
        target = f"127.0.0.1:{grpc_port}"
        # A restarted server binds the same port (GRPC_PORT=0 picked it), where the
        # gateway, and every client, keeps dialling.
        server.env["GRPC_PORT"] = str(grpc_port)

        gateway_ready = self.run_dir / "gateway.json"
        gateway = Child(
            "gateway",
            ["gateway", "--ready-file", str(gateway_ready)],
            self._env(GRPC_TARGET=target),
        )
        self._start(gateway)
        for index in range(self.settings.worker_count):
            self._start(Child(f"worker-{index}", ["worker"], self._env()))
        http_port = read_ready(gateway_ready, gateway.proc)["port"]  # type: ignore[arg-type]
        gateway.env["PORT"] = str(http_port)  # the same for a restarted gateway
        write_ready(self.run_dir / "serve.json", grpc_port=grpc_port, http_port=http_port)
        log.info(
            "Ilios is up: REST http://%s:%d  gRPC %s:%d  workers %d",
            self.settings.host,
            http_port,
            self.settings.host,
            grpc_port,
            self.settings.worker_count,
        )

    def _start(self, child: Child) -> None:
        child.start()
        self.children.append(child)

    def _watch(self) -> None:
        while True:
            alive = 0
            for child in self.children:
                assert child.proc is not None
                code = child.proc.poll()
                if code is None:
                    alive += 1
                    continue
                if self.signals:
                    continue
                log.warning(
                    "%s (pid %d) exited with status %s; restarting", child.name, child.pid, code
                )
                if child.is_worker:
                    self._rescue(child.pid)
                time.sleep(RESTART_DELAY_S if child.restarts else 0)
                child.restarts += 1
                child.start()
                alive += 1
            if alive == 0:
                return
            self._stop_the_rest()
            time.sleep(POLL_S)

    def _rescue(self, pid: int) -> None:
        """Mark a dead worker's row dead and return its jobs to the queue now.

        The database is opened here, when first needed, not while the
        supervisor only watches: an unreachable or locked database must not
        take it (and every process it runs) down. Then the server's rescuer
        finds the workers whose process is gone on its next pass.
        """
        try:
            if self.store is None:
                self.store = open_store(self.settings)
                self.ringer = wakeups.ringer(self.settings, self.store)
            self.store.workers.mark_pid_dead(pid, node.host_id())
            rescued = self.store.jobs.rescue(int(self.settings.worker_dead_after_s * 1000))
        except IliosError:
            log.warning("could not rescue the jobs of pid %d now; the server will", pid)
            return
        if self.ringer is not None:
            wakeups.announce_rescued(self.ringer, rescued)
