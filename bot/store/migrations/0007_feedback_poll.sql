-- wijkbot schema, version 7: feedback can be about a poll ("you voted, we did, because").
ALTER TABLE feedback ADD COLUMN poll_id INTEGER REFERENCES polls (id) ON DELETE SET NULL;
