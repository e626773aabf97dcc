-- 002: a job is keyed by its document (a document has exactly one job), and
-- one index holds every unfinished job.
-- * The separate text id and its unique index are gone, and WITHOUT ROWID keeps
--   each job in its key's b-tree: enqueueing writes one b-tree fewer per job.
-- * jobs_open replaces jobs_claimable and jobs_by_worker. Claiming a job and
--   completing one now change one index page, not two: every page a commit
--   changes is another WAL frame to write (two system calls each). The claim
--   skips in-flight entries inside the index (state and run_at are in it); the
--   rescuer finds processing jobs by scanning it, in the background.
-- Ties in the claim order fall to the document id, which sorts by creation
-- time (and by position within a batch).

CREATE TABLE jobs_by_document (
    document_id     TEXT PRIMARY KEY REFERENCES documents (id),
    -- pending | processing | completed | failed | retrying
    state           TEXT NOT NULL DEFAULT 'pending',
    priority        INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    max_attempts    INTEGER NOT NULL,
    run_at          INTEGER NOT NULL,     -- not claimable before this time
    worker_id       TEXT REFERENCES workers (id),
    error           TEXT,
    created_at      INTEGER NOT NULL,
    started_at      INTEGER,
    completed_at    INTEGER
) STRICT, WITHOUT ROWID;

INSERT INTO jobs_by_document (document_id, state, priority, attempts, max_attempts, run_at,
                              worker_id, error, created_at, started_at, completed_at)
SELECT document_id, state, priority, attempts, max_attempts, run_at,
       worker_id, error, created_at, started_at, completed_at
FROM jobs;

DROP TABLE jobs;
ALTER TABLE jobs_by_document RENAME TO jobs;

-- The claim query walks this index in order: highest priority, oldest first.
CREATE INDEX jobs_open ON jobs (priority DESC, created_at, document_id, state, run_at)
    WHERE state IN ('pending', 'retrying', 'processing');
