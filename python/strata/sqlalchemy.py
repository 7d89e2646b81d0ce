"""SQLAlchemy models as strata's declared schema, and the next migration written from them.

    import strata.sqlalchemy
    from app.models import Base

    strata.sqlalchemy.schema(Base.metadata)       # the declared schema, as a dict
    strata.sqlalchemy.to_yaml(Base.metadata)      # ... as schema.yaml's text
    strata.autogenerate(Base.metadata, "add runbook version", dir="migrations")

or, without importing strata in the application, ``python3 -m strata.sqlalchemy app.models:Base``
writes ``schema.yaml`` for ``strata diff`` and ``strata generate``.

What reaches the database is what is declared: ``server_default`` (a Python-side ``default=``
never does), nullability, primary keys, unique keys, indexes, foreign keys with their actions,
checks. A type with no portable equivalent (Enum, ARRAY, JSONB, Interval, a dialect's own type,
a TypeDecorator whose impl has none) is refused, naming the column and the type, unless
``types=`` maps it: ``{"runbook_executions.status": "string(16)", Enum: "string(32)"}`` (a
"table.column" or a type class, to a portable type as schema.yaml writes it).

Works with SQLAlchemy 1.4 and 2.0.
"""

from __future__ import annotations

import decimal
import json
import os
import re
import sys
import tempfile

import sqlalchemy
from sqlalchemy import types as sqltypes
from sqlalchemy.sql import elements as sqlelements
from sqlalchemy.sql import functions as sqlfunctions

import strata

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Mapping, Optional, Union

__all__ = ["schema", "to_yaml", "autogenerate", "UnmappedType"]


class UnmappedType(strata.UsageError):
    """A column whose type strata has no portable type for, and no hint maps (exit code 2)."""

    def __init__(self, message: str):
        super().__init__({"error": {"description": message, "message": message, "exit_code": 2}})


# The portable type of each SQLAlchemy type, looked up along the type's class hierarchy (most
# derived first). Refused first: types that derive from a mapped one but mean something else.
_REFUSED = (sqltypes.Enum, sqltypes.ARRAY, sqltypes.Interval, sqltypes.PickleType)
# The rest, most derived first: the first class a type is an instance of gives its portable type.
_PORTABLE = (
    (sqltypes.Boolean, lambda t: "boolean"),
    (sqltypes.SmallInteger, lambda t: "smallint"),
    (sqltypes.BigInteger, lambda t: "bigint"),
    (sqltypes.Integer, lambda t: "integer"),
    (sqltypes.Float, lambda t: "real" if isinstance(t, sqltypes.REAL) or (t.precision or 53) <= 24 else "double"),
    (sqltypes.Numeric, lambda t: f"decimal({t.precision},{t.scale or 0})"),
    (sqltypes.Text, lambda t: "text"),
    (sqltypes.String, lambda t: f"string({t.length})" if t.length else "text"),
    (sqltypes.DateTime, lambda t: "timestamptz" if t.timezone else "timestamp"),
    (sqltypes.Date, lambda t: "date"),
    (sqltypes.Time, lambda t: "time"),
    (sqltypes.JSON, lambda t: "json"),
    (sqltypes._Binary, lambda t: "binary"),  # LargeBinary, BINARY, VARBINARY
)


def _portable(column: Any, hints: Mapping[Any, str]) -> str:
    where = f"{column.table.name}.{column.name}"
    if where in hints:
        return hints[where]
    t = column.type
    for _ in range(8):  # a TypeDecorator (or a variant) stands for its impl
        for cls in type(t).__mro__:
            if cls in hints:
                return hints[cls]
        if isinstance(t, sqltypes.TypeDecorator) and not isinstance(t, _REFUSED):
            t = t.impl if isinstance(t.impl, sqltypes.TypeEngine) else t.impl()
            continue
        if type(t).__name__ == "Variant" and hasattr(t, "impl"):  # SQLAlchemy 1.4's with_variant
            t = t.impl
            continue
        break
    refused = isinstance(t, _REFUSED) or type(t).__module__.startswith("sqlalchemy.dialects")
    if not refused:
        for cls, portable in _PORTABLE:
            if isinstance(t, cls):
                if cls is sqltypes.Numeric and t.precision is None:
                    raise UnmappedType(f"{where}: Numeric without a precision; strata's decimal needs one: "
                                       f"Numeric(10, 2), or map it with types=")
                return portable(t)
        if type(t).__name__ in ("Uuid", "UUID") and type(t).__module__.startswith("sqlalchemy.sql"):
            return "uuid"
    raise UnmappedType(
        f"{where}: {type(column.type).__name__} has no portable type in strata; map it with "
        f"types={{{where!r}: 'string(32)'}} (a portable type: boolean, smallint, integer, bigint, real, double, "
        f"decimal(p,s), string(n), text, binary, date, time, timestamp, timestamptz, uuid, json), or change the column")


_INTEGERS = ("smallint", "integer", "bigint")


def _default(column: Any, portable: str) -> Dict[str, Any]:
    """The column's server_default as schema.yaml's default or default_expression: a value typed
    as the column is (a number for a number, exactly for a decimal; a boolean), the text of a
    text column as written."""
    server = column.server_default
    if server is None:
        return {}
    arg = getattr(server, "arg", None)
    where = f"{column.table.name}.{column.name}"
    if isinstance(arg, (sqlelements.True_, sqlelements.False_)):  # sa.true(), sa.false()
        return {"default": isinstance(arg, sqlelements.True_)}
    if isinstance(arg, sqlfunctions.FunctionElement) and arg.name.lower() in ("now", "current_timestamp",
                                                                                "localtimestamp"):
        return {"default_expression": "current_timestamp"}
    if isinstance(arg, str):
        value = arg
    elif isinstance(getattr(arg, "text", None), str):  # text("...")
        text = arg.text.strip()
        literal = re.fullmatch(r"'((?:[^']|'')*)'", text)
        if text.lower() in ("current_timestamp", "now()", "current_timestamp()"):
            return {"default_expression": "current_timestamp"}
        if literal:
            value = literal.group(1).replace("''", "'")
        elif re.fullmatch(r"-?\d+(\.\d+)?|true|false", text, re.IGNORECASE):
            value = text
        else:
            raise UnmappedType(f"{where}: server_default {text!r} is an expression strata has no portable form "
                               f"for (it writes current_timestamp and literal values)")
    else:
        raise UnmappedType(f"{where}: server_default {arg!r} has no portable form in strata "
                           f"(it writes current_timestamp and literal values)")
    number = value.strip()
    if portable == "boolean" and number.lower() in ("true", "false", "1", "0"):
        return {"default": number.lower() in ("true", "1")}
    if portable in _INTEGERS and re.fullmatch(r"-?\d+", number):
        return {"default": int(number)}
    if (portable in ("real", "double") or portable.startswith("decimal")) and re.fullmatch(r"-?\d+(\.\d+)?", number):
        return {"default": decimal.Decimal(number)}  # written as it reads: no float rounding
    return {"default": value}


def _action(value: Optional[str]) -> Optional[str]:
    return value.strip().lower().replace(" ", "_") if value else None


def _name(item: Any) -> Optional[str]:
    name = getattr(item, "name", None)
    return str(name) if name else None


def _plain_columns(table: Any, columns: Any, what: str) -> List[str]:
    names = []
    for c in columns:
        if not isinstance(c, sqlalchemy.Column):
            raise UnmappedType(f"{table.name}: {what} over an expression ({c}); strata declares keys over columns")
        names.append(c.name)
    return names


def schema(metadata: Any, *, types: Optional[Mapping[Any, str]] = None,
           backfill: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """The declared schema of ``metadata`` (a ``MetaData``, or a declarative base), as the dict
    schema.yaml holds: ``{"tables": [...]}`` in dependency order. ``types`` maps a type class or
    "table.column" to a portable type; ``backfill`` maps "table.column" to the value rows that
    exist get before a NOT NULL column added to their table becomes NOT NULL. Raises
    UnmappedType naming the column."""
    metadata = getattr(metadata, "metadata", metadata)
    hints: Dict[Any, str] = dict(types or {})
    backfills = dict(backfill or {})
    tables = []
    for table in metadata.sorted_tables:
        if table.schema:
            raise UnmappedType(f"{table.schema}.{table.name}: a table in another schema; strata migrates one "
                               f"schema, named by the URL (?schema=)")
        pk = [c.name for c in table.primary_key.columns]
        serial = getattr(table, "autoincrement_column", None) or getattr(table, "_autoincrement_column", None)
        columns = []
        for column in table.columns:
            portable = _portable(column, hints)
            out: Dict[str, Any] = {"name": column.name, "type": portable}
            if len(pk) == 1 and column.name == pk[0]:
                out["primary_key"] = True
                if column is serial:
                    out["auto_increment"] = True
            elif not column.nullable:
                out["nullable"] = False
            out.update(_default(column, portable))
            key = f"{table.name}.{column.name}"
            if key in backfills:
                out["backfill"] = backfills.pop(key)
            columns.append(out)
        entry: Dict[str, Any] = {"name": table.name, "columns": columns}
        if len(pk) > 1:
            entry["primary_key"] = pk
        uniques, checks, foreign_keys = [], [], []
        for constraint in sorted(table.constraints, key=lambda c: (type(c).__name__, _name(c) or "",
                                                                   [col.name for col in getattr(c, "columns", [])])):
            if isinstance(constraint, sqlalchemy.UniqueConstraint):
                u: Dict[str, Any] = {"columns": _plain_columns(table, constraint.columns, "a unique key")}
                if _name(constraint):
                    u = {"name": _name(constraint), **u}
                uniques.append(u)
            elif isinstance(constraint, sqlalchemy.CheckConstraint):
                if getattr(constraint, "_type_bound", False):
                    continue  # made by a Boolean or Enum type itself, not declared
                expression = constraint.sqltext.compile(compile_kwargs={"literal_binds": True, "include_table": False})
                c: Dict[str, Any] = {"expression": str(expression)}
                if _name(constraint):
                    c = {"name": _name(constraint), **c}
                checks.append(c)
            elif isinstance(constraint, sqlalchemy.ForeignKeyConstraint):
                fk: Dict[str, Any] = {
                    "columns": [c.name for c in constraint.columns],
                    "references": constraint.referred_table.name,
                    "referenced_columns": [e.column.name for e in constraint.elements],
                }
                if _name(constraint):
                    fk = {"name": _name(constraint), **fk}
                for clause, value in (("on_delete", constraint.ondelete), ("on_update", constraint.onupdate)):
                    if _action(value):
                        fk[clause] = _action(value)
                foreign_keys.append(fk)
        if uniques:
            entry["uniques"] = uniques
        if checks:
            entry["checks"] = checks
        if foreign_keys:
            entry["foreign_keys"] = foreign_keys
        indexes = []
        for index in sorted(table.indexes, key=lambda i: _name(i) or ""):
            ix: Dict[str, Any] = {"columns": _plain_columns(table, index.expressions, "an index")}
            if _name(index):
                ix = {"name": _name(index), **ix}
            if index.unique:
                ix["unique"] = True
            indexes.append(ix)
        if indexes:
            entry["indexes"] = indexes
        tables.append(entry)
    if backfills:
        raise UnmappedType(f"backfill names {', '.join(sorted(backfills))}: no such column in the models")
    return {"tables": tables}


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\([0-9, ]*\))?\Z")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, decimal.Decimal)):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and "," not in text and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)  # a double-quoted YAML scalar (no \\u escapes: yaml-cpp refuses surrogates)


def _flow(item: Any) -> str:
    if isinstance(item, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in item.items()) + "}"
    if isinstance(item, list):
        return "[" + ", ".join(_flow(v) for v in item) + "]"
    return _scalar(item)


def to_yaml(metadata_or_schema: Any, **options: Any) -> str:
    """schema.yaml's text for ``metadata`` (or for a dict ``schema()`` returned): one table per
    block, one column per line."""
    declared = metadata_or_schema if isinstance(metadata_or_schema, dict) else schema(metadata_or_schema, **options)
    lines = ["# Written by strata.sqlalchemy from the SQLAlchemy models: edit the models, not this file.",
             "tables:"]
    for table in declared["tables"]:
        lines.append(f"  - name: {_scalar(table['name'])}")
        lines.append("    columns:")
        lines += [f"      - {_flow(c)}" for c in table["columns"]]
        for key in ("primary_key", "uniques", "checks", "foreign_keys", "indexes"):
            if key in table:
                if isinstance(table[key], list) and table[key] and isinstance(table[key][0], dict):
                    lines.append(f"    {key}:")
                    lines += [f"      - {_flow(v)}" for v in table[key]]
                else:
                    lines.append(f"    {key}: {_flow(table[key])}")
    return "\n".join(lines) + "\n"


def _in_sqlalchemy_terms(error: strata.ValidationFailed) -> strata.ValidationFailed:
    """A lint refusal of a NOT NULL column without a default, said as the models would fix it;
    the error's document (and strata's own words, below) unchanged."""
    lines = []
    for problem in error.problems:
        # Without data: "add_column t.c: <why>; <remedy>"; asked of a database: "adds NOT NULL
        # column t.c without a default: it fails on t, which holds N rows; <remedy>".
        found = re.match(r"not-null-no-default: (?:add_column (\S+):|adds NOT NULL column (\S+) without a default:) (.*)",
                         problem.get("message", ""))
        if found:
            column = found.group(1) or found.group(2)
            data = found.group(3).split(";")[0]
            lines.append(f"{column}: NOT NULL with no server_default, added to a table that exists ({data}). Give it "
                         f"server_default=... in the model (a Python-side default= never reaches the database), or "
                         f"fill the rows first: strata.autogenerate(..., backfill={{{column!r}: <value>}})")
    if not lines:
        return error
    refusal = strata.ValidationFailed(error.document)
    refusal.args = ("\n".join(lines + ["strata: " + str(error)]),)
    return refusal


def autogenerate(metadata: Any, description: str, *, dir: str = "migrations", url: Optional[str] = None,
                 types: Optional[Mapping[Any, str]] = None, backfill: Optional[Mapping[str, Any]] = None,
                 allow: Optional[List[str]] = None, schema_file: Optional[str] = None,
                 **options: Any) -> Optional[str]:
    """Writes the next migration of ``dir`` (``V<n>__<description>.yaml``), the portable operations
    that make the models' schema, compared with the migrations folded (or, with ``url``, with that
    database, whose data lint then asks); returns its path, or None when nothing differs.

    Raises ValidationFailed, writing nothing, when lint refuses: a NOT NULL column added to a
    table that exists with neither a server_default nor a ``backfill`` value (with ``url``: a
    table that holds rows), a dropped table or column, a narrowing type (``allow`` takes codes),
    or when a change may be a rename. ``schema_file`` also keeps the schema.yaml written."""
    declared = schema(metadata, types=types, backfill=backfill)
    text = to_yaml(declared)
    if schema_file:
        with open(schema_file, "w", encoding="utf-8") as f:
            f.write(text)
        path = schema_file
    else:
        handle, path = tempfile.mkstemp(prefix="strata-sqlalchemy-", suffix=".yaml")
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(text)
    try:
        report = strata.generate(description, source=url or "migrations", to=path, dir=dir, allow=allow, url=url,
                                 **options)
    except strata.ValidationFailed as e:
        raise _in_sqlalchemy_terms(e) from None
    finally:
        if not schema_file:
            os.unlink(path)
    if report.created:  # the header names what generate read: the models, and the directory as the project does
        with open(report.created, encoding="utf-8") as f:
            header, _, body = f.read().partition("\nup:\n")
        if not schema_file:
            header = header.replace(path, "the SQLAlchemy models", 1)
        if os.path.isabs(dir):
            relative = os.path.relpath(dir)
            header = header.replace(dir, os.path.basename(dir) if relative.startswith("..") else relative, 1)
        with open(report.created, "w", encoding="utf-8") as f:
            f.write(header + "\nup:\n" + body)
    return report.created


def _main(argv: List[str]) -> int:
    import argparse
    import importlib

    parser = argparse.ArgumentParser(prog="python3 -m strata.sqlalchemy",
                                     description="Write schema.yaml from SQLAlchemy models.")
    parser.add_argument("models", help="module:attribute, a declarative base or a MetaData (e.g. app.models:Base)")
    parser.add_argument("-o", "--output", default="schema.yaml", help="the file to write (- for stdout)")
    args = parser.parse_args(argv)
    module_name, _, attribute = args.models.partition(":")
    if not attribute:
        parser.error("name the models as module:attribute, e.g. app.models:Base")
    sys.path.insert(0, os.getcwd())
    try:
        target = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as e:
        print(f"strata.sqlalchemy: cannot load {args.models}: {e}", file=sys.stderr)
        return 2
    try:
        declared = schema(target)
    except UnmappedType as e:
        print(f"strata.sqlalchemy: error: {e}", file=sys.stderr)
        return 2
    text = to_yaml(declared)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
        count = len(declared["tables"])
        print(f"wrote {args.output} ({count} table{'' if count == 1 else 's'})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
