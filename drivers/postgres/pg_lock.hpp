// The PostgreSQL migration lock: a session advisory lock, taken by polling
// pg_try_advisory_lock so that a waiter holds no snapshot, on the key made of the first 8 bytes
// (big-endian, signed) of SHA-256("strata\0" + schema + "\0" + ledger table). The server
// releases it when the session ends; client_connection_check_interval (set at connect) ends a
// killed client's session promptly.
#pragma once

#include "pg_connection.hpp"

#include <cstdint>

namespace strata::postgres {

std::int64_t advisory_key(std::string_view schema, std::string_view ledger_table);

class AdvisoryLock final : public MigrationLock {
 public:
  AdvisoryLock(PgConnection& connection, std::int64_t key, std::string description);
  bool try_acquire() override;
  void release() override;
  std::string holder() override;
  std::string describe() const override { return description_; }

 private:
  PgConnection& connection_;
  std::int64_t key_;
  std::string description_;
  bool held_ = false;
};

}  // namespace strata::postgres
