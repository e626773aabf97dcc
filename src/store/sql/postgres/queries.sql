-- Every SQL statement Ilios runs on PostgreSQL, by name: the same names,
-- parameters and result columns as sql/sqlite/queries.sql (the store's nouns
-- run either). Parameters are :named (ilios.store.postgres turns them into
-- psycopg's); a list of strings is bound as a text[] array.
-- Times are bigint milliseconds since the Unix epoch (UTC). Queue times (when a
-- job is claimable, heartbeats) come from the database's clock, ilios_now_ms():
-- nodes' clocks may drift apart, the database's is one. Such queries take :now
-- (and the like) as SQLite's do, for the delays they add to it.

-- insert_upload --
-- Record a completed upload (its blob is already stored).
-- A transient upload names its server (:server_id), else NULL.
INSERT INTO uploads (id, file_name, mime_type, size_bytes, sha256, blob_key,
                     api_key_id, created_at, expires_at, server_id)
VALUES (:id, :file_name, :mime_type, :size_bytes, :sha256, :blob_key,
        :api_key_id, :now, :expires_at, :server_id);

-- take_upload --
-- Mark an unused, unexpired upload as used and return it (uploads are used once).
UPDATE uploads SET used_at = :now
WHERE id = :id AND used_at IS NULL AND expires_at > :now
RETURNING id, file_name, mime_type, size_bytes, sha256, blob_key;

-- insert_batch --
-- Create a batch.
INSERT INTO batches (id, priority, retention_days, engine, api_key_id, total, created_at)
VALUES (:id, :priority, :retention_days, :engine, :api_key_id, :total, :now);

-- insert_documents --
-- Create documents in state pending, one per element of the JSON array :files
-- ([id, file_name, mime_type, size_bytes, sha256, blob_key] each; its position is seq).
INSERT INTO documents (id, batch_id, seq, file_name, mime_type, size_bytes, sha256,
                       blob_key, retention_days, engine, api_key_id, created_at, languages)
SELECT f.value ->> 0, :batch_id::text, (f.n - 1)::integer, f.value ->> 1, f.value ->> 2,
       (f.value ->> 3)::bigint, f.value ->> 4, f.value ->> 5, :retention_days, :engine,
       :api_key_id, :now, :languages
FROM jsonb_array_elements(:files::jsonb) WITH ORDINALITY AS f (value, n);

-- insert_jobs --
-- Queue one job per document id in the array :document_ids, claimable from now
-- (:streamed 1: a Convert caller waits for its pages).
INSERT INTO jobs (document_id, priority, streamed, max_attempts, run_at, created_at)
SELECT d, :priority, :streamed, :max_attempts, ilios_now_ms(), :now
FROM unnest(:document_ids::text[]) AS d;

-- get_document --
-- One document with its job's state and attempts.
SELECT d.id, d.batch_id, d.seq, d.file_name, d.mime_type, d.size_bytes, d.sha256, d.blob_key,
       d.state, d.error_reason, d.error_message, d.retention_days, d.engine, d.model,
       d.page_count, d.processing_ms, d.api_key_id, d.created_at, d.processed_at,
       d.archived_at, j.state AS job_state, j.attempts AS attempts, d.languages
FROM documents d LEFT JOIN jobs j ON j.document_id = d.id
WHERE d.id = :id;

-- documents_by_ids --
-- Documents with their jobs' state and attempts, in the order of the array :ids.
SELECT d.id, d.batch_id, d.seq, d.file_name, d.mime_type, d.size_bytes, d.sha256, d.blob_key,
       d.state, d.error_reason, d.error_message, d.retention_days, d.engine, d.model,
       d.page_count, d.processing_ms, d.api_key_id, d.created_at, d.processed_at,
       d.archived_at, j.state AS job_state, j.attempts AS attempts, d.languages
FROM unnest(:ids::text[]) WITH ORDINALITY AS i (id, n)
JOIN documents d ON d.id = i.id
LEFT JOIN jobs j ON j.document_id = d.id
ORDER BY i.n;

-- list_documents --
-- A page of documents, newest first, after the (created_at, id) cursor.
SELECT d.id, d.batch_id, d.seq, d.file_name, d.mime_type, d.size_bytes, d.sha256, d.blob_key,
       d.state, d.error_reason, d.error_message, d.retention_days, d.engine, d.model,
       d.page_count, d.processing_ms, d.api_key_id, d.created_at, d.processed_at,
       d.archived_at, j.state AS job_state, j.attempts AS attempts, d.languages
FROM documents d LEFT JOIN jobs j ON j.document_id = d.id
WHERE (d.created_at, d.id) < (:cursor_created_at::bigint, :cursor_id::text)
  AND (:batch_id::text = '' OR d.batch_id = :batch_id::text)
  AND (:state::text = '' OR d.state = :state::text)
  AND d.created_at >= :created_after
ORDER BY d.created_at DESC, d.id DESC
LIMIT :limit;

-- pages_after --
-- A document's pages numbered above :after, in order.
SELECT number, markdown FROM pages
WHERE document_id = :document_id AND number > :after
ORDER BY number;

-- document_usage --
-- What a document's conversion cost.
SELECT pages, input_tokens, output_tokens, base_cost_micros, margin_rate_bp, total_cost_micros
FROM usage WHERE document_id = :document_id AND operation = 'convert';

-- register_worker --
-- A worker process announces itself.
INSERT INTO workers (id, pid, hostname, started_at, heartbeat_at, state)
VALUES (:id, :pid, :hostname, :now, ilios_now_ms(), 'active');

-- heartbeat_worker --
-- A live worker proves it is alive.
UPDATE workers SET heartbeat_at = ilios_now_ms() WHERE id = :id AND state <> 'dead';

-- mark_worker_dead --
-- A worker stopped, or was found dead.
UPDATE workers SET state = 'dead', heartbeat_at = ilios_now_ms() WHERE id = :id;

-- claim_jobs --
-- Atomically claim up to :limit runnable jobs: streamed ones first, then the
-- highest priority, then the oldest (jobs_claimable's order). Rows another
-- claimer holds are skipped, not waited for.
UPDATE jobs
SET state = 'processing', attempts = attempts + 1, worker_id = :worker_id,
    started_at = :now, error = NULL
WHERE document_id IN (
    SELECT document_id FROM jobs
    WHERE state IN ('pending', 'retrying') AND run_at <= ilios_now_ms()
    ORDER BY streamed DESC, priority DESC, document_id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
RETURNING document_id, attempts, max_attempts, priority, streamed;

-- claim_job --
-- Atomically claim the next runnable job (claim_jobs for one).
UPDATE jobs
SET state = 'processing', attempts = attempts + 1, worker_id = :worker_id,
    started_at = :now, error = NULL
WHERE document_id = (
    SELECT document_id FROM jobs
    WHERE state IN ('pending', 'retrying') AND run_at <= ilios_now_ms()
    ORDER BY streamed DESC, priority DESC, document_id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
RETURNING document_id, attempts, max_attempts, priority, streamed;

-- start_document --
-- The claimed job's document is now processing.
UPDATE documents SET state = 'processing' WHERE id = :id AND state = 'pending';

-- next_run_at --
-- When the earliest waiting job becomes claimable (NULL if none waits), on the
-- caller's clock (the database's, shifted by :now).
SELECT min(run_at) - ilios_now_ms() + :now AS run_at FROM jobs
WHERE state IN ('pending', 'retrying');

-- put_page --
-- Store one converted page if :worker_id still owns the job (a retry overwrites,
-- never duplicates). The job row is share-locked until the commit, so a rescue
-- cannot take the job between this check and the commit.
INSERT INTO pages (document_id, number, markdown)
SELECT :document_id, :number, :markdown
WHERE EXISTS (SELECT 1 FROM jobs
              WHERE document_id = :document_id AND worker_id = :worker_id
                AND state = 'processing'
              FOR SHARE)
ON CONFLICT (document_id, number) DO UPDATE SET markdown = excluded.markdown;

-- set_page_count --
-- Pages committed so far, readable by status calls while the job runs.
UPDATE documents SET page_count = :page_count WHERE id = :id;

-- trim_pages --
-- Drop pages beyond the final count (left by an earlier attempt).
DELETE FROM pages WHERE document_id = :document_id AND number > :page_count;

-- complete_document --
-- The conversion succeeded.
UPDATE documents
SET state = 'completed', page_count = :page_count, model = :model,
    processing_ms = :processing_ms, processed_at = :now,
    error_reason = NULL, error_message = NULL
WHERE id = :id;

-- complete_job --
-- complete_jobs for one job.
UPDATE jobs SET state = 'completed', completed_at = :now, error = NULL
WHERE document_id = :document_id AND worker_id = :worker_id AND state = 'processing'
RETURNING document_id;

-- complete_jobs --
-- These jobs (an array of document ids) succeeded; only their current owner
-- may complete them. Returns the ones it still owned.
UPDATE jobs SET state = 'completed', completed_at = :now, error = NULL
WHERE document_id = ANY (:document_ids::text[])
  AND worker_id = :worker_id AND state = 'processing'
RETURNING document_id;

-- put_usage --
-- Record (or replace, on a retried job) the usage of a conversion.
INSERT INTO usage (id, document_id, api_key_id, engine, operation, pages, input_tokens,
                   output_tokens, base_cost_micros, margin_rate_bp, total_cost_micros,
                   created_at)
VALUES (:id, :document_id, :api_key_id, :engine, 'convert', :pages, :input_tokens,
        :output_tokens, :base_cost_micros, :margin_rate_bp, :total_cost_micros, :now)
ON CONFLICT (document_id, operation) DO UPDATE SET
    pages = excluded.pages, input_tokens = excluded.input_tokens,
    output_tokens = excluded.output_tokens, base_cost_micros = excluded.base_cost_micros,
    margin_rate_bp = excluded.margin_rate_bp, total_cost_micros = excluded.total_cost_micros,
    created_at = excluded.created_at;

-- retry_job --
-- A transient failure: claimable again after the backoff (:run_at - :now).
UPDATE jobs SET state = 'retrying', run_at = ilios_now_ms() + (:run_at - :now),
                error = :error, worker_id = NULL
WHERE document_id = :document_id AND worker_id = :worker_id AND state = 'processing';

-- fail_job --
-- A permanent failure, or the last attempt failed.
UPDATE jobs SET state = 'failed', completed_at = :now, error = :error
WHERE document_id = :document_id AND worker_id = :worker_id AND state = 'processing';

-- fail_document --
-- The document's conversion failed for good.
UPDATE documents
SET state = 'failed', error_reason = :reason, error_message = :message, processed_at = :now
WHERE id = :id;

-- release_job --
-- Give an unfinished job back (graceful shutdown): the attempt does not count.
UPDATE jobs SET state = 'pending', attempts = greatest(attempts - 1, 0), worker_id = NULL,
                run_at = ilios_now_ms()
WHERE document_id = :document_id AND worker_id = :worker_id AND state = 'processing';

-- reset_document --
-- The document's job is waiting again.
UPDATE documents SET state = 'pending' WHERE id = :id AND state = 'processing';

-- dead_workers --
-- Workers whose last heartbeat is older than :dead_after_ms (on the database's clock).
SELECT id FROM workers
WHERE state <> 'dead' AND heartbeat_at < ilios_now_ms() - :dead_after_ms;

-- orphaned_jobs --
-- Processing jobs whose worker is dead or missing, locked for the caller's
-- transaction: two rescuers on two servers never both move one job, and a job
-- another rescuer holds is left to it.
SELECT j.document_id, j.attempts, j.max_attempts
FROM jobs j LEFT JOIN workers w ON w.id = j.worker_id
WHERE j.state = 'processing' AND (w.id IS NULL OR w.state = 'dead')
FOR UPDATE OF j SKIP LOCKED;

-- rescue_job --
-- Return an orphaned job to the queue.
UPDATE jobs SET state = 'pending', worker_id = NULL, run_at = ilios_now_ms(),
                error = 'worker stopped while processing; rescued'
WHERE document_id = :document_id AND state = 'processing';

-- abandon_job --
-- An orphaned job with no attempts left fails.
UPDATE jobs SET state = 'failed', worker_id = NULL, completed_at = :now, error = :error
WHERE document_id = :document_id AND state = 'processing';

-- get_batch --
-- One batch, with when its last document finished.
SELECT b.id, b.priority, b.retention_days, b.engine, b.api_key_id, b.total, b.created_at,
       (SELECT max(processed_at) FROM documents WHERE batch_id = b.id) AS last_processed_at
FROM batches b WHERE b.id = :id;

-- batch_counts --
-- How many of a batch's documents are in each state.
SELECT state, count(*)::integer AS n FROM documents WHERE batch_id = :batch_id GROUP BY state;

-- batch_documents_after --
-- A batch's documents after position :after, in submission order.
SELECT d.id, d.batch_id, d.seq, d.file_name, d.mime_type, d.size_bytes, d.sha256, d.blob_key,
       d.state, d.error_reason, d.error_message, d.retention_days, d.engine, d.model,
       d.page_count, d.processing_ms, d.api_key_id, d.created_at, d.processed_at,
       d.archived_at, j.state AS job_state, j.attempts AS attempts, d.languages
FROM documents d LEFT JOIN jobs j ON j.document_id = d.id
WHERE d.batch_id = :batch_id AND d.seq > :after
ORDER BY d.seq
LIMIT :limit;

-- usage_summary --
-- Usage totals between :start and :end (inclusive).
SELECT count(DISTINCT document_id)::bigint AS documents, count(*)::bigint AS operations,
       coalesce(sum(pages), 0)::bigint AS pages,
       coalesce(sum(input_tokens), 0)::bigint AS input_tokens,
       coalesce(sum(output_tokens), 0)::bigint AS output_tokens,
       coalesce(sum(base_cost_micros), 0)::bigint AS base_cost_micros,
       coalesce(sum(total_cost_micros), 0)::bigint AS total_cost_micros
FROM usage WHERE created_at BETWEEN :start AND :end;

-- usage_breakdown --
-- Usage totals by UTC day, engine and API key between :start and :end.
SELECT to_char(to_timestamp(created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
       engine, api_key_id,
       count(DISTINCT document_id)::bigint AS documents, count(*)::bigint AS operations,
       sum(pages)::bigint AS pages, sum(input_tokens)::bigint AS input_tokens,
       sum(output_tokens)::bigint AS output_tokens,
       sum(base_cost_micros)::bigint AS base_cost_micros,
       sum(total_cost_micros)::bigint AS total_cost_micros
FROM usage WHERE created_at BETWEEN :start AND :end
GROUP BY day, engine, api_key_id
ORDER BY day, engine, api_key_id;

-- mark_pid_dead --
-- The supervisor saw this worker process exit.
UPDATE workers SET state = 'dead', heartbeat_at = ilios_now_ms()
WHERE pid = :pid AND hostname = :hostname AND state <> 'dead';

-- live_workers_on_host --
-- Workers on this node not yet marked dead (to check their pids).
SELECT id, pid FROM workers WHERE hostname = :hostname AND state <> 'dead';

-- expired_documents --
-- Finished documents whose retention ended before :now (oldest first).
SELECT id, blob_key FROM documents
WHERE state IN ('completed', 'failed')
  AND created_at + retention_days * 86400000::bigint <= :now
ORDER BY created_at
LIMIT :limit;

-- archive_document --
-- Past retention: the original and Markdown are gone, the record stays.
UPDATE documents SET state = 'archived', archived_at = :now WHERE id = :id;

-- delete_pages --
-- Remove a document's Markdown.
DELETE FROM pages WHERE document_id = :document_id;

-- expired_uploads --
-- Uploads nobody used before they expired.
SELECT id, blob_key FROM uploads WHERE used_at IS NULL AND expires_at <= :now LIMIT :limit;

-- unknown_documents --
-- The ids in the array :ids that name no document.
SELECT i.id FROM unnest(:ids::text[]) AS i (id)
WHERE NOT EXISTS (SELECT 1 FROM documents WHERE documents.id = i.id);

-- unknown_uploads --
-- The ids in the array :ids that name no upload.
SELECT i.id FROM unnest(:ids::text[]) AS i (id)
WHERE NOT EXISTS (SELECT 1 FROM uploads WHERE uploads.id = i.id);

-- delete_upload --
-- Forget an expired upload.
DELETE FROM uploads WHERE id = :id;

-- transient_uploads --
-- Up to :limit unused transient uploads stored by server :server_id.
SELECT id FROM uploads
WHERE server_id = :server_id AND used_at IS NULL LIMIT :limit;

-- register_server --
-- A server announces itself, or (heartbeat) proves it is alive; a server
-- whose row was taken for dead comes back.
INSERT INTO servers (id, pid, hostname, started_at, heartbeat_at)
VALUES (:id, :pid, :hostname, :now, ilios_now_ms())
ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at;

-- servers_gone --
-- Other servers silent for :dead_after_ms (on the database's clock), or on
-- node :hostname (their pids are checked by the caller).
SELECT id, pid, hostname, heartbeat_at < ilios_now_ms() - :dead_after_ms AS silent
FROM servers
WHERE id <> :own_id
  AND (heartbeat_at < ilios_now_ms() - :dead_after_ms OR hostname = :hostname);

-- delete_server --
-- A server that stopped (its transient uploads are gone already).
DELETE FROM servers WHERE id = :id;

-- delete_unused_upload --
-- Forget an upload no document has used; return its blob key (no row: unknown or used).
DELETE FROM uploads WHERE id = :id AND used_at IS NULL RETURNING blob_key;

-- insert_inline_blob --
-- Keep a small original in the database (inside the transaction creating its document).
INSERT INTO inline_blobs (key, content) VALUES (:key, :content);

-- inline_blob --
-- A small original kept in the database, if the key names one.
SELECT content FROM inline_blobs WHERE key = :key;

-- delete_inline_blob --
-- Forget a small original (retention).
DELETE FROM inline_blobs WHERE key = :key;

-- insert_reservation --
-- Reserve a document id for a file to be sent with a plain PUT.
INSERT INTO reservations (id, token_sha256, file_name, size_bytes, mime_type, api_key_id,
                          created_at, expires_at)
VALUES (:id, :token_sha256, :file_name, :size_bytes, :mime_type, :api_key_id, :now, :expires_at);

-- get_reservation --
-- A reservation that has not expired by :now.
SELECT id, token_sha256, file_name, size_bytes, mime_type, api_key_id, expires_at
FROM reservations WHERE id = :id AND expires_at > :now;

-- delete_reservation --
-- The reserved file is recorded (an upload, or the document): the reservation goes.
DELETE FROM reservations WHERE id = :id;

-- expired_reservations --
-- Up to :limit reservations whose time ran out before :now.
SELECT id FROM reservations WHERE expires_at <= :now ORDER BY expires_at LIMIT :limit;
