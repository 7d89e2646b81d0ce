CREATE FUNCTION f() RETURNS trigger AS $body$ BEGIN RETURN NEW; END; $body$ LANGUAGE plpgsql;
CREATE FUNCTION g(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + 1; END;
/* nested /* comment */ ; */
SELECT E'it\'s', 'a''b', "we""ird", $1, a$b;
COPY t (a, b) FROM STDIN;
