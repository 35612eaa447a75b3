-- wijkbot schema, version 12: where the bot posted each story, so /forget can take it back (issue 13.2).
-- One row per message that shows a story: the moderation post, each publication in a public room or Telegram
-- group, the copy for the contact person. Written in the transaction that marks the outbox row sent (delivered
-- outbox rows are purged after 30 days, this table is not). ``named`` says whether the message shows the
-- author's first name. A row goes with its story (ON DELETE CASCADE) once /forget has queued the removal.
CREATE TABLE story_posts (
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    private INTEGER NOT NULL,
    experience_id INTEGER NOT NULL REFERENCES experiences (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    named INTEGER NOT NULL DEFAULT 0,
    posted_at TEXT NOT NULL,
    PRIMARY KEY (channel, chat_id, message_id)
);
CREATE INDEX story_posts_experience ON story_posts (experience_id);

-- What was posted before this version and is still known: delivered outbox rows not yet purged, then the
-- moderation posts (their time is not known any more: the story's own time stands in for it).
INSERT INTO story_posts (channel, chat_id, message_id, private, experience_id, purpose, named, posted_at)
    SELECT o.channel, o.chat_id, o.message_id, o.private, e.id, o.purpose,
           CASE WHEN o.purpose != 'contact-story' AND e.author_name IS NOT NULL THEN 1 ELSE 0 END,
           COALESCE(o.sent_at, o.created_at)
    FROM outbox o JOIN experiences e ON e.reference = o.subject
    WHERE o.status = 'sent' AND o.message_id IS NOT NULL AND o.message_id != ''
          AND o.purpose IN ('moderation', 'publish', 'contact-story')
    ON CONFLICT DO NOTHING;

INSERT INTO story_posts (channel, chat_id, message_id, private, experience_id, purpose, named, posted_at)
    SELECT p.channel, p.chat_id, p.message_id, 0, e.id, 'moderation',
           CASE WHEN e.author_name IS NOT NULL THEN 1 ELSE 0 END, e.created_at
    FROM moderation_posts p JOIN experiences e ON e.id = p.experience_id
    WHERE true
    ON CONFLICT DO NOTHING;
