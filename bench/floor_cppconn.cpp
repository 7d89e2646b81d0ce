// The MariaDB floor's ledger query through MySQL Connector/C++ 1.1, the client library strata's
// MySQL driver is built on (DESIGN.md), rather than libmariadb's C API: the same connection and
// query, in a C++ process. bench/floor.c does the rest (the files); bench/check.sh runs it beside
// the floor, so that what the contract's client library costs by itself, in time and in memory,
// is measured apart from strata's own work.
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

// argv: <host> <port> <user> <database> <migrations dir>; the password in MYSQL_PWD.
extern "C" long read_ledger(char** argv) {
  try {
    sql::ConnectOptionsMap options;
    options["hostName"] = sql::SQLString(std::string("tcp://") + argv[1] + ":" + argv[2]);
    options["userName"] = sql::SQLString(argv[3]);
    const char* password = std::getenv("MYSQL_PWD");
    options["password"] = sql::SQLString(password ? password : "");
    options["schema"] = sql::SQLString(argv[4]);
    std::unique_ptr<sql::Connection> connection(sql::mysql::get_mysql_driver_instance()->connect(options));
    std::unique_ptr<sql::Statement> statement(connection->createStatement());
    std::unique_ptr<sql::ResultSet> rows(
        statement->executeQuery("SELECT installed_rank, version, checksum, success FROM strata_history"));
    long count = 0;
    while (rows->next()) ++count;
    return count;
  } catch (const sql::SQLException& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return -1;
  }
}
