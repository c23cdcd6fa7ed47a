-- The error-monitoring data behind the Sentry-compatible API, on SQLite. The PostgreSQL
-- migration of the same name holds the same tables; only the identity column syntax differs.
-- Times are microseconds since the Unix epoch (UTC), as in the first migration.

CREATE TABLE teams (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    slug            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    -- Also the index for listing an organization's teams.
    UNIQUE (organization_id, slug)
);

CREATE TABLE projects (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    slug            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    -- Sentry's platform identifier ('python-django', 'javascript-react'); NULL when unset.
    platform        TEXT,
    -- The number of the project's last issue, from which short ids (BACKEND-1A) are made.
    issue_counter   INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    -- Also the index for listing an organization's projects.
    UNIQUE (organization_id, slug)
);

CREATE TABLE project_teams (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    team_id    INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, team_id)
);
CREATE INDEX project_teams_team ON project_teams (team_id);

-- What Sentry calls groups: the events of one error, counted together.
CREATE TABLE issues (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    short_id   TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    culprit    TEXT    NOT NULL,
    level      TEXT    NOT NULL CHECK (level IN ('fatal', 'error', 'warning', 'info', 'debug')),
    status     TEXT    NOT NULL CHECK (status IN ('unresolved', 'resolved', 'ignored')),
    times_seen INTEGER NOT NULL,
    user_count INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    UNIQUE (project_id, short_id)
);
CREATE INDEX issues_project_last_seen ON issues (project_id, last_seen);
CREATE INDEX issues_project_status_last_seen ON issues (project_id, status, last_seen);

-- Single occurrences of an issue. project_id is kept beside issue_id because Sentry looks
-- events up by project and event id.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    issue_id    INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    -- 32 lowercase hex digits, chosen by the SDK that sent the event.
    event_id    TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    platform    TEXT    NOT NULL,
    occurred_at INTEGER NOT NULL,
    tags        TEXT    NOT NULL, -- JSON array of [key, value] pairs
    frames      TEXT    NOT NULL, -- JSON array of {filename, function, lineno, in_app}
    UNIQUE (project_id, event_id)
);
CREATE INDEX events_issue_occurred_at ON events (issue_id, occurred_at);

CREATE TABLE releases (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    version         TEXT    NOT NULL,
    date_created    INTEGER NOT NULL,
    -- NULL until the release is deployed.
    date_released   INTEGER,
    -- Also the index for listing an organization's releases.
    UNIQUE (organization_id, version)
);

CREATE TABLE release_projects (
    release_id INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (release_id, project_id)
);
CREATE INDEX release_projects_project ON release_projects (project_id);
