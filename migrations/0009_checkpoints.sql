-- Issue 14, part 2: checkpoints (卡口/检查站) and the pass log (一扫二看三查四验).
-- A checkpoint is a mobilization place (kind 'checkpoint'); these tables add what the place
-- needs to be run as one: its settings and lanes, the pass log, vehicle passes, visitors'
-- self-registrations, and the tallies the figures are read from.

-- A place run as a checkpoint. kind: gate (village/compound gate), road (road checkpoint),
-- station (health station at a highway exit). validity_h: how old a negative test may be to
-- count. require_test: 1 when a resident without a valid negative is suggested to turn back.
-- visitor_token: the secret in the printed visitor QR code.
CREATE TABLE checkpoints (
    place_id {{pk}},
    kind TEXT NOT NULL,
    validity_h BIGINT NOT NULL DEFAULT 48,
    require_test BIGINT NOT NULL DEFAULT 0,
    visitor_token {{ctext}} NOT NULL UNIQUE,
    updated_by TEXT NOT NULL,
    updated_ms BIGINT NOT NULL
);

CREATE TABLE checkpoint_lanes (
    id {{id}},
    place_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX checkpoint_lanes_place ON checkpoint_lanes (place_id);

-- One entry per person per pass. path: the checkpoint's area (scope). Either a resident
-- (resident_id, with household) or a visitor (doc/name/phone/from/to/reason). direction: in,
-- out, through. health_code: green, yellow, red. temp_dc: tenths of a degree (NULL: not
-- measured); temp_band: normal, low, mid, high or ''. test_status: negative, none, positive,
-- n/a (visitors). zone: sealed, controlled, precaution or ''. suggestion and decision: pass,
-- return, quarantine, medical; reasons: the rules that fired (space-separated codes).
-- vehicle_id/seat: the vehicle pass and driver/passenger.
CREATE TABLE pass_entries (
    id {{id}},
    place_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    lane_id BIGINT,
    account_id BIGINT NOT NULL,
    shift_id BIGINT NOT NULL DEFAULT 0,
    at_ms BIGINT NOT NULL,
    direction TEXT NOT NULL,
    resident_id BIGINT,
    household_id BIGINT,
    visitor_id BIGINT,
    doc_type TEXT NOT NULL DEFAULT '',
    doc_number TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    from_place TEXT NOT NULL DEFAULT '',
    to_place TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    health_code TEXT NOT NULL,
    star BIGINT NOT NULL DEFAULT 0,
    temp_dc BIGINT,
    temp_band TEXT NOT NULL DEFAULT '',
    test_status TEXT NOT NULL,
    zone TEXT NOT NULL DEFAULT '',
    suggestion TEXT NOT NULL,
    reasons TEXT NOT NULL DEFAULT '',
    decision TEXT NOT NULL,
    override BIGINT NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    vehicle_id BIGINT,
    seat TEXT NOT NULL DEFAULT ''
);
CREATE INDEX pass_entries_place ON pass_entries (place_id, at_ms);
CREATE INDEX pass_entries_at ON pass_entries (at_ms);
CREATE INDEX pass_entries_vehicle ON pass_entries (vehicle_id) WHERE vehicle_id IS NOT NULL;

-- A vehicle through a checkpoint: its plate, class and cargo; its people are pass entries.
-- class: car, van, lorry, bus, motorcycle, other.
CREATE TABLE vehicle_passes (
    id {{id}},
    place_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    account_id BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    direction TEXT NOT NULL,
    plate {{ctext}} NOT NULL,
    class TEXT NOT NULL,
    cargo TEXT NOT NULL DEFAULT '',
    people BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX vehicle_passes_place ON vehicle_passes (place_id, id);
CREATE INDEX vehicle_passes_at ON vehicle_passes (at_ms);

-- A visitor's self-registration through the checkpoint's printed QR code, waiting for the
-- checker to confirm it. status: waiting, confirmed. entry fields are copied into the pass
-- entry on confirmation.
CREATE TABLE checkpoint_visitors (
    id {{id}},
    place_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    doc_type TEXT NOT NULL,
    doc_number {{ctext}} NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    from_place TEXT NOT NULL,
    to_place TEXT NOT NULL,
    reason TEXT NOT NULL,
    direction TEXT NOT NULL,
    status TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    confirmed_ms BIGINT
);
CREATE INDEX checkpoint_visitors_place ON checkpoint_visitors (place_id, status, id);
CREATE INDEX checkpoint_visitors_doc ON checkpoint_visitors (place_id, doc_number, created_ms);
CREATE INDEX checkpoint_visitors_at ON checkpoint_visitors (created_ms);

-- Every visitor form sent, saved or refused, by a salted hash of the sender's address (the
-- rate limit). Rows older than a day are removed as new ones arrive.
CREATE TABLE checkpoint_visitor_attempts (
    ip_hash TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX checkpoint_visitor_attempts_ip ON checkpoint_visitor_attempts (ip_hash, at_ms);
CREATE INDEX checkpoint_visitor_attempts_at ON checkpoint_visitor_attempts (at_ms);

-- The stored reply to each device operation, under `account:client id`, so a retry gets the
-- same answer and writes nothing. Purged with the entries.
CREATE TABLE pass_replies (
    key {{ctext}} PRIMARY KEY,
    body TEXT NOT NULL,
    at_ms BIGINT NOT NULL
) {{norowid}};
CREATE INDEX pass_replies_at ON pass_replies (at_ms);

-- Typed ID numbers that a checker without registry access looked up, per hour: beyond a limit
-- such look-ups are refused (a gate's phone must not walk ID numbers).
CREATE TABLE checkpoint_lookups (
    account_id BIGINT NOT NULL,
    window_ms BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (account_id, window_ms)
) {{norowid}};

-- The figures: per checkpoint × checker × shift (0: none) × hour, kept in the transaction of
-- every write, never purged. path: the checkpoint's area (totals by area are a path range).
CREATE TABLE pass_tallies (
    place_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    shift_id BIGINT NOT NULL,
    hour_ms BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    people BIGINT NOT NULL DEFAULT 0,
    n_in BIGINT NOT NULL DEFAULT 0,
    n_out BIGINT NOT NULL DEFAULT 0,
    n_through BIGINT NOT NULL DEFAULT 0,
    vehicles BIGINT NOT NULL DEFAULT 0,
    visitors BIGINT NOT NULL DEFAULT 0,
    passed BIGINT NOT NULL DEFAULT 0,
    returned BIGINT NOT NULL DEFAULT 0,
    quarantine BIGINT NOT NULL DEFAULT 0,
    medical BIGINT NOT NULL DEFAULT 0,
    overrides BIGINT NOT NULL DEFAULT 0,
    fever BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (place_id, account_id, shift_id, hour_ms)
) {{norowid}};
CREATE INDEX pass_tallies_place ON pass_tallies (place_id, hour_ms);
CREATE INDEX pass_tallies_path ON pass_tallies (path, hour_ms);

-- A checkpoint asks for a resident's latest test: testing keeps its people by round, so the
-- look-up by resident needs this index.
CREATE INDEX checkpoint_test_persons_resident ON test_persons (resident_id, first_ms);
