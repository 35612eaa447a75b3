-- wijkbot schema, version 20: the hour a resident last wrote, so that WhatsApp's 24-hour window survives a restart
-- (issue 18). Meta lets the bot write freely only within 24 hours of the resident's last message, templates
-- after that. The channel knows the moment in memory; a restarted process knew nothing and sent every queued
-- message as a template. Kept: the UTC hour the message was sent in, rounded DOWN ("2026-03-02T10:00:00+00:00"),
-- so the window the bot believes in is never longer than Meta's (no 131047); in its last minutes a message goes
-- as a template, which Meta always delivers. Not the minute: a row naming the resident must not hold the moment
-- of something they did (a youth vote, tests/engine/test_polls_youth_unlinkable.py), as residents.last_active
-- and the held replies keep only the day and the hour. Written once an hour at most; NULL for channels without
-- such a window. It goes with the resident's row (/forget, retention), and /mydata shows it.
ALTER TABLE residents ADD COLUMN last_message_hour TEXT;

-- WhatsApp residents from before: the start of the UTC day they were last active (a dialogue turn is a message
-- from them), which is never later than their last message, so the window known from it is never too long.
UPDATE residents SET last_message_hour = last_active || 'T00:00:00+00:00'
 WHERE channel = 'whatsapp' AND last_active IS NOT NULL;
