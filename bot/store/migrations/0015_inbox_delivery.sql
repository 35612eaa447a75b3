-- wijkbot schema, version 15: a durable inbox for webhook messages, and what became of a sent message.
--
-- A platform that does not redeliver a webhook once it got a 200 (WhatsApp's Cloud API) writes each verified
-- message here BEFORE answering 200; the row goes when the message was handled, and what is left at start is
-- handled then (bot/store/inbox.py). It holds only what the turn needs, for seconds.
CREATE TABLE inbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    event_id TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (channel, event_id)
);
-- The platform's word on a sent outbox row: 'delivered' or 'read' (failed rows get status 'failed'). Only the
-- state, never the moment, and it goes with the row (delivered rows are purged after 30 days).
ALTER TABLE outbox ADD COLUMN delivery TEXT;
CREATE INDEX outbox_message ON outbox (channel, message_id);
