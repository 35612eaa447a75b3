-- wijkbot schema, version 17: outbox priorities, and the replies of a dialogue turn kept with the turn.
--
-- priority: 0 = interactive (the answer to what someone just did, a relayed message, a moderation post),
-- 1 = bulk (feedback fan-out, digests, poll announcements and results, invitations, introductions). The
-- dispatcher takes interactive rows first, and the Telegram channel's limiter serves interactive requests first.
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET priority = 1 WHERE purpose IN ('feedback', 'digest', 'poll', 'poll-results', 'delib-invite',
    'delib-summary', 'contact-intro', 'overdue');
-- The next rows to send: pending, interactive before bulk, oldest first.
CREATE INDEX outbox_next ON outbox (status, priority, id);
-- status 'held': the reply of a dialogue turn, written in the turn's own transaction and sent right after its
-- COMMIT by the channel that received the message. It is deleted once sent (in batches, bot/engine/replies.py);
-- one still held at start was never confirmed sent (the process died) and becomes 'pending' for the dispatcher.
-- Its subject is the turn's key: channel, platform event id and the reply's position.
