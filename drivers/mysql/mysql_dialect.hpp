// MySQL's and MariaDB's dialect: backtick identifiers, ? parameters, their types, and the
// script rules of the mysql client: DELIMITER, # and "-- " comments, /*! */ version comments,
// backslash escapes.
#pragma once

#include <strata/plugin/sdk.hpp>

namespace strata::mysql {

class MysqlDialect final : public Dialect {
 public:
  explicit MysqlDialect(bool mariadb = false) : mariadb_(mariadb) {}
  std::string_view name() const override { return "mysql"; }
  std::vector<std::string> suffixes() const override;
  std::string quote_identifier(std::string_view identifier) const override;
  std::string placeholder(int) const override { return "?"; }
  std::string type_sql(const ColumnType& type) const override;
  std::vector<Statement> split(std::string_view script) const override;
  std::optional<StatementRefusal> refusal(const Statement& statement) const override;
  // UTC_TIMESTAMP, not UNIX_TIMESTAMP(NOW()): independent of the session's time zone, so never
  // an hour off when daylight saving time ends.
  std::string server_clock_ms() const override {
    return "TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(3)) DIV 1000";
  }

 private:
  bool mariadb_;
};

}  // namespace strata::mysql
