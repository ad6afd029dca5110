-- Issue 15: health follow-up. Quarantine rules (versioned), orders with their changes, the
-- checks owed each day, referral and escalation tasks, households paired with a contact
-- person (分包联户) and the contact log.

-- A rule (e.g. "14+7", "7+3"): the days of centralized and home quarantine and the days a test
-- is due (1 = the first day). A change makes a new version; an order copies the version it was
-- made under, so a change applies to new orders only. `current` is 1 on a code's newest version.
CREATE TABLE quarantine_rules (
    id {{id}},
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    name_en TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    central_days BIGINT NOT NULL CHECK (central_days >= 0),
    home_days BIGINT NOT NULL CHECK (home_days >= 0),
    test_days TEXT NOT NULL,
    checks_per_day BIGINT NOT NULL CHECK (checks_per_day BETWEEN 1 AND 2),
    is_current BIGINT NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    UNIQUE (code, version)
);
INSERT INTO quarantine_rules (code, version, name_en, name_zh, central_days, home_days, test_days, checks_per_day, is_current, created_by, created_ms)
VALUES ('14+7', 1, '14 days centralized + 7 days at home', '14天集中隔离+7天居家健康监测', 14, 7, '1,4,7,14,16,21', 2, 1, 'system', 0);
INSERT INTO quarantine_rules (code, version, name_en, name_zh, central_days, home_days, test_days, checks_per_day, is_current, created_by, created_ms)
VALUES ('7+3', 1, '7 days centralized + 3 days at home', '7天集中隔离+3天居家健康监测', 7, 3, '1,2,3,5,7,10', 2, 1, 'system', 0);
INSERT INTO quarantine_rules (code, version, name_en, name_zh, central_days, home_days, test_days, checks_per_day, is_current, created_by, created_ms)
VALUES ('home7', 1, '7 days at home', '7天居家隔离', 0, 7, '1,3,5,7', 2, 1, 'system', 0);

-- An order. Days are China-time day numbers (days since 1970-01-01). kind: home, central,
-- monitor. status: active, ended. end_reason: released, hospital, moved, error.
-- The rule's days are copied from the version in force when the order was made.
CREATE TABLE quarantine_orders (
    id {{id}},
    resident_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    community_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    rule_code TEXT NOT NULL,
    rule_version BIGINT NOT NULL,
    central_days BIGINT NOT NULL,
    home_days BIGINT NOT NULL,
    test_days TEXT NOT NULL,
    checks_per_day BIGINT NOT NULL,
    start_day BIGINT NOT NULL,
    end_day BIGINT NOT NULL,
    ordered_by TEXT NOT NULL,
    document TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    end_reason TEXT,
    end_note TEXT NOT NULL DEFAULT '',
    override_reason TEXT NOT NULL DEFAULT '',
    ended_by TEXT,
    ended_ms BIGINT,
    client_id TEXT UNIQUE,
    created_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX quarantine_orders_path ON quarantine_orders (status, path);
CREATE INDEX quarantine_orders_resident ON quarantine_orders (resident_id, status);
CREATE INDEX quarantine_orders_household ON quarantine_orders (household_id, status);
CREATE INDEX quarantine_orders_ended ON quarantine_orders (ended_ms);

-- Every change of an order: created, extended, shortened, ended; with the end before and after.
CREATE TABLE quarantine_changes (
    id {{id}},
    order_id BIGINT NOT NULL REFERENCES quarantine_orders(id),
    kind TEXT NOT NULL,
    prev_end_day BIGINT,
    new_end_day BIGINT,
    reason TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX quarantine_changes_order ON quarantine_changes (order_id, id);

-- The checks owed: one per order, day and slot (1 morning, 2 evening). seq = day * 10 + slot
-- orders them. due_ms opens the window, late_ms ends "on time", missed_ms is when an undone
-- check becomes missed. status: pending, well, unwell, missed, not_attempted.
-- temp_dc: tenths of a degree Celsius; symptoms: a bit set (quarantine::SYMPTOMS).
-- by_kind: grid, contact, medic, officer, self.
CREATE TABLE quarantine_checks (
    id {{id}},
    order_id BIGINT NOT NULL,
    resident_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    day BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    due_ms BIGINT NOT NULL,
    late_ms BIGINT NOT NULL,
    missed_ms BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    temp_dc BIGINT,
    symptoms BIGINT NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    by_kind TEXT,
    by_login TEXT,
    done_ms BIGINT,
    client_id TEXT UNIQUE,
    UNIQUE (order_id, seq)
);
CREATE INDEX quarantine_checks_day ON quarantine_checks (day, path);
CREATE INDEX quarantine_checks_pending ON quarantine_checks (status, missed_ms);
CREATE INDEX quarantine_checks_resident ON quarantine_checks (resident_id, seq);

-- Tasks raised by checks: a referral to the community's medic (fever or a symptom), an
-- escalation to the community officer (two missed checks in a row). Open while done_ms is NULL.
CREATE TABLE quarantine_tasks (
    id {{id}},
    kind TEXT NOT NULL,
    order_id BIGINT NOT NULL,
    check_id BIGINT NOT NULL,
    resident_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    created_ms BIGINT NOT NULL,
    done_ms BIGINT,
    done_by TEXT,
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, check_id)
);
CREATE INDEX quarantine_tasks_path ON quarantine_tasks (path, done_ms);
CREATE INDEX quarantine_tasks_order ON quarantine_tasks (order_id, kind);

-- The days whose checks were generated (once per day, for every active order).
CREATE TABLE quarantine_days (
    day {{pk}},
    orders BIGINT NOT NULL,
    generated_ms BIGINT NOT NULL
);

-- A household paired with a contact person (an account: party member, village representative,
-- grid worker). At most one current pairing per household; until_ms is set when it ends.
CREATE TABLE pairings (
    id {{id}},
    household_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    since_ms BIGINT NOT NULL,
    until_ms BIGINT,
    by_login TEXT NOT NULL
);
CREATE UNIQUE INDEX pairings_current ON pairings (household_id) WHERE until_ms IS NULL;
CREATE INDEX pairings_account ON pairings (account_id, until_ms);
CREATE INDEX pairings_path ON pairings (path);

-- The contact person's daily log. outcome: well, needs, unreached.
CREATE TABLE contact_logs (
    id {{id}},
    household_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    day BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    at_ms BIGINT NOT NULL,
    client_id TEXT UNIQUE
);
CREATE INDEX contact_logs_day ON contact_logs (day, path);
CREATE INDEX contact_logs_household ON contact_logs (household_id, day);
CREATE INDEX contact_logs_at ON contact_logs (at_ms);

-- Every self-report through a household link, by a salted hash of the sender's address: the
-- rate limit counts them. Rows older than a day go as new ones arrive.
CREATE TABLE quarantine_link_attempts (
    ip_hash TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX quarantine_link_attempts_ip ON quarantine_link_attempts (ip_hash, at_ms);
CREATE INDEX quarantine_link_attempts_at ON quarantine_link_attempts (at_ms);
