-- 005: jobs.document_id loses its foreign key to documents.
-- Checking it looked every new job's document up in documents' key index, about
-- a fifth of what enqueueing a job costs. Only insert_jobs creates jobs, in the
-- transaction that creates their documents (Intake.create), and no
-- document row is ever deleted (archival keeps it), so the check could never
-- fail; the crash tests check that every job has its document. (SQLite drops a
-- foreign key only by rebuilding the table.)
-- Claims order ties by document id alone: ids begin with their creation time
-- (database.new_ids), so created_at in jobs_open only repeated that order, at
-- 8 more bytes an entry.

CREATE TABLE jobs_next (
    document_id     TEXT PRIMARY KEY,     -- documents (id); see above
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

INSERT INTO jobs_next (document_id, state, priority, attempts, max_attempts, run_at,
                       worker_id, error, created_at, started_at, completed_at)
SELECT document_id, state, priority, attempts, max_attempts, run_at,
       worker_id, error, created_at, started_at, completed_at
FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_next RENAME TO jobs;

CREATE INDEX jobs_open ON jobs (priority DESC, document_id, state, run_at)
    WHERE state = 'pending' OR state = 'retrying' OR state = 'processing';
