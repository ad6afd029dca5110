-- Issue 5: mobilization. Units that send cadres down, public sign-up links, volunteers and
-- their screening history, party branches (standing and temporary) and teams, the catalogue of
-- posts, places (checkpoints, sites, offices, hotlines), shifts and assignments with recorded
-- rule overrides and check-in/out, auto-fill runs, care visits and their follow-up items.

CREATE TABLE units (
    id {{id}},
    name {{ctext}} NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL
);

-- A public sign-up link (QR code) for a community or a campaign. token: the secret in the URL.
CREATE TABLE signup_links (
    id {{id}},
    token {{ctext}} NOT NULL UNIQUE,
    area_id BIGINT NOT NULL REFERENCES areas(id),
    path {{ctext}} NOT NULL,
    title TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX signup_links_path ON signup_links (path);

-- A volunteer. path: the area they serve (the sign-up link's area). home_path: where they
-- live when matched to a resident (for "near the place"), else path.
-- status: applied, approved, rejected, withdrawn, suspended.
-- skills: space-separated codes (see mobilization::SKILLS). days: bit 0 Monday … bit 6 Sunday.
-- from_min/to_min: daily hours in minutes of the day; to_min <= from_min wraps past midnight.
CREATE TABLE volunteers (
    id {{id}},
    ref_code {{ctext}} NOT NULL UNIQUE,
    link_id BIGINT REFERENCES signup_links(id),
    area_id BIGINT NOT NULL REFERENCES areas(id),
    path {{ctext}} NOT NULL,
    home_path {{ctext}} NOT NULL,
    resident_id BIGINT REFERENCES residents(id),
    name {{ctext}} NOT NULL,
    doc_type {{ctext}} NOT NULL,
    doc_number {{ctext}} NOT NULL,
    phone {{ctext}} NOT NULL,
    unit_id BIGINT REFERENCES units(id),
    unit_text TEXT NOT NULL DEFAULT '',
    political TEXT NOT NULL,
    skills TEXT NOT NULL DEFAULT '',
    skills_note TEXT NOT NULL DEFAULT '',
    days BIGINT NOT NULL DEFAULT 127,
    from_min BIGINT NOT NULL DEFAULT 0,
    to_min BIGINT NOT NULL DEFAULT 1440,
    avail_from TEXT,
    avail_to TEXT,
    health_ok BIGINT NOT NULL,
    health_note TEXT NOT NULL DEFAULT '',
    wants_account BIGINT NOT NULL DEFAULT 0,
    account_id BIGINT REFERENCES accounts(id),
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL DEFAULT '',
    ip_hash TEXT NOT NULL DEFAULT '',
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX volunteers_path ON volunteers (path, status);
CREATE INDEX volunteers_doc ON volunteers (doc_number, path);
CREATE INDEX volunteers_account ON volunteers (account_id);
CREATE INDEX volunteers_ip ON volunteers (ip_hash, created_ms);

-- Every screening step of a volunteer, with who took it and why.
CREATE TABLE volunteer_events (
    id {{id}},
    volunteer_id BIGINT NOT NULL REFERENCES volunteers(id),
    at_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX volunteer_events_v ON volunteer_events (volunteer_id, id);

-- Party branches. kind: standing, temporary. attach: community, compound, checkpoint, site, online.
CREATE TABLE branches (
    id {{id}},
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    attach TEXT NOT NULL,
    area_id BIGINT NOT NULL REFERENCES areas(id),
    path {{ctext}} NOT NULL,
    place_note TEXT NOT NULL DEFAULT '',
    founded TEXT NOT NULL,
    dissolved TEXT,
    created_ms BIGINT NOT NULL
);
CREATE INDEX branches_path ON branches (path);

-- role: secretary, deputy, member.
CREATE TABLE branch_members (
    branch_id BIGINT NOT NULL REFERENCES branches(id),
    volunteer_id BIGINT NOT NULL REFERENCES volunteers(id),
    role TEXT NOT NULL,
    joined_ms BIGINT NOT NULL,
    PRIMARY KEY (branch_id, volunteer_id)
);
CREATE INDEX branch_members_v ON branch_members (volunteer_id);

-- Teams (小组) in a community or a branch. kind: onsite, delivery, mobile, sampling, other.
CREATE TABLE teams (
    id {{id}},
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    area_id BIGINT NOT NULL REFERENCES areas(id),
    path {{ctext}} NOT NULL,
    branch_id BIGINT REFERENCES branches(id),
    created_ms BIGINT NOT NULL
);
CREATE INDEX teams_path ON teams (path);

CREATE TABLE team_members (
    team_id BIGINT NOT NULL REFERENCES teams(id),
    volunteer_id BIGINT NOT NULL REFERENCES volunteers(id),
    leader BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, volunteer_id)
);
CREATE INDEX team_members_v ON team_members (volunteer_id);

-- The catalogue of posts (editable; seeded by the application on first use).
CREATE TABLE posts (
    id {{id}},
    code {{ctext}} NOT NULL UNIQUE,
    name_en TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1
);

-- A place where shifts are held. kind: checkpoint, site, office, hotline.
-- qr_token: the secret in the post's check-in QR code.
CREATE TABLE places (
    id {{id}},
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    area_id BIGINT NOT NULL REFERENCES areas(id),
    path {{ctext}} NOT NULL,
    qr_token {{ctext}} NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL
);
CREATE INDEX places_path ON places (path);

-- A shift: a post at a place for a time window with a head-count and required skills.
CREATE TABLE shifts (
    id {{id}},
    place_id BIGINT NOT NULL REFERENCES places(id),
    post_id BIGINT NOT NULL REFERENCES posts(id),
    path {{ctext}} NOT NULL,
    starts_ms BIGINT NOT NULL,
    ends_ms BIGINT NOT NULL,
    headcount BIGINT NOT NULL,
    skills TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX shifts_path ON shifts (path, starts_ms);
CREATE INDEX shifts_place ON shifts (place_id, starts_ms);

-- A volunteer on a shift. how: manual, auto. override_*: the rules broken and the officer
-- who allowed it, with the reason. half_hours: service hours by the civil-affairs rounding.
CREATE TABLE assignments (
    id {{id}},
    shift_id BIGINT NOT NULL REFERENCES shifts(id),
    volunteer_id BIGINT NOT NULL REFERENCES volunteers(id),
    starts_ms BIGINT NOT NULL,
    ends_ms BIGINT NOT NULL,
    how TEXT NOT NULL,
    run_id BIGINT,
    leader BIGINT NOT NULL DEFAULT 0,
    assigned_by TEXT NOT NULL,
    assigned_ms BIGINT NOT NULL,
    override_rules TEXT NOT NULL DEFAULT '',
    override_reason TEXT NOT NULL DEFAULT '',
    override_by TEXT NOT NULL DEFAULT '',
    checkin_ms BIGINT,
    checkout_ms BIGINT,
    checked_by TEXT NOT NULL DEFAULT '',
    half_hours BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX assignments_shift_v ON assignments (shift_id, volunteer_id);
CREATE INDEX assignments_v ON assignments (volunteer_id, starts_ms);

-- One auto-fill: the period, what it filled, and every slot it could not fill and why (JSON).
CREATE TABLE autofill_runs (
    id {{id}},
    area_id BIGINT NOT NULL REFERENCES areas(id),
    path {{ctext}} NOT NULL,
    from_ms BIGINT NOT NULL,
    to_ms BIGINT NOT NULL,
    filled BIGINT NOT NULL,
    unfilled BIGINT NOT NULL,
    detail TEXT NOT NULL,
    run_by TEXT NOT NULL,
    run_ms BIGINT NOT NULL
);
CREATE INDEX autofill_runs_path ON autofill_runs (path, id);

-- Care visits (走访) to party members of the five categories and vulnerable residents.
CREATE TABLE care_visits (
    id {{id}},
    resident_id BIGINT NOT NULL REFERENCES residents(id),
    path {{ctext}} NOT NULL,
    branch_id BIGINT REFERENCES branches(id),
    visited_on TEXT NOT NULL,
    visitors TEXT NOT NULL,
    situation TEXT NOT NULL,
    needs TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX care_visits_path ON care_visits (path, visited_on);
CREATE INDEX care_visits_resident ON care_visits (resident_id);

-- A need found on a visit, owned by a branch until solved (兜底). status: open, solved.
CREATE TABLE care_followups (
    id {{id}},
    visit_id BIGINT NOT NULL REFERENCES care_visits(id),
    branch_id BIGINT NOT NULL REFERENCES branches(id),
    path {{ctext}} NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    solution TEXT NOT NULL DEFAULT '',
    solved_by TEXT NOT NULL DEFAULT '',
    solved_ms BIGINT,
    created_ms BIGINT NOT NULL
);
CREATE INDEX care_followups_branch ON care_followups (branch_id, status);
CREATE INDEX care_followups_path ON care_followups (path, status);

-- The posts of DESIGN.md's glossary; officers edit the catalogue afterwards.
INSERT INTO posts (code, name_en, name_zh, active) VALUES
    ('publicity', 'publicity', '宣传引导', 1),
    ('disinfection', 'disinfection', '消毒消杀', 1),
    ('medical', 'medical aid', '医疗救护', 1),
    ('home_service', 'home service', '上门服务', 1),
    ('security', 'security control', '安保管控', 1),
    ('traffic', 'traffic', '交通疏导', 1),
    ('logistics', 'logistics', '后勤保障', 1),
    ('sampling', 'sampling support', '采样辅助', 1),
    ('hotline', 'hotline', '热线接听', 1);

-- Every sign-up sent, saved or refused (by a salted hash of the sender's address), so that
-- refused ones count against the rate limit too: a public form must not answer, without limit,
-- whether an ID number has signed up. Rows older than a day are removed as new ones arrive.
CREATE TABLE signup_attempts (
    ip_hash TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX signup_attempts_ip ON signup_attempts (ip_hash, at_ms);
CREATE INDEX signup_attempts_at ON signup_attempts (at_ms);
