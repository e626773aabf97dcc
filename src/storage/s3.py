"""Blobs in S3 (or any S3-compatible store: Tigris, R2, MinIO) through boto3.

On when ``S3_BUCKET`` is set. Writes stream to a temporary file first (bounded
memory, a sha256 as they go), then ``commit()`` uploads it: above
``S3_MULTIPART_THRESHOLD`` as a multipart upload whose part buffers are
bounded by ``PART_BYTES`` x ``UPLOAD_THREADS``. Reads stream from the object
body; ``local_path`` downloads to a temporary file for engines that need a
path. botocore retries throttling and 5xx itself (standard mode); anything
still failing is a ``StorageUnavailable`` (transient: the job is retried).
"""

from __future__ import annotations

import contextlib
import hashlib
import pathlib
import secrets
from collections.abc import Iterator
from typing import Any, BinaryIO

import boto3
import botocore.config
import botocore.exceptions
from boto3.s3.transfer import TransferConfig

from ilios.errors import StorageMisconfigured, StorageUnavailable
from ilios.storage.blob import BlobWriter, Chunk, check_key, is_key
from ilios.storage.local import LocalWriter

PART_BYTES = 8 * 1024 * 1024
UPLOAD_THREADS = 2  # parts in flight: at 4 the server peaked at 150 MiB on 1 GiB
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 60
DEFAULT_ATTEMPTS = 5  # botocore's own tries per call (standard retry mode)
_TRANSIENT = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectionClosedError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ConnectTimeoutError,
    botocore.exceptions.ClientError,
    boto3.exceptions.S3UploadFailedError,
)


def _unavailable(exc: Exception, key: str) -> StorageUnavailable:
    return StorageUnavailable(
        "S3 storage is not reachable right now; the work will be retried.",
        key=key,
        detail=str(exc),
    )


class _S3Writer(LocalWriter):
    """Spools to a local temporary file; ``commit()`` uploads it.

    The spool is read back at once, so it stays in the page cache (no writeback).
    """

    WRITEBACK = False

    def __init__(self, store: S3BlobStore, key: str, max_size: int) -> None:
        temp = store.tmp_dir / f"s3-{secrets.token_hex(8)}"
        super().__init__(temp, max_size)
        self.store = store
        self.key = key

    def commit(self, sync: bool = True) -> None:
        # The spool is read back at once, from the page cache: no fsync needed;
        # the object is durable when S3 has acknowledged it.
        super().commit(sync=False)
        try:
            self.store.client.upload_file(
                str(self.final),
                self.store.bucket,
                self.store.name(self.key),
                Config=self.store.transfer,
            )
        except _TRANSIENT as exc:
            raise _unavailable(exc, self.key) from exc
        finally:
            self.final.unlink(missing_ok=True)


class S3BlobStore:
    """The BlobStore protocol over one bucket (and an optional key prefix)."""

    def __init__(
        self,
        bucket: str,
        tmp_dir: pathlib.Path,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        prefix: str = "",
        multipart_threshold: int = 50 * 1024 * 1024,
        max_attempts: int = DEFAULT_ATTEMPTS,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.tmp_dir = tmp_dir
        tmp_dir.mkdir(parents=True, exist_ok=True)
        config = botocore.config.Config(
            retries={"mode": "standard", "max_attempts": max_attempts},
            connect_timeout=CONNECT_TIMEOUT_S,
            read_timeout=READ_TIMEOUT_S,
        )
        self.client: Any = boto3.client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None, config=config
        )
        self.transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=PART_BYTES,
            max_concurrency=UPLOAD_THREADS,
        )

    def name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def check(self) -> None:
        """Fail start-up clearly if the bucket is missing or the credentials are wrong."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except botocore.exceptions.ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchBucket"):
                message = (
                    f"The S3 bucket {self.bucket!r} does not exist: create it or fix S3_BUCKET."
                )
            elif code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                message = (
                    f"S3 refused access to bucket {self.bucket!r}: check AWS_ACCESS_KEY_ID "
                    "and AWS_SECRET_ACCESS_KEY."
                )
            else:
                message = f"S3 bucket {self.bucket!r} is not usable ({code})."
            raise StorageMisconfigured(message, detail=str(exc)) from exc
        except (botocore.exceptions.BotoCoreError, ValueError) as exc:
            raise StorageMisconfigured(
                f"S3 is not reachable for bucket {self.bucket!r}: check AWS_ENDPOINT_URL_S3 "
                "and the credentials.",
                detail=str(exc),
            ) from exc

    def writer(self, key: str, max_size: int) -> BlobWriter:
        return _S3Writer(self, key, max_size)

    def put(self, key: str, data: Chunk, sync: bool = True) -> str:
        """Upload ``data`` as one object (no spool); return its sha256. Durable once
        S3 acknowledged it, whatever ``sync`` says."""
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.name(key), Body=bytes(data))
        except _TRANSIENT as exc:
            raise _unavailable(exc, key) from exc
        return hashlib.sha256(data).hexdigest()

    def sync(self) -> None:
        """Nothing to do: each object is durable once S3 acknowledged its upload."""

    def open(self, key: str) -> BinaryIO:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.name(key))["Body"]
        except _TRANSIENT as exc:
            raise _unavailable(exc, key) from exc
        stream: BinaryIO = body
        return stream

    @contextlib.contextmanager
    def local_path(self, key: str) -> Iterator[pathlib.Path]:
        """A downloaded copy, removed after the block. It keeps the blob's file name
        (the last part of its key), as a path into the local store does, in a
        folder of its own: engines, and their logs, see the same name on either."""
        folder = self.tmp_dir / f"s3-get-{secrets.token_hex(8)}"
        folder.mkdir(parents=True)
        temp = folder / key.rpartition("/")[2]
        try:
            try:
                self.client.download_file(
                    self.bucket, self.name(key), str(temp), Config=self.transfer
                )
            except _TRANSIENT as exc:
                raise _unavailable(exc, key) from exc
            yield temp
        finally:
            temp.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                folder.rmdir()

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.name(key))
        except _TRANSIENT as exc:
            raise _unavailable(exc, key) from exc

    def size(self, key: str) -> int | None:
        """The object's size in bytes (None: no such object)."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.name(key))
        except botocore.exceptions.ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code", "")) in (
                "404",
                "NoSuchKey",
                "NotFound",
            ):
                return None
            raise _unavailable(exc, key) from exc
        except _TRANSIENT as exc:
            raise _unavailable(exc, key) from exc
        return int(head["ContentLength"])

    def presign(self, key: str, method: str, expires_s: int) -> str | None:
        """A URL to ``GET`` or ``PUT`` the object directly, valid ``expires_s``."""
        operation = {"GET": "get_object", "PUT": "put_object"}[method]
        try:
            url: str = self.client.generate_presigned_url(
                operation,
                Params={"Bucket": self.bucket, "Key": self.name(key)},
                ExpiresIn=expires_s,
            )
        except _TRANSIENT as exc:
            raise _unavailable(exc, key) from exc
        return url

    def keys_before(self, prefix: str, cutoff_s: float) -> Iterator[str]:
        """The keys under ``prefix`` whose objects were stored before ``cutoff_s``
        (Unix time), listed a page (1,000) at a time."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}{prefix}/"
        )
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    key = item["Key"][len(self.prefix) :]
                    if is_key(key) and item["LastModified"].timestamp() < cutoff_s:
                        yield key
        except _TRANSIENT as exc:
            raise _unavailable(exc, prefix) from exc
