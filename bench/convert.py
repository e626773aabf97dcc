"""Benchmark Ilios: Convert latency (gRPC vs REST) and status-call throughput.

Usage (from the repository root)::

    .venv/bin/python bench/convert.py            # full run, about 1-3 minutes
    .venv/bin/python bench/convert.py --quick    # smoke run, about 30 s

It starts one real service (``ilios serve``: WORKER_COUNT=2, GATEWAY_WORKERS=2)
on free 127.0.0.1 ports with a private data directory, then measures:

1. Convert latency of a 20-page text PDF: gRPC ``Convert`` (time to the first
   ``page`` event and to ``completed``) and REST ``POST /v1/convert`` (time to
   the first body byte and to the last one: REST answers with the whole
   document, so both columns are close to "last page").
2. Cheap-call throughput: ``GetDocument`` over gRPC directly vs
   ``GET /api/documents/status/{id}`` through the gateway, at a fixed number
   of requests in flight. Each load generator runs in its own process
   (``--load``), but on the same machine and cores as the service.

It prints figures and informational PASS/MISS marks; it asserts nothing about
time and exits 0 unless something errors. Times are seconds internally and
printed in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib
import json
import math
import os
import pathlib
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import httpx

from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import conversion_service_pb2_grpc as pb_grpc

BENCH_DIR = pathlib.Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
SERVICE_ENV = {"WORKER_COUNT": "2", "GATEWAY_WORKERS": "2"}
PDF_PAGES = 20
WARMUP_CONVERSIONS = 2  # per transport, not timed
RUNS = 10  # timed conversions per transport
QUICK_RUNS = 3
CONVERT_TIMEOUT_S = 120.0

STATUS_REQUESTS = 3000  # timed requests per load phase
STATUS_WARMUP = 300  # untimed requests before each phase
QUICK_STATUS_REQUESTS = 300
QUICK_STATUS_WARMUP = 50
CONCURRENCY = 16  # requests in flight per load phase
UNLOADED_REQUESTS = 200  # timed requests at 1 in flight (latency without queueing)
QUICK_UNLOADED_REQUESTS = 50
UNLOADED_WARMUP = 20
LOAD_CAP_S = 30.0  # a phase stops after this long even if requests remain
QUICK_LOAD_CAP_S = 10.0
REQUEST_TIMEOUT_S = 10.0
GATEWAY_READY_S = 30.0

TARGET_FIRST_LAST = 0.33  # gRPC first page / last page, lower is better
TARGET_RPS_RATIO = 0.5  # gateway rps / direct rps, higher is better
TARGET_ADDED_P50_MS = 7.0  # gateway p50 - direct p50, lower is better

GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", 80 * 1024 * 1024),
    ("grpc.max_send_message_length", 80 * 1024 * 1024),
]


@dataclasses.dataclass(frozen=True)
class Plan:
    """How much to run: conversion counts, request counts, time cap (s)."""

    runs: int
    status_requests: int
    status_warmup: int
    unloaded_requests: int
    load_cap_s: float


FULL = Plan(RUNS, STATUS_REQUESTS, STATUS_WARMUP, UNLOADED_REQUESTS, LOAD_CAP_S)
QUICK = Plan(
    QUICK_RUNS,
    QUICK_STATUS_REQUESTS,
    QUICK_STATUS_WARMUP,
    QUICK_UNLOADED_REQUESTS,
    QUICK_LOAD_CAP_S,
)


# --- statistics ----------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile ``q`` (0-100) of ``values``, in their unit."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    """Seconds formatted as milliseconds."""
    return f"{seconds * 1000:8.1f}"


def mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# --- convert latency -----------------------------------------------------------


@dataclasses.dataclass
class ConvertTiming:
    """One conversion, seconds from the call's start; ``worker_s`` is server-reported."""

    first_s: float  # gRPC: first page event; REST: first body byte
    last_s: float  # gRPC: completed event; REST: last body byte
    worker_s: float  # the document's processing time as the server reports it
    accepted_s: float = 0.0  # gRPC only: the accepted event
    document_id: str = ""


def grpc_convert(stub: pb_grpc.ConversionServiceStub, pdf: bytes) -> ConvertTiming:
    """One gRPC Convert of ``pdf``, timed from the call's start (s)."""
    request = pb.ConvertRequest(file=pb.FileSource(content=pdf, file_name="report.pdf"))
    start = time.perf_counter()
    accepted = first = 0.0
    pages = 0
    for event in stub.Convert(request, timeout=CONVERT_TIMEOUT_S):
        now = time.perf_counter() - start
        kind = event.WhichOneof("event")
        if kind == "accepted":
            accepted = now
        elif kind == "page":
            pages += 1
            first = first or now
        elif kind == "completed":
            doc = event.completed.document
            if pages != PDF_PAGES:
                raise RuntimeError(f"gRPC Convert streamed {pages} pages, not {PDF_PAGES}")
            return ConvertTiming(first, now, doc.processing_time_ms / 1000, accepted, doc.id)
    raise RuntimeError("gRPC Convert ended without a completed event")


def rest_convert(client: httpx.Client, pdf: bytes) -> ConvertTiming:
    """One REST POST /v1/convert of ``pdf``, streamed: first and last body byte (s)."""
    files = {"file": ("report.pdf", pdf, "application/pdf")}
    start = time.perf_counter()
    first = 0.0
    with client.stream("POST", "/v1/convert", files=files) as response:
        for chunk in response.iter_raw():
            if chunk and not first:
                first = time.perf_counter() - start
        last = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"POST /v1/convert answered {response.status_code}")
        pages = int(response.headers.get("x-extracted-pages", "0"))
        if pages != PDF_PAGES:
            raise RuntimeError(f"POST /v1/convert extracted {pages} pages, not {PDF_PAGES}")
        worker_s = int(response.headers.get("x-processing-time-ms", "0")) / 1000
    return ConvertTiming(first or last, last, worker_s, 0.0, response.headers["x-document-id"])


def measure(convert: Callable[[], ConvertTiming], runs: int) -> list[ConvertTiming]:
    """Warm up, then time ``runs`` conversions one after another."""
    for _ in range(WARMUP_CONVERSIONS):
        convert()
    return [convert() for _ in range(runs)]


def print_convert(
    name: str, timings: list[ConvertTiming], first_label: str, last_label: str
) -> None:
    """One block of median/p90 lines (ms) for a transport's conversions."""
    print(f"  {name} (n={len(timings)}){'':10}median ms   p90 ms")
    rows = [
        (first_label, [t.first_s for t in timings]),
        (last_label, [t.last_s for t in timings]),
        ("worker processing (server-reported)", [t.worker_s for t in timings]),
    ]
    if any(t.accepted_s for t in timings):
        rows.insert(0, ("accepted event", [t.accepted_s for t in timings]))
    for label, values in rows:
        print(f"    {label:36} {ms(statistics.median(values))} {ms(percentile(values, 90))}")


# --- CPU accounting (Linux /proc) ------------------------------------------------


def cpu_s() -> float:
    """User + system CPU seconds used so far by this process (all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def service_cpu(root_pid: int) -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) of each live process under ``root_pid``, with its role.

    Role is the ``ilios`` subcommand of the supervisor's child (server, gateway,
    worker); descendants inherit it. Linux /proc only; {} elsewhere.
    """
    proc = pathlib.Path("/proc")
    if not (proc / str(root_pid)).exists():
        return {}
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    out: dict[int, tuple[str, float]] = {root_pid: ("supervisor", cpu.get(root_pid, 0.0))}
    frontier = [root_pid]
    while frontier:
        pid = frontier.pop()
        for child in (c for c, p in parent.items() if p == pid):
            role = out[pid][0]
            if pid == root_pid:
                try:
                    args = (proc / str(child) / "cmdline").read_bytes().split(b"\0")
                    role = args[args.index(b"ilios.cli") + 1].decode()
                except (OSError, ValueError, IndexError):
                    role = "other"
            out[child] = (role, cpu[child])
            frontier.append(child)
    return out


def cpu_delta(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]
) -> dict[str, float]:
    """CPU seconds used between two ``service_cpu`` snapshots, summed by role."""
    roles: dict[str, float] = {}
    for pid, (role, seconds) in after.items():
        roles[role] = roles.get(role, 0.0) + seconds - before.get(pid, (role, 0.0))[1]
    return roles


# --- status-call load (runs in a child process: --load) -------------------------


async def run_load(
    call: Callable[[], Awaitable[bool]], total: int, concurrency: int, cap_s: float
) -> tuple[list[float], int, float]:
    """Issue ``total`` calls, ``concurrency`` in flight, for at most ``cap_s`` seconds.

    Returns (per-request latencies in s of the successful calls, error count, wall s).
    """
    remaining = total
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    deadline = start + cap_s

    async def loop() -> None:
        nonlocal remaining, errors
        while remaining > 0 and time.perf_counter() < deadline:
            remaining -= 1
            sent = time.perf_counter()
            ok = await call()
            if ok:
                latencies.append(time.perf_counter() - sent)
            else:
                errors += 1

    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - start


async def load_main(args: argparse.Namespace) -> dict[str, Any]:
    """The --load child: warm up, run the timed phase, return figures (s) as a dict."""
    if args.load == "grpc":
        channel = grpc.aio.insecure_channel(args.target, options=GRPC_OPTIONS)
        stub = pb_grpc.ConversionServiceStub(channel)
        request = pb.GetDocumentRequest(document_id=args.document_id)

        async def call() -> bool:
            try:
                await stub.GetDocument(request, timeout=REQUEST_TIMEOUT_S)
            except grpc.aio.AioRpcError:
                return False
            return True

        close: Callable[[], Awaitable[None]] = channel.close
    else:
        limits = httpx.Limits(
            max_connections=args.concurrency, max_keepalive_connections=args.concurrency
        )
        client = httpx.AsyncClient(
            base_url=args.target, limits=limits, http1=True, timeout=REQUEST_TIMEOUT_S
        )
        path = f"/api/documents/status/{args.document_id}"

        async def call() -> bool:
            try:
                response = await client.get(path)
            except httpx.HTTPError:
                return False
            return response.status_code == 200

        close = client.aclose
    try:
        await run_load(call, args.warmup, args.concurrency, args.cap)
        client_before, service_before = cpu_s(), service_cpu(args.service_pid)
        latencies, errors, wall = await run_load(call, args.requests, args.concurrency, args.cap)
        return {
            "latencies_s": latencies,
            "errors": errors,
            "wall_s": wall,
            "client_cpu_s": cpu_s() - client_before,
            "service_cpu_s": cpu_delta(service_before, service_cpu(args.service_pid)),
        }
    finally:
        await close()


# --- status-call load (parent side) ----------------------------------------------


@dataclasses.dataclass
class LoadResult:
    """One load phase: throughput (requests/s), latencies (s), CPU seconds by process role."""

    name: str
    latencies_s: list[float]
    errors: int
    wall_s: float
    client_cpu_s: float
    service_cpu_s: dict[str, float]

    @property
    def rps(self) -> float:
        return len(self.latencies_s) / self.wall_s

    @property
    def p50_s(self) -> float:
        return percentile(self.latencies_s, 50)

    @property
    def p99_s(self) -> float:
        return percentile(self.latencies_s, 99)


def run_load_process(
    name: str,
    kind: str,
    target: str,
    document_id: str,
    *,
    concurrency: int,
    requests: int,
    warmup: int,
    cap_s: float,
    root_pid: int,
) -> LoadResult:
    """Run one load phase in a child process (this script with --load) and collect it."""
    options = {
        "target": target,
        "document-id": document_id,
        "requests": requests,
        "warmup": warmup,
        "concurrency": concurrency,
        "cap": cap_s,
        "service-pid": root_pid,
    }
    command = [sys.executable, __file__, "--load", kind]
    for option, value in options.items():
        command += [f"--{option}", str(value)]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=3 * cap_s + 60
    )
    if done.returncode != 0:
        raise RuntimeError(f"{kind} load generator failed:\n{done.stderr}")
    data = json.loads(done.stdout)
    if not data["latencies_s"]:
        raise RuntimeError(f"{kind} load: no successful request ({data['errors']} errors)")
    return LoadResult(name=name, **data)


def print_load(result: LoadResult) -> None:
    """Throughput (req/s), latency (ms), and CPU use (% of one core) of a load phase."""
    shares = {"client": result.client_cpu_s, **result.service_cpu_s}
    cpu = ", ".join(
        f"{role} {100 * seconds / result.wall_s:.0f}%"
        for role, seconds in shares.items()
        if seconds >= 0.01
    )
    print(
        f"  {result.name:28} {len(result.latencies_s):5d} ok {result.errors:3d} err "
        f"in {result.wall_s:5.1f} s {result.rps:6.0f} req/s  p50 {ms(result.p50_s)} ms  "
        f"p99 {ms(result.p99_s)} ms"
    )
    print(f"  {'':28} CPU, % of one core (the machine has {os.cpu_count()}): {cpu}")


@dataclasses.dataclass
class WrkResult:
    """A gateway load phase driven by wrk (C, from Debian): req/s and latencies (s)."""

    name: str
    rps: float
    p50_s: float
    p99_s: float


def _wrk_seconds(text: str) -> float:
    units = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}
    for unit in ("us", "ms", "s", "m"):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * units[unit]
    return float(text)


def wrk_load(name: str, url: str, concurrency: int, seconds: float) -> WrkResult | None:
    """Load ``url`` with wrk (one thread, ``concurrency`` connections); None without wrk.

    wrk is a C load generator, so on a 2-core machine the gateway, not the
    client, is what gets measured (Python's httpx costs ~2 ms CPU a request).
    """
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    command = [wrk, "-t1", f"-c{concurrency}", f"-d{max(int(seconds), 2)}s", "--latency", url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()

    def field(prefix: str) -> str:
        return next(ln for ln in lines if ln.strip().startswith(prefix)).split()[-1]

    result = WrkResult(
        name, float(field("Requests/sec")), _wrk_seconds(field("50%")), _wrk_seconds(field("99%"))
    )
    print(
        f"  {name:28} wrk: {result.rps:6.0f} req/s  p50 {ms(result.p50_s)} ms  "
        f"p99 {ms(result.p99_s)} ms"
    )
    return result


def status_loads(service: Any, document_id: str, plan: Plan) -> list[LoadResult]:
    """The four status-call phases, one after another: direct and gateway, loaded and not."""
    loaded = (CONCURRENCY, plan.status_requests, plan.status_warmup)
    unloaded = (1, plan.unloaded_requests, UNLOADED_WARMUP)
    phases = [
        (f"gRPC GetDocument x{CONCURRENCY}", "grpc", service.grpc_target, loaded),
        (f"REST GET status x{CONCURRENCY}", "rest", service.url, loaded),
        ("gRPC GetDocument x1", "grpc", service.grpc_target, unloaded),
        ("REST GET status x1", "rest", service.url, unloaded),
    ]
    results = []
    for name, kind, target, (concurrency, requests, warmup) in phases:
        result = run_load_process(
            name,
            kind,
            target,
            document_id,
            concurrency=concurrency,
            requests=requests,
            warmup=warmup,
            cap_s=plan.load_cap_s,
            root_pid=service.proc.pid,
        )
        print_load(result)
        results.append(result)
    # The same gateway phases from wrk, when Debian's wrk is installed (make bench does).
    path = f"{service.url}/api/documents/status/{document_id}"
    seconds = min(plan.load_cap_s, 10.0)
    loaded_wrk = wrk_load(f"REST GET status x{CONCURRENCY}", path, CONCURRENCY, seconds)
    unloaded_wrk = wrk_load("REST GET status x1", path, 1, seconds)
    if loaded_wrk and unloaded_wrk:
        results[1], results[3] = loaded_wrk, unloaded_wrk  # type: ignore[call-overload]
    else:
        print("  (no wrk: the gateway figures below come from the Python client)")
    return results


# --- the run ---------------------------------------------------------------------


def import_test_helpers() -> tuple[Any, Any]:
    """The integration tests' ``harness`` and ``corpus`` modules (tests/ on sys.path)."""
    sys.path.insert(0, str(ROOT / "tests"))
    return importlib.import_module("harness"), importlib.import_module("corpus")


def print_summary(
    grpc_runs: list[ConvertTiming],
    rest_runs: list[ConvertTiming],
    direct: LoadResult,
    gateway: LoadResult | WrkResult,
    direct_1: LoadResult,
    gateway_1: LoadResult | WrkResult,
) -> None:
    """The side-by-side table (ms, req/s) with targets marked PASS/MISS (informational)."""
    g_first = statistics.median(t.first_s for t in grpc_runs)
    g_last = statistics.median(t.last_s for t in grpc_runs)
    ratio = g_first / g_last
    rps_ratio = gateway.rps / direct.rps
    added_ms = (gateway.p50_s - direct.p50_s) * 1000
    added_1_ms = (gateway_1.p50_s - direct_1.p50_s) * 1000
    c = CONCURRENCY
    rest_first = statistics.median(t.first_s for t in rest_runs)
    rest_last = statistics.median(t.last_s for t in rest_runs)
    rows: list[tuple[str, ...]] = [
        ("", "gRPC direct", "REST gateway", "ratio/delta", "target"),
        (f"convert {PDF_PAGES} p: first page, median ms", ms(g_first), f"{ms(rest_first)} (TTFB)"),
        (f"convert {PDF_PAGES} p: last page, median ms", ms(g_last), ms(rest_last)),
        ("  gRPC first page / last page", "", "", f"{ratio:.2f}", f"< {TARGET_FIRST_LAST}",
         mark(ratio < TARGET_FIRST_LAST)),
        (f"status x{c} in flight: requests/s", f"{direct.rps:.0f}", f"{gateway.rps:.0f}",
         f"{rps_ratio:.2f}", f">= {TARGET_RPS_RATIO}", mark(rps_ratio >= TARGET_RPS_RATIO)),
        (f"status x{c} in flight: p50 ms", ms(direct.p50_s), ms(gateway.p50_s),
         f"{added_ms:+.1f} ms", f"<= {TARGET_ADDED_P50_MS:.0f} ms",
         mark(added_ms <= TARGET_ADDED_P50_MS)),
        (f"status x{c} in flight: p99 ms", ms(direct.p99_s), ms(gateway.p99_s)),
        ("status x1 in flight: p50 ms", ms(direct_1.p50_s), ms(gateway_1.p50_s),
         f"{added_1_ms:+.1f} ms"),
    ]  # fmt: skip
    widths = (36, 11, 18, 11, 10, 4)
    print("\n== Summary (informational: PASS/MISS never fails the run) ==")
    print(
        f"machine: {os.cpu_count()} cores, shared by the service and the Python clients; "
        f"load average (1 min) now {os.getloadavg()[0]:.1f}"
    )
    for row in rows:
        label, *cells = (*row, *[""] * (len(widths) - len(row)))
        figures = (f"{cell.strip():>{w}}" for cell, w in zip(cells, widths[1:], strict=True))
        print(f"{label:<{widths[0]}}  " + "  ".join(figures))


def print_processes(root_pid: int) -> None:
    """The service's live processes, counted by role."""
    roles: dict[str, int] = {}
    for role, _ in service_cpu(root_pid).values():
        roles[role] = roles.get(role, 0) + 1
    print(
        "service processes: "
        + ", ".join(f"{role} {n}" for role, n in roles.items())
        + " (a role's count includes its own child processes)"
    )


def bench(plan: Plan, mode: str) -> None:
    """Start the service, run both parts, print the figures, stop the service."""
    harness, corpus = import_test_helpers()
    print(f"== Ilios bench ({mode}) ==")
    print(
        f"machine: {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}; load average (1 min) {os.getloadavg()[0]:.1f} "
        "before the run (other work on the machine skews every figure)"
    )
    print(
        f"service: ilios serve, {' '.join(f'{k}={v}' for k, v in SERVICE_ENV.items())}; "
        "all traffic on 127.0.0.1"
    )
    print("clients: Python (grpcio, httpx) on the same machine and cores as the service")
    with tempfile.TemporaryDirectory(prefix="ilios-bench-") as tmp:
        pdf_path = pathlib.Path(tmp) / "report.pdf"
        corpus.make_text_pdf(pdf_path, pages=PDF_PAGES)
        pdf = pdf_path.read_bytes()
        service = harness.Service(pathlib.Path(tmp) / "data", **SERVICE_ENV)
        try:
            service.start()
            service.wait_healthy(GATEWAY_READY_S)
            print_processes(service.proc.pid)
            print(
                f"\n-- 1. Convert latency, {PDF_PAGES}-page text PDF ({len(pdf) // 1024} KiB); "
                f"{WARMUP_CONVERSIONS} warm-up + {plan.runs} sequential runs each --"
            )
            grpc_runs = measure(lambda: grpc_convert(service.conversion, pdf), plan.runs)
            print_convert(
                "gRPC Convert (streaming)", grpc_runs, "first page event", "completed event"
            )
            with httpx.Client(base_url=service.url, timeout=CONVERT_TIMEOUT_S) as client:
                rest_runs = measure(lambda: rest_convert(client, pdf), plan.runs)
            print_convert(
                "REST POST /v1/convert", rest_runs, "first body byte (TTFB)", "last body byte"
            )

            print(
                f"\n-- 2. Status call: {plan.status_requests} requests with {CONCURRENCY} "
                f"in flight (after {plan.status_warmup} warm-up), then "
                f"{plan.unloaded_requests} with 1 in flight; cap {plan.load_cap_s:.0f} s "
                "per phase; phases run in turn, each from its own client process --"
            )
            loads = status_loads(service, grpc_runs[-1].document_id, plan)
            print_summary(grpc_runs, rest_runs, *loads)
        finally:
            code = service.stop()
            print(f"\nservice stopped (exit status {code})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run (~30 s)")
    # The load-generator child process (internal).
    parser.add_argument("--load", choices=["grpc", "rest"], help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--document-id", help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--warmup", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cap", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--service-pid", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # Sibling scripts (bench/job_queue.py) must not shadow standard modules imported lazily
    # later (anyio imports `queue` on first use): drop this directory from the path.
    sys.path[:] = [p for p in sys.path if not p or pathlib.Path(p).resolve() != BENCH_DIR]
    if args.load:
        print(json.dumps(asyncio.run(load_main(args))))
        return 0
    started = time.perf_counter()
    bench(QUICK if args.quick else FULL, "quick" if args.quick else "full")
    print(f"total bench time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
