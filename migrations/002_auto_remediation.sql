-- Auto-remediation core: remediation rules, runbooks and runbook executions.
-- Legacy numbered migration, kept under its original name.

CREATE TABLE remediation_rules (
    id            INTEGER PRIMARY KEY,
    name          VARCHAR(255) NOT NULL UNIQUE,
    description   TEXT,
    alert_pattern VARCHAR(255) NOT NULL,
    severity      VARCHAR(16) NOT NULL DEFAULT 'warning'
                  CHECK (severity IN ('info', 'warning', 'critical')),
    enabled       BOOLEAN NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE runbooks (
    id          INTEGER PRIMARY KEY,
    name        VARCHAR(255) NOT NULL,
    description TEXT,
    steps       JSON NOT NULL, -- JSON array of steps (SQLite stores it as text)
    created_at  TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE runbook_executions (
    id          INTEGER PRIMARY KEY,
    rule_id     INTEGER REFERENCES remediation_rules (id) ON DELETE SET NULL,
    runbook_id  INTEGER NOT NULL REFERENCES runbooks (id) ON DELETE CASCADE,
    status      VARCHAR(16) NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
    started_at  TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    output      TEXT,
    error       TEXT
);

CREATE INDEX idx_runbook_executions_status
    ON runbook_executions (status);

CREATE INDEX idx_runbook_executions_runbook_started
    ON runbook_executions (runbook_id, started_at);
