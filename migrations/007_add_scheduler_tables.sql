-- Scheduler: cron-style scheduled runbook jobs and the record of each run.
-- Legacy numbered migration, kept under its original name; no triggers, to stay portable.

CREATE TABLE scheduled_jobs (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    cron_expression TEXT NOT NULL,
    runbook_id      INTEGER NOT NULL REFERENCES runbooks (id) ON DELETE CASCADE,
    enabled         INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    next_run_at     TEXT,
    last_run_at     TEXT,
    created_at      TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE job_runs (
    id           INTEGER PRIMARY KEY,
    job_id       INTEGER NOT NULL REFERENCES scheduled_jobs (id) ON DELETE CASCADE,
    execution_id INTEGER REFERENCES runbook_executions (id) ON DELETE SET NULL,
    started_at   TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled'))
);

CREATE INDEX idx_scheduled_jobs_enabled_next_run
    ON scheduled_jobs (enabled, next_run_at);
