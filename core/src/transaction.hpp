// One transaction for the scope of a block (as soci::transaction): begun on construction,
// committed by commit(), rolled back on every other way out. Private to libstrata.
#pragma once

#include <strata/driver.hpp>

namespace strata::detail {

class Transaction {
 public:
  // `active` false: no transaction (a backend whose DDL is not transactional runs the work
  // statement by statement); commit() and rollback() then do nothing.
  explicit Transaction(Session& session, bool active = true) : session_(session), active_(active), open_(active) {
    if (open_) session_.begin();
  }
  ~Transaction() { rollback(); }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // Commits; a commit that throws leaves it open, and it is rolled back on the way out.
  void commit() {
    if (!open_) return;
    session_.commit();
    open_ = false;
  }
  // Begins the next one, after commit(), where this one was active.
  void begin() {
    if (!active_ || open_) return;
    session_.begin();
    open_ = true;
  }
  // Ends it without its changes, now: what a failure does before anything else (a server that
  // failed a statement accepts no other in the transaction). Never throws: a transaction whose
  // connection is gone is ended by the server.
  void rollback() noexcept {
    if (!open_) return;
    open_ = false;
    try {
      session_.rollback();
    } catch (...) {
    }
  }

 private:
  Session& session_;
  bool active_;
  bool open_;
};

}  // namespace strata::detail
