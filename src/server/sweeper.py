"""Retention and clean-up: archive expired documents, drop stale uploads, temp files
and orphaned blobs.

The server runs ``sweep`` at start-up and every ``SWEEP_INTERVAL_S``; ``ilios
sweep`` runs it once (for cron, or with ``--as-of`` to see what a date would
archive). Archiving removes a document's original and Markdown and keeps its
row (state ``archived``, ``archived_at``) and its usage records.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import pathlib
import time
from collections.abc import Sequence

from ilios.config import Settings
from ilios.errors import StorageUnavailable
from ilios.server.reservations import Reservations
from ilios.storage import BlobStore, remove_if_abandoned, scratch_dir
from ilios.store import Store, now_ms

log = logging.getLogger("ilios.server")

SWEEP_INTERVAL_S = 300
BATCH_ROWS = 500
TEMP_MAX_AGE_S = 3600  # a temp file untouched this long belongs to no live request


@dataclasses.dataclass
class SweepReport:
    archived: int = 0
    uploads_dropped: int = 0
    reservations_dropped: int = 0
    temp_files_removed: int = 0
    orphans_removed: int = 0


def archive_expired(store: Store, blobs: BlobStore, now: int) -> int:
    """Archive every finished document past its retention; return how many."""
    archived = 0
    while expired := store.documents.expired(now, BATCH_ROWS):
        for doc in expired:
            try:
                blobs.delete(doc.blob_key)
            except StorageUnavailable:
                log.warning("could not delete %s yet; will retry", doc.blob_key)
                return archived
            store.documents.archive(doc.id, now)
            archived += 1
    return archived


def drop_expired_uploads(store: Store, blobs: BlobStore, now: int) -> int:
    dropped = 0
    while expired := store.uploads.expired(now, BATCH_ROWS):
        for upload in expired:
            blobs.delete(upload.blob_key)
            store.uploads.delete(upload.id)
            dropped += 1
    return dropped


def remove_orphaned_blobs(store: Store, blobs: BlobStore, max_age_s: float) -> int:
    """Remove stored originals and uploads that no row names, written more than
    ``max_age_s`` ago; return how many. A file is stored before the commit
    that creates its row, so a crash in between leaves one behind."""
    cutoff = time.time() - max_age_s
    removed = 0
    try:
        for kind, unknown in (
            ("originals", store.documents.unknown),
            ("uploads", store.uploads.unknown),
        ):
            keys = blobs.keys_before(kind, cutoff)
            while ids := [key.rpartition("/")[2] for key in itertools.islice(keys, BATCH_ROWS)]:
                for orphan in unknown(ids):
                    blobs.delete(f"{kind}/{orphan}")
                    removed += 1
    except StorageUnavailable:
        log.warning("could not list or delete orphaned blobs yet; will retry", exc_info=True)
    return removed


def remove_stale_temp_files(
    tmp_dirs: Sequence[pathlib.Path], blob_dir: pathlib.Path, max_age_s: float
) -> int:
    """Remove partial blobs (``.*.part``, under BLOB_DIR or the temp folders)
    whose writer is gone, at once (a crash mid-write leaves one), and other
    files in the temp folders (TMP_DIR, the workers' scratch folder) older than
    ``max_age_s``."""
    cutoff = time.time() - max_age_s
    temp = [path for folder in tmp_dirs for path in folder.rglob("*")]
    partial = {*blob_dir.rglob(".*.part"), *(p for p in temp if p.name.endswith(".part"))}
    removed = sum(remove_if_abandoned(path) for path in partial)
    for path in temp:
        if path in partial:
            continue
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    # Then the folders a crash left empty (e.g. a worker's inline-* copies), deepest first.
    for path in sorted(temp, key=lambda p: len(p.parts), reverse=True):
        try:
            if path.is_dir() and path.stat().st_mtime < cutoff:
                path.rmdir()  # fails (and is left) unless empty
        except OSError:
            continue
    return removed


def sweep(
    settings: Settings,
    store: Store,
    blobs: BlobStore,
    now: int | None = None,
    temp_max_age_s: float = TEMP_MAX_AGE_S,
) -> SweepReport:
    """One pass of every clean-up; ``now`` (ms) defaults to the clock."""
    now = now_ms() if now is None else now
    report = SweepReport(
        archived=archive_expired(store, blobs, now),
        uploads_dropped=drop_expired_uploads(store, blobs, now),
        reservations_dropped=Reservations(settings, store, blobs).sweep(now),
        temp_files_removed=remove_stale_temp_files(
            [settings.tmp_dir, scratch_dir(settings)], settings.blob_dir, temp_max_age_s
        ),
        orphans_removed=remove_orphaned_blobs(store, blobs, settings.orphan_max_age_s),
    )
    if report != SweepReport():
        log.info("sweep: %s", report)
    return report
