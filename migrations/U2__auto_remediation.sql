-- Reverts version 2 (002_auto_remediation.sql): drops runbook_executions, runbooks and remediation_rules with their indexes.
-- The repeatable view execution_summary (R__execution_summary_view.sql) reads all three tables, so it is dropped first.
-- After rolling back to before version 2 the view is gone; the next migrate re-applies version 2 and then the
-- repeatable, since strata runs repeatables again after any rollback.

DROP VIEW IF EXISTS execution_summary;

-- Children before parents: runbook_executions references runbooks and remediation_rules.
-- Dropping the table also drops idx_runbook_executions_status and idx_runbook_executions_runbook_started.
DROP TABLE IF EXISTS runbook_executions;
DROP TABLE IF EXISTS runbooks;
DROP TABLE IF EXISTS remediation_rules;
