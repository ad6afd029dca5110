-- Needs at city scale (issue 18, the HQ overview): the needs' figures kept per area at each
-- national level of the need's path (province, city, district, street, community), in the
-- transaction of every write that moves them, so an area's figures are one index range of
-- (kind, day) rows whatever the city's size.
-- kind: 'open' and 'open_emergency' (day 0: a state); 'registered' (by the day created),
-- 'solved' and 'solved_emergency' (done, by the day of completion), 'item_gas' and
-- 'item_parcels' (quantities delivered, by the day recorded). Days are China days.
CREATE TABLE need_tallies (
    path {{ctext}} NOT NULL,
    kind {{ctext}} NOT NULL,
    day BIGINT NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (path, kind, day)
) {{norowid}};

-- The open needs of an area, for the late ones (their deadlines move with the settings).
CREATE INDEX needs_open_path ON needs (is_open, path);

-- The needs already recorded, counted once.
INSERT INTO need_tallies (path, kind, day, n)
SELECT substr(n.path, 1, lv.l), 'open', 0, COUNT(*)
FROM needs n JOIN (SELECT 2 AS l UNION ALL SELECT 4 UNION ALL SELECT 6 UNION ALL SELECT 9 UNION ALL SELECT 12) lv
  ON length(n.path) >= lv.l
WHERE n.status IN ('new', 'assigned', 'claimed', 'in_progress')
GROUP BY substr(n.path, 1, lv.l);

INSERT INTO need_tallies (path, kind, day, n)
SELECT substr(n.path, 1, lv.l), 'open_emergency', 0, COUNT(*)
FROM needs n JOIN (SELECT 2 AS l UNION ALL SELECT 4 UNION ALL SELECT 6 UNION ALL SELECT 9 UNION ALL SELECT 12) lv
  ON length(n.path) >= lv.l
WHERE n.status IN ('new', 'assigned', 'claimed', 'in_progress') AND n.category = 'emergency'
GROUP BY substr(n.path, 1, lv.l);

INSERT INTO need_tallies (path, kind, day, n)
SELECT substr(n.path, 1, lv.l), 'registered', (n.created_ms + 28800000) / 86400000, COUNT(*)
FROM needs n JOIN (SELECT 2 AS l UNION ALL SELECT 4 UNION ALL SELECT 6 UNION ALL SELECT 9 UNION ALL SELECT 12) lv
  ON length(n.path) >= lv.l
GROUP BY substr(n.path, 1, lv.l), (n.created_ms + 28800000) / 86400000;

INSERT INTO need_tallies (path, kind, day, n)
SELECT substr(n.path, 1, lv.l), 'solved', (n.done_ms + 28800000) / 86400000, COUNT(*)
FROM needs n JOIN (SELECT 2 AS l UNION ALL SELECT 4 UNION ALL SELECT 6 UNION ALL SELECT 9 UNION ALL SELECT 12) lv
  ON length(n.path) >= lv.l
WHERE n.status = 'done' AND n.done_ms IS NOT NULL
GROUP BY substr(n.path, 1, lv.l), (n.done_ms + 28800000) / 86400000;

INSERT INTO need_tallies (path, kind, day, n)
SELECT substr(n.path, 1, lv.l), 'solved_emergency', (n.done_ms + 28800000) / 86400000, COUNT(*)
FROM needs n JOIN (SELECT 2 AS l UNION ALL SELECT 4 UNION ALL SELECT 6 UNION ALL SELECT 9 UNION ALL SELECT 12) lv
  ON length(n.path) >= lv.l
WHERE n.status = 'done' AND n.done_ms IS NOT NULL AND (n.urgency = 1 OR n.category = 'emergency')
GROUP BY substr(n.path, 1, lv.l), (n.done_ms + 28800000) / 86400000;

INSERT INTO need_tallies (path, kind, day, n)
SELECT substr(n.path, 1, lv.l), CASE WHEN i.kind = 'gas' THEN 'item_gas' ELSE 'item_parcels' END,
       (i.at_ms + 28800000) / 86400000, SUM(i.quantity)
FROM need_items i JOIN needs n ON n.id = i.need_id
  JOIN (SELECT 2 AS l UNION ALL SELECT 4 UNION ALL SELECT 6 UNION ALL SELECT 9 UNION ALL SELECT 12) lv
  ON length(n.path) >= lv.l
GROUP BY substr(n.path, 1, lv.l), CASE WHEN i.kind = 'gas' THEN 'item_gas' ELSE 'item_parcels' END,
       (i.at_ms + 28800000) / 86400000;
