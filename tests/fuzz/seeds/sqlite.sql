CREATE TABLE [a b] (`c` INTEGER, "d" TEXT);
CREATE TRIGGER tr AFTER INSERT ON t BEGIN
  UPDATE t SET x = CASE WHEN new.x > 0 THEN 1 ELSE 0 END;
  SELECT RAISE(ABORT, 'no; never');
END;
-- a comment; with a semicolon
PRAGMA foreign_keys = OFF;
