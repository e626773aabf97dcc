"""Benchmark Ilios: streaming one large file in, over gRPC and REST, into local disk and S3.

Usage (from the repository root)::

    .venv/bin/python bench/upload.py                 # full run, 1 GiB, a few minutes
    .venv/bin/python bench/upload.py --size-mb 512   # another size (MiB)
    .venv/bin/python bench/upload.py --quick         # 128 MiB, local backend only, ~30 s
    .venv/bin/python bench/upload.py --local         # 1 GiB, local backend only

Everything runs on this machine, in one temporary directory (removed at the end,
also on error), on 127.0.0.1:

1. Reference: ``dd if=/dev/zero bs=1M count=<size> conv=fdatasync`` into that
   directory (the disk the service writes its blobs to), in MB/s, before and
   after the uploads; the reference is the mean of the two.
2. One file of ``--size-mb`` MiB (random-ish bytes after a scripted-document
   header, so ``OCR_ENGINE=scripted`` accepts it) is streamed
   - through gRPC ``Upload`` with the Python client (``IliosClient.upload``: 2 MiB
     chunks, size and sha256 declared, so the server checks them) and
   - through REST ``POST /api/documents/submit`` (curl streams the open file as
     a multipart body; the gateway forwards it into a gRPC ``Upload``),
   into the local backend and into S3 (moto's ThreadedMotoServer in this process).
   Each transfer gets a fresh service (``ilios serve``: WORKER_COUNT=1,
   GATEWAY_WORKERS=1) with its own data directory, so each peak RSS (VmHWM, a
   process-lifetime peak read from /proc/<pid>/status right after the
   response) belongs to that one transfer. Throughput is the file size over the
   wall time of the upload call until its response (for the local backend that
   includes the service's fsync, as dd's includes its fdatasync).
3. Ratios against dd and the memory target, and a PASS/MISS table.

It prints figures and informational PASS/MISS marks; it asserts nothing about
time or memory and exits 0 unless something errors (an upload whose size or
sha256 comes back wrong is an error). Units: MB = 10**6 bytes (as dd prints),
MiB = 2**20 bytes (file sizes, memory), seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import importlib
import json
import logging
import os
import pathlib
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import grpc
from moto.server import ThreadedMotoServer

from ilios.client import IliosClient
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import conversion_service_pb2_grpc as pb_grpc
from ilios.worker.engines.scripted import script_document

ROOT = pathlib.Path(__file__).resolve().parent.parent
MIB = 1024 * 1024  # bytes
MB = 1_000_000  # bytes (dd's MB)
DEFAULT_SIZE_MIB = 1024
QUICK_SIZE_MIB = 128
FILE_BLOCK_BYTES = MIB  # block size when writing the test file
DEFAULT_MAX_FILE_BYTES = 1024 * MIB  # the service's default MAX_FILE_SIZE
FREE_SPACE_FACTOR = 6  # file sizes on disk at once: test file, 2 moto objects, spools
UPLOAD_TIMEOUT_S = 900.0
GATEWAY_READY_S = 30.0
POLL_S = 0.1

TARGET_GRPC_VS_DD = 0.5  # gRPC -> local MB/s / dd MB/s, at least
TARGET_REST_VS_DD = 0.4  # REST -> local MB/s / dd MB/s, at least
TARGET_PEAK_RSS_MIB = 150e6 / 2**20  # 150 MB (143 MiB): VmHWM of every service process, below

BUCKET = "ilios-bench"
S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_REGION": "us-east-1",
}
SERVICE_ENV = {
    "HOST": "127.0.0.1",
    "OCR_ENGINE": "scripted",
    "WORKER_COUNT": "1",
    "GATEWAY_WORKERS": "1",
    # After a REST submit the worker converts the document (with S3 it first downloads
    # all of it from moto): not part of any measurement, so stopping the service
    # gives that job back after 1 s instead of waiting up to 30 s for it.
    "SHUTDOWN_GRACE_S": "1",
    "LOG_LEVEL": "ERROR",  # that job's give-back is logged as a warning
}


# --- /proc ------------------------------------------------------------------------


def proc_status_mib(pid: int, field: str) -> float:
    """One kB field of /proc/<pid>/status (``VmHWM``, ``VmRSS``), in MiB."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


def proc_stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (state is index 0)."""
    return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds used so far by one process (all its threads)."""
    fields = proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_minor_faults(pid: int) -> int:
    """Minor page faults so far in one process (a fresh 1 MiB buffer costs 256)."""
    return int(proc_stat(pid)[7])


def client_cpu_s() -> float:
    """User + system CPU seconds used so far by this process (all threads) and by its
    children that ended (curl; the service is still running while this is read)."""
    own, ended = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime


# --- the reference: dd ------------------------------------------------------------


def dd_mb_s(folder: pathlib.Path, size_mib: int) -> float:
    """Write ``size_mib`` MiB of zeros with dd (fdatasync at the end); MB/s. File removed."""
    target = folder / "dd.bin"
    started = time.perf_counter()
    try:
        result = subprocess.run(
            ["dd", "if=/dev/zero", f"of={target}", "bs=1M", f"count={size_mib}", "conv=fdatasync"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "LC_ALL": "C"},
        )
        wall_s = time.perf_counter() - started
    finally:
        target.unlink(missing_ok=True)
    # "1073741824 bytes (1.1 GB, 1.0 GiB) copied, 4.81 s, 223 MB/s"
    found = re.search(r"^(\d+) bytes .*copied, ([\d.]+) s", result.stderr, re.MULTILINE)
    if found:
        return int(found[1]) / float(found[2]) / MB
    return size_mib * MIB / wall_s / MB


# --- the test file ------------------------------------------------------------------


def write_test_file(path: pathlib.Path, size: int) -> str:
    """Write ``size`` bytes: a scripted-document header, then random-ish blocks; its sha256.

    Every 1 MiB block is one random block with its first 8 bytes replaced by the
    block's number, so no two blocks are equal. Synced, so its write-back does not
    overlap the measurements.
    """
    head = script_document(pages=1)
    digest = hashlib.sha256(head)
    block = bytearray(os.urandom(FILE_BLOCK_BYTES))
    with path.open("wb") as out:
        out.write(head)
        written = len(head)
        number = 0
        while written < size:
            block[:8] = number.to_bytes(8, "little")
            piece = memoryview(block)[: min(FILE_BLOCK_BYTES, size - written)]
            out.write(piece)
            digest.update(piece)
            written += len(piece)
            number += 1
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


# --- S3 (moto) ----------------------------------------------------------------------


@contextlib.contextmanager
def moto_s3(spool_dir: pathlib.Path) -> Iterator[str]:
    """A moto S3 server on 127.0.0.1 with the bench bucket; yields its URL.

    moto spools object bodies through ``tempfile``: its directory is pointed into
    ``spool_dir`` (inside the bench directory) while the server runs, so the
    objects go when that directory does. Objects are not deleted between runs: a
    worker still reading one while it is deleted makes moto fail loudly. Its
    per-request log lines (werkzeug, INFO) are silenced.
    """
    spool_dir.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    saved_tempdir = tempfile.tempdir
    tempfile.tempdir = str(spool_dir)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        url = f"http://127.0.0.1:{server._server.server_address[1]}"
        s3_client(url).create_bucket(Bucket=BUCKET)
        yield url
    finally:
        server.stop()
        tempfile.tempdir = saved_tempdir


def s3_client(url: str) -> Any:
    """A boto3 S3 client for the moto server at ``url``."""
    return boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=S3_CREDENTIALS["AWS_REGION"],
    )


# --- the service ----------------------------------------------------------------------


def import_harness() -> ModuleType:
    """The integration tests' ``harness`` module (tests/ on sys.path)."""
    sys.path.insert(0, str(ROOT / "tests"))
    return importlib.import_module("harness")


def service_env(size: int, s3_url: str | None) -> dict[str, str]:
    """Environment for one ``ilios serve``: the bench settings, S3 when ``s3_url`` is set."""
    env = dict(SERVICE_ENV)
    if size > DEFAULT_MAX_FILE_BYTES:
        env["MAX_FILE_SIZE"] = str(size)
    if s3_url:
        env.update(S3_BUCKET=BUCKET, AWS_ENDPOINT_URL_S3=s3_url, **S3_CREDENTIALS)
    return env


def role_pids(data_dir: pathlib.Path) -> dict[str, int]:
    """Pids of the server and the gateway process, from their ready files."""
    run = data_dir / "run"
    return {
        role: json.loads((run / f"{role}.json").read_text())["pid"]
        for role in ("server", "gateway")
    }


# --- the transfers -----------------------------------------------------------------------


def grpc_upload(target: str, path: pathlib.Path, size: int, sha256: str) -> float:
    """Stream ``path`` with the Python client's ``upload`` (2 MiB chunks, size and sha256
    declared, so the server checks them); wall seconds to the reply.

    The sha256 is passed in, so the client does not read the file first to compute it.
    """
    with IliosClient(target, timeout_s=GATEWAY_READY_S) as client:
        grpc.channel_ready_future(client.channel).result(timeout=GATEWAY_READY_S)
        started = time.perf_counter()
        client.upload(path, sha256=sha256)  # a wrong size or sha256 raises
        return time.perf_counter() - started


def rest_upload(url: str, target: str, path: pathlib.Path, size: int, sha256: str) -> float:
    """POST ``path`` as multipart to /api/documents/submit with curl; wall seconds to
    the response.

    curl is the REST client the README shows (``curl -F file=@...``); it streams the
    file with a Content-Length. The stored document's size and sha256 are checked
    afterwards through gRPC (not timed).
    """
    command = [
        "curl",
        "--silent",
        "--show-error",
        "--fail-with-body",
        "--max-time",
        str(UPLOAD_TIMEOUT_S),
        "-F",
        f"file=@{path};type=application/pdf",
        f"{url}/api/documents/submit",
    ]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wall_s = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(
            f"REST upload: curl exit {result.returncode}: {result.stderr.strip()} "
            f"{result.stdout[:500]}"
        )
    document_id = json.loads(result.stdout)["id"]
    with grpc.insecure_channel(target) as channel:
        stub = pb_grpc.ConversionServiceStub(channel)
        doc = stub.GetDocument(pb.GetDocumentRequest(document_id=document_id), timeout=30).document
    if doc.size_bytes != size or doc.sha256 != sha256:
        raise RuntimeError(f"REST upload stored {doc.size_bytes} bytes, sha256 {doc.sha256}")
    return wall_s


@dataclasses.dataclass
class Run:
    """One transfer: throughput (MB/s), peaks (MiB) and CPU seconds by process."""

    transport: str  # "gRPC" or "REST"
    backend: str  # "local" or "S3"
    size: int  # bytes
    wall_s: float
    peak_mib: dict[str, float]  # VmHWM right after the response, by role
    start_mib: dict[str, float]  # VmHWM right after start-up (before the transfer)
    cpu_s: dict[str, float]  # CPU seconds during the transfer, by role and "bench"
    faults: dict[str, int]  # minor page faults during the transfer, by role
    load: tuple[float, float]  # 1-minute load average before and after the transfer

    @property
    def mb_s(self) -> float:
        return self.size / self.wall_s / MB

    @property
    def label(self) -> str:
        return f"{self.transport} -> {self.backend}"


def run_transfer(
    harness: ModuleType,
    work: pathlib.Path,
    path: pathlib.Path,
    sha256: str,
    transport: str,
    s3_url: str | None,
) -> Run:
    """Start a fresh service, do one transfer, read its peaks, stop it, remove its data."""
    backend = "S3" if s3_url else "local"
    size = path.stat().st_size
    data_dir = work / f"svc-{transport.lower()}-{backend.lower()}"
    service = harness.Service(data_dir, **service_env(size, s3_url))
    try:
        service.start()
        service.wait_healthy(GATEWAY_READY_S)
        pids = role_pids(data_dir)
        roles = ("server", "gateway") if transport == "REST" else ("server",)
        start_mib = {role: proc_status_mib(pids[role], "VmHWM") for role in roles}
        load_before = os.getloadavg()[0]
        cpu_before = {role: proc_cpu_s(pids[role]) for role in roles} | {"bench": client_cpu_s()}
        faults_before = {role: proc_minor_faults(pids[role]) for role in roles}
        if transport == "gRPC":
            wall_s = grpc_upload(service.grpc_target, path, size, sha256)
        else:
            wall_s = rest_upload(service.url, service.grpc_target, path, size, sha256)
        cpu_after = {role: proc_cpu_s(pids[role]) for role in roles} | {"bench": client_cpu_s()}
        faults = {role: proc_minor_faults(pids[role]) - faults_before[role] for role in roles}
        peak_mib = {role: proc_status_mib(pids[role], "VmHWM") for role in roles}
        load = (load_before, os.getloadavg()[0])
    finally:
        service.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    cpu = {role: cpu_after[role] - cpu_before[role] for role in cpu_after}
    return Run(transport, backend, size, wall_s, peak_mib, start_mib, cpu, faults, load)


# --- printing ---------------------------------------------------------------------------


def mark(ok: bool) -> str:
    """PASS or MISS (informational)."""
    return "PASS" if ok else "MISS"


def print_run(run: Run) -> None:
    """One transfer's figures: MB/s, peak RSS, CPU seconds and page faults by process."""
    peaks = ", ".join(
        f"{role} {run.peak_mib[role]:.0f} MiB (at start {run.start_mib[role]:.0f})"
        for role in run.peak_mib
    )
    bench_role = "bench (client + moto)" if run.backend == "S3" else "bench (client)"
    cpu = ", ".join(
        f"{bench_role if role == 'bench' else role} {seconds:.1f} s"
        for role, seconds in run.cpu_s.items()
    )
    faults = ", ".join(
        f"{role} {count / (run.size / MIB):.0f}" for role, count in run.faults.items()
    )
    print(
        f"{run.label:<14} {run.size / MIB:.0f} MiB in {run.wall_s:6.2f} s = "
        f"{run.mb_s:6.1f} MB/s\n"
        f"{'':<14} peak RSS (VmHWM): {peaks}\n"
        f"{'':<14} CPU during the transfer: {cpu} "
        f"(of {run.wall_s * len(os.sched_getaffinity(0)):.1f} core-s on this machine); "
        f"load average {run.load[0]:.1f} -> {run.load[1]:.1f}\n"
        f"{'':<14} minor page faults per MiB moved: {faults}"
    )


TABLE_WIDTHS = (16, 8, 6, 8, 5, 11, 12, 6)  # characters per column


def table_row(cells: tuple[str, ...]) -> str:
    """One line of the summary table: the label left-aligned, figures right-aligned."""
    label, *rest = cells
    figures = (f"{cell:>{width}}" for cell, width in zip(rest, TABLE_WIDTHS[1:], strict=False))
    return f"{label:<{TABLE_WIDTHS[0]}}  " + "  ".join(figures)


def print_summary(dd: float, runs: list[Run], with_s3: bool) -> None:
    """The table: MB/s, ratio to dd, targets, peaks; PASS/MISS is informational."""
    targets = {("gRPC", "local"): TARGET_GRPC_VS_DD, ("REST", "local"): TARGET_REST_VS_DD}
    print("\n== Summary (informational: PASS/MISS never fails the run) ==")
    print(table_row(("", "MB/s", "x dd", "target", "", "server MiB", "gateway MiB", "< 150 MB")))
    print(table_row(("dd (mean of 2)", f"{dd:.1f}", "1.00")))
    all_peaks_ok = True
    for run in runs:
        target = targets.get((run.transport, run.backend))
        ratio = run.mb_s / dd
        peaks_ok = all(p < TARGET_PEAK_RSS_MIB for p in run.peak_mib.values())
        all_peaks_ok &= peaks_ok
        cells = (
            run.label,
            f"{run.mb_s:.1f}",
            f"{ratio:.2f}",
            f">= {target}" if target else "none",
            mark(ratio >= target) if target else "",
            f"{run.peak_mib['server']:.0f}",
            f"{run.peak_mib['gateway']:.0f}" if "gateway" in run.peak_mib else "-",
            mark(peaks_ok),
        )
        print(table_row(cells))
    print(
        f"peak RSS < 150 MB ({TARGET_PEAK_RSS_MIB:.0f} MiB) in every process: {mark(all_peaks_ok)}"
    )
    if with_s3:
        print(
            "S3 figures are against moto in this process (its CPU counts as 'bench'), "
            "not a real S3 endpoint: compare them with each other, not with dd."
        )
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    verdict = "other work skews every figure" if load > cores else "below the core count"
    print(f"the machine's 1-minute load average is {load:.1f} on {cores} cores: {verdict}")


def print_setup(work: pathlib.Path, size: int, backends: list[str]) -> None:
    """Machine, disk and service settings."""
    cores = len(os.sched_getaffinity(0))
    disk = subprocess.run(
        ["df", "--output=source,fstype,avail", "-h", str(work)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()[-1:]
    print(
        f"machine: {os.cpu_count()} cores ({cores} usable here), {platform.system()} "
        f"{platform.machine()}, Python {platform.python_version()}; load average (1 min) "
        f"{os.getloadavg()[0]:.1f} before the run"
    )
    print(f"disk: {work} on {' '.join(disk[0].split()) if disk else '?'} (source fstype avail)")
    print(
        f"service: ilios serve, {' '.join(f'{k}={v}' for k, v in SERVICE_ENV.items())}; "
        f"a fresh service (and data directory) per transfer; backends: {', '.join(backends)}"
    )
    moto = ", moto's S3 server" if "S3" in backends else ""
    print(
        f"clients: this Python process (IliosClient over grpcio{moto}) and curl (REST), "
        f"on the same {cores} cores as "
        f"the service; file {size / MIB:.0f} MiB; all traffic on 127.0.0.1"
    )


# --- the run ------------------------------------------------------------------------------


def check_free_space(folder: pathlib.Path, size: int) -> None:
    """Refuse to start unless the disk has room for everything a run writes at once."""
    free = shutil.disk_usage(folder).free
    if free < FREE_SPACE_FACTOR * size:
        raise RuntimeError(
            f"{folder} has {free / MIB:.0f} MiB free; this run needs "
            f"{FREE_SPACE_FACTOR * size / MIB:.0f} MiB"
        )


def bench(size_mib: int, with_s3: bool) -> None:
    """dd, then every transfer, then the summary; the temporary directory is always removed."""
    harness = import_harness()
    size = size_mib * MIB
    backends = ["local", "S3"] if with_s3 else ["local"]
    with tempfile.TemporaryDirectory(prefix="ilios-bench-upload-") as tmp:
        work = pathlib.Path(tmp)
        check_free_space(work, size)
        print_setup(work, size, backends)

        print(
            f"\n-- 1. Disk reference: dd bs=1M count={size_mib} conv=fdatasync, "
            "now and again after the uploads --"
        )
        dd_before = dd_mb_s(work, size_mib)
        print(f"dd: {dd_before:.1f} MB/s")

        print(f"\n-- 2. Uploads of one {size_mib} MiB file --")
        path = work / "big.pdf"
        started = time.perf_counter()
        sha256 = write_test_file(path, size)
        print(f"test file written and synced in {time.perf_counter() - started:.1f} s")
        runs: list[Run] = []
        for transport in ("gRPC", "REST"):
            runs.append(run_transfer(harness, work, path, sha256, transport, None))
            print_run(runs[-1])
        if with_s3:
            with moto_s3(work / "moto") as s3_url:
                for transport in ("gRPC", "REST"):
                    runs.append(run_transfer(harness, work, path, sha256, transport, s3_url))
                    print_run(runs[-1])
        dd_after = dd_mb_s(work, size_mib)
        dd = (dd_before + dd_after) / 2
        print(f"\ndd again: {dd_after:.1f} MB/s; the reference is the mean, {dd:.1f} MB/s")
        print_summary(dd, runs, with_s3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size-mb", type=int, default=DEFAULT_SIZE_MIB, help="file size in MiB (default 1024)"
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_SIZE_MIB} MiB, local backend only (~30 s)"
    )
    parser.add_argument("--local", action="store_true", help="local backend only (no S3)")
    args = parser.parse_args(argv)
    if args.size_mb < 1:
        parser.error("--size-mb must be at least 1")
    size_mib = QUICK_SIZE_MIB if args.quick else args.size_mb
    mode = "quick" if args.quick else "local only" if args.local else "full"
    print(f"== Ilios upload bench ({mode}, {size_mib} MiB) ==")
    started = time.perf_counter()
    bench(size_mib, with_s3=not (args.quick or args.local))
    print(f"total bench time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
