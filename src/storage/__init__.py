"""Blob storage for originals: a local directory (default), S3 (``S3_BUCKET``),
and small originals kept inline in the database in front of either.

``open_blobs`` picks the configured backing store; ``open_originals`` puts
the inline store in front of it (what the server and workers use).
"""

from __future__ import annotations

from ilios.config import Settings
from ilios.errors import SharedStorageRequired
from ilios.storage.blob import CHUNK_BYTES, HEAD_BYTES, BlobStore, BlobWriter, Chunk, chunks
from ilios.storage.inline import InlineStore, scratch_dir
from ilios.storage.local import LocalBlobStore, LocalWriter, remove_if_abandoned, write_file
from ilios.store import Store

__all__ = [
    "CHUNK_BYTES",
    "HEAD_BYTES",
    "BlobStore",
    "BlobWriter",
    "Chunk",
    "InlineStore",
    "LocalBlobStore",
    "LocalWriter",
    "check_shared",
    "chunks",
    "open_blobs",
    "open_originals",
    "remove_if_abandoned",
    "scratch_dir",
    "write_file",
]


def check_shared(settings: Settings) -> None:
    """Refuse node-local blobs where nodes may be many (``Settings.multi_node``:
    DATABASE_URL is set): every node must read the originals the others stored.
    S3 is shared; a BLOB_DIR is only when the operator says so (BLOB_DIR_SHARED)."""
    if settings.multi_node and not settings.s3_bucket and not settings.blob_dir_shared:
        raise SharedStorageRequired(blob_dir=str(settings.blob_dir))


def open_blobs(settings: Settings) -> BlobStore:
    """The configured store: S3 when ``S3_BUCKET`` is set, else ``BLOB_DIR``
    (refused where nodes may be many and it is not shared: ``check_shared``)."""
    check_shared(settings)
    if not settings.s3_bucket:
        return LocalBlobStore(settings.blob_dir)
    from ilios.storage.s3 import S3BlobStore  # boto3 loads only when S3 is used

    return S3BlobStore(
        settings.s3_bucket,
        settings.tmp_dir,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        prefix=settings.s3_prefix,
        multipart_threshold=settings.s3_multipart_threshold,
        max_attempts=settings.s3_max_attempts,
    )


def open_originals(settings: Settings, store: Store) -> InlineStore:
    """The configured blob store, with the inline originals in ``store`` in front of it."""
    return InlineStore(open_blobs(settings), store.inline, scratch_dir(settings))
