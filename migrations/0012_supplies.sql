-- Supplies, donations and money (issue 17): one goods ledger and one money ledger, both
-- double-entry, append-only, never negative; the public disclosure reads them.

-- The catalogue. Quantities everywhere are whole numbers of `unit` (the smallest pack: one
-- mask, one bottle); `pack` is how many units a pack holds (a box of 50 masks), for entry and
-- display. `grade` is typed (see `supplies::GRADES`) so a disclosure cannot say N95 for KN95.
CREATE TABLE sup_items (
    id {{id}},
    code {{ctext}} NOT NULL UNIQUE,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    grade TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL,
    pack BIGINT NOT NULL CHECK (pack > 0),
    created_ms BIGINT NOT NULL
);

-- Stores: depots, supply points (便民服务点, with the communities they serve) and team stores
-- (a checkpoint's kit; `team_id` names the team). `path` is the area the store is under;
-- `owner` the account that keeps it.
CREATE TABLE sup_stores (
    id {{id}},
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    path {{ctext}} NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    team_id BIGINT,
    created_ms BIGINT NOT NULL
);
CREATE INDEX sup_stores_path ON sup_stores (path);
CREATE INDEX sup_stores_team ON sup_stores (team_id);

CREATE TABLE sup_store_serves (
    store_id BIGINT NOT NULL REFERENCES sup_stores(id),
    path {{ctext}} NOT NULL,
    PRIMARY KEY (store_id, path)
) {{norowid}};
CREATE INDEX sup_store_serves_path ON sup_store_serves (path);

-- Vehicle trips: what they carried are the movements naming them.
CREATE TABLE sup_trips (
    id {{id}},
    plate TEXT NOT NULL,
    driver TEXT NOT NULL,
    volunteer_id BIGINT,
    from_label TEXT NOT NULL,
    to_label TEXT NOT NULL,
    path {{ctext}} NOT NULL,
    depart_ms BIGINT NOT NULL,
    arrive_ms BIGINT,
    tonnage_kg BIGINT NOT NULL DEFAULT 0,
    passengers BIGINT NOT NULL DEFAULT 0,
    client_id TEXT UNIQUE,
    actor TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX sup_trips_path ON sup_trips (path, depart_ms);

-- A goods movement: `qty` units of an item from one account to another. An account is a
-- store (`*_store`), or outside the ledger: donor, supplier, above (allocation from a higher
-- level), household, need, team, post, recipient (a named hospital or organisation), loss,
-- adjust (stock-take). `from_path`/`to_path` are the areas of each side (a household's and a
-- need's cut to their community: the public never sees finer). `lot` is the direction of a
-- directed gift ('' when free), carried with the goods. `reverses` names the movement a
-- correction undoes. Rows are never updated or deleted.
CREATE TABLE sup_moves (
    id {{id}},
    kind TEXT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES sup_items(id),
    qty BIGINT NOT NULL CHECK (qty > 0),
    from_type TEXT NOT NULL,
    from_store BIGINT REFERENCES sup_stores(id),
    from_label TEXT NOT NULL DEFAULT '',
    from_path {{ctext}} NOT NULL DEFAULT '',
    to_type TEXT NOT NULL,
    to_store BIGINT REFERENCES sup_stores(id),
    to_label TEXT NOT NULL DEFAULT '',
    to_path {{ctext}} NOT NULL DEFAULT '',
    lot TEXT NOT NULL DEFAULT '',
    donor_kind TEXT NOT NULL DEFAULT '',
    value_fen BIGINT NOT NULL DEFAULT 0,
    invoice TEXT NOT NULL DEFAULT '',
    household_id BIGINT,
    need_id BIGINT,
    team_id BIGINT,
    trip_id BIGINT REFERENCES sup_trips(id),
    reverses BIGINT REFERENCES sup_moves(id),
    reason TEXT NOT NULL DEFAULT '',
    approver TEXT NOT NULL DEFAULT '',
    client_id TEXT UNIQUE,
    actor TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX sup_moves_from ON sup_moves (from_path, at_ms);
CREATE INDEX sup_moves_to ON sup_moves (to_path, at_ms);
CREATE INDEX sup_moves_trip ON sup_moves (trip_id);
CREATE INDEX sup_moves_household ON sup_moves (household_id);
CREATE INDEX sup_moves_need ON sup_moves (need_id);
CREATE INDEX sup_moves_reverses ON sup_moves (reverses);

-- The balance of a store per item and lot: the row a handout decrements with a conditional
-- UPDATE (qty >= the amount), so two people handing out the last box cannot both succeed.
CREATE TABLE sup_stock (
    store_id BIGINT NOT NULL REFERENCES sup_stores(id),
    item_id BIGINT NOT NULL REFERENCES sup_items(id),
    lot TEXT NOT NULL,
    qty BIGINT NOT NULL CHECK (qty >= 0),
    PRIMARY KEY (store_id, item_id, lot)
) {{norowid}};

-- The stock card: one line per store side of a movement, with the store's balance of the item
-- after it (all lots), so a card is one index range at any ledger size.
CREATE TABLE sup_card (
    store_id BIGINT NOT NULL,
    move_id BIGINT NOT NULL,
    item_id BIGINT NOT NULL,
    delta BIGINT NOT NULL,
    balance BIGINT NOT NULL,
    PRIMARY KEY (store_id, move_id)
) {{norowid}};
CREATE INDEX sup_card_item ON sup_card (store_id, item_id, move_id);

-- Funds (a community's, a branch's, a district's), under an area.
CREATE TABLE sup_funds (
    id {{id}},
    name TEXT NOT NULL,
    path {{ctext}} NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    created_ms BIGINT NOT NULL
);
CREATE INDEX sup_funds_path ON sup_funds (path);

-- The money ledger, in integer fen: a row moves `fen` into a fund (`dir` = 1: donation,
-- party_fee, grant, transfer_in, reversal of a spending) or out of it (`dir` = -1: spending,
-- transfer_out, refund, reversal of a gift). Never updated or deleted.
CREATE TABLE sup_money (
    id {{id}},
    fund_id BIGINT NOT NULL REFERENCES sup_funds(id),
    kind TEXT NOT NULL,
    dir BIGINT NOT NULL CHECK (dir IN (1, -1)),
    fen BIGINT NOT NULL CHECK (fen > 0),
    lot TEXT NOT NULL DEFAULT '',
    party TEXT NOT NULL DEFAULT '',
    donor_kind TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL DEFAULT '',
    reference TEXT NOT NULL DEFAULT '',
    purpose TEXT NOT NULL DEFAULT '',
    other_fund BIGINT,
    spend_id BIGINT,
    reverses BIGINT REFERENCES sup_money(id),
    reason TEXT NOT NULL DEFAULT '',
    client_id TEXT UNIQUE,
    actor TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX sup_money_fund ON sup_money (fund_id, id);
CREATE INDEX sup_money_reverses ON sup_money (reverses);

CREATE TABLE sup_fund_bal (
    fund_id BIGINT NOT NULL REFERENCES sup_funds(id),
    lot TEXT NOT NULL,
    fen BIGINT NOT NULL CHECK (fen >= 0),
    PRIMARY KEY (fund_id, lot)
) {{norowid}};

-- A spending waits for its approvals (one; two above the threshold; never the requester's),
-- then is paid: a `sup_money` row names it.
CREATE TABLE sup_spends (
    id {{id}},
    fund_id BIGINT NOT NULL REFERENCES sup_funds(id),
    fen BIGINT NOT NULL CHECK (fen > 0),
    lot TEXT NOT NULL DEFAULT '',
    payee TEXT NOT NULL,
    purpose TEXT NOT NULL,
    receipt_no TEXT NOT NULL,
    needed BIGINT NOT NULL,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    client_id TEXT UNIQUE,
    created_ms BIGINT NOT NULL,
    paid_ms BIGINT
);
CREATE INDEX sup_spends_fund ON sup_spends (fund_id, status, id);

CREATE TABLE sup_spend_approvals (
    spend_id BIGINT NOT NULL REFERENCES sup_spends(id),
    approver TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (spend_id, approver)
) {{norowid}};

-- Settings: the spending threshold above which two approvers are needed (fen).
CREATE TABLE sup_settings (
    id {{pk}},
    two_approvers_above_fen BIGINT NOT NULL
);
