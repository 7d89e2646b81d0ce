-- Repeatable: execution_summary view with execution counts per runbook and status.
-- Re-applied whenever this file changes; drops and recreates the view.

DROP VIEW IF EXISTS execution_summary;

CREATE VIEW execution_summary AS
SELECT
    rb.id                    AS runbook_id,
    rb.name                  AS runbook_name,
    e.status                 AS status,
    COUNT(e.id)              AS execution_count,
    COUNT(DISTINCT rr.id)    AS rule_count,
    MAX(e.started_at)        AS last_started_at
FROM runbook_executions e
JOIN runbooks rb ON rb.id = e.runbook_id
LEFT JOIN remediation_rules rr ON rr.id = e.rule_id
GROUP BY rb.id, rb.name, e.status;
