-- gatehouse's data model on SQLite. The PostgreSQL migration of the same name holds the same
-- tables; only the identity column syntax differs. Every time is microseconds since the Unix
-- epoch (UTC), so that both backends store and compare times the same way.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL,
    -- The address lowercased by gatehouse, so uniqueness ignores case on both backends.
    email_key     TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('active', 'disabled')),
    created_at    INTEGER NOT NULL
);

CREATE TABLE organizations (
    id         INTEGER PRIMARY KEY,
    slug       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE memberships (
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            TEXT    NOT NULL CHECK (role IN ('member', 'admin', 'manager', 'owner')),
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE applications (
    id              INTEGER PRIMARY KEY,
    client_id       TEXT    NOT NULL UNIQUE,
    client_type     TEXT    NOT NULL CHECK (client_type IN ('confidential', 'public')),
    -- SHA-256 of the client secret; NULL for public clients.
    secret_digest   TEXT,
    name            TEXT    NOT NULL,
    redirect_uris   TEXT    NOT NULL, -- JSON array of strings
    allowed_origins TEXT    NOT NULL, -- JSON array of strings
    homepage_url    TEXT    NOT NULL,
    privacy_url     TEXT    NOT NULL,
    terms_url       TEXT    NOT NULL,
    scopes          TEXT    NOT NULL, -- expanded, space-separated
    access_level    TEXT    NOT NULL CHECK (access_level IN ('organization', 'user')),
    status          TEXT    NOT NULL CHECK (status IN ('active', 'inactive')),
    created_at      INTEGER NOT NULL
);

-- A user's consent to an application, for one organization (or none for user-level apps).
CREATE TABLE authorizations (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    application_id  INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    organization_id INTEGER REFERENCES organizations (id) ON DELETE CASCADE,
    scopes          TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX authorizations_key
    ON authorizations (user_id, application_id, COALESCE(organization_id, 0));

-- Authorization codes. Kept after redemption so that a replayed code can be recognized and
-- the tokens issued from it revoked.
CREATE TABLE grants (
    id               INTEGER PRIMARY KEY,
    code_digest      TEXT    NOT NULL UNIQUE,
    authorization_id INTEGER NOT NULL REFERENCES authorizations (id) ON DELETE CASCADE,
    application_id   INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id  INTEGER REFERENCES organizations (id) ON DELETE CASCADE,
    -- NULL when the request left redirect_uri out (allowed with one registered URI).
    redirect_uri     TEXT,
    scopes           TEXT    NOT NULL,
    code_challenge   TEXT,
    family_id        TEXT    NOT NULL,
    expires_at       INTEGER NOT NULL,
    redeemed_at      INTEGER,
    created_at       INTEGER NOT NULL
);
CREATE INDEX grants_authorization ON grants (authorization_id);

-- Access and refresh tokens, as SHA-256 digests. A refresh rotates the row: the old one is
-- marked rotated (its access token dies with it) and kept to recognize a replayed refresh
-- token, which revokes the whole family.
CREATE TABLE tokens (
    id                 INTEGER PRIMARY KEY,
    access_digest      TEXT    NOT NULL UNIQUE,
    refresh_digest     TEXT    UNIQUE,
    last_chars         TEXT    NOT NULL,
    authorization_id   INTEGER NOT NULL REFERENCES authorizations (id) ON DELETE CASCADE,
    application_id     INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    user_id            INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id    INTEGER REFERENCES organizations (id) ON DELETE CASCADE,
    -- What the access token may do; a refresh may narrow it (RFC 6749 §6).
    scopes             TEXT    NOT NULL,
    -- What the refresh token may grant: the scopes of the code it descends from.
    grant_scopes       TEXT    NOT NULL,
    family_id          TEXT    NOT NULL,
    expires_at         INTEGER NOT NULL,
    refresh_expires_at INTEGER,
    rotated_at         INTEGER,
    last_used_at       INTEGER,
    created_at         INTEGER NOT NULL
);
CREATE INDEX tokens_family ON tokens (family_id);
CREATE INDEX tokens_authorization ON tokens (authorization_id);

-- Browser sessions, by the digest of the cookie's value. user_id is NULL before sign-in.
CREATE TABLE sessions (
    id_digest    TEXT    PRIMARY KEY,
    user_id      INTEGER REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
