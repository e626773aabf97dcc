"""The database: the only code that names queries or opens transactions."""

from ilios.store.sqlite import (
    CHECKPOINT_INTERVAL_S,
    QUERIES,
    Database,
    Row,
    connect,
    id_list,
    new_id,
    new_ids,
    now_ms,
)

__all__ = [
    "CHECKPOINT_INTERVAL_S",
    "QUERIES",
    "Database",
    "Row",
    "connect",
    "id_list",
    "new_id",
    "new_ids",
    "now_ms",
]
