DELIMITER $$
CREATE PROCEDURE p()
BEGIN
  DECLARE i INT DEFAULT 0;
  l: LOOP
    IF i > 3 THEN LEAVE l; END IF;
    SET i = i + 1;
  END LOOP l;
END$$
DELIMITER ;
CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.a = IF(NEW.a IS NULL, 0, NEW.a);
/*!40101 SET NAMES utf8 */;
# a hash comment; with a semicolon
SELECT 'it''s', "q\"uote", `back``tick`;
