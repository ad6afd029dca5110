-- Command headquarters (issue 18): each area's overview figures per China day (days since
-- 1970-01-01, UTC+8), written by a background task every 10 minutes and at the end of the
-- day, so the 14-day charts and "change since yesterday" read stored rows, not recounts.
-- `value` NULL: absent (the capability has nothing in the area), not zero. Aggregates only:
-- no personal data.
CREATE TABLE hq_daily (
    area_id BIGINT NOT NULL,
    day BIGINT NOT NULL,
    metric {{ctext}} NOT NULL,
    value BIGINT,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (area_id, day, metric)
) {{norowid}};
