-- Seeds default remediation rules and a service-restart runbook. (MySQL/MariaDB)
-- Rules start disabled except the low-risk disk clean-up; operators opt in to the rest.
-- MySQL/MariaDB variant of V9__seed_default_rules.sql: boolean TRUE/FALSE flags; steps is a JSON column.
-- On MySQL strata runs this file statement by statement, each INSERT committing on its own.

INSERT INTO remediation_rules (name, description, alert_pattern, severity, enabled) VALUES
    ('disk_space_low',
     'Clears rotated logs and temp files when a volume passes 90%; pages on-call if it doesn''t drop.',
     'DiskSpaceLow*', 'warning', TRUE),
    ('service_down',
     'Restarts the failed service; escalates after three failed attempts.',
     'ServiceDown*', 'critical', FALSE),
    ('high_memory',
     'Recycles the worker pool when memory stays above 95% for 10 minutes.',
     'HighMemoryUsage*', 'warning', FALSE),
    ('cert_expiring',
     'Notifies only; certificates aren''t renewed automatically.',
     'CertificateExpiry*', 'info', FALSE);

INSERT INTO runbooks (name, description, steps, version) VALUES
    ('restart_service',
     'Restarts a systemd unit and checks it came back; the unit name comes from the alert''s labels.',
     '[{"name": "restart", "action": "shell", "command": "systemctl restart {{service}}; sleep 5"},
       {"name": "verify", "action": "shell", "command": "systemctl is-active --quiet {{service}}"},
       {"name": "escalate", "action": "notify", "channel": "on-call", "when": "previous_failed"}]',
     1);
