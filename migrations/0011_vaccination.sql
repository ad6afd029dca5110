-- Vaccination outreach (疫苗接种摸排): the product catalogue and its schedules, dose records,
-- each resident's status derived from their doses, the tallies a district reads coverage
-- from, typed tick-offs (逐人销号) and rides to the vaccination site.

-- The catalogue, editable by HQ. `primary_doses` doses make the full course (0: a product
-- given only as a booster), at least `interval_days` apart; a booster is due
-- `booster_after_days` after the course is complete; a course not completed within
-- `window_days` of its first dose counts as a dropout.
CREATE TABLE vax_products (
    code {{ctext}} PRIMARY KEY,
    name_en TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    primary_doses BIGINT NOT NULL CHECK (primary_doses BETWEEN 0 AND 4),
    interval_days BIGINT NOT NULL CHECK (interval_days BETWEEN 0 AND 365),
    booster_after_days BIGINT NOT NULL CHECK (booster_after_days BETWEEN 0 AND 1000),
    window_days BIGINT NOT NULL CHECK (window_days BETWEEN 0 AND 1000),
    active BIGINT NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_ms BIGINT NOT NULL
) {{norowid}};
INSERT INTO vax_products VALUES ('inactivated', 'inactivated (Sinopharm/Sinovac)', '灭活疫苗（国药/科兴）', 2, 21, 90, 90, 1, 'migration', 0);
INSERT INTO vax_products VALUES ('recombinant', 'recombinant protein (Zifivax)', '重组蛋白疫苗（智飞）', 3, 28, 90, 150, 1, 'migration', 0);
INSERT INTO vax_products VALUES ('adenovirus', 'adenovirus vector, injected (CanSino)', '腺病毒载体疫苗（康希诺，注射）', 1, 0, 90, 0, 1, 'migration', 0);
INSERT INTO vax_products VALUES ('adenovirus_inhaled', 'adenovirus vector, inhaled (booster only)', '吸入用腺病毒载体疫苗（仅加强）', 0, 0, 90, 0, 1, 'migration', 0);

-- A dose given. Dose numbers run 1, 2, … per resident without gaps; doses beyond the course
-- of the first dose's product are boosters. given_on: YYYY-MM-DD (China time).
-- source: entry (typed one by one), import (the vaccination system's export), tickoff.
CREATE TABLE vax_doses (
    id {{id}},
    resident_id BIGINT NOT NULL,
    dose_no BIGINT NOT NULL CHECK (dose_no BETWEEN 1 AND 9),
    product {{ctext}} NOT NULL,
    given_on TEXT NOT NULL,
    site TEXT NOT NULL DEFAULT '',
    batch TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    client_id TEXT UNIQUE,
    recorded_by TEXT NOT NULL,
    recorded_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX vax_doses_resident ON vax_doses (resident_id, dose_no);

-- Each vaccinated resident's status, derived from their doses (no row: no dose).
-- status: partial, full, boosted. next_due_on: when the next dose is due (partial: the last
-- dose + the interval; full: the booster; boosted: none). dropout_on: when a partial course
-- counts as a dropout. `path`/`community_id` copy the household's area when the status was
-- written; `birth_year` is the age band's key (ages are counted by year of birth).
CREATE TABLE vax_status (
    resident_id {{pk}},
    community_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    birth_year BIGINT NOT NULL,
    status TEXT NOT NULL,
    doses BIGINT NOT NULL,
    series {{ctext}} NOT NULL,
    first_on TEXT NOT NULL,
    full_on TEXT,
    last_on TEXT NOT NULL,
    next_due_on TEXT,
    dropout_on TEXT,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX vax_status_path ON vax_status (path, status);
CREATE INDEX vax_status_dropout ON vax_status (status, dropout_on);

-- Tallies per community × birth year × status (partial, full, boosted), kept in the same
-- transaction as every dose: coverage of any area above a grid is a SUM over a path range.
CREATE TABLE vax_tallies (
    community_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    birth_year BIGINT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (community_id, birth_year, status)
) {{norowid}};
CREATE INDEX vax_tallies_path ON vax_tallies (path);

-- The registry's residents per community × birth year: the denominators of coverage,
-- recounted from the registry (after an import, on an officer's request, or when missing).
CREATE TABLE vax_population (
    community_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    birth_year BIGINT NOT NULL,
    n BIGINT NOT NULL,
    counted_ms BIGINT NOT NULL,
    PRIMARY KEY (community_id, birth_year)
) {{norowid}};
CREATE INDEX vax_population_path ON vax_population (path);

-- Tick-offs (逐人销号): every one kept; `current` = 1 on a resident's latest. reason:
-- vaccinated, appointment, refused, temp_contra, perm_contra, bedridden, moved, deceased,
-- not_reached. detail: the sub-reason (fever, flare; allergy, end_stage; self, family).
-- back_on: the day the resident is back on the worklist (a recheck, an appointment missed, a
-- refusal asked again); NULL with hides = 1: off the list for good.
CREATE TABLE vax_tickoffs (
    id {{id}},
    resident_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    appt_on TEXT,
    site TEXT NOT NULL DEFAULT '',
    recheck_on TEXT,
    back_on TEXT,
    hides BIGINT NOT NULL,
    dose_id BIGINT,
    client_id TEXT UNIQUE,
    current BIGINT NOT NULL DEFAULT 1,
    by_login TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX vax_tickoffs_resident ON vax_tickoffs (resident_id, current);
CREATE INDEX vax_tickoffs_path ON vax_tickoffs (path, current, reason);

-- Rides to the vaccination site: a need of category vaccine_transport in the needs engine.
CREATE TABLE vax_rides (
    need_id {{pk}},
    resident_id BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    site TEXT NOT NULL,
    on_day TEXT NOT NULL,
    by_login TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX vax_rides_resident ON vax_rides (resident_id, need_id);

-- Coverage targets by age band and measure, editable by HQ (percent).
CREATE TABLE vax_targets (
    band TEXT NOT NULL,
    measure TEXT NOT NULL,
    percent BIGINT NOT NULL CHECK (percent BETWEEN 0 AND 100),
    PRIMARY KEY (band, measure)
) {{norowid}};
INSERT INTO vax_targets VALUES ('80+', 'first', 90);
INSERT INTO vax_targets VALUES ('60-69', 'full', 95);
INSERT INTO vax_targets VALUES ('70-79', 'full', 95);
INSERT INTO vax_targets VALUES ('60-69', 'booster', 95);
INSERT INTO vax_targets VALUES ('70-79', 'booster', 95);
