-- The stored answer to each field write sent through the API (needs, duty, registry), under
-- `account:family:client id`, so a retry gets the same answer and changes nothing. A row with
-- status 0 is a request being processed (reserved before the write, answered after it).
CREATE TABLE api_replies (
    key {{ctext}} PRIMARY KEY,
    family TEXT NOT NULL,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    at_ms BIGINT NOT NULL
) {{norowid}};
CREATE INDEX api_replies_at ON api_replies (at_ms);
