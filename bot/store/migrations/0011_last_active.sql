-- wijkbot schema, version 11: the day each resident last used the bot, for the retention sweep (issue 13.4).
-- The sweep used to judge activity by conversation rows, which are dropped after a day idle, so it erased active
-- residents once the retention period had passed since they joined. A day is enough for a period counted in
-- months, and it records less: never the moment someone did something (a vote in a youth poll, for one).
-- The dialogue writes it with the turn's own statements (no extra round trip), and only when the day changed.
ALTER TABLE residents ADD COLUMN last_active TEXT;

-- Existing residents: the latest day anything shows they were active (consent, dialogue, story, vote).
UPDATE residents SET last_active = substr(consent_at, 1, 10);
UPDATE residents SET last_active = (SELECT substr(MAX(c.updated_at), 1, 10) FROM conversations c
                                    WHERE c.channel = residents.channel AND c.user_id = residents.user_id)
 WHERE last_active < (SELECT substr(MAX(c.updated_at), 1, 10) FROM conversations c
                      WHERE c.channel = residents.channel AND c.user_id = residents.user_id);
UPDATE residents SET last_active = (SELECT substr(MAX(e.created_at), 1, 10) FROM experiences e
                                    WHERE e.resident_id = residents.id)
 WHERE last_active < (SELECT substr(MAX(e.created_at), 1, 10) FROM experiences e WHERE e.resident_id = residents.id);
UPDATE residents SET last_active = (SELECT substr(MAX(v.at), 1, 10) FROM poll_votes v WHERE v.resident_id = residents.id)
 WHERE last_active < (SELECT substr(MAX(v.at), 1, 10) FROM poll_votes v WHERE v.resident_id = residents.id);

CREATE INDEX residents_last_active ON residents (last_active);
