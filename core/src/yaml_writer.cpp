// Writing the model back as YAML: a declared schema (`strata schema --format yaml`) and a portable
// migration (`strata generate`). What is written reads back, through the readers of
// yaml_operations.cpp, to what was written: a string is always quoted (so '1' stays text), a
// column is one flow mapping per line as people write them.
#include "overloaded.hpp"

#include <strata/diff.hpp>

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <sstream>

namespace strata {
namespace {

using detail::overloaded;

const char* action_name(ops::Action a) {
  switch (a) {
    case ops::Action::no_action: return "no_action";
    case ops::Action::restrict: return "restrict";
    case ops::Action::cascade: return "cascade";
    case ops::Action::set_null: return "set_null";
    case ops::Action::set_default: return "set_default";
  }
  return "no_action";
}

void literal(YAML::Emitter& out, const ops::Literal& value) {
  std::visit(overloaded{[&](std::nullptr_t) { out << YAML::Null; }, [&](bool b) { out << (b ? "true" : "false"); },
                        [&](std::int64_t i) { out << i; },
                        [&](double d) {
                          std::ostringstream text;
                          text.precision(17);
                          text << d;
                          std::string s = text.str();
                          if (std::isfinite(d) && s.find_first_of(".eE") == std::string::npos) s += ".0";
                          out << s;
                        },
                        [&](const std::string& s) { out << YAML::DoubleQuoted << s; }},
             value);
}

void default_value(YAML::Emitter& out, const std::optional<ops::Default>& d) {
  if (!d) return;
  if (d->kind == ops::Default::Kind::current_timestamp) {
    out << YAML::Key << "default_expression" << YAML::Value << "current_timestamp";
  } else {
    out << YAML::Key << "default" << YAML::Value;
    literal(out, d->value);
  }
}

void names(YAML::Emitter& out, const char* key, const std::vector<std::string>& list) {
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& n : list) out << n;
  out << YAML::EndSeq;
}

// decimal(10,2) is quoted: in a flow mapping its comma would end the value.
void type(YAML::Emitter& out, const ColumnType& t) {
  std::string text = to_string(t);
  out << YAML::Key << "type" << YAML::Value;
  if (text.find(',') != std::string::npos)
    out << YAML::DoubleQuoted << text;
  else
    out << text;
}

void column(YAML::Emitter& out, const ops::Column& c, const std::string& renamed_from = {},
            const std::string& native = {}) {
  out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << c.name;
  if (native.empty())
    type(out, c.type);
  else
    out << YAML::Key << "native" << YAML::Value << YAML::DoubleQuoted << native;
  if (c.primary_key) out << YAML::Key << "primary_key" << YAML::Value << true;
  if (c.auto_increment) out << YAML::Key << "auto_increment" << YAML::Value << true;
  if (!c.nullable && !c.primary_key) out << YAML::Key << "nullable" << YAML::Value << false;
  default_value(out, c.default_value);
  if (c.unique) out << YAML::Key << "unique" << YAML::Value << true;
  if (!renamed_from.empty()) out << YAML::Key << "renamed_from" << YAML::Value << renamed_from;
  out << YAML::EndMap;
}

void foreign_key(YAML::Emitter& out, const ops::ForeignKey& k, bool fields_only = false) {
  if (!fields_only) out << YAML::Flow << YAML::BeginMap;
  if (!k.name.empty()) out << YAML::Key << "name" << YAML::Value << k.name;
  names(out, "columns", k.columns);
  out << YAML::Key << "references" << YAML::Value << k.references;
  names(out, "referenced_columns", k.referenced_columns);
  if (k.on_delete != ops::Action::no_action) out << YAML::Key << "on_delete" << YAML::Value << action_name(k.on_delete);
  if (k.on_update != ops::Action::no_action) out << YAML::Key << "on_update" << YAML::Value << action_name(k.on_update);
  if (!fields_only) out << YAML::EndMap;
}

void named_list(YAML::Emitter& out, const char* key, const std::vector<ops::UniqueConstraint>& list) {
  if (list.empty()) return;
  out << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const auto& u : list) {
    out << YAML::Flow << YAML::BeginMap;
    if (!u.name.empty()) out << YAML::Key << "name" << YAML::Value << u.name;
    names(out, "columns", u.columns);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void checks(YAML::Emitter& out, const std::vector<ops::CheckConstraint>& list) {
  if (list.empty()) return;
  out << YAML::Key << "checks" << YAML::Value << YAML::BeginSeq;
  for (const auto& c : list) {
    out << YAML::Flow << YAML::BeginMap;
    if (!c.name.empty()) out << YAML::Key << "name" << YAML::Value << c.name;
    out << YAML::Key << "expression" << YAML::Value << YAML::DoubleQuoted << c.expression << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void flag(YAML::Emitter& out, const char* key, bool on) {
  if (on) out << YAML::Key << key << YAML::Value << true;
}

// One operation as `- name: {fields}`, in the fields the reader takes.
void operation(YAML::Emitter& out, const ops::Operation& op) {
  out << YAML::BeginMap << YAML::Key << op.name() << YAML::Value << YAML::BeginMap;
  auto table = [&](const std::string& t) { out << YAML::Key << "table" << YAML::Value << t; };
  std::visit(overloaded{
                 [&](const ops::CreateTable& o) {
                   table(o.table);
                   out << YAML::Key << "columns" << YAML::Value << YAML::BeginSeq;
                   for (const auto& c : o.columns) column(out, c);
                   out << YAML::EndSeq;
                   if (!o.primary_key.empty()) names(out, "primary_key", o.primary_key);
                   named_list(out, "uniques", o.uniques);
                   checks(out, o.checks);
                   if (!o.foreign_keys.empty()) {
                     out << YAML::Key << "foreign_keys" << YAML::Value << YAML::BeginSeq;
                     for (const auto& k : o.foreign_keys) foreign_key(out, k);
                     out << YAML::EndSeq;
                   }
                   flag(out, "if_missing", o.if_missing);
                 },
                 [&](const ops::DropTable& o) {
                   table(o.table);
                   flag(out, "if_exists", o.if_exists);
                   flag(out, "require_empty", o.require_empty);
                 },
                 [&](const ops::RenameTable& o) {
                   table(o.table);
                   out << YAML::Key << "to" << YAML::Value << o.to;
                 },
                 [&](const ops::AddColumn& o) {
                   table(o.table);
                   out << YAML::Key << "column" << YAML::Value;
                   column(out, o.column);
                   flag(out, "if_missing", o.if_missing);
                 },
                 [&](const ops::DropColumn& o) {
                   table(o.table);
                   out << YAML::Key << "column" << YAML::Value << o.column;
                   flag(out, "if_exists", o.if_exists);
                   flag(out, "require_empty", o.require_empty);
                 },
                 [&](const ops::RenameColumn& o) {
                   table(o.table);
                   out << YAML::Key << "column" << YAML::Value << o.column << YAML::Key << "to" << YAML::Value << o.to;
                 },
                 [&](const ops::AlterColumn& o) {
                   table(o.table);
                   out << YAML::Key << "column" << YAML::Value << o.column;
                   if (o.type) type(out, *o.type);
                   if (o.nullable) out << YAML::Key << "nullable" << YAML::Value << *o.nullable;
                   if (o.default_value) {
                     if (*o.default_value)
                       default_value(out, *o.default_value);
                     else
                       flag(out, "drop_default", true);
                   }
                 },
                 [&](const ops::CreateIndex& o) {
                   table(o.table);
                   out << YAML::Key << "name" << YAML::Value << o.name;
                   names(out, "columns", o.columns);
                   flag(out, "unique", o.unique);
                   flag(out, "if_missing", o.if_missing);
                 },
                 [&](const ops::DropIndex& o) {
                   table(o.table);
                   out << YAML::Key << "name" << YAML::Value << o.name;
                   flag(out, "if_exists", o.if_exists);
                 },
                 [&](const ops::AddForeignKey& o) {
                   table(o.table);
                   foreign_key(out, o.key, true);
                   flag(out, "if_missing", o.if_missing);
                 },
                 [&](const ops::DropForeignKey& o) {
                   table(o.table);
                   out << YAML::Key << "name" << YAML::Value << o.name;
                   flag(out, "if_exists", o.if_exists);
                 },
                 [&](const ops::AddUnique& o) {
                   table(o.table);
                   out << YAML::Key << "name" << YAML::Value << o.constraint.name;
                   names(out, "columns", o.constraint.columns);
                   flag(out, "if_missing", o.if_missing);
                 },
                 [&](const ops::AddCheck& o) {
                   table(o.table);
                   out << YAML::Key << "name" << YAML::Value << o.constraint.name;
                   out << YAML::Key << "expression" << YAML::Value << YAML::DoubleQuoted << o.constraint.expression;
                   flag(out, "if_missing", o.if_missing);
                 },
                 [&](const ops::DropConstraint& o) {
                   table(o.table);
                   out << YAML::Key << "name" << YAML::Value << o.name;
                   flag(out, "if_exists", o.if_exists);
                 },
                 [&](const ops::InsertRows& o) {
                   table(o.table);
                   out << YAML::Key << "rows" << YAML::Value << YAML::BeginSeq;
                   for (const auto& row : o.rows) {
                     out << YAML::Flow << YAML::BeginMap;
                     for (std::size_t i = 0; i < o.columns.size() && i < row.size(); ++i) {
                       out << YAML::Key << o.columns[i] << YAML::Value;
                       literal(out, row[i]);
                     }
                     out << YAML::EndMap;
                   }
                   out << YAML::EndSeq;
                   if (!o.key.empty()) names(out, "key", o.key);
                 },
                 [&](const ops::Sql& o) {
                   for (const auto& [dialect, sql] : o.by_dialect)
                     out << YAML::Key << dialect << YAML::Value << YAML::Literal << sql;
                 },
                 [&](const ops::Backfill& o) {
                   table(o.table);
                   out << YAML::Key << "column" << YAML::Value << o.column << YAML::Key << "value" << YAML::Value;
                   literal(out, o.value);
                   if (o.batch_size != ops::Backfill{}.batch_size)
                     out << YAML::Key << "batch_size" << YAML::Value << o.batch_size;
                 },
             },
             op.change);
  out << YAML::EndMap << YAML::EndMap;
}

void operations(YAML::Emitter& out, const std::vector<ops::Operation>& list) {
  out << YAML::BeginSeq;
  for (const auto& op : list) operation(out, op);
  out << YAML::EndSeq;
}

std::string comments(const std::vector<std::string>& header) {
  std::string out;
  for (const auto& line : header) out += "# " + line + "\n";
  return out;
}

}  // namespace

std::string to_yaml(const DeclaredSchema& schema) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  if (!schema.unmanaged.empty()) names(out, "unmanaged", schema.unmanaged);
  out << YAML::Key << "tables" << YAML::Value << YAML::BeginSeq;
  for (const auto& t : schema.tables) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << t.name;
    if (!t.renamed_from.empty()) out << YAML::Key << "renamed_from" << YAML::Value << t.renamed_from;
    out << YAML::Key << "columns" << YAML::Value << YAML::BeginSeq;
    for (auto c : t.columns) {
      // A one-column key is written on its column, as people write it.
      c.primary_key = t.primary_key.size() == 1 && t.primary_key[0] == c.name;
      auto renamed = t.column_renamed_from.find(c.name);
      auto native = t.column_native.find(c.name);
      column(out, c, renamed == t.column_renamed_from.end() ? std::string() : renamed->second,
             native == t.column_native.end() ? std::string() : native->second);
    }
    out << YAML::EndSeq;
    if (t.primary_key.size() > 1) names(out, "primary_key", t.primary_key);
    named_list(out, "uniques", t.uniques);
    checks(out, t.checks);
    if (!t.foreign_keys.empty()) {
      out << YAML::Key << "foreign_keys" << YAML::Value << YAML::BeginSeq;
      for (const auto& k : t.foreign_keys) foreign_key(out, k);
      out << YAML::EndSeq;
    }
    if (!t.indexes.empty()) {
      out << YAML::Key << "indexes" << YAML::Value << YAML::BeginSeq;
      for (const auto& i : t.indexes) {
        out << YAML::Flow << YAML::BeginMap;
        if (!i.name.empty()) out << YAML::Key << "name" << YAML::Value << i.name;
        names(out, "columns", i.columns);
        flag(out, "unique", i.unique);
        out << YAML::EndMap;
      }
      out << YAML::EndSeq;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string to_yaml(const std::vector<ops::Operation>& up, const std::vector<ops::Operation>& down,
                    const std::vector<std::string>& header, const std::vector<std::string>& allow) {
  YAML::Emitter out;
  if (down.empty() && allow.empty()) {
    operations(out, up);
  } else {
    out << YAML::BeginMap;
    if (!allow.empty()) names(out, "allow", allow);
    out << YAML::Key << "up" << YAML::Value;
    operations(out, up);
    if (!down.empty()) {
      out << YAML::Key << "down" << YAML::Value;
      operations(out, down);
    }
    out << YAML::EndMap;
  }
  return comments(header) + out.c_str() + "\n";
}

}  // namespace strata
