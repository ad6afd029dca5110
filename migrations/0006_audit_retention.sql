-- Issue 22, finding 7 and retention.
-- The audit chain is keyed from an epoch on: entries from audit_head.keyed_from carry an
-- HMAC-SHA-256 under a key the database does not hold; key_id names that key (an HMAC of a
-- fixed text, not the key) so that a node with another key refuses to write. Entries before the
-- epoch keep their plain SHA-256. A keyed entry's MAC covers the SHA-256 of its detail, kept
-- here, so retention may blank an old detail without breaking the chain.
ALTER TABLE audit_log ADD COLUMN detail_digest TEXT;
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT;
ALTER TABLE audit_head ADD COLUMN key_id TEXT;

-- The retention sweep finds what is due by age.
CREATE INDEX sessions_expires ON sessions (expires_ms);
CREATE INDEX needs_closed ON needs (closed_ms);
CREATE INDEX care_visits_created ON care_visits (created_ms);
