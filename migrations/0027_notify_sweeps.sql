-- Indexes for the per-minute notification sweeps at a city's size (issue 19), found with
-- EXPLAIN on both backends over the `notify` bench's city (bench/notify.rs):
-- * a shift starting within the hour: the sweep reads assignments by their start time (it
--   scanned every assignment, or every shift, on both backends);
-- * a need of a volunteer's gone late: open needs by escalation (it scanned every need);
-- * a missed check already told: the outbox by its event key (the sweep skips checks whose
--   message is there, instead of trying to insert it again for each grid worker every minute).
CREATE INDEX assignments_starts ON assignments (starts_ms);
CREATE INDEX needs_late ON needs (is_open, escalation);
CREATE INDEX notify_outbox_key ON notify_outbox (once_key);
