-- wijkbot schema, version 11: reserved. Another branch of the same round of work (issue 13) ships its own
-- migration 0011; this placeholder only keeps the numbers without gaps on the branch that adds 0012, and gives
-- way to that migration when the branches are merged (delete this file then). It changes nothing.
SELECT 1;
