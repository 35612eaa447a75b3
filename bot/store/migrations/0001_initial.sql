-- wijkbot schema, version 1: residents, conversations, experiences, de-duplication.
-- Timestamps are ISO-8601 UTC text; ids are integers; SQL stays portable to PostgreSQL.

-- A resident exists only after consenting to the privacy statement.
CREATE TABLE residents (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    language TEXT NOT NULL,
    neighbourhood_id TEXT NOT NULL,
    consent_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    unreachable_at TEXT,
    UNIQUE (channel, user_id)
);

-- Half-finished dialogues, keyed by (channel, user), so a restart continues where the person was.
CREATE TABLE conversations (
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    flow TEXT,
    step TEXT,
    data TEXT NOT NULL DEFAULT '{}',
    turn INTEGER NOT NULL DEFAULT 0,
    choices TEXT NOT NULL DEFAULT '[]',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (channel, user_id)
);

CREATE TABLE reference_counters (
    prefix TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (prefix, year)
);

-- text is the resident's own words, shown only to the author; text_public is scrubbed of personal data.
CREATE TABLE experiences (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    resident_id INTEGER REFERENCES residents (id) ON DELETE SET NULL,
    neighbourhood_id TEXT NOT NULL,
    theme TEXT NOT NULL,
    text TEXT,
    text_public TEXT NOT NULL,
    scrubbed_kinds TEXT NOT NULL DEFAULT '',
    place_hint TEXT,
    author_name TEXT,
    photo_ref TEXT,
    language TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new',
    created_at TEXT NOT NULL
);
CREATE INDEX experiences_resident ON experiences (resident_id);
CREATE INDEX experiences_neighbourhood_status ON experiences (neighbourhood_id, status);

-- Platform event ids already handled, so a redelivered update changes nothing.
CREATE TABLE processed_events (
    channel TEXT NOT NULL,
    event_id TEXT NOT NULL,
    processed_at TEXT NOT NULL,
    PRIMARY KEY (channel, event_id)
);
