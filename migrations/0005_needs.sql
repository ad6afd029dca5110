-- Residents' needs (需求/工单): intake, dispatch to volunteers and teams, deadlines and
-- escalation, the resident's confirmation, and the items delivered.

-- A household's personal link (户码), printed on its door plate: it opens the request form
-- without an account. Deleted when the household is merged into another or removed, so an old
-- plate then opens nothing; a new token can be issued if a plate leaks.
CREATE TABLE household_links (
    household_id {{pk}},
    token TEXT NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL
);

-- A need. `path`/`community_id` copy the household's area (scope and the queue per community);
-- `is_open` is 1 while the need waits or is being worked on (new, assigned, claimed,
-- in_progress), so a community's queue is one index range in urgency and age order.
-- status: new, assigned, claimed, in_progress, done, cancelled. `version` grows with every
-- change: a change names the version it saw, so no update is lost between two nodes.
-- escalation: 0 none, 1 community officers, 2 street, 3 HQ. Deadlines run from `since_ms`:
-- the creation, or the last reopening.
CREATE TABLE needs (
    id {{id}},
    household_id BIGINT NOT NULL,
    resident_id BIGINT,
    for_name TEXT NOT NULL,
    path {{ctext}} NOT NULL,
    community_id BIGINT NOT NULL,
    category TEXT NOT NULL,
    urgency BIGINT NOT NULL CHECK (urgency BETWEEN 1 AND 4),
    description TEXT NOT NULL,
    phone TEXT,
    source TEXT NOT NULL,
    client_id TEXT UNIQUE,
    duplicate_of BIGINT,
    status TEXT NOT NULL,
    is_open BIGINT NOT NULL DEFAULT 1,
    team_id BIGINT,
    volunteer_id BIGINT,
    version BIGINT NOT NULL DEFAULT 0,
    escalation BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    since_ms BIGINT NOT NULL,
    first_contact_ms BIGINT,
    done_ms BIGINT,
    closed_ms BIGINT,
    rating BIGINT,
    feedback TEXT,
    confirmed_ms BIGINT
);
CREATE INDEX needs_queue ON needs (community_id, is_open, urgency, created_ms);
CREATE INDEX needs_path ON needs (path, created_ms);
CREATE INDEX needs_household ON needs (household_id, is_open);
CREATE INDEX needs_volunteer ON needs (volunteer_id, is_open);
CREATE INDEX needs_team ON needs (team_id, is_open);

-- Every step of a need: who, when, from which state to which, and why. kind: created,
-- assigned, claimed, started, done, unable (cannot complete: back to the queue), cancelled,
-- reopened, escalated, confirmed, item, call.
CREATE TABLE need_events (
    id {{id}},
    need_id BIGINT NOT NULL REFERENCES needs(id),
    kind TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    actor TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    at_ms BIGINT NOT NULL
);
CREATE INDEX need_events_need ON need_events (need_id, id);

-- Items delivered for a need (medicine, a gas cylinder, a food parcel), to be linked to the
-- supplies ledger later.
CREATE TABLE need_items (
    id {{id}},
    need_id BIGINT NOT NULL REFERENCES needs(id),
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    recorded_by TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX need_items_need ON need_items (need_id);

-- Every request through a household link, saved or refused, by a salted hash of the sender's
-- address: the rate limit counts them. Rows older than a day are removed as new ones arrive.
CREATE TABLE need_link_attempts (
    ip_hash TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX need_link_attempts_ip ON need_link_attempts (ip_hash, at_ms);
CREATE INDEX need_link_attempts_at ON need_link_attempts (at_ms);
