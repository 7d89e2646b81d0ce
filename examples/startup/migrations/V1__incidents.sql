-- The incidents the service tracks.
CREATE TABLE incidents (id INTEGER PRIMARY KEY, title VARCHAR(200) NOT NULL, opened_at TIMESTAMP NOT NULL);
