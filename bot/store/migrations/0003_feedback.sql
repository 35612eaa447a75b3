-- wijkbot schema, version 3: feedback ("you said, we did, because"), preferences, digests, "did you feel heard?".

-- How a resident wants to hear about feedback: direct, weekly, monthly or off; and their quiet hours.
ALTER TABLE residents ADD COLUMN feedback_mode TEXT NOT NULL DEFAULT 'direct';
ALTER TABLE residents ADD COLUMN quiet_start TEXT NOT NULL DEFAULT '21:00';
ALTER TABLE residents ADD COLUMN quiet_end TEXT NOT NULL DEFAULT '08:00';
ALTER TABLE residents ADD COLUMN follows_neighbourhood INTEGER NOT NULL DEFAULT 0;

-- Themes a resident follows in their own neighbourhood.
CREATE TABLE follows (
    resident_id INTEGER NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    theme TEXT NOT NULL,
    PRIMARY KEY (resident_id, theme)
);

CREATE TABLE feedback (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    neighbourhood_id TEXT NOT NULL,
    theme TEXT,
    status TEXT NOT NULL,
    what TEXT NOT NULL,
    because TEXT NOT NULL,
    commitment_date TEXT,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    overdue_notified_at TEXT
);
CREATE INDEX feedback_commitment ON feedback (status, commitment_date);

CREATE TABLE feedback_experiences (
    feedback_id INTEGER NOT NULL REFERENCES feedback (id) ON DELETE CASCADE,
    experience_id INTEGER NOT NULL REFERENCES experiences (id) ON DELETE CASCADE,
    PRIMARY KEY (feedback_id, experience_id)
);
CREATE INDEX feedback_experiences_experience ON feedback_experiences (experience_id);

-- Every status change of a feedback item, for residents' /status history and the commitment clock.
CREATE TABLE feedback_updates (
    id INTEGER PRIMARY KEY,
    feedback_id INTEGER NOT NULL REFERENCES feedback (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    what TEXT NOT NULL,
    because TEXT NOT NULL,
    author TEXT NOT NULL,
    at TEXT NOT NULL
);

-- Feedback waiting for a resident's weekly or monthly digest.
CREATE TABLE digest_items (
    resident_id INTEGER NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    feedback_update_id INTEGER NOT NULL REFERENCES feedback_updates (id) ON DELETE CASCADE,
    PRIMARY KEY (resident_id, feedback_update_id)
);

-- "Did you feel heard?" One answer per resident and feedback item; changeable.
CREATE TABLE heard (
    feedback_id INTEGER NOT NULL REFERENCES feedback (id) ON DELETE CASCADE,
    resident_id INTEGER REFERENCES residents (id) ON DELETE SET NULL,
    answer TEXT NOT NULL,
    comment TEXT,
    neighbourhood_id TEXT NOT NULL,
    theme TEXT,
    at TEXT NOT NULL
);
CREATE UNIQUE INDEX heard_once ON heard (feedback_id, resident_id);
