-- Revocation notices by webhook, on SQLite. The PostgreSQL migration of the same name holds
-- the same columns; only the spelling of integer and identity columns differs.
--
-- An application may register a URL that gatehouse POSTs to whenever one of its
-- authorizations or token families is revoked. The signing secret is never stored: it is
-- derived from the server key, the client id and webhook_generation, which re-issuing the
-- secret bumps (see src/keys.rs).
ALTER TABLE applications ADD COLUMN webhook_url TEXT;
ALTER TABLE applications ADD COLUMN webhook_generation INTEGER NOT NULL DEFAULT 0;

-- One notice to one application, written in the same transaction as the revocation it
-- reports, so that a crash cannot lose it. The delivery worker claims due rows with a
-- conditional UPDATE, so instances sharing the database never send one notice twice at
-- the same time.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    -- Random; sent as Gatehouse-Event-Id so that receivers can drop a repeated delivery.
    event_id        TEXT    NOT NULL UNIQUE,
    payload         TEXT    NOT NULL, -- the JSON body, exactly as sent and signed
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- When a pending notice is due; while an attempt is in flight, when its claim lapses.
    next_attempt_at INTEGER NOT NULL,
    last_status     INTEGER, -- the HTTP status of the last attempt, if it got one
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_application ON webhook_deliveries (application_id);
