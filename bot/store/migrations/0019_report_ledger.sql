-- wijkbot schema, version 19: every report back that was made, with the figures it published (issue 19's review).
--
-- Two reports over overlapping periods (1-31 January and 1-30 January, or one report's "period before" and another
-- one's period) could be subtracted from each other to reveal a count under 5. The report engine reads this
-- ledger before it publishes: a neighbourhood's period that was published before is shown with the same figures
-- (so a later report cannot reveal what changed since), and a figure whose difference from an overlapping earlier
-- figure would be 1 to 4 is hidden (bot/engine/report_overlap.py). Aggregates only: no story, resident or id.
CREATE TABLE report_ledger (
    id INTEGER PRIMARY KEY,
    made_at TEXT NOT NULL,            -- when the report was made (ISO, UTC)
    neighbourhoods TEXT NOT NULL,     -- the selection, ids separated by commas
    first_day TEXT NOT NULL,          -- the reported period, local dates, both included
    last_day TEXT NOT NULL,
    previous_first_day TEXT NOT NULL  -- the period before starts here and ends the day before first_day
);
-- One row per figure of one neighbourhood and one of the report's two periods.
CREATE TABLE report_ledger_cells (
    report_id INTEGER NOT NULL REFERENCES report_ledger (id),
    neighbourhood_id TEXT NOT NULL,
    first_day TEXT NOT NULL,          -- the figure's period (the report's period or its period before)
    last_day TEXT NOT NULL,
    section TEXT NOT NULL,
    measure TEXT NOT NULL,
    theme TEXT NOT NULL,
    category TEXT NOT NULL,
    value INTEGER,                    -- as published; NULL when it was hidden
    hidden TEXT NOT NULL              -- why it was hidden ('' when shown)
);
CREATE INDEX report_ledger_cells_by_neighbourhood ON report_ledger_cells (neighbourhood_id, report_id);
