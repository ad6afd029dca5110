-- The overview's "positives" and "re-tests due" of an area (issue 18) read the round's people
-- whose status needs action. Without an index they were counted by reading every person of
-- the round (the primary key's round prefix, then the path filtered): 25,000,000 rows for a
-- city-wide round on every overview read. A partial index holds only the flagged people
-- (positive, re-test due, re-sample), so a sample's write does not touch it and a read goes
-- straight to the area's few.
CREATE INDEX test_persons_flagged ON test_persons (round_id, status, path)
    WHERE status IN ('positive', 'retest', 'resample');
