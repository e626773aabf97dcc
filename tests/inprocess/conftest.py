"""The in-process tier: the real gRPC server (``create_server`` on port 0), a real
worker and the real gateway app (uvicorn on port 0), all in the test process,
talked to through real channels and sockets. No process is started and no
project code is patched; what the handlers decide is tested here, fast, and the
process trees, crashes and signals in tests/integration.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import pathlib
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
import uvicorn

from ilios import config, doorbell
from ilios.gateway.app import create_app
from ilios.gateway.connection import GatewayProtocol
from ilios.server.app import Server, create_server
from ilios.v1 import access_service_pb2_grpc, conversion_service_pb2_grpc, usage_service_pb2_grpc
from ilios.worker.worker import Worker

START_TIMEOUT_S = 60.0


class Loop:
    """An asyncio loop on its own thread, for what must run on one (the aio server)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="inprocess-loop")
        self.thread.start()

    def run(self, coroutine: Any, timeout_s: float = START_TIMEOUT_S) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout_s)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(START_TIMEOUT_S)
        self.loop.close()


class Stack:
    """A server, a worker and a gateway in this process, on free ports."""

    def __init__(self, data_dir: pathlib.Path, **env: str) -> None:
        base = {"DATA_DIR": str(data_dir), "OCR_ENGINE": "scripted", "LOG_LEVEL": "WARNING"}
        self.settings = config.load({**base, **env})
        self.loop = Loop()
        self.server: Server = self.loop.run(self._start_server())
        self.target = f"127.0.0.1:{self.server.port}"
        self.settings = config.load({**base, **env, "GRPC_TARGET": self.target})
        self.worker = Worker(self.settings)
        self._worker_thread = threading.Thread(target=self.worker.run, name="inprocess-worker")
        self._worker_thread.start()
        self.http_port, self._gateway, self._gateway_thread = _serve_gateway(self.settings)
        self.channel = grpc.insecure_channel(self.target)

    async def _start_server(self) -> Server:
        server = create_server(self.settings, "127.0.0.1:0")
        await server.start()
        return server

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def conversion(self) -> conversion_service_pb2_grpc.ConversionServiceStub:
        return conversion_service_pb2_grpc.ConversionServiceStub(self.channel)

    @property
    def usage(self) -> usage_service_pb2_grpc.UsageServiceStub:
        return usage_service_pb2_grpc.UsageServiceStub(self.channel)

    @property
    def access(self) -> access_service_pb2_grpc.AccessServiceStub:
        return access_service_pb2_grpc.AccessServiceStub(self.channel)

    def close(self) -> None:
        self._gateway.should_exit = True
        self._gateway_thread.join(START_TIMEOUT_S)
        self.worker.stop.set()
        doorbell.ring(self.settings.run_dir, "worker")
        self._worker_thread.join(START_TIMEOUT_S)
        self.channel.close()
        self.loop.run(self.server.stop(0))
        self.loop.close()


def _serve_gateway(settings: config.Settings) -> tuple[int, uvicorn.Server, threading.Thread]:
    """The gateway app under uvicorn with its own HTTP protocol, on a free port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), http=GatewayProtocol, log_level="warning")
    )
    started = threading.Event()

    def serve() -> None:
        async def main() -> None:
            serving = asyncio.create_task(server.serve(sockets=[sock]))
            while not server.started and not serving.done():
                await asyncio.sleep(0.01)  # wait-ok: uvicorn says it started with a flag
            started.set()
            await serving

        asyncio.run(main())

    thread = threading.Thread(target=serve, name="inprocess-gateway")
    thread.start()
    assert started.wait(START_TIMEOUT_S), "the gateway did not start"
    return sock.getsockname()[1], server, thread


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    built = Stack(tmp_path_factory.mktemp("inprocess"))
    yield built
    built.close()


@pytest.fixture(scope="module")
def keyed_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    built = Stack(tmp_path_factory.mktemp("inprocess-keyed"), API_KEY="in-process-key")
    yield built
    built.close()


def parallel(*calls: Callable[[], Any]) -> list[Any]:
    """Run ``calls`` at once; their results in order."""
    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        return [f.result(START_TIMEOUT_S) for f in [pool.submit(c) for c in calls]]
