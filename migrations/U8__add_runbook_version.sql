-- Reverts version 8 (V8__add_runbook_version.sql): drops runbooks.version and runbook_executions.runbook_version.

-- Neither column is indexed, part of a key or UNIQUE, and the execution_summary view reads neither,
-- so a plain DROP COLUMN works (SQLite 3.35 or later). The columns are dropped in reverse order of V8.
ALTER TABLE runbooks DROP COLUMN version;

ALTER TABLE runbook_executions DROP COLUMN runbook_version;
