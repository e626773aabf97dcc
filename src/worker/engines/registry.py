"""Engines by name. Each worker process builds an engine once and reuses it."""

from __future__ import annotations

import functools
from collections.abc import Callable

from ilios.config import Settings
from ilios.errors import ConversionFailed
from ilios.worker.engines.base import Engine


def _local(settings: Settings) -> Engine:
    from ilios.worker.engines.local import LocalEngine

    return LocalEngine(max_pages=settings.max_pages)


def _scripted(settings: Settings) -> Engine:
    from ilios.worker.engines.scripted import ScriptedEngine

    return ScriptedEngine()


ENGINES: dict[str, Callable[[Settings], Engine]] = {
    "local": _local,
    "scripted": _scripted,
}


@functools.cache
def _build(name: str, settings: Settings) -> Engine:
    return ENGINES[name](settings)


def engine(name: str, settings: Settings) -> Engine:
    """The engine called ``name``, built once per process."""
    if name not in ENGINES:
        raise ConversionFailed(f"The engine {name!r} is not available on this server.")
    return _build(name, settings)
