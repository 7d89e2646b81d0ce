#!/usr/bin/env python3
"""An Alembic project running the same SQL as a directory of strata migrations.

    bench/alembic-project.py <strata migrations dir> <project dir> <SQLAlchemy URL>

Writes <project dir>/alembic.ini and <project dir>/alembic/ the way `alembic init alembic`
does (the generic template), with the URL in alembic.ini and one change to env.py:
`transaction_per_migration=True`, strata's default of one transaction per migration. Then one
revision per versioned migration (V<version>__<description>.sql, in version order), written
by Alembic's own `alembic revision` machinery, chained by down_revision, whose upgrade() runs
the file's statements with op.execute(...). Statements are split at a `;` ending a line: enough
for the benchmarks' SQL, not a general splitter. Finally byte-compiles the project, as
installing a Python package does, so that the first timed run does not pay for compiling.

Run it with the interpreter that will run Alembic. Needs alembic (Debian: python3-alembic).
"""
import compileall
import contextlib
import hashlib
import io
import pathlib
import re
import sys

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory


def versioned(migrations):
    """(version key, description, statements) of each V file, in version order."""
    found = []
    for path in migrations.iterdir():
        m = re.fullmatch(r"V(\d+(?:[._]\d+)*)__(.+)\.sql", path.name)
        if not m:
            continue
        key = tuple(int(part) for part in re.split(r"[._]", m.group(1)))
        statements = [s.strip() for s in re.split(r";[ \t]*(?:\n|$)", path.read_text())]
        found.append((key, m.group(2).replace("_", " "), [s for s in statements if s]))
    return sorted(found)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: " + __doc__.strip().splitlines()[2].strip())
    migrations, project, url = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
    project.mkdir(parents=True, exist_ok=True)
    ini = project / "alembic.ini"

    # alembic init alembic (quiet: Alembic reports every file it writes)
    with contextlib.redirect_stdout(io.StringIO()):
        command.init(Config(str(ini)), str(project / "alembic"))
    text = ini.read_text()
    text, locations = re.subn(r"(?m)^script_location = .*$", "script_location = %(here)s/alembic", text)
    text, urls = re.subn(r"(?m)^sqlalchemy\.url = .*$",
                         lambda _: "sqlalchemy.url = " + url.replace("%", "%%"), text)
    assert locations == 1 and urls == 1, "unexpected alembic.ini template"
    ini.write_text(text)
    env = project / "alembic" / "env.py"
    text, n = re.subn(r"connection=connection, target_metadata=target_metadata\n",
                      "connection=connection,\n"
                      "            target_metadata=target_metadata,\n"
                      "            transaction_per_migration=True,\n", env.read_text())
    assert n == 1, "unexpected env.py template"
    env.write_text(text)

    # alembic revision -m "<description>", once per migration
    scripts = ScriptDirectory.from_config(Config(str(ini)))
    head = None
    for key, description, statements in versioned(migrations):
        rev = hashlib.sha1(repr(key).encode()).hexdigest()[-12:]  # the shape of Alembic's ids
        upgrades = "\n    ".join("op.execute(%r)" % s for s in statements) or "pass"
        with contextlib.redirect_stdout(io.StringIO()):
            scripts.generate_revision(rev, description, head=head, upgrades=upgrades)
        head = rev
    if head is None:
        sys.exit("no V<version>__<description>.sql files in %s" % migrations)

    compileall.compile_dir(str(project / "alembic"), quiet=1)


if __name__ == "__main__":
    main()
