-- wijkbot schema, version 6: deliberation in the chat (issue 8): Pol.is-style statements, votes, opinion groups.
-- Votes are personal data: they are linked to a resident only to ask nobody the same statement twice, to let a
-- vote be changed, and for /mydata and /forget. Results shown to anyone are aggregates of groups of 5 or more.

-- A conversation an organiser opened for one neighbourhood, from its moderation room (reference D-2026-0001).
-- ``changes`` goes up with every vote and erasure, the scheduled recompute runs only when it differs from
-- ``computed_changes``. ``snapshot`` is the last recompute as JSON, aggregates only (no resident ids):
-- per-statement counts and extremity, common ground, divisive statements, and the groups large enough to show.
CREATE TABLE deliberations (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    neighbourhood_id TEXT NOT NULL,
    question TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed_by TEXT,
    closed_at TEXT,
    changes INTEGER NOT NULL DEFAULT 0,
    computed_changes INTEGER NOT NULL DEFAULT -1,
    computed_at TEXT,
    snapshot TEXT
);
CREATE INDEX deliberations_neighbourhood ON deliberations (neighbourhood_id, status);

-- Statements (reference S-<id>): seed statements by organisers (author_id NULL, approved at once) and residents'
-- own statements, scrubbed, which wait for a moderator ('pending') before anyone else sees them.
CREATE TABLE deliberation_statements (
    id INTEGER PRIMARY KEY,
    deliberation_id INTEGER NOT NULL REFERENCES deliberations (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    scrubbed_kinds TEXT NOT NULL DEFAULT '',
    author_id INTEGER REFERENCES residents (id) ON DELETE SET NULL,
    status TEXT NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT
);
CREATE INDEX deliberation_statements_deliberation ON deliberation_statements (deliberation_id, status);
CREATE INDEX deliberation_statements_author ON deliberation_statements (author_id);

-- One vote per resident and statement (1 agree, -1 disagree, 0 pass). A new vote replaces the old one.
CREATE TABLE deliberation_votes (
    statement_id INTEGER NOT NULL REFERENCES deliberation_statements (id) ON DELETE CASCADE,
    resident_id INTEGER NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    deliberation_id INTEGER NOT NULL REFERENCES deliberations (id) ON DELETE CASCADE,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 0, 1)),
    at TEXT NOT NULL,
    PRIMARY KEY (statement_id, resident_id)
);
CREATE INDEX deliberation_votes_deliberation ON deliberation_votes (deliberation_id);
CREATE INDEX deliberation_votes_resident ON deliberation_votes (resident_id);

-- Who joined, and their opinion group at the last recompute: NULL when not grouped (too few votes) or when
-- the group is smaller than 5 and therefore never shown.
CREATE TABLE deliberation_participants (
    deliberation_id INTEGER NOT NULL REFERENCES deliberations (id) ON DELETE CASCADE,
    resident_id INTEGER NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    joined_at TEXT NOT NULL,
    group_id INTEGER,
    PRIMARY KEY (deliberation_id, resident_id)
);
CREATE INDEX deliberation_participants_resident ON deliberation_participants (resident_id);

-- Which moderation-room message shows which resident's statement, so ✅ / 🚫 reactions on it are understood.
CREATE TABLE deliberation_posts (
    channel TEXT NOT NULL,
    message_id TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    statement_id INTEGER NOT NULL REFERENCES deliberation_statements (id) ON DELETE CASCADE,
    PRIMARY KEY (channel, message_id)
);
