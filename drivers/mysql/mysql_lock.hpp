// The MySQL/MariaDB migration lock: GET_LOCK(name, 0), polled by the core, on a connection of
// its own (a connection that runs DDL must not be the one whose loss releases the lock
// mid-statement). The name is `strata:<db>.<ledger>` when that fits in 64 characters, else
// `strata:` and 40 hex characters of its SHA-256. The server releases it when the connection ends.
#pragma once

#include "mysql_connection.hpp"

namespace strata::mysql {

std::string lock_name(std::string_view database, std::string_view ledger_table);

class NamedLock final : public MigrationLock {
 public:
  NamedLock(std::unique_ptr<sql::Connection> connection, std::string name);
  bool try_acquire() override;
  void release() override;
  std::string holder() override;
  std::string describe() const override { return "GET_LOCK('" + name_ + "')"; }

 private:
  std::unique_ptr<sql::Connection> connection_;
  std::string name_;
  bool held_ = false;
};

}  // namespace strata::mysql
