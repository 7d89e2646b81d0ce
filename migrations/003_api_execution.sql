-- API execution records: stored API credentials and every HTTP call a runbook step makes.
-- Legacy numbered migration, kept under its original name.

CREATE TABLE api_credentials (
    id         INTEGER PRIMARY KEY,
    name       VARCHAR(255) NOT NULL UNIQUE,
    base_url   VARCHAR(2048) NOT NULL,
    auth_type  VARCHAR(16) NOT NULL DEFAULT 'none'
               CHECK (auth_type IN ('none', 'basic', 'bearer', 'api_key')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE api_executions (
    id              INTEGER PRIMARY KEY,
    execution_id    INTEGER NOT NULL REFERENCES runbook_executions (id) ON DELETE CASCADE,
    credential_id   INTEGER REFERENCES api_credentials (id) ON DELETE SET NULL,
    method          VARCHAR(16) NOT NULL,
    url             VARCHAR(2048) NOT NULL,
    request_body    TEXT,
    response_status INTEGER,
    response_body   TEXT,
    duration_ms     INTEGER,
    executed_at     TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_api_executions_execution_id
    ON api_executions (execution_id);
