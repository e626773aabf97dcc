"""The gRPC server: ``create_server()`` builds it, ``serve()`` runs it.

Besides the Ilios services it carries the standard ``grpc.health.v1.Health``
service and server reflection (so grpcurl needs no proto files), and three
background loops: the rescuer (returns jobs of dead workers to the queue), the
sweeper (retention and clean-up) and the checkpointer (``Store.checkpoint``:
keeps the SQLite WAL short, off the path of requests and workers).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import logging
import signal
from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf import descriptor_pool
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from ilios import node, wakeups
from ilios.config import Settings
from ilios.errors import IliosError
from ilios.server import conversion, sweeper
from ilios.server.access import AccessService
from ilios.server.interceptors import Guard
from ilios.server.notifier import Notifier
from ilios.server.presence import Presence
from ilios.server.usage import UsageService
from ilios.storage import BlobStore, open_originals
from ilios.store import CHECKPOINT_INTERVAL_S, Store, open_store
from ilios.v1 import access_service_pb2, conversion_service_pb2, usage_service_pb2
from ilios.v1 import access_service_pb2_grpc as access_grpc
from ilios.v1 import usage_service_pb2_grpc as usage_grpc

log = logging.getLogger("ilios.server")

# Replies (a whole document's Markdown in GetDocumentContent) may be this large;
# what the server reads is MAX_MESSAGE_SIZE (a setting).
MAX_SEND_BYTES = 64 * 1024 * 1024 + 64 * 1024
# Request metadata (headers) read at most: one limit, so gRPC's own refusal between
# a soft and a hard limit (at random) never applies; our keys are far shorter.
MAX_METADATA_BYTES = 16 * 1024
KEEPALIVE_S = 60  # ping a silent client this often; drop it if no answer in:
KEEPALIVE_TIMEOUT_S = 20
CONNECTION_IDLE_S = 300  # a connection without calls for this long is closed (GOAWAY)
# HTTP/2 flow control: how far a client may send ahead of a stream's reader, fixed.
# grpc's adaptive window grows with its bandwidth estimate, and what the reader
# has not taken sits in the server's memory (docs/performance.md, "Uploads").
STREAM_WINDOW_BYTES = 4 * 1024 * 1024
DB_THREADS = 16  # store calls and blob writes (batch intake uses up to 6)
SERVICE_NAMES = (
    conversion_service_pb2.DESCRIPTOR.services_by_name["ConversionService"].full_name,
    usage_service_pb2.DESCRIPTOR.services_by_name["UsageService"].full_name,
    access_service_pb2.DESCRIPTOR.services_by_name["AccessService"].full_name,
)


class _ReflectionPool:
    """The default descriptor pool, also resolving ``package.Service.Method``.

    The upb-based protobuf runtime finds services but not their methods, so
    ``grpcurl describe ilios.v1.ConversionService.Convert`` would fail; the
    file containing a method is the file containing its service.
    """

    def __init__(self) -> None:
        self._pool = descriptor_pool.Default()

    def FindFileContainingSymbol(self, symbol: str) -> Any:
        try:
            return self._pool.FindFileContainingSymbol(symbol)
        except KeyError:
            parent = symbol.rpartition(".")[0]
            service = self._pool.FindServiceByName(parent)  # KeyError if not a method
            if symbol.rpartition(".")[2] not in service.methods_by_name:
                raise
            return service.file

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


@dataclasses.dataclass
class Server:
    """A built gRPC server and what it owns (``create_server`` makes one)."""

    settings: Settings
    grpc: grpc.aio.Server
    port: int
    notifier: Notifier
    pool: concurrent.futures.ThreadPoolExecutor
    store: Store
    blobs: BlobStore
    health: health.aio.HealthServicer
    presence: Presence
    service: conversion.ConversionService
    _loops: list[asyncio.Task[None]] = dataclasses.field(default_factory=list)

    async def start(self) -> None:
        self.notifier.start(asyncio.get_running_loop())
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.pool, self._rescue)  # before the first call
        await self.grpc.start()
        for name in ("", *SERVICE_NAMES):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        self._loops = [
            asyncio.create_task(self._repeat(self._rescue, self.settings.heartbeat_s)),
            asyncio.create_task(self._repeat(self._sweep, sweeper.SWEEP_INTERVAL_S)),
            asyncio.create_task(self._repeat(self.store.checkpoint, CHECKPOINT_INTERVAL_S)),
        ]

    async def stop(self, grace_s: float = 5.0) -> None:
        for task in self._loops:
            task.cancel()
        for name in ("", *SERVICE_NAMES):
            await self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.grpc.stop(grace_s)
        try:
            await asyncio.get_running_loop().run_in_executor(self.pool, self.presence.retire)
        except IliosError:
            log.warning("could not delete this server's unused uploads", exc_info=True)
        self.notifier.close()
        self.service.close()
        self.pool.shutdown(wait=False)

    async def _repeat(self, step: Callable[[], object], interval_s: float) -> None:
        """Run ``step`` on a database thread every ``interval_s`` until cancelled;
        a failed pass is logged and tried again next time."""
        loop = asyncio.get_running_loop()
        while True:
            try:
                await loop.run_in_executor(self.pool, step)
            except IliosError:
                log.warning("%s failed; will try again", step.__name__, exc_info=True)
            await asyncio.sleep(interval_s)

    def _rescue(self) -> None:
        dead_after_ms = int(self.settings.worker_dead_after_s * 1000)
        self.presence.heartbeat()
        self.presence.bury_gone(dead_after_ms)
        rescued = self.store.jobs.rescue(dead_after_ms, node.host_id())
        if rescued:
            log.warning("rescued %d job(s) of dead workers", len(rescued))
            wakeups.announce_rescued(self.service.ringer, rescued)

    def _sweep(self) -> None:
        sweeper.sweep(self.settings, self.store, self.blobs)


def create_server(settings: Settings, address: str | None = None) -> Server:
    """Build (not start) the server on ``address`` (port 0 picks a free port)."""
    store = open_store(settings)
    blobs = open_originals(settings, store)
    blobs.check()
    notifier = Notifier(wakeups.bell(settings, "server"))
    pool = concurrent.futures.ThreadPoolExecutor(DB_THREADS, "ilios-db")
    service = conversion.ConversionService(settings, store, blobs, notifier, pool)
    presence = Presence(store, service.intake)
    service.server_id = presence.id
    server = grpc.aio.server(
        interceptors=[Guard(settings.api_keys, settings.upload_idle_s)],
        options=[
            ("grpc.max_receive_message_length", settings.max_message_size),
            ("grpc.max_send_message_length", MAX_SEND_BYTES),
            ("grpc.max_metadata_size", MAX_METADATA_BYTES),
            ("grpc.absolute_max_metadata_size", MAX_METADATA_BYTES),
            ("grpc.http2.bdp_probe", 0),
            ("grpc.http2.lookahead_bytes", STREAM_WINDOW_BYTES),
            ("grpc.server_handshake_timeout_ms", int(settings.header_timeout_s * 1000)),
            ("grpc.keepalive_time_ms", KEEPALIVE_S * 1000),
            ("grpc.keepalive_timeout_ms", KEEPALIVE_TIMEOUT_S * 1000),
            ("grpc.max_connection_idle_ms", CONNECTION_IDLE_S * 1000),
        ],
    )
    conversion.add_to_server(service, server)
    usage_grpc.add_UsageServiceServicer_to_server(UsageService(store, pool), server)
    access_grpc.add_AccessServiceServicer_to_server(AccessService(settings.api_keys), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME),
        server,
        pool=_ReflectionPool(),
    )
    port = server.add_insecure_port(address or f"{settings.host}:{settings.grpc_port}")
    return Server(
        settings, server, port, notifier, pool, store, blobs, health_servicer, presence, service
    )


async def serve(settings: Settings, address: str | None = None, on_ready: object = None) -> None:
    """Run the server until SIGTERM or SIGINT."""
    server = create_server(settings, address)
    await server.start()
    log.info("gRPC server listening on port %d", server.port)
    if callable(on_ready):
        on_ready(server.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop()
