-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;
-- +goose StatementEnd
CREATE TABLE t (id int);

-- +goose Down
DROP TABLE t;
DROP FUNCTION f;
