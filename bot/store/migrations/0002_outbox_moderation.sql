-- wijkbot schema, version 2: where to reach residents, the outbox, moderation and its audit log.

-- Where the bot writes to a resident: Telegram private chat id, Matrix direct-chat room id, console user.
ALTER TABLE residents ADD COLUMN chat_id TEXT;
UPDATE residents SET chat_id = user_id WHERE chat_id IS NULL;

-- Everything that leaves the bot later than the answer to a message goes through here, written in the same
-- transaction as its cause and drained by the dispatcher (bot/engine/outbox.py).
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    private INTEGER NOT NULL DEFAULT 1,
    body TEXT NOT NULL,
    purpose TEXT NOT NULL,
    subject TEXT,
    not_before TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending',
    message_id TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (status, not_before);

ALTER TABLE experiences ADD COLUMN decided_at TEXT;
ALTER TABLE experiences ADD COLUMN decision_reason TEXT;
ALTER TABLE experiences ADD COLUMN reminded_at TEXT;

-- Which message in a moderation room shows which experience, so a reaction on it can be understood.
CREATE TABLE moderation_posts (
    channel TEXT NOT NULL,
    message_id TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    experience_id INTEGER NOT NULL REFERENCES experiences (id) ON DELETE CASCADE,
    PRIMARY KEY (channel, message_id)
);

-- Every moderation decision: who, when, what, why. Kept by reference, so it outlives an erased story.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT,
    at TEXT NOT NULL
);
CREATE INDEX audit_log_reference ON audit_log (reference);
