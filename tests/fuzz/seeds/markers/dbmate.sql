-- migrate:up transaction:false
CREATE TABLE users (id integer);

-- migrate:down
DROP TABLE users;
