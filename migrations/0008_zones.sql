-- Zones (风险区域): sealed (封控区), controlled (管控区) and precaution (防范区) areas, and every
-- change made to them.

-- A zone over an area (a community/village, a grid or a building: `target` = 'area') or over
-- one household (`target` = 'household'). `area_path` is the area's path, or the household's
-- path for a household zone, so "the zones under X" is one index range and "the zones over a
-- household" is a look-up of its few ancestor paths. The zone is in force from `start_ms` until
-- `end_ms` (exclusive): the lifting if it was lifted, else the planned end; NULL = until further
-- notice. `planned_end_ms` is the latest planned end (extensions keep the earlier ones in
-- `zone_changes`). `people` is the household's head-count when it was declared (household zones
-- only): the figures keep it after retention removes the household reference.
-- kind: sealed, controlled, precaution. `decided_by`: who decided (the HQ's decision or
-- document); `recorded_by`: the account that recorded it.
CREATE TABLE zones (
    id {{id}},
    kind TEXT NOT NULL CHECK (kind IN ('sealed', 'controlled', 'precaution')),
    target TEXT NOT NULL CHECK (target IN ('area', 'household')),
    area_id BIGINT NOT NULL REFERENCES areas(id),
    area_path {{ctext}} NOT NULL,
    community_id BIGINT NOT NULL,
    household_id BIGINT,
    people BIGINT NOT NULL DEFAULT 0,
    start_ms BIGINT NOT NULL,
    planned_end_ms BIGINT,
    lifted_ms BIGINT,
    end_ms BIGINT,
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    client_id TEXT UNIQUE,
    version BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL
);
CREATE INDEX zones_area ON zones (area_path, start_ms);
CREATE INDEX zones_household ON zones (household_id, start_ms);
CREATE INDEX zones_end ON zones (target, end_ms);

-- Every change of a zone, kept: declared, extended (the end before and after), lifted.
CREATE TABLE zone_changes (
    id {{id}},
    zone_id BIGINT NOT NULL REFERENCES zones(id),
    change TEXT NOT NULL CHECK (change IN ('declared', 'extended', 'lifted')),
    old_end_ms BIGINT,
    new_end_ms BIGINT,
    reason TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL,
    client_id TEXT UNIQUE,
    at_ms BIGINT NOT NULL
);
CREATE INDEX zone_changes_zone ON zone_changes (zone_id, id);

-- "No-epidemic" communities (无疫社区/小区) confirmed by HQ: a community/village with no new
-- positive for `days` days when confirmed. The candidates are computed (testing's positives);
-- this keeps who confirmed which, when, and on what evidence.
CREATE TABLE no_epidemic (
    id {{id}},
    area_id BIGINT NOT NULL REFERENCES areas(id),
    path {{ctext}} NOT NULL,
    days BIGINT NOT NULL,
    last_positive_ms BIGINT,
    note TEXT NOT NULL DEFAULT '',
    confirmed_by TEXT NOT NULL,
    confirmed_ms BIGINT NOT NULL
);
CREATE INDEX no_epidemic_path ON no_epidemic (path, confirmed_ms);
