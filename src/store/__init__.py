"""The database: the only code that names queries or opens transactions.

``open_store(settings)`` gives a ``Store``, whose nouns take typed arguments
and return typed rows (``Document``, ``Job``, ``Batch`` ...) with ``StrEnum``
states. The nouns are written once against a ``Connector``; ``SQLite`` is
the backend today (``store/sql/sqlite/``), and another backend implements the
same protocol with its own queries and migrations.
"""

from ilios.store.batches import Batch
from ilios.store.connector import Connector, Row
from ilios.store.documents import Document, Expired, NewDocument, StoredFile
from ilios.store.ids import new_id, new_ids, now_ms
from ilios.store.jobs import BACKOFF_BASE_MS, Completion, Finished, Job, backoff_ms
from ilios.store.pages import Page
from ilios.store.reservations import Reservation
from ilios.store.sqlite import CHECKPOINT_INTERVAL_S, SQLite
from ilios.store.states import DocumentState, JobState, WorkerState
from ilios.store.store import Store, StoreSettings, open_store
from ilios.store.usage import Charge, UsageBucket, UsageTotals

__all__ = [
    "BACKOFF_BASE_MS",
    "CHECKPOINT_INTERVAL_S",
    "Batch",
    "Charge",
    "Completion",
    "Connector",
    "Document",
    "DocumentState",
    "Expired",
    "Finished",
    "Job",
    "JobState",
    "NewDocument",
    "Page",
    "Reservation",
    "Row",
    "SQLite",
    "Store",
    "StoreSettings",
    "StoredFile",
    "UsageBucket",
    "UsageTotals",
    "WorkerState",
    "backoff_ms",
    "new_id",
    "new_ids",
    "now_ms",
    "open_store",
]
