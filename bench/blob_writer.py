"""The local blob writer alone: direct I/O and write-back windows beside a plain
buffered write and fsync, in one run.

Writes SIZE (default 1 GiB; --quick 256 MiB) in 1 MiB chunks, three ways, each
twice, and prints MB/s and how much the page cache grew (``Cached`` in
/proc/meminfo) with ratios against the plain write. The plain way is what the
writer would be without its windows: ``open``, ``write``, ``fsync``, rename.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import tempfile
import time

from ilios.storage.local import LocalWriter

MIB = 1024 * 1024


def cached_kib() -> int:
    for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("Cached:"):
            return int(line.split()[1])
    return 0


def drop_file_cache(path: pathlib.Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def plain(path: pathlib.Path, size: int, chunk: bytes) -> None:
    temp = path.with_suffix(".part")
    with open(temp, "wb") as file:
        for _ in range(size // len(chunk)):
            file.write(chunk)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temp, path)


def windows(path: pathlib.Path, size: int, chunk: bytes, direct: bool) -> None:
    writer = LocalWriter(path, size, direct=direct)
    for _ in range(size // len(chunk)):
        writer.write(chunk)
    writer.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="256 MiB instead of 1 GiB")
    parser.add_argument("--dir", default=None, help="where to write (default: a temp folder)")
    args = parser.parse_args()
    size = (256 if args.quick else 1024) * MIB
    chunk = os.urandom(MIB)
    ways = {
        "plain write + fsync (reference)": lambda p: plain(p, size, chunk),
        "LocalWriter, page cache + write-back windows": lambda p: windows(p, size, chunk, False),
        "LocalWriter, direct I/O windows (default)": lambda p: windows(p, size, chunk, True),
    }
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        results: dict[str, tuple[float, float]] = {}
        for round_ in range(2):
            for name, write in ways.items():
                path = pathlib.Path(folder) / f"blob-{round_}"
                before = cached_kib()
                started = time.perf_counter()
                write(path)
                took = time.perf_counter() - started
                grew_mib = (cached_kib() - before) / 1024
                drop_file_cache(path)
                path.unlink()
                mbps = size / MIB / took
                best = results.get(name)
                if best is None or mbps > best[0]:
                    results[name] = (mbps, grew_mib)
        reference = results["plain write + fsync (reference)"][0]
        print(f"{size // MIB} MiB in 1 MiB chunks, best of 2, in {folder}")
        for name, (mbps, grew) in results.items():
            print(
                f"  {name:46s} {mbps:7.0f} MB/s  x{mbps / reference:4.2f}   "
                f"page cache {grew:+6.0f} MiB"
            )


if __name__ == "__main__":
    main()
