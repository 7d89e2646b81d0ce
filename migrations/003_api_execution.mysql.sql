-- API execution records: stored API credentials and every HTTP call a runbook step makes. (MySQL/MariaDB)
-- Legacy numbered migration, kept under its original name.
-- MySQL/MariaDB variant of 003_api_execution.sql: BIGINT AUTO_INCREMENT keys and BIGINT foreign keys,
-- VARCHAR for names, urls and methods, DATETIME(3), InnoDB. Foreign keys are table constraints, since MySQL
-- ignores a REFERENCES clause written on the column.
-- On MySQL each DDL statement commits on its own: strata runs this file statement by statement.

CREATE TABLE api_credentials (
    id         BIGINT AUTO_INCREMENT PRIMARY KEY,
    name       VARCHAR(255) NOT NULL UNIQUE,
    base_url   VARCHAR(2048) NOT NULL,
    auth_type  VARCHAR(16) NOT NULL DEFAULT 'none'
               CHECK (auth_type IN ('none', 'basic', 'bearer', 'api_key')),
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE api_executions (
    id              BIGINT AUTO_INCREMENT PRIMARY KEY,
    execution_id    BIGINT NOT NULL,
    credential_id   BIGINT,
    method          VARCHAR(16) NOT NULL,
    url             VARCHAR(2048) NOT NULL,
    request_body    LONGTEXT,
    response_status INTEGER,
    response_body   LONGTEXT,
    duration_ms     INTEGER,
    executed_at     DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    FOREIGN KEY (execution_id) REFERENCES runbook_executions (id) ON DELETE CASCADE,
    FOREIGN KEY (credential_id) REFERENCES api_credentials (id) ON DELETE SET NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE INDEX idx_api_executions_execution_id
    ON api_executions (execution_id);
