-- Auto-remediation core: remediation rules, runbooks and runbook executions. (MySQL/MariaDB)
-- Legacy numbered migration, kept under its original name.
-- MySQL/MariaDB variant of 002_auto_remediation.sql: BIGINT AUTO_INCREMENT keys, VARCHAR for indexed or
-- defaulted text, BOOLEAN, DATETIME(3) and JSON, InnoDB. Foreign keys are table constraints, since MySQL
-- ignores a REFERENCES clause written on the column.
-- On MySQL each DDL statement commits on its own: strata runs this file statement by statement.

CREATE TABLE remediation_rules (
    id            BIGINT AUTO_INCREMENT PRIMARY KEY,
    name          VARCHAR(255) NOT NULL UNIQUE,
    description   TEXT,
    alert_pattern VARCHAR(255) NOT NULL,
    severity      VARCHAR(16) NOT NULL DEFAULT 'warning'
                  CHECK (severity IN ('info', 'warning', 'critical')),
    enabled       BOOLEAN NOT NULL DEFAULT FALSE CHECK (enabled IN (0, 1)),
    created_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE runbooks (
    id          BIGINT AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(255) NOT NULL,
    description TEXT,
    steps       JSON NOT NULL, -- JSON array of steps
    created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE runbook_executions (
    id          BIGINT AUTO_INCREMENT PRIMARY KEY,
    rule_id     BIGINT,
    runbook_id  BIGINT NOT NULL,
    status      VARCHAR(16) NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
    started_at  DATETIME(3),
    finished_at DATETIME(3),
    output      LONGTEXT,
    error       LONGTEXT,
    FOREIGN KEY (rule_id) REFERENCES remediation_rules (id) ON DELETE SET NULL,
    FOREIGN KEY (runbook_id) REFERENCES runbooks (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE INDEX idx_runbook_executions_status
    ON runbook_executions (status);

CREATE INDEX idx_runbook_executions_runbook_started
    ON runbook_executions (runbook_id, started_at);
