"""The incident's app for real: uvicorn processes of examples/fastapi against a SQLite file and
the test suite's throwaway PostgreSQL, observed as a user would: over HTTP, through the process's
exit code and log, and in the ledger.

Run by the test suite (ctest) with Debian's /usr/bin/python3. STRATA_FASTAPI_POSTGRES names the
PostgreSQL server's config file; when it is set, every test runs on PostgreSQL too, and an
unreachable server fails the test."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent
MIGRATIONS = EXAMPLE / "migrations"
BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("STRATA_FASTAPI_POSTGRES") else [])


def postgres_config() -> dict:
    lines = pathlib.Path(os.environ["STRATA_FASTAPI_POSTGRES"]).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path):
    """A new, empty database: its strata URL."""
    if request.param == "sqlite":
        yield f"sqlite:{tmp_path / 'runbooks.db'}"
        return
    import psycopg2

    config = postgres_config()
    name = f"fastapi_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(config["STRATA_TEST_ADMIN_URL"])
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    yield config["STRATA_TEST_DATABASE"].replace("{name}", name)
    admin.cursor().execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return json.loads(response.read())


def post(port: int, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


class App:
    """One uvicorn process of the example app."""

    def __init__(self, url: str, log: pathlib.Path, migrations: pathlib.Path = MIGRATIONS):
        self.port = free_port()
        self.log = log
        env = dict(os.environ, DATABASE_URL=url, STRATA_MIGRATIONS=str(migrations))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=EXAMPLE, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        self.served = False  # whether any request was ever answered

    def poll_health(self):
        try:
            health = get(self.port, "/health")
            self.served = True
            return health
        except (urllib.error.URLError, ConnectionError, OSError):
            return None

    def wait_ready(self, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (health := self.poll_health()) is not None:
                return health
            if self.process.poll() is not None:
                pytest.fail(f"the app exited with {self.process.returncode}:\n{self.log.read_text()}")
            time.sleep(0.05)
        pytest.fail(f"the app was not ready in {timeout} s:\n{self.log.read_text()}")

    def wait_exit(self, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self.poll_health()
            time.sleep(0.05)
        if self.process.poll() is None:
            pytest.fail(f"the app did not exit:\n{self.log.read_text()}")
        return self.process.returncode

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


@pytest.fixture
def apps():
    started: list[App] = []
    yield started
    for app in started:
        app.stop()


def ledger(url: str) -> list[tuple[str, bool]]:
    """(version, success) of every versioned row, in the order applied."""
    query = "SELECT version, success FROM strata_history WHERE version IS NOT NULL ORDER BY installed_rank"
    if url.startswith("sqlite:"):
        with sqlite3.connect(url[len("sqlite:"):]) as db:
            return [(v, bool(s)) for v, s in db.execute(query)]
    import psycopg2

    with psycopg2.connect(url) as db, db.cursor() as cursor:
        cursor.execute(query)
        return [(v, bool(s)) for v, s in cursor.fetchall()]


def columns(url: str, table: str) -> set[str]:
    if url.startswith("sqlite:"):
        with sqlite3.connect(url[len("sqlite:"):]) as db:
            return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    import psycopg2

    with psycopg2.connect(url) as db, db.cursor() as cursor:
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,))
        return {row[0] for row in cursor.fetchall()}


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
