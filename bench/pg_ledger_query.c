/* The floor of an up-to-date check on PostgreSQL: connect with libpq, read the ledger, exit. */
#include <libpq-fe.h>
#include <stdio.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  PGconn* conn = PQconnectdb(argv[1]);
  if (PQstatus(conn) != CONNECTION_OK) {
    fprintf(stderr, "%s", PQerrorMessage(conn));
    return 1;
  }
  PGresult* result = PQexec(conn, "SELECT installed_rank, version, checksum, success FROM strata_history");
  int ok = PQresultStatus(result) == PGRES_TUPLES_OK;
  PQclear(result);
  PQfinish(conn);
  return ok ? 0 : 1;
}
