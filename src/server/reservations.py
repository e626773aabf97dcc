"""The upload-url flow: a document id given out first, its file sent with a plain
HTTP PUT, then completed.

``reserve`` makes the reservation: with S3 a presigned PUT URL straight to the
object, otherwise a token for the gateway's PUT route (which streams the body
into ``Upload`` naming the reservation). ``file_of`` finds the file when the
client completes: an upload the gateway recorded, or an object PUT to S3,
which is checked (present, within ``MAX_FILE_SIZE`` and its declared size)
and read once to hash and sniff it. Blocking (database, storage): the
servicer runs these on its threads.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from ilios import filetypes
from ilios.config import Settings
from ilios.errors import FileTooLarge, UploadIncomplete, UploadNotFound, UploadNotSent
from ilios.storage import CHUNK_BYTES, HEAD_BYTES, BlobStore, chunks
from ilios.store import Reservation, Store, StoredFile, new_id, now_ms

RESERVATION_TTL_S = 3600  # how long the URL (and the id) stays valid


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Reservations:
    def __init__(self, settings: Settings, store: Store, blobs: BlobStore) -> None:
        self.settings = settings
        self.store = store
        self.blobs = blobs

    def reserve(
        self, file_name: str, size_bytes: int, mime_type: str, api_key_id: str
    ) -> tuple[Reservation, str, str]:
        """A new reservation, its PUT URL ('' if the gateway takes the PUT) and
        its token ('' with a URL)."""
        if size_bytes > self.settings.max_file_size:
            raise FileTooLarge(limit_bytes=str(self.settings.max_file_size))
        document_id = new_id("doc")
        url = self.blobs.presign(key_of(document_id), "PUT", RESERVATION_TTL_S) or ""
        token = "" if url else secrets.token_urlsafe(24)
        reservation = Reservation(
            id=document_id,
            token_sha256=_digest(token) if token else "",
            file_name=filetypes.safe_file_name(file_name),
            size_bytes=max(0, size_bytes),
            mime_type=mime_type[:200],
            api_key_id=api_key_id,
            expires_at=now_ms() + RESERVATION_TTL_S * 1000,
        )
        self.store.reservations.create(reservation)
        return reservation, url, token

    def check_put(self, document_id: str, token: str) -> Reservation:
        """The reservation a PUT to the gateway fills (UPLOAD_NOT_FOUND unless its
        token is right and it has not expired)."""
        reservation = self.store.reservations.get(document_id) if document_id else None
        if (
            reservation is None
            or not reservation.token_sha256
            or not hmac.compare_digest(reservation.token_sha256, _digest(token))
        ):
            raise UploadNotFound(
                "No reservation with this id and token (it expired, or was used).",
                upload_id=document_id,
            )
        return reservation

    def file_of(self, document_id: str) -> StoredFile:
        """The file sent for a reservation: the upload the gateway recorded, or
        the object PUT to S3 (checked and read once). Raises UPLOAD_NOT_FOUND,
        UPLOAD_NOT_SENT (nothing sent yet), UPLOAD_INCOMPLETE (not its declared size) or
        FILE_TOO_LARGE."""
        stored = self.store.uploads.take(document_id)
        if stored is not None:
            return stored
        reservation = self.store.reservations.get(document_id)
        if reservation is None:
            raise UploadNotFound(
                "No reserved document with this id (it expired, or was completed).",
                upload_id=document_id,
            )
        key = key_of(document_id)
        size = self.blobs.size(key)
        if size is None:
            raise UploadNotSent(
                "Nothing was sent to the uploadUrl yet: PUT the file there, then complete."
            )
        if size > self.settings.max_file_size:
            self.blobs.delete(key)
            raise FileTooLarge(limit_bytes=str(self.settings.max_file_size))
        if reservation.size_bytes and size != reservation.size_bytes:
            raise UploadIncomplete(
                f"The reservation declared {reservation.size_bytes} bytes; {size} were sent.",
            )
        digest, head = hashlib.sha256(), b""
        with self.blobs.open(key) as stream:
            for block in chunks(stream, CHUNK_BYTES):
                digest.update(block)
                if len(head) < HEAD_BYTES:
                    head += block[: HEAD_BYTES - len(head)]
        mime = filetypes.sniff(head, reservation.file_name)
        stored = StoredFile(key, reservation.file_name, mime, size, digest.hexdigest())
        # Recorded as an upload (the reservation goes in the same commit), so the
        # orphan sweep sees a record naming the object; then taken, as any upload.
        self.store.uploads.record(
            document_id,
            stored,
            api_key_id=reservation.api_key_id,
            ttl_ms=RESERVATION_TTL_S * 1000,
            reservation=document_id,
        )
        taken = self.store.uploads.take(document_id)
        if taken is None:  # completed by another call at the same moment
            raise UploadNotFound(upload_id=document_id)
        return taken

    def sweep(self, now: int, limit: int = 500) -> int:
        """Drop expired reservations and whatever was sent for them; how many."""
        dropped = 0
        for document_id in self.store.reservations.expired(now, limit):
            self.blobs.delete(key_of(document_id))
            self.store.reservations.delete(document_id)
            dropped += 1
        return dropped


def key_of(document_id: str) -> str:
    """Where a reserved document's file is stored: as an upload of that id."""
    return f"uploads/{document_id}"
