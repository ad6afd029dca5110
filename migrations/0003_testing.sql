-- Issue 4: mass testing. Rounds over an area subtree, sampling sites and their collectors,
-- pooled tubes, samples, per-person status, exemptions, coverage tallies, follow-up tasks,
-- walk-ins waiting to be registered, and the replies to device submissions (idempotency).

-- A round (检测轮次). pool_size: people per tube (1, 5, 10, 20); 0 = one tube per household.
CREATE TABLE test_rounds (
    id {{id}},
    area_id BIGINT NOT NULL REFERENCES areas(id),
    path {{ctext}} NOT NULL,
    name TEXT NOT NULL,
    starts_ms BIGINT NOT NULL,
    ends_ms BIGINT NOT NULL,
    pool_size BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX test_rounds_path ON test_rounds (path);

-- Pooling overrides per area of a round (e.g. a sealed zone: 1 per tube, or per household).
CREATE TABLE test_pool_rules (
    round_id BIGINT NOT NULL REFERENCES test_rounds(id),
    area_id BIGINT NOT NULL REFERENCES areas(id),
    path {{ctext}} NOT NULL,
    pool_size BIGINT NOT NULL,
    PRIMARY KEY (round_id, area_id)
);

-- Sampling sites: fixed points and door-to-door teams, each with its collectors.
CREATE TABLE test_sites (
    id {{id}},
    round_id BIGINT NOT NULL REFERENCES test_rounds(id),
    area_id BIGINT NOT NULL REFERENCES areas(id),
    path {{ctext}} NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('fixed', 'door')),
    created_ms BIGINT NOT NULL
);
CREATE INDEX test_sites_round ON test_sites (round_id, path);

CREATE TABLE test_collectors (
    site_id BIGINT NOT NULL REFERENCES test_sites(id),
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    PRIMARY KEY (site_id, account_id)
);
CREATE INDEX test_collectors_account ON test_collectors (account_id);

-- A tube. capacity 0: one household's members. result: negative, positive, invalid.
CREATE TABLE test_tubes (
    round_id BIGINT NOT NULL REFERENCES test_rounds(id),
    barcode {{ctext}} NOT NULL,
    site_id BIGINT NOT NULL REFERENCES test_sites(id),
    path {{ctext}} NOT NULL,
    capacity BIGINT NOT NULL,
    household_id BIGINT,
    n BIGINT NOT NULL DEFAULT 0,
    opened_by BIGINT NOT NULL,
    opened_ms BIGINT NOT NULL,
    closed_ms BIGINT,
    result TEXT,
    result_ms BIGINT,
    result_by TEXT,
    PRIMARY KEY (round_id, barcode)
);

-- One row per swab put in a tube: a resident, or a walk-in not (yet) in the registry.
-- duplicate: the person had already been sampled in this round (recorded, flagged, not counted
-- twice); retest: an individual re-test or a re-sample after an invalid tube.
CREATE TABLE test_samples (
    id {{id}},
    round_id BIGINT NOT NULL,
    barcode {{ctext}} NOT NULL,
    resident_id BIGINT,
    walkin_id BIGINT,
    account_id BIGINT NOT NULL,
    taken_ms BIGINT NOT NULL,
    duplicate BIGINT NOT NULL DEFAULT 0,
    retest BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX test_samples_tube ON test_samples (round_id, barcode);
-- Linking a walk-in finds their samples.
CREATE INDEX test_samples_walkin ON test_samples (walkin_id) WHERE walkin_id IS NOT NULL;

-- Each sampled resident's state in a round. status: pending (awaiting the lab), negative,
-- positive, retest (pooled tube positive: an individual re-test is due), retest_pending
-- (individually re-sampled, awaiting the lab), resample (tube invalid: sample again).
-- barcode: the tube whose result settles the person now.
CREATE TABLE test_persons (
    round_id BIGINT NOT NULL,
    resident_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    status TEXT NOT NULL,
    barcode {{ctext}} NOT NULL,
    first_barcode {{ctext}} NOT NULL,
    first_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (round_id, resident_id)
) {{norowid}};
CREATE INDEX test_persons_tube ON test_persons (round_id, barcode);

-- Exempted residents: away, hospital, deceased, infant, other; with who and why.
CREATE TABLE test_exemptions (
    round_id BIGINT NOT NULL,
    resident_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    note TEXT NOT NULL,
    by_username TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (round_id, resident_id)
) {{norowid}};

-- Coverage, per household a round has touched: its members now, how many are sampled, how
-- many exempt (and not sampled). Recomputed for the touched households in the transaction of
-- every change, and the differences added to the tallies below.
CREATE TABLE test_households (
    round_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    area_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    members BIGINT NOT NULL,
    sampled BIGINT NOT NULL,
    exempt BIGINT NOT NULL,
    PRIMARY KEY (round_id, household_id)
) {{norowid}};

-- Coverage tallies per round, twice like the registry's: per area a household hangs off, and
-- rolled up per community/village. Expected counts come from the registry tallies.
CREATE TABLE test_area_counts (
    round_id BIGINT NOT NULL,
    area_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    sampled BIGINT NOT NULL DEFAULT 0,
    exempt BIGINT NOT NULL DEFAULT 0,
    households_covered BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, area_id)
) {{norowid}};
CREATE INDEX test_area_counts_path ON test_area_counts (round_id, path);

CREATE TABLE test_community_counts (
    round_id BIGINT NOT NULL,
    area_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    sampled BIGINT NOT NULL DEFAULT 0,
    exempt BIGINT NOT NULL DEFAULT 0,
    households_covered BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, area_id)
) {{norowid}};
CREATE INDEX test_community_counts_path ON test_community_counts (round_id, path);

-- Follow-up for grid workers: an individual re-test (pooled tube positive) or a re-sample
-- (tube invalid). Done when the person is sampled again.
CREATE TABLE test_tasks (
    id {{id}},
    round_id BIGINT NOT NULL,
    resident_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('retest', 'resample')),
    barcode {{ctext}} NOT NULL,
    created_ms BIGINT NOT NULL,
    done_ms BIGINT
);
CREATE INDEX test_tasks_open ON test_tasks (round_id, path);
CREATE INDEX test_tasks_resident ON test_tasks (round_id, resident_id);

-- People sampled who are not in the round's registry (visitors, new arrivals): pending
-- registrations for the grid worker of the site. status: pending, linked, dismissed.
CREATE TABLE test_walkins (
    id {{id}},
    round_id BIGINT NOT NULL,
    site_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    barcode {{ctext}} NOT NULL,
    doc_type TEXT NOT NULL,
    doc_number TEXT NOT NULL,
    name TEXT NOT NULL,
    phone TEXT,
    taken_ms BIGINT NOT NULL,
    status TEXT NOT NULL,
    resident_id BIGINT,
    resolved_by TEXT,
    resolved_ms BIGINT
);
CREATE INDEX test_walkins_path ON test_walkins (path, status);
CREATE UNIQUE INDEX test_walkins_doc ON test_walkins (round_id, doc_number, doc_type);

-- The reply to every device submission, by "account:client id": a retry gets the same reply
-- and changes nothing.
CREATE TABLE test_submissions (
    key TEXT PRIMARY KEY,
    round_id BIGINT NOT NULL,
    reply TEXT NOT NULL,
    created_ms BIGINT NOT NULL
) {{norowid}};

-- Deployment-wide settings shared by every node (e.g. the key that signs residents' QR codes).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
