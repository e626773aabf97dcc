"""Many nodes, one PostgreSQL, one S3: nothing lost when a node dies.

One PostgreSQL cluster, the moto S3 server, two server nodes, two gateways
and three worker nodes (``ilios workers``), each its own process tree (its
own session) with its own DATA_DIR and ports. A 200-document batch goes in
through gateway A and is polled and downloaded through gateway B; a Convert
through server B streams pages that a worker node produced; a worker node,
then server A, are SIGKILLed mid-batch, and PostgreSQL restarts mid-batch.
Every document completes exactly once: the scripted engine's log shows
at-least-once execution, the results tables one result each.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import pathlib
import signal
import subprocess
import threading

import grpc
import httpx
import pytest
from harness import child_env, descendants, start_ilios, wait_for
from pgcluster import Cluster, InspectablePostgres
from test_storage import BUCKET, S3Server, s3_env

from ilios.ready import read_ready
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import conversion_service_pb2_grpc as pb_grpc
from ilios.worker.engines.scripted import script_document

DOCUMENTS = 200
PAGE_MS = 120  # one page each: ~4 s of work per slot for the batch, 6 slots


class Node:
    """One process tree: an ``ilios`` command in a session of its own."""

    def __init__(self, name: str, root: pathlib.Path, args: list[str], env: dict[str, str]):
        self.name = name
        self.dir = root / name
        self.dir.mkdir(parents=True)
        self.ready = self.dir / "ready.json"
        if args[0] in ("server", "gateway"):
            args = [*args, "--ready-file", str(self.ready)]
        self.log = open(self.dir / "log", "ab")  # the node's, closed in kill
        self.proc = start_ilios(
            args,
            child_env(DATA_DIR=str(self.dir), **env),
            self.dir,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def port(self) -> int:
        return read_ready(self.ready, self.proc)["port"]

    def kill(self) -> None:
        """SIGKILL the whole tree at once (a host that vanished): the node's
        children run in process groups of their own."""
        for pid in [self.proc.pid, *descendants(self.proc.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(30)
        self.log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture
def cluster():
    started = Cluster().start()
    yield started
    started.stop()


def executions(log: pathlib.Path) -> collections.Counter[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    return collections.Counter(line.split()[0] for line in lines)


def runs_in(log: pathlib.Path) -> dict[str, set[int]]:
    """The pids each document ran in."""
    out: dict[str, set[int]] = collections.defaultdict(set)
    for line in log.read_text().splitlines():
        key, pid, _ = line.split()
        out[key].add(int(pid))
    return out


def test_nodes_share_one_queue_and_lose_nothing(tmp_path, cluster):
    s3 = S3Server().start()
    s3.client().create_bucket(Bucket=BUCKET)
    log = tmp_path / "executions.log"
    url = cluster.database()
    common = s3_env(
        s3,
        DATABASE_URL=url,
        OCR_ENGINE="scripted",
        ILIOS_SCRIPTED_LOG=str(log),
        WORKER_HEARTBEAT_S="0.5",
        WORKER_DEAD_AFTER_S="3",
        RETRY_BACKOFF_S="0.2",
        LOG_LEVEL="WARNING",
        INLINE_MAX_BYTES="0",
    )
    nodes: list[Node] = []
    db = InspectablePostgres(url)
    try:
        server_a = Node("server-a", tmp_path, ["server"], {**common, "GRPC_PORT": "0"})
        server_b = Node("server-b", tmp_path, ["server"], {**common, "GRPC_PORT": "0"})
        nodes += [server_a, server_b]
        target_a, target_b = (f"127.0.0.1:{node.port()}" for node in (server_a, server_b))
        gateway_a = Node("gateway-a", tmp_path, ["gateway"], {"PORT": "0", "GRPC_TARGET": target_a})
        gateway_b = Node("gateway-b", tmp_path, ["gateway"], {"PORT": "0", "GRPC_TARGET": target_b})
        nodes += [gateway_a, gateway_b]
        workers = [
            Node(
                f"workers-{i}",
                tmp_path,
                ["workers"],
                {**common, "WORKER_COUNT": "1", "MAX_CONCURRENT_JOBS": "2"},
            )
            for i in range(3)
        ]
        nodes += workers
        url_a, url_b = (f"http://127.0.0.1:{node.port()}" for node in (gateway_a, gateway_b))

        def live_workers() -> list[dict]:
            return db.conn.execute("SELECT id, pid FROM workers WHERE state = 'active'")

        wait_for(lambda: len(live_workers()) == 3, 120, what="three worker nodes")

        # --- a batch in through gateway A -------------------------------------------------
        files = [
            ("files", (f"d{i:03d}.pdf", script_document(n=i, page_ms=PAGE_MS)))
            for i in range(DOCUMENTS)
        ]
        r = httpx.post(f"{url_a}/v1/batch/submit", files=files, timeout=120)
        assert r.status_code == 202, r.text[:300]
        batch_id = r.json()["batchId"]

        def completed() -> int:
            rows = db.conn.execute(
                "SELECT count(*) AS n FROM documents WHERE batch_id = :b AND state = 'completed'",
                {"b": batch_id},
            )
            return rows[0]["n"]

        # --- a Convert through server B, converted on a worker node ------------------------
        events: list[pb.ConvertResponse] = []

        def convert() -> None:
            with grpc.insecure_channel(target_b) as channel:
                request = pb.ConvertRequest(
                    file=pb.FileSource(
                        content=script_document(pages=3, page_ms=150, convert=True),
                        file_name="c.pdf",
                    )
                )
                events.extend(pb_grpc.ConversionServiceStub(channel).Convert(request, timeout=120))

        streaming = threading.Thread(target=convert)
        streaming.start()
        streaming.join(120)
        kinds = [e.WhichOneof("event") for e in events]
        assert kinds == ["accepted", "page", "page", "page", "completed"]
        converted = events[-1].completed.document.id
        worker_pids = {row["pid"] for row in live_workers()}
        key = db.conn.execute("SELECT blob_key FROM documents WHERE id = :d", {"d": converted})
        ran_in = runs_in(log)[key[0]["blob_key"].rpartition("/")[2]]
        assert ran_in and ran_in <= worker_pids  # a worker node's process, not server B's
        assert completed() < DOCUMENTS, "the batch finished before the faults; slow it down"

        # --- SIGKILL a worker node while it holds jobs, then server A -----------------------
        victim_pids: set[int] = set()

        def held(pids: set[int]) -> list[dict]:
            """The jobs these processes' worker holds, uncommitted."""
            return db.conn.execute(
                "SELECT d.blob_key FROM jobs j JOIN workers w ON w.id = j.worker_id "
                "JOIN documents d ON d.id = j.document_id "
                "WHERE j.state = 'processing' AND w.pid = ANY(:pids)",
                {"pids": list(pids)},
            )

        for victim in workers[:2]:  # a job may commit between the check and the kill: try again
            pids = {victim.proc.pid, *descendants(victim.proc.pid)}
            victim_pids |= pids

            def victim_busy(pids: set[int] = pids) -> bool:
                """The victim runs a job: the engine started it (its log says so) and
                the job is still the victim's, uncommitted."""
                started = {key for key, ran in runs_in(log).items() if ran & pids}
                return any(row["blob_key"].rpartition("/")[2] in started for row in held(pids))

            wait_for(victim_busy, 30, interval_s=0.005, what="the victim to run a job")
            victim.kill()
            if held(pids):  # killed holding a job, which must run again elsewhere
                break
        assert held(victim_pids), "no worker node was killed while it held a job"
        wait_for(lambda: completed() >= 60, 120, what="progress after the worker node died")
        server_a.kill()
        assert completed() < DOCUMENTS, "the batch finished before server A died"

        # --- PostgreSQL restarts mid-batch ------------------------------------------------
        wait_for(lambda: completed() >= 90, 120, what="progress after server A died")
        cluster.restart()
        assert completed() < DOCUMENTS, "the batch finished before PostgreSQL restarted"

        # --- polled and downloaded through gateway B ----------------------------------------
        def done() -> dict | None:
            try:
                status = httpx.get(f"{url_b}/v1/batch/status/{batch_id}", timeout=10)
            except httpx.HTTPError:
                return None
            if status.status_code == 503:  # the database was restarting: a reason, not a hang
                assert status.json()["reason"] in ("DATABASE_UNAVAILABLE", "SERVICE_UNAVAILABLE")
                return None
            body = status.json()
            return body if body["status"] == "completed" else None

        wait_for(done, 180, interval_s=0.2, what="the batch through gateway B")
        download = httpx.get(f"{url_b}/v1/batch/download/{batch_id}?format=jsonl", timeout=60)
        lines = [json.loads(line) for line in download.text.splitlines() if line]
        assert [d["fileName"] for d in lines] == [f"d{i:03d}.pdf" for i in range(DOCUMENTS)]
        assert all(d["status"] == "completed" for d in lines)

        # --- exactly-once results, at-least-once execution ---------------------------------
        docs = db.conn.execute(
            "SELECT id, blob_key FROM documents WHERE batch_id = :b", {"b": batch_id}
        )
        ids = {row["id"] for row in docs}
        pages = collections.Counter(
            r["document_id"] for r in db.conn.execute("SELECT document_id FROM pages")
        )
        usage = collections.Counter(
            r["document_id"] for r in db.conn.execute("SELECT document_id FROM usage")
        )
        assert {d: pages[d] for d in ids} == {d: 1 for d in ids}
        assert {d: usage[d] for d in ids} == {d: 1 for d in ids}
        ran = executions(log)
        keys = {row["blob_key"].rpartition("/")[2] for row in docs}
        assert all(ran[k] >= 1 for k in keys)
        again = {k for k in keys if ran[k] > 1}
        assert again, "the killed worker node's jobs ran again elsewhere"
        by = runs_in(log)
        assert all(by[k] & victim_pids for k in again)  # each was the victim's first
        states = db.conn.execute("SELECT DISTINCT state FROM jobs WHERE state <> 'completed'")
        assert states == []
    finally:
        for node in reversed(nodes):
            node.stop()
        db.close()
        s3.stop()
