"""Reservations: document ids given out before their files are sent (the
upload-url flow). A reservation goes in the transaction that records its file
as an upload (``Uploads.record`` with ``reservation``), so a file recorded is
never also an expired reservation's to delete.
"""

from __future__ import annotations

import dataclasses

from ilios.store.connector import Connector
from ilios.store.ids import now_ms


@dataclasses.dataclass(frozen=True, slots=True)
class Reservation:
    id: str
    token_sha256: str
    file_name: str
    size_bytes: int  # declared; 0: unknown
    mime_type: str
    api_key_id: str
    expires_at: int  # ms since the Unix epoch


class Reservations:
    def __init__(self, db: Connector) -> None:
        self.db = db

    def create(self, reservation: Reservation) -> None:
        with self.db.write():
            self.db.run(
                "insert_reservation",
                id=reservation.id,
                token_sha256=reservation.token_sha256,
                file_name=reservation.file_name,
                size_bytes=reservation.size_bytes,
                mime_type=reservation.mime_type,
                api_key_id=reservation.api_key_id,
                now=now_ms(),
                expires_at=reservation.expires_at,
            )

    def get(self, reservation_id: str) -> Reservation | None:
        """The reservation, unless it expired (None)."""
        row = self.db.one("get_reservation", id=reservation_id, now=now_ms())
        return None if row is None else Reservation(**row)

    def expired(self, now: int, limit: int) -> list[str]:
        return [row["id"] for row in self.db.execute("expired_reservations", now=now, limit=limit)]

    def delete(self, reservation_id: str) -> None:
        with self.db.write():
            self.db.run("delete_reservation", id=reservation_id)
