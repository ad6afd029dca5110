-- Document numbers typed by collectors (accounts that do not read the registry) that found
-- nobody of their site's area, per account and hour: beyond a limit such lookups are refused,
-- so a sampling device cannot be used to walk ID numbers. Counted in the sampling batch's own
-- transaction, so every node sees the same count.
CREATE TABLE collector_lookups (
    account_id BIGINT NOT NULL,
    window_ms BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (account_id, window_ms)
);
