"""The sandbox: engines in child processes, with per-page deadlines and a memory cap.

``ToyEngine`` (``sandbox_toy``, built in the child) follows a JSON script in
each document: how many pages, and what to do on which page (hang, hog
memory, abort, segfault, exit, raise). Every page says which process made
it, so tests can tell a reused child from a fresh one.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import threading

import corpus as builder
import pytest
from harness import alive, wait_for
from sandbox_toy import ToyEngine

from ilios import config
from ilios.config import ConfigError
from ilios.errors import (
    CorruptFile,
    EngineCrashed,
    IliosError,
    MemoryLimit,
    PageTimeout,
    TooManyPages,
)
from ilios.worker.engines.base import Engine, Usage
from ilios.worker.engines.local import LocalEngine
from ilios.worker.sandbox import Limits, Sandboxed
from ilios.worker.sandbox_child import describe, rebuild

TOY = "application/x-toy"
# The page budget: generous for a toy page (microseconds) even on a slow, busy machine;
# only the hang test waits it out.
BUDGET_S = 3.0
MEMORY_MB = 256  # the toy child needs far less; a 2 GiB allocation fails


def doc(tmp_path: pathlib.Path, **script: object) -> pathlib.Path:
    path = tmp_path / f"doc-{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(script))
    return path


def pid_of(markdown: str) -> int:
    return int(markdown.rsplit(" ", 1)[1])


@pytest.fixture
def sandbox():
    engine = Sandboxed(
        ToyEngine,
        {"greeting": "sheet"},
        limits=Limits(page_timeout_s=BUDGET_S, memory_mb=MEMORY_MB),
    )
    yield engine
    engine.close()


def test_pages_stream_in_order_and_the_child_is_reused(sandbox, tmp_path) -> None:
    assert isinstance(sandbox, Engine)
    assert (sandbox.name, sandbox.model) == ("toy", "toy-1")
    usage = Usage()
    pages = list(sandbox.pages(doc(tmp_path, pages=3), TOY, usage))
    assert [p.number for p in pages] == [1, 2, 3]
    assert pages[0].markdown.startswith("sheet 1 pid ")  # built from the factory's kwargs
    assert usage.input_tokens == 30  # the child's usage comes back
    child = pid_of(pages[0].markdown)
    assert child != os.getpid()
    again = list(sandbox.pages(doc(tmp_path, pages=1), TOY))
    assert pid_of(again[0].markdown) == child


def test_engine_errors_come_back_as_themselves_and_keep_the_child(sandbox, tmp_path) -> None:
    (first,) = sandbox.pages(doc(tmp_path), TOY)
    with pytest.raises(CorruptFile) as caught:
        list(sandbox.pages(doc(tmp_path, pages=2, on={"2": "corrupt"}), TOY))
    assert type(caught.value) is CorruptFile
    assert caught.value.message == "Page is damaged."
    assert caught.value.details == {"page": "2", "detail": "xref"}
    with pytest.raises(IliosError) as caught:
        list(sandbox.pages(doc(tmp_path, on={"1": "bug"}), TOY))
    assert caught.value.reason == "INTERNAL" and "KeyError" in caught.value.details["detail"]
    later = list(sandbox.pages(doc(tmp_path), TOY))
    assert pid_of(later[0].markdown) == pid_of(first.markdown)


def test_a_hung_page_times_out_and_a_fresh_child_follows(sandbox, tmp_path) -> None:
    pages = sandbox.pages(doc(tmp_path, pages=3, on={"2": "hang"}), TOY)
    first = next(pages)
    with pytest.raises(PageTimeout) as caught:
        next(pages)
    assert caught.value.reason == "PAGE_TIMEOUT"
    assert caught.value.details == {"page": "2", "timeout_s": f"{BUDGET_S:g}"}
    assert not alive(pid_of(first.markdown))
    after = list(sandbox.pages(doc(tmp_path), TOY))
    assert pid_of(after[0].markdown) != pid_of(first.markdown)


@pytest.mark.parametrize("action", ["hog", "hog-wrapped", "abort"])
def test_running_out_of_memory_is_memory_limit(sandbox, tmp_path, action) -> None:
    with pytest.raises(MemoryLimit) as caught:
        list(sandbox.pages(doc(tmp_path, on={"1": action}), TOY))
    assert caught.value.reason == "MEMORY_LIMIT"
    assert caught.value.details["memory_mb"] == str(MEMORY_MB)
    assert len(list(sandbox.pages(doc(tmp_path, pages=2), TOY))) == 2


@pytest.mark.parametrize(("action", "how"), [("segfault", "SIGSEGV"), ("exit", "exit 3")])
def test_other_deaths_are_engine_crashed(sandbox, tmp_path, action, how) -> None:
    with pytest.raises(EngineCrashed) as caught:
        list(sandbox.pages(doc(tmp_path, pages=2, on={"2": action}), TOY))
    assert caught.value.details == {"page": "2", "detail": how.replace("SIG", "signal SIG")}
    assert len(list(sandbox.pages(doc(tmp_path), TOY))) == 1


def test_closing_early_kills_the_child_cleanly(sandbox, tmp_path) -> None:
    pages = sandbox.pages(doc(tmp_path, pages=5), TOY)
    child = pid_of(next(pages).markdown)
    pages.close()
    assert not alive(child)
    assert pid_of(next(iter(sandbox.pages(doc(tmp_path), TOY))).markdown) != child


def test_concurrent_documents_get_their_own_children(sandbox, tmp_path) -> None:
    documents = [doc(tmp_path, pages=2), doc(tmp_path, pages=2)]
    started = threading.Barrier(2)
    results: dict[int, list[str]] = {}

    def run(i: int) -> None:
        pages = sandbox.pages(documents[i], TOY)
        first = next(pages)
        started.wait(30)  # both children are busy at once
        results[i] = [first.markdown] + [p.markdown for p in pages]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert {pid_of(results[0][0]), pid_of(results[1][0])} == {
        pid_of(results[0][1]),
        pid_of(results[1][1]),
    }
    assert pid_of(results[0][0]) != pid_of(results[1][0])


def test_children_die_with_their_worker(tmp_path) -> None:
    """SIGKILL the process that owns a Sandboxed mid-page: its child goes too."""
    pid_file = tmp_path / "child.pid"
    hang = doc(tmp_path, on={"1": "hang"}, pid_file=str(pid_file))
    script = textwrap.dedent(f"""
        import sys; sys.path[:0] = {sys.path!r}
        from sandbox_toy import ToyEngine
        from ilios.worker.sandbox import Sandboxed
        list(Sandboxed(ToyEngine).pages(__import__("pathlib").Path({str(hang)!r}), "x"))
    """)
    owner = subprocess.Popen([sys.executable, "-c", script])
    try:
        child = int(wait_for(lambda: pid_file.exists() and pid_file.read_text(), 60))
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait(30)
        wait_for(lambda: not alive(child), 30, what="the orphaned child to exit")
    finally:
        owner.kill()
        owner.wait(30)


def test_errors_rebuild_by_class_then_by_reason() -> None:
    def wire(error: IliosError, type_name: str = "") -> dict:
        info = describe(error)
        return info | {"type": type_name} if type_name else info

    again = rebuild(wire(TooManyPages("Too many.", pages="9")))
    assert type(again) is TooManyPages
    assert (again.message, again.details) == ("Too many.", {"pages": "9"})
    unknown_class = rebuild(wire(PageTimeout("Slow."), "elsewhere.SlowError"))
    assert type(unknown_class) is PageTimeout  # found by its reason
    unknown = rebuild(wire(PageTimeout("Slow."), "elsewhere.SlowError") | {"reason": "NEW_REASON"})
    assert type(unknown) is IliosError and unknown.message == "Slow."


def test_limits_from_the_settings() -> None:
    assert Limits.from_settings(config.load({})) == Limits(page_timeout_s=60.0, memory_mb=2048)
    limits = Limits.from_settings(config.load({"PAGE_TIMEOUT_S": "2.5", "ENGINE_MEMORY_MB": "512"}))
    assert limits == Limits(page_timeout_s=2.5, memory_mb=512)
    for env in ({"PAGE_TIMEOUT_S": "0"}, {"ENGINE_MEMORY_MB": "lots"}, {"ENGINE_MEMORY_MB": "9"}):
        with pytest.raises(ConfigError, match=next(iter(env))):
            config.load(env)


def test_the_local_engine_converts_the_same_in_the_sandbox(tmp_path) -> None:
    path = tmp_path / "text.pdf"
    builder.make_text_pdf(path, pages=3)
    in_process = [p.markdown for p in LocalEngine().pages(path, "application/pdf")]
    small, engine = Sandboxed(LocalEngine, {"max_pages": 2}), Sandboxed(LocalEngine)
    try:
        assert (engine.name, engine.model) == (LocalEngine.name, LocalEngine.model)
        assert [p.markdown for p in engine.pages(path, "application/pdf")] == in_process
        with pytest.raises(TooManyPages) as caught:  # the factory's kwargs reach the child
            list(small.pages(path, "application/pdf"))
        assert caught.value.details == {"pages": "3", "max_pages": "2"}
    finally:
        engine.close()
        small.close()


def test_the_child_logs_at_the_workers_level_to_its_stderr(tmp_path) -> None:
    """A worker run at DEBUG sees the engine's debug lines (which pages it
    OCRs) on its own stderr; at INFO it does not."""
    path = tmp_path / "page.png"
    builder.make_png(path)
    script = textwrap.dedent(
        f"""
        import logging, pathlib, sys
        from ilios.worker.engines.local import LocalEngine
        from ilios.worker.sandbox import Sandboxed
        logging.basicConfig(level=sys.argv[1])
        engine = Sandboxed(LocalEngine)
        list(engine.pages(pathlib.Path({str(path)!r}), "image/png"))
        engine.close()
        """
    )
    told = "ilios.worker.engines.local: page 1: OCR, an image"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    for level, shown in (("DEBUG", True), ("INFO", False)):
        run = subprocess.run(
            [sys.executable, "-c", script, level], capture_output=True, text=True, env=env
        )
        assert run.returncode == 0, run.stderr
        assert (told in run.stderr) is shown, run.stderr


def test_languages_reach_the_engine_in_the_sandbox(tmp_path) -> None:
    """An English page read as Russian (Cyrillic look-alikes) differs from the
    default reading, in the child as in process."""
    path = tmp_path / "page.png"
    builder.make_png(path)
    russian = [p.markdown for p in LocalEngine().pages(path, "image/png", languages=["rus"])]
    english = [p.markdown for p in LocalEngine().pages(path, "image/png")]
    assert russian != english
    engine = Sandboxed(LocalEngine)
    try:
        assert [p.markdown for p in engine.pages(path, "image/png", languages=["rus"])] == russian
        assert [p.markdown for p in engine.pages(path, "image/png")] == english
    finally:
        engine.close()
