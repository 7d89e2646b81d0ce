-- The column whose absence used to crash the service at start-up.
ALTER TABLE incidents ADD COLUMN runbook_version INTEGER NOT NULL DEFAULT 1;
