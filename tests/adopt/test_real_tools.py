"""`strata adopt` on ledgers the real tools wrote: dbmate's Go binary and Alembic (Debian's
python3-alembic) migrate a project, then strata takes it over with the project's files unchanged:
`status` shows what the old tool applied, `migrate` runs only what is newer, and the old tool's
table is left as it was.

Run by the test suite (ctest) with Debian's /usr/bin/python3."""

from __future__ import annotations

import pathlib
import shutil
import subprocess

from conftest import strata, states


def dbmate_file(up: str, down: str, transaction: bool = True) -> str:
    options = "" if transaction else " transaction:false"
    return f"-- migrate:up{options}\n{up}\n\n-- migrate:down{options}\n{down}\n"


def test_a_project_dbmate_migrated_is_adopted_with_its_files_unchanged(database, dbmate, tmp_path):
    migrations = tmp_path / "db" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "20240101090000_create_teams.sql").write_text(
        dbmate_file("CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT NOT NULL);", "DROP TABLE teams;"))
    (migrations / "20240102090000_team_index.sql").write_text(
        dbmate_file("CREATE INDEX teams_name ON teams (name);", "DROP INDEX teams_name;", transaction=False))
    subprocess.run([dbmate, "--url", database.dbmate_url, "--migrations-dir", str(migrations), "--no-dump-schema",
                    "up"], check=True, capture_output=True)
    # A migration written after the switch.
    (migrations / "20240103090000_create_members.sql").write_text(
        dbmate_file("CREATE TABLE members (id INTEGER PRIMARY KEY, team_id INTEGER NOT NULL);",
                    "DROP TABLE members;"))
    files_before = {p.name: p.read_bytes() for p in migrations.iterdir()}
    dbmate_rows = database.query("SELECT version FROM schema_migrations ORDER BY version")
    assert dbmate_rows == [("20240101090000",), ("20240102090000",)]

    dry = strata("adopt", "--from", "dbmate", "--url", database.strata_url, "--dir", str(migrations), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "strata_history" not in database.tables()

    adopted = strata("adopt", "--from", "dbmate", "--url", database.strata_url, "--dir", str(migrations))
    assert adopted.returncode == 0, adopted.stderr
    assert "dbmate's schema_migrations: 2 migrations applied" in adopted.stdout
    assert states(database, migrations) == [
        "20240101090000=applied", "20240102090000=applied", "20240103090000=pending"]

    migrated = strata("migrate", "--url", database.strata_url, "--dir", str(migrations))
    assert migrated.returncode == 0, migrated.stderr
    assert "1 migration applied" in migrated.stdout
    assert "members" in database.tables()
    assert database.query("SELECT version FROM schema_migrations ORDER BY version") == dbmate_rows
    assert {p.name: p.read_bytes() for p in migrations.iterdir()} == files_before  # zero files changed


ALEMBIC_ENV = '''
from alembic import context
from sqlalchemy import create_engine, pool

connectable = create_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
with connectable.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
'''


def alembic_revision(revision: str, down: str | None, up_sql: str, down_sql: str) -> str:
    return (f"from alembic import op\n\nrevision = {revision!r}\ndown_revision = {down!r}\n"
            f"branch_labels = None\ndepends_on = None\n\n\n"
            f"def upgrade():\n    op.execute({up_sql!r})\n\n\ndef downgrade():\n    op.execute({down_sql!r})\n")


def test_a_project_alembic_migrated_is_baselined_at_the_version_named(database, tmp_path):
    from alembic import command
    from alembic.config import Config

    scripts = tmp_path / "alembic"
    (scripts / "versions").mkdir(parents=True)
    (scripts / "env.py").write_text(ALEMBIC_ENV)
    (scripts / "versions" / "ae1027a6acf_teams.py").write_text(alembic_revision(
        "ae1027a6acf", None, "CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT NOT NULL)", "DROP TABLE teams"))
    (scripts / "versions" / "27c6a30d7c24_members.py").write_text(alembic_revision(
        "27c6a30d7c24", "ae1027a6acf", "CREATE TABLE members (id INTEGER PRIMARY KEY, team_id INTEGER)",
        "DROP TABLE members"))
    config = Config()
    config.set_main_option("script_location", str(scripts))
    config.set_main_option("sqlalchemy.url", database.sqlalchemy_url.replace("%", "%%"))
    command.upgrade(config, "head")
    assert database.query("SELECT version_num FROM alembic_version") == [("27c6a30d7c24",)]

    # The same history as strata files, and the next migration.
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "V1__teams.sql").write_text("CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n")
    (migrations / "V2__members.sql").write_text("CREATE TABLE members (id INTEGER PRIMARY KEY, team_id INTEGER);\n")
    (migrations / "V3__roles.sql").write_text("CREATE TABLE roles (id INTEGER PRIMARY KEY);\n")

    refused = strata("adopt", "--from", "alembic", "--url", database.strata_url, "--dir", str(migrations))
    assert refused.returncode == 3
    assert "give --as-version V" in refused.stderr
    assert "strata_history" not in database.tables()

    adopted = strata("adopt", "--from", "alembic", "--as-version", "2", "--url", database.strata_url, "--dir",
                     str(migrations))
    assert adopted.returncode == 0, adopted.stderr
    assert "Alembic's revision 27c6a30d7c24: recorded as a baseline at version 2" in adopted.stdout
    assert states(database, migrations) == ["1=below-baseline", "2=baseline", "3=pending"]
    migrated = strata("migrate", "--url", database.strata_url, "--dir", str(migrations))
    assert migrated.returncode == 0, migrated.stderr
    assert "roles" in database.tables()
    assert database.query("SELECT version_num FROM alembic_version") == [("27c6a30d7c24",)]
