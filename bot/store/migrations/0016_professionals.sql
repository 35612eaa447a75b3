-- wijkbot schema: professionals of a neighbourhood, their observations, and early signals (issue 20).
-- (Numbered 0016, the next free number on main when merged; the brief's 0021 would leave a gap the loader refuses.)

-- One row per term of a professional in a neighbourhood, like contact persons' terms: a person who changes
-- role gets a new row; ended_on is the first day the term no longer runs (NULL while it runs), so `!professional
-- end` takes the room's commands away at once; a configured `until` (the last day) is stored as the day after.
CREATE TABLE professionals (
    id INTEGER PRIMARY KEY,
    config_key TEXT UNIQUE,
    neighbourhood_id TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation TEXT NOT NULL DEFAULT '',
    matrix_user TEXT NOT NULL,
    started_on TEXT NOT NULL,
    ended_on TEXT,
    added_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX professionals_user ON professionals (matrix_user, neighbourhood_id);

-- A professional's observation about a pattern (never a person): scrubbed text, labelled with the role only.
CREATE TABLE observations (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    professional_id INTEGER NOT NULL REFERENCES professionals (id),
    neighbourhood_id TEXT NOT NULL,
    theme TEXT NOT NULL,
    role TEXT NOT NULL,
    text_public TEXT NOT NULL,
    scrubbed_kinds TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX observations_when ON observations (neighbourhood_id, theme, created_at);

-- An early signal: a neighbourhood x theme x source (stories, observations, unheard) whose last window rose
-- above its own trailing baseline more than chance explains. Acknowledged with a note (also in audit_log).
CREATE TABLE signals (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    neighbourhood_id TEXT NOT NULL,
    theme TEXT NOT NULL,
    source TEXT NOT NULL,
    window_count INTEGER NOT NULL,
    expected DOUBLE PRECISION NOT NULL,
    p_value DOUBLE PRECISION NOT NULL,
    window_start TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    acked_at TEXT,
    acked_by TEXT,
    ack_note TEXT
);
CREATE INDEX signals_position ON signals (neighbourhood_id, theme, source, raised_at);

-- The detector counts stories per week of the last 14 (bot/store/signals.py): by time, not by neighbourhood.
CREATE INDEX experiences_created ON experiences (created_at);

-- The stories and observations behind a signal (their references).
CREATE TABLE signal_items (
    signal_id INTEGER NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
    item_reference TEXT NOT NULL,
    PRIMARY KEY (signal_id, item_reference)
);

-- A professional asks the municipality for room to act (what is needed and why); organisers answer on the
-- commitment clock of feedback (status, what, because, an optional promised date; overdue once it passes).
CREATE TABLE professional_requests (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    professional_id INTEGER NOT NULL REFERENCES professionals (id),
    neighbourhood_id TEXT NOT NULL,
    role TEXT NOT NULL,
    needed TEXT NOT NULL,
    why TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    what TEXT,
    because TEXT,
    commitment_date TEXT,
    answered_by TEXT,
    answered_at TEXT,
    overdue_notified_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX professional_requests_clock ON professional_requests (status, commitment_date);

-- Check questions: a professional proposes a short question for residents; organisers approve it, and it goes
-- out as a poll (audience 'professionals') only to residents who opted in to questions from professionals.
CREATE TABLE check_questions (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    professional_id INTEGER NOT NULL REFERENCES professionals (id),
    neighbourhood_id TEXT NOT NULL,
    theme TEXT NOT NULL,
    role TEXT NOT NULL,
    question TEXT NOT NULL,
    options TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'proposed',
    poll_id INTEGER REFERENCES polls (id),
    decided_by TEXT,
    decided_at TEXT,
    reason TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE check_question_optins (
    resident_id INTEGER PRIMARY KEY REFERENCES residents (id) ON DELETE CASCADE,
    since TEXT NOT NULL
);

-- Who hears of a poll: 'polls' (residents who opted in to polls) or 'professionals' (a check question).
ALTER TABLE polls ADD COLUMN audience TEXT NOT NULL DEFAULT 'polls';
