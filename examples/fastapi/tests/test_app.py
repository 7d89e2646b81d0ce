"""The incident's app for real: uvicorn processes of examples/fastapi against a SQLite file and
the test suite's throwaway PostgreSQL, observed as a user would: over HTTP, through the process's
exit code and log, and in the ledger.

Run by the test suite (ctest) with Debian's /usr/bin/python3 (see conftest.py)."""

from __future__ import annotations

import re
import shutil

from conftest import MIGRATIONS, App, columns, get, ledger, post


def test_the_app_migrates_at_start_up_and_serves_runbook_version(database, apps, tmp_path):
    app = App(database, tmp_path / "app.log")
    apps.append(app)
    health = app.wait_ready()
    assert health["schema_version"] == "2"
    assert health["applied"] == ["V1__create_runbook_executions.yaml", "V2__add_runbook_version.yaml"]
    assert "runbook_version" in columns(database, "runbook_executions")

    status, created = post(app.port, "/executions", {"runbook": "restart-db", "runbook_version": 3})
    assert status == 201
    assert get(app.port, f"/executions/{created['id']}") == {
        "id": created["id"], "runbook": "restart-db", "runbook_version": 3, "status": "pending"}


def test_a_restart_is_a_no_op_that_takes_no_lock(database, apps, tmp_path):
    first = App(database, tmp_path / "first.log")
    apps.append(first)
    assert first.wait_ready()["lock_taken"] is True
    first.stop()

    again = App(database, tmp_path / "again.log")
    apps.append(again)
    health = again.wait_ready()
    assert health["applied"] == []
    assert health["lock_taken"] is False
    log = again.log.read_text()
    assert "lock acquired" not in log and "applying" not in log
    assert ledger(database) == [("1", True), ("2", True)]


def test_four_apps_started_at_once_apply_every_migration_exactly_once(database, apps, tmp_path):
    started = [App(database, tmp_path / f"app{i}.log") for i in range(4)]
    apps.extend(started)
    healths = [app.wait_ready() for app in started]
    applied = sorted(script for h in healths for script in h["applied"])
    assert applied == ["V1__create_runbook_executions.yaml", "V2__add_runbook_version.yaml"]
    assert ledger(database) == [("1", True), ("2", True)]
    for app in started:  # every one serves on the migrated schema
        assert post(app.port, "/executions", {"runbook": "r", "runbook_version": 1})[0] == 201


def test_a_broken_migration_stops_start_up_naming_file_and_line_and_the_app_never_serves(database, apps, tmp_path):
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, migrations)
    (migrations / "V3__broken.sql").write_text(
        "CREATE TABLE runbook_notes (id INTEGER PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);\n")
    app = App(database, tmp_path / "app.log", migrations)
    apps.append(app)
    assert app.wait_exit() != 0
    assert not app.served
    log = app.log.read_text()
    assert "strata.MigrationFailed" in log
    assert re.search(r"V3__broken\.sql:2:\d+: version 3: statement 2 of 2 \(INSERT INTO no_such_table", log), log
    assert "Application startup failed" in log
    assert ledger(database) == [("1", True), ("2", True)]  # version 3 rolled back whole
    assert not columns(database, "runbook_notes")


def test_a_thousand_events_reach_the_apps_log_in_order_none_lost(database, apps, tmp_path):
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, migrations)
    for version in range(3, 501):
        (migrations / f"V{version}__table_{version}.sql").write_text(f"CREATE TABLE t_{version} (id INTEGER);\n")
    app = App(database, tmp_path / "app.log", migrations)
    apps.append(app)
    assert app.wait_ready(timeout=300)["schema_version"] == "500"
    events = re.findall(r"^INFO strata: (applying|applied) (\d+) ", app.log.read_text(), re.MULTILINE)
    assert len(events) == 1000
    expected = [(kind, str(version)) for version in range(1, 501) for kind in ("applying", "applied")]
    assert events == expected
