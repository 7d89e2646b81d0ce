-- Reverts version 9 (V9__seed_default_rules.yaml): deletes the seeded remediation rules and the restart_service runbook.

-- V9 inserted no child rows. Child tables still reference these parents through foreign keys:
-- - runbook_executions, scheduled_jobs and job_runs rows that belong to restart_service are removed by ON DELETE CASCADE.
-- - runbook_executions.rule_id values that point at the deleted rules are set to NULL.
-- runbooks.name is not UNIQUE, so this DELETE also removes any other runbook named 'restart_service'.
DELETE FROM runbooks
WHERE name = 'restart_service';

DELETE FROM remediation_rules
WHERE name IN ('disk_space_low', 'service_down', 'high_memory', 'cert_expiring');
