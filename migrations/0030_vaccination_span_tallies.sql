-- Coverage by age span per area, for the calendar year ages are counted in (issue 16,
-- performance): the listing of every community of a city reads four rows per community here
-- instead of a hundred birth-year rows of vax_area_tallies. Spans are the stretches of age
-- between the bands' cuts (18–59, 60–69, 70–79, 80+), named by their first age, and kept
-- for the areas down to communities (path of at most 12 characters).
-- A year's rows are built from vax_area_tallies on its first read (vax_span_years holds the
-- years built and the cuts they were built with); from then on every write of the tallies
-- adds its deltas to each built year's rows in the same transaction. The build takes the
-- 'vax_spans' lock row exclusively, writers take it shared (PostgreSQL), so no delta falls
-- between a build and the writes after it.
CREATE TABLE vax_span_tallies (
    year BIGINT NOT NULL,
    path {{ctext}} NOT NULL,
    span BIGINT NOT NULL,
    n_pop BIGINT NOT NULL DEFAULT 0,
    n_partial BIGINT NOT NULL DEFAULT 0,
    n_full BIGINT NOT NULL DEFAULT 0,
    n_boosted BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (year, path, span)
) {{norowid}};

CREATE TABLE vax_span_years (
    year BIGINT PRIMARY KEY,
    cuts TEXT NOT NULL,
    built_ms BIGINT NOT NULL
) {{norowid}};

INSERT INTO cluster_locks (name, taken) VALUES ('vax_spans', 0);
