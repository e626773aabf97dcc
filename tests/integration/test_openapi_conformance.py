"""schemathesis against the live gateway: the service answers as /openapi.json says.

``st run`` (schemathesis's CLI) drives a real service started with API_KEY
through every phase (the document's examples, its coverage of each keyword,
fuzzing, and stateful sequences along the links it infers) with every check,
a fixed seed and a bounded number of examples per operation; any failure
fails the test with schemathesis's report.

This module is also the hooks file the CLI loads (``SCHEMATHESIS_HOOKS``), for
two things a schema cannot say:

- what a valid file is: a file part's schema is ``format: binary``, so for
  the types the document lists for file parts (their ``encoding``'s
  ``contentType``) it registers files of that type, made here, that the
  service converts;
- when a batch can be downloaded: as the original API tells its clients, a
  download waits until the batch's status says it is done (before that, the
  original's answer is 400 BATCH_NOT_READY, which the document declares but
  no check can tell from a refusal of valid input).

It also mends one bug of schemathesis 4.32.5 (``mend_binary_validation``).
"""

from __future__ import annotations

import io
import pathlib
import subprocess
import sys
import time

KEY = "conformance-key-17"
SEED = 17
MAX_EXAMPLES = 40  # per operation and phase
BUDGET_S = 180  # the whole run, on 2 cores
BATCH_WAIT_S = 30  # for a batch to be done before its download


def register_files() -> None:
    """Files the service converts, for the file parts' media types (schemathesis hooks)."""
    import schemathesis
    from hypothesis import strategies as st
    from PIL import Image
    from reportlab.pdfgen import canvas

    def image(kind: str, size: int, shade: int) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (size, size), (shade, 255 - shade, 128)).save(out, format=kind)
        return out.getvalue()

    def pdf(text: str) -> bytes:
        out = io.BytesIO()
        page = canvas.Canvas(out, pagesize=(200, 100), invariant=True)
        page.drawString(10, 50, text)
        page.save()
        return out.getvalue()

    words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=30)
    schemathesis.openapi.media_type("application/pdf", words.map(pdf))
    for media, kind in (
        ("image/png", "PNG"),
        ("image/jpeg", "JPEG"),
        ("image/gif", "GIF"),
        ("image/tiff", "TIFF"),
        ("image/bmp", "BMP"),
        ("image/webp", "WEBP"),
    ):
        shapes = st.tuples(st.just(kind), st.integers(1, 32), st.integers(0, 255))
        schemathesis.openapi.media_type(media, shapes.map(lambda a: image(*a)))


def wait_for_batches() -> None:
    """Before a download, poll the batch's status until it is done (schemathesis hooks)."""
    import json
    import urllib.error
    import urllib.parse
    import urllib.request

    import schemathesis

    @schemathesis.hook
    def before_call(context, case, kwargs) -> None:
        if case.operation.path != "/v1/batch/download/{batch_id}":
            return
        batch_id = str((case.path_parameters or {}).get("batch_id", ""))
        url = "{}/v1/batch/status/{}".format(
            case.operation.schema.get_base_url().rstrip("/"),
            urllib.parse.quote(batch_id, safe=""),
        )
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {KEY}"})
        deadline = time.monotonic() + BATCH_WAIT_S
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    if json.load(answer)["status"] not in ("pending", "processing"):
                        return
            except (urllib.error.URLError, ValueError, KeyError):
                return  # no such batch (or not one to wait for): the call says so
            time.sleep(0.1)  # wait-ok: polling the batch's status, as a client does


def mend_binary_validation() -> None:
    """schemathesis 4.32.5 generates file parts as its ``Binary`` (a ``str`` holding
    bytes) but validates with jsonschema_rs, which raises on it. Where
    ``negative_data_rejection`` asks whether a negated body became valid on the
    wire (an empty array sends no part at all), that error reads as "not valid",
    and a valid request the service rightly accepts is reported as accepted
    negative data. Validators made for the checks see file values as the
    strings they stand for; nothing else changes."""
    from schemathesis.specs.openapi import checks
    from schemathesis.transport.serialization import Binary

    make_validator = checks.make_validator

    def plain(value: object) -> object:
        if isinstance(value, Binary):
            return str.__str__(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    class Validator:
        def __init__(self, inner: object) -> None:
            self.inner = inner

        def is_valid(self, instance: object) -> bool:
            return self.inner.is_valid(plain(instance))  # type: ignore[attr-defined]

        def iter_errors(self, instance: object):
            return self.inner.iter_errors(plain(instance))  # type: ignore[attr-defined]

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

    checks.make_validator = lambda *args, **kwargs: Validator(make_validator(*args, **kwargs))


if __name__ == "_schemathesis_hooks":  # loaded by st run
    register_files()
    wait_for_batches()
    mend_binary_validation()


def test_the_gateway_answers_as_its_openapi_document_says(tmp_path: pathlib.Path) -> None:
    from harness import child_env, running

    config = tmp_path / "schemathesis.toml"
    config.write_text(
        f'[auth.openapi.bearerAuth]\nbearer = "{KEY}"\n\n[auth.openapi.apiKey]\napi_key = "{KEY}"\n'
        # A declared fileSize over its maximum (MAX_FILE_SIZE) is refused as the file
        # itself would be: 413 FILE_TOO_LARGE, as the document says.
        "\n[[operations]]\n"
        'include-name = "POST /api/documents/upload-url"\n'
        "checks.negative_data_rejection.expected-statuses = "
        '["400", "401", "404", "405", "406", "409", "413", "415", "422"]\n'
    )
    report = tmp_path / "schemathesis.txt"
    with running(tmp_path / "service", API_KEY=KEY, WORKER_COUNT="1") as service:
        service.wait_healthy()
        with service.http() as http:
            spec = http.get("/openapi.json").json()
        started = time.monotonic()
        with report.open("wb") as out:
            result = subprocess.run(
                [
                    pathlib.Path(sys.executable).with_name("st"),
                    "--config-file",
                    config,
                    "run",
                    f"{service.url}/openapi.json",
                    "--checks=all",
                    "--phases=examples,coverage,fuzzing,stateful",
                    f"--max-examples={MAX_EXAMPLES}",
                    f"--seed={SEED}",
                    "--generation-database=none",
                    "--workers=1",
                    "--request-timeout=60",
                    "--no-color",
                ],
                env=child_env(SCHEMATHESIS_HOOKS=__file__),
                cwd=tmp_path,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=BUDGET_S + 60,
            )
        took = time.monotonic() - started
    text = report.read_text(errors="replace")
    assert result.returncode == 0, text[-20000:]
    final = text.strip().splitlines()[-1]  # "No issues found in 12.3s", or what failed
    assert "failure" not in final and "error" not in final, text[-20000:]
    operations = sum(len(methods) for methods in spec["paths"].values())
    assert f"Tested: {operations}" in text, text[-5000:]
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in text, (phase, text[-5000:])
    assert took < BUDGET_S, f"schemathesis took {took:.0f} s"
