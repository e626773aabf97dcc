-- 007: "a Convert caller waits for this job's pages" is a column of its own,
-- jobs.streamed, where it was a priority above every batch's (11). Streamed
-- jobs still come first in the claim order: jobs_open leads with streamed (an
-- integer 0 or 1 takes no bytes in an index entry, only its type byte).
-- jobs.priority now holds a request's priority only, checked as the batches'
-- is (SQLite adds a CHECK only by rebuilding the table).

CREATE TABLE jobs_next (
    document_id     TEXT PRIMARY KEY,     -- documents (id); see 005
    -- pending | processing | completed | failed | retrying (ilios.store.JobState)
    state           TEXT NOT NULL DEFAULT 'pending',
    priority        INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 10),
    -- 1: a Convert caller is waiting; the worker commits and announces each page
    streamed        INTEGER NOT NULL DEFAULT 0 CHECK (streamed IN (0, 1)),
    attempts        INTEGER NOT NULL DEFAULT 0,
    max_attempts    INTEGER NOT NULL,
    run_at          INTEGER NOT NULL,     -- not claimable before this time
    worker_id       TEXT REFERENCES workers (id),
    error           TEXT,
    created_at      INTEGER NOT NULL,
    started_at      INTEGER,
    completed_at    INTEGER
) STRICT, WITHOUT ROWID;

INSERT INTO jobs_next (document_id, state, priority, streamed, attempts, max_attempts, run_at,
                       worker_id, error, created_at, started_at, completed_at)
SELECT document_id, state, min(priority, 10), priority > 10, attempts, max_attempts, run_at,
       worker_id, error, created_at, started_at, completed_at
FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_next RENAME TO jobs;

-- The claim walks this index in order: streamed first, highest priority, oldest
-- (document ids sort by creation time).
CREATE INDEX jobs_open ON jobs (streamed DESC, priority DESC, document_id, state, run_at)
    WHERE state = 'pending' OR state = 'retrying' OR state = 'processing';
