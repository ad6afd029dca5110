-- Notifications (issue 19): an outbox of messages, one per recipient account. Each row is
-- written by the capability that raised the event (in its transaction or right after) with
-- its text already rendered in the recipient's language; the sender loop delivers it.
-- state: queued, sent, failed (after the last retry), skipped (reason says why).
-- once_key: the event's identity for that recipient, so a scheduled reminder is enqueued once.
-- recheck: what the sender asks the raising capability again at send time ('' for nothing).
CREATE TABLE notify_outbox (
    id {{id}},
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL,
    urgent BIGINT NOT NULL,
    link TEXT NOT NULL,
    path {{ctext}} NOT NULL,
    lang TEXT NOT NULL,
    body TEXT NOT NULL,
    once_key TEXT NOT NULL,
    recheck TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_ms BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    sent_ms BIGINT,
    read_ms BIGINT
);
CREATE UNIQUE INDEX notify_outbox_once ON notify_outbox (account_id, once_key);
CREATE INDEX notify_outbox_due ON notify_outbox (state, next_ms);
CREATE INDEX notify_outbox_unread ON notify_outbox (account_id, read_ms);
CREATE INDEX notify_outbox_path ON notify_outbox (path, id);
CREATE INDEX notify_outbox_created ON notify_outbox (created_ms);
