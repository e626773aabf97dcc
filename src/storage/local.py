"""Blobs as files under one directory (``BLOB_DIR``, the default store).

``put`` stores bytes already in memory (a file sent inline). Unsynced, for a
batch's group commit, it writes a local blob in place under its fresh key,
without the rename (which costs as much again as the write): no row names
that key until ``sync()`` made the batch durable, so a crash in between
leaves an unnamed file, never a half-written blob that a document points to.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import errno
import fcntl
import hashlib
import mmap
import os
import pathlib
import secrets
import threading
from collections.abc import Callable, Iterator
from typing import BinaryIO

from ilios.errors import FileTooLarge, StorageUnavailable
from ilios.storage.blob import (
    HEAD_BYTES,
    WRITE_FAILED,
    BlobWriter,
    Chunk,
    check_key,
    is_key,
)

# A local blob goes to disk in windows of this many bytes while it is written
# (see ``LocalWriter``): at most two windows of it are in memory at once.
WRITEBACK_WINDOW_BYTES = 8 * 1024 * 1024
# Direct I/O wants buffers, offsets and lengths in multiples of the device's
# logical block size; 4096 covers every common disk (512 and 4096).
DIRECT_ALIGN_BYTES = 4096


class LocalWriter:
    """A blob written to a temporary file, published by ``commit()``.

    Thread-safe between one writer and any aborter: ``abort()`` waits for a
    write in progress, removes the temporary file, and every later write fails.

    Large blobs go to disk while they stream in (``WRITEBACK = True``), so
    ``commit()``'s fsync finds almost nothing left to write. Where the file
    system takes direct I/O (``O_DIRECT``: ext4, XFS, btrfs, tmpfs on recent
    kernels), chunks are copied into one of two aligned windows of
    ``WRITEBACK_WINDOW_BYTES``, and each full window is written straight to
    the disk by a helper thread while the other fills: the page cache is not
    touched (no kernel copy, no dirty pages to track, write back and drop). The
    tail, not a whole block, is written through the page cache at ``commit()``.
    Elsewhere (or with ``direct=False``) the file is written through the page
    cache: each full window is handed to the disk at once (``sync_file_range``)
    and the window before it is waited for and dropped from the page cache, so
    an upload keeps about two windows of page cache instead of the whole file.
    """

    HEAD_BYTES = HEAD_BYTES
    WRITEBACK = True

    def __init__(self, final: pathlib.Path, max_size: int, direct: bool = True) -> None:
        self.final = final
        self.max_size = max_size
        self.size = 0
        self._hash = hashlib.sha256()
        self._head = b""
        self._lock = threading.Lock()
        self._aborted = False
        self._direct: _DirectFile | None = None
        self._file: BinaryIO | None = None
        self.temp = self._create_temp(direct and self.WRITEBACK)
        self._handed_to_disk = 0  # bytes whose writeback has been started
        self._on_disk = 0  # bytes written back and dropped from the page cache

    def _create_temp(self, direct: bool) -> pathlib.Path:
        """Create the temporary file, locked (``flock``) for as long as it is open.

        The lock tells a partial blob being written from one whose writer died:
        the sweeper removes a ``.part`` file only once it can lock it. A file
        the sweeper removed between its creation and the lock is made again.
        """
        for _ in range(3):
            temp = self.final.with_name(f".{self.final.name}.{secrets.token_hex(4)}.part")
            self._direct = _DirectFile.open(temp) if direct else None
            self._file = None if self._direct else open(temp, "wb")
            fd = self._direct.fd if self._direct else self._file.fileno()  # type: ignore[union-attr]
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_nlink:
                return temp
            self._close_files()
        raise OSError(errno.EAGAIN, f"could not create a temporary file in {self.final.parent}")

    @property
    def direct(self) -> bool:
        """Whether this blob bypasses the page cache (see the class docstring)."""
        return self._direct is not None

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def head(self) -> bytes:
        """The first bytes written (for type detection)."""
        return self._head

    def write(self, chunk: Chunk) -> None:
        """Append ``chunk`` (any bytes-like object; not kept after the call)."""
        with self._lock:
            if self._aborted:
                raise StorageUnavailable("The upload was abandoned.")
            self._write(memoryview(chunk).cast("B"))

    def _write(self, chunk: memoryview) -> None:
        self.size += len(chunk)
        if self.size > self.max_size:
            self._discard()
            raise FileTooLarge(limit_bytes=str(self.max_size))
        if len(self._head) < self.HEAD_BYTES:
            self._head += chunk[: self.HEAD_BYTES - len(self._head)]
        self._hash.update(chunk)
        try:
            if self._direct is not None:
                self._direct.write(chunk)
            else:
                assert self._file is not None
                self._file.write(chunk)
                if self.WRITEBACK and self.size - self._handed_to_disk >= WRITEBACK_WINDOW_BYTES:
                    self._write_back(self._file)
        except OSError as exc:
            self._discard()
            raise StorageUnavailable(WRITE_FAILED, detail=str(exc)) from exc

    def _write_back(self, file: BinaryIO) -> None:
        """Start writing the newest window to disk; finish and drop the one before.

        Advisory only (``sync_file_range`` is Linux's): where it is missing
        nothing happens here and ``commit()``'s fsync does all the work. A
        write error it meets stays recorded on the file, so that fsync reports it.
        """
        if _sync_file_range is None:
            return
        file.flush()
        fd = file.fileno()
        _sync_file_range(fd, self._handed_to_disk, self.size - self._handed_to_disk, _SFR_WRITE)
        if self._handed_to_disk > self._on_disk:
            done = self._handed_to_disk - self._on_disk
            _sync_file_range(
                fd, self._on_disk, done, _SFR_WAIT_BEFORE | _SFR_WRITE | _SFR_WAIT_AFTER
            )
            os.posix_fadvise(fd, self._on_disk, done, os.POSIX_FADV_DONTNEED)
            self._on_disk = self._handed_to_disk
        self._handed_to_disk = self.size

    def commit(self, sync: bool = True) -> None:
        """Publish the blob under its key; with ``sync``, durably (data and name).

        ``sync=False`` is for group commits: many blobs, then one ``store.sync()``.
        """
        with self._lock:
            if self._aborted:
                raise StorageUnavailable("The upload was abandoned.")
            try:
                if self._direct is not None:
                    self._direct.finish(sync)
                else:
                    assert self._file is not None
                    self._file.flush()
                    if sync:
                        os.fsync(self._file.fileno())
                os.replace(self.temp, self.final)  # still locked: see _create_temp
                self._close_files()
                if sync:
                    _fsync_dir(self.final.parent)
            except OSError as exc:
                self._discard()
                raise StorageUnavailable(WRITE_FAILED, detail=str(exc)) from exc

    def abort(self) -> None:
        """Drop the temporary file (idempotent; waits for a write in progress)."""
        with self._lock:
            self._discard()

    def _discard(self) -> None:
        self._aborted = True
        self.temp.unlink(missing_ok=True)  # before closing: unlinked while still locked
        self._close_files()

    def _close_files(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.close()
        if self._direct is not None:
            self._direct.close()


class _DirectFile:
    """A file written with ``O_DIRECT`` from two aligned windows (see ``LocalWriter``).

    ``write()`` copies into the current window; a full window is written by a
    helper thread (started with the first one) while the other fills. An error
    of that write is raised by the next ``write()`` or by ``finish()``.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._windows = [mmap.mmap(-1, WRITEBACK_WINDOW_BYTES) for _ in range(2)]
        self._current = 0  # index of the window being filled
        self._filled = 0  # bytes in it
        self._thread: concurrent.futures.ThreadPoolExecutor | None = None
        self._writing: concurrent.futures.Future[None] | None = None
        self._closed = False

    @classmethod
    def open(cls, path: pathlib.Path) -> _DirectFile | None:
        """Create ``path`` for direct I/O; None where the file system refuses it."""
        flag = getattr(os, "O_DIRECT", 0)
        if not flag:
            return None
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | flag, 0o644)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            return None
        return cls(fd)

    def write(self, chunk: memoryview) -> None:
        while chunk:
            window = self._windows[self._current]
            taken = min(len(chunk), WRITEBACK_WINDOW_BYTES - self._filled)
            window[self._filled : self._filled + taken] = chunk[:taken]
            self._filled += taken
            chunk = chunk[taken:]
            if self._filled == WRITEBACK_WINDOW_BYTES:
                self._wait()
                if self._thread is None:
                    self._thread = concurrent.futures.ThreadPoolExecutor(1, "ilios-blob")
                self._writing = self._thread.submit(_write_all, self.fd, window)
                self._current, self._filled = 1 - self._current, 0

    def finish(self, sync: bool) -> None:
        """Write what is left (whole blocks directly, the tail through the page
        cache), with ``sync`` fsync; ``close()`` follows."""
        self._wait()
        window = self._windows[self._current]
        blocks = self._filled - self._filled % DIRECT_ALIGN_BYTES
        _write_all(self.fd, window, 0, blocks)
        fcntl.fcntl(self.fd, fcntl.F_SETFL, fcntl.fcntl(self.fd, fcntl.F_GETFL) & ~os.O_DIRECT)
        _write_all(self.fd, window, blocks, self._filled)
        if sync:
            os.fsync(self.fd)  # the tail, the size and the device's cache

    def close(self) -> None:
        """Wait for a write in flight (its error ignored), free the windows, close
        the file (idempotent)."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            self._wait()
        if self._thread is not None:
            self._thread.shutdown()
        for window in self._windows:
            window.close()
        os.close(self.fd)

    def _wait(self) -> None:
        if self._writing is not None:
            writing, self._writing = self._writing, None
            writing.result()


def remove_if_abandoned(path: pathlib.Path) -> bool:
    """Remove a partial blob (``.*.part``) whose writer is gone; True if removed.

    A writer holds its temporary file locked until it commits or aborts (see
    ``LocalWriter._create_temp``), so a file that can be locked has no writer.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # being written
    else:
        path.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)


def write_file(path: pathlib.Path, data: Chunk, flags: int = os.O_TRUNC, mode: int = 0o644) -> None:
    """Create ``path`` (``os.open`` with O_WRONLY | O_CREAT | ``flags``) and write
    all of ``data``; a file left part-written by an error is removed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | flags, mode)
    try:
        view = memoryview(data).cast("B")
        while view:
            view = view[os.write(fd, view) :]
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)


def _write_all(fd: int, data: Chunk | mmap.mmap, start: int = 0, stop: int | None = None) -> None:
    """Write ``data[start:stop]`` at the file's offset; a short write means the disk is full.

    The views are released even when the write fails, so that an mmap window
    can still be closed while the error's traceback lives.
    """
    with memoryview(data) as whole, whole[start:stop] as view:
        expected = len(view)
        written = os.write(fd, view)
    if written != expected:
        raise OSError(errno.ENOSPC, "short write: the disk is full")


class LocalBlobStore:
    """Blobs as files under one directory."""

    def __init__(self, root: pathlib.Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._folders: set[pathlib.Path] = set()  # made already (a batch has 1,000 blobs)

    def _path(self, key: str) -> pathlib.Path:
        return self.root / check_key(key)

    def check(self) -> None:
        """The directory must be writable (fail start-up, not the first job)."""
        probe = self.root / f".probe-{secrets.token_hex(4)}"
        try:
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise StorageUnavailable(
                f"The blob directory {self.root} is not writable: fix BLOB_DIR or DATA_DIR.",
                detail=str(exc),
            ) from exc

    def _folder_made(self, key: str) -> pathlib.Path:
        path = self._path(key)
        if path.parent not in self._folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(path.parent)
        return path

    def writer(self, key: str, max_size: int) -> BlobWriter:
        try:
            return LocalWriter(self._folder_made(key), max_size)
        except OSError as exc:
            raise StorageUnavailable(WRITE_FAILED, detail=str(exc)) from exc

    def put(self, key: str, data: Chunk, sync: bool = True) -> str:
        """Store ``data`` under ``key``; return its sha256. ``sync=False``: in place,
        durable at the next ``sync()``, for fresh keys no row names yet (see above)."""
        if sync:
            writer = self.writer(key, len(data))
            writer.write(data)
            writer.commit()
            return writer.sha256
        try:
            write_file(self._folder_made(key), data)
        except OSError as exc:
            raise StorageUnavailable(WRITE_FAILED, detail=str(exc)) from exc
        return hashlib.sha256(data).hexdigest()

    def sync(self) -> None:
        """Make every blob committed with ``sync=False`` durable, in one call (syncfs)."""
        fd = os.open(self.root, os.O_RDONLY)
        try:
            if _LIBC is None or _LIBC.syncfs(fd) != 0:
                os.sync()
        finally:
            os.close(fd)

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError as exc:
            raise StorageUnavailable(
                "The stored file is missing from blob storage.", key=key
            ) from exc

    @contextlib.contextmanager
    def local_path(self, key: str) -> Iterator[pathlib.Path]:
        """A path to read the blob from, valid inside the ``with`` block."""
        path = self._path(key)
        if not path.exists():
            raise StorageUnavailable("The stored file is missing from blob storage.", key=key)
        yield path

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def size(self, key: str) -> int | None:
        """The blob's size in bytes (None: no such blob)."""
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None

    def presign(self, key: str, method: str, expires_s: int) -> str | None:
        """None: a directory has no URLs of its own (the gateway serves the bytes)."""
        return None

    def keys_before(self, prefix: str, cutoff_s: float) -> Iterator[str]:
        """The keys under ``prefix`` last written or renamed before ``cutoff_s``
        (Unix time; a rename sets the change time, when a blob becomes final)."""
        try:
            entries = os.scandir(self.root / prefix)
        except FileNotFoundError:
            return
        with entries:
            for entry in entries:
                key = f"{prefix}/{entry.name}"
                if not is_key(key):  # partial blobs (.*.part), strangers
                    continue
                try:
                    stat = entry.stat()
                except FileNotFoundError:
                    continue
                if max(stat.st_mtime, stat.st_ctime) < cutoff_s:
                    yield key


def _fsync_dir(folder: pathlib.Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _libc()
_SFR_WAIT_BEFORE, _SFR_WRITE, _SFR_WAIT_AFTER = 1, 2, 4  # sync_file_range(2) flags


def _sync_file_range_fn() -> Callable[[int, int, int, int], int] | None:
    """libc's ``sync_file_range(fd, offset, nbytes, flags)``, or None (not Linux)."""
    function = getattr(_LIBC, "sync_file_range", None)
    if function is None:
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    function.restype = ctypes.c_int
    typed: Callable[[int, int, int, int], int] = function
    return typed


_sync_file_range = _sync_file_range_fn()
