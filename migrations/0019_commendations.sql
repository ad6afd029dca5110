-- Commendations (issue 18): a proposal is idempotent by the proposer's client id, a decline
-- keeps HQ's reason, the subject's area is kept for the printed list by area, and a subject has
-- at most one open proposal at a time.
ALTER TABLE hq_commendations ADD COLUMN client_id TEXT;
ALTER TABLE hq_commendations ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE hq_commendations ADD COLUMN area_id BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX hq_commendations_client ON hq_commendations (proposed_by, client_id);
CREATE UNIQUE INDEX hq_commendations_open ON hq_commendations (subject_kind, subject_id) WHERE status = 'proposed';
