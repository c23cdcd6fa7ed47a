-- Resource servers, on PostgreSQL. The SQLite migration of the same name is identical.
-- An application's kind says what it may do besides being an OAuth client: a resource
-- server may also introspect tokens issued to other applications (RFC 7662 §4), so that an
-- API in front of gatehouse can check the tokens partners present to it.
ALTER TABLE applications
    ADD COLUMN kind TEXT NOT NULL DEFAULT 'client'
    CHECK (kind IN ('client', 'resource_server'));
