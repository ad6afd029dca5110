-- Rows that writers on several app nodes lock (an UPDATE of the row, held until their commit)
-- before they allocate something from what is stored: on PostgreSQL with several nodes, two
-- transactions that both read MAX(id) + 1 or COUNT(*) + 1 would pick the same value. On
-- SQLite the one writer connection already serialises them; the UPDATE is then harmless.
-- `local_areas`: grid and building ids (MAX + 1 above the local id base) and their path
-- segments (the n-th child of a parent).
CREATE TABLE cluster_locks (
    name {{ctext}} PRIMARY KEY,
    taken BIGINT NOT NULL DEFAULT 0
) {{norowid}};
INSERT INTO cluster_locks (name, taken) VALUES ('local_areas', 0);
