"""The Python package over the C ABI, on real SQLite files: what an application calling
strata.migrate at start-up observes."""

import logging
import os
import pathlib
import sqlite3
import subprocess
import sys

import pytest

import strata

EXAMPLE = pathlib.Path(os.environ["STRATA_TEST_EXAMPLE_DIR"])


def test_migrate_applies_the_example_project_and_a_second_run_is_up_to_date(tmp_path):
    url = f"sqlite:{tmp_path / 'app.db'}"
    events = []
    report = strata.migrate(url=url, dir=str(EXAMPLE), on_event=events.append)
    assert report.command == "migrate"
    assert report.current_version == "9"
    scripts = [a["script"] for a in report.applied]
    assert "V8__add_runbook_version.yaml" in scripts
    assert [e["type"] for e in events].count("applied") == len(report.applied)
    columns = [row[1] for row in sqlite3.connect(tmp_path / "app.db").execute("PRAGMA table_info(runbook_executions)")]
    assert "runbook_version" in columns

    again = strata.migrate(url=url, dir=str(EXAMPLE))
    assert again.applied == []
    assert again.lock_taken is False  # the lock-free check: nothing pending, no lock


def test_a_migrate_report_lists_every_migration_only_on_request(tmp_path):
    url = f"sqlite:{tmp_path / 'app.db'}"
    report = strata.migrate(url=url, dir=str(EXAMPLE), target="3")
    assert "migrations" not in report.document
    assert report.counts["applied"] == len(report.applied) and report.pending > 0
    listed = strata.migrate(url=url, dir=str(EXAMPLE), list_migrations=True)
    assert {m["state"] for m in listed.migrations} == {"applied"}
    assert len(listed.migrations) == sum(listed.counts.values())
    assert len(strata.status(url=url, dir=str(EXAMPLE)).migrations) == len(listed.migrations)


def test_importing_the_package_loads_neither_the_library_nor_ctypes_json_or_logging():
    code = ("import sys, strata; "
            "print(sorted(m for m in ('ctypes', 'json', 'logging', 'typing') if m in sys.modules), strata._library)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] None"


def test_status_with_check_reports_pending_instead_of_raising(tmp_path):
    url = f"sqlite:{tmp_path / 'app.db'}"
    strata.migrate(url=url, dir=str(EXAMPLE), target="3")
    report = strata.status(url=url, dir=str(EXAMPLE), check=True)
    assert report.pending > 0
    assert strata.status(url=url, dir=str(EXAMPLE)).current_version == "3"


def test_a_broken_migration_raises_migration_failed_naming_file_and_line(tmp_path):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "V1__ok.sql").write_text("CREATE TABLE ok_table (id INTEGER);\n")
    (migrations / "V2__broken.sql").write_text("CREATE TABLE t (id INTEGER);\nINSERT INTO no_such VALUES (1);\n")
    with pytest.raises(strata.MigrationFailed) as failed:
        strata.migrate(url=f"sqlite:{tmp_path / 'app.db'}", dir=str(migrations))
    assert failed.value.exit_code == 1
    assert failed.value.file.endswith("V2__broken.sql")
    assert failed.value.line == 2
    assert failed.value.statement == 2
    rows = sqlite3.connect(tmp_path / "app.db").execute("SELECT script FROM strata_history").fetchall()
    assert rows == [("V1__ok.sql",)]  # version 2 rolled back whole


def test_every_problem_is_listed_by_validation_failed(tmp_path):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "V1__a.sql").write_text("CREATE TABLE a (id INTEGER);\nBEGIN;\n")
    (migrations / "V2__b.sql").write_text("COMMIT;\n")
    with pytest.raises(strata.ValidationFailed) as failed:
        strata.migrate(url=f"sqlite:{tmp_path / 'app.db'}", dir=str(migrations))
    assert [(p["file"].rsplit("/", 1)[-1], p["line"]) for p in failed.value.problems] == [("V1__a.sql", 2), ("V2__b.sql", 1)]


def test_a_bad_setting_is_a_usage_error_that_never_shows_a_password(tmp_path):
    with pytest.raises(strata.UsageError) as unknown:
        strata.migrate(url=f"sqlite:{tmp_path / 'app.db'}", dir=str(EXAMPLE), lock_timeot=3)
    assert "unknown setting 'lock_timeot'" in str(unknown.value)
    with pytest.raises(strata.UsageError) as bad:
        strata.migrate(url=f"sqlite:{tmp_path / 'app.db'}", lock_timeout="postgres://app:s3cret@db/app")
    assert "s3cret" not in str(bad.value)
    with pytest.raises(strata.ConnectionFailed):
        strata.status(url=f"sqlite:{tmp_path / 'missing' / 'app.db'}", dir=str(EXAMPLE))


def test_events_go_to_logging_by_default_in_order(tmp_path, caplog):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    for i in range(1, 201):
        (migrations / f"V{i}__t{i}.sql").write_text(f"CREATE TABLE t{i} (id INTEGER);\n")
    with caplog.at_level(logging.INFO, logger="strata"):
        strata.migrate(url=f"sqlite:{tmp_path / 'app.db'}", dir=str(migrations))
    applied = [r.getMessage() for r in caplog.records if r.getMessage().startswith("applied ")]
    assert len(applied) == 200  # none lost, and in order:
    assert [m.split(" in ")[0] for m in applied] == [f"applied {i} (V{i}__t{i}.sql)" for i in range(1, 201)]


def test_rollback_repair_baseline_and_schema(tmp_path):
    url = f"sqlite:{tmp_path / 'app.db'}"
    strata.migrate(url=url, dir=str(EXAMPLE))
    assert strata.rollback(url=url, dir=str(EXAMPLE), steps=1).current_version == "8"
    assert strata.repair(url=url, dir=str(EXAMPLE)).actions == ["nothing to repair"]
    with pytest.raises(strata.ValidationFailed):
        strata.baseline(url=url, dir=str(EXAMPLE), version="1")
    tables = [t["name"] for t in strata.schema(url=url)["tables"]]
    assert "runbook_executions" in tables


def test_diff_and_generate_write_the_migration_a_declared_schema_needs(tmp_path):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "V1__runbooks.yaml").write_text(
        "- create_table:\n    name: runbooks\n    columns:\n"
        "      - {name: id, type: bigint, primary_key: true}\n"
        "      - {name: title, type: string(200), nullable: false}\n")
    declared = tmp_path / "schema.yaml"
    declared.write_text(
        "tables:\n  - name: runbooks\n    columns:\n"
        "      - {name: id, type: bigint, primary_key: true}\n"
        "      - {name: title, type: string(200), nullable: false}\n"
        "      - {name: runbook_version, type: integer, nullable: false, default: 1}\n")
    report = strata.diff(to=str(declared), dir=str(migrations), check=True)
    assert report.differs is True
    assert [op["summary"] for op in report.operations] == ["add_column runbooks.runbook_version"]
    made = strata.generate("add runbook version", to=str(declared), dir=str(migrations))
    assert made.created == str(migrations / "V2__add_runbook_version.yaml")
    assert "drop_column" in (migrations / "V2__add_runbook_version.yaml").read_text()
    assert strata.diff(to=str(declared), dir=str(migrations), check=True).differs is False
    url = f"sqlite:{tmp_path / 'app.db'}"
    strata.migrate(url=url, dir=str(migrations))
    assert strata.diff(source=url, to=str(declared), check=True).differs is False
    # A rename is never guessed: nothing written, the hint names renamed_from.
    declared.write_text(declared.read_text().replace("name: title", "name: heading"))
    with pytest.raises(strata.ValidationFailed) as refused:
        strata.generate("rename title", to=str(declared), dir=str(migrations))
    assert "renamed_from: title" in str(refused.value)
    assert sorted(p.name for p in migrations.iterdir()) == ["V1__runbooks.yaml", "V2__add_runbook_version.yaml"]


def test_lint_asks_the_data_and_drift_names_a_change_made_by_hand(tmp_path):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "V1__runs.yaml").write_text(
        "- create_table:\n    name: runs\n    columns:\n"
        "      - {name: id, type: bigint, primary_key: true}\n"
        "      - {name: status, type: string(20)}\n")
    url = f"sqlite:{tmp_path / 'app.db'}"
    strata.migrate(url=url, dir=str(migrations))
    db = sqlite3.connect(tmp_path / "app.db")
    db.execute("INSERT INTO runs (id, status) VALUES (1, 'done')")
    db.commit()
    (migrations / "V2__version.yaml").write_text(
        "- add_column: {table: runs, column: {name: runbook_version, type: integer, nullable: false}}\n")
    with pytest.raises(strata.ValidationFailed) as refused:
        strata.lint(url=url, dir=str(migrations))
    finding = refused.value.document["findings"][0]
    assert finding["code"] == "not-null-no-default"
    assert finding["message"].endswith("it fails on runs, which holds 1 row")
    assert "V2__version.yaml:1: not-null-no-default" in str(refused.value)
    report = strata.lint(url=url, dir=str(migrations), allow=["not-null-no-default"])
    assert report.findings[0]["allowed"] is True

    assert strata.drift(url=url, dir=str(migrations)).drifted is False
    db.execute("ALTER TABLE runs ADD COLUMN hotfix TEXT")
    db.commit()
    with pytest.raises(strata.ValidationFailed) as drifted:
        strata.drift(url=url, dir=str(migrations))
    assert drifted.value.document["differences"] == ["add_column runs.hotfix"]
    assert "drift: add_column runs.hotfix" in str(drifted.value)


def test_a_fleet_of_files_is_migrated_alike_and_an_unreachable_one_makes_it_incomplete(tmp_path):
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    for i in range(3):
        (tenants / f"t{i}.db").touch()
    targets = tmp_path / "targets.txt"
    targets.write_text(f"@glob sqlite:{tenants}/t*.db\n")
    ended = []
    report = strata.migrate_fleet(str(targets), dir=str(EXAMPLE), parallel=2,
                                  on_event=lambda e: ended.append(e["target"]["status"]))
    assert report.summary["applied"] == 3 and report.summary["exit_code"] == 0
    assert sorted(t["target"] for t in report.targets) == [f"sqlite:{tenants}/t{i}.db" for i in range(3)]
    assert ended == ["applied"] * 3
    for i in range(3):
        tables = {r[0] for r in sqlite3.connect(tenants / f"t{i}.db").execute("SELECT name FROM sqlite_master")}
        assert "runbook_executions" in tables

    targets.write_text(f"@glob sqlite:{tenants}/t*.db\nsqlite:{tmp_path}/no/such.db\n")
    with pytest.raises(strata.FleetIncomplete) as incomplete:
        strata.migrate_fleet(str(targets), dir=str(EXAMPLE), on_error="continue")
    summary = incomplete.value.document["summary"]
    assert (summary["up_to_date"], summary["failed"], summary["exit_code"]) == (3, 1, 7)
    assert "the fleet is incomplete: 1 failed, 0 not attempted" in str(incomplete.value)
    assert "no/such.db" in str(incomplete.value)

    # An exception from on_event stops the fleet: no target starts after it, and it is raised.
    class Enough(Exception):
        pass

    def stop(event):
        raise Enough(event["target"]["target"])

    more = tmp_path / "more"
    more.mkdir()
    for i in range(4):
        (more / f"m{i}.db").touch()
    targets.write_text(f"@glob sqlite:{more}/m*.db\n")
    with pytest.raises(Enough):
        strata.migrate_fleet(str(targets), dir=str(EXAMPLE), on_event=stop)
    migrated = [f.name for f in sorted(more.glob("m*.db")) if f.stat().st_size > 0]
    assert migrated == ["m0.db"]  # --parallel 1: the first target, and no other

    with pytest.raises(strata.UsageError) as refused:
        strata.migrate_fleet(str(targets), dir=str(EXAMPLE), parallel=0)
    assert "--parallel takes" in str(refused.value)


def test_an_app_under_a_turkish_locale_reads_lower_case_sql_as_anywhere_else(tmp_path):
    """Python sets LC_CTYPE from the environment at start-up, and under tr_TR.UTF-8 the C library's
    toupper('i') is 'i'. strata reads SQL keywords in ASCII, whatever the locale: a trigger written in
    lower case is one statement, its `begin` is no transaction control, and the migration applies."""
    locales = tmp_path / "locales"
    locales.mkdir()
    # The locale, compiled from the sources of Debian's `locales` package into a directory of this
    # test (LOCPATH): nothing is installed on the machine. Not under the sanitizers' runtime, which
    # the sanitizer tier preloads for strata's library alone.
    plain = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    made = subprocess.run(["localedef", "-i", "tr_TR", "-f", "UTF-8", str(locales / "tr_TR.UTF-8")],
                          env=plain, capture_output=True, text=True)
    assert (locales / "tr_TR.UTF-8").is_dir(), f"localedef (package locales) failed: {made.stderr}"
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "V1__audit.sql").write_text(
        "create table items (id integer primary key, name text);\n"
        "create table audit (item_id integer);\n"
        "create trigger items_audit after insert on items\n"
        "begin\n"
        "  insert into audit (item_id) values (new.id);\n"
        "end;\n")
    database = tmp_path / "app.db"
    app = ("import ctypes, locale, sys, strata\n"
           "libc = ctypes.CDLL(None)\n"
           "print(locale.setlocale(locale.LC_CTYPE), chr(libc.toupper(ord('i'))))\n"
           "report = strata.migrate(url=sys.argv[1], dir=sys.argv[2])\n"
           "print([a['script'] for a in report.applied])\n")
    env = dict(os.environ, LOCPATH=str(locales), LC_ALL="tr_TR.UTF-8")
    run = subprocess.run([sys.executable, "-c", app, f"sqlite:{database}", str(migrations)],
                         env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    premise, applied = run.stdout.splitlines()
    assert premise == "tr_TR.UTF-8 i"  # the locale is in force, and the C library's toupper follows it
    assert applied == "['V1__audit.sql']"
    db = sqlite3.connect(database)
    db.execute("INSERT INTO items (id, name) VALUES (7, 'kitap')")
    assert db.execute("SELECT item_id FROM audit").fetchall() == [(7,)]  # the trigger, whole
