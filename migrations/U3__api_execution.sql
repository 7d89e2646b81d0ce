-- Reverts version 3 (003_api_execution.sql): drops api_executions and api_credentials with their index.

-- Children before parents: api_executions references api_credentials.
-- Dropping the table also drops idx_api_executions_execution_id.
DROP TABLE IF EXISTS api_executions;
DROP TABLE IF EXISTS api_credentials;
