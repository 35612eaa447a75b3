-- wijkbot schema, version 5: fixed contact persons, their terms, the relay between residents and them (issue 7).

-- One row per term: a person responsible for a position (a neighbourhood, or one theme in it: theme '' is the
-- whole neighbourhood) from started_on until ended_on (ISO dates). A person who changes position gets a new row.
-- activated_at / closed_at record when the bot put the term into effect and when it processed its end (items
-- moved, successor introduced); succeeded_by links a term to the one that took over from it.
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    config_key TEXT UNIQUE,
    neighbourhood_id TEXT NOT NULL,
    theme TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation TEXT NOT NULL DEFAULT '',
    reachable_how TEXT NOT NULL DEFAULT '',
    reachable_when TEXT NOT NULL DEFAULT '',
    photo TEXT,
    language TEXT,
    matrix_user TEXT,
    telegram_chat TEXT,
    started_on TEXT NOT NULL,
    ended_on TEXT,
    activated_at TEXT,
    closed_at TEXT,
    historical INTEGER NOT NULL DEFAULT 0,
    succeeded_by INTEGER REFERENCES contacts (id),
    added_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX contacts_position ON contacts (neighbourhood_id, theme, started_on);

-- Who was responsible for a story, and when: a row per stretch; until is NULL for the current one.
CREATE TABLE experience_contacts (
    experience_id INTEGER NOT NULL REFERENCES experiences (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    since TEXT NOT NULL,
    until TEXT,
    PRIMARY KEY (experience_id, contact_id, since)
);
CREATE INDEX experience_contacts_contact ON experience_contacts (contact_id, until);

-- A resident's conversation with their contact person through the bot; shown as R-<id>. Neither side learns
-- the other's platform handle: the bot holds both ends.
CREATE TABLE relay_threads (
    id INTEGER PRIMARY KEY,
    resident_id INTEGER NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    neighbourhood_id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX relay_threads_contact ON relay_threads (contact_id, status);
CREATE INDEX relay_threads_resident ON relay_threads (resident_id);

-- Every relayed message (the resident's and the contact's words are personal data: /mydata shows, /forget
-- erases them). contact_id is the contact person at the time of the message.
CREATE TABLE relay_messages (
    id INTEGER PRIMARY KEY,
    thread_id INTEGER NOT NULL REFERENCES relay_threads (id) ON DELETE CASCADE,
    direction TEXT NOT NULL,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    text TEXT NOT NULL,
    outbox_id INTEGER,
    at TEXT NOT NULL
);
CREATE INDEX relay_messages_thread ON relay_messages (thread_id);

-- Platform message ids of relayed messages as the contact received them, so a reply to one finds its thread.
CREATE TABLE relay_posts (
    channel TEXT NOT NULL,
    message_id TEXT NOT NULL,
    thread_id INTEGER NOT NULL REFERENCES relay_threads (id) ON DELETE CASCADE,
    PRIMARY KEY (channel, message_id, thread_id)
);

-- Residents who want an introduction when a new contact person starts in their neighbourhood (/settings).
CREATE TABLE contact_intro_optins (
    resident_id INTEGER PRIMARY KEY REFERENCES residents (id) ON DELETE CASCADE,
    since TEXT NOT NULL
);
