-- 001: the schema SQLite reached by its migration 009, on PostgreSQL.
-- Times are bigint milliseconds since the Unix epoch (UTC), as on SQLite. The
-- times that decide who runs what across hosts (when a job is claimable, how
-- old a heartbeat is) are read from the database's clock, ilios_now_ms(), so
-- that clocks drifting between nodes cannot hold a job back or bury a live
-- worker; the other times are the writer's, as on SQLite.

CREATE FUNCTION ilios_now_ms() RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL SAFE
AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

CREATE TABLE batches (
    id              text PRIMARY KEY,
    priority        integer NOT NULL CHECK (priority BETWEEN 1 AND 10),
    retention_days  integer NOT NULL CHECK (retention_days BETWEEN 1 AND 3650),
    engine          text NOT NULL,
    api_key_id      text NOT NULL DEFAULT '',
    total           integer NOT NULL,
    created_at      bigint NOT NULL
);

CREATE TABLE servers (
    id              text PRIMARY KEY,
    pid             integer NOT NULL,
    hostname        text NOT NULL,         -- the node (ilios.node.host_id)
    started_at      bigint NOT NULL,
    heartbeat_at    bigint NOT NULL        -- the database's clock
);

CREATE TABLE uploads (
    id              text PRIMARY KEY,
    file_name       text NOT NULL,
    mime_type       text NOT NULL,
    size_bytes      bigint NOT NULL,
    sha256          text NOT NULL,
    blob_key        text NOT NULL,
    api_key_id      text NOT NULL DEFAULT '',
    created_at      bigint NOT NULL,
    expires_at      bigint NOT NULL,
    used_at         bigint,                -- set when a document takes the upload over
    server_id       text                   -- transient: goes with this server; NULL: kept
);
CREATE INDEX uploads_transient ON uploads (server_id)
    WHERE server_id IS NOT NULL AND used_at IS NULL;
CREATE INDEX uploads_unused_by_expiry ON uploads (expires_at) WHERE used_at IS NULL;

-- state: pending | processing | completed | failed | archived (ilios.store.DocumentState)
CREATE TABLE documents (
    id              text PRIMARY KEY,
    batch_id        text REFERENCES batches (id),
    seq             integer NOT NULL DEFAULT 0,   -- position in its batch
    file_name       text NOT NULL,
    mime_type       text NOT NULL,
    size_bytes      bigint NOT NULL,
    sha256          text NOT NULL,
    blob_key        text NOT NULL,
    state           text NOT NULL DEFAULT 'pending',
    error_reason    text,
    error_message   text,
    retention_days  integer NOT NULL CHECK (retention_days BETWEEN 1 AND 3650),
    engine          text NOT NULL,
    model           text NOT NULL DEFAULT '',
    page_count      integer NOT NULL DEFAULT 0,
    processing_ms   bigint NOT NULL DEFAULT 0,
    api_key_id      text NOT NULL DEFAULT '',
    created_at      bigint NOT NULL,
    processed_at    bigint,
    archived_at     bigint,
    languages       text NOT NULL DEFAULT ''
);
CREATE INDEX documents_by_batch ON documents (batch_id, seq);
CREATE INDEX documents_by_created ON documents (created_at DESC, id DESC);
CREATE INDEX documents_finished_by_created ON documents (created_at)
    WHERE state IN ('completed', 'failed');

CREATE TABLE workers (
    id              text PRIMARY KEY,
    pid             integer NOT NULL,
    hostname        text NOT NULL,         -- the node (ilios.node.host_id)
    started_at      bigint NOT NULL,
    heartbeat_at    bigint NOT NULL,       -- the database's clock
    state           text NOT NULL DEFAULT 'active'   -- active | stopping | dead
);
CREATE INDEX workers_live ON workers (hostname) WHERE state <> 'dead';

-- A job converts one document and is keyed by it (no foreign key: only
-- insert_jobs makes jobs, with their documents, and no document is deleted).
-- state: pending | processing | completed | failed | retrying (ilios.store.JobState)
CREATE TABLE jobs (
    document_id     text PRIMARY KEY,
    state           text NOT NULL DEFAULT 'pending',
    priority        integer NOT NULL CHECK (priority BETWEEN 1 AND 10),
    -- 1: a Convert caller is waiting; the worker commits and announces each page
    streamed        smallint NOT NULL DEFAULT 0 CHECK (streamed IN (0, 1)),
    attempts        integer NOT NULL DEFAULT 0,
    max_attempts    integer NOT NULL,
    run_at          bigint NOT NULL,       -- not claimable before (the database's clock)
    worker_id       text REFERENCES workers (id),
    error           text,
    created_at      bigint NOT NULL,
    started_at      bigint,
    completed_at    bigint
);
-- The claim walks this index in order (streamed first, highest priority, oldest:
-- document ids sort by creation time) and skips rows other claimers hold
-- (FOR UPDATE SKIP LOCKED).
CREATE INDEX jobs_claimable ON jobs (streamed DESC, priority DESC, document_id)
    INCLUDE (run_at) WHERE state IN ('pending', 'retrying');
-- The rescuer's scan of running jobs.
CREATE INDEX jobs_running ON jobs (worker_id) WHERE state = 'processing';

CREATE TABLE pages (
    document_id     text NOT NULL REFERENCES documents (id),
    number          integer NOT NULL,
    markdown        text NOT NULL,
    PRIMARY KEY (document_id, number)
);

-- One row per completed conversion; a retried job replaces its row.
CREATE TABLE usage (
    id                  text PRIMARY KEY,
    document_id         text NOT NULL REFERENCES documents (id),
    api_key_id          text NOT NULL DEFAULT '',
    engine              text NOT NULL,
    operation           text NOT NULL,
    pages               integer NOT NULL,
    input_tokens        bigint NOT NULL DEFAULT 0,
    output_tokens       bigint NOT NULL DEFAULT 0,
    base_cost_micros    bigint NOT NULL,
    margin_rate_bp      integer NOT NULL,   -- basis points: 3000 = 30 %
    total_cost_micros   bigint NOT NULL,
    created_at          bigint NOT NULL,
    UNIQUE (document_id, operation)
);
CREATE INDEX usage_by_time ON usage (created_at);

-- Small originals sent inline, written with their documents (ilios.storage.inline).
CREATE TABLE inline_blobs (
    key         text PRIMARY KEY,     -- the blob key, e.g. originals/<document id>
    content     bytea NOT NULL
);

-- Reserved documents (the upload-url flow), as SQLite's migration 009.
CREATE TABLE reservations (
    id              text PRIMARY KEY,
    token_sha256    text NOT NULL,
    file_name       text NOT NULL,
    size_bytes      bigint NOT NULL,
    mime_type       text NOT NULL,
    api_key_id      text NOT NULL DEFAULT '',
    created_at      bigint NOT NULL,
    expires_at      bigint NOT NULL
);
CREATE INDEX reservations_by_expiry ON reservations (expires_at);
