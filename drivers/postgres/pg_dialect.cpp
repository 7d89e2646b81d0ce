#include "pg_dialect.hpp"

#include <algorithm>

namespace strata::postgres {
namespace {

bool starts(const std::vector<std::string>& words, std::initializer_list<std::string_view> prefix) {
  if (words.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), words.begin());
}

bool contains_word(const std::vector<std::string>& words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

}  // namespace

std::string PgDialect::quote_identifier(std::string_view identifier) const {
  return quote_identifier_with(identifier, '"');
}

std::string PgDialect::type_sql(const ColumnType& type) const {
  switch (type.type) {
    case PortableType::boolean: return "boolean";
    case PortableType::smallint: return "smallint";
    case PortableType::integer: return "integer";
    case PortableType::bigint: return "bigint";
    case PortableType::real: return "real";
    case PortableType::double_precision: return "double precision";
    case PortableType::decimal:
      return "numeric(" + std::to_string(type.precision) + ", " + std::to_string(type.scale) + ")";
    case PortableType::string: return type.length > 0 ? "varchar(" + std::to_string(type.length) + ")" : "text";
    case PortableType::text: return "text";
    case PortableType::binary: return "bytea";
    case PortableType::date: return "date";
    case PortableType::time: return "time";
    case PortableType::timestamp: return "timestamp";
    case PortableType::timestamptz: return "timestamptz";
    case PortableType::uuid: return "uuid";
    case PortableType::json: return "jsonb";
  }
  return "text";
}

std::vector<Statement> PgDialect::split(std::string_view script) const {
  SplitRules rules;
  rules.dollar_quotes = true;
  rules.nested_block_comments = true;
  rules.escape_strings = true;
  rules.atomic_bodies = true;
  return split_script(script, rules);
}

std::optional<StatementRefusal> PgDialect::refusal(const Statement& statement) const {
  auto words = statement_keywords(statement.text, 12);
  if (words.empty()) return std::nullopt;
  const std::string& first = words.front();
  static constexpr std::string_view control[] = {"BEGIN", "START",    "COMMIT",    "END",
                                                 "ABORT", "ROLLBACK", "SAVEPOINT", "RELEASE"};
  if (std::find(std::begin(control), std::end(control), first) != std::end(control) ||
      starts(words, {"PREPARE", "TRANSACTION"}))
    return StatementRefusal::transaction_control(first);
  // DISCARD ALL also runs pg_advisory_unlock_all() and DEALLOCATE ALL: strata's migration lock,
  // an advisory lock of this session, would be gone while the migration runs.
  if (starts(words, {"DISCARD", "ALL"}))
    return StatementRefusal{
        "DISCARD ALL would release strata's migration lock (an advisory lock of this session) while the "
        "migration runs; discard only what you need: DISCARD PLANS, DISCARD SEQUENCES or DISCARD TEMP",
        false};
  if (first == "DEALLOCATE" && contains_word(words, "ALL"))
    return StatementRefusal{
        "DEALLOCATE ALL would remove the statements strata prepared in this session to record the migration; "
        "deallocate yours by name",
        false};
  if (first == "COPY" && (contains_word(words, "STDIN") || contains_word(words, "STDOUT")))
    return StatementRefusal{
        "COPY ... FROM stdin needs data that psql would stream and strata cannot; load the rows "
        "with INSERT, or COPY from a file on the server",
        false};
  // CONCURRENTLY matters to these four only; REFRESH ... CONCURRENTLY may run in a transaction.
  bool concurrently = contains_word(words, "CONCURRENTLY") &&
                      (starts(words, {"CREATE"}) || starts(words, {"DROP", "INDEX"}) || starts(words, {"REINDEX"}) ||
                       (starts(words, {"ALTER", "TABLE"}) && contains_word(words, "DETACH")));
  bool reindex_many = first == "REINDEX" && (contains_word(words, "SCHEMA") || contains_word(words, "DATABASE") ||
                                             contains_word(words, "SYSTEM"));
  bool outside_only = concurrently || reindex_many || first == "VACUUM" || starts(words, {"CREATE", "DATABASE"}) ||
                      starts(words, {"DROP", "DATABASE"}) || starts(words, {"CREATE", "TABLESPACE"}) ||
                      starts(words, {"DROP", "TABLESPACE"}) || starts(words, {"ALTER", "SYSTEM"}) ||
                      starts(words, {"CREATE", "SUBSCRIPTION"}) || starts(words, {"DROP", "SUBSCRIPTION"}) ||
                      (first == "CLUSTER" && words.size() == 1);
  if (outside_only) {
    // "CREATE UNIQUE INDEX CONCURRENTLY", "VACUUM", "CREATE DATABASE"
    std::size_t shown =
        concurrently
            ? static_cast<std::size_t>(std::find(words.begin(), words.end(), "CONCURRENTLY") - words.begin()) + 1
        : reindex_many ? 2
                       : std::min<std::size_t>(words.size(), first == "VACUUM" || first == "CLUSTER" ? 1 : 2);
    std::string what;
    for (std::size_t i = 0; i < shown; ++i) what += (i ? " " : "") + words[i];
    return StatementRefusal::outside_transaction(what);
  }
  return std::nullopt;
}

}  // namespace strata::postgres
