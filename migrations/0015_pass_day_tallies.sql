-- Issue 14, figures at scale: the pass-log figures by China day (UTC+8), per checkpoint ×
-- checker × shift × day, written in the transaction of every write beside the hourly
-- `pass_tallies` and, like them, never purged. A period of whole days (a month of figures, an
-- area's totals) is read from here: a checkpoint has a few rows a day whatever its traffic.
-- day: days since 1970-01-01 in China time. path: the checkpoint's area.
CREATE TABLE pass_day_tallies (
    place_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    shift_id BIGINT NOT NULL,
    day BIGINT NOT NULL,
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
    PRIMARY KEY (place_id, account_id, shift_id, day)
) {{norowid}};
CREATE INDEX pass_day_tallies_place ON pass_day_tallies (place_id, day);
CREATE INDEX pass_day_tallies_path ON pass_day_tallies (path, day);
-- An area's part-day ends read a few hours of every checkpoint under a range of paths: by hour
-- first, so the hours narrow the scan rather than the (wide) range of paths.
CREATE INDEX pass_tallies_hour ON pass_tallies (hour_ms, path);

-- The days so far, from the hourly tallies (hours are whole hours, and a China day is 24 of
-- them from 16:00 UTC).
INSERT INTO pass_day_tallies (place_id, account_id, shift_id, day, path, people, n_in, n_out,
    n_through, vehicles, visitors, passed, returned, quarantine, medical, overrides, fever)
SELECT place_id, account_id, shift_id, (hour_ms + 28800000) / 86400000, MIN(path),
    SUM(people), SUM(n_in), SUM(n_out), SUM(n_through), SUM(vehicles), SUM(visitors),
    SUM(passed), SUM(returned), SUM(quarantine), SUM(medical), SUM(overrides), SUM(fever)
FROM pass_tallies
GROUP BY place_id, account_id, shift_id, (hour_ms + 28800000) / 86400000;
