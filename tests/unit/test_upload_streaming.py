"""The pieces of the upload path: blob writer windows, write-behind, chunk framing."""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import hashlib
import os
import threading

import pytest
from google.protobuf.message import DecodeError

from ilios.errors import FileTooLarge, StorageUnavailable
from ilios.server.write_behind import WriteBehind
from ilios.storage.local import (
    DIRECT_ALIGN_BYTES,
    WRITEBACK_WINDOW_BYTES,
    LocalBlobStore,
    LocalWriter,
)
from ilios.upload_frames import chunk_message, upload_request
from ilios.v1 import conversion_service_pb2 as pb

MIB = 1024 * 1024


# --- LocalBlobStore.put -------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False])
def test_put_stores_bytes_whole_and_returns_their_sha256(tmp_path, sync):
    store = LocalBlobStore(tmp_path)
    data = os.urandom(100_000)
    assert store.put("originals/doc_a", memoryview(data), sync) == hashlib.sha256(data).hexdigest()
    if not sync:
        store.sync()  # a batch's group commit
    assert (tmp_path / "originals" / "doc_a").read_bytes() == data
    assert [p.name for p in (tmp_path / "originals").iterdir()] == ["doc_a"]  # no temp left
    with store.local_path("originals/doc_a") as path:
        assert path.read_bytes() == data


@pytest.mark.parametrize("sync", [True, False])
def test_put_into_a_folder_that_cannot_be_written_is_a_clear_error(tmp_path, sync):
    store = LocalBlobStore(tmp_path)
    (tmp_path / "originals").write_bytes(b"")  # a file where the folder should be
    with pytest.raises(StorageUnavailable, match="disk full"):
        store.put("originals/doc_a", b"x", sync=sync)  # sync: through a writer


# --- LocalWriter ---------------------------------------------------------------------


@pytest.mark.parametrize("direct", [True, False])
def test_a_blob_of_many_writeback_windows_is_stored_whole(tmp_path, direct):
    (tmp_path / "uploads").mkdir()
    data = os.urandom(2 * MIB) * (WRITEBACK_WINDOW_BYTES // MIB + 2)  # several windows
    data += b"tail"  # not a whole block: written through the page cache
    writer = LocalWriter(tmp_path / "uploads" / "big", max_size=len(data), direct=direct)
    if not direct:
        assert not writer.direct
    view = memoryview(data)
    for start in range(0, len(data), 3 * MIB + 17):  # odd sizes straddle windows
        writer.write(view[start : start + 3 * MIB + 17])
    writer.commit()
    assert (tmp_path / "uploads" / "big").read_bytes() == data
    assert writer.sha256 == hashlib.sha256(data).hexdigest()
    assert writer.size == len(data)
    assert writer.head() == data[: writer.HEAD_BYTES]
    assert not [p for p in (tmp_path / "uploads").iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize(
    "size", [0, 1, DIRECT_ALIGN_BYTES - 1, DIRECT_ALIGN_BYTES, 3 * DIRECT_ALIGN_BYTES + 5]
)
def test_small_blobs_and_block_sized_tails_are_stored_whole(tmp_path, size):
    store = LocalBlobStore(tmp_path)
    data = os.urandom(WRITEBACK_WINDOW_BYTES + size)  # one whole window, then the rest
    writer = store.writer("uploads/big", max_size=len(data))
    writer.write(data)
    writer.commit()
    assert (tmp_path / "uploads" / "big").read_bytes() == data
    small = os.urandom(size)
    assert store.put("uploads/small", small) == hashlib.sha256(small).hexdigest()
    assert (tmp_path / "uploads" / "small").read_bytes() == small


def test_the_size_limit_bites_while_streaming_and_drops_the_partial_blob(tmp_path):
    store = LocalBlobStore(tmp_path)
    writer = store.writer("uploads/big", max_size=WRITEBACK_WINDOW_BYTES + MIB)
    block = bytes(MIB)
    with pytest.raises(FileTooLarge):
        for _ in range(WRITEBACK_WINDOW_BYTES // MIB + 2):
            writer.write(block)
    assert list((tmp_path / "uploads").iterdir()) == []
    with pytest.raises(StorageUnavailable):
        writer.write(block)


def test_an_abort_after_windows_were_written_back_leaves_nothing(tmp_path):
    store = LocalBlobStore(tmp_path)
    writer = store.writer("uploads/big", max_size=64 * MIB)
    for _ in range(2 * WRITEBACK_WINDOW_BYTES // MIB + 1):
        writer.write(bytes(MIB))
    writer.abort()
    assert list((tmp_path / "uploads").iterdir()) == []
    with pytest.raises(StorageUnavailable):
        writer.commit()


# --- WriteBehind ---------------------------------------------------------------------


@pytest.fixture
def pool():
    with concurrent.futures.ThreadPoolExecutor(2) as executor:
        yield executor


def test_write_behind_writes_every_chunk_in_order(pool):
    written: list[bytes] = []

    async def main() -> None:
        behind = WriteBehind(written.append, pool, limit_bytes=10, batch_bytes=4)
        for n in range(50):
            await behind.put(bytes([n]) * 3)
        await behind.drain()

    asyncio.run(main())
    assert written == [bytes([n]) * 3 for n in range(50)]


def test_write_behind_holds_at_most_its_limit_while_the_writer_is_stuck(pool):
    release = threading.Event()
    written: list[bytes] = []

    def slow_write(chunk: bytes) -> None:
        release.wait(30)
        written.append(chunk)

    async def main() -> None:
        behind = WriteBehind(slow_write, pool, limit_bytes=4)
        await behind.put(b"a")  # in flight, stuck
        for chunk in (b"b", b"c", b"d"):
            await behind.put(chunk)  # waiting: 3 bytes, under the limit
        fourth = asyncio.create_task(behind.put(b"e"))  # 4 bytes waiting: must wait
        # Let the task run until it blocks; no time passes. A condition cannot
        # show that something is still blocked, so the loop is yielded to.
        for _ in range(20):
            await asyncio.sleep(0)  # wait-ok: yields to the event loop only
        assert not fourth.done()
        release.set()
        await fourth
        await behind.drain()

    asyncio.run(main())
    assert written == [b"a", b"b", b"c", b"d", b"e"]


def test_write_behind_reports_a_failed_write_and_stops(pool):
    def failing(chunk: bytes) -> None:
        if chunk == b"bad":
            raise FileTooLarge(limit_bytes="2")

    async def main() -> None:
        behind = WriteBehind(failing, pool, limit_bytes=1)
        with pytest.raises(FileTooLarge):
            for chunk in (b"ok", b"bad", b"ok", b"ok", b"ok"):
                await behind.put(chunk)
            await behind.drain()
        behind.discard()

    asyncio.run(main())


def test_a_discarded_write_behind_does_not_report_its_failure(pool):
    release = threading.Event()
    reported: list[dict] = []

    def failing(chunk: bytes) -> None:
        release.wait(30)
        raise StorageUnavailable("The upload was abandoned.")

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _, ctx: reported.append(ctx))
        behind = WriteBehind(failing, pool, limit_bytes=100)
        await behind.put(b"x")
        in_flight = behind._in_flight  # to wait for it without retrieving its outcome
        assert in_flight is not None
        behind.discard()
        release.set()
        await asyncio.wait([in_flight])
        del behind, in_flight
        gc.collect()  # an unretrieved failure is reported when its future is collected

    asyncio.run(main())
    assert reported == []


# --- the server's Upload deserializer --------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 127, 128, 16383, 16384, MIB, 4 * MIB + 5])
def test_upload_chunks_are_views_of_what_arrived(size):
    data = os.urandom(size)
    message = pb.UploadRequest(chunk=data).SerializeToString()
    parsed = upload_request(message)
    assert isinstance(parsed, memoryview)
    assert parsed.obj is message  # not copied
    assert parsed == data


@pytest.mark.parametrize(
    "request_",
    [
        pb.UploadRequest(metadata=pb.UploadMetadata(file_name="a.pdf", size_bytes=3)),
        pb.UploadRequest(),
    ],
)
def test_other_upload_messages_are_parsed_by_protobuf(request_):
    assert upload_request(request_.SerializeToString()) == request_


def test_chunk_messages_with_more_fields_are_parsed_by_protobuf():
    # A chunk followed by another field (here a second chunk: the last one wins).
    message = chunk_message([b"first"], 5) + chunk_message([b"second"], 6)
    parsed = upload_request(message)
    assert isinstance(parsed, pb.UploadRequest) and parsed.chunk == b"second"
    with pytest.raises(DecodeError):
        upload_request(chunk_message([b"short"], 9))  # says 9 bytes, carries 5


# --- the gateway's chunk framing --------------------------------------------------------


@pytest.mark.parametrize("size", [1, 127, 128, 300, 16383, 16384, MIB, 4 * MIB + 5])
def test_chunk_messages_are_what_protobuf_would_serialize(size):
    data = os.urandom(size)
    parts = [data[: size // 3], data[size // 3 :]]
    message = chunk_message(parts, size)
    assert message == pb.UploadRequest(chunk=data).SerializeToString()
    assert pb.UploadRequest.FromString(message).chunk == data
