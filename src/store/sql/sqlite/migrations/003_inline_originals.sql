-- 003: small originals sent inline are kept here, written in the transaction
-- that creates their documents (see ilios.inline), instead of one file each.
CREATE TABLE inline_blobs (
    key         TEXT PRIMARY KEY,     -- the blob key, e.g. originals/<document id>
    content     BLOB NOT NULL
) STRICT;
