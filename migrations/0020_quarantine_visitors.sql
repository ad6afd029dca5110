-- Issue 15: quarantine orders for visitors referred at a checkpoint (no registry record).
-- The visitor's personal data is copied from the pass-log entry when the order is made, so
-- the order outlives the pass log's retention; it goes with the order (quarantine retention).
-- The order and its checks name the visitor as their subject by the negated id of this row:
-- quarantine_orders.resident_id = quarantine_orders.household_id = -quarantine_visitors.id
-- (residents' ids are positive), so every per-subject rule (one active order, the check owed
-- now, the walk order) applies unchanged. `label` is the masked name lists show.
CREATE TABLE quarantine_visitors (
    id {{id}},
    entry_id BIGINT NOT NULL UNIQUE,
    order_id BIGINT,
    path {{ctext}} NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    doc_type TEXT NOT NULL DEFAULT '',
    doc_number TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    stay TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX quarantine_visitors_order ON quarantine_visitors (order_id);
