-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY i ON t (x);
-- +goose Down
DROP INDEX i;
