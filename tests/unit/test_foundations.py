"""Errors, configuration, doorbells and page joining."""

from __future__ import annotations

import itertools
import pathlib
import re
import time

import grpc
import pytest

from ilios import config, doorbell, errors
from ilios.apikeys import check_key
from ilios.errors import to_status
from ilios.markdown import join_pages


def all_errors() -> list[type[errors.IliosError]]:
    return errors.all_classes()


def test_reasons_are_unique_stable_upper_snake():
    reasons = [cls.reason for cls in all_errors()]
    assert len(reasons) == len(set(reasons))
    for reason in reasons:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+", reason), reason


@pytest.mark.parametrize("cls", all_errors(), ids=lambda c: c.reason)
def test_every_error_has_a_message_and_consistent_codes(cls):
    err = cls()
    assert err.message and not err.message.startswith(cls.__name__)
    assert 400 <= cls.http_status < 600
    if cls.http_status < 500:
        assert cls.grpc_code not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNAVAILABLE)


def test_the_tree_in_the_docstring_names_every_class():
    for cls in all_errors():
        assert cls.__name__ in errors.__doc__, cls.__name__


def test_status_round_trip_keeps_reason_and_details():
    status = to_status(errors.FileTooLarge(limit_bytes="10"))
    assert status.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    rebuilt = errors.from_reason("FILE_TOO_LARGE", "m", limit_bytes="10")
    assert isinstance(rebuilt, errors.FileTooLarge) and rebuilt.details == {"limit_bytes": "10"}
    assert type(errors.from_reason("NO_SUCH_REASON")) is errors.IliosError


class BareStatus(grpc.RpcError):
    """A status as gRPC itself ends a call: no ErrorInfo in its trailers."""

    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        self._code, self._details = code, details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> tuple:
        return ()


@pytest.mark.parametrize(
    ("code", "details", "expected"),
    [
        (
            grpc.StatusCode.UNAVAILABLE,
            "failed to connect to all addresses",
            errors.ServiceUnavailable,
        ),
        (grpc.StatusCode.INTERNAL, errors.CORE_WRITE_FAILED, errors.ServiceUnavailable),
        (grpc.StatusCode.INTERNAL, "Invalid metadata", errors.IliosError),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "larger than max", errors.MessageTooLarge),
    ],
)
def test_a_status_from_grpc_itself_becomes_the_nearest_error(code, details, expected):
    error = errors.from_rpc_error(BareStatus(code, details), keep_message=False)
    assert type(error) is expected and error.details == {"grpc_code": code.name}
    assert details not in error.message  # the transport's words stay in the log


def test_key_check():
    check_key((), "")  # auth off
    check_key(("k",), "k")
    check_key(("a", "b"), "b")  # API_KEY=a,b: either key
    with pytest.raises(errors.ApiKeyMissing):
        check_key(("k",), "")
    for wrong in ("K", "a,b", "k" * 300):
        with pytest.raises(errors.ApiKeyInvalid):
            check_key(("k", "a", "b"), wrong)
    assert config.load({"API_KEY": "a, b,"}).api_keys == ("a", "b")


def test_config_defaults_work_on_a_fresh_machine():
    settings = config.load({}, dotenv=False)
    assert (settings.port, settings.grpc_port) == (1337, 50051)
    assert settings.db_path == pathlib.Path("data/ilios.db")
    assert settings.ocr_engine == "local"
    assert settings.max_file_size == 1024**3
    assert settings.worker_count >= 1


def test_config_follows_data_dir_and_reference_names():
    settings = config.load(
        {"DATA_DIR": "/srv/ilios", "MISTRAL_API_KEY": "k", "MAX_FILE_SIZE": "50MB"}, dotenv=False
    )
    assert settings.db_path == pathlib.Path("/srv/ilios/ilios.db")
    assert settings.blob_dir == pathlib.Path("/srv/ilios/blobs")
    assert settings.ocr_engine == "mistral"
    assert settings.max_file_size == 50 * 2**20
    explicit = config.load({"DATA_DIR": "/d", "LOCAL_DB_PATH": "/db/x.db"}, dotenv=False)
    assert explicit.db_path == pathlib.Path("/db/x.db")


@pytest.mark.parametrize(
    ("name", "value"),
    [("PORT", "http"), ("WORKER_COUNT", "-1"), ("OCR_ENGINE", "gpt"), ("MAX_FILE_SIZE", "big")],
)
def test_config_rejects_bad_values_with_the_setting_named(name, value):
    with pytest.raises(config.ConfigError, match=name):
        config.load({name: value}, dotenv=False)


def test_doorbell_wakes_a_listener(tmp_path):
    bell = doorbell.Bell(tmp_path, "worker")
    try:
        assert bell.wait(0) == []
        assert doorbell.ring(tmp_path, "worker", b"doc_1") == 1
        assert doorbell.ring(tmp_path, "server", b"x") == 0
        assert bell.wait(5) == [b"doc_1"]
    finally:
        bell.close()
    assert not list(tmp_path.glob("*.sock"))


def test_ringer_finds_new_bells_and_drops_dead_ones(tmp_path):
    ringer = doorbell.Ringer(tmp_path)
    first = doorbell.Bell(tmp_path, "server")
    second = None
    try:
        assert ringer.ring("server", b"a") == 1
        second = doorbell.Bell(tmp_path, "server")  # bound after the list was made
        assert ringer.ring("server", b"b") == 2
        assert first.wait(5) == [b"a", b"b"] and second.wait(5) == [b"b"]
        first.sock.close()  # a listener that died without removing its socket
        assert ringer.ring("server", b"c") == 1
        assert not first.path.exists() and second.wait(5) == [b"c"]
    finally:
        ringer.close()
        for bell in (first, second):
            if bell is not None:
                bell.close()


def test_ringing_a_dead_listener_cleans_up(tmp_path):
    bell = doorbell.Bell(tmp_path, "worker")
    bell.sock.close()  # died without unlinking
    assert doorbell.ring(tmp_path, "worker") == 0
    assert not bell.path.exists()


def test_join_pages_marks_every_page_after_the_first():
    text = join_pages([(1, "# A\n"), (2, "b"), (3, " c ")])
    assert text == "# A\n\n<!-- page 2 -->\n\nb\n\n<!-- page 3 -->\n\nc\n"
    assert join_pages([]) == ""


def test_the_client_public_face_is_sorted_and_complete():
    import ilios.client

    assert ilios.client.__all__ == sorted(ilios.client.__all__)
    for name in ilios.client.__all__:
        assert hasattr(ilios.client, name), name


def test_transient_calls_retry_with_backoff_then_give_up():
    from ilios import retry
    from ilios.errors import CorruptFile, StorageUnavailable

    calls: list[float] = []

    @retry.transient
    def flaky(failures: int, error: type[Exception] = StorageUnavailable) -> int:
        calls.append(time.monotonic())
        if len(calls) <= failures:
            raise error()
        return len(calls)

    assert flaky(0) == 1
    calls.clear()
    assert flaky(2) == 3
    first, second = (b - a for a, b in itertools.pairwise(calls))
    assert first >= 0.2 and second >= 0.4  # backoff 0.2 s, then 0.4 s (each plus jitter)
    calls.clear()
    with pytest.raises(StorageUnavailable):
        flaky(99)
    assert len(calls) == retry.CALL_ATTEMPTS
    calls.clear()
    with pytest.raises(CorruptFile):  # permanent errors are not retried
        flaky(99, CorruptFile)
    assert len(calls) == 1
