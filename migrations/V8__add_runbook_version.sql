-- Adds runbook versioning: the app began requiring runbook_executions.runbook_version,
-- and instances crashed at start-up wherever this SQL had not been run by hand.

ALTER TABLE runbook_executions ADD COLUMN runbook_version INTEGER NOT NULL DEFAULT 1;

ALTER TABLE runbooks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
