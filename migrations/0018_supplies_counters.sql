-- Supplies at scale (issue 17): counters and summaries kept in the movement's transaction, so
-- a store's stock card and an area's public disclosure read a few rows at any ledger size.

-- The stock card is paged by a per-store sequence: line `seq` of a store is its seq-th line.
ALTER TABLE sup_card ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
UPDATE sup_card SET seq = (SELECT COUNT(*) FROM sup_card c2
    WHERE c2.store_id = sup_card.store_id AND c2.move_id <= sup_card.move_id);
CREATE INDEX sup_card_seq ON sup_card (store_id, seq);

-- Lines on each store's card (the sequence's last value) and per item of it. A movement takes
-- its stores' rows in ascending store id first, so two opposite transfers queue instead of
-- deadlocking.
CREATE TABLE sup_card_count (
    store_id BIGINT NOT NULL,
    item_id BIGINT NOT NULL,
    lines BIGINT NOT NULL,
    PRIMARY KEY (store_id, item_id)
) {{norowid}};
INSERT INTO sup_card_count (store_id, item_id, lines)
    SELECT store_id, 0, COUNT(*) FROM sup_card GROUP BY store_id;
INSERT INTO sup_card_count (store_id, item_id, lines)
    SELECT store_id, item_id, COUNT(*) FROM sup_card GROUP BY store_id, item_id;

-- Per-day summaries of the store sides of movements, for the public disclosure: one row per
-- store, China day, direction (1 in, -1 out), kind, item, lot and the other side (its type,
-- its label — empty for an anonymous donor or a household —, its area cut to the community
-- for a household or need, and its store when it is one), with the sums and the entries
-- summed (count, first and last ledger id).
CREATE TABLE sup_day (
    path {{ctext}} NOT NULL,
    store_id BIGINT NOT NULL,
    day BIGINT NOT NULL,
    dir BIGINT NOT NULL,
    kind TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    lot TEXT NOT NULL,
    other_type TEXT NOT NULL,
    other_label TEXT NOT NULL,
    other_path {{ctext}} NOT NULL,
    other_store BIGINT NOT NULL,
    donor_kind TEXT NOT NULL,
    qty BIGINT NOT NULL,
    value_fen BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    first_entry BIGINT NOT NULL,
    last_entry BIGINT NOT NULL,
    PRIMARY KEY (path, store_id, day, dir, kind, item_id, lot, other_type, other_label, other_path, other_store, donor_kind)
) {{norowid}};


-- A store or fund may be owned by a party branch (a temporary branch receiving gifts): the
-- branch's public disclosure shows what its stores and funds received and gave.
ALTER TABLE sup_stores ADD COLUMN branch_id BIGINT;
ALTER TABLE sup_funds ADD COLUMN branch_id BIGINT;
CREATE INDEX sup_stores_branch ON sup_stores (branch_id);
CREATE INDEX sup_funds_branch ON sup_funds (branch_id);
