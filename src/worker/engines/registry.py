"""Engines by name. Each worker process builds an engine once and reuses it."""

from __future__ import annotations

from collections.abc import Callable

from ilios.config import Settings
from ilios.errors import ConversionFailed
from ilios.limits import Engine as EngineName
from ilios.worker.engines.base import Engine


def _local(settings: Settings) -> Engine:
    from ilios.worker.engines.local import LocalEngine
    from ilios.worker.sandbox import Limits, Sandboxed

    # In child processes, within PAGE_TIMEOUT_S per page and ENGINE_MEMORY_MB (see sandbox).
    kwargs = {"max_pages": settings.max_pages, "ocr_threads": settings.ocr_threads}
    return Sandboxed(LocalEngine, kwargs, limits=Limits.from_settings(settings), warm_up=True)


def _mistral(settings: Settings) -> Engine:
    from ilios.worker.engines.mistral import from_settings

    return from_settings(settings)


def _scripted(settings: Settings) -> Engine:
    from ilios.worker.engines.scripted import ScriptedEngine

    return ScriptedEngine()


ENGINES: dict[str, Callable[[Settings], Engine]] = {
    EngineName.LOCAL: _local,
    EngineName.MISTRAL: _mistral,
    EngineName.SCRIPTED: _scripted,
}


class Engines:
    """The engines of one worker process, each built on first use and reused
    (a dict by name: a cache keyed by the settings would hash them every job)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._built: dict[str, Engine] = {}

    def get(self, name: str) -> Engine:
        """The engine called ``name``."""
        engine = self._built.get(name)
        if engine is None:
            if name not in ENGINES:
                raise ConversionFailed(f"The engine {name!r} is not available on this server.")
            engine = self._built[name] = ENGINES[name](self.settings)
        return engine
