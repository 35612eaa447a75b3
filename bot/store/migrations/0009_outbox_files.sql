-- wijkbot schema, version 9: an outbox attachment is stored once, however many messages carry it.
-- Closing a poll queues its result chart (a PNG of a few KB) for every resident it tells, and each row held
-- its own base64 copy in the body (10,000 copies for 10,000 voters). Now the bytes are kept once, under their
-- SHA-256 (hex), and each row names them in ``file``. Rows queued before this version keep their base64 copy and
-- are delivered as they are. A file goes when no outbox row names it any more (bot/store/outbox.py: purge).
-- (PostgreSQL would call the BLOB type BYTEA.)
CREATE TABLE outbox_files (
    digest TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    created_at TEXT NOT NULL
);

ALTER TABLE outbox ADD COLUMN file TEXT REFERENCES outbox_files (digest);
-- For the purge (is a file still named?) and for the foreign key check when a file is deleted.
CREATE INDEX outbox_file ON outbox (file);
