-- 009: reserved documents (the upload-url flow): a document id given out before
-- its file is sent with a plain HTTP PUT (to S3 through a presigned URL, or to
-- the gateway with a token). The row goes in the transaction that records the
-- file (an upload, or the document itself); an expired one, with any object
-- sent for it, goes in the sweep.

CREATE TABLE reservations (
    id              TEXT PRIMARY KEY,     -- the document's id to be
    token_sha256    TEXT NOT NULL,        -- of the secret that authorizes a PUT to the gateway
    file_name       TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL,     -- declared; 0: unknown
    mime_type       TEXT NOT NULL,
    api_key_id      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX reservations_by_expiry ON reservations (expires_at);
