-- 001: documents, jobs, workers, usage, pages, batches, uploads.
-- Times are integer milliseconds since the Unix epoch (UTC).

CREATE TABLE batches (
    id              TEXT PRIMARY KEY,
    priority        INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 10),
    retention_days  INTEGER NOT NULL CHECK (retention_days BETWEEN 1 AND 3650),
    engine          TEXT NOT NULL,
    api_key_id      TEXT NOT NULL DEFAULT '',
    total           INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE uploads (
    id              TEXT PRIMARY KEY,
    file_name       TEXT NOT NULL,
    mime_type       TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    blob_key        TEXT NOT NULL,
    api_key_id      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    -- set when a document takes the upload's blob over (an upload is used once)
    used_at         INTEGER
) STRICT;

-- state: pending | processing | completed | failed | archived
CREATE TABLE documents (
    id              TEXT PRIMARY KEY,
    batch_id        TEXT REFERENCES batches (id),
    seq             INTEGER NOT NULL DEFAULT 0,   -- position in its batch
    file_name       TEXT NOT NULL,
    mime_type       TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    blob_key        TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    error_reason    TEXT,
    error_message   TEXT,
    retention_days  INTEGER NOT NULL CHECK (retention_days BETWEEN 1 AND 3650),
    engine          TEXT NOT NULL,
    model           TEXT NOT NULL DEFAULT '',
    page_count      INTEGER NOT NULL DEFAULT 0,
    processing_ms   INTEGER NOT NULL DEFAULT 0,
    api_key_id      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    processed_at    INTEGER,
    archived_at     INTEGER
) STRICT;
CREATE INDEX documents_by_batch ON documents (batch_id, seq);
CREATE INDEX documents_by_created ON documents (created_at DESC, id DESC);

CREATE TABLE workers (
    id              TEXT PRIMARY KEY,
    pid             INTEGER NOT NULL,
    hostname        TEXT NOT NULL,
    started_at      INTEGER NOT NULL,
    heartbeat_at    INTEGER NOT NULL,
    -- active | stopping | dead
    state           TEXT NOT NULL DEFAULT 'active'
) STRICT;

-- state: pending | processing | completed | failed | retrying
CREATE TABLE jobs (
    id              TEXT PRIMARY KEY,
    document_id     TEXT NOT NULL UNIQUE REFERENCES documents (id),
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
) STRICT;
-- The claim query walks this index in order: highest priority, oldest first.
CREATE INDEX jobs_claimable ON jobs (priority DESC, created_at)
    WHERE state IN ('pending', 'retrying');
CREATE INDEX jobs_by_worker ON jobs (worker_id) WHERE state = 'processing';

CREATE TABLE pages (
    document_id     TEXT NOT NULL REFERENCES documents (id),
    number          INTEGER NOT NULL,
    markdown        TEXT NOT NULL,
    PRIMARY KEY (document_id, number)
) STRICT, WITHOUT ROWID;

-- One row per completed conversion; a retried job replaces its row.
CREATE TABLE usage (
    id                  TEXT PRIMARY KEY,
    document_id         TEXT NOT NULL REFERENCES documents (id),
    api_key_id          TEXT NOT NULL DEFAULT '',
    engine              TEXT NOT NULL,
    operation           TEXT NOT NULL,
    pages               INTEGER NOT NULL,
    input_tokens        INTEGER NOT NULL DEFAULT 0,
    output_tokens       INTEGER NOT NULL DEFAULT 0,
    base_cost_micros    INTEGER NOT NULL,
    margin_rate_bp      INTEGER NOT NULL,   -- basis points: 3000 = 30 %
    total_cost_micros   INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    UNIQUE (document_id, operation)
) STRICT;
CREATE INDEX usage_by_time ON usage (created_at);
