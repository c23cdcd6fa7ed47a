-- A rotated client secret may keep working for a grace period, so that an operator can
-- replace a leaked secret without an outage: its digest and the end of its grace.
ALTER TABLE applications ADD COLUMN previous_secret_digest TEXT;
ALTER TABLE applications ADD COLUMN previous_secret_expires_at INTEGER;

-- What a user sees of their account's history: sign-ins, authorizations granted, tokens
-- revoked and by whom.
CREATE TABLE security_events (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL CHECK (kind IN ('signed_in', 'authorization_granted',
                                                     'authorization_revoked', 'tokens_revoked')),
    -- Who acted: 'user', 'operator' or 'reuse_detection'.
    actor           TEXT    NOT NULL,
    application_name TEXT,
    organization_name TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX security_events_user ON security_events (user_id, created_at);
