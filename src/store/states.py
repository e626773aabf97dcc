"""The states of documents, jobs and workers, and what moves a row between them.

Each is a closed ``StrEnum``: its values are what the database holds (and the
REST API shows), so a state compares equal to its string. Nothing outside the
store writes a state; callers read them from the rows the store returns.
"""

from __future__ import annotations

from enum import StrEnum


class DocumentState(StrEnum):
    """A document's state (mirrored by ``ilios.v1.DocumentState``).

    ============  ==========================================  ==========================
    state         entered by                                  left by
    ============  ==========================================  ==========================
    pending       ``Documents.create`` (its job queued); its  ``Jobs.claim`` (or the
                  job retried, rescued or given back          claim in ``Jobs.finish``)
    processing    its job claimed                             the job's end, or its
                                                              retry, rescue, give-back
    completed     ``Jobs.finish`` stored its result           ``Documents.archive``
    failed        refused at intake (``Documents.create``:    ``Documents.archive``
                  no job); its job failed for good
                  (``Jobs.fail``, ``Jobs.rescue``)
    archived      ``Documents.archive``: past retention, its  (final; the row and its
                  original and Markdown deleted               usage stay)
    ============  ==========================================  ==========================
    """

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    ARCHIVED = "archived"


class JobState(StrEnum):
    """A job's state (mirrored by ``ilios.v1.JobState``); a document has one job.

    ::

        pending     --claim (worker)-->            processing
        processing  --success (worker)-->          completed
        processing  --transient error (worker)-->  retrying (claimable at run_at)
        processing  --permanent error or last attempt (worker)--> failed
        processing  --worker died (rescuer)-->     pending, or failed if attempts are spent
        processing  --graceful shutdown (worker)--> pending (the attempt is given back)
        retrying    --claim (worker)-->            processing

    The worker's moves are ``Jobs.claim``, ``Jobs.finish`` and ``Jobs.fail``;
    the rescuer's is ``Jobs.rescue``. Completed and failed are final.
    """

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    RETRYING = "retrying"


class WorkerState(StrEnum):
    """A worker process's state.

    - active: ``Workers.register``, as the process starts; heartbeats
      (``Workers.heartbeat``) keep it so.
    - stopping: reserved for a draining worker; nothing sets it yet.
    - dead: final. Set by the worker as it exits (``Workers.mark_dead``), its
      supervisor when it saw the process exit (``Workers.mark_pid_dead``), a
      rescuer that found its process gone (``Workers.bury_vanished``) or its
      heartbeat stale (``Jobs.rescue``). A restarted process registers anew.
    """

    ACTIVE = "active"
    STOPPING = "stopping"
    DEAD = "dead"
