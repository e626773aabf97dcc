"""What every blob store is: keys, writers and the ``BlobStore`` protocol.

Keys derive from ids (``originals/<document id>``, ``uploads/<upload id>``),
never from user file names. Writes stream through a ``BlobWriter`` in bounded
memory and appear atomically (written to a temporary name, then renamed or
uploaded), so a crash never leaves a half-written blob under a real key.
"""

from __future__ import annotations

import contextlib
import pathlib
import re
from collections.abc import Iterator
from typing import BinaryIO, Protocol, TypeAlias

CHUNK_BYTES = 1024 * 1024
HEAD_BYTES = 4096  # the first bytes of a blob, kept for type detection
WRITE_FAILED = "Could not write the file to blob storage (is the disk full?)."
Chunk: TypeAlias = bytes | bytearray | memoryview  # what a writer takes, not copied
_KEY = re.compile(r"^[a-z]+/[a-z0-9_]+$")


class BlobWriter(Protocol):
    """A blob being written: ``write()`` chunks, then ``commit()`` or ``abort()``."""

    size: int

    @property
    def sha256(self) -> str: ...
    def write(self, chunk: Chunk) -> None: ...
    def head(self) -> bytes: ...
    def commit(self, sync: bool = True) -> None: ...
    def abort(self) -> None: ...


class BlobStore(Protocol):
    def check(self) -> None: ...
    def sync(self) -> None: ...
    def writer(self, key: str, max_size: int) -> BlobWriter: ...
    def put(self, key: str, data: Chunk, sync: bool = True) -> str: ...
    def open(self, key: str) -> BinaryIO: ...
    @contextlib.contextmanager
    def local_path(self, key: str) -> Iterator[pathlib.Path]: ...
    def delete(self, key: str) -> None: ...
    def keys_before(self, prefix: str, cutoff_s: float) -> Iterator[str]: ...
    def size(self, key: str) -> int | None: ...
    def presign(self, key: str, method: str, expires_s: int) -> str | None: ...


def is_key(key: str) -> bool:
    """Whether ``key`` has the form of a blob key (``<kind>/<id>``)."""
    return _KEY.match(key) is not None


def check_key(key: str) -> str:
    if not is_key(key):
        raise ValueError(f"invalid blob key {key!r}")
    return key


def chunks(stream: BinaryIO, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Read ``stream`` in chunks of at most ``size`` bytes."""
    while block := stream.read(size):
        yield block
