-- Vaccination at city scale (issue 16, performance): coverage is kept per area at every level
-- of the area path (province, city, district, street, community, grid, building), so the
-- coverage of any area is one index range of ~100 birth-year rows whatever the city's size.
-- Ages are counted by year of birth (the campaign's rule), so the rows are keyed by birth year
-- and summed into age bands when read: a birthday or a new year moves nobody between rows.
-- n_pop: residents in the registry; n_partial/n_full/n_boosted: statuses (vax_status). Every
-- write adds deltas, in the transaction of the dose, tick-off or registry change.
CREATE TABLE vax_area_tallies (
    path {{ctext}} NOT NULL,
    birth_year BIGINT NOT NULL,
    n_pop BIGINT NOT NULL DEFAULT 0,
    n_partial BIGINT NOT NULL DEFAULT 0,
    n_full BIGINT NOT NULL DEFAULT 0,
    n_boosted BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (path, birth_year)
) {{norowid}};

-- Partial courses per area and dropout day: the dropouts of an area on a day are the sum of
-- the rows before it (bounded by the days of the campaign, not by the residents).
CREATE TABLE vax_area_dropout (
    path {{ctext}} NOT NULL,
    dropout_on {{ctext}} NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (path, dropout_on)
) {{norowid}};

-- The population counts run (root path, '' for the whole registry): counting begins with the
-- whole registry on the first read; the registry's changes keep it from then on.
CREATE TABLE vax_pop_counted (
    path {{ctext}} PRIMARY KEY,
    counted_ms BIGINT NOT NULL
) {{norowid}};

-- The statuses already recorded, at every prefix of their path (national codes are cut at
-- 2, 4, 6, 9 and 12 characters; grids and buildings add /G0001 and /B00001 segments).
INSERT INTO vax_area_tallies (path, birth_year, n_pop, n_partial, n_full, n_boosted)
SELECT substr(s.path, 1, l.column1), s.birth_year, 0,
       SUM(CASE WHEN s.status = 'partial' THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.status = 'full' THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.status = 'boosted' THEN 1 ELSE 0 END)
FROM vax_status s, (VALUES (2), (4), (6), (9), (12), (18), (19), (25)) AS l
WHERE length(s.path) >= l.column1
  AND (l.column1 <= 12 OR length(s.path) = l.column1 OR substr(s.path, l.column1 + 1, 1) = '/')
GROUP BY substr(s.path, 1, l.column1), s.birth_year;

INSERT INTO vax_area_dropout (path, dropout_on, n)
SELECT substr(s.path, 1, l.column1), s.dropout_on, COUNT(*)
FROM vax_status s, (VALUES (2), (4), (6), (9), (12), (18), (19), (25)) AS l
WHERE s.status = 'partial' AND s.dropout_on IS NOT NULL AND length(s.path) >= l.column1
  AND (l.column1 <= 12 OR length(s.path) = l.column1 OR substr(s.path, l.column1 + 1, 1) = '/')
GROUP BY substr(s.path, 1, l.column1), s.dropout_on;

-- The per-community tables they replace.
DROP TABLE vax_tallies;
DROP TABLE vax_population;
