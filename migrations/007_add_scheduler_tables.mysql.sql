-- Scheduler: cron-style scheduled runbook jobs and the record of each run. (MySQL/MariaDB)
-- Legacy numbered migration, kept under its original name; no triggers, to stay portable.
-- MySQL/MariaDB variant of 007_add_scheduler_tables.sql: BIGINT AUTO_INCREMENT keys and BIGINT foreign keys,
-- VARCHAR for names, cron expressions and status, BOOLEAN, DATETIME(3), InnoDB. Foreign keys are table
-- constraints, since MySQL ignores a REFERENCES clause written on the column.
-- On MySQL each DDL statement commits on its own: strata runs this file statement by statement.

CREATE TABLE scheduled_jobs (
    id              BIGINT AUTO_INCREMENT PRIMARY KEY,
    name            VARCHAR(255) NOT NULL UNIQUE,
    cron_expression VARCHAR(255) NOT NULL,
    runbook_id      BIGINT NOT NULL,
    enabled         BOOLEAN NOT NULL DEFAULT FALSE CHECK (enabled IN (0, 1)),
    next_run_at     DATETIME(3),
    last_run_at     DATETIME(3),
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    FOREIGN KEY (runbook_id) REFERENCES runbooks (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE job_runs (
    id           BIGINT AUTO_INCREMENT PRIMARY KEY,
    job_id       BIGINT NOT NULL,
    execution_id BIGINT,
    started_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    status       VARCHAR(16) NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
    FOREIGN KEY (job_id) REFERENCES scheduled_jobs (id) ON DELETE CASCADE,
    FOREIGN KEY (execution_id) REFERENCES runbook_executions (id) ON DELETE SET NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE INDEX idx_scheduled_jobs_enabled_next_run
    ON scheduled_jobs (enabled, next_run_at);
