-- The area tree, households, residents, per-area tallies; accounts, scopes and API tokens.

-- Areas: province (1) › city (2) › county/district (3) › street/town (4) ›
-- community/village (5) › grid (6) › building (7). National levels use the statistical code
-- as id and as path (the codes are prefix-hierarchical); local levels get ids from
-- 1,000,000,000,000 up and paths like 431102001001/G0003/B00012.
CREATE TABLE areas (
    id {{pk}},
    code TEXT NOT NULL UNIQUE,
    parent_id BIGINT REFERENCES areas(id),
    level BIGINT NOT NULL CHECK (level BETWEEN 1 AND 7),
    name TEXT NOT NULL,
    official_name TEXT NOT NULL,
    path {{ctext}} NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL
);
CREATE INDEX areas_parent ON areas (parent_id, code);
CREATE INDEX areas_name ON areas (name);

-- Households hang off a building, a grid, or directly a community/village. `path` copies the
-- area's path so "everything under X" is one index range; `community_id` is the distribution
-- key for a sharded deployment.
CREATE TABLE households (
    id {{id}},
    area_id BIGINT NOT NULL REFERENCES areas(id),
    path {{ctext}} NOT NULL,
    community_id BIGINT NOT NULL,
    address TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('home', 'rental', 'shop', 'dormitory')),
    head_id BIGINT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX households_path ON households (path, id);

-- Residents. Tags and party categories are bit sets (see registry::model).
-- name is compared byte-wise so a prefix search is an index range on both backends; the
-- identifiers too (byte order is right for them, and PostgreSQL compares them without strcoll).
-- sex: 1 male, 2 female, 0 unknown (GB/T 2261.1). birth_date: YYYY-MM-DD.
CREATE TABLE residents (
    id {{id}},
    household_id BIGINT NOT NULL REFERENCES households(id),
    path {{ctext}} NOT NULL,
    community_id BIGINT NOT NULL,
    name {{ctext}} NOT NULL,
    doc_type {{ctext}} NOT NULL,
    doc_number {{ctext}} NOT NULL,
    sex BIGINT NOT NULL,
    birth_date TEXT,
    phone {{ctext}},
    relation TEXT NOT NULL,
    tags BIGINT NOT NULL DEFAULT 0,
    health_note TEXT,
    party BIGINT NOT NULL DEFAULT 0,
    party_categories BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX residents_doc ON residents (doc_number, doc_type);
CREATE INDEX residents_household ON residents (household_id);
CREATE INDEX residents_name ON residents (name, id);
CREATE INDEX residents_phone ON residents (phone);

-- Tallies, kept in the same transaction as every write, twice: per area a household hangs
-- off (area_counts), and per community/village (community_counts). A subtree total is a SUM
-- over a path range: of community rows for a community or anything above it (a district has a
-- few hundred), of area rows for a grid or a building.
CREATE TABLE area_counts (
    area_id {{pk}} REFERENCES areas(id),
    path {{ctext}} NOT NULL,
    households BIGINT NOT NULL DEFAULT 0,
    residents BIGINT NOT NULL DEFAULT 0,
    vulnerable BIGINT NOT NULL DEFAULT 0,
    party_members BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX area_counts_path ON area_counts (path);

CREATE TABLE community_counts (
    area_id {{pk}} REFERENCES areas(id),
    path {{ctext}} NOT NULL,
    households BIGINT NOT NULL DEFAULT 0,
    residents BIGINT NOT NULL DEFAULT 0,
    vulnerable BIGINT NOT NULL DEFAULT 0,
    party_members BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX community_counts_path ON community_counts (path);

CREATE TABLE accounts (
    id {{id}},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE account_scopes (
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    area_id BIGINT NOT NULL REFERENCES areas(id),
    PRIMARY KEY (account_id, area_id)
);

CREATE TABLE api_tokens (
    id {{id}},
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT
);

-- Indexes dropped for a bulk load and not yet rebuilt. Rebuilt at the next start if a load
-- was interrupted, so a crash never leaves the registry without its indexes.
CREATE TABLE deferred_indexes (
    name TEXT PRIMARY KEY,
    ddl TEXT NOT NULL
);
