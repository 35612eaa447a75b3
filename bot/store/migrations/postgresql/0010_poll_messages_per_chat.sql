-- PostgreSQL's version of 0010_poll_messages_per_chat.sql: the mechanical rewrites, and the explicit rowid that
-- PostgreSQL's poll_messages has instead of SQLite's implicit one (see postgresql/0004_polls.sql).
-- wijkbot schema, version 10: a message that shows a poll is known by its chat and its id.
-- Telegram numbers messages per chat, so announcements in different residents' chats often share a message
-- id; with (channel, message_id) as the key only the first of them was remembered, and the others' residents
-- got no results and kept their buttons after closing. Matrix event ids are unique anyway. Announcements that
-- were not remembered before this version cannot be found again.
CREATE TABLE poll_messages_by_chat (
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    private BIGINT NOT NULL,
    poll_id BIGINT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (channel, chat_id, message_id)
);

INSERT INTO poll_messages_by_chat (channel, chat_id, message_id, private, poll_id)
    SELECT channel, chat_id, message_id, private, poll_id FROM poll_messages ORDER BY rowid;

DROP TABLE poll_messages;

ALTER TABLE poll_messages_by_chat RENAME TO poll_messages;

CREATE INDEX poll_messages_poll ON poll_messages (poll_id);
