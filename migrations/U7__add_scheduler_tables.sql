-- Reverts version 7 (007_add_scheduler_tables.yaml): drops job_runs and scheduled_jobs with their index.

-- Children before parents: job_runs references scheduled_jobs.
-- Dropping scheduled_jobs also drops idx_scheduled_jobs_enabled_next_run.
DROP TABLE IF EXISTS job_runs;
DROP TABLE IF EXISTS scheduled_jobs;
