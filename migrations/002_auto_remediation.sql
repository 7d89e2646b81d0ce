-- Auto-remediation core: remediation rules, runbooks and runbook executions.
-- Legacy numbered migration, kept under its original name.

CREATE TABLE remediation_rules (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    description   TEXT,
    alert_pattern TEXT NOT NULL,
    severity      TEXT NOT NULL DEFAULT 'warning'
                  CHECK (severity IN ('info', 'warning', 'critical')),
    enabled       INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    created_at    TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at    TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE runbooks (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT,
    steps       TEXT NOT NULL, -- JSON array of steps, stored as text
    created_at  TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE runbook_executions (
    id          INTEGER PRIMARY KEY,
    rule_id     INTEGER REFERENCES remediation_rules (id) ON DELETE SET NULL,
    runbook_id  INTEGER NOT NULL REFERENCES runbooks (id) ON DELETE CASCADE,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
    started_at  TEXT,
    finished_at TEXT,
    output      TEXT,
    error       TEXT
);

CREATE INDEX idx_runbook_executions_status
    ON runbook_executions (status);

CREATE INDEX idx_runbook_executions_runbook_started
    ON runbook_executions (runbook_id, started_at);
