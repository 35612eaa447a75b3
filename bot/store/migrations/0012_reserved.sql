-- wijkbot schema, version 12: reserved. Another branch of the same round of work (issues 13 and 14) ships its own
-- migration 0012; this placeholder only keeps the numbers without gaps on the branch that adds 0014 (the
-- deliberation vote matrix index), and gives way to that migration when the branches are merged (delete this
-- file then: two files numbered 12 stop the bot at start, so it cannot be forgotten). It changes nothing.
SELECT 1;
