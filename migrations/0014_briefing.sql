-- Headquarters' briefings, reports with cut-offs and commendations (issue 18, part 2).

-- Issued briefings: the figures they were written from (JSON object metric key → value or
-- null for absent) and the texts as issued, so the next briefing can say what changed.
CREATE TABLE hq_briefings (
    id {{id}},
    area_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    period TEXT NOT NULL,
    issued_ms BIGINT NOT NULL,
    issued_by TEXT NOT NULL,
    figures TEXT NOT NULL,
    text_zh TEXT NOT NULL,
    text_en TEXT NOT NULL
);
CREATE INDEX hq_briefings_area ON hq_briefings (area_id, period, issued_ms);

-- Locked report snapshots: one per report, day and area, revision 0 at the cut-off and one
-- more per correction. `content` is the canonical JSON of the rows (metric values, null for
-- "not reported"); `sha256` is over it. Rows are never updated: a correction is a new
-- revision naming the one it corrects.
CREATE TABLE hq_snapshots (
    id {{id}},
    report TEXT NOT NULL,
    day BIGINT NOT NULL,
    area_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    revision BIGINT NOT NULL,
    content TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    locked_ms BIGINT NOT NULL,
    locked_by TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    UNIQUE (report, day, area_id, revision)
);
CREATE INDEX hq_snapshots_path ON hq_snapshots (path, day);

-- Commendations (先进典型): a proposal of a volunteer, team or temporary branch with the
-- audited figures it rests on (JSON) and a citation; HQ approves or declines.
CREATE TABLE hq_commendations (
    id {{id}},
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    subject_name TEXT NOT NULL,
    path {{ctext}} NOT NULL,
    record TEXT NOT NULL,
    citation TEXT NOT NULL,
    status TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_ms BIGINT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_ms BIGINT
);
CREATE INDEX hq_commendations_path ON hq_commendations (path, status);
