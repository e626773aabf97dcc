"""Horizontal scale on one machine: worker nodes that mostly wait on the network.

Usage (from the repository root; PostgreSQL from ``make postgres``)::

    .venv/bin/python bench/scale.py            # 1, 2 and 4 worker nodes
    .venv/bin/python bench/scale.py --quick    # 1 and 2 nodes, fewer jobs

One PostgreSQL (a throwaway cluster, PostgreSQL's default durability), one
server node (``ilios server``), the fake Mistral API holding every OCR answer
300 ms (``--ocr-latency-ms 300``, its own process), and 1, 2 or 4 worker nodes
(``ilios workers``: one worker process each, ``MAX_CONCURRENT_JOBS=8``, the
Mistral engine). Each node is its own process tree with its own DATA_DIR, as
on its own host; they share only the database (and a blob directory declared
shared: the originals are small images kept inline in the database anyway).

Per run: the nodes start and register; ``JOBS_PER_NODE`` x nodes one-page PNG
documents go in through gRPC ``BatchSubmit``; the rate is the documents
completed after the first 10 % over the time from that completion to the last
(the database's own timestamps: a worker's first calls import the Mistral
SDK's modules); "whole run" counts from the first claim. Ideal: every slot
always waiting on an OCR call, nodes x 8 / 0.3 s.
Target: jobs/s grows with nodes, and 4 nodes reach >= 80 % of their ideal.
Informational PASS/MISS only.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import pathlib
import subprocess
import sys
import tempfile
import time

from PIL import Image, ImageDraw

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import grpc  # noqa: E402
from harness import child_env, descendants, start_ilios, wait_for  # noqa: E402
from pgcluster import Cluster, InspectablePostgres  # noqa: E402

from ilios.ready import read_ready  # noqa: E402
from ilios.v1 import conversion_service_pb2 as pb  # noqa: E402
from ilios.v1 import conversion_service_pb2_grpc as pb_grpc  # noqa: E402

OCR_LATENCY_MS = 300
SLOTS = 8  # MAX_CONCURRENT_JOBS per worker node
JOBS_PER_NODE = 400  # 15 s of ideal work per run
QUICK_JOBS_PER_NODE = 80
NODES = (1, 2, 4)
QUICK_NODES = (1, 2)
TARGET_SHARE_AT_4 = 0.80
DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
# The rate counts the documents completed after the first WARMUP_SHARE of them,
# over the time from that completion to the last: a worker's first calls load
# the Mistral SDK's modules (lazily imported) and open its connections.
WARMUP_SHARE = 0.1


def png(text: str) -> bytes:
    image = Image.new("RGB", (320, 80), "white")
    ImageDraw.Draw(image).text((10, 30), text, fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class Process:
    """An ``ilios`` command (or any module) in a session of its own, logging to a file."""

    def __init__(self, folder: pathlib.Path, args: list[str], env: dict[str, str]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.log = open(folder / "log", "ab")  # closed in stop
        self.proc = start_ilios(
            args, env, folder, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                for pid in [self.proc.pid, *descendants(self.proc.pid)]:
                    os.kill(pid, 9)
                self.proc.wait(30)
        self.log.close()


def fake_mistral(folder: pathlib.Path) -> tuple[subprocess.Popen[bytes], str]:
    folder.mkdir(parents=True, exist_ok=True)
    ready = folder / "fake.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ilios.fakes.mistral",
            "--port",
            "0",
            "--ready-file",
            str(ready),
            "--ocr-latency-ms",
            str(OCR_LATENCY_MS),
        ],
        env=child_env(),
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, f"http://127.0.0.1:{read_ready(ready, proc)['port']}"


def run(
    cluster: Cluster, nodes: int, jobs: int, root: pathlib.Path
) -> tuple[float, float, list[float]]:
    """One run; returns the steady rate (jobs/s, past the warm-up), the rate from
    the first claim to the last completion, and a job's median and p90
    milliseconds from its claim to its completion."""
    url = cluster.database()
    fake, fake_url = fake_mistral(root / "fake")
    common = {
        "DATABASE_URL": url,
        "BLOB_DIR_SHARED": "true",
        "BLOB_DIR": str(root / "shared-blobs"),
        "OCR_ENGINE": "mistral",
        "MISTRAL_API_KEY": "bench",
        "MISTRAL_SERVER_URL": fake_url,
        "LOG_LEVEL": "WARNING",
    }
    processes: list[Process] = []
    db = InspectablePostgres(url)
    try:
        server_dir = root / "server"
        server = Process(
            server_dir,
            ["server", "--ready-file", str(server_dir / "ready.json")],
            child_env(DATA_DIR=str(server_dir), GRPC_PORT="0", **common),
        )
        processes.append(server)
        port = read_ready(server_dir / "ready.json", server.proc)["port"]
        for index in range(nodes):
            folder = root / f"workers-{index}"
            env = child_env(
                DATA_DIR=str(folder), WORKER_COUNT="1", MAX_CONCURRENT_JOBS=str(SLOTS), **common
            )
            processes.append(Process(folder, ["workers"], env))

        def registered() -> bool:
            rows = db.conn.execute("SELECT count(*) AS n FROM workers WHERE state = 'active'")
            return rows[0]["n"] >= nodes

        wait_for(registered, 120, what=f"{nodes} worker nodes")
        time.sleep(1.0)  # let the nodes settle into their LISTEN
        files = [
            pb.FileSource(content=png(f"page {i}"), file_name=f"p{i}.png") for i in range(jobs)
        ]
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.ConversionServiceStub(channel)
            for start in range(0, jobs, 500):
                stub.BatchSubmit(
                    pb.BatchSubmitRequest(files=files[start : start + 500]), timeout=120
                )

        def finished() -> bool:
            rows = db.conn.execute(
                "SELECT count(*) AS n FROM documents WHERE state IN ('completed', 'failed')"
            )
            return rows[0]["n"] >= jobs

        wait_for(finished, 600, interval_s=0.2, what=f"{jobs} documents")
        failed = db.conn.execute("SELECT count(*) AS n FROM documents WHERE state = 'failed'")
        if failed[0]["n"]:
            raise RuntimeError(f"{failed[0]['n']} documents failed (see {root})")
        done = sorted(
            row["processed_at"] for row in db.conn.execute("SELECT processed_at FROM documents")
        )
        first = db.conn.execute("SELECT min(started_at) AS t FROM jobs")[0]["t"]
        skip = int(jobs * WARMUP_SHARE)
        steady = (jobs - skip) / ((done[-1] - done[skip - 1]) / 1000)
        whole = jobs / ((done[-1] - first) / 1000)
        held = db.conn.execute(
            "SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP "
            "(ORDER BY d.processed_at - j.started_at) AS q "
            "FROM jobs j JOIN documents d ON d.id = j.document_id"
        )[0]["q"]
        return steady, whole, held
    finally:
        for process in reversed(processes):
            process.stop()
        db.close()
        fake.terminate()
        fake.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="1 and 2 nodes, fewer jobs")
    args = parser.parse_args()
    per_node = QUICK_JOBS_PER_NODE if args.quick else JOBS_PER_NODE
    cluster = Cluster(settings=DURABLE).start()
    began = time.monotonic()
    print(
        f"Horizontal scale: worker nodes x {SLOTS} slots, fake Mistral OCR at "
        f"{OCR_LATENCY_MS} ms a call, PostgreSQL (fsync on); {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"  {'nodes':>5}  {'slots':>5}  {'jobs':>5}  {'jobs/s':>7}  {'ideal':>7}  "
        f"{'of ideal':>8}  {'whole run':>9}  {'job ms (median, p90)':>20}"
    )
    results: dict[int, float] = {}
    try:
        for nodes in QUICK_NODES if args.quick else NODES:
            jobs = per_node * nodes
            with tempfile.TemporaryDirectory(prefix="ilios-scale-") as tmp:
                rate, whole, held = run(cluster, nodes, jobs, pathlib.Path(tmp))
            ideal = nodes * SLOTS / (OCR_LATENCY_MS / 1000)
            results[nodes] = rate
            print(
                f"  {nodes:>5}  {nodes * SLOTS:>5}  {jobs:>5}  {rate:>7.1f}  {ideal:>7.1f}  "
                f"{rate / ideal:>8.0%}  {whole:>7.1f}/s  {held[0]:>9.0f}, {held[1]:>6.0f}"
            )
    finally:
        cluster.stop()
    counts = sorted(results)
    grows = all(results[b] > results[a] for a, b in itertools.pairwise(counts))
    print(f"\n  jobs/s grows with nodes: {'PASS' if grows else 'MISS'}")
    if 4 in results:
        share = results[4] / (4 * SLOTS / (OCR_LATENCY_MS / 1000))
        mark = "PASS" if share >= TARGET_SHARE_AT_4 else "MISS"
        print(f"  4 nodes reach {share:.0%} of ideal (target >= {TARGET_SHARE_AT_4:.0%}): {mark}")
    print(f"Total time {time.monotonic() - began:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
