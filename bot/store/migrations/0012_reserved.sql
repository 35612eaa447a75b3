-- wijkbot schema, version 12: reserved. Another branch of the same round of work (issue 13) ships its own
-- migration 0012; this placeholder only keeps the numbers without gaps on the branch that adds 0013 (outbox
-- priorities, held replies), and gives way to that migration when the branches are merged (delete this file
-- then: two files numbered 12 stop the bot at start, so it cannot be forgotten). It changes nothing.
SELECT 1;
