-- wijkbot schema, version 4: neighbourhood polls and youth polls (issue 5).
-- A vote in an ordinary poll is personal data: it is linked to the resident so it can be changed until closing,
-- shown in /mydata and erased by /forget. A vote in a youth poll is not linked to anyone: it is stored under
-- HMAC-SHA256(per-poll key, channel + platform user id); the key is deleted when the poll closes or is cancelled:
-- after which nobody can tell whose vote is whose.

-- Residents choose whether they hear about new polls, and for youth polls they may state an age band (only the band,
-- e.g. '12-14', never a birth date or an age).
ALTER TABLE residents ADD COLUMN polls_opt_in INTEGER NOT NULL DEFAULT 0;
ALTER TABLE residents ADD COLUMN age_band TEXT;

-- A poll an organiser made in a moderation room (reference P-2026-0001). max_selections 1 is single choice.
-- youth_min/youth_max are NULL for everyone, else the age range of a youth poll. status: scheduled (not yet
-- open), open, closed, cancelled. vote_key is the youth poll's random HMAC key (hex), NULL once it ends.
CREATE TABLE polls (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    question TEXT NOT NULL,
    max_selections INTEGER NOT NULL DEFAULT 1,
    youth_min INTEGER,
    youth_max INTEGER,
    opens_at TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'scheduled',
    room TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    opened_at TEXT,
    closed_at TEXT,
    closed_by TEXT,
    vote_key TEXT
);
CREATE INDEX polls_due ON polls (status, opens_at, closes_at);

CREATE TABLE poll_options (
    poll_id INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (poll_id, number)
);

CREATE TABLE poll_neighbourhoods (
    poll_id INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    neighbourhood_id TEXT NOT NULL,
    PRIMARY KEY (poll_id, neighbourhood_id)
);
CREATE INDEX poll_neighbourhoods_hood ON poll_neighbourhoods (neighbourhood_id);

-- Ordinary polls: one row per chosen option; a resident's vote is the set of their rows (changed as a whole)
CREATE TABLE poll_votes (
    poll_id INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    resident_id INTEGER NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    option INTEGER NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (poll_id, resident_id, option)
);
CREATE INDEX poll_votes_resident ON poll_votes (resident_id);

-- Youth polls: the voter is only the keyed hash. No time is stored and the table has no row ids (WITHOUT ROWID,
-- which PostgreSQL does not need), so neither a timestamp nor the insertion order can be matched against
-- other tables.
CREATE TABLE poll_youth_votes (
    poll_id INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    voter TEXT NOT NULL,
    option INTEGER NOT NULL,
    PRIMARY KEY (poll_id, voter, option)
) WITHOUT ROWID;

-- Which platform message shows which poll: Matrix poll responses refer to the poll's start event, and the
-- results end it (and on Telegram remove the announcement's buttons). It says who was told, never how they voted.
CREATE TABLE poll_messages (
    channel TEXT NOT NULL,
    message_id TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    private INTEGER NOT NULL,
    poll_id INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    PRIMARY KEY (channel, message_id)
);
CREATE INDEX poll_messages_poll ON poll_messages (poll_id);
CREATE INDEX poll_messages_chat ON poll_messages (channel, chat_id);
