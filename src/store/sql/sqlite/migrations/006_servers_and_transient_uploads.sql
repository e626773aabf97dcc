-- 006: servers announce themselves, and an upload made for a request still in
-- flight (transient: a REST form, a client's batch) names the server that
-- stored it. Such a request cannot outlive that server, so when the server is
-- gone (its process vanished, or it stopped heartbeating) its transient
-- uploads that no document took are deleted.

CREATE TABLE servers (
    id              TEXT PRIMARY KEY,
    pid             INTEGER NOT NULL,
    hostname        TEXT NOT NULL,
    started_at      INTEGER NOT NULL,
    heartbeat_at    INTEGER NOT NULL
) STRICT;

ALTER TABLE uploads ADD COLUMN server_id TEXT;  -- NULL: kept until used or expired

CREATE INDEX uploads_transient ON uploads (server_id)
    WHERE server_id IS NOT NULL AND used_at IS NULL;
