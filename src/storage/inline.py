"""Small originals kept in the database, beside the documents that name them.

A file sent inline (inside the request) and no larger than ``INLINE_MAX_BYTES``
is not written to the blob store: ``Documents.create`` (``ilios.store``)
inserts its bytes in the transaction that creates its document. One commit then makes the document,
its job and its original durable together, where a file of its own cost a
file creation (and, outside a batch, its fsyncs) first; for a batch of a
thousand small files that was most of the time the intake took, and it grew
with whatever else the file system was busy with.

``InlineStore`` serves the ``BlobStore`` protocol for every process that reads
originals: a key found in the ``inline_blobs`` table is read from there, any
other goes to the configured store (the local directory or S3).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pathlib
import secrets
import shutil
from collections.abc import Iterator
from typing import BinaryIO

from ilios.config import Settings
from ilios.errors import StorageUnavailable
from ilios.storage.blob import BlobStore, BlobWriter, Chunk
from ilios.storage.local import write_file
from ilios.store.inline import InlineBlobs


class InlineStore:
    """The ``BlobStore`` protocol over ``backing``, reading inline originals from ``inline``."""

    def __init__(self, backing: BlobStore, inline: InlineBlobs, scratch: pathlib.Path) -> None:
        self.backing = backing
        self.inline = inline
        # Where this store copies inline originals for engines (in the service's scratch folder).
        self.folder = scratch / f"inline-{secrets.token_hex(8)}"

    def close(self) -> None:
        """Remove this store's scratch folder, and the service's if no other store
        uses it (call when no engine reads a copy any more)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.folder.parent.rmdir()  # fails (and is left) while another store's is in it

    def check(self) -> None:
        self.backing.check()

    def sync(self) -> None:
        self.backing.sync()

    def writer(self, key: str, max_size: int) -> BlobWriter:
        return self.backing.writer(key, max_size)

    def put(self, key: str, data: Chunk, sync: bool = True) -> str:
        return self.backing.put(key, data, sync)

    def open(self, key: str) -> BinaryIO:
        content = self.inline.get(key)
        return self.backing.open(key) if content is None else io.BytesIO(content)

    @contextlib.contextmanager
    def local_path(self, key: str) -> Iterator[pathlib.Path]:
        """A path to read the blob from; an inline original is copied to a scratch
        file (engines read paths), removed after the ``with`` block."""
        content = self.inline.get(key)
        if content is None:
            with self.backing.local_path(key) as path:
                yield path
            return
        # The copy keeps the blob's file name (the document id), as a path into
        # the local store would, in this store's own folder (made once, and
        # again if the sweeper removed it while empty).
        path = self.folder / key.rpartition("/")[2]
        try:
            try:
                _write_new(path, content)
            except FileNotFoundError:
                self.folder.mkdir(parents=True, exist_ok=True)
                _write_new(path, content)
        except OSError as exc:
            raise StorageUnavailable(
                "Could not copy the original to the temporary folder (is the disk full?).",
                key=key,
                detail=str(exc),
            ) from exc
        try:
            yield path
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def delete(self, key: str) -> None:
        self.inline.delete(key)
        self.backing.delete(key)

    def size(self, key: str) -> int | None:
        content = self.inline.get(key)
        return self.backing.size(key) if content is None else len(content)

    def presign(self, key: str, method: str, expires_s: int) -> str | None:
        """The backing store's URL; None for an original kept in the database."""
        if method == "GET" and self.inline.get(key) is not None:
            return None
        return self.backing.presign(key, method, expires_s)

    def keys_before(self, prefix: str, cutoff_s: float) -> Iterator[str]:
        """The backing store's keys (an inline original is written with its row)."""
        return self.backing.keys_before(prefix, cutoff_s)


def _write_new(path: pathlib.Path, content: bytes) -> None:
    """Write ``content`` to a new file at ``path`` (an existing one is an error)."""
    write_file(path, content, flags=os.O_EXCL, mode=0o600)


def scratch_dir(settings: Settings) -> pathlib.Path:
    """Where workers copy inline originals for engines: a folder in RAM (``/dev/shm``)
    when there is one, so a job costs no file-system journal work; else TMP_DIR.

    One folder per service (named from its TMP_DIR), swept like TMP_DIR.
    """
    shm = pathlib.Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        tag = hashlib.sha256(str(settings.tmp_dir.resolve()).encode()).hexdigest()[:16]
        return shm / f"ilios-{tag}"
    return settings.tmp_dir / "inline"
