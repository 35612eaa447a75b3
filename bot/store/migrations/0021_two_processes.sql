-- Two processes, one municipality (issue 17, point 5). Unused on SQLite, which serves one process
-- (bot/store/single.py); the same schema on both engines keeps one store API.
--
-- send_budget: one sending budget for the bot across processes. Each process reserves a few evenly spaced slots
-- of a platform's overall rate limit at a time by moving next_slot (seconds since the epoch) forward in one
-- statement, so two processes together never exceed the limit (bot/store/cluster.py).
CREATE TABLE send_budget (
    name TEXT PRIMARY KEY,
    next_slot DOUBLE PRECISION NOT NULL
);

-- Who is sending an outbox row, and until when the claim holds (bot/store/claims.py): claimed_by is the claiming
-- process's token (a process id in the cluster, nothing about a person), claimed_until the lease's end. A row
-- whose lease ran out, or whose process is gone, can be claimed again; a reply held with a turn names its
-- process too, so only a dead process's held replies are released.
ALTER TABLE outbox ADD COLUMN claimed_by INTEGER;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;

-- A channel's own files kept in the database (the Matrix store: the bot's device, keys and sync position), so the
-- process that takes over the Matrix sync goes on as the same device from the same position
-- (bot/channels/matrix/handover.py). Written only with several processes, on PostgreSQL.
CREATE TABLE channel_files (
    channel TEXT NOT NULL,
    name TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (channel, name)
);
