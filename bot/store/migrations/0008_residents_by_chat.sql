-- wijkbot schema, version 8: find a resident by the chat the bot writes to.
-- After every feedback message is sent the outbox looks the resident up by (channel, chat_id) to let typed
-- answers count (bot.engine.feedback.offer_answers); without an index each lookup read the whole residents table,
-- so a fan-out to N residents cost N full scans (bench/fanout.py: 10,000 residents, twice the CPU per message).
CREATE INDEX residents_chat ON residents (channel, chat_id);
