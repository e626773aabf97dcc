"""/docs in a real browser: Debian's Chromium, headless, driven over the DevTools
protocol (a websocket, one JSON message per command or event).

The page must render every operation of /openapi.json, offer a file picker on
/v1/convert once "Try it out" is pressed (and, given a file, show the Markdown
the service answers), and load nothing from anywhere but the service.
Chromium comes from scripts/install-chromium.sh (``make test``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import pathlib
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import websocket
from harness import wait_for

RENDER_TIMEOUT_S = 60.0
# A browser that talks to nothing but the page it is given.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
)


class Tab:
    """One browser tab over the DevTools protocol; events are kept as they come."""

    def __init__(self, ws_url: str) -> None:
        # No Origin header: Chromium refuses DevTools connections from other origins.
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        sent = next(self.ids)
        self.ws.send(json.dumps({"id": sent, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") != sent:
                self.events.append(message)
                continue
            if "error" in message:
                raise RuntimeError(f"{method}: {message['error']}")
            result: dict[str, Any] = message["result"]
            return result

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        reply = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in reply:
            raise RuntimeError(f"{expression}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def requested(self) -> list[str]:
        """Every URL the page asked for so far."""
        self.evaluate("0")  # reads the events that came before this call
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        self.ws.close()


@contextlib.contextmanager
def chromium(profile: pathlib.Path) -> Iterator[Tab]:
    """Headless Chromium with a fresh profile, and its first tab."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: run scripts/install-chromium.sh (make test does)")
    profile.mkdir(parents=True)
    browser = subprocess.Popen(
        [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        active = profile / "DevToolsActivePort"  # its port, once it listens
        port = wait_for(
            lambda: active.exists() and active.read_text().split("\n")[0],
            RENDER_TIMEOUT_S,
            what="Chromium's DevTools port",
        )
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            pages = [t for t in json.load(r) if t["type"] == "page"]
        tab = Tab(pages[0]["webSocketDebuggerUrl"])
        try:
            yield tab
        finally:
            tab.close()
    finally:
        browser.terminate()
        try:
            browser.wait(30)
        except subprocess.TimeoutExpired:
            browser.kill()
            browser.wait()


OPERATIONS_JS = """[...document.querySelectorAll('.opblock')].map(block => [
    block.querySelector('.opblock-summary-method').textContent.trim().toLowerCase(),
    block.querySelector('.opblock-summary-path').getAttribute('data-path'),
])"""


def test_swagger_ui_renders_every_operation_from_the_service_alone(service, tmp_path):
    with service.http() as http:
        spec = http.get("/openapi.json").json()
    expected = sorted(
        [method, path] for path, operations in spec["paths"].items() for method in operations
    )
    convert = spec["paths"]["/v1/convert"]["post"]["operationId"]
    with chromium(tmp_path / "profile") as tab:
        tab.call("Network.enable")
        tab.call("Page.enable")
        tab.call("Page.navigate", url=f"{service.url}/docs")
        rendered = wait_for(
            lambda: (ops := tab.evaluate(OPERATIONS_JS)) and len(ops) >= len(expected) and ops,
            RENDER_TIMEOUT_S,
            what="Swagger UI to render the operations",
        )
        assert sorted(rendered) == expected
        errors = tab.evaluate(
            "[...document.querySelectorAll('.errors-wrapper, .loading-container .errors')]"
            ".map(e => e.innerText)"
        )
        assert errors == [], errors

        # /v1/convert, opened, then "Try it out": a file picker for its file part.
        block = f"document.getElementById('operations-documents-{convert}')"
        tab.evaluate(f"{block}.querySelector('.opblock-summary-control').click()")
        wait_for(
            lambda: tab.evaluate(f"!!{block}.querySelector('.try-out__btn')"),
            RENDER_TIMEOUT_S,
            what="the Try it out button",
        )
        tab.evaluate(f"{block}.querySelector('.try-out__btn').click()")
        wait_for(
            lambda: tab.evaluate(f"{block}.querySelectorAll('input[type=file]').length") == 1,
            RENDER_TIMEOUT_S,
            what="a file input on /v1/convert",
        )
        # Pick a file and execute, as a person would: the page shows the Markdown.
        document = tmp_path / "hello.txt"
        document.write_text("Hello from the docs page.\n")
        root = tab.call("DOM.getDocument")["root"]["nodeId"]
        picker = tab.call(
            "DOM.querySelector",
            nodeId=root,
            selector=f"#operations-documents-{convert} input[type=file]",
        )["nodeId"]
        tab.call("DOM.setFileInputFiles", files=[str(document)], nodeId=picker)
        tab.evaluate(f"{block}.querySelector('.execute').click()")
        answered = wait_for(
            lambda: tab.evaluate(
                f"(r => r && r.innerText)({block}.querySelector('.live-responses-table'))"
            ),
            RENDER_TIMEOUT_S,
            what="the answer to Execute",
        )
        assert "200" in answered and "Hello from the docs page." in answered, answered
        requested = tab.requested()

    origin = urllib.parse.urlsplit(service.url)
    assert f"{service.url}/openapi.json" in requested
    outside = [
        url
        for url in requested
        if urllib.parse.urlsplit(url).scheme not in ("data", "blob")
        and urllib.parse.urlsplit(url)[:2] != origin[:2]
    ]
    assert outside == [], f"the page loaded from outside the service: {outside}"
