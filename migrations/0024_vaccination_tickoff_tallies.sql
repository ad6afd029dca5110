-- Tick-offs by reason at city scale (issue 16, figures): the current tick-offs counted per area
-- at every level of the area path (as vax_area_tallies counts statuses), by reason, and for a
-- temporary contraindication by recheck day (recheck_on, '' for the other reasons). The
-- tick-offs of an area by reason are its own rows; its deferrals due on a day the sum of its
-- temp_contra rows up to that day (bounded by the days of the campaign, not by the residents).
-- Every tick-off, supersession, merge, move or removal adds its deltas in its transaction.
CREATE TABLE vax_tickoff_tallies (
    path {{ctext}} NOT NULL,
    reason {{ctext}} NOT NULL,
    recheck_on {{ctext}} NOT NULL DEFAULT '',
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (path, reason, recheck_on)
) {{norowid}};

-- The current tick-offs already recorded, at every prefix of their path (national codes are
-- cut at 2, 4, 6, 9 and 12 characters; grids and buildings add /G0001 and /B00001 segments).
INSERT INTO vax_tickoff_tallies (path, reason, recheck_on, n)
SELECT substr(t.path, 1, l.column1), t.reason,
       CASE WHEN t.reason = 'temp_contra' THEN COALESCE(t.recheck_on, '') ELSE '' END,
       COUNT(*)
FROM vax_tickoffs t, (VALUES (2), (4), (6), (9), (12), (18), (19), (25)) AS l
WHERE t.current = 1 AND length(t.path) >= l.column1
  AND (l.column1 <= 12 OR length(t.path) = l.column1 OR substr(t.path, l.column1 + 1, 1) = '/')
GROUP BY substr(t.path, 1, l.column1), t.reason,
         CASE WHEN t.reason = 'temp_contra' THEN COALESCE(t.recheck_on, '') ELSE '' END;
