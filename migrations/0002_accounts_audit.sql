-- Issue 3: passwords, sessions, login throttling, TOTP, the audit chain.

ALTER TABLE accounts ADD COLUMN password_hash TEXT;
ALTER TABLE accounts ADD COLUMN totp_secret TEXT;
ALTER TABLE accounts ADD COLUMN totp_enabled BIGINT NOT NULL DEFAULT 0;
-- The last 30-second step whose code was accepted: a code is good once.
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN locked_until_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN disabled_ms BIGINT;
ALTER TABLE accounts ADD COLUMN lang TEXT;

-- A session lives in the database so that any node can serve any request. The cookie holds a
-- random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    csrf TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    -- 0 while a second factor is still owed, 1 once the session is fully signed in.
    verified BIGINT NOT NULL,
    ip TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Failed sign-ins per source address, in fixed windows: throttles guessing across accounts.
CREATE TABLE login_failures (
    ip TEXT NOT NULL,
    window_ms BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    PRIMARY KEY (ip, window_ms)
);

-- Append-only audit log. Each entry's hash covers its content and the previous entry's hash,
-- so editing or deleting any row breaks the chain from there on (`wardline audit verify`).
CREATE TABLE audit_log (
    seq {{pk}},
    at_ms BIGINT NOT NULL,
    account_id BIGINT,
    username TEXT NOT NULL,
    ip TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    area_path {{ctext}} NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_account ON audit_log (account_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, seq);

-- The head of the chain: one row, locked by every audit write so the chain is a line even
-- when several nodes write at once.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Residents aged 60 and over, kept with the other tallies.
ALTER TABLE area_counts ADD COLUMN aged60 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE community_counts ADD COLUMN aged60 BIGINT NOT NULL DEFAULT 0;
