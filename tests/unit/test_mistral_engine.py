"""The Mistral engine, through the real ``mistralai`` SDK, against the fake API (a thread)."""

from __future__ import annotations

import time

import corpus as builder
import httpx
import pytest

from ilios import config
from ilios.errors import (
    EngineAuthFailed,
    EngineRejected,
    EngineUnavailable,
    PdfEncrypted,
    UnsupportedFileType,
)
from ilios.fakes.mistral import IMAGE_MARKDOWN, RESOLVED_MODELS, FakeMistral
from ilios.worker.engines import registry
from ilios.worker.engines.base import Page, Usage
from ilios.worker.engines.mistral import ATTEMPTS, MODEL, MistralEngine, api_message

PDF = "application/pdf"
KEY = "test-key"
PNG_PAGE = IMAGE_MARKDOWN.format(width=800, height=300)  # corpus images are 800 x 300 px


@pytest.fixture(scope="module")
def fake():
    with FakeMistral(api_key=KEY) as server:
        yield server


@pytest.fixture(scope="module")
def shared_engine(fake):
    # Backoff of ~10 ms, so a test can tell a honoured Retry-After from it.
    built = MistralEngine(KEY, fake.url, timeout_s=5, wait_initial_s=0.01, wait_max_s=0.05)
    yield built
    built.close()


@pytest.fixture
def engine(fake, shared_engine):
    fake.reset()
    return shared_engine


def ocr_requests(fake: FakeMistral) -> list[dict]:
    return [r for r in fake.state()["requests"] if r["endpoint"] == "ocr"]


def expected_markdown(pages: int) -> list[str]:
    return [builder.blocks_markdown(blocks) for blocks in builder.text_pdf_blocks(pages)]


def test_pdf_pages_come_in_order_with_their_text_and_the_reported_usage(engine, fake, corpus):
    usage = Usage()
    pages = list(engine.pages(corpus["text.pdf"], PDF, usage))
    assert [p.number for p in pages] == [1, 2, 3]
    assert pages[0].markdown.startswith("Ilios Quarterly Report\nSummary of findings")
    for page, expected in zip(pages, expected_markdown(3), strict=True):
        assert builder.words(page.markdown) == builder.words(expected)
    assert usage.pages == 3
    assert usage.model == RESOLVED_MODELS[MODEL] != MODEL  # the response's model
    state = fake.state()
    assert state["calls"] == {"upload": 1, "url": 1, "ocr": 1, "delete": 1}
    assert state["files"] == []
    (ocr,) = ocr_requests(fake)
    assert (ocr["model"], ocr["document_type"], ocr["pages"]) == (MODEL, "document_url", [0, 1, 2])
    assert ocr["source"].startswith(fake.url + "/_fake/files/")  # the signed URL


def test_billed_pages_are_the_apis_count_not_ours(engine, fake, corpus):
    fake.set_faults([{"pages_processed": 7}])
    usage = Usage()
    assert len(list(engine.pages(corpus["text.pdf"], PDF, usage))) == 3
    assert usage.pages == 7


def test_an_image_is_sent_inline_as_a_data_url(engine, fake, corpus):
    usage = Usage()
    assert list(engine.pages(corpus["page.png"], "image/png", usage)) == [Page(1, PNG_PAGE)]
    assert usage.pages == 1
    assert fake.state()["calls"] == {"ocr": 1}  # no upload
    (ocr,) = ocr_requests(fake)
    assert ocr["document_type"] == "image_url"
    assert ocr["source"].startswith("data:image/png;base64,iVBORw0KGgo")


def test_each_tiff_frame_is_a_page(engine, fake, corpus):
    pages = list(engine.pages(corpus["frames.tiff"], "image/tiff"))
    assert pages == [Page(1, PNG_PAGE), Page(2, PNG_PAGE)]
    assert all(r["source"].startswith("data:image/png;base64,") for r in ocr_requests(fake))


def test_a_long_pdf_is_read_in_ranges_and_streamed(engine, fake, corpus):
    usage = Usage()
    pages = engine.pages(corpus["twenty.pdf"], PDF, usage)
    first = next(pages)
    assert first.number == 1
    assert [r["pages"] for r in ocr_requests(fake)] == [list(range(8))]  # only the first range
    rest = list(pages)
    assert [p.number for p in [first, *rest]] == list(range(1, 21))
    ranges = [r["pages"] for r in ocr_requests(fake)]
    assert ranges == [list(range(8)), list(range(8, 16)), list(range(16, 20))]
    assert builder.words(rest[-1].markdown) == builder.words(expected_markdown(20)[19])
    assert usage.pages == 20
    assert fake.state()["files"] == []


def test_a_failed_range_is_retried_alone(engine, fake, corpus):
    fake.set_faults([{}, {"status": 503}])
    assert len(list(engine.pages(corpus["twenty.pdf"], PDF))) == 20
    tries = [(r["pages"][0], r["status"]) for r in ocr_requests(fake)]
    assert tries == [(0, 200), (8, 503), (8, 200), (16, 200)]
    assert fake.state()["calls"]["upload"] == 1


def test_upload_is_deleted_when_the_caller_stops_after_the_first_page(engine, fake, corpus):
    pages = engine.pages(corpus["twenty.pdf"], PDF)
    assert next(pages).number == 1
    assert len(fake.state()["files"]) == 1  # still needed while pages are read
    pages.close()
    state = fake.state()
    assert state["files"] == []
    assert (state["calls"]["ocr"], state["calls"]["delete"]) == (1, 1)


def test_429_waits_for_retry_after_then_succeeds(engine, fake, corpus):
    fake.set_faults([{"status": 429, "retry_after": 1}])
    usage = Usage()
    assert len(list(engine.pages(corpus["text.pdf"], PDF, usage))) == 3
    refused, served = ocr_requests(fake)
    assert (refused["status"], served["status"]) == (429, 200)
    assert served["at_ms"] - refused["at_ms"] >= 1000  # not the ~10 ms backoff
    assert usage.pages == 3  # the refused call is not counted
    assert fake.state()["calls"]["upload"] == 1


def test_a_dropped_connection_is_retried(engine, fake, corpus):
    fake.set_faults([{"drop": True}])
    assert [p.number for p in engine.pages(corpus["text.pdf"], PDF)] == [1, 2, 3]
    assert [r["status"] for r in ocr_requests(fake)] == [-1, 200]


def test_persistent_5xx_gives_up_as_engine_unavailable(engine, fake, corpus):
    fake.set_faults([{"status": 500, "message": f"boom {n}"} for n in range(1, ATTEMPTS + 2)])
    with pytest.raises(EngineUnavailable, match=r"HTTP 500: boom 4\)") as caught:
        list(engine.pages(corpus["text.pdf"], PDF))
    assert caught.value.retryable
    assert len(ocr_requests(fake)) == ATTEMPTS
    assert fake.state()["files"] == []


@pytest.mark.parametrize(
    ("status", "error", "says"),
    [
        (401, EngineAuthFailed, "MISTRAL_API_KEY is missing or invalid"),
        (403, EngineAuthFailed, "MISTRAL_API_KEY is not allowed to use OCR"),
        (422, EngineRejected, "HTTP 422: Document has no readable pages"),
        (400, EngineRejected, "HTTP 400: Document has no readable pages"),
    ],
)
def test_client_errors_fail_at_once_with_the_apis_message(
    engine, fake, corpus, status, error, says
):
    fake.set_faults([{"status": status, "message": "Document has no readable pages"}])
    with pytest.raises(error) as caught:
        list(engine.pages(corpus["text.pdf"], PDF))
    assert says in caught.value.message
    assert not caught.value.retryable
    assert len(ocr_requests(fake)) == 1
    assert fake.state()["files"] == []  # deleted on failure too


def test_a_wrong_key_is_refused_at_upload(fake, corpus):
    fake.reset()
    engine = MistralEngine("not-the-key", fake.url)
    with pytest.raises(EngineAuthFailed, match="HTTP 401: Unauthorized"):
        list(engine.pages(corpus["text.pdf"], PDF))
    engine.close()
    assert fake.state()["calls"] == {"upload": 1}


def test_a_missing_key_fails_before_any_request(fake, corpus):
    fake.reset()
    with pytest.raises(EngineAuthFailed, match="MISTRAL_API_KEY is not set"):
        list(MistralEngine("", fake.url).pages(corpus["text.pdf"], PDF))
    assert fake.state()["requests"] == []


def test_a_hang_times_out_as_a_transient_error(fake, corpus):
    """Both OCR calls hang; each gives up at the engine's timeout, which the other
    calls (on loopback) share: generous for them, far shorter than the hang."""
    hang_s, timeout_s = 30.0, 1.0
    fake.reset()
    fake.set_faults([{"hang_s": hang_s}, {"hang_s": hang_s}])
    engine = MistralEngine(KEY, fake.url, timeout_s=timeout_s, attempts=2, wait_initial_s=0.01)
    started = time.monotonic()
    with pytest.raises(EngineUnavailable, match=r"did not answer within 1 s") as caught:
        list(engine.pages(corpus["text.pdf"], PDF))
    assert time.monotonic() - started < hang_s  # no call waited out a hang
    assert caught.value.retryable
    engine.close()
    assert len(ocr_requests(fake)) == 2
    assert fake.state()["files"] == []


def test_unreadable_and_unsupported_documents_fail_before_any_request(engine, fake, corpus):
    with pytest.raises(PdfEncrypted):
        list(engine.pages(corpus["encrypted.pdf"], PDF))
    with pytest.raises(UnsupportedFileType):
        list(engine.pages(corpus["page.png"], "image/gif"))
    assert fake.state()["requests"] == []


def test_the_control_api_scripts_faults_over_http(fake):
    fake.reset()
    with httpx.Client(base_url=fake.url) as http:
        assert http.post("/_fake/faults", json=[{"status": 500}]).json()["faults"] == 1
        refused = http.post("/v1/ocr", json={}, headers={"Authorization": f"Bearer {KEY}"})
        assert (refused.status_code, refused.headers["content-type"]) == (500, "application/json")
        state = http.get("/_fake/state").json()
        assert (state["faults"], state["calls"]) == (0, {"ocr": 1})
        assert http.post("/v1/ocr", json={}).status_code == 401  # no key


def test_the_registry_builds_it_from_settings(fake):
    env = {"OCR_ENGINE": "mistral", "MISTRAL_API_KEY": KEY, "MISTRAL_SERVER_URL": fake.url,
           "MISTRAL_TIMEOUT_S": "7.5"}  # fmt: skip
    engine = registry.Engines(config.load(env, dotenv=False)).get("mistral")
    assert isinstance(engine, MistralEngine)
    assert (engine.name, engine.timeout_s, engine.api_key) == ("mistral", 7.5, KEY)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '{"detail": [{"loc": ["body"], "msg": "Field required", "input": "x"}]}',
            "Field required",
        ),
        ('{"object": "error", "message": "Failed to fetch document"}', "Failed to fetch document"),
        ('{"message": {"detail": [{"msg": "a"}, {"msg": "b"}]}}', "a; b"),
        ("upstream\nconnect error", "upstream connect error"),
        ("", "no message"),
        ("x" * 2000, "x" * 497 + "..."),
    ],
)
def test_api_message_is_the_human_part_of_an_error_body(body, message):
    assert api_message(body) == message
